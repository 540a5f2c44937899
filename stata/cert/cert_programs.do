* cert_programs.do -- programs the c_*.do scripts share (run it after cscript,
* which drops programs).

* leo_vs_use TABLE [varlist] [if] [in]
*   native:   use [varlist] [if] [in] using TABLE.dta (saved by setup.do)
*   leostata: leoload TABLE [varlist] [if] [in], clear
*   the two must hold the same observations in the same order, and r(N),
*   r(k) must describe what was loaded.
capture program drop leo_vs_use
program leo_vs_use
	version 16
	gettoken table 0 : 0
	local data "`c(tmpdir)'/leostata_cert"
	quietly use `0' using "`data'/`table'.dta", clear
	local n = _N
	local k = c(k)
	tempfile want
	quietly save `want'
	quietly leoload `table' `0', clear
	assert r(N) == `n' & _N == `n'
	assert r(k) == `k'
	cf _all using `want', all
	display as text `"ok: leoload `table' `0'  (`n' observations)"'
end
