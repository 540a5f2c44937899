* c_load_basic.do -- leoload loads what native Stata keeps: varlists, if, in,
* sort(), frames, r() and the synthetic marking.
cscript "leostata: leoload against native use/keep" adofiles leoload _leostata_check
version 16
run cert_programs.do
quietly leoset synthetic, persons(2000) seed(1)
local data "`c(tmpdir)'/leostata_cert"

* the whole table: r(), the SQL kept with the data, the SYNTHETIC marking
leoload ks4_pupil, clear
assert r(N) == _N & r(N) > 0 & r(k) == c(k)
assert "`r(table)'" == "ks4_pupil" & "`r(dialect)'" == "duckdb" & "`r(frame)'" == "default"
assert r(synthetic) == 1
mata: assert(strpos(st_global("r(sql)"), "SELECT") == 1)
mata: assert(st_global("r(sql)") == st_global("_dta[leo_sql]"))
local label : data label
assert strpos(`"`label'"', "SYNTHETIC") == 1
assert "`: char _dta[leo_synthetic]'" != ""

* the same table written by leostata's command line (its own .dta writer)
quietly leoset
local url "`r(url)'"
local out "`data'/ks4_pupil_cli.dta"
python: import sfi, leostata.cli
python: leostata.cli.main(["load", "--url", sfi.Macro.getLocal("url"), "--out", sfi.Macro.getLocal("out"), "--", "ks4_pupil"])
use "`out'", clear
cf _all using "`data'/ks4_pupil.dta", all

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
use "`data'/ks4_pupil.dta", clear
sort KS4_IDACI KS4_PupilMatchingRefAnonymous, stable
keep in 1/30
tempfile want
save `want'
leoload ks4_pupil in 1/30, sort(KS4_IDACI KS4_PupilMatchingRefAnonymous) clear
cf _all using `want', all

* frame(): the current frame stays as it was
sysuse auto, clear
leoload ref_cah2, frame(cah, replace)
assert "`c(frame)'" == "default" & _N == 74 & "`r(frame)'" == "cah"
frame cah: assert _N == r(N)
frame cah: cf _all using "`data'/ref_cah2.dta", all
frame drop cah

* count and sqlonly load nothing
sysuse auto, clear
leoload ks4_pupil if KS4_FSM == 1, count
local n = r(N)
assert _N == 74
use if KS4_FSM == 1 using "`data'/ks4_pupil.dta", clear
assert _N == `n'
sysuse auto, clear
leoload ks4_pupil if KS4_FSM == 1, sqlonly
assert _N == 74 & r(N) == .
mata: assert(strpos(st_global("r(sql)"), "SELECT") == 1)
