* c_collapse.do -- collapse() on the server against Stata's collapse on the
* same data (DuckDB's export, with the types leostata promises): percentiles,
* counts and sums exactly; means and standard deviations to a relative 1e-7;
* all-missing groups; cw; no observations; sdc's suppressed cells (.s).
* Storage types, formats and labels must be the ones Stata's collapse gives.
cscript "leostata: collapse() against collapse" adofiles leoload
version 16
run cert_programs.do
quietly leoset synthetic, persons(2000) seed(1)
local data "`c(tmpdir)'/leostata_cert"
tempfile want

* percentiles, counts, sums, min and max: exact
use if TaxYear >= 201516 using `"`data'/leo_earnings.dta"', clear
leo_promised_meta leo_earnings
collapse (p10) p10=Earnings (p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings ///
	(p90) p90=Earnings (count) n=Earnings (sum) sum=Earnings (min) min=Earnings     ///
	(max) max=Earnings, by(TaxYear)
save `"`want'"', replace
leoload leo_earnings if TaxYear >= 201516, collapse((p10) p10=Earnings                  ///
	(p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings (p90) p90=Earnings       ///
	(count) n=Earnings (sum) sum=Earnings (min) min=Earnings (max) max=Earnings)      ///
	by(TaxYear) clear
local r_N = r(N)
assert `r_N' == _N
leo_same_data using `"`want'"'

* means and standard deviations: floating point, so a relative tolerance
use `"`data'/leo_earnings.dta"', clear
collapse (mean) m=Earnings (sd) s=Earnings (median) med=Earnings, by(TaxYear)
save `"`want'"', replace
leoload leo_earnings, collapse((mean) m=Earnings (sd) s=Earnings (median) med=Earnings) ///
	by(TaxYear) clear
leo_cf_meta using `"`want'"'
rename (m s med) (m1 s1 med1)
merge 1:1 TaxYear using `"`want'"', assert(match) nogenerate
assert m1 == m | reldif(m1, m) < 1e-7
assert s1 == s | reldif(s1, s) < 1e-7
assert med1 == med

* groups where everything is missing: (sum) 0, (count) 0, (mean) missing;
* a string by() variable
use `"`data'/ks4_pupil.dta"', clear
collapse (sum) s=KS4_ATT8 (count) n=KS4_ATT8 (mean) m=KS4_ATT8 (p50) p=KS4_ATT8, ///
	by(KS4_ACADYR)
save `"`want'"', replace
leoload ks4_pupil, collapse((sum) s=KS4_ATT8 (count) n=KS4_ATT8 (mean) m=KS4_ATT8    ///
	(p50) p=KS4_ATT8) by(KS4_ACADYR) clear
leo_cf_meta using `"`want'"'
rename (s n m p) (s1 n1 m1 p1)
merge 1:1 KS4_ACADYR using `"`want'"', assert(match) nogenerate
assert s1 == s & n1 == n & p1 == p
assert m1 == m | reldif(m1, m) < 1e-7
count if n == 0
assert r(N) > 0
assert s1 == 0 & missing(m1) if n == 0

* cw: casewise deletion
use `"`data'/ks4_pupil.dta"', clear
collapse (mean) a=KS4_ATT8 (mean) i=KS4_IDACI (count) n=KS4_IDACI, by(KS4_GENDER) cw
save `"`want'"', replace
leoload ks4_pupil, collapse((mean) a=KS4_ATT8 (mean) i=KS4_IDACI (count) n=KS4_IDACI) ///
	by(KS4_GENDER) cw clear
leo_cf_meta using `"`want'"'
rename (a i n) (a1 i1 n1)
merge 1:1 KS4_GENDER using `"`want'"', assert(match) nogenerate
assert n1 == n
assert (a1 == a | reldif(a1, a) < 1e-7) & (i1 == i | reldif(i1, i) < 1e-7)

* sdc: a failing statistic is .s (value label _sdc_s: "suppressed"), a
* passing one is never .s; every reason fails the mean, only n<10 the count
leoload leo_earnings, collapse((mean) m=Earnings (count) n=Earnings) ///
	by(TaxYear Main_Section) sdc clear
count if _sdc != "ok"
assert r(N) > 0
assert m == .s if _sdc != "ok"
assert m != .s if _sdc == "ok"
assert n == .s if _sdc == "n<10"
assert n < . if _sdc != "n<10"
assert "`: value label m'" == "_sdc_s"
label list _sdc_s

* no observations left: r(2000), as collapse, and the data stay
sysuse auto, clear
rcof "noisily leoload leo_earnings if TaxYear > 999999, collapse((mean) Earnings) clear" == 2000
assert _N == 74
