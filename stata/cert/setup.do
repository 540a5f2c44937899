* setup.do -- prepare a certification run (cert_all.do calls it; run it from
* stata/cert).  Installs leostata from this checkout with net install, as a
* user would, builds a 2,000-person synthetic database, and saves whole small
* tables as .dta files: the native-Stata side of every comparison.

version 16
clear all
discard

local root "`c(pwd)'/../.."
local pkg "`c(tmpdir)'/leostata_net"
local data "`c(tmpdir)'/leostata_cert"
capture mkdir "`pkg'"
capture mkdir "`data'"

* the net-install folder, assembled by stata/build.py in Stata's own Python
python script "`root'/stata/build.py", args("`pkg'")
capture ado uninstall leostata
net install leostata, from("`pkg'") replace
which leoload
which _leostata_check

leoset synthetic, persons(2000) seed(1)
assert r(synthetic) == 1

foreach table in ks4_pupil leo_earnings leo_benefit ref_cah2 {
	leoload `table', clear
	save "`data'/`table'.dta", replace
}
