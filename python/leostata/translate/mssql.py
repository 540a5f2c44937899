"""SQL Server (T-SQL) - the production database.  Semantic gaps and how they are closed.

Pinned target: **SQL Server 2016 (13.x), database compatibility level 130**,
the oldest version leostata supports.  The printed SQL (``leostata sql
--dialect mssql``) is written for it; with a live connection the server's
own version is used.  Features of newer versions are gated (``GATES``):

* SQL Server 2017 (14): ``TRANSLATE`` - ``strlower``/``strupper`` use it;
  on 2016 they are 26 nested ``REPLACE`` calls (same result).
* SQL Server 2022 (16): ``LEAST``/``GREATEST`` - ``min()``/``max()`` use
  them; on 2016 a correlated ``(SELECT MIN(v) FROM (VALUES (a), (b)) ...)``,
  which ignores NULLs exactly as Stata's min()/max() ignore missing values.
* SQL Server 2019 (15): UTF-8 collations - ``strlen()``, ``strpos()`` and
  ``substr()`` count UTF-8 bytes through them (below); on 2016 and 2017
  they are refused (``SUPPORTED_FROM``).
* Not used at any version: ``IS [NOT] DISTINCT FROM`` (2022),
  ``DATETRUNC`` (2022), regular expressions (2025).
* Used, available since 2012/2016: ``TRY_CAST``, ``DATEFROMPARTS``,
  ``DATEDIFF_BIG``, ``OFFSET ... FETCH``.

Gaps between T-SQL and Stata, each closed in the SQL below:

* Collation: the server's default (``Latin1_General_CI_AS`` on UK installs)
  is case-insensitive.  Every string comparison, ``IN``, ``LIKE``,
  ``CHARINDEX`` and ``REPLACE`` runs under ``COLLATE Latin1_General_100_BIN2``
  (code-point order = Stata's byte order for UTF-8 text).
* Trailing spaces: ``=``, ``<`` and ``LIKE`` ignore them (ANSI padding),
  Stata does not (``"a" != "a "``).  Both operands get ``CHAR(1)`` appended
  before comparing - ``(s + CHAR(1)) COLLATE Latin1_General_100_BIN2 =
  (? + CHAR(1))`` - so padding can never make two different strings equal,
  and a string sorts before its extensions as in Stata.  ``s == "x"`` is
  preceded by a plain ``s = ?`` the column's index can serve.
  ``s == ""`` is ``s IS NULL OR DATALENGTH(s) = 0`` (``'  ' = ''`` is true
  in T-SQL).
* NULL strings: ``ISNULL(s, '')`` (Stata's missing string is "").
* Division: ``CAST(a AS FLOAT) / NULLIF(CAST(b AS FLOAT), 0)`` - T-SQL
  truncates int/int and raises on /0; Stata divides in double and gives
  missing.  ``+ - *`` cast integer columns to FLOAT too (no int overflow).
  ``POWER`` returns the type of its first argument: cast to FLOAT.
* Domain errors raise in T-SQL (``SQRT(-1)``, ``LOG(0)``, ``POWER(-8,
  1./3)``, ``EXP(1000)``, ``DATEFROMPARTS(2020, 2, 30)``); each call is
  guarded with ``CASE`` so the result is NULL (Stata's missing) instead.
* ``LN`` is ``LOG``; ``int()`` is ``ROUND(x, 0, 1)`` (truncation);
  ``ceil()`` is ``CEILING``.
* ``LEN`` ignores trailing spaces: ``ustrlen(s)`` is ``LEN(s + 'x') - 1``.
  ``CHARINDEX`` takes its arguments the other way round and follows the
  collation: ``CHARINDEX(s2, s1 COLLATE Latin1_General_100_BIN2)``.
  ``LTRIM``/``RTRIM`` remove spaces only, as Stata's trims.
* Values: a string literal is bound as varchar when it is ASCII (so an index
  on a varchar column still serves) and as nvarchar (``N'...'``) otherwise.
* Dates: ``DATEDIFF(day, '19600101', d)`` is the %td number (as the loader
  computes it); date constants are bound ``date`` parameters or
  ``CAST('yyyy-mm-dd' AS DATE)`` (ISO format, independent of DATEFORMAT).
  ``dow()`` is the day number modulo 7 (``DATEPART(weekday, ...)`` depends
  on ``SET DATEFIRST``); ``doy()``, ``week()``, ``quarter()`` use
  ``DATEPART(dayofyear/quarter, ...)``, which do not.  ``%`` truncates
  towards zero, so ``(n % 7 + 12) % 7`` keeps the result in 0-6 before 1960.
* ``real()``: ``TRY_CAST(t AS FLOAT)`` after checking the text has a digit
  and only ``0-9 . e E + -`` (``CAST('' AS FLOAT)`` is 0 in T-SQL).
  Unverified on a live server: how T-SQL's float parser treats odd strings
  such as ``'.'`` or ``'+'`` (the cert do-file checks).
* Booleans are not values in T-SQL: a comparison used as a number is
  ``CASE WHEN ... THEN 1 ELSE 0 END``; no ``IS 1``, no bare bit in WHERE.
* ``COUNT_BIG(*)`` (``COUNT`` overflows at 2^31).
* ``uniqueidentifier``, ``text`` and ``ntext`` allow no ``COLLATE``, ``+`` or
  ``=``: the statement reads them as ``NVARCHAR(36)``/``VARCHAR(max)``/
  ``NVARCHAR(max)`` first (``sql.MSSQL_STRING_CASTS``).
* collapse's string ``by()`` keys and ``first``/``last`` orders group on
  ``(s + CHAR(1)) COLLATE BIN2`` too and sort on it alone, so blank padding
  neither merges ``'a'`` with ``'a '`` nor sorts ``'a<tab>'`` before ``'a'``.
* CASE expressions nest at most 10 deep (error 125): a deeper translation
  is refused before it is sent, naming the limit.
* ``sample()`` hash: BIGINT arithmetic (below 2^63) and ``UNICODE()`` code
  points, identical to the other databases.

Bytes (``strlen()``, ``strpos()``, ``substr()``; SQL Server 2019+): Stata
counts the bytes of UTF-8 text.  A value is read as its UTF-8 bytes by
``CAST(CAST(CAST(s AS NVARCHAR(MAX)) COLLATE Latin1_General_100_BIN2_UTF8
AS VARCHAR(MAX)) AS VARBINARY(MAX))`` (``utf8_bytes``): nvarchar holds any
varchar losslessly; from 2019 "when a UTF-8 enabled collation is used,
[char and varchar] use the UTF-8 character encoding" (learn.microsoft.com
/sql/t-sql/data-types/char-and-varchar-transact-sql); the output of CAST
between character types "has the collation label of the input string"
(.../statements/collation-precedence-transact-sql), so the varchar is UTF-8,
and its cast to varbinary is those bytes.  On binary data ``DATALENGTH`` is
the byte count, ``SUBSTRING`` counts start and length in bytes and returns
varbinary (.../functions/substring-transact-sql), and
``CHARINDEX`` searches varbinary (its return type is bigint "if
expressionToSearch has ... varbinary(max)", .../functions/charindex-transact-
sql) byte by byte - a valid UTF-8 needle can only match at a character
boundary, as in Stata.  ``substr()``'s result stays bytes (``base.Utf8``), so
a cut through a character is compared as the bytes Stata holds, never
decoded: compared with ``(bytes + 0x01)`` on both sides (varbinary ``=``
ignores trailing ``0x00`` bytes, the one place it is not byte-by-byte; the
0x01 keeps it exact as ``CHAR(1)`` does for text), joined with ``+``,
measured, cut and searched again; used as text by another function
(``ustrlen()``, ``strlower()``...) it is refused, since T-SQL cannot read
bytes back as UTF-8 text outside a UTF-8 database.  Not yet checked on a
live server (no cert do-file covers it yet; ``leostata doctor`` runs the
conversion on e-acute): that characters outside the BMP (surrogate pairs)
become their 4-byte UTF-8 form under the BIN2_UTF8 collation, and what
CHARINDEX does with a ``strpos()`` needle beyond its documented 8,000 limit.
Cost: the conversion runs per row on the ``MAX`` types, and no index
serves it.

Refused here (``UNSUPPORTED``) before SQL Server 2019, with the reason shown
to the user: ``strlen()``, ``strpos()``, ``substr()`` - 2016 and 2017 have no
UTF-8 collation and cannot see UTF-8 bytes (varchar is stored in a code page,
nvarchar in UTF-16); ``ustrlen()``, ``ustrpos()``, ``usubstr()`` count
characters and are translated at every version - identical for plain ASCII
text.  The version is the live server's (SQLAlchemy reads it when it
connects; ``leostata doctor`` shows it and probes the UTF-8 conversion);
without a connection (``leostata sql``, and the check that the synthetic
database refuses what the SRS would) it is ``PINNED_VERSION``, 2016: the
oldest supported version, so a do-file that passes runs on any of them.

Bigint: a ``bigint`` column with values beyond 2^53 loads as a string
(``stata_types``), but ``if`` compares the database's number: exactly
against an integer constant below 2^53 (bigint with bigint), as doubles
against a larger one (T-SQL converts the bigint to float, and Stata's
constant is a double too).  Where Stata, holding a string, would stop with
r(109), leostata filters by the number (the rule is in ``base``).

Known gaps (documented, not closed): characters outside the Basic
Multilingual Plane (emoji) count as two characters in ``ustrlen()``,
``usubstr()`` and ``ustrpos()`` (UTF-16 code units); varchar text in a code
page orders its non-ASCII characters by code-page byte, not by UTF-8 byte;
a float overflow is an arithmetic-overflow error here, so arithmetic that
may overflow is judged from logarithms first (``float_errors``) and gives
missing as in Stata.  Found in review, not
yet closed: ``+ CHAR(1)`` is cut off for values filling a
``varchar(8000)``/``nvarchar(4000)`` column; a computed ``usubstr()``
length beyond 2^31 is an overflow error; the *printed* SQL renders
numeric constants as decimals (``POWER(2.0, ...)`` returns decimal when
pasted into SSMS), while the executed statement binds them as float.
"""

from __future__ import annotations

from . import dates
from .base import DialectSpec
from .constructs import ASCII_LOWER, ASCII_UPPER, COMMON_SQL, TABLES, varargs

NAME = "mssql"
#: SQL Server 2016, compatibility level 130.
PINNED_VERSION = (13, 0)
#: "SQL Server allows for only 10 levels of nesting in CASE expressions" (error 125).
MAX_CASE_DEPTH = 10
BIN2 = "Latin1_General_100_BIN2"
#: The binary UTF-8 collation (SQL Server 2019): a value converted to varchar
#: under it is stored, and so cast to varbinary, as UTF-8 bytes.
BIN2_UTF8 = "Latin1_General_100_BIN2_UTF8"
#: First version with UTF-8 collations: SQL Server 2019 (15.x).
UTF8_VERSION = (15,)


def _nested_replace(frm: str, to: str):
    def render(args, consts):
        sql = f"{args[0]} COLLATE {BIN2}"
        for a, b in zip(frm, to):
            sql = f"REPLACE({sql}, '{a}', '{b}')"
        return sql
    return render


def _values_extreme(fn: str):
    def render(args, consts):
        rows = ", ".join(f"({a})" for a in args)
        return f"(SELECT {fn}(leo_v) FROM (VALUES {rows}) AS leo_values(leo_v))"
    return render


def _real(args, consts):
    t = f"LTRIM(RTRIM({args[0]}))"
    value = f"TRY_CAST({t} AS FLOAT)"
    return (f"CASE WHEN {t} COLLATE {BIN2} LIKE '%[0-9]%' "
            f"AND {t} COLLATE {BIN2} NOT LIKE '%[^0-9eE.+-]%' "
            f"AND ABS({value}) <= {consts['max']} THEN {value} END")


SQL = {
    **COMMON_SQL,
    **dates.TRANSLATOR_SQL[NAME],
    "double": "CAST({0} AS FLOAT)",
    "bool_to_int": "CAST({0} AS INT)",
    "coalesce_str": "ISNULL({0}, '')",
    "str_key": "({0} + CHAR(1))",
    "byte_count": "DATALENGTH({0})",
    "ceil": "CEILING({0})",
    "trunc": "ROUND({0}, 0, 1)",
    "ln": "LOG({0})",
    "date_from_days": "DATEADD(day, {0}, CAST('19600101' AS DATE))",
    "year_of_date": "YEAR({0})",
    "month_of_date": "MONTH({0})",
    "day_of_date": "DAY({0})",
    "dow_of_date": "((DATEDIFF(day, '19600101', {0}) % 7 + 12) % 7)",
    "doy_of_date": "DATEPART(dayofyear, {0})",
    "week_of_date": ("CASE WHEN DATEPART(dayofyear, {0}) > 364 THEN 52 "
                     "ELSE (DATEPART(dayofyear, {0}) + 6) / 7 END"),
    "quarter_of_date": "DATEPART(quarter, {0})",
    "halfyear_of_date": "CASE WHEN MONTH({0}) <= 6 THEN 1 ELSE 2 END",
    "make_date": "DATEFROMPARTS({0}, {1}, {2})",
    "date_const": "CAST('{v}' AS DATE)",
    "char_length": "(LEN({0} + 'x') - 1)",
    "char_pos": "CHARINDEX({1}, {0} COLLATE " + BIN2 + ")",
    "char_substr": "SUBSTRING({0}, {1}, {2})",
    "lower_ascii": _nested_replace(ASCII_UPPER, ASCII_LOWER),
    "upper_ascii": _nested_replace(ASCII_LOWER, ASCII_UPPER),
    "lower_ascii_2017": f"TRANSLATE({{0}} COLLATE {BIN2}, '{ASCII_UPPER}', '{ASCII_LOWER}')",
    "upper_ascii_2017": f"TRANSLATE({{0}} COLLATE {BIN2}, '{ASCII_LOWER}', '{ASCII_UPPER}')",
    "trim": "LTRIM(RTRIM({0}))",
    "ltrim": "LTRIM({0})",
    "rtrim": "RTRIM({0})",
    "replace": "REPLACE({0} COLLATE " + BIN2 + ", '{old}', '{new}')",
    "real": _real,
    "least": _values_extreme("MIN"),
    "greatest": _values_extreme("MAX"),
    "least_2022": varargs("LEAST"),
    "greatest_2022": varargs("GREATEST"),
    "char_code": "ISNULL(UNICODE(SUBSTRING({0}, {i}, 1)), 0)",
    "count_all": "COUNT_BIG(*)",
    # bytes of UTF-8 (SQL Server 2019+; strlen/strpos/substr are refused before)
    "utf8_bytes": (f"CAST(CAST(CAST({{0}} AS NVARCHAR(MAX)) COLLATE {BIN2_UTF8} AS VARCHAR(MAX)) "
                   "AS VARBINARY(MAX))"),
    "byte_length": "DATALENGTH({0})",
    "byte_pos": "CHARINDEX({1}, {0})",
    "byte_substr": "SUBSTRING({0}, {1}, {2})",
    "bytes_key": "({0} + 0x01)",
    "bytes_concat": "({0} + {1})",
    "bytes_empty": "0x",
}

#: SQL key -> (first server version with the feature, key to use from then on).
GATES = {
    "lower_ascii": ((14,), "lower_ascii_2017"),
    "upper_ascii": ((14,), "upper_ascii_2017"),
    "least": ((16,), "least_2022"),
    "greatest": ((16,), "greatest_2022"),
}

_BYTES = ("Stata counts bytes of UTF-8 text, and SQL Server before 2019 (15.x) has no UTF-8 "
          "collation, so it cannot see those bytes: varchar is stored in a code page, nvarchar "
          "in UTF-16 (SQL Server 2019 and later translate it)")

#: Refused before the version in SUPPORTED_FROM, with the reason shown.
UNSUPPORTED = {
    "strlen": _BYTES + "; use ustrlen(), which counts characters (the same for plain ASCII)",
    "strpos": _BYTES + "; use ustrpos(), which counts characters (the same for plain ASCII)",
    "substr": _BYTES + "; use usubstr(), which counts characters (the same for plain ASCII)",
}
SUPPORTED_FROM = {name: UTF8_VERSION for name in UNSUPPORTED}
#: The status line of each in the help's function table.
NOTES = {name: f"SQL Server 2019 or later (on 2016 and 2017 use u{name}())"
         for name in UNSUPPORTED}

TABLES[NAME] = SQL
SPEC = DialectSpec(name=NAME, float_errors=("overflow",), sql=SQL, unsupported=UNSUPPORTED,
                   collation=BIN2,
                   strmatch="like", like_brackets=True, gates=GATES,
                   default_version=PINNED_VERSION, prefilter_equality=True,
                   max_case_depth=MAX_CASE_DEPTH, supported_from=SUPPORTED_FROM,
                   notes=NOTES)
