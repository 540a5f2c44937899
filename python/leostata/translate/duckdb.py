"""DuckDB - the embedded default (the synthetic database) and a test engine.

Gaps between DuckDB and Stata, each closed in the SQL below:

* Collation: the default is binary, but a column or the database may be
  declared ``NOCASE``/``NOACCENT`` - and then ``LIKE``, ``INSTR`` and ``=``
  ignore case.  String comparisons, ``IN``, ``LIKE`` and ``INSTR`` run
  under ``COLLATE "C"`` (DuckDB's alias of its binary collation), on both
  operands: DuckDB refuses to compare values of two different collations.
* NULL strings: ``COALESCE(s, '')``.
* Division: ``/`` is already floating, but ``x/0`` is ``inf`` (not NULL):
  ``a / NULLIF(b, 0)``.  ``+ - *`` cast integer columns (``INTEGER``
  overflow raises).
* Double overflow gives ``inf``: results beyond Stata's largest double are
  tested and made NULL where the operands' bounds allow them.
* Domain errors give ``NaN``/``inf`` instead of NULL (``SQRT(-1)``,
  ``LN(0)``, ``EXP(1000)``, ``POW(-8, 1/3)``): every call is guarded with
  ``CASE``.  ``TRY_CAST('1e400' AS DOUBLE)`` is ``inf``, ``'inf'``/``'nan'``
  and ``'1_000'`` are numbers to DuckDB: ``real()`` checks the grammar with
  ``REGEXP_FULL_MATCH`` and the range.
* Bytes: ``strlen`` = ``STRLEN`` (bytes); ``strpos`` = the byte length of
  the text before ``INSTR``'s character position; ``substr`` takes the
  character substring of ASCII text and cuts the UTF-8 bytes (via ``HEX``)
  otherwise (a cut through a multibyte character is an error, never a
  wrong row).
* ``UNICODE('')`` is -1 (not NULL): the ``sample()`` hash uses
  ``GREATEST(UNICODE(...), 0)``.
* ``strlower``/``strupper``: ``TRANSLATE`` of A-Z only.
* Dates: ``d - DATE '1960-01-01'`` is the %td number.
* Bigint beyond 2^53: loads as a string, but ``if`` compares the
  database's number (the rule and its reason: ``base``).

Refused here: nothing beyond the functions no database gets
(``leostata.functions``).
"""

from __future__ import annotations

from . import dates
from .base import DialectSpec
from .constructs import COMMON_SQL, TABLES

NAME = "duckdb"
_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"


def _real(args, consts):
    t = f"TRIM({args[0]}, ' ')"
    value = f"TRY_CAST({t} AS DOUBLE)"
    return (f"CASE WHEN REGEXP_FULL_MATCH({t}, '{_NUMBER}') AND ABS({value}) <= {consts['max']} "
            f"THEN {value} END")


SQL = {
    **COMMON_SQL,
    **dates.TRANSLATOR_SQL[NAME],
    "double": "CAST({0} AS DOUBLE)",
    "year_of_date": "YEAR({0})",
    "month_of_date": "MONTH({0})",
    "day_of_date": "DAY({0})",
    "dow_of_date": "DAYOFWEEK({0})",
    "doy_of_date": "DAYOFYEAR({0})",
    "week_of_date": "LEAST(52, (DAYOFYEAR({0}) + 6) // 7)",
    "quarter_of_date": "QUARTER({0})",
    "halfyear_of_date": "CASE WHEN MONTH({0}) <= 6 THEN 1 ELSE 2 END",
    "byte_length": "STRLEN({0})",
    "char_length": "LENGTH({0})",
    "byte_pos": ('CASE WHEN INSTR({0} COLLATE "C", {1} COLLATE "C") = 0 THEN 0 ELSE '
                 'STRLEN(SUBSTRING({0}, 1, INSTR({0} COLLATE "C", {1} COLLATE "C") - 1)) + 1 END'),
    "char_pos": 'INSTR({0} COLLATE "C", {1} COLLATE "C")',
    "byte_substr": ("CASE WHEN STRLEN({0}) = LENGTH({0}) THEN SUBSTRING({0}, {1}, {2}) "
                    "ELSE DECODE(UNHEX(SUBSTRING(HEX(ENCODE({0})), 2 * {1} - 1, 2 * {2}))) END"),
    "char_substr": "SUBSTRING({0}, {1}, {2})",
    "trim": "TRIM({0}, ' ')",
    "replace": "REPLACE({0}, '{old}', '{new}')",
    "real": _real,
    "char_code": "GREATEST(UNICODE(SUBSTRING({0}, {i}, 1)), 0)",
}

UNSUPPORTED: dict = {}

TABLES[NAME] = SQL
SPEC = DialectSpec(name=NAME, sql=SQL, unsupported=UNSUPPORTED, collation="C",
                   collate_both=True,
                   null_safe_equal="distinct")
