* setup.do -- prepare a certification run (cert_all.do calls it; run it from
* stata/cert).  Installs leostata from this checkout with net install, as a
* user would, builds a 2,000-person synthetic database, and makes the
* native-Stata side of every comparison WITHOUT leostata: DuckDB itself,
* in a separate Python process, exports the tables as CSV (leocert_export.py);
* import delimited reads them; each is sorted by the table's key, given the
* storage types, formats and labels leostata promises (cert_programs.do,
* leo_promised_meta) and saved as <table>.dta in c(tmpdir)/leostata_cert.
*
* The export runs in its own process because leostata's session holds the
* DuckDB file open (read-only, external access off) in Stata's Python, and
* DuckDB refuses a second connection with another configuration in the same
* process.  The Python used is the one python query reports (r(execpath),
* the executable python set exec chose); set the global LEOCERT_PYTHON to
* the full path of another python.exe to override (it needs the duckdb
* package, which leostata's installation brings).
*
* shell sets no return code, so the export's success is read from a marker
* file the script writes last, after every table (leocert_export.ok): it is
* erased first and confirm file checks it after.  The command line holds
* exactly two double quotes (the quoted python path; the script is named
* relative to the current folder, which is the export folder), so Windows'
* cmd /c keeps them as typed; all other paths go through a file.

version 16
clear all
discard
run cert_programs.do

local here "`c(pwd)'"
local root "`c(pwd)'/../.."
local pkg "`c(tmpdir)'/leostata_net"
local data "`c(tmpdir)'/leostata_cert"
capture mkdir `"`pkg'"'
capture mkdir `"`data'"'

* the net-install folder, assembled as stata/build.py does (the f and F
* lines of the .pkg, copied flat), in Stata itself: python script's
* __file__ and __name__ are undocumented
copy `"`root'/stata/leostata.pkg"' `"`pkg'/leostata.pkg"', replace
copy `"`root'/stata/stata.toc"' `"`pkg'/stata.toc"', replace
tempname fh
file open `fh' using `"`root'/stata/leostata.pkg"', read text
file read `fh' line
while r(eof) == 0 {
	if inlist(substr(`"`line'"', 1, 2), "f ", "F ") {
		local f = strtrim(substr(`"`line'"', 3, .))
		capture confirm file `"`root'/ado/`f'"'
		if !_rc copy `"`root'/ado/`f'"' `"`pkg'/`f'"', replace
		else copy `"`root'/stata/examples/`f'"' `"`pkg'/`f'"', replace
	}
	file read `fh' line
}
file close `fh'
capture ado uninstall leostata
net install leostata, from(`"`pkg'"') replace
which leoload
which _leostata_check

leoset synthetic, persons(2000) seed(1)
local synthetic = r(synthetic)
local url `"`r(url)'"'
assert `synthetic' == 1
assert substr(`"`url'"', 1, 10) == "duckdb:///"
local db = substr(`"`url'"', 11, .)        // duckdb:///<path>, path as posix
confirm file `"`db'"'

* the tables, each with its key (unique: the order leoload gives by default);
* "table key ..." per entry (local names stop at 31 characters)
local tablekeys `""ks4_pupil KS4_PupilMatchingRefAnonymous" "leo_earnings Edukey TaxYear""'
local tablekeys `"`tablekeys' "leo_benefit EduKey StartDate" "ref_cah2 code""'
local tablekeys `"`tablekeys' "hesa_2016 HE_PUPILMATCHINGREFANONYMOUS year HE_COMDATE HE_XINSTID01_ANON HE_COURSEAIM""'
local tablekeys `"`tablekeys' "learner_ae_id_to_pmr_lookup AE_ID PUPILMATCHINGREFANONYMOUS""'
local tablekeys `"`tablekeys' "learner_ae_id_to_edukey_lookup AE_ID EDUKEY""'
local tablekeys `"`tablekeys' "leo_geography Edukey TaxYear" "ref_sic_section code""'
local tables
foreach entry of local tablekeys {
	gettoken t : entry
	local tables `tables' `t'
}

* DuckDB exports them (a separate process; see above)
if `"$LEOCERT_PYTHON"' != "" local python `"$LEOCERT_PYTHON"'
else {
	quietly python query
	local python `"`r(execpath)'"'
}
confirm file `"`python'"'
copy `"`root'/stata/cert/leocert_export.py"' `"`data'/leocert_export.py"', replace
capture erase `"`data'/leocert_export.ok"'
file open `fh' using `"`data'/leocert_export.args"', write text replace
file write `fh' `"`db'"' _n
foreach t of local tables {
	file write `fh' "`t'" _n
}
file close `fh'
quietly cd `"`data'"'
shell "`python'" leocert_export.py
capture confirm file "leocert_export.ok"
local rc = _rc
quietly cd `"`here'"'
if `rc' {
	display as error "the DuckDB export failed (no leocert_export.ok in `data'): see the shell output above"
	exit `rc'
}

* the schema: DuckDB's column types and the stored descriptions
import delimited using `"`data'/leocert_schema.csv"', clear varnames(1) case(preserve) ///
	encoding("utf-8") delimiters(",") bindquotes(strict) stringcols(1 3 4 5) numericcols(2)
save `"`data'/leocert_schema.dta"', replace
import delimited using `"`data'/leocert_counts.csv"', clear varnames(1) case(preserve) ///
	encoding("utf-8") delimiters(",") stringcols(1) numericcols(2)
tempfile counts
save `"`counts'"'

* each table: CSV -> Stata, strings and numbers as DuckDB typed them, dates
* through date(), then the promised metadata
foreach entry of local tablekeys {
	gettoken t key : entry
	use if table == "`t'" using `"`counts'"', clear
	assert _N == 1
	local rows = rows[1]
	use if table == "`t'" using `"`data'/leocert_schema.dta"', clear
	local strcols
	local numcols
	local datecols
	forvalues i = 1/`=_N' {
		local type = strupper(data_type[`i'])
		if strpos("`type'", "VARCHAR") == 1 | "`type'" == "DATE" local strcols `strcols' `=position[`i']'
		else local numcols `numcols' `=position[`i']'
		if "`type'" == "DATE" local datecols `datecols' `=column[`i']'
	}
	local order
	forvalues i = 1/`=_N' {
		local order `order' `=column[`i']'
	}
	local opts
	if "`strcols'" != "" local opts `opts' stringcols(`strcols')
	if "`numcols'" != "" local opts `opts' numericcols(`numcols')
	import delimited using `"`data'/`t'.csv"', clear varnames(1) case(preserve) ///
		encoding("utf-8") delimiters(",") bindquotes(strict) asdouble `opts'
	assert _N == `rows'
	describe, varlist
	assert "`r(varlist)'" == "`order'"
	foreach v of local datecols {
		tempvar day
		generate double `day' = date(`v', "YMD")
		assert !missing(`day') if `v' != ""
		drop `v'
		rename `day' `v'
	}
	order `order'
	sort `key'
	isid `key', missok
	leo_promised_meta `t'
	save `"`data'/`t'.dta"', replace
}
