{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leostata" "help leostata"}{...}
{vieweralsosee "leoload" "help leoload"}{...}
{vieweralsosee "leoset" "help leoset"}{...}
{viewerjumpto "Syntax" "leodescribe##syntax"}{...}
{viewerjumpto "Description" "leodescribe##description"}{...}
{viewerjumpto "Options" "leodescribe##options"}{...}
{viewerjumpto "Remarks" "leodescribe##remarks"}{...}
{viewerjumpto "Examples" "leodescribe##examples"}{...}
{viewerjumpto "Stored results" "leodescribe##results"}{...}
{viewerjumpto "Also see" "leodescribe##alsosee"}{...}
{p2colset 1 16 18 2}{...}
{p2col:{bf:leodescribe} {hline 2}}What is in the LEO extract, without loading data{p_end}
{p2colreset}{...}


{marker syntax}{...}
{title:Syntax}

{pstd}List the tables and views with their approximate numbers of observations{p_end}
{p 8 16 2}{cmd:leodescribe}{p_end}

{pstd}Describe the variables of a table{p_end}
{p 8 16 2}{cmd:leodescribe} {it:table} [{it:varlist}]{p_end}

{pstd}Find variables by keyword, across all tables (as {cmd:lookfor}){p_end}
{p 8 16 2}{cmd:leodescribe}{cmd:,} {opt search(words)}{p_end}

{pstd}The most frequent values of a variable, with counts{p_end}
{p 8 16 2}{cmd:leodescribe} {it:table}{cmd:,} {opth val:ues(varname)}{p_end}

{synoptset 20 tabbed}{...}
{synopthdr}
{synoptline}
{synopt:{opt search(words)}}find variables whose names or labels contain any of {it:words} (as {cmd:lookfor}){p_end}
{synopt:{opth val:ues(varname)}}the 20 most frequent values of {it:varname}, counts computed on the server{p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leodescribe} shows what the database that {helpb leoset} selects
holds, without loading data.  Without arguments it lists the tables and
views with their approximate numbers of observations.  With a {it:table} it
describes that table as {helpb describe} describes data in memory: a header
with the observations, the number of variables, the person key and the row
order, then each variable (or those {it:varlist} names, with leoload's
wildcards and abbreviations) with the storage type and display format
{helpb leoload} would give it, its value label, its SQL type and its
variable label.  {cmd:search()} finds variables as {helpb lookfor} does, across
all tables, and {cmd:values()} shows the most frequent values of a variable.
Table and variable names in the output are links: click a table to describe
it, a variable to see its values.

{pstd}
Descriptions come from the database, and from metadata files registered
with {cmd:leoset metadata} (for tables whose descriptions the database does
not carry).


{marker options}{...}
{title:Options}

{phang}
{opt search(words)} lists the variables whose name or variable label
contains any of {it:words}, as {helpb lookfor} does: each word is looked for
on its own, a phrase in double quotes as a whole
({cmd:search("free school meals" fsm)}), letter case ignored.  The SQL name
of a renamed variable and the full description of a shortened label are
searched too.  A variable that several tables or views hold alike (same
name, types and label), such as the columns the views {cmd:hesa_2005} ...
{cmd:hesa_2020} repeat from {cmd:hesa_student}, is listed once under the
tables named together.  Tables whose name or description matches are named
at the end.  {cmd:search()} is not combined with a {it:table}.

{phang}
{opth values(varname)} lists the 20 most frequent values of {it:varname} in
{it:table} with their counts.  Counts below the disclosure threshold (the
risk profile's {cmd:min_persons}, 10 by default: the threshold {cmd:leoload}'s
{opt sdc} uses; see {help leoload##sdc:Disclosure control}) are never shown
exactly: they appear as {cmd:<10}, and {cmd:r(suppressed)} counts them.

{phang}
{opt debug} shows the Python traceback of an internal error (r(5199)).


{marker remarks}{...}
{title:Remarks}

{pstd}
{it:Observations.}  The numbers are the database's estimates (SQL Server's
partition statistics, PostgreSQL's planner statistics, DuckDB's table sizes,
SQLite's {cmd:ANALYZE} results), marked {cmd:approx.}; they cost nothing to
read.  Where the database keeps none (views, for instance) {cmd:leodescribe}
says so and shows {cmd:.} in the listing.  {cmd:leoload} {it:table}{cmd:, count}
counts exactly.

{pstd}
{it:Storage types.}  {cmd:leodescribe} reads no data, so it shows the type
the SQL type declares, the type {cmd:leoload ..., declaredtypes} gives.  By
default a load decides integer types from the values loaded, as
{helpb compress} would, so a variable may be stored more compactly than shown
(a 0/1 flag declared {cmd:smallint} loads as {cmd:byte}); it is never stored
less precisely.  A {cmd:bigint} shows as {cmd:long}: values beyond {cmd:long}
load as {cmd:double} while exact, else as a string of digits (with a note).

{pstd}
{it:Strings.}  {cmd:str}{it:#} is the length the database declares
({cmd:varchar(14)} shows as {cmd:str14}); a load stores the longest value
loaded, in bytes of UTF-8, so at most that for plain ASCII text (a character
outside ASCII takes two to four bytes).  {cmd:str#} itself means the
database declares no length ({cmd:text}, {cmd:varchar(max)}, and every
string in DuckDB and SQLite without a length): the width then comes from the
values, up to {cmd:str2045}, beyond which a load stores {cmd:strL}.  Binary
columns load as hexadecimal text ({cmd:0x} and two digits a byte).

{pstd}
{it:Notes.}  A line in parentheses under a variable gives its provenance:
the SQL name when the Stata name had to differ, and where the description
came from.  A load keeps them in the variable's characteristics and
{helpb notes}.


{marker examples}{...}
{title:Examples}

{pstd}These examples run on the embedded synthetic database:{p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}
{phang2}{stata "leodescribe":. leodescribe}{p_end}
{phang2}{stata "leodescribe ks4_pupil":. leodescribe ks4_pupil}{p_end}
{phang2}{stata "leodescribe ks4_pupil KS4_FSM*":. leodescribe ks4_pupil KS4_FSM*}{p_end}
{phang2}{stata "leodescribe, search(free school meals)":. leodescribe, search(free school meals)}{p_end}
{phang2}{stata `"leodescribe, search("free school meals" qualification)"':. leodescribe, search("free school meals" qualification)}{p_end}
{phang2}{stata "leodescribe ks4_pupil, values(KS4_ETHNIC)":. leodescribe ks4_pupil, values(KS4_ETHNIC)}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leodescribe} stores the following in {cmd:r()}; each item means one
thing, and is left unset where it does not apply:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(N)}}observations of {it:table} (the database's estimate; unset where it keeps none){p_end}
{synopt:{cmd:r(k)}}variables of {it:table} (all of them, as {cmd:describe}'s {cmd:r(k)}){p_end}
{synopt:{cmd:r(ntables)}}tables and views listed (without arguments){p_end}
{synopt:{cmd:r(r)}}with {cmd:values()}: values listed{p_end}
{synopt:{cmd:r(suppressed)}}with {cmd:values()}: counts shown only as below the threshold{p_end}
{synopt:{cmd:r(synthetic)}}1 if the database is the synthetic one, 0 otherwise{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(table)}}the table described{p_end}
{synopt:{cmd:r(tables)}}the tables and views listed; with {cmd:search()}, those holding a variable found{p_end}
{synopt:{cmd:r(varlist)}}the variables described; with {cmd:search()}, those found, each once (as {cmd:lookfor}); with {cmd:values()}, the variable{p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leoload}, {help leoset}, {helpb describe}
{p_end}
