"""SQLite - a test engine (a second opinion next to DuckDB and PostgreSQL).

Gaps between SQLite and Stata, each closed in the SQL below:

* Collation: columns may be declared ``COLLATE NOCASE`` or ``RTRIM``.
  String comparisons and ``IN`` run under ``COLLATE "BINARY"`` (memcmp of
  UTF-8 = Stata's byte order).
* ``LIKE`` is case-insensitive for ASCII: ``strmatch()`` uses ``GLOB``,
  whose ``*`` and ``?`` are Stata's wildcards (``[`` is escaped as ``[[]``).
* NULL strings: ``COALESCE(s, '')``.
* Division: integer/integer truncates and ``x/0`` is NULL: the translation
  casts to ``REAL`` and uses ``NULLIF`` as everywhere.
* Double overflow gives ``inf`` (beyond Stata's largest double it is
  tested and made NULL where the operands' bounds allow it).
* ``EXP(1000)`` is ``inf``; ``MIN(a, b)``/``MAX(a, b)`` return NULL when
  an argument is NULL, so ``min()``/``max()`` read NULL as +/-infinity and
  turn an infinite result back into NULL.
* Bytes: ``strlen``/``strpos``/``substr`` work on ``CAST(s AS BLOB)`` - the
  UTF-8 bytes, exactly as Stata (``SUBSTR`` of an empty blob is NULL: read
  as "").
* ``LOWER``/``UPPER`` change ASCII letters only (without the ICU
  extension), as Stata's ``strlower``/``strupper``.
* No regular expressions, no ``TRY_CAST``: ``real()`` checks the number
  grammar with ``GLOB`` and ``INSTR`` before ``CAST(t AS REAL)``.
* Dates are ISO text: ``JULIANDAY`` gives the %td number; date constants
  are ``'yyyy-mm-dd'`` text.
* Bigint beyond 2^53: loads as a string, but ``if`` compares the
  database's number (the rule and its reason: ``base``).
* No single precision: a ``REAL``-declared column holds doubles, so
  ``x == 0.1`` is true where Stata (float storage) says false: a gap.
* Math functions (``CEIL``, ``LN``, ``POWER``...) need SQLite 3.35+ built
  with them (Python's usual builds are).  ``floor(x)`` is ``-CEIL(-x)``:
  SQLAlchemy's pysqlite driver replaces SQLite's ``FLOOR`` with Python's
  ``math.floor``, which fails on NULL.

Refused here: nothing beyond the functions no database gets
(``leostata.functions``).
"""

from __future__ import annotations

from . import dates
from .base import DialectSpec
from .constructs import COMMON_SQL, TABLES

NAME = "sqlite"


def _real(args, consts):
    t = f"TRIM({args[0]}, ' ')"
    e = f"INSTR(LOWER({t}), 'e')"
    mant = f"(CASE WHEN {e} > 0 THEN SUBSTR({t}, 1, {e} - 1) ELSE {t} END)"
    mant = f"(CASE WHEN SUBSTR({mant}, 1, 1) IN ('+', '-') THEN SUBSTR({mant}, 2) ELSE {mant} END)"
    expo = f"SUBSTR({t}, {e} + 1)"
    expo = f"(CASE WHEN SUBSTR({expo}, 1, 1) IN ('+', '-') THEN SUBSTR({expo}, 2) ELSE {expo} END)"
    value = f"CAST({t} AS REAL)"
    return (f"CASE WHEN {t} NOT GLOB '*[^0-9eE.+-]*' AND {mant} GLOB '*[0-9]*' "
            f"AND {mant} NOT GLOB '*[^0-9.]*' AND {mant} NOT GLOB '*.*.*' "
            f"AND ({e} = 0 OR ({expo} <> '' AND {expo} NOT GLOB '*[^0-9]*')) "
            f"AND ABS({value}) <= {consts['max']} THEN {value} END")


def _extreme(fn: str, infinity: str):
    def render(args, consts):
        inner = ", ".join(f"COALESCE({a}, {infinity})" for a in args)
        return f"NULLIF({fn}({inner}), {infinity})"
    return render


SQL = {
    **COMMON_SQL,
    **dates.TRANSLATOR_SQL[NAME],
    "double": "CAST({0} AS REAL)",
    "floor": "(-CEIL(-{0}))",
    "date_from_days": "DATE('1960-01-01', {0} || ' days')",
    "year_of_date": "CAST(STRFTIME('%Y', {0}) AS INTEGER)",
    "month_of_date": "CAST(STRFTIME('%m', {0}) AS INTEGER)",
    "day_of_date": "CAST(STRFTIME('%d', {0}) AS INTEGER)",
    "dow_of_date": "CAST(STRFTIME('%w', {0}) AS INTEGER)",
    "doy_of_date": "CAST(STRFTIME('%j', {0}) AS INTEGER)",
    "week_of_date": "MIN(52, (CAST(STRFTIME('%j', {0}) AS INTEGER) + 6) / 7)",
    "quarter_of_date": "((CAST(STRFTIME('%m', {0}) AS INTEGER) + 2) / 3)",
    "halfyear_of_date": "CASE WHEN CAST(STRFTIME('%m', {0}) AS INTEGER) <= 6 THEN 1 ELSE 2 END",
    "make_date": "DATE(PRINTF('%04d-%02d-%02d', {0}, {1}, {2}))",
    "date_const": "'{v}'",
    "byte_length": "LENGTH(CAST({0} AS BLOB))",
    "char_length": "LENGTH({0})",
    "byte_pos": "INSTR(CAST({0} AS BLOB), CAST({1} AS BLOB))",
    "char_pos": "INSTR({0}, {1})",
    "byte_substr": "COALESCE(CAST(SUBSTR(CAST({0} AS BLOB), {1}, {2}) AS TEXT), '')",
    "char_substr": "SUBSTR({0}, {1}, {2})",
    "lower_ascii": "LOWER({0})",
    "upper_ascii": "UPPER({0})",
    "trim": "TRIM({0}, ' ')",
    "replace": "REPLACE({0}, '{old}', '{new}')",
    "real": _real,
    "least": _extreme("MIN", "9e999"),
    "greatest": _extreme("MAX", "-9e999"),
    "char_code": "COALESCE(UNICODE(SUBSTR({0}, {i}, 1)), 0)",
}

UNSUPPORTED: dict = {}

TABLES[NAME] = SQL
SPEC = DialectSpec(name=NAME, sql=SQL, unsupported=UNSUPPORTED, collation="BINARY",
                   strmatch="glob",
                   null_safe_equal="is")
