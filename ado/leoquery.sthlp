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
{synopt:{opt max:obs(#)}}refuse results of more than {it:#} observations; default 10,000,000{p_end}
{synopt:{opt force}}load even past {cmd:maxobs()} or the memory check{p_end}
{synopt:{opt noc:ache}}ask the database, not the {help leoload##cache:result cache}{p_end}
{synopt:{opt show:sql}}display the SQL sent, then run it{p_end}
{synopt:{opt sqls:how}}the same as {cmd:showsql} (the spelling of Stata's {helpb odbc}){p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leoquery} is the escape hatch for users who write SQL: it sends one
{cmd:SELECT} statement to the database that {helpb leoset} selects and loads
the result.  The query is read by an SQL parser for that database's own
dialect (T-SQL on SQL Server, PostgreSQL, DuckDB or SQLite), so the check sees
the statement exactly as the server will, and it is accepted only if
everything in it is on a list of what a query may contain:

{phang2}o{space 1}exactly one query: {cmd:SELECT}, {cmd:WITH ... SELECT},
{cmd:UNION}/{cmd:INTERSECT}/{cmd:EXCEPT}, or a query in parentheses;{p_end}
{phang2}o{space 1}tables and views read by plain name (letters, digits,
{cmd:_}, {cmd:$}, {cmd:-} and spaces), with joins, subqueries,
{cmd:WHERE}, {cmd:GROUP BY}, {cmd:HAVING}, {cmd:ORDER BY}, {cmd:TOP}/{cmd:LIMIT},
{cmd:CASE}, {cmd:CAST} and window functions;{p_end}
{phang2}o{space 1}functions that only compute a value: aggregates
({cmd:COUNT}, {cmd:SUM}, {cmd:AVG}, {cmd:MIN}, {cmd:MAX}, {cmd:STDEV},
{cmd:PERCENTILE_CONT}, ...), window functions ({cmd:ROW_NUMBER}, {cmd:RANK},
{cmd:LAG}, ...), and the usual number, string, missing-value and date
functions ({cmd:ROUND}, {cmd:SUBSTRING}, {cmd:COALESCE}/{cmd:ISNULL},
{cmd:DATEADD}, {cmd:YEAR}, ...).{p_end}

{pstd}
Everything else is refused with r(5103) and a message naming it: any
statement that is not a query, several statements, {cmd:SELECT ... INTO},
{cmd:FOR UPDATE} and table hints such as {cmd:WITH (NOLOCK)}, query options,
variables ({cmd:@x}, {cmd:@@VERSION}), sequences ({cmd:NEXT VALUE FOR}),
functions in {cmd:FROM} ({cmd:OPENROWSET}, {cmd:OPENQUERY}, {cmd:read_csv},
{cmd:generate_series}), names on linked servers ({it:server.db.schema.table}),
any function not on the list (file, network, session, lock, sequence and
administration functions such as {cmd:xp_cmdshell}, {cmd:dblink_exec},
{cmd:pg_terminate_backend}), PostgreSQL {cmd:E'...'} and {cmd:$$} strings,
control characters, and names outside plain ASCII unless quoted.  What the
parser cannot read as one query of that dialect is refused too.  If a
function you need is refused, use {helpb leoload}, or ask for it to be added.

{pstd}
The statement sent is the one the parser read, written out again from what
was checked (so {cmd:r(sql)} may differ from what you typed in spacing,
letter case of keywords and comments, which are dropped).  Behind the check,
the connection itself refuses to write wherever the database allows:
PostgreSQL transactions are {cmd:READ ONLY}, DuckDB files are opened read-only
with file access switched off, SQLite connections are {cmd:query_only}, and on
SQL Server nothing is ever committed.  On SQL Server the only defence that
holds whatever is sent is a read-only login: {cmd:leoset test} reports
whether yours could write.

{pstd}
Outside Stata, {cmd:leostata query --dialect mssql --sqlonly -- '}{it:SELECT ...}{cmd:'}
prints the statement that would be sent to SQL Server, or refuses it with
r(5103), without connecting to anything.

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
{opt maxobs(#)} refuses (r(5105)) a result of more than {it:#} observations;
the default is 10,000,000, as for {helpb leoload}.  Results that would not fit
in memory are refused too.  The query runs once: {cmd:leoquery} does not count
its rows first, it stops the query as soon as the rows received pass the
limit, and nothing is loaded (the data in memory, or the frame, stay as they
were).  The error then says the result has more than {it:#} observations.  The
memory check uses the width of the result's columns as the query declares
them.

{phang}
{opt force} skips the size guard: no limit.

{phang}
{opt nocache} asks the database even when the result cache holds the
answer.  {cmd:leoquery} shares {cmd:leoload}'s
{help leoload##cache:result cache}: an identical query on the same
connection and catalog state is answered from it ({cmd:r(cached)} = 1).  The
catalog state also covers the schemas and databases the query names.  A query
that reads the clock ({cmd:CURRENT_TIMESTAMP}, {cmd:GETDATE()}, {cmd:now()},
{cmd:CURRENT_DATE}, {cmd:date('now')}, ...) or the database's own catalog
({cmd:pg_catalog}, {cmd:information_schema}, {cmd:sys}, {cmd:sqlite_master},
...) is never answered from the cache.

{phang}
{opt showsql} displays the statement before running it: the statement sent,
as the parser read it (it is also stored in {cmd:r(sql)}).  {opt sqlshow} is
the same option under the name Stata's {helpb odbc} gives it.

{phang}
{opt debug} shows the Python traceback of an internal error (r(5199)).


{marker timeouts}{...}
{title:Time-outs}

{pstd}
The login to an ODBC server gives up after 30 seconds (r(5101)); set the
environment variable {cmd:LEOSTATA_CONNECT_TIMEOUT} to another number of
seconds.  A query runs as long as it needs unless {cmd:LEOSTATA_QUERY_TIMEOUT}
is set: then a statement that runs longer is cancelled on the server and
{cmd:leoquery} or {cmd:leoload} stops with r(5102), leaving the data in memory
as they were.  Set them before starting Stata, or in Python
({cmd:python: import os; os.environ["LEOSTATA_QUERY_TIMEOUT"] = "600"}) and
then {cmd:leoset test}, which reconnects: they are read when leostata
connects.  On DuckDB and SQLite (local files) there is no query time-out.


{marker remarks}{...}
{title:Remarks}

{pstd}
Put the query in double quotes.  If it contains double quotes itself
(quoted identifiers), use compound quotes {cmd:`"}...{cmd:"'}.  Stata expands
{cmd:$}{it:name} and {cmd:`}{it:name}{cmd:'} in the query before
{cmd:leoquery} sees it, as in any command.  The options begin at the first
comma outside quotes and parentheses ({helpb _parse} {cmd:comma}), so the
commas of a quoted query never start them; unquoted, {cmd:SELECT a, b}
would end at {cmd:a}.

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

{pstd}Refused: not a SELECT; a second statement; a function that reads files{p_end}
{phang2}{cmd:. leoquery "DELETE FROM leo_earnings"}{p_end}
{phang2}{cmd:. leoquery "SELECT 1; DROP TABLE leo_earnings"}{p_end}
{phang2}{cmd:. leoquery "SELECT * FROM read_csv('/etc/passwd')"}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leoquery} stores the following in {cmd:r()}:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(N)}}number of observations loaded{p_end}
{synopt:{cmd:r(k)}}number of variables loaded{p_end}
{synopt:{cmd:r(cached)}}1 if the {help leoload##cache:result cache} answered, 0 if the database did{p_end}
{synopt:{cmd:r(synthetic)}}1 if the database is the synthetic one, 0 otherwise{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(sql)}}the query as sent (as the parser read it; comments dropped){p_end}
{synopt:{cmd:r(dialect)}}the database: {cmd:mssql}, {cmd:duckdb}, {cmd:postgresql} or {cmd:sqlite}{p_end}
{synopt:{cmd:r(frame)}}the frame that received the data{p_end}
{synopt:{cmd:r(notes)}}notes about the load, separated by semicolons{p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leoload}, {help leoset}, {helpb odbc}
{p_end}
