*! version 0.1.0 28nov2026
* leoload: load a table of the LEO extract, filtered and aggregated on the
* server, into Stata.  See help leoload.
*
* The table, varlist, weight, if and in refer to the remote table, not to the
* data in memory, so they are captured as text: _parse comma (help _parse)
* puts everything before the first comma outside parentheses and quotes in
* spec (if inrange(x, .2, .4), [aw=x], s == "a,b" stay whole) and the comma
* and the rest in 0, the options, which syntax alone then checks.  Python
* parses the text.  Options are checked and spelled out by syntax (flags) or
* returned whole (passthru); the backend parses their arguments.  merge() and
* cohort() may be given several times, and syntax keeps only the rightmost of
* a repeated option, so they are not declared: they reach the backend as
* typed through * (local options), where any other unknown option is refused
* with r(198) as syntax would.  Python reads every local with Macro.getLocal
* and returns results as leo_* locals and _leo_rc.
program leoload, rclass
	version 16
	local _leo_version 0.1.0
	_parse comma spec 0 : 0
	local spec = strtrim(`"`spec'"')
	syntax [, CLEAR               /// replace the data in memory
		FRAME(passthru)        /// frame(name [, replace]): load into a frame
		COLLapse(passthru)     /// collapse(clist): aggregate on the server
		BY(passthru)           /// by(varlist): groups for collapse()
		CW                     /// casewise deletion for collapse()
		SAMPle(passthru)       /// sample(# [, seed(#)]): percent of persons
		SORT(passthru)         /// sort(varlist): row order, also for in
		COUNT                  /// count the rows only
		MAXobs(passthru)       /// maxobs(#): refuse more than # rows
		FORCE                  /// load even past maxobs()
		SHOWsql                /// show the SQL, then run it
		SQLShow                /// the same as showsql (odbc's spelling)
		SQLOnly                /// show the SQL, run nothing
		DECLaredtypes          /// storage types from the SQL types, not the values
		CODESonly              /// attach no value labels from the metadata
		DEBUG                  /// Python traceback of internal errors
		* ]                    //  merge(), cohort() (each possibly repeated), sdc[()], nocache

	if `"`spec'"' == "" {
		di as err "table required"
		local _leo_rc 100
	}
	else {
		capture noisily _leostata_check
		local _leo_rc = _rc
	}
	if !`_leo_rc' {
		local _leo_rc 5199
		python: leostata.bridge.run("leoload")
	}
	if !`_leo_rc' {
		foreach s in N k cached synthetic link_persons link_matched link_unmatched link_multiple ///
			sdc_cells sdc_failed sdc_suppressed {
			if "`leo_`s''" != "" return scalar `s' = `leo_`s''
		}
		foreach m in table sql dialect frame notes link_path {
			return local `m' : copy local leo_`m'
		}
	}
	exit `_leo_rc'
end
