*! version 0.1.0 28nov2026
* _leostata_check: can Stata's Python import leostata?  Every leostata command
* calls it before its one python: statement; it is not meant to be typed.
* The import binds the name leostata in Python's __main__, where the
* commands' python: statements look it up.  Exits 5100 when it fails.
program _leostata_check
	version 16
	capture python: import leostata.bridge
	local rc = _rc
	if `rc' {
		capture quietly python query
		local exec `"`r(execpath)'"'
		if `"`exec'"' == "" local exec "python"
		di as err "leostata needs Python 3.10 or later with the leostata package;"
		di as err "Stata's Python could not import it (r(`rc'))."
		di as err "{p 4 7 2}1. See which Python Stata uses: {stata python query}{p_end}"
		di as err `"{p 4 7 2}2. Install leostata into that Python, from a command prompt:{break}"`exec'" -m pip install leostata{break}(offline, as in the SRS: add --no-index --find-links=FOLDER, the folder holding the wheels){p_end}"'
		di as err "{p 4 7 2}3. Or point Stata at a Python that has it: python set exec PATH, permanently; then restart Stata{p_end}"
		di as err `"{p 4 7 2}Python's own message: {stata "python: import leostata.bridge":python: import leostata.bridge}{p_end}"'
		di as err "{p 4 7 2}Details: {help leostata##install:help leostata}{p_end}"
		local rc 5100
	}
	exit `rc'
end
