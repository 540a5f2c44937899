* cert_all.do -- leostata certification, for a licensed Stata 16 or later.
*
* Run from this folder:   cd <repository>/stata/cert
*                         do cert_all.do
* It installs leostata from this checkout (setup.do), runs every c_*.do
* (each compares leostata with native Stata on the same data, or asserts
* return codes), then the example do-file, and writes
* logs/cert_all_<os>.log.  A certification script stops at the first
* problem; the last line of a good run is "ALL CERT SCRIPTS PASSED".
* tests/stata/test_pystata.py runs this file through pystata when
* STATA_HOME is set.

version 16
capture log close leocert
capture mkdir logs
log using `"logs/cert_all_`c(os)'.log"', replace text name(leocert)

do "setup.do"
foreach script in c_load_basic c_if_missing c_collapse c_merge c_errors {
	do `"`script'.do"'
}
do "../examples/graduate_earnings.do"

display as result "ALL CERT SCRIPTS PASSED"
log close leocert
