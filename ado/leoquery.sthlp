{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leostata" "help leostata"}{...}
{vieweralsosee "leoload" "help leoload"}{...}
{vieweralsosee "leoset" "help leoset"}{...}
{viewerjumpto "Syntax" "leoquery##syntax"}{...}
{viewerjumpto "Description" "leoquery##description"}{...}
{viewerjumpto "Options" "leoquery##options"}{...}
{viewerjumpto "Remarks" "leoquery##remarks"}{...}
{viewerjumpto "Examples" "leoquery##examples"}{...}
{viewerjumpto "Stored results" "leoquery##results"}{...}
{viewerjumpto "Also see" "leoquery##alsosee"}{...}
{p2colset 1 13 15 2}{...}
{p2col:{bf:leoquery} {hline 2}}Run a read-only SQL SELECT on the server and load the result{p_end}
{p2colreset}{...}


{marker syntax}{...}
{title:Syntax}

{p 8 16 2}
{cmd:leoquery} {cmd:"}{it:SELECT ...}{cmd:"} [{cmd:,} {it:options}]

{p 8 16 2}
{cmd:leoquery} {cmd:`"}{it:SELECT ... with "double quotes" ...}{cmd:"'} [{cmd:,} {it:options}]

{synoptset 26 tabbed}{...}
{synopthdr}
{synoptline}
{synopt:{opt clear}}replace the data in memory, even if they have changed{p_end}
{synopt:{cmd:frame(}{it:name}[{cmd:, replace}]{cmd:)}}load into frame {it:name}; the current frame is left alone{p_end}
{synopt:{opt max:obs(#)}}count the rows first and refuse more than {it:#}{p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leoquery} is the escape hatch for users who write SQL: it sends one
{cmd:SELECT} statement, as written, to the database that {helpb leoset}
selects and loads the result.  It refuses anything else (r(5103)):
statements other than {cmd:SELECT} or {cmd:WITH ... SELECT}, several
statements, {cmd:SELECT ... INTO}, and words that write or administer
({cmd:INSERT}, {cmd:UPDATE}, {cmd:DELETE}, {cmd:DROP}, {cmd:EXEC},
{cmd:COMMIT}, {cmd:OPENQUERY}, ...) outside string literals.  Because each
can hide a second statement from the check, comments ({cmd:--},
{cmd:/* */}), {cmd:$} (PostgreSQL dollar quoting), {cmd:E'...'} strings and
backslashes inside strings are refused too.

{pstd}
Unlike {helpb leoload}, {cmd:leoquery} does not translate anything: the
database's own semantics apply (for SQL Server: case-insensitive string
comparison, integer division, NULL handling).  Prefer {cmd:leoload} when it
can express what you need.


{marker options}{...}
{title:Options}

{phang}
{opt clear} replaces the data in memory, even if they have changed since
they were last saved; without it, {cmd:leoquery} refuses (r(4)) when they
have.

{phang}
{cmd:frame(}{it:name}[{cmd:, replace}]{cmd:)} loads the result into frame
{it:name}; {cmd:replace} is required if the frame exists (r(110)).

{phang}
{opt maxobs(#)} first counts the rows of the query on the server (a
{cmd:SELECT COUNT(*)} around it, which runs the query once more) and refuses
(r(5105)) more than {it:#}.  Without it, the result is not checked before
loading.

{phang}
{opt debug} shows the Python traceback of an internal error (r(5199)).


{marker remarks}{...}
{title:Remarks}

{pstd}
Put the query in double quotes.  If it contains double quotes itself
(quoted identifiers), use compound quotes {cmd:`"}...{cmd:"'}.  Stata expands
{cmd:$}{it:name} and {cmd:`}{it:name}{cmd:'} in the query before
{cmd:leoquery} sees it, as in any command.

{pstd}
Columns become Stata variables as with {cmd:leoload}: the smallest type that
holds them, dates as {cmd:%td}, valid names with the original kept in the
characteristic {cmd:leo_sqlname}.  The query is stored in
{cmd:_dta[leo_sql]}.


{marker examples}{...}
{title:Examples}

{pstd}These examples run on the embedded synthetic database:{p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}
{phang2}{stata `"leoquery "SELECT TaxYear, COUNT(*) AS n FROM leo_earnings GROUP BY TaxYear ORDER BY TaxYear", clear"':. leoquery "SELECT TaxYear, COUNT(*) AS n FROM leo_earnings GROUP BY TaxYear ORDER BY TaxYear", clear}{p_end}
{phang2}{stata `"leoquery "SELECT code, label FROM ref_benefit_type WHERE out_of_work = 1", frame(oow, replace)"':. leoquery "SELECT code, label FROM ref_benefit_type WHERE out_of_work = 1", frame(oow, replace)}{p_end}

{pstd}Refused: not a SELECT{p_end}
{phang2}{cmd:. leoquery "DELETE FROM leo_earnings"}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leoquery} stores the following in {cmd:r()}:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(N)}}number of observations loaded{p_end}
{synopt:{cmd:r(k)}}number of variables loaded{p_end}
{synopt:{cmd:r(synthetic)}}1 if the database is the synthetic one, 0 otherwise{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(sql)}}the query as sent{p_end}
{synopt:{cmd:r(dialect)}}the database: {cmd:mssql}, {cmd:duckdb}, {cmd:postgresql} or {cmd:sqlite}{p_end}
{synopt:{cmd:r(frame)}}the frame that received the data{p_end}
{synopt:{cmd:r(notes)}}notes about the load, separated by semicolons{p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leoload}, {help leoset}, {helpb odbc}
{p_end}
