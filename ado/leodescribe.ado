*! version 0.1.0 28nov2026
* leodescribe: what is in the extract (tables, variables, search, value
* counts), without loading data.  See help leodescribe.  The table and
* varlist name remote objects, so syntax captures them as text.  They are
* names and wildcards only (no expressions, parentheses or quotes, and if,
* in, using and = are refused by syntax with r(101)), so unlike leoload's
* text they need no _parse comma split before syntax: the first comma
* starts the options.
program leodescribe, rclass
	version 16
	local _leo_version 0.1.0
	syntax [anything(name=spec id="table")]  ///
		[, SEARCH(string)    /// search(words): find variables by keyword
		VALues(string)       /// values(varname): frequent values, counts
		DEBUG ]              //  Python traceback of internal errors

	capture noisily _leostata_check
	local _leo_rc = _rc
	if !`_leo_rc' {
		local _leo_rc 5199
		python: leostata.bridge.run("leodescribe")
	}
	if !`_leo_rc' {
		foreach s in N k ntables r suppressed synthetic {
			if "`leo_`s''" != "" return scalar `s' = `leo_`s''
		}
		foreach m in table tables varlist {
			return local `m' : copy local leo_`m'
		}
	}
	exit `_leo_rc'
end
