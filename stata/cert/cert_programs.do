* cert_programs.do -- programs the certification do-files share (run it after
* cscript, which drops programs; setup.do runs it too).
*
* The native side of every comparison is a file setup.do made from CSV files
* that DuckDB itself exported from the synthetic database (import delimited,
* then the storage types, display formats and labels leostata promises, set
* by leo_promised_meta below).  Nothing of leostata made those files.
*
* WHAT LEOSTATA PROMISES lives in two programs only -- change them, and
* nothing else, when the promise changes (issue 15 moves storage types from
* the declared SQL type to the values, as compress would):
*   leo_promised_type    SQL type (+ values) -> storage type, display format
*   leo_promised_label   description -> variable label
* global LEOCERT_TYPES selects the storage-type rule: "" (default) the SQL
* type's range (help leoload, Remarks: "the smallest Stata type that holds
* its range"), "values" the values loaded, as compress would leave them.

* leo_promised_type SQLTYPE LO HI MAXBYTES
*   SQLTYPE   DuckDB's data_type of the column (information_schema.columns)
*   LO HI     smallest and largest nonmissing value loaded (. if none)
*   MAXBYTES  longest string loaded, in bytes (strings only)
*   returns r(type) and r(format)
capture program drop leo_promised_type
program leo_promised_type, rclass
	version 16
	args sqltype lo hi maxbytes
	local sqltype = strupper(`"`sqltype'"')
	local integer = inlist("`sqltype'", "BOOLEAN", "TINYINT", "UTINYINT", "SMALLINT", ///
		"USMALLINT", "INTEGER", "UINTEGER", "BIGINT")
	local type ""
	if `integer' & "$LEOCERT_TYPES" == "values" {
		* compress's ladder; all missing: byte
		if `lo' >= -127 & `hi' <= 100 | missing(`lo')  local type byte
		else if `lo' >= -32767 & `hi' <= 32740         local type int
		else if `lo' >= -2147483647 & `hi' <= 2147483620 local type long
		else if abs(`lo') <= 2^53 & abs(`hi') <= 2^53  local type double
		local fmt = cond("`type'" == "long", "%12.0g",              ///
			cond("`type'" == "double", "%10.0g", "%8.0g"))
	}
	else if `integer' {
		* the SQL type's range: byte stops at 100, int at 32,740, long at
		* 2,147,483,620; integer columns show all their digits (%12.0g)
		if "`sqltype'" == "BOOLEAN"                             local type byte
		else if inlist("`sqltype'", "TINYINT", "UTINYINT")      local type int
		else if inlist("`sqltype'", "SMALLINT", "USMALLINT")    local type long
		else if inlist("`sqltype'", "INTEGER", "UINTEGER")      local type double
		else if `lo' >= -2147483647 & `hi' <= 2147483620 | missing(`lo') {
			local type long      // bigint: no Stata type holds its range, values decide
		}
		else if abs(`lo') <= 2^53 & abs(`hi') <= 2^53           local type double
		local fmt = cond("`type'" == "byte" | "`type'" == "int", "%8.0g",  ///
			cond("`sqltype'" == "BIGINT" & "`type'" == "double", "%20.0g", "%12.0g"))
	}
	else if strpos("`sqltype'", "DECIMAL") == 1 | inlist("`sqltype'", "DOUBLE", "NUMERIC") {
		local type double
		local fmt %10.0g
	}
	else if inlist("`sqltype'", "FLOAT", "REAL") {
		local type float
		local fmt %9.0g
	}
	else if "`sqltype'" == "DATE" {
		local type long
		local fmt %td
	}
	else if strpos("`sqltype'", "TIMESTAMP") == 1 {
		local type double
		local fmt %tc
	}
	else if strpos("`sqltype'", "VARCHAR") == 1 {
		local width = max(1, `maxbytes')
		local type = cond(`width' <= 2045, "str`width'", "strL")
		local fmt = cond("`type'" == "strL", "%9s", "%`width's")
	}
	if "`type'" == "" {
		display as error `"cert: no promised Stata type for SQL type `sqltype' (values `lo' to `hi')"'
		exit 459
	}
	return local type `type'
	return local format `fmt'
end

* leo_promised_label DESCRIPTION -> r(label): the description with blanks
* collapsed, cut to 77 characters and "..." when it is longer than 80
capture program drop leo_promised_label
program leo_promised_label, rclass
	version 16
	local text = stritrim(strtrim(`"`0'"'))
	if ustrlen(`"`text'"') > 80 {
		local text = strrtrim(usubstr(`"`text'"', 1, 77)) + "..."
	}
	return local label `"`text'"'
end

* leo_promised_meta TABLE [TABLE ...] [, skip(varlist)]
*   gives every variable in memory the storage type, display format and
*   variable label leostata promises for it, and no value label.  A
*   variable takes its SQL type and description from the first TABLE that
*   has a column of its name (list the master first: merge keeps the
*   master's variable); the values decide widths and, with the values rule,
*   integer types.  recast stops (r(9)) rather than change a value.  A
*   variable in no TABLE must be in skip() (e.g. _merge, left as Stata made it).
capture program drop leo_promised_meta
program leo_promised_meta
	version 16
	syntax anything(name=tables) [, skip(varlist)]
	local schema "`c(tmpdir)'/leostata_cert/leocert_schema.dta"
	* read the schema rows of the tables into locals s_col#, s_type#, s_desc#
	preserve
	quietly use `"`schema'"', clear
	local n 0
	foreach t of local tables {
		quietly count if table == "`t'"
		if r(N) == 0 {
			display as error "cert: table `t' is not in the exported schema"
			exit 111
		}
		forvalues i = 1/`=_N' {
			if table[`i'] == "`t'" {
				local ++n
				local s_col`n' = column[`i']
				local s_type`n' = data_type[`i']
				local s_desc`n' = description[`i']
			}
		}
	}
	restore
	foreach v of varlist _all {
		if `:list v in skip' continue
		local found 0
		forvalues j = 1/`n' {
			if "`s_col`j''" == "`v'" {
				local found `j'
				continue, break
			}
		}
		if !`found' {
			display as error "cert: `v' is in none of `tables'"
			exit 111
		}
		local lo .
		local hi .
		local maxbytes 0
		capture confirm string variable `v'
		if _rc {
			quietly summarize `v', meanonly
			if r(N) > 0 {
				local lo = r(min)
				local hi = r(max)
			}
		}
		else {
			tempvar bytes
			quietly generate long `bytes' = strlen(`v')
			quietly summarize `bytes', meanonly
			local maxbytes = cond(r(N) > 0, r(max), 0)
			drop `bytes'
		}
		leo_promised_type `"`s_type`found''"' `lo' `hi' `maxbytes'
		local type `r(type)'
		local fmt `r(format)'
		quietly recast `type' `v'
		format `v' `fmt'
		leo_promised_label `s_desc`found''
		label variable `v' `"`r(label)'"'
		label values `v'
	}
end

* leo_cf_meta using FILE
*   the data in memory and FILE have the same variables in the same order,
*   and each variable the same storage type, display format, variable label,
*   value label name and value-label texts (for the values the variable
*   takes in FILE).  cf checks values only.
capture program drop leo_cf_meta
program leo_cf_meta
	version 16
	syntax using/
	quietly describe, varlist
	local got `r(varlist)'
	preserve
	quietly use `"`using'"', clear
	quietly describe, varlist
	local want `r(varlist)'
	local i 0
	foreach v of local want {
		local ++i
		local w_type`i' : type `v'
		local w_fmt`i' : format `v'
		local w_lab`i' : variable label `v'
		local w_vl`i' : value label `v'
		local w_levels`i' ""
		if "`w_vl`i''" != "" {
			quietly levelsof `v', local(levels)
			local w_levels`i' `levels'
			local j 0
			foreach l of local levels {
				local ++j
				local w_text`i'_`j' : label `w_vl`i'' `l'
			}
		}
	}
	restore
	if "`got'" != "`want'" {
		display as error "cert: variables differ"
		display as error "  leostata: `got'"
		display as error "  native:   `want'"
		exit 9
	}
	local i 0
	local bad 0
	foreach v of local want {
		local ++i
		local type : type `v'
		local fmt : format `v'
		local lab : variable label `v'
		local vl : value label `v'
		foreach what in type fmt lab vl {
			if `"``what''"' != `"`w_`what'`i''"' {
				display as error `"cert: `v': `what' is "``what''", native "`w_`what'`i''""'
				local bad 1
			}
		}
		if "`vl'" != "" & "`vl'" == "`w_vl`i''" {
			local j 0
			foreach l of local w_levels`i' {
				local ++j
				local text : label `vl' `l'
				if `"`text'"' != `"`w_text`i'_`j''"' {
					display as error `"cert: `v': label `vl' `l' is "`text'", native "`w_text`i'_`j''""'
					local bad 1
				}
			}
		}
	}
	if `bad' exit 9
end

* leo_same_data using FILE [, keys(varlist)]
*   the data in memory (leostata's) equal FILE (native): variables and their
*   metadata (leo_cf_meta), then the values with cf.  Without keys(), the
*   observations must come in the same order.  With keys(), the data in
*   memory must be in keys() order (ties in any order: SQL has no order
*   among them) and the two hold the same observations; with anyorder, the
*   same observations in any order.
capture program drop leo_same_data
program leo_same_data
	version 16
	syntax using/ [, keys(varlist) anyorder]
	leo_cf_meta using `"`using'"'
	quietly count
	local n = r(N)
	preserve
	quietly use `"`using'"', clear
	quietly count
	local want_n = r(N)
	restore
	if `n' != `want_n' {
		display as error "cert: `n' observations, native `want_n'"
		exit 9
	}
	if "`keys'" == "" & "`anyorder'" == "" {
		cf _all using `"`using'"', all
		exit
	}
	if "`keys'" != "" {
		tempvar order
		quietly generate long `order' = _n
		sort `keys', stable
		capture assert `order' == _n
		if _rc {
			display as error "cert: the rows are not in the order of `keys'"
			exit 9
		}
		drop `order'
	}
	tempfile sorted
	preserve
	quietly use `"`using'"', clear
	sort _all
	quietly save `"`sorted'"'
	restore
	sort _all
	cf _all using `"`sorted'"', all
end

* leo_vs_use TABLE [varlist] [if] [in]
*   native:   TABLE.dta (setup.do), then keep in, keep if, keep varlist in
*             the varlist's order, and the promised metadata of the rows kept
*   leostata: leoload TABLE [varlist] [if] [in], clear
*   the two must be the same (leo_same_data, in the same order), and r(N),
*   r(k) must describe what was loaded.
capture program drop leo_vs_use
program leo_vs_use
	version 16
	gettoken table 0 : 0
	local args `"`0'"'
	local data "`c(tmpdir)'/leostata_cert"
	quietly use `"`data'/`table'.dta"', clear
	syntax [varlist(default=none)] [if] [in]
	if "`in'" != "" quietly keep `in'
	if `"`if'"' != "" quietly keep `if'
	if "`varlist'" != "" {
		keep `varlist'
		order `varlist'
	}
	leo_promised_meta `table'
	local n = _N
	local k = c(k)
	tempfile want
	quietly save `"`want'"'
	quietly leoload `table' `args', clear
	local r_N = r(N)
	local r_k = r(k)
	assert `r_N' == `n' & _N == `n'
	assert `r_k' == `k' & c(k) == `k'
	leo_same_data using `"`want'"'
	display as text `"ok: leoload `table' `args'  (`n' observations)"'
end
