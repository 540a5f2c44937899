*! version 0.1.0 28nov2026
* leoset: which database leostata uses.  See help leoset.
*
* One syntax statement per subcommand; an unknown subcommand is passed on
* unparsed and refused by Python (r(198)).  A subcommand that takes a name
* (a data source, server, URL or file name, possibly quoted) splits it off
* first with _parse comma (help _parse: the first comma outside parentheses
* and quotes), so syntax checks only the options; an empty name is r(100).  A setting made without
* permanently lives in Python's memory for this Stata session only (never in
* a Stata macro, where macro list would show a password); permanently also
* writes the user's config file.
program leoset, rclass
	version 16
	local _leo_version 0.1.0
	gettoken subcmd rest : 0, parse(" ,")
	if inlist(`"`subcmd'"', "", ",") {
		local subcmd show
	}
	else {
		local 0 : copy local rest
	}
	local _leo_rc 0
	if `"`subcmd'"' == "show" {
		syntax [, DEBUG]
	}
	else if `"`subcmd'"' == "dsn" {
		_parse comma name 0 : 0
		local name = strtrim(`"`name'"')
		syntax [, SCHema(string) PERManently DEBUG]
		if `"`name'"' == "" {
			di as err "data source name required"
			local _leo_rc 100
		}
	}
	else if `"`subcmd'"' == "server" {
		_parse comma name 0 : 0
		local name = strtrim(`"`name'"')
		syntax , DATAbase(string) [DRIVer(string) SCHema(string) PERManently DEBUG]
		if `"`name'"' == "" {
			di as err "server name required"
			local _leo_rc 100
		}
	}
	else if `"`subcmd'"' == "url" {
		_parse comma name 0 : 0
		local name = strtrim(`"`name'"')
		syntax [, SCHema(string) PERManently DEBUG]
		if `"`name'"' == "" {
			di as err "URL required"
			local _leo_rc 100
		}
	}
	else if `"`subcmd'"' == "synthetic" {
		* persons() and seed(): read by the backend's one number parser (1e4 or 10000)
		syntax [, PERSons(string) SEED(string) PERManently DEBUG]
	}
	else if `"`subcmd'"' == "test" {
		syntax [, DEBUG]
	}
	else if `"`subcmd'"' == "metadata" {
		_parse comma name 0 : 0
		local name = strtrim(`"`name'"')
		syntax [, DEBUG]
		if `"`name'"' == "" {
			di as err "file name required"
			local _leo_rc 100
		}
	}

	if !`_leo_rc' {
		capture noisily _leostata_check
		local _leo_rc = _rc
	}
	if !`_leo_rc' {
		local _leo_rc 5199
		python: leostata.bridge.run("leoset")
	}
	if !`_leo_rc' {
		foreach s in synthetic {
			if "`leo_`s''" != "" return scalar `s' = `leo_`s''
		}
		foreach m in url source schema dialect config metadata {
			return local `m' : copy local leo_`m'
		}
	}
	exit `_leo_rc'
end
