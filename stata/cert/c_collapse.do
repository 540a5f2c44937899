* c_collapse.do -- collapse() on the server against Stata's collapse on the
* same data: percentiles, counts and sums exactly; means and standard
* deviations to a relative 1e-7; all-missing groups; cw; no observations.
cscript "leostata: collapse() against collapse" adofiles leoload
version 16
quietly leoset synthetic, persons(2000) seed(1)
local data "`c(tmpdir)'/leostata_cert"

* percentiles, counts, sums, min and max: exact
use if TaxYear >= 201516 using "`data'/leo_earnings.dta", clear
collapse (p10) p10=Earnings (p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings ///
	(p90) p90=Earnings (count) n=Earnings (sum) sum=Earnings (min) min=Earnings     ///
	(max) max=Earnings, by(TaxYear)
tempfile want
save `want'
leoload leo_earnings if TaxYear >= 201516, collapse((p10) p10=Earnings                  ///
	(p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings (p90) p90=Earnings       ///
	(count) n=Earnings (sum) sum=Earnings (min) min=Earnings (max) max=Earnings)      ///
	by(TaxYear) clear
assert r(N) == _N
cf _all using `want', all

* means and standard deviations: floating point, so a relative tolerance
use "`data'/leo_earnings.dta", clear
collapse (mean) m0=Earnings (sd) s0=Earnings (median) med0=Earnings, by(TaxYear)
save `want', replace
leoload leo_earnings, collapse((mean) m=Earnings (sd) s=Earnings (median) med=Earnings) ///
	by(TaxYear) clear
merge 1:1 TaxYear using `want', assert(match) nogenerate
assert m == m0 | reldif(m, m0) < 1e-7
assert s == s0 | reldif(s, s0) < 1e-7
assert med == med0

* groups where everything is missing: (sum) 0, (count) 0, (mean) missing;
* a string by() variable
use "`data'/ks4_pupil.dta", clear
collapse (sum) s0=KS4_ATT8 (count) n0=KS4_ATT8 (mean) m0=KS4_ATT8 (p50) p0=KS4_ATT8, ///
	by(KS4_ACADYR)
save `want', replace
leoload ks4_pupil, collapse((sum) s=KS4_ATT8 (count) n=KS4_ATT8 (mean) m=KS4_ATT8    ///
	(p50) p=KS4_ATT8) by(KS4_ACADYR) clear
merge 1:1 KS4_ACADYR using `want', assert(match) nogenerate
assert s == s0 & n == n0 & p == p0
assert m == m0 | reldif(m, m0) < 1e-7
count if n == 0
assert r(N) > 0
assert s == 0 & missing(m) if n == 0

* cw: casewise deletion
use "`data'/ks4_pupil.dta", clear
collapse (mean) a0=KS4_ATT8 (mean) i0=KS4_IDACI (count) n0=KS4_IDACI, by(KS4_GENDER) cw
save `want', replace
leoload ks4_pupil, collapse((mean) a=KS4_ATT8 (mean) i=KS4_IDACI (count) n=KS4_IDACI) ///
	by(KS4_GENDER) cw clear
merge 1:1 KS4_GENDER using `want', assert(match) nogenerate
assert n == n0
assert (a == a0 | reldif(a, a0) < 1e-7) & (i == i0 | reldif(i, i0) < 1e-7)

* no observations left: r(2000), as collapse, and the data stay
sysuse auto, clear
rcof "noisily leoload leo_earnings if TaxYear > 999999, collapse((mean) Earnings) clear" == 2000
assert _N == 74
