{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leoload" "help leoload"}{...}
{vieweralsosee "leodescribe" "help leodescribe"}{...}
{vieweralsosee "leoquery" "help leoquery"}{...}
{vieweralsosee "leoset" "help leoset"}{...}
{viewerjumpto "Syntax" "leostata##syntax"}{...}
{viewerjumpto "Description" "leostata##description"}{...}
{viewerjumpto "Installation" "leostata##install"}{...}
{viewerjumpto "Remarks: the semantic contract" "leostata##contract"}{...}
{viewerjumpto "Examples" "leostata##examples"}{...}
{viewerjumpto "Stored results" "leostata##results"}{...}
{viewerjumpto "Return codes" "leostata##errors"}{...}
{viewerjumpto "Also see" "leostata##alsosee"}{...}
{p2colset 1 13 15 2}{...}
{p2col:{bf:leostata} {hline 2}}Query the LEO extract on SQL Server from Stata, with Stata's semantics{p_end}
{p2colreset}{...}


{marker syntax}{...}
{title:Syntax}

{synoptset 40}{...}
{synopt:{helpb leoset} [{it:subcommand} ...]}choose the database; {cmd:leoset test} checks it{p_end}
{synopt:{helpb leodescribe} [{it:table} [{it:varlist}]] [{cmd:,} ...]}tables, variables, search, value counts{p_end}
{synopt:{helpb leoload} {it:table} [{it:varlist}] [{it:if}] [{it:in}] [{cmd:,} ...]}load, filtered and aggregated on the server{p_end}
{synopt:{helpb leoquery} {cmd:"}{it:SELECT ...}{cmd:"} [{cmd:,} ...]}run a read-only SQL SELECT{p_end}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
leostata lets researchers work on the Longitudinal Education Outcomes (LEO)
extract, a relational SQL Server database far too large to load whole, with
Stata commands.  {cmd:leoload} turns a Stata-style command -- a table, a
varlist, {cmd:if}, {cmd:in}, {cmd:collapse()}, {cmd:by()} -- into one SQL
statement that runs on the server; only the result travels to Stata.

{pstd}
An embedded synthetic LEO-shaped database (same tables, same column names,
fake people) lets the same do-file run before access to the real data is
granted.  It is the default until {helpb leoset} chooses another database,
and every command says when it is in use.  What SQL Server would refuse is
refused on the synthetic database too, so a do-file that runs on the
synthetic data also runs in the SRS.

{pstd}
leostata is a Stata package (these ado-files and help files) and a Python
package ({cmd:leostata}) in the Python that Stata uses; the ado-files call
it through Stata's Python integration, which needs Stata 16 or later and
Python 3.10 or later.


{marker install}{...}
{title:Installation}

{pstd}
1. Install the Python package into the Python that Stata uses
({stata python query} shows it).  With internet:
{cmd:python -m pip install leostata}.  Offline, as in the SRS: bring in the
folder of wheels and type, at a command prompt,
{cmd:python -m pip install --no-index --find-links=}{it:folder}{cmd: leostata}.

{pstd}
2. If Stata uses another Python, point it at this one, once:
{cmd:python set exec} {it:path_to_python}{cmd:, permanently}, then restart
Stata.

{pstd}
3. Install the Stata package from its folder:
{cmd:net install leostata, from(}{it:folder}{cmd:) replace}.

{pstd}
4. Check: {stata leoset test}.  Each command checks that Python can import
leostata and, if not, says what to do (r(5100)).

{pstd}
{bf:Locked-down Windows desktops} (no administrator rights, as on many SRS
and university machines):

{phang2}o  The {cmd:python.exe} under {cmd:...\AppData\Local\Microsoft\WindowsApps}
is the Microsoft Store's alias (an App Execution Alias), not a Python: it
cannot be used with {cmd:python set exec}.  Point Stata at a real
installation instead, e.g. {cmd:python set exec "C:\Users\}{it:you}{cmd:\AppData\Local\Programs\Python\Python311\python.exe", permanently}
(the python.org installer, "Install for me only", needs no administrator
rights); {cmd:where python} at a command prompt lists the candidates.{p_end}
{phang2}o  Without administrator rights, install the package for your user only:
{cmd:python -m pip install --user leostata} (offline:
{cmd:python -m pip install --user --no-index --find-links=}{it:folder}{cmd: leostata}),
or into a folder you can write to:
{cmd:python -m pip install --target=}{it:folder2}{cmd: leostata}; then tell Stata
where it is, once: {cmd:python set userpath "}{it:folder2}{cmd:", permanently},
and restart Stata.  {cmd:python query} shows the Python and the paths in use.{p_end}


{marker contract}{...}
{title:Remarks: the semantic contract}

{pstd}
{bf:The result is what Stata would produce had it loaded the whole table and}
{bf:run the same command.}  Where SQL and Stata disagree, Stata wins, on every
database leostata supports:

{phang2}o  A numeric missing value (SQL NULL) is larger than every number:
{cmd:x > 5} and {cmd:x != 5} are true for missing {cmd:x}, {cmd:if x} is true
for missing, and {cmd:x == .} and {cmd:missing(x)} find the NULLs.{p_end}
{phang2}o  A string missing value is {cmd:""}: NULL and the empty string
behave the same.{p_end}
{phang2}o  String comparison is case-sensitive and exact, although SQL
Server's usual collation ignores case and trailing spaces.{p_end}
{phang2}o  Division is in floating point, and {cmd:x/0} is missing (SQL
Server truncates integer division and stops on division by zero).{p_end}
{phang2}o  {cmd:collapse()} computes what {helpb collapse} computes:
percentiles by Stata's definition (not PERCENTILE_CONT), {cmd:(sum)} of an
all-missing group is 0, {cmd:(count)} counts nonmissing values, means of
integers are not truncated, counts do not overflow.{p_end}
{phang2}o  Dates arrive as {cmd:%td}, datetimes as {cmd:%tc}; each column
gets the smallest Stata type that holds its range; large integers are never
silently rounded.{p_end}

{pstd}
{bf:What is pushed down.}  The choice of variables, {cmd:if} (comparisons,
{cmd:&}, {cmd:|}, {cmd:!}, arithmetic, {cmd:missing()}, {cmd:inlist()},
{cmd:inrange()}, {cmd:cond()}, string and date functions with an exact
translation), {cmd:in} (in the order of {cmd:sort()} or the table's key),
{cmd:sample()}, and {cmd:collapse()} with {cmd:by()}.  The server does the
filtering and the aggregation; Stata receives the result.

{pstd}
{bf:What is refused, and why.}  Anything that cannot be translated
faithfully on the database in use is refused with a message that names it
(r(5104)) -- never approximated: Stata's regular expressions
({cmd:regexm()} and friends) match no database's, {cmd:string()} formats
numbers differently, random-number functions cannot be reproduced.  Load
the variables and do that step in Stata.  {cmd:leoquery} sends only a single
read-only SELECT (r(5103)).  Results that would not fit in memory, or exceed
{cmd:maxobs()}, are refused before anything is loaded (r(5105)).  The data
in memory are never lost: without {cmd:clear} or {cmd:frame()}, a load that
would replace changed data is refused (r(4)).


{marker examples}{...}
{title:Examples}

{pstd}On the synthetic database:{p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}
{phang2}{stata "leodescribe":. leodescribe}{p_end}
{phang2}{stata "leodescribe leo_earnings":. leodescribe leo_earnings}{p_end}
{phang2}{stata "leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) clear":. leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) clear}{p_end}
{phang2}{stata "leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) sqlonly":. leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) sqlonly}{p_end}

{pstd}
A longer workflow -- graduates' median earnings five tax years after
graduation by subject and sex, and the FSM gap in sustained employment -- is
in {cmd:graduate_earnings.do};
{cmd:net get leostata, from(}{it:folder}{cmd:)} copies it into the current
folder.


{marker results}{...}
{title:Stored results}

{pstd}
Every command stores its results in {cmd:r()}; see {help leoload##results:leoload},
{help leoquery##results:leoquery}, {help leodescribe##results:leodescribe} and
{help leoset##results:leoset}.


{marker errors}{...}
{title:Return codes}

{pstd}
leostata uses Stata's own return codes where the meaning matches and a
private range, 5100-5199, for the rest.  Stata's {cmd:syntax} checks each
command line first and may stop with its own codes (100 something required,
198 invalid syntax or option, 12x invalid numlist).

{p2colset 5 12 14 2}{...}
{p2col:{cmd:1}}Break pressed; the query was cancelled and memory left as it was{p_end}
{p2col:{cmd:4}}no; data in memory would be lost (specify clear){p_end}
{p2col:{cmd:101}}weights not allowed (leoload takes weights in collapse() only){p_end}
{p2col:{cmd:106}}variable type mismatch (a string on one side of merge(), a number on the other){p_end}
{p2col:{cmd:109}}type mismatch (a string where a number is required, or the reverse){p_end}
{p2col:{cmd:110}}already defined (a frame of that name exists; specify replace){p_end}
{p2col:{cmd:111}}table or variable not found{p_end}
{p2col:{cmd:130}}expression too long (inlist() arguments over Stata's limit){p_end}
{p2col:{cmd:133}}unknown function{p_end}
{p2col:{cmd:135}}statistic not allowed with this weight type (as collapse){p_end}
{p2col:{cmd:198}}invalid syntax or option{p_end}
{p2col:{cmd:401}}may not use noninteger frequency weights{p_end}
{p2col:{cmd:402}}negative weights encountered{p_end}
{p2col:{cmd:459}}data inconsistency (result would not be what Stata computes){p_end}
{p2col:{cmd:601}}file not found{p_end}
{p2col:{cmd:602}}file already exists{p_end}
{p2col:{cmd:603}}file could not be opened{p_end}
{p2col:{cmd:608}}file is read-only; cannot be modified or erased{p_end}
{p2col:{cmd:693}}file I/O error on write{p_end}
{p2col:{cmd:694}}could not rename file{p_end}
{p2col:{cmd:699}}insufficient disk space{p_end}
{p2col:{cmd:2000}}no observations{p_end}
{p2col:{cmd:5100}}Python or the leostata package is not set up in Stata{p_end}
{p2col:{cmd:5101}}could not connect to the database{p_end}
{p2col:{cmd:5102}}the database reported an error while running the query{p_end}
{p2col:{cmd:5103}}statement refused: only read statements are sent to the server{p_end}
{p2col:{cmd:5104}}valid Stata, but not translatable faithfully on this database{p_end}
{p2col:{cmd:5105}}result too large (see maxobs() and force){p_end}
{p2col:{cmd:5110}}output blocked by disclosure control{p_end}
{p2col:{cmd:5199}}internal error in leostata (please report it){p_end}
{p2colreset}{...}

{pstd}
r(5100) also means that the ado-files and the Python package come from
different releases.  r(5199) is a bug: add the {cmd:debug} option to see
the Python traceback, and report it.


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leoload}, {help leodescribe}, {help leoquery}, {help leoset}, {helpb odbc}, {helpb python}
{p_end}
