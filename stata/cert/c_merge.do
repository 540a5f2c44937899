* c_merge.do -- leoload's merge(), cohort() and link against native Stata
* merge (no joinby) on DuckDB's export of the synthetic tables, then collapse:
* 1:1, m:1, 1:m, keep(), keepusing(), two merges in a row, using TABLE if
* exp, cohorts, link(drop), and the graduate-earnings question of help
* leoload compared cell by cell.  Values, storage types, formats, variable
* and value labels must all agree (leo_same_data, cert_programs.do).
cscript "leostata: merge(), cohort() and link against merge" adofiles leoload
version 16
run cert_programs.do
quietly leoset synthetic, persons(2000) seed(1)
local data "`c(tmpdir)'/leostata_cert"
tempfile want part

* leo_pmr_reach ROWS PMRVAR OUT
*   link(drop) from EDUKEY to a PMR, in native Stata: ROWS is a .dta with
*   the other table's rows (after its if) and their PMR in PMRVAR.  Saves
*   to OUT one row per person (Edukey) reaching exactly one PMR that ROWS
*   holds, through learner_ae_id_to_edukey_lookup (EDUKEY -> AE_ID) and
*   learner_ae_id_to_pmr_lookup (AE_ID -> PMR): distinct pairs of
*   nonmissing keys (through a link a missing key matches nothing); persons
*   reaching two or more PMRs are dropped (r(multiple) says how many).
*   The AE_ID step is many-to-many: the PMR side is made wide (one row per
*   AE_ID) so that merge m:1 does the join, then long again.
capture program drop leo_pmr_reach
program leo_pmr_reach, rclass
	version 16
	args rows pmrvar out
	local data "`c(tmpdir)'/leostata_cert"
	tempfile held aepmr
	quietly use `pmrvar' using `"`rows'"', clear
	quietly drop if missing(`pmrvar')
	quietly duplicates drop
	rename `pmrvar' PUPILMATCHINGREFANONYMOUS
	quietly save `"`held'"'
	quietly use `"`data'/learner_ae_id_to_pmr_lookup.dta"', clear
	quietly drop if missing(AE_ID) | missing(PUPILMATCHINGREFANONYMOUS)
	quietly merge m:1 PUPILMATCHINGREFANONYMOUS using `"`held'"', keep(match) nogenerate
	quietly duplicates drop AE_ID PUPILMATCHINGREFANONYMOUS, force
	keep AE_ID PUPILMATCHINGREFANONYMOUS
	bysort AE_ID (PUPILMATCHINGREFANONYMOUS): generate long j = _n
	quietly reshape wide PUPILMATCHINGREFANONYMOUS, i(AE_ID) j(j)
	quietly save `"`aepmr'"'
	quietly use `"`data'/learner_ae_id_to_edukey_lookup.dta"', clear
	quietly drop if missing(AE_ID) | missing(EDUKEY)
	keep AE_ID EDUKEY
	quietly duplicates drop
	quietly merge m:1 AE_ID using `"`aepmr'"', keep(match) nogenerate
	quietly reshape long PUPILMATCHINGREFANONYMOUS, i(AE_ID EDUKEY) j(j)
	quietly drop if missing(PUPILMATCHINGREFANONYMOUS)
	keep EDUKEY PUPILMATCHINGREFANONYMOUS
	quietly duplicates drop
	rename EDUKEY Edukey
	bysort Edukey: generate long reached = _N
	quietly count if reached > 1 & Edukey != Edukey[_n - 1]
	return scalar multiple = r(N)
	quietly drop if reached > 1
	drop reached
	rename PUPILMATCHINGREFANONYMOUS `pmrvar'
	quietly save `"`out'"', replace
end

*---------------------------------------------------------------------------
* 1:1, keepusing(), a varlist naming the merged variables and _merge
*---------------------------------------------------------------------------
use `"`data'/leo_earnings.dta"', clear
merge 1:1 Edukey TaxYear using `"`data'/leo_geography.dta"', keepusing(GOR)
keep Edukey TaxYear Earnings GOR _merge
order Edukey TaxYear Earnings GOR _merge
leo_promised_meta leo_earnings leo_geography, skip(_merge)
save `"`want'"', replace
leoload leo_earnings Edukey TaxYear Earnings GOR _merge,                       ///
	merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)) clear
leo_same_data using `"`want'"', keys(Edukey TaxYear)

*---------------------------------------------------------------------------
* m:1, keys named differently, keep(match), every variable
*---------------------------------------------------------------------------
use KS4_PupilMatchingRefAnonymous KS4_GENDER KS4_ATT8 using `"`data'/ks4_pupil.dta"', clear
rename KS4_PupilMatchingRefAnonymous PUPILMATCHINGREFANONYMOUS
save `"`part'"', replace
use `"`data'/learner_ae_id_to_pmr_lookup.dta"', clear
merge m:1 PUPILMATCHINGREFANONYMOUS using `"`part'"', keep(match)
leo_promised_meta learner_ae_id_to_pmr_lookup ks4_pupil, skip(_merge)
save `"`want'"', replace
leoload learner_ae_id_to_pmr_lookup, merge(m:1 PUPILMATCHINGREFANONYMOUS=KS4_PupilMatchingRefAnonymous ///
	using ks4_pupil, keepusing(KS4_GENDER KS4_ATT8) keep(match)) clear
leo_same_data using `"`want'"', keys(PUPILMATCHINGREFANONYMOUS)

*---------------------------------------------------------------------------
* 1:m, using-only observations (subjects of HESA rows missing from ref_cah2)
*---------------------------------------------------------------------------
use cah2 HE_SEXID using `"`data'/hesa_2016.dta"', clear
rename cah2 code
save `"`part'"', replace
use `"`data'/ref_cah2.dta"', clear
merge 1:m code using `"`part'"'
keep code name HE_SEXID _merge
order code name HE_SEXID _merge
leo_promised_meta ref_cah2 hesa_2016, skip(_merge)
save `"`want'"', replace
leoload ref_cah2 code name HE_SEXID _merge, merge(1:m code=cah2 using hesa_2016, keepusing(HE_SEXID)) clear
leo_same_data using `"`want'"', keys(code)

*---------------------------------------------------------------------------
* two merges in a row; keep(master match); nogenerate on the first
*---------------------------------------------------------------------------
use `"`data'/ref_sic_section.dta"', clear
rename name main_enterprise_linked_section
save `"`part'"', replace
use `"`data'/leo_earnings.dta"', clear
merge 1:1 Edukey TaxYear using `"`data'/leo_geography.dta"', keepusing(GOR) nogenerate
merge m:1 main_enterprise_linked_section using `"`part'"', keep(master match)
keep Edukey TaxYear Earnings GOR code _merge
order Edukey TaxYear Earnings GOR code _merge
leo_promised_meta leo_earnings leo_geography ref_sic_section, skip(_merge)
save `"`want'"', replace
leoload leo_earnings Edukey TaxYear Earnings GOR code _merge,                   ///
	merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR) nogenerate)   ///
	merge(m:1 main_enterprise_linked_section=name using ref_sic_section, keep(master match)) clear
leo_same_data using `"`want'"', anyorder

*---------------------------------------------------------------------------
* using TABLE if exp: the using data are the table's rows where exp holds
* (one has a missing key: it stays using-only, as merge leaves it)
*---------------------------------------------------------------------------
use HE_PUPILMATCHINGREFANONYMOUS cah2 HE_SEXID if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1 ///
	using `"`data'/hesa_2016.dta"', clear
rename HE_PUPILMATCHINGREFANONYMOUS PUPILMATCHINGREFANONYMOUS
save `"`part'"', replace
use `"`data'/learner_ae_id_to_pmr_lookup.dta"', clear
merge m:1 PUPILMATCHINGREFANONYMOUS using `"`part'"'
leo_promised_meta learner_ae_id_to_pmr_lookup hesa_2016, skip(_merge)
save `"`want'"', replace
leoload learner_ae_id_to_pmr_lookup, merge(m:1 PUPILMATCHINGREFANONYMOUS=HE_PUPILMATCHINGREFANONYMOUS ///
	using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, keepusing(cah2 HE_SEXID)) clear
leo_same_data using `"`want'"', keys(PUPILMATCHINGREFANONYMOUS)

*---------------------------------------------------------------------------
* cohort(): use, keep keys, duplicates drop, merge m:1 keep(match), as the
* help spells it
*---------------------------------------------------------------------------
use EduKey if Benefit_type == "JSA" using `"`data'/leo_benefit.dta"', clear
rename EduKey Edukey
duplicates drop
save `"`part'"', replace
use if TaxYear == 201819 using `"`data'/leo_earnings.dta"', clear
merge m:1 Edukey using `"`part'"', keep(match) nogenerate
leo_promised_meta leo_earnings
save `"`want'"', replace
leoload leo_earnings if TaxYear == 201819, cohort(Edukey=EduKey using leo_benefit if Benefit_type == "JSA") clear
leo_same_data using `"`want'"', keys(Edukey TaxYear)

*---------------------------------------------------------------------------
* link(drop) in a merge: earnings -> EDUKEY -> AE_ID -> PMR -> KS4 results;
* persons reaching two PMRs stay master-only; pupils nobody reaches are
* using-only, as merge leaves them
*---------------------------------------------------------------------------
leo_pmr_reach `"`data'/ks4_pupil.dta"' KS4_PupilMatchingRefAnonymous `"`part'"'
local multiple = r(multiple)
use KS4_PupilMatchingRefAnonymous using `"`data'/ks4_pupil.dta"', clear
assert !missing(KS4_PupilMatchingRefAnonymous)   // so a master row reaching nobody matches nobody
use Edukey TaxYear Earnings using `"`data'/leo_earnings.dta"', clear
merge m:1 Edukey using `"`part'"', keep(master match) nogenerate
merge m:1 KS4_PupilMatchingRefAnonymous using `"`data'/ks4_pupil.dta"', keepusing(KS4_GENDER KS4_ATT8)
keep Edukey TaxYear Earnings KS4_GENDER KS4_ATT8 _merge
order Edukey TaxYear Earnings KS4_GENDER KS4_ATT8 _merge
leo_promised_meta leo_earnings ks4_pupil, skip(_merge)
save `"`want'"', replace
leoload leo_earnings Edukey TaxYear Earnings KS4_GENDER KS4_ATT8 _merge,        ///
	merge(m:1 using ks4_pupil, link(drop) keepusing(KS4_GENDER KS4_ATT8)) clear
local persons = r(link_persons)
local matched = r(link_matched)
local unmatched = r(link_unmatched)
local reached_twice = r(link_multiple)
assert `persons' == `matched' + `unmatched' + `reached_twice'
assert `reached_twice' <= `multiple'
leo_same_data using `"`want'"', anyorder

*---------------------------------------------------------------------------
* a cohort through a link: earnings in 2018/19 of first-degree qualifiers of
* 2015/16 (link(drop))
*---------------------------------------------------------------------------
use HE_PUPILMATCHINGREFANONYMOUS cah2 HE_SEXID if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1 ///
	using `"`data'/hesa_2016.dta"', clear
tempfile cohort pairs
save `"`cohort'"'
leo_pmr_reach `"`cohort'"' HE_PUPILMATCHINGREFANONYMOUS `"`pairs'"'
use if TaxYear == 201819 using `"`data'/leo_earnings.dta"', clear
merge m:1 Edukey using `"`pairs'"', keep(match) nogenerate
drop HE_PUPILMATCHINGREFANONYMOUS
sort Edukey TaxYear
leo_promised_meta leo_earnings
save `"`want'"', replace
leoload leo_earnings if TaxYear == 201819,                                      ///
	cohort(using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop)) clear
leo_same_data using `"`want'"', keys(Edukey TaxYear)

*---------------------------------------------------------------------------
* the graduate-earnings question (help leoload, Examples) in native Stata:
* the qualifying HESA rows (m:1: unique on the PMRs that are not missing),
* the two LINK lookups, persons reaching two PMRs dropped, merged onto the
* earnings of 2020/21, collapsed by subject and sex; compared cell by cell
*---------------------------------------------------------------------------
use `"`cohort'"', clear
drop if missing(HE_PUPILMATCHINGREFANONYMOUS)
isid HE_PUPILMATCHINGREFANONYMOUS
save `"`part'"', replace
use if TaxYear == 202021 using `"`data'/leo_earnings.dta"', clear
merge m:1 Edukey using `"`pairs'"', keep(match) nogenerate
merge m:1 HE_PUPILMATCHINGREFANONYMOUS using `"`part'"', keep(match) nogenerate
leo_promised_meta leo_earnings hesa_2016
collapse (p50) Earnings (count) n=Earnings, by(cah2 HE_SEXID)
save `"`want'"', replace
leoload leo_earnings if TaxYear == 202021, merge(m:1 using hesa_2016 if HE_XQLEV601 == "3" ///
	& HE_XPQUAL01 == 1, link(drop) keepusing(cah2 HE_SEXID) keep(match))                  ///
	collapse((p50) Earnings (count) n=Earnings) by(cah2 HE_SEXID) clear
local persons = r(link_persons)
local matched = r(link_matched)
local unmatched = r(link_unmatched)
local reached_twice = r(link_multiple)
assert `persons' == `matched' + `unmatched' + `reached_twice'
assert _N > 0
leo_same_data using `"`want'"', keys(cah2 HE_SEXID)
list, noobs abbreviate(12)
