* graduate_earnings.do -- a leostata workflow on the synthetic LEO-shaped database
*
* 1. First-degree graduates' median earnings five tax years after graduation,
*    by subject (CAH level 2) and sex.
* 2. The gap in sustained employment between pupils who were and were not
*    eligible for free school meals (FSM) at Key Stage 4.
*
* Selections, filters and aggregations run on the server (leoload varlist,
* if, collapse()); only what is needed is loaded.  The tables are linked in
* Stata here, one lookup at a time; leoload's merge() and cohort() with link
* do the same on the server in one command (help leoload, Link paths).
* On the real extract, change only the leoset line.  Outputs still need the
* SRS's output checks before they leave: cells under 10 are blanked here, but
* that is not a full disclosure review.

version 16
clear all
set more off

leoset synthetic        // real extract: leoset server NAME, database(DB) schema(S)

*-----------------------------------------------------------------------------
* The links: pupil matching reference (PMR) -> AE_ID -> EDUKEY
* (both lookups are many-to-many in places; see leodescribe)
*-----------------------------------------------------------------------------
leoload learner_ae_id_to_pmr_lookup, clear
tempfile pmr edukey
save `"`pmr'"'
leoload learner_ae_id_to_edukey_lookup, clear
rename EDUKEY Edukey
save `"`edukey'"'

*-----------------------------------------------------------------------------
* 1. Median earnings five tax years after graduation, by subject and sex
*-----------------------------------------------------------------------------

* First-degree qualifiers with a PMR: only four columns come over
leoload hesa_student HE_PUPILMATCHINGREFANONYMOUS year cah2 HE_SEXID            ///
    if HE_XPQUAL01 == 1 & HE_XQLEV601 == "3" & HE_PUPILMATCHINGREFANONYMOUS != "", clear
rename HE_PUPILMATCHINGREFANONYMOUS PUPILMATCHINGREFANONYMOUS
bysort PUPILMATCHINGREFANONYMOUS (year): keep if _n == 1     // the first degree

* HESA year 2015 is the academic year 2014/15: graduation in summer 2015, and
* the fifth tax year after it is 2019/20, which LEO codes as 201920
generate long TaxYear = (year + 4) * 100 + mod(year + 5, 100)

joinby PUPILMATCHINGREFANONYMOUS using `"`pmr'"'
joinby AE_ID using `"`edukey'"'
keep PUPILMATCHINGREFANONYMOUS Edukey TaxYear cah2 HE_SEXID
duplicates drop

* Earnings in the tax years needed only, into their own frame
summarize TaxYear, meanonly
local first = r(min)
local last = r(max)
leoload leo_earnings Edukey TaxYear Earnings if TaxYear >= `first' & TaxYear <= `last', ///
    frame(earnings, replace)
local loaded = r(N)
display as text "(earnings rows loaded: " `loaded' "; SQL in r(sql))"
tempfile earn
frame earnings: save `"`earn'"'

merge m:1 Edukey TaxYear using `"`earn'"', keep(match) nogenerate
* a person with two EDUKEYs: add up their earnings in that tax year
* (subject and sex are constant per graduate: keep them as by-variables, since
* collapse's clist must be numeric)
collapse (sum) Earnings, by(PUPILMATCHINGREFANONYMOUS cah2 HE_SEXID)

collapse (p50) median = Earnings (count) graduates = Earnings, by(cah2 HE_SEXID)
replace median = . if graduates < 10          // no statistic from fewer than 10 people
generate sex = cond(HE_SEXID == "1", "male", cond(HE_SEXID == "2", "female", "other"))

* Subject names, from a reference table, into a frame
leoload ref_cah2 code name, frame(subjects, replace)
frlink m:1 cah2, frame(subjects code)
frget subject = name, from(subjects)
drop subjects

sort cah2 sex
list subject sex graduates median, sepby(cah2) noobs abbreviate(12)

*-----------------------------------------------------------------------------
* 2. FSM gap in sustained employment in 2018/19
*    (simplified from the DfE measure: an employment spell covering the whole
*    of 1 October 2018 to 31 March 2019)
*-----------------------------------------------------------------------------

* KS4 cohorts 2010/11 and 2011/12 with a known FSM status
leoload ks4_pupil KS4_PupilMatchingRefAnonymous KS4_FSM KS4_ACADYR                 ///
    if inlist(KS4_ACADYR, "2010/2011", "2011/2012") & !missing(KS4_FSM), clear
rename KS4_PupilMatchingRefAnonymous PUPILMATCHINGREFANONYMOUS

* pupils without a link stay in, as not in sustained employment
joinby PUPILMATCHINGREFANONYMOUS using `"`pmr'"', unmatched(master)
drop _merge
joinby AE_ID using `"`edukey'"', unmatched(master)
drop _merge

* Spells covering the whole period: the date condition runs on the server
leoload leo_employment EduKey if StartDate <= mdy(10, 1, 2018) & EndDate >= mdy(3, 31, 2019), ///
    frame(employed, replace)
frame employed: rename EduKey Edukey
frame employed: duplicates drop
tempfile employed
frame employed: save `"`employed'"'

merge m:1 Edukey using `"`employed'"', keep(master match)
generate byte sustained = _merge == 3
drop _merge
collapse (max) sustained (first) KS4_FSM, by(PUPILMATCHINGREFANONYMOUS)

collapse (mean) sustained (count) pupils = sustained, by(KS4_FSM)
replace sustained = . if pupils < 10
list, noobs
sort KS4_FSM
display as text "FSM gap in sustained employment: " ///
    as result %4.1f 100 * (sustained[1] - sustained[2]) as text " percentage points"
