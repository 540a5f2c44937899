{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leostata" "help leostata"}{...}
{vieweralsosee "leoload" "help leoload"}{...}
{vieweralsosee "leodescribe" "help leodescribe"}{...}
{viewerjumpto "Syntax" "leoset##syntax"}{...}
{viewerjumpto "Description" "leoset##description"}{...}
{viewerjumpto "Options" "leoset##options"}{...}
{viewerjumpto "Remarks" "leoset##remarks"}{...}
{viewerjumpto "Table names and the site layout" "leoset##tablenames"}{...}
{viewerjumpto "Examples" "leoset##examples"}{...}
{viewerjumpto "Stored results" "leoset##results"}{...}
{viewerjumpto "Also see" "leoset##alsosee"}{...}
{p2colset 1 11 13 2}{...}
{p2col:{bf:leoset} {hline 2}}Choose the database leostata uses{p_end}
{p2colreset}{...}


{marker syntax}{...}
{title:Syntax}

{pstd}Show the current setting (passwords masked){p_end}
{p 8 16 2}{cmd:leoset}{p_end}

{pstd}An ODBC data source{p_end}
{p 8 16 2}{cmd:leoset dsn} {it:name} [{cmd:,} {opt sch:ema(name)} {opt perm:anently}]{p_end}

{pstd}A SQL Server, with Windows integrated authentication{p_end}
{p 8 16 2}{cmd:leoset server} {it:server}{cmd:,} {opt data:base(name)}
[{opt driv:er(odbc_driver)} {opt sch:ema(name)} {opt perm:anently}]{p_end}

{pstd}Any SQLAlchemy URL{p_end}
{p 8 16 2}{cmd:leoset url} {cmd:"}{it:url}{cmd:"} [{cmd:,} {opt sch:ema(name)} {opt perm:anently}]{p_end}

{pstd}The embedded synthetic LEO-shaped database{p_end}
{p 8 16 2}{cmd:leoset synthetic} [{cmd:,} {opt pers:ons(#)} {opt seed(#)} {opt perm:anently}]{p_end}

{pstd}Connect and report the server and its semantics{p_end}
{p 8 16 2}{cmd:leoset test}{p_end}

{pstd}Register a metadata file of variable descriptions{p_end}
{p 8 16 2}{cmd:leoset metadata} {cmd:"}{it:filename}{cmd:"}{p_end}

{synoptset 24 tabbed}{...}
{synopthdr}
{synoptline}
{synopt:{opt data:base(name)}}the database on the server; required with {cmd:server}{p_end}
{synopt:{opt driv:er(odbc_driver)}}the ODBC driver; default {cmd:ODBC Driver 17 for SQL Server}{p_end}
{synopt:{opt sch:ema(name)}}the schema that holds the tables (e.g., your project's){p_end}
{synopt:{opt pers:ons(#)}}persons in the synthetic database; default 20,000{p_end}
{synopt:{opt seed(#)}}seed of the synthetic database; default 1{p_end}
{synopt:{opt perm:anently}}also remember the setting in the user's config file{p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leoset} chooses the database that {helpb leoload}, {helpb leodescribe}
and {helpb leoquery} use, and shows it.  Without {cmd:permanently}, the
setting lasts until Stata exits; with it, it is also written to the user's
config file and used by every later Stata session (and by the {cmd:leostata}
command line).

{pstd}
leostata uses the first of: the setting made by {cmd:leoset} in this Stata
session; the environment variable {cmd:LEOSTATA_URL}; the config file; the
embedded synthetic database.  Every command says so when it uses the
synthetic database.

{pstd}
{cmd:leoset test} connects and reports the server's product and version,
its collation, whether its string comparison and integer arithmetic differ
from Stata's (leostata corrects for what it finds), the ODBC driver, and
whether the catalog views are readable.


{marker options}{...}
{title:Options}

{phang}
{opt database(name)} names the database on the server, e.g., the LEO
extract's.

{phang}
{opt driver(odbc_driver)} names the installed ODBC driver; see
{cmd:odbc list} or Windows' ODBC Data Source Administrator.  The default is
{cmd:ODBC Driver 17 for SQL Server}.

{phang}
{opt schema(name)} names the schema that holds the tables, if it is not the
login's default schema.

{phang}
{opt persons(#)} and {opt seed(#)} choose the size and the seed of the
synthetic database; it is built on first use (about 10 seconds for 20,000
persons) in the user's data folder and reused afterwards.  The same size and
seed always give the same data.

{phang}
{opt permanently} also writes the setting to the user's config file
({cmd:leostata.ini} in the folder shown by {cmd:leoset}), readable by the
user only.

{phang}
{opt debug} shows the Python traceback of an internal error (r(5199)).


{marker remarks}{...}
{title:Remarks}

{pstd}
{bf:Where the setting lives.}  A setting made without {cmd:permanently} is
kept in the memory of Stata's Python for the rest of the Stata session; it
is never put in a Stata macro, where {cmd:macro list} would show a
password.  {cmd:leoset} and {cmd:r(url)} show URLs with passwords masked.

{pstd}
{bf:Windows integrated authentication.}  {cmd:leoset server} connects with
{cmd:Trusted_Connection=yes}: no password is stored anywhere.  In the SRS
this is the usual way.  The URL it builds is
{cmd:mssql+pyodbc://}{it:server}{cmd:/}{it:database}{cmd:?driver=}...{cmd:&Trusted_Connection=yes}.
{cmd:leoset dsn} {it:name} uses a data source already defined in ODBC
({cmd:mssql+pyodbc://}{it:name}).

{pstd}
{bf:URLs.}  {cmd:leoset url} takes any SQLAlchemy URL: {cmd:mssql+pyodbc://...},
{cmd:postgresql+pyodbc:///?odbc_connect=...}, {cmd:duckdb:///C:/path/file.duckdb},
{cmd:sqlite:///C:/path/file.sqlite}.  Quote it.  Stata expands {cmd:$}{it:name}
and {cmd:`}{it:name}{cmd:'} before {cmd:leoset} sees the text, so a password
containing {cmd:$} or {cmd:`} is mangled: use a DSN, Windows
authentication, or the {cmd:LEOSTATA_URL} environment variable instead.

{pstd}
{bf:Warning: a password typed in a URL ends up in your logs.}  Stata echoes
every command as typed, before {cmd:leoset} can mask anything: a
{cmd:leoset url "...:}{it:password}{cmd:@..."} typed at the prompt or run from
a do-file is shown in the Results window and the Review window and written
to any open {helpb log} or {helpb cmdlog} in clear.  Logs are often kept and
shared, and in the SRS they go to output checking.  So do not put a
password in a URL: use {cmd:leoset dsn} (an ODBC data source that stores
the login outside Stata), {cmd:leoset server} (Windows integrated
authentication, no password at all), or set {cmd:LEOSTATA_URL} outside
Stata.  With {cmd:permanently}, the URL is also stored, unmasked, in the
config file (readable by you only).

{pstd}
{bf:Metadata files.}  {cmd:leoset metadata} registers a CSV or XLSX file with
columns {it:table}, {it:variable} and {it:description} (optionally {it:type}
and {it:years}), shaped like the LEO variable request form.  Its
descriptions fill the gaps that the database's own metadata leave; they show
in {helpb leodescribe}.  Registration is always permanent (the config file).


{marker tablenames}{...}
{title:Table names and the site layout}

{pstd}
In the SRS, the sources live in different databases of one SQL Server:
{cmd:LEO_i2} (earnings, employment, benefits, self-assessment, geography
and the lookup tables), {cmd:hesa_i2} (one view per HESA year),
{cmd:NPD_i2} and {cmd:LILR_i2}; in each, your project's views are in one
schema named after the project.  A table may be named in three ways, in
{helpb leoload}, in its {cmd:merge(... using} {it:table}{cmd:)} and in
{helpb leodescribe}:

{p2colset 9 40 42 2}{...}
{p2col:{it:table}}where the site layout puts it, else in the connection's default schema{p_end}
{p2col:{it:schema}{cmd:.}{it:table}}in that schema of the connection's database{p_end}
{p2col:{it:database}{cmd:.}{it:schema}{cmd:.}{it:table}}in that schema of that database{p_end}
{p2colreset}{...}

{pstd}
The rule, the same everywhere: the database and the schema named must
exist (matched exactly, else ignoring case); the table matches exactly,
else ignoring case, else with the {cmd:leo_} prefix of the SRS views
({cmd:earnings} is {cmd:leo_earnings}).  A name that does not resolve stops
with r(111) and says what was not found (the database, the schema, or the
table and where it was looked for); leostata never reads a table of the
same name from another schema instead.  PostgreSQL reads only the
database it is connected to; SQLite has no databases inside a connection,
so a three-part name is refused there (r(5104)).

{pstd}
{bf:The site layout} says once where each table lives, so that a do-file
can write {cmd:leoload leo_earnings ...} or {cmd:merge(m:1 ... using hesa_2016)}
without qualifying the names.  leostata ships two layouts: {cmd:srs}, with the
database and view names documented for SRS LEO projects, and
{cmd:synthetic}, which the synthetic database always uses.  Another site
copies the {cmd:srs} file ({cmd:layout-srs.ini} in the {cmd:data} folder of
the leostata Python package), edits it, and names the copy instead.  A
layout is a small text file:

{phang2}{cmd:[tables]}{p_end}
{phang2}{cmd:; table name pattern (* and ? wildcards, any case) = database.schema}{p_end}
{phang2}{cmd:leo_* = LEO_i2.{c -(}project{c )-}}{p_end}
{phang2}{cmd:hesa_* = hesa_i2.{c -(}project{c )-}}{p_end}
{phang2}{cmd:learners = LILR_i2.{c -(}project{c )-}}{p_end}

{pstd}
The first pattern that matches a table name wins; a name that no pattern
matches is looked for in the connection's default schema.
{cmd:{c -(}project{c )-}} stands for your project's schema name.  Choose the
layout and the project in the config file ({cmd:leostata.ini}, in the folder
{cmd:leoset} shows), in a section

{phang2}{cmd:[layout]}{p_end}
{phang2}{cmd:file = srs}{space 20}(or the path of your own layout file, or {cmd:none}){p_end}
{phang2}{cmd:project = p1234}{p_end}

{pstd}
or with the environment variables {cmd:LEOSTATA_LAYOUT} and
{cmd:LEOSTATA_PROJECT}, which take precedence.  Without a layout (the
default for a server), every unqualified name is looked for in the
connection's default schema, as before.  With the {cmd:srs} layout and no
project set, an unqualified LEO, HESA, NPD or LILR name stops with r(111)
and asks for the project.

{pstd}
{bf:The synthetic database} keeps all its tables in one schema, but its
layout puts each in the SRS database it would be in and declares those
database names ({cmd:LEO_i2}, {cmd:hesa_i2}, {cmd:NPD_i2}, {cmd:LILR_i2}),
with any project schema (or only the project set in {cmd:[layout] project},
if one is), as names for it.  So a do-file written for the SRS runs
unchanged on it: {cmd:hesa_i2.p1234.hesa_2016} and
{cmd:LEO_i2.p1234.leo_earnings} resolve, while {cmd:LEO_i2.p1234.hesa_2016}
(HESA is not in {cmd:LEO_i2}) and {cmd:nosuchdb.x.leo_earnings} stop with
r(111), as they would in the SRS.  The synthetic {cmd:ref_*} tables are in no
SRS database: name them unqualified.

{pstd}
A layout file may also have a {cmd:[places]} section, {it:database.schema}
{cmd:=} {it:real place}, for a database that imitates another; the
synthetic layout uses it, a site's layout does not need it.

{pstd}
{bf:leodescribe} lists the tables an unqualified name reaches: those of the
default schema and those of every place the layout names (a database the
project has no access to is left out of the list).


{marker examples}{...}
{title:Examples}

{pstd}The synthetic database (the default until you set another){p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}
{phang2}{stata "leoset":. leoset}{p_end}
{phang2}{stata "leoset test":. leoset test}{p_end}
{phang2}{stata "leoset synthetic, persons(2000) seed(7)":. leoset synthetic, persons(2000) seed(7)}{p_end}

{pstd}In the SRS (names are placeholders){p_end}
{phang2}{cmd:. leoset server SRV-LEO01, database(LEO_Extract) schema(proj123) permanently}{p_end}
{phang2}{cmd:. leoset dsn LEO, schema(proj123)}{p_end}
{phang2}{cmd:. leoset metadata "C:/Users/me/leo_variables.xlsx"}{p_end}
{phang2}{cmd:. leoset test}{p_end}

{pstd}In the SRS, with the {cmd:srs} layout and {cmd:project = p1234} in
{cmd:leostata.ini} (see {help leoset##tablenames:table names}){p_end}
{phang2}{cmd:. leoload leo_earnings Edukey TaxYear Earnings if TaxYear == 201516, clear}{p_end}
{phang2}{cmd:. leoload hesa_i2.p1234.hesa_2016, count}{p_end}

{pstd}The same lines on the synthetic database{p_end}
{phang2}{stata "leoload LEO_i2.p1234.leo_earnings Edukey TaxYear Earnings if TaxYear == 201516, clear":. leoload LEO_i2.p1234.leo_earnings Edukey TaxYear Earnings if TaxYear == 201516, clear}{p_end}
{phang2}{stata "leoload hesa_i2.p1234.hesa_2016, count":. leoload hesa_i2.p1234.hesa_2016, count}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leoset} stores the following in {cmd:r()}:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(synthetic)}}1 if the setting is the synthetic database, 0 otherwise{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(url)}}the URL, passwords masked{p_end}
{synopt:{cmd:r(source)}}where it comes from: {cmd:option} (leoset, this session), {cmd:environment}, {cmd:config file} or {cmd:synthetic}{p_end}
{synopt:{cmd:r(schema)}}the schema, if set{p_end}
{synopt:{cmd:r(dialect)}}the kind of database: {cmd:mssql}, {cmd:duckdb}, {cmd:postgresql} or {cmd:sqlite}{p_end}
{synopt:{cmd:r(config)}}the user's config file{p_end}
{synopt:{cmd:r(metadata)}}the registered metadata files, separated by semicolons{p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leoload}, {help leodescribe}, {helpb odbc}
{p_end}
