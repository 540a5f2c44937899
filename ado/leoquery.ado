*! version 0.1.0 28nov2026
* leoquery: run one read-only SELECT on the server and load the result.
* See help leoquery.  The query is captured as text (quote it): _parse
* comma (help _parse) puts everything before the first comma outside
* parentheses and quotes in query and the options in 0, which syntax alone
* checks; Python reads the query with Macro.getLocal and refuses anything but
* a single SELECT.
* The size guard is leoload's: the query runs once and is stopped as soon as
* its rows pass maxobs() (default 10,000,000) or memory, unless force.
* nocache comes through * (syntax's rule for options spelled no... would
* name its local without the "no"); Python accepts nothing else there.
* maxobs() is read by the backend's one number parser, as leoload's is
* (1e7 or 10000000; r(198) for anything else).
program leoquery, rclass
	version 16
	local _leo_version 0.1.0
	_parse comma query 0 : 0
	local query = strtrim(`"`query'"')
	syntax [, CLEAR                          /// replace the data in memory
		FRAME(string)                     /// frame(name [, replace])
		MAXobs(string)                    /// refuse more rows (default 10,000,000)
		FORCE                             /// load even past maxobs() or memory
		SHOWsql                           /// show the SQL sent, then run it
		SQLShow                           /// the same as showsql (odbc's spelling)
		DEBUG                             /// Python traceback of internal errors
		* ]                               //  nocache: ask the database, not the result cache

	if `"`query'"' == "" {
		di as err "SQL query required"
		local _leo_rc 100
	}
	else {
		capture noisily _leostata_check
		local _leo_rc = _rc
	}
	if !`_leo_rc' {
		local _leo_rc 5199
		python: leostata.bridge.run("leoquery")
	}
	if !`_leo_rc' {
		foreach s in N k cached synthetic {
			if "`leo_`s''" != "" return scalar `s' = `leo_`s''
		}
		foreach m in sql dialect frame notes {
			return local `m' : copy local leo_`m'
		}
	}
	exit `_leo_rc'
end
