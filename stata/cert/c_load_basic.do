* c_load_basic.do -- leoload loads what native Stata keeps: varlists, if, in,
* sort(), frames, r() and the synthetic marking.
cscript "leostata: leoload against native use/keep" adofiles leoload _leostata_check
version 16
run cert_programs.do
quietly leoset synthetic, persons(2000) seed(1)
local data "`c(tmpdir)'/leostata_cert"

* the whole table: r(), the SQL kept with the data, the SYNTHETIC marking
leoload ks4_pupil, clear
local r_N = r(N)
local r_k = r(k)
local r_table `"`r(table)'"'
local r_dialect `"`r(dialect)'"'
local r_frame `"`r(frame)'"'
local r_synthetic = r(synthetic)
local r_sql `"`r(sql)'"'
assert `r_N' == _N & `r_N' > 0 & `r_k' == c(k)
assert "`r_table'" == "ks4_pupil" & "`r_dialect'" == "duckdb" & "`r_frame'" == "default"
assert `r_synthetic' == 1
assert strpos(`"`r_sql'"', "SELECT") == 1
mata: assert(st_local("r_sql") == st_global("_dta[leo_sql]"))
local label : data label
assert strpos(`"`label'"', "SYNTHETIC") == 1
assert "`: char _dta[leo_synthetic]'" != ""

* every exported table, whole: values, order, types, formats and labels
* against DuckDB's own export
foreach t in ks4_pupil leo_earnings leo_benefit ref_cah2 learner_ae_id_to_pmr_lookup ///
	learner_ae_id_to_edukey_lookup leo_geography ref_sic_section {
	leo_vs_use `t'
}

* the same table written by leostata's command line (its own .dta writer);
* a file left by an earlier run is erased first and the return code checked
quietly leoset
local url `"`r(url)'"'
local out "`data'/ks4_pupil_cli.dta"
capture erase `"`out'"'
python: import sfi, leostata.cli
python: sfi.Macro.setLocal("clirc", str(leostata.cli.main(["load", "--url", sfi.Macro.getLocal("url"), "--out", sfi.Macro.getLocal("out"), "--", "ks4_pupil"])))
assert "`clirc'" == "0"
confirm file `"`out'"'
use `"`out'"', clear
leo_same_data using `"`data'/ks4_pupil.dta"'

* varlists, if, in
leo_vs_use ks4_pupil KS4_PupilMatchingRefAnonymous KS4_GENDER KS4_FSM
leo_vs_use ks4_pupil KS4_*
leo_vs_use ks4_pupil if KS4_FSM == 1
leo_vs_use ks4_pupil KS4_GENDER KS4_ETHNIC if KS4_ETHNIC == "WBRI" & KS4_GENDER == "F"
leo_vs_use ks4_pupil if KS4_ACADYR != "2011/2012, and a comma"
leo_vs_use ks4_pupil in 1/25
leo_vs_use ks4_pupil in -10/l
leo_vs_use ks4_pupil if KS4_FSM == 0 in 5/40
leo_vs_use leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516 & Earnings < 10000
leo_vs_use leo_benefit if StartDate >= mdy(1, 1, 2015) & Benefit_type == "JSA"

* sort(): the order of the result and of in
use `"`data'/ks4_pupil.dta"', clear
sort KS4_IDACI KS4_PupilMatchingRefAnonymous, stable
keep in 1/30
leo_promised_meta ks4_pupil
tempfile want
save `"`want'"'
leoload ks4_pupil in 1/30, sort(KS4_IDACI KS4_PupilMatchingRefAnonymous) clear
leo_same_data using `"`want'"'

* frame(): the current frame stays as it was
sysuse auto, clear
leoload ref_cah2, frame(cah, replace)
local r_N = r(N)
local r_frame `"`r(frame)'"'
assert "`c(frame)'" == "default" & _N == 74 & "`r_frame'" == "cah"
frame cah: assert _N == `r_N'
frame cah: leo_same_data using `"`data'/ref_cah2.dta"'
frame drop cah

* count and sqlonly load nothing
sysuse auto, clear
leoload ks4_pupil if KS4_FSM == 1, count
local n = r(N)
assert _N == 74
use if KS4_FSM == 1 using `"`data'/ks4_pupil.dta"', clear
assert _N == `n'

* the options begin at the first comma outside parentheses and quotes
* (_parse comma): commas inside a function's arguments and inside strings
* belong to the if condition; counted against native use if
leoload ks4_pupil if inrange(KS4_FSM, 1, 1) & KS4_GENDER != "F, M", count
local n = r(N)
use if inrange(KS4_FSM, 1, 1) & KS4_GENDER != "F, M" using `"`data'/ks4_pupil.dta"', clear
assert _N == `n' & `n' > 0
leoload ks4_pupil if cond(inlist(KS4_FSM, 1, 7), 1, 0) == 1 & ustrpos(KS4_GENDER, ",") == 0, count
local n = r(N)
use if cond(inlist(KS4_FSM, 1, 7), 1, 0) == 1 & ustrpos(KS4_GENDER, ",") == 0 using `"`data'/ks4_pupil.dta"', clear
assert _N == `n' & `n' > 0
sysuse auto, clear
leoload ks4_pupil if KS4_FSM == 1, sqlonly
local r_N = r(N)
local r_sql `"`r(sql)'"'
assert _N == 74 & `r_N' == .
assert strpos(`"`r_sql'"', "SELECT") == 1
