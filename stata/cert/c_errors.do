* c_errors.do -- mistakes give Stata-style messages and documented return
* codes (help leostata##errors), and never touch the data in memory.
cscript "leostata: return codes" adofiles leoload leoquery leodescribe leoset
version 16
quietly leoset synthetic, persons(2000) seed(1)

sysuse auto, clear
replace price = 1 in 1          // the data have changed since last saved
local before = price[1]

* Stata's syntax checks
rcof "noisily leoload" == 100
rcof "noisily leoload , clear" == 100
rcof `"noisily leoquery , clear"' == 100
rcof "noisily leoload ks4_pupil, cle" == 198
rcof "noisily leoload ks4_pupil, nosuchoption" == 198
rcof "noisily leoset server SRV" == 198
rcof `"noisily leoquery "SELECT 1", maxobs(-1)"' == 198   // the one number parser

* leostata's refusals
rcof "noisily leoload ref_cah2" == 4
rcof "noisily leoload nosuchtable, clear" == 111
rcof "noisily leoload ks4_pupil nosuchvar, clear" == 111
rcof "noisily leoload ks4_pupil if KS4_GENDER == 1, clear" == 109
rcof `"noisily leoload ks4_pupil if regexm(KS4_ETHNIC, "^W"), clear"' == 5104
rcof "noisily leoload ks4_pupil if nosuchfunction(KS4_FSM), clear" == 133
rcof "noisily leoload ks4_pupil, sdc clear" == 198
rcof "noisily leoload ks4_pupil, by(KS4_FSM) clear" == 198
rcof "noisily leoload leo_earnings, maxobs(10) clear" == 5105
rcof `"noisily leoquery "DELETE FROM ref_cah2", clear"' == 5103
rcof `"noisily leoquery "SELECT 1 AS a; SELECT 2 AS b", clear"' == 5103
rcof `"noisily leoquery "SELECT * FROM nosuchtable", clear"' == 5102
rcof "noisily leodescribe nosuchtable" == 111
rcof "noisily leodescribe, values(KS4_FSM)" == 198
rcof "noisily leoset bogus" == 198
rcof `"noisily leoset url "not a url""' == 198

frame create taken
rcof "noisily leoload ref_cah2, frame(taken)" == 110
frame drop taken

* nothing above touched the data in memory
assert _N == 74 & price[1] == `before' & c(changed) == 1
assert "`c(frame)'" == "default"
