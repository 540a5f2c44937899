* c_if_missing.do -- Stata's missing-value and string rules in if, pushed
* down: every case must keep exactly what native Stata keeps.
cscript "leostata: if with missing values and strings" adofiles leoload
version 16
run cert_programs.do
quietly leoset synthetic, persons(2000) seed(1)

* numeric missing is larger than every number
leo_vs_use ks4_pupil if KS4_IDACI > 0.5
leo_vs_use ks4_pupil if KS4_IDACI >= 0.5
leo_vs_use ks4_pupil if KS4_IDACI < 0.5
leo_vs_use ks4_pupil if KS4_IDACI != 0.25
leo_vs_use ks4_pupil if KS4_ATT8 == .
leo_vs_use ks4_pupil if missing(KS4_ATT8)
leo_vs_use ks4_pupil if !missing(KS4_ATT8) & KS4_ATT8 > 50
leo_vs_use ks4_pupil if KS4_FSM6
leo_vs_use ks4_pupil if !KS4_FSM6
leo_vs_use ks4_pupil if KS4_FSM6 != 1
leo_vs_use ks4_pupil if inrange(KS4_IDACI, 0.2, 0.4)
leo_vs_use ks4_pupil if inlist(KS4_FSM6, 1, .)
leo_vs_use ks4_pupil if KS4_P8SCORE / KS4_FSM > 0
leo_vs_use ks4_pupil if max(KS4_ATT8, KS4_PTSTNEWG) > 40

* string missing is ""; comparisons are case-sensitive and exact
leo_vs_use ks4_pupil if KS4_SENF == ""
leo_vs_use ks4_pupil if KS4_SENF != "N"
leo_vs_use ks4_pupil if KS4_GENDER == "f"
leo_vs_use ks4_pupil if KS4_ETHNIC > "M"
leo_vs_use ks4_pupil if strlen(KS4_SENF) == 0
leo_vs_use ks4_pupil if substr(KS4_ACADYR, 1, 4) == "2012"
leo_vs_use ks4_pupil if inlist(KS4_ETHNIC, "WBRI", "APKN", "")
