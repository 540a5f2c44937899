{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leostata" "help leostata"}{...}
{vieweralsosee "leoload" "help leoload"}{...}
{vieweralsosee "leodescribe" "help leodescribe"}{...}
{viewerjumpto "Syntax" "leoset##syntax"}{...}
{viewerjumpto "Description" "leoset##description"}{...}
{viewerjumpto "Options" "leoset##options"}{...}
{viewerjumpto "Remarks" "leoset##remarks"}{...}
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
