{smcl}
{* *! version 0.1.0 28nov2026}{...}
{vieweralsosee "leostata" "help leostata"}{...}
{vieweralsosee "leodescribe" "help leodescribe"}{...}
{vieweralsosee "leoquery" "help leoquery"}{...}
{vieweralsosee "leoset" "help leoset"}{...}
{vieweralsosee "" "--"}{...}
{vieweralsosee "[D] collapse" "help collapse"}{...}
{vieweralsosee "[D] merge" "help merge"}{...}
{vieweralsosee "[D] odbc" "help odbc"}{...}
{viewerjumpto "Syntax" "leoload##syntax"}{...}
{viewerjumpto "Description" "leoload##description"}{...}
{viewerjumpto "Options" "leoload##options"}{...}
{viewerjumpto "Remarks" "leoload##remarks"}{...}
{viewerjumpto "Joins" "leoload##joins"}{...}
{viewerjumpto "Cohorts" "leoload##cohorts"}{...}
{viewerjumpto "Link paths" "leoload##links"}{...}
{viewerjumpto "Disclosure control" "leoload##sdc"}{...}
{viewerjumpto "Functions" "leoload##functions"}{...}
{viewerjumpto "Examples" "leoload##examples"}{...}
{viewerjumpto "Stored results" "leoload##results"}{...}
{viewerjumpto "Also see" "leoload##alsosee"}{...}
{p2colset 1 12 14 2}{...}
{p2col:{bf:leoload} {hline 2}}Load a table of the LEO extract, filtered and aggregated on the server{p_end}
{p2colreset}{...}


{marker syntax}{...}
{title:Syntax}

{p 8 16 2}
{cmd:leoload} {it:table} [{it:varlist}] [{it:{help if}}] [{it:{help in}}]
[{it:{help leoload##weights:weight}}] [{cmd:,} {it:options}]

{synoptset 26 tabbed}{...}
{synopthdr}
{synoptline}
{syntab:Destination}
{synopt:{opt clear}}replace the data in memory, even if they have changed{p_end}
{synopt:{cmd:frame(}{it:name}[{cmd:, replace}]{cmd:)}}load into frame {it:name}; the current frame is left alone{p_end}

{syntab:Aggregation on the server}
{synopt:{cmdab:coll:apse(}{it:{help leoload##clist:clist}}{cmd:)}}aggregate as {helpb collapse} would, on the server{p_end}
{synopt:{opth by(varlist)}}groups for {cmd:collapse()}{p_end}
{synopt:{opt cw}}casewise deletion for {cmd:collapse()}{p_end}

{syntab:Rows}
{synopt:{cmdab:samp:le(}{it:#}[{cmd:, seed(}{it:#}{cmd:)}]{cmd:)}}keep about {it:#} percent of persons, reproducibly{p_end}
{synopt:{cmd:merge(}{it:{help leoload##joins:merge spec}}{cmd:)}}bring variables of another table, as {helpb merge} does, on the server; may be repeated{p_end}
{synopt:{cmdab:coh:ort(}{it:{help leoload##cohorts:cohort spec}}{cmd:)}}keep the rows whose key appears in another table; may be repeated{p_end}
{synopt:{opth sort(varlist)}}row order of the result, and the order {cmd:in} counts in{p_end}
{synopt:{opt count}}count the rows that {cmd:if}, {cmd:in} and {cmd:sample()} keep; load nothing{p_end}
{synopt:{opt max:obs(#)}}refuse results of more than {it:#} observations; default 10,000,000{p_end}
{synopt:{opt force}}load even past {cmd:maxobs()} or the memory check{p_end}
{synopt:{opt noc:ache}}ask the database, not the {help leoload##cache:result cache}{p_end}

{syntab:Types and labels}
{synopt:{opt decl:aredtypes}}storage types from the SQL types, not from the values loaded; see {help leoload##types:types and labels}{p_end}
{synopt:{opt codes:only}}attach no value labels from the metadata: the codes only{p_end}

{syntab:Transparency}
{synopt:{opt show:sql}}display the SQL, then run it{p_end}
{synopt:{opt sqls:how}}the same as {opt showsql} (the spelling of {helpb odbc}){p_end}
{synopt:{opt sqlo:nly}}display the SQL and run nothing{p_end}
{synopt:{opt sdc}[{cmd:(}{it:sdcopts}{cmd:)}]}disclosure-control checks on {cmd:collapse()} output (see {help leoload##sdc:Disclosure control}){p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}
{p 4 6 2}
{it:table} is a table or view of the database that {helpb leoset} selects;
{it:varlist}, {cmd:if}, {cmd:in}, {cmd:by()} and {cmd:sort()} refer to
the variables of {it:table}, not to the data in memory.  As in Stata,
variable names are case-sensitive and may be abbreviated (a unique
abbreviation), and wildcards ({cmd:KS4_*}) and ranges ({cmd:a-b}) work.
The options begin at the first comma outside parentheses and quotes, as
{helpb _parse} {cmd:comma} splits a command: a comma inside a function's
arguments ({cmd:if inrange(x, 1, 5)}) or inside a string
({cmd:if s == "a, b"}) belongs to the {cmd:if} condition.{p_end}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leoload} loads {it:table}, or the part of it you ask for, into Stata.
The selection, the {cmd:if} filter, the {cmd:in} range, the sample and the
aggregation run on the database server as one SQL statement; only the result
travels to Stata.  The result is what Stata would produce had it loaded the
whole table and then run the same {cmd:keep}, {cmd:collapse} and {cmd:sort}
commands (see {help leostata##contract:the semantic contract}).

{pstd}
The data in memory are never lost: without {cmd:clear}, {cmd:leoload}
refuses (r(4)) when they have changed since last saved, as {helpb use} does;
with {cmd:frame()} it loads into another frame.  A failed or interrupted
load leaves every frame as it was.

{pstd}
When the database is leostata's embedded synthetic one, {cmd:leoload} says
so, and the loaded data carry the data label "SYNTHETIC ..." and the
characteristic {cmd:_dta[leo_synthetic]}.


{marker options}{...}
{title:Options}

{dlgtab:Destination}

{phang}
{opt clear} replaces the data in memory, even if they have changed since
they were last saved.  It cannot be abbreviated.

{phang}
{cmd:frame(}{it:name}[{cmd:, replace}]{cmd:)} loads the result into frame
{it:name} and leaves the current frame current.  If {it:name} exists,
{cmd:replace} is required (r(110) otherwise).

{marker clist}{...}
{dlgtab:Aggregation on the server}

{phang}
{cmd:collapse(}{it:clist}{cmd:)} aggregates on the server.  {it:clist} is
{helpb collapse}'s: {cmd:(}{it:stat}{cmd:)} {it:varlist} or
{cmd:(}{it:stat}{cmd:)} {it:target_var}{cmd:=}{it:varname}, repeated;
{it:stat} is {cmd:mean} (the default), {cmd:median}, {cmd:p1}-{cmd:p99},
{cmd:sd}, {cmd:sum}, {cmd:count}, {cmd:percent}, {cmd:max}, {cmd:min},
{cmd:iqr}, {cmd:first}, {cmd:last}, {cmd:firstnm} or {cmd:lastnm}.  The
results follow Stata's definitions exactly: percentiles as {cmd:collapse}
computes them (not SQL's PERCENTILE_CONT), {cmd:(sum)} of an all-missing
group is 0, {cmd:(count)} counts nonmissing values, {cmd:(sd)} divides by
N-1.  {cmd:first} and {cmd:last} follow the {cmd:sort()} order or the
table's key.  Nothing is loaded when no observations are left (r(2000)), as
with {cmd:collapse}.

{phang}
{opth by(varlist)} gives the groups of {cmd:collapse()}.

{phang}
{opt cw} specifies casewise deletion: an observation is used only if none of
the {cmd:collapse()} variables is missing.

{marker weights}{...}
{phang}
{it:Weights}. With {cmd:collapse()}, {cmd:[aweight=}{it:varname}{cmd:]},
{cmd:[fweight=}{it:varname}{cmd:]}, {cmd:[iweight=}{it:varname}{cmd:]} and
{cmd:[pweight=}{it:varname}{cmd:]} ({cmd:aw}, {cmd:fw}, {cmd:iw}, {cmd:pw})
weight the statistics as {helpb collapse} does; {cmd:[weight=}{it:varname}{cmd:]}
means aweights, {cmd:collapse}'s default.  The weight is one numeric
variable of the table (an expression is refused, r(5104)); it goes after
the {it:varlist}, before or after {cmd:if} and {cmd:in}.  Observations
whose weight is missing or zero are left out.  {cmd:(mean)} is the weighted
mean; {cmd:(sum)} sums weight times value, with aweights first rescaled to
add up to the group's number of nonmissing values; {cmd:(count)} is the
number of nonmissing values with aweights and the sum of the weights
otherwise (then stored as a {cmd:double}); {cmd:(rawsum)}, {cmd:(min)},
{cmd:(max)}, {cmd:(first)} and {cmd:(last)} ignore the weight;
{cmd:(sd)} divides by the sum of the weights minus 1 (aweights rescaled:
n-1); percentiles and {cmd:(iqr)} use the cumulative rescaled weights.
As in {cmd:collapse}, {cmd:(sd)} is not allowed with pweights,
{cmd:(semean)} with pweights or iweights, {cmd:(sebinomial)} and
{cmd:(sepoisson)} with aweights, iweights or pweights (r(135)).  Negative
aweights or fweights stop with {err:negative weights encountered}
(r(402)), noninteger fweights with {err:may not use noninteger frequency weights}
(r(401)); negative pweights, and percentiles with negative iweights, are
refused (r(5104)).  A weight without {cmd:collapse()} is r(101)
{err:weights not allowed}, and {cmd:sdc} is refused with weights (its
checks count persons unweighted).  For example,
{cmd:leoload auto [aw=weight], collapse((mean) price mpg) by(foreign)}.

{dlgtab:Rows}

{phang}
{cmd:sample(}{it:#}[{cmd:, seed(}{it:#}{cmd:)}]{cmd:)} keeps about {it:#}
percent of persons (0 < {it:#} <= 100): all rows of a selected person, none
of the others, chosen by a hash of the table's person key and the seed, so
the same persons are chosen in every table and every run.

{phang}
{cmd:merge(}{it:type key} {cmd:using} {it:table} [{cmd:,} {it:options}]{cmd:)}
merges another table onto the rows loaded, on the server, with Stata's
rules; the cardinality is checked there first (r(459)).  Several
{cmd:merge()} options apply in turn, as consecutive {cmd:merge} commands.
See {help leoload##joins:Joins}.

{phang}
{cmd:cohort(}{it:key} {cmd:using} {it:table} [{cmd:if} {it:exp}]{cmd:)}
keeps the rows whose key appears in {it:table} (in its rows where {it:exp}
is true), never duplicating a row.  See {help leoload##cohorts:Cohorts}.

{phang}
{opth sort(varlist)} orders the result in Stata's sort order (as
{helpb sort} would: missing values last, strings by their bytes).  Without
it, rows come ordered by the table's key ({cmd:leodescribe} {it:table} shows
it) as the database itself orders it, which an index on the key serves
without sorting the table: the same rows in the same order in every run, but
not necessarily Stata's order (the database's collation may ignore case, and
missing values may come first), and the data are not marked as sorted; type
{cmd:sort} in Stata, or give {cmd:sort()}, when the order matters.  With
{cmd:merge()} the rows come in Stata's order of the keys (see
{help leoload##joins:Joins}).  A table without a key has no row order: its
rows come in whatever order the server returns them.  {cmd:in} counts observations of the whole table in Stata's
order of {cmd:sort()} or the key, before {cmd:if} and {cmd:sample()} apply,
as {cmd:keep in} would after {cmd:use}; a range outside 1 to _N is r(198)
{err:Obs. nos. out of range}, as in Stata (this costs one {cmd:COUNT} of the
table on the server).

{phang}
{opt count} counts the rows {cmd:if}, {cmd:in} and {cmd:sample()} keep,
displays the number and stores it in {cmd:r(N)}; nothing is loaded.

{phang}
{opt maxobs(#)} refuses (r(5105)) a result of more than {it:#}
observations.  The default is 10,000,000; results that would not fit in
memory are refused too.  Aggregated results are not checked.

{phang}
{opt force} loads the result whatever its size.

{phang}
{opt nocache} asks the database even when the
{help leoload##cache:result cache} holds the answer; the answer is neither
read from the cache nor stored in it.

{dlgtab:Transparency}

{phang}
{opt showsql} displays the SQL statement before running it.  The statement
shown is the statement run; it is also stored in {cmd:r(sql)} and in the
characteristic {cmd:_dta[leo_sql]} of the loaded data.

{phang}
{opt sqlonly} displays the SQL statement and runs nothing.

{phang}
{opt sdc} (with {opt collapse()}) checks each cell for disclosure on the
server and suppresses failing statistics; see
{help leoload##sdc:Disclosure control}.

{phang}
{opt debug} shows the Python traceback if {cmd:leoload} stops with an
internal error (r(5199)).


{marker remarks}{...}
{title:Remarks}

{pstd}
{cmd:leoload} translates the command into SQL for the database in use
(SQL Server in the SRS; DuckDB for the synthetic database; PostgreSQL and
SQLite also work).  What Stata and SQL disagree on, Stata wins: a missing
value is larger than any number, so {cmd:if x > 5} keeps missing {cmd:x};
{cmd:""} and NULL are the same string missing; string comparisons are
case-sensitive and exact; {cmd:x/0} is missing.  Anything that cannot be
translated faithfully -- {cmd:regexm()}, for instance -- is refused with a
message that names it (r(5104)), never approximated.  See
{help leostata##contract:help leostata}.

{pstd}
Types and labels: see {help leoload##types:storage types and labels} below.

{pstd}
Press Break to stop a long load; the data in memory are left as they were.

{marker cache}{...}
{title:The result cache}

{pstd}
A do-file is rerun many times against an extract that changes a few times a
year.  {cmd:leoload} (and {helpb leoquery}) therefore keep each result they
load in a cache folder under your leostata data folder, and answer an
identical request from it: the same SQL text and parameters, the same
connection (server, database, DSN and user; no password is part of it or
written anywhere), the same leostata version and the same catalog state.
{cmd:r(cached)} is 1 when the cache answered, 0 when the database did.  The
data loaded from the cache are the same, byte for byte, as a fresh load
(types, formats, labels, notes and characteristics included); the size
guard ({cmd:maxobs()}, memory) applies to them as to a fresh load.

{pstd}
The catalog state is read from the database before each load (one small
query): on SQL Server, each table's and view's modification date and row
count in the databases the site layout names; on PostgreSQL, each table's
catalog row and its insert/update/delete counters, following views to the
tables they read, and the server's write-ahead-log position (any write
moves it); on DuckDB and SQLite, the size and time of the database file.  A
change of any of them is a new request.  A cached result answers for 24
hours at most ({cmd:max_age_hours} in the {cmd:[cache]} section changes it).
{bf:Limits}: SQL Server records no date for a change of data, so within
those hours an update in place that leaves every row count and definition as
it was is not seen; a view whose definition reads the clock (a rolling "last
12 months") looks unchanged.  Use {opt nocache} when you know the data
changed under the same tables.

{pstd}
Not cached: {opt count}, {opt sqlonly}, loads with {opt sdc} (their check is a
second query), and in-memory databases.  The folder is kept under 2,048 MB
by removing the least recently used results; set {cmd:size_mb} in the
{cmd:[cache]} section of the configuration file to change the cap (0 turns
the cache off).  From a shell, {cmd:leostata cache} shows the folder, its
entries and its size, and {cmd:leostata cache --clear} empties it.  The cached
results are copies of data you loaded, kept on disk like a saved
{cmd:.dta} file, readable by your account only: they stay inside the
environment your data folder is in, and follow its rules.

{marker types}{...}
{pstd}
{bf:Storage types and labels.} The whole result is held back until the last row has
arrived, so each variable gets the storage type {helpb compress} would leave it with:
the smallest type that holds every value loaded, with no value changed or rounded.

{p2colset 8 40 42 2}{...}
{p2col:{it:values loaded}}{it:storage type}{p_end}
{p2line}
{p2col:integers -127 to 100}{cmd:byte}{p_end}
{p2col:integers -32,767 to 32,740}{cmd:int}{p_end}
{p2col:integers -2,147,483,647 to 2,147,483,620}{cmd:long}{p_end}
{p2col:other integers up to 2^53 in size}{cmd:double}{p_end}
{p2col:integers beyond 2^53}{cmd:str}{it:#} of the digits, with a note{p_end}
{p2col:other numbers, each exactly a {cmd:float}}{cmd:float}{p_end}
{p2col:other numbers}{cmd:double}{p_end}
{p2col:no value (all missing)}{cmd:byte}{p_end}
{p2col:dates}the integer rule on the days, format {cmd:%td}{p_end}
{p2col:datetimes, times}{cmd:double}, format {cmd:%tc}{p_end}
{p2col:strings}{cmd:str}{it:#} (# = longest value in bytes) up to 2045 bytes, else {cmd:strL}{p_end}
{p2line}
{p2colreset}{...}

{pstd}
"Integers" are the values, whatever the SQL type: {cmd:decimal(4,1)} values 50.0 and
100.0 load as {cmd:byte}; 0.1 has no exact {cmd:float}, so a column holding it loads as
{cmd:double}.  A 0/1 flag is a {cmd:byte}, a tax year ({cmd:201617}) a {cmd:long}.
Types therefore depend on the rows loaded: a sample may give {cmd:int} where the full
table gives {cmd:long}.  {opt declaredtypes} types each variable from its SQL type
instead, the same on every sample: {cmd:bit} {cmd:byte}; {cmd:tinyint} {cmd:int};
{cmd:smallint} {cmd:long}; {cmd:int} {cmd:double}; {cmd:bigint} {cmd:long} while the
values fit, else {cmd:double} while exact; {cmd:real} {cmd:float}; {cmd:float},
{cmd:decimal} and {cmd:money} {cmd:double}; {cmd:date} {cmd:long}.  Even then a value
the declared type cannot hold promotes the variable (never clamped).  Strings are sized
by their values either way.  {cmd:collapse()} results and {cmd:merge()}'s
{cmd:_merge} follow Stata's own rules for them.

{pstd}
The variable label is the column's description, at most 80 characters; a longer one is
shortened at the last whole word that fits and ends in {cmd:...}, and the full text is
kept in the characteristic {cmd:leo_description}.  Where the description came from is
not in the label: provenance (a name as in the SRS extract whose SQL type was assumed,
the SQL name when the Stata name had to change) is in the characteristic
{cmd:leo_provenance} and in the variable's {helpb notes}.  Every variable also carries
{cmd:leo_sqlname}, {cmd:leo_sqltype} and {cmd:leo_table}; see them with
{cmd:char list} and {cmd:notes}.

{pstd}
Value labels: a numeric column whose metadata gives a code list gets it as a value
label on load (in the synthetic database, for instance, {cmd:HE_XMODE01},
{cmd:HE_XHOOS01}, {cmd:LLDD}, {cmd:PriorAttain}, {cmd:Notional_Level_v2},
{cmd:AimType}, {cmd:Compstatus} and {cmd:outcome}).  For the real extract, a metadata
file ({helpb leoset}{cmd: metadata}) may carry a column {it:Value labels} written as
{cmd:label define} writes them, {cmd:[}{it:name}{cmd::] 1 "Full-time" 2 "Sandwich"}, and
a column {it:Notes}; the label is named {it:name}, or after the variable.  String
columns keep their codes as text (Stata labels numbers only).  {opt codesonly}
attaches no value labels: the variables hold the codes alone.


{pstd}
{bf:Table names.} {it:table} (also in {cmd:merge(... using} {it:table}{cmd:)} and
{cmd:cohort()}) may be {it:table}, {it:schema}{cmd:.}{it:table} or
{it:database}{cmd:.}{it:schema}{cmd:.}{it:table}, as in the SRS, where each source has its
own database and your project's views their own schema
({cmd:LEO_i2.p1234.leo_earnings}, {cmd:hesa_i2.p1234.hesa_2016}).  An unqualified name is
looked for where the site layout puts it (see {help leoset##tablenames:leoset}), else in the
connection's default schema; it matches exactly, then ignoring case, then with the
{cmd:leo_} prefix.  A database, schema or table that is not there stops with r(111) naming
it; leostata never reads a same-named table from another schema instead.  The synthetic
database accepts the SRS names, so a do-file written for the SRS runs on it unchanged.

{marker joins}{...}
{title:Joins}

{pstd}
{cmd:merge()} brings variables of a second ({it:using}) table onto the rows
of the table being loaded (the {it:master}), on the server, as {helpb merge}
would had both tables been loaded whole:

{p 8 16 2}
{cmd:merge(}{c -(}{cmd:1:1}|{cmd:m:1}|{cmd:1:m}{c )-}
{it:key} [{it:key} ...] {cmd:using} {it:table} [{cmd:if} {it:exp}]
[{cmd:,} {opth keepus:ing(varlist)} {cmd:keep(}{it:results}{cmd:)}
{cmdab:gen:erate(}{it:newvar}{cmd:)} {cmdab:nogen:erate}
{cmd:link}[{cmd:(}{it:rule}{cmd:)}]]{cmd:)}

{pstd}
Each {it:key} is a variable of the master table, or
{it:mastervar}{cmd:=}{it:usingvar} when the key has another name in the
using table; the key keeps the master's name.  {it:results} are
{cmd:master} (or 1), {cmd:using} (or 2) and {cmd:match} (or 3); the default,
as in Stata, keeps all three.  The indicator {cmd:_merge} (or the name given
in {cmd:generate()}) is 1 for master-only, 2 for using-only and 3 for
matched observations; {cmd:nogenerate} leaves it out.  {cmd:keepusing()}
chooses the using variables (default: all).  {cmd:if} {it:exp} after the
table makes the using data the table's rows where {it:exp} holds, as
{cmd:use} {it:table} {cmd:if} {it:exp} would before {cmd:merge} (so a
table with several rows per person can be merged {cmd:m:1} on the rows that
are unique); the declared cardinality is checked on those rows.
{cmd:link} follows the LEO lookup tables between two different person keys:
see {help leoload##links:Link paths}.

{pstd}
{cmd:merge()} may be given several times.  Each one merges onto the result
of the ones before it, exactly as the same {cmd:merge} commands typed one
after the other: its keys may be variables an earlier merge brought, a
master it declares unique ({cmd:1:1}, {cmd:1:m}) is checked on the data
merged so far, and each indicator needs its own name -- a second
{cmd:_merge} stops with "variable _merge already defined" and r(110), as in
Stata; give the first one {cmd:generate()} or {cmd:nogenerate}.

{pstd}
Stata's rules hold.  The declared cardinality is checked on the server
before anything is loaded: the using table of {cmd:m:1}, the master of
{cmd:1:m} and both of {cmd:1:1} must have one row per key, or
{cmd:leoload} stops with merge's message ("variable Edukey does not
uniquely identify observations in the using data") and r(459).  Missing keys
match each other ({cmd:.} with {cmd:.}; for strings {cmd:""} and NULL are
the same missing); strings match exactly (case and trailing blanks count).
A variable in both tables keeps the master's values, as merge does without
{cmd:update}; in using-only observations it holds the using's.  {cmd:m:m}
is refused (r(198)): Stata pairs observations by their order within a key
there, and SQL rows have no order.

{pstd}
The varlist, {cmd:if}, {cmd:sort()}, {cmd:sample()}, {cmd:collapse()} and
{cmd:by()} name the merged variables -- the master's, the using variables
kept, and {cmd:_merge} -- so {cmd:if _merge == 3} and {cmd:by(GOR)} work,
and the key need not be in the varlist.  Without {cmd:sort()} the rows come
in the order of the (last) merge's key, then the earlier merges' keys, then
the master table's key.  {cmd:in} cannot be
combined with {cmd:merge()} (r(198)): use {cmd:if}, or {cmd:keep in} after
loading.  The indicator is a {cmd:byte} with merge's value label
{cmd:_merge} (1 "Master only (1)", 2 "Using only (2)", 3 "Matched (3)").

{pstd}Examples (synthetic database):{p_end}
{phang2}{cmd:. leoload leo_earnings Edukey TaxYear Earnings GOR _merge, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)) clear}{p_end}
{phang2}{cmd:. leoload learner_ae_id_to_pmr_lookup, merge(m:1 PUPILMATCHINGREFANONYMOUS=KS4_PupilMatchingRefAnonymous using ks4_pupil, keepusing(KS4_GENDER KS4_ATT8) keep(match)) clear}{p_end}
{phang2}{cmd:. capture noisily leoload leo_earnings, merge(m:1 Edukey using leo_geography) count}{p_end}
{phang2}(r(459): leo_geography has one row per person {it:and tax year}){p_end}
{phang2}{cmd:. leoload leo_earnings Edukey TaxYear Earnings GOR code _merge, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR) nogenerate) merge(m:1 main_enterprise_linked_section=name using ref_sic_section, keep(master match)) clear}{p_end}
{phang2}(two merges: the region, then the SIC section's letter from its name){p_end}

{marker cohorts}{...}
{title:Cohorts}

{pstd}
{cmd:cohort()} restricts the rows loaded to those whose key appears in
another table, in the rows of that table where a condition holds -- "the
earnings of the persons who are in this table" -- as a semi-join on the
server ({cmd:EXISTS}): a row is kept once, however many rows of the other
table match it, and no variable is added:

{p 8 16 2}
{cmdab:coh:ort(}{it:key} [{it:key} ...] {cmd:using} {it:table} [{cmd:if} {it:exp}]{cmd:)}

{pstd}
Each {it:key} is a variable of the data loaded (after any {cmd:merge()}), or
{it:loadedvar}{cmd:=}{it:tablevar} when it has another name in {it:table};
{it:exp} names {it:table}'s variables, with the rules of {cmd:leoload}'s
{cmd:if}.  In Stata's own terms: with {cmd:c.dta} made by
{cmd:use} {it:table} {cmd:if} {it:exp}, {cmd:keep} {it:keys},
{cmd:duplicates drop}, the rows kept are those that
{cmd:merge m:1} {it:keys} {cmd:using c, keep(match) nogenerate} keeps -- so
keys match as {cmd:merge} matches them (missing with missing, strings
exactly).  A cohort filters like {cmd:if}: after {cmd:merge()}, before
{cmd:collapse()}, and {cmd:in} still counts the rows before it.  Several
{cmd:cohort()} options must all hold.

{pstd}Examples (synthetic database):{p_end}
{phang2}{cmd:. leoload leo_earnings if TaxYear == 201819, cohort(Edukey=EduKey using leo_benefit if Benefit_type == "JSA") collapse((p50) Earnings (count) n=Earnings) clear}{p_end}


{marker links}{...}
{title:Link paths}

{pstd}
LEO links its sources through person keys: NPD, HESA and UCAS carry the pupil
matching reference (PMR), the longitudinal ILR carries {cmd:RECORDID}, the LEO
outcome tables (earnings, employment, benefits, self-assessment, geography)
carry {cmd:EDUKEY}, and the LINK lookup tables join them through the resolved
person key {cmd:AE_ID}:

{p2colset 9 40 42 2}{...}
{p2col:{cmd:PMR <-> AE_ID}}learner_ae_id_to_pmr_lookup{p_end}
{p2col:{cmd:RECORDID <-> AE_ID}}education_records_lookup{p_end}
{p2col:{cmd:AE_ID <-> EDUKEY}}learner_ae_id_to_edukey_lookup{p_end}
{p2colreset}{...}

{pstd}
The suboption {cmd:link} of {cmd:merge()} and {cmd:cohort()} follows these
lookups for you, on the server:

{p 8 16 2}
{cmd:merge(m:1} [{it:key}{cmd:=}{it:key}] {cmd:using} {it:table}{cmd:, link}[{cmd:(}{it:rule}{cmd:)}] ...{cmd:)}{p_end}
{p 8 16 2}
{cmd:cohort(}[{it:key}{cmd:=}{it:key}] {cmd:using} {it:table} [{cmd:if} {it:exp}]{cmd:, link}[{cmd:(}{it:rule}{cmd:)}]{cmd:)}

{pstd}
Without keys, the link graph chooses the person-key column of each table
(the pair with the fewest lookups between them); with {it:key}{cmd:=}{it:key}
it reads which person key each column holds.  A loaded row matches the rows
of the other table whose key one of its person's lookup rows reaches.  The
two keys stay two variables (an {cmd:Edukey} and a PMR are different
identifiers).  A missing key, or one no lookup row carries, matches
nothing: through a link, missing does not match missing, so the declared
cardinality is checked on the rows whose key is not missing.  Only keys the other
table holds (for a cohort, in its rows where {cmd:if} holds) count as
reached, so a person "links to more than one key" only when the join would
really give it two partners.

{pstd}
{ul:Many-to-many steps.}  A person can have two AE_IDs, an AE_ID two EDUKEYs.
{it:rule} says what happens to a person who reaches more than one key:

{phang2}{cmd:refuse} (the default) stops before anything is fetched, with the
number of such persons (r(459)).{p_end}
{phang2}{cmd:drop} treats them as not matched: in a merge their rows stay
master-only; they are not in a cohort.{p_end}
{phang2}{cmd:all} keeps every pair: in a merge the person's rows repeat, once
per key reached; a cohort keeps them.{p_end}

{pstd}
Before the load, the persons of the data linked from (distinct keys of the
master table, or of the loaded data for a cohort) are counted on the
server and shown, and stored in {cmd:r(link_persons)}, {cmd:r(link_matched)}
(reaching one key), {cmd:r(link_unmatched)} and {cmd:r(link_multiple)}, with
the path in {cmd:r(link_path)}.  One {cmd:link} per command.

{pstd}
{ul:The link graph.}  leostata ships two: one with the synthetic database's
names and one with the SRS names (the VRF names such as
{cmd:LINK.LEARNER_AE_ID_TO_EDUKEY_LOOKUP}, and the views of the project
schemas such as {cmd:leo_earnings} and {cmd:hesa_2016}).  Where your
project's tables or columns are named differently, name a site file in the
environment variable {cmd:LEOSTATA_LINKS}: an INI file with the sections of
the shipped graph, {cmd:[keys]} ({it:key type} {cmd:=} {it:SQL type}),
{cmd:[table} {it:name}{cmd:]} ({cmd:family =}, {cmd:also =} further names,
then {it:column} {cmd:=} {it:key type}) and {cmd:[lookup} {it:name}{cmd:]}
(two lines {it:column} {cmd:=} {it:key type}).  Names ignore case; {cmd:*}
and {cmd:?} are wildcards.  A section with a shipped section's name replaces
it, {cmd:remove = yes} deletes one, new sections are added, and
{cmd:replace = yes} under {cmd:[graph]} makes the site file the whole graph.
When two paths are equally short, leostata stops and says so; it never picks
one silently.  A malformed site file stops with r(198), naming the file and
line; a missing one with r(601).

{pstd}Examples (synthetic database): the earnings of persons who obtained a
first degree in 2015/16, and the KS4 results of the pupils behind each row
of earnings:{p_end}
{phang2}{cmd:. leoload leo_earnings if TaxYear == 201819, cohort(using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop)) collapse((p50) Earnings (count) n=Earnings) clear}{p_end}
{phang2}{cmd:. leoload leo_earnings Edukey TaxYear Earnings KS4_GENDER KS4_ATT8 _merge, merge(m:1 using ks4_pupil, link(drop) keepusing(KS4_GENDER KS4_ATT8)) clear}{p_end}
{phang2}{cmd:. return list}{p_end}


{marker sdc}{...}
{title:Disclosure control}

{pstd}
{opt sdc} (with {opt collapse()}) counts on the server, per cell, the distinct
persons (the table's person key, not rows) and, for sums and means, each
person's total: the two largest, their share of the cell total (N-K
dominance, fails at 90% or more) and the p-ratio (fails when the rest is under
10% of the largest).  A statistic fails with fewer than 10 persons with a
value ({cmd:n<10}); min, max, first and last are blocked; sd needs 10 degrees
of freedom; a cell whose values are all 0 fails ({cmd:zero}); a negative
person total fails ({cmd:negative}).  Failing statistics are the extended
missing value {cmd:.s}, which the value label {cmd:_sdc_s} attached to every
checked statistic shows as "suppressed"; a {cmd:.} is a statistic that is
missing in Stata's own collapse (no nonmissing value in the cell).  Both are
missing: {cmd:if x < .} keeps neither, and {cmd:if x == .s} finds the
suppressed ones.  {cmd:_sdc_n} holds the persons, {cmd:_sdc} "ok" or the
first reason.  (A .dta file keeps {cmd:.s}; a pandas frame from
{cmd:leostata.load} has one missing value, so there read {cmd:_sdc}.)  A report follows the load; a note flags a suppressed cell that a
margin published elsewhere would give back (it is not suppressed for you).
{cmd:r(sdc_cells)}, {cmd:r(sdc_failed)} and {cmd:r(sdc_suppressed)} count
the cells checked, the cells with a failing statistic and the statistics
suppressed.

{pstd}
The thresholds, rounding (counts to 5, money to 100, half away from zero),
person keys and the evidence file (JSON: command, SQL, per-cell figures,
outcomes, profile) are set in a profile: the package's sdc_default.ini, the
site's ({cmd:LEOSTATA_SDC_PROFILE}), the user's ({cmd:[disclosure] profile}
in the config file).  With {opt merge()}, persons are the master table's
person key.

{pstd}
{ul:Arguments.}  {opt sdc} alone uses the profile as it is.  Words in
{opt sdc()} override it for one command, in any order:

{p 8 12 2}
{cmd:sdc(}[{opt round}|{opt noround}] [{opt evidence}[{cmd:(}{it:filename}[{cmd:,} {opt replace}]{cmd:)}]]{cmd:)}{p_end}

{phang2}{opt round} rounds what passes: counts and {cmd:_sdc_n} to the
nearest 5, the statistics of money variables (names matching the profile's
{cmd:money} patterns, such as {cmd:*earn*}) to the nearest 100, halves away
from zero (12.5 to 15, 250 to 300).  The report and the evidence keep the
unrounded figures.{p_end}
{phang2}{opt noround} leaves values unrounded even when the profile
rounds.{p_end}
{phang2}{opt evidence} writes the evidence file with its default name
({cmd:leostata_sdc_}{it:time}{cmd:.json}) in the profile's folder (else the
working directory); {opt evidence(filename)} writes it to {it:filename}
({cmd:.json} is added to a name without an extension; a folder gets the
default name).  Put a name with spaces in quotes:
{cmd:sdc(round evidence("my dir/e.json"))}.  An existing file is not
overwritten without {opt replace} (r(602)), and a folder that does not exist
is r(603); both stop before anything runs.{p_end}

{pstd}
Any other word is r(198), as are {opt round} with {opt noround} and a word
given twice.  {cmd:leostata evidence} lists the evidence files of a folder.

{pstd}
{bf:Limits.}  A pass is not clearance: the output checker decides.  The
checks look at one output at a time: nothing checks differencing between two
outputs (two tables whose cells differ by a few persons give those persons
away), nor regressions or other models (their coefficients and residuals are
not cells), nor what other outputs reveal; weights are refused; secondary
suppression is only flagged, never applied; rounding is applied to one output
and does not protect against differencing either.

{marker functions}{...}
{title:Functions}

{pstd}
These Stata functions can be used in {cmd:if} and are computed on the server
with Stata's rules (missing values, string bytes, dates as {cmd:%td}
numbers).  A database may refuse one more with a reason (SQL Server, and so
the synthetic database, refuses the few it cannot compute exactly).  Any
other Stata function is r(133) "unknown function".

{pstd}
{cmd:strlen()}, {cmd:strpos()} and {cmd:substr()} count bytes of UTF-8, as
Stata does.  SQL Server computes them from 2019 on (UTF-8 collations); 2016
and 2017 cannot see those bytes and refuse them (r(5104)), and so does the
synthetic database, whose checks assume the oldest SQL Server; use
{cmd:ustrlen()}, {cmd:ustrpos()} and {cmd:usubstr()}, which count characters
(the same for plain ASCII).  On SQL Server a {cmd:substr()} is kept as bytes,
since it may cut a character in two: it can be compared, joined with
{cmd:+}, and given to {cmd:strlen()}, {cmd:strpos()}, {cmd:substr()},
{cmd:missing()}, {cmd:inlist()} or {cmd:cond()}; another function of it
({cmd:ustrlen(substr(s, 1, 3))}) is refused there.

{pstd}
A {cmd:bigint} column holding values beyond 2^53 loads as a string (the
digits exact), but {cmd:if} compares the database's number: where Stata,
holding a string, would stop with r(109) {err:type mismatch}, {cmd:if n > 5}
keeps the rows whose number is above 5 (missing counts as larger, as
always).  Against whole numbers below 2^53 the comparison is exact; a larger
constant is a double, as in Stata.

{* functions: generated from leostata.functions, do not edit by hand *}{...}
{synoptset 26}{...}
{p2col 5 26 28 2: Missing values and conditions}{p_end}
{synopt:{cmd:missing(x1, x2, ...)}}1 if any argument is missing (. or ""), else 0 (also mi()){p_end}
{synopt:{cmd:inlist(z, a, b, ...)}}1 if z equals any of the others (at most 250 numbers or 10 strings){p_end}
{synopt:{cmd:inrange(z, a, b)}}1 if a <= z <= b, with Stata's rules for missing bounds{p_end}
{synopt:{cmd:cond(x, a, b, c)}}a if x is true, b if false, c (when given) if x is missing{p_end}
{p2col 5 26 28 2: Strings}{p_end}
{synopt:{cmd:substr(s, n1, n2)}}the n2 bytes of s from byte n1 (negative n1 counts from the end); SQL Server 2019 or later (on 2016 and 2017 use usubstr()){p_end}
{synopt:{cmd:usubstr(s, n1, n2)}}the n2 characters of s from character n1{p_end}
{synopt:{cmd:strpos(s1, s2)}}the byte position of s2 in s1, 0 if not found; SQL Server 2019 or later (on 2016 and 2017 use ustrpos()){p_end}
{synopt:{cmd:ustrpos(s1, s2 [, n])}}the character position of s2 in s1 (from character n), 0 if not found{p_end}
{synopt:{cmd:strlen(s)}}the length of s in bytes; SQL Server 2019 or later (on 2016 and 2017 use ustrlen()){p_end}
{synopt:{cmd:ustrlen(s)}}the length of s in characters{p_end}
{synopt:{cmd:strlower(s)}}s with ASCII A-Z lower-cased (also lower()){p_end}
{synopt:{cmd:strupper(s)}}s with ASCII a-z upper-cased (also upper()){p_end}
{synopt:{cmd:strtrim(s)}}s without leading and trailing blanks (also trim()){p_end}
{synopt:{cmd:strltrim(s)}}s without leading blanks (also ltrim()){p_end}
{synopt:{cmd:strrtrim(s)}}s without trailing blanks (also rtrim()){p_end}
{synopt:{cmd:strmatch(s1, s2)}}1 if s1 matches the pattern s2 (* any text, ? one character){p_end}
{synopt:{cmd:real(s)}}s as a number, missing if it is not one{p_end}
{p2col 5 26 28 2: Dates}{p_end}
{synopt:{cmd:year(e)}}the calendar year of %td date e{p_end}
{synopt:{cmd:month(e)}}the month (1-12) of %td date e{p_end}
{synopt:{cmd:day(e)}}the day of the month of %td date e{p_end}
{synopt:{cmd:mdy(M, D, Y)}}the %td date of month M, day D, year Y; missing if there is no such day{p_end}
{synopt:{cmd:dofc(e)}}the %td date of %tc datetime e{p_end}
{synopt:{cmd:dow(e)}}the day of the week (0 = Sunday ... 6 = Saturday) of %td date e{p_end}
{synopt:{cmd:doy(e)}}the day of the year (1-366) of %td date e{p_end}
{synopt:{cmd:week(e)}}the week (1-52) of %td date e: 1 + floor((doy(e) - 1)/7), at most 52{p_end}
{synopt:{cmd:quarter(e)}}the quarter (1-4) of %td date e{p_end}
{synopt:{cmd:halfyear(e)}}the half-year (1-2) of %td date e{p_end}
{p2col 5 26 28 2: Numbers}{p_end}
{synopt:{cmd:int(x)}}x truncated towards 0{p_end}
{synopt:{cmd:round(x [, y])}}x rounded to a multiple of y (default 1){p_end}
{synopt:{cmd:floor(x)}}the largest integer <= x{p_end}
{synopt:{cmd:ceil(x)}}the smallest integer >= x{p_end}
{synopt:{cmd:abs(x)}}the absolute value of x{p_end}
{synopt:{cmd:min(x1, x2, ...)}}the smallest non-missing argument{p_end}
{synopt:{cmd:max(x1, x2, ...)}}the largest non-missing argument{p_end}
{synopt:{cmd:mod(x, y)}}x - y*floor(x/y), the modulus of x with respect to y; missing if y is 0{p_end}
{synopt:{cmd:sign(x)}}-1, 0 or 1 by the sign of x (missing if x is){p_end}
{synopt:{cmd:sqrt(x)}}the square root of x, missing if x < 0{p_end}
{synopt:{cmd:ln(x)}}the natural logarithm of x, missing if x <= 0 (also log()){p_end}
{synopt:{cmd:log10(x)}}the base-10 logarithm of x, missing if x <= 0{p_end}
{synopt:{cmd:exp(x)}}e to the power x, missing beyond the largest double{p_end}
{p2col 5 26 28 2: Refused on every database (r(5104))}{p_end}
{synopt:{cmd:regexm()}}Stata's regular expressions (Henry Spencer's engine, byte-based) match no database's regular expression dialect exactly{p_end}
{synopt:{cmd:regexr()}}Stata's regular expressions match no database's dialect exactly{p_end}
{synopt:{cmd:regexs()}}regexs() reads the state of an earlier regexm() call{p_end}
{synopt:{cmd:ustrregexm()}}ICU regular expressions are not available in SQL{p_end}
{synopt:{cmd:ustrlower()}}Unicode case mapping depends on the ICU version and locale{p_end}
{synopt:{cmd:ustrupper()}}Unicode case mapping depends on the ICU version and locale{p_end}
{synopt:{cmd:stritrim()}}not translated yet{p_end}
{synopt:{cmd:string()}}number-to-text formatting (%9.0g) cannot be reproduced in SQL{p_end}
{synopt:{cmd:strofreal()}}number-to-text formatting (%9.0g) cannot be reproduced in SQL{p_end}
{synopt:{cmd:date()}}date-string parsing with masks cannot be reproduced in SQL{p_end}
{synopt:{cmd:clock()}}datetime-string parsing with masks cannot be reproduced in SQL{p_end}
{synopt:{cmd:runiform()}}random numbers differ between Stata and the database{p_end}
{synopt:{cmd:rnormal()}}random numbers differ between Stata and the database{p_end}
{synopt:{cmd:sum()}}running sums depend on the order of the data in memory{p_end}
{synopt:{cmd:char()}}not translated yet{p_end}
{synopt:{cmd:word()}}splitting text into numbered words has no one-expression SQL form on every database (SQL Server 2016's STRING_SPLIT gives no order, SQLite has no split), and Stata's treatment of quotes and blanks other than spaces inside s is not yet checked against Stata{p_end}
{synopt:{cmd:wordcount()}}splitting text into numbered words has no one-expression SQL form on every database (SQL Server 2016's STRING_SPLIT gives no order, SQLite has no split), and Stata's treatment of quotes and blanks other than spaces inside s is not yet checked against Stata{p_end}
{synopt:{cmd:subinstr()}}replacing only the first n occurrences has no SQL form on SQL Server 2016 or SQLite (REPLACE replaces every one); not translated yet even for n = . (every occurrence){p_end}
{synopt:{cmd:strreverse()}}not translated yet{p_end}
{synopt:{cmd:float()}}rounding to single precision is not translated yet; compare float columns with a tolerance instead, e.g. abs(x - .1) < 1e-7{p_end}
{p2colreset}{...}
{* end of functions *}{...}


{marker examples}{...}
{title:Examples}

{pstd}These examples run on the embedded synthetic database:{p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}

{pstd}What is there{p_end}
{phang2}{stata "leodescribe leo_earnings":. leodescribe leo_earnings}{p_end}

{pstd}Median earnings by tax year since 2015/16, computed on the server{p_end}
{phang2}{stata "leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) clear":. leoload leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) clear}{p_end}
{phang2}{stata "list":. list}{p_end}

{pstd}Quartiles and counts in one pass{p_end}
{phang2}{stata "leoload leo_earnings, collapse((p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings (count) n=Earnings) by(TaxYear) clear":. leoload leo_earnings, collapse((p25) p25=Earnings (p50) p50=Earnings (p75) p75=Earnings (count) n=Earnings) by(TaxYear) clear}{p_end}

{pstd}Some variables of the pupils eligible for free school meals, into a frame{p_end}
{phang2}{stata "leoload ks4_pupil KS4_PupilMatchingRefAnonymous KS4_GENDER KS4_ATT8 if KS4_FSM == 1, frame(fsm, replace)":. leoload ks4_pupil KS4_PupilMatchingRefAnonymous KS4_GENDER KS4_ATT8 if KS4_FSM == 1, frame(fsm, replace)}{p_end}
{phang2}{stata "frame fsm: describe":. frame fsm: describe}{p_end}

{pstd}A string condition; missing values are excluded explicitly, as in Stata{p_end}
{phang2}{stata `"leoload ks4_pupil if KS4_GENDER == "F" & !missing(KS4_ATT8), clear"':. leoload ks4_pupil if KS4_GENDER == "F" & !missing(KS4_ATT8), clear}{p_end}

{pstd}How many rows, and the SQL, before loading anything{p_end}
{phang2}{stata "leoload leo_benefit if Out_of_work_benefit == 1, count":. leoload leo_benefit if Out_of_work_benefit == 1, count}{p_end}
{phang2}{stata "leoload leo_benefit if Out_of_work_benefit == 1, sqlonly":. leoload leo_benefit if Out_of_work_benefit == 1, sqlonly}{p_end}

{pstd}Earnings with the region of residence in the same tax year (see {help leoload##joins:Joins}){p_end}
{phang2}{stata "leoload leo_earnings Edukey TaxYear Earnings GOR _merge, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)) clear":. leoload leo_earnings Edukey TaxYear Earnings GOR _merge, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)) clear}{p_end}
{phang2}{stata "tabulate _merge":. tabulate _merge}{p_end}

{pstd}The graduate-earnings question: median earnings five tax years after a first degree obtained in 2015/16, by subject and sex, in one command (see {help leoload##links:Link paths}){p_end}
{phang2}{stata `"leoload leo_earnings if TaxYear == 202021, merge(m:1 using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop) keepusing(cah2 HE_SEXID) keep(match)) collapse((p50) Earnings (count) n=Earnings) by(cah2 HE_SEXID) clear"':. leoload leo_earnings if TaxYear == 202021, merge(m:1 using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop) keepusing(cah2 HE_SEXID) keep(match)) collapse((p50) Earnings (count) n=Earnings) by(cah2 HE_SEXID) clear}{p_end}

{pstd}Median earnings in 2018/19 of the persons with a first degree from 2015/16, as a cohort{p_end}
{phang2}{stata `"leoload leo_earnings if TaxYear == 201819, cohort(using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop)) collapse((p50) Earnings (count) n=Earnings) clear"':. leoload leo_earnings if TaxYear == 201819, cohort(using hesa_2016 if HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop)) collapse((p50) Earnings (count) n=Earnings) clear}{p_end}
{phang2}{stata "return list":. return list}{p_end}

{pstd}Mean earnings by tax year with disclosure checks: distinct persons per cell, dominance, suppression (see {help leoload##sdc:Disclosure control}){p_end}
{phang2}{stata "leoload leo_earnings, collapse((mean) Earnings (count) n=Earnings) by(TaxYear) sdc clear":. leoload leo_earnings, collapse((mean) Earnings (count) n=Earnings) by(TaxYear) sdc clear}{p_end}
{phang2}{stata "list TaxYear Earnings n _sdc_n _sdc":. list TaxYear Earnings n _sdc_n _sdc}{p_end}

{pstd}Median earnings by region in 2018/19, the merge and the collapse on the server{p_end}
{phang2}{stata "leoload leo_earnings if TaxYear == 201819, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GORNM) keep(match)) collapse((p50) Earnings (count) n=Earnings) by(GORNM) clear":. leoload leo_earnings if TaxYear == 201819, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GORNM) keep(match)) collapse((p50) Earnings (count) n=Earnings) by(GORNM) clear}{p_end}

{pstd}KS4 results onto the PMR lookup, keys named differently in the two tables{p_end}
{phang2}{stata "leoload learner_ae_id_to_pmr_lookup, merge(m:1 PUPILMATCHINGREFANONYMOUS=KS4_PupilMatchingRefAnonymous using ks4_pupil, keepusing(KS4_GENDER KS4_ATT8) keep(match)) clear":. leoload learner_ae_id_to_pmr_lookup, merge(m:1 PUPILMATCHINGREFANONYMOUS=KS4_PupilMatchingRefAnonymous using ks4_pupil, keepusing(KS4_GENDER KS4_ATT8) keep(match)) clear}{p_end}

{pstd}A reproducible 10% sample of persons (all their rows){p_end}
{phang2}{stata "leoload leo_earnings, sample(10, seed(42)) clear":. leoload leo_earnings, sample(10, seed(42)) clear}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leoload} stores the following in {cmd:r()}:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(N)}}number of observations loaded (with {cmd:count}: counted){p_end}
{synopt:{cmd:r(k)}}number of variables loaded{p_end}
{synopt:{cmd:r(cached)}}1 if the {help leoload##cache:result cache} answered, 0 if the database did{p_end}
{synopt:{cmd:r(synthetic)}}1 if the database is the synthetic one, 0 otherwise{p_end}
{synopt:{cmd:r(link_persons)}}with a {cmd:link}: persons (distinct keys) of the data linked from{p_end}
{synopt:{cmd:r(link_matched)}}... of them reaching one key of the other table{p_end}
{synopt:{cmd:r(link_unmatched)}}... reaching none{p_end}
{synopt:{cmd:r(link_multiple)}}... reaching more than one{p_end}
{synopt:{cmd:r(sdc_cells)}}with {opt sdc}: cells checked{p_end}
{synopt:{cmd:r(sdc_failed)}}... cells with a failing statistic{p_end}
{synopt:{cmd:r(sdc_suppressed)}}... statistics suppressed{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(table)}}the table, as the database names it{p_end}
{synopt:{cmd:r(sql)}}the SQL statement run (or that would run, with {cmd:sqlonly}){p_end}
{synopt:{cmd:r(dialect)}}the database: {cmd:mssql}, {cmd:duckdb}, {cmd:postgresql} or {cmd:sqlite}{p_end}
{synopt:{cmd:r(frame)}}the frame that received the data{p_end}
{synopt:{cmd:r(notes)}}notes about the load (e.g., types widened), separated by semicolons{p_end}
{synopt:{cmd:r(link_path)}}with a {cmd:link}: the path followed, e.g. {cmd:Edukey (EDUKEY -> AE_ID -> PMR) KS4_PupilMatchingRefAnonymous}{p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leodescribe}, {help leoquery}, {help leoset}, {helpb collapse}, {helpb frames}
{p_end}
