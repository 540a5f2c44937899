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

* the net-install folder, assembled as stata/build.py does (the f lines of
* the .pkg, copied flat), in Stata itself: python script's __file__ and
* __name__ are undocumented
copy "`root'/stata/leostata.pkg" "`pkg'/leostata.pkg", replace
copy "`root'/stata/stata.toc" "`pkg'/stata.toc", replace
tempname fh
file open `fh' using "`root'/stata/leostata.pkg", read text
file read `fh' line
while r(eof) == 0 {
	if substr(`"`line'"', 1, 2) == "f " {
		local f = strtrim(substr(`"`line'"', 3, .))
		capture confirm file "`root'/ado/`f'"
		if !_rc copy "`root'/ado/`f'" "`pkg'/`f'", replace
		else copy "`root'/stata/examples/`f'" "`pkg'/`f'", replace
	}
	file read `fh' line
}
file close `fh'
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
