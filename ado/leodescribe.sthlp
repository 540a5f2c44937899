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

{pstd}List the tables and views with their approximate row counts{p_end}
{p 8 16 2}{cmd:leodescribe}{p_end}

{pstd}Describe the variables of a table{p_end}
{p 8 16 2}{cmd:leodescribe} {it:table} [{it:varlist}]{p_end}

{pstd}Find variables by keyword, across all tables{p_end}
{p 8 16 2}{cmd:leodescribe}{cmd:,} {opt search(words)}{p_end}

{pstd}The most frequent values of a variable, with counts{p_end}
{p 8 16 2}{cmd:leodescribe} {it:table}{cmd:,} {opth val:ues(varname)}{p_end}

{synoptset 20 tabbed}{...}
{synopthdr}
{synoptline}
{synopt:{opt search(words)}}find tables and variables whose names or descriptions match {it:words}{p_end}
{synopt:{opth val:ues(varname)}}the 20 most frequent values of {it:varname}, counts computed on the server{p_end}
{synopt:{opt debug}}show the Python traceback of an internal error{p_end}
{synoptline}
{p2colreset}{...}


{marker description}{...}
{title:Description}

{pstd}
{cmd:leodescribe} shows what the database that {helpb leoset} selects
holds, without loading data: its tables and views, the variables of a table
with their SQL type, the Stata type {helpb leoload} will give them and their
description, a keyword search across all tables, and the most frequent
values of a variable.  Table and variable names in the output are links:
click a table to describe it, a variable to see its values.

{pstd}
Descriptions come from the database, and from metadata files registered
with {cmd:leoset metadata} (for tables whose descriptions the database does
not carry).


{marker options}{...}
{title:Options}

{phang}
{opt search(words)} lists the tables and variables whose names or
descriptions contain the words, best matches first.  It is not combined
with a {it:table}.

{phang}
{opth values(varname)} lists the 20 most frequent values of {it:varname} in
{it:table} with their counts.  Counts below the disclosure threshold (10, or
{cmd:min_cell_count} in the {cmd:[disclosure]} section of the config file)
are never shown exactly: they appear as {cmd:<10}, and {cmd:r(suppressed)}
counts them.

{phang}
{opt debug} shows the Python traceback of an internal error (r(5199)).


{marker remarks}{...}
{title:Remarks}

{pstd}
Row counts in the table listing are the database's estimates (SQL Server's
partition statistics), shown as {cmd:.} for views; they cost nothing to
read.  {cmd:leoload ..., count} counts exactly.

{pstd}
The {it:Stata} column shows the type a variable loads as; {cmd:str#} means
a string whose width is decided by the longest value loaded.


{marker examples}{...}
{title:Examples}

{pstd}These examples run on the embedded synthetic database:{p_end}
{phang2}{stata "leoset synthetic":. leoset synthetic}{p_end}
{phang2}{stata "leodescribe":. leodescribe}{p_end}
{phang2}{stata "leodescribe ks4_pupil":. leodescribe ks4_pupil}{p_end}
{phang2}{stata "leodescribe ks4_pupil KS4_FSM*":. leodescribe ks4_pupil KS4_FSM*}{p_end}
{phang2}{stata "leodescribe, search(free school meals)":. leodescribe, search(free school meals)}{p_end}
{phang2}{stata "leodescribe ks4_pupil, values(KS4_ETHNIC)":. leodescribe ks4_pupil, values(KS4_ETHNIC)}{p_end}


{marker results}{...}
{title:Stored results}

{pstd}
{cmd:leodescribe} stores the following in {cmd:r()}:

{synoptset 20 tabbed}{...}
{p2col 5 20 24 2: Scalars}{p_end}
{synopt:{cmd:r(N)}}tables listed; rows of {it:table} (estimate); search hits; or values listed{p_end}
{synopt:{cmd:r(k)}}variables described{p_end}
{synopt:{cmd:r(suppressed)}}with {cmd:values()}: counts shown only as below the threshold{p_end}
{synopt:{cmd:r(synthetic)}}1 if the database is the synthetic one, 0 otherwise{p_end}

{p2col 5 20 24 2: Macros}{p_end}
{synopt:{cmd:r(table)}}the table described{p_end}
{synopt:{cmd:r(tables)}}the tables and views listed{p_end}
{synopt:{cmd:r(varlist)}}the variables described (with {cmd:values()}: the variable){p_end}
{p2colreset}{...}


{marker alsosee}{...}
{title:Also see}

{psee}
{space 2}Help:  {help leostata}, {help leoload}, {help leoset}, {helpb describe}
{p_end}
