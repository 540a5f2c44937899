*! version 0.1.0 28nov2026
* leoset: which database leostata uses.  See help leoset.
*
* One syntax statement per subcommand; an unknown subcommand is passed on
* unparsed and refused by Python (r(198)).  A setting made without
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
	if `"`subcmd'"' == "show" {
		syntax [, DEBUG]
	}
	else if `"`subcmd'"' == "dsn" {
		syntax anything(name=name id="data source name") [, SCHema(string) PERManently DEBUG]
	}
	else if `"`subcmd'"' == "server" {
		syntax anything(name=name id="server name"), DATAbase(string) [DRIVer(string) SCHema(string) PERManently DEBUG]
	}
	else if `"`subcmd'"' == "url" {
		syntax anything(name=name id="URL" everything equalok) [, SCHema(string) PERManently DEBUG]
	}
	else if `"`subcmd'"' == "synthetic" {
		* persons() and seed(): read by the backend's one number parser (1e4 or 10000)
		syntax [, PERSons(string) SEED(string) PERManently DEBUG]
	}
	else if `"`subcmd'"' == "test" {
		syntax [, DEBUG]
	}
	else if `"`subcmd'"' == "metadata" {
		syntax anything(name=name id="file name") [, DEBUG]
	}

	capture noisily _leostata_check
	local _leo_rc = _rc
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
