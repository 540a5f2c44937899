"""PostgreSQL - a test engine (reached over ODBC, like SQL Server in the SRS).

Gaps between PostgreSQL and Stata, each closed in the SQL below:

* Collation: columns and databases may use a linguistic or ICU collation
  (even a nondeterministic, case-insensitive one, with which ``LIKE``,
  ``STRPOS``, ``REPLACE`` and regular expressions raise errors).  Every
  string comparison, ``IN``, ``LIKE``, ``STRPOS``, ``REPLACE`` and the
  ``real()`` pattern match run under ``COLLATE "C"`` - byte order of
  UTF-8 = Stata's order.  Comparisons of ``text``/``varchar`` never ignore
  trailing spaces.
* NULL strings: ``COALESCE(s, '')``.
* Division: ``a / NULLIF(b, 0)`` in ``DOUBLE PRECISION`` (integer division
  truncates; ``x/0`` raises).  ``+ - *`` cast integer columns (``int4``
  overflows raise).
* Domain errors raise (``SQRT(-1)``, ``LN(0)``, ``EXP(1000)`` overflow,
  ``EXP(-1000)`` underflow, ``POWER(-8, 1/3)``, ``MAKE_DATE(2020, 2, 30)``,
  a cast of an out-of-range numeric): every call is guarded with ``CASE``.
  Double ``* / ^`` raise on overflow and on a nonzero result that rounds to
  zero (``1e-300 * 1e-300``): where the operands' bounds allow either, the
  magnitude is judged from logarithms first (``float_errors``).
* ``LOG(x)`` is base 10 here; ``ln()`` is ``LN``.
* Bytes: ``strlen`` = ``OCTET_LENGTH``; ``strpos`` searches
  ``CONVERT_TO(s, 'UTF8')`` byte strings; ``substr`` takes the character
  substring when the text is ASCII and cuts ``CONVERT_TO(s, 'UTF8')``
  otherwise (a cut through a multibyte character - where Stata would keep
  half a character - is an error from PostgreSQL, never a wrong row).
* ``strlower``/``strupper``: ``TRANSLATE`` of A-Z only (``LOWER`` would
  also change non-ASCII letters; Stata's does not).
* ``real()``: a regular-expression check of the number grammar, then a
  ``NUMERIC`` range check before the cast to double (a bare cast raises on
  bad text and on overflow).  Exponents of more than 4 significant digits
  are not read (missing).
* Dates: ``d - DATE '1960-01-01'`` is the %td number.  Timestamps with a
  time zone are read in the session's zone (the loader converts to UTC: a
  gap for ``timestamptz`` columns).
* Bigint beyond 2^53: loads as a string, but ``if`` compares the
  database's number (the rule and its reason: ``base``).
* ``char(n)`` (``bpchar``) columns drop trailing spaces in comparisons
  while the driver returns them padded: a gap (LEO tables use varchar).

Refused here: nothing beyond the functions no database gets
(``leostata.functions``).
"""

from __future__ import annotations

from . import dates
from .base import DialectSpec
from .constructs import COMMON_SQL, TABLES

NAME = "postgresql"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?0*[0-9]{1,4})?$"


def _real(args, consts):
    t = f"BTRIM({args[0]}, ' ')"
    n = f"CAST({t} AS NUMERIC)"
    return (f"CASE WHEN {t} COLLATE \"C\" ~ '{_NUMBER}' THEN CASE WHEN ABS({n}) > {consts['max']} THEN NULL "
            f"WHEN ABS({n}) < 2.5e-324 THEN CAST(0 AS DOUBLE PRECISION) "
            f"ELSE CAST({n} AS DOUBLE PRECISION) END END")


SQL = {
    **COMMON_SQL,
    **dates.TRANSLATOR_SQL[NAME],
    "double": "CAST({0} AS DOUBLE PRECISION)",
    "log10": "LOG({0})",
    "year_of_date": "CAST(EXTRACT(YEAR FROM {0}) AS INTEGER)",
    "month_of_date": "CAST(EXTRACT(MONTH FROM {0}) AS INTEGER)",
    "day_of_date": "CAST(EXTRACT(DAY FROM {0}) AS INTEGER)",
    "dow_of_date": "CAST(EXTRACT(DOW FROM {0}) AS INTEGER)",
    "doy_of_date": "CAST(EXTRACT(DOY FROM {0}) AS INTEGER)",
    "week_of_date": "LEAST(52, (CAST(EXTRACT(DOY FROM {0}) AS INTEGER) + 6) / 7)",
    "quarter_of_date": "CAST(EXTRACT(QUARTER FROM {0}) AS INTEGER)",
    "halfyear_of_date": "CASE WHEN EXTRACT(MONTH FROM {0}) <= 6 THEN 1 ELSE 2 END",
    "byte_length": "OCTET_LENGTH({0})",
    "char_length": "CHAR_LENGTH({0})",
    "byte_pos": "POSITION(CONVERT_TO({1}, 'UTF8') IN CONVERT_TO({0}, 'UTF8'))",
    "char_pos": 'STRPOS({0} COLLATE "C", {1})',
    "byte_substr": ("CASE WHEN OCTET_LENGTH({0}) = CHAR_LENGTH({0}) THEN SUBSTR({0}, {1}, {2}) "
                    "ELSE CONVERT_FROM(SUBSTRING(CONVERT_TO({0}, 'UTF8') FROM {1} FOR {2}), "
                    "'UTF8') END"),
    "char_substr": "SUBSTR({0}, {1}, {2})",
    "trim": "BTRIM({0}, ' ')",
    "replace": "REPLACE({0} COLLATE \"C\", '{old}', '{new}')",
    "real": _real,
    "char_code": "COALESCE(ASCII(SUBSTR({0}, {i}, 1)), 0)",
}

UNSUPPORTED: dict = {}

TABLES[NAME] = SQL
SPEC = DialectSpec(name=NAME, float_errors=("overflow", "underflow"),
                   sql=SQL, unsupported=UNSUPPORTED, collation="C",
                   null_safe_equal="coalesce")
