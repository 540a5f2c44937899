"""Stata storage types derived from Stata's documented limits, for the
references (issue 19, item 3): never from leostata's ``stata_types``.

The limits are those of Stata's ``help data_types`` (shared/research/stata.md
§2.1); the SQL ranges are the SQL standard's (and SQL Server's) integer
ranges.  The rule is the one the project states for loads: the smallest
Stata type that holds every value of the SQL type's range (stata.md §2.1,
"SQL Server -> Stata consequences"); floating types keep their precision;
dates are %td days (a ``long``: the %td domain 01jan0100..31dec9999 is
-679,350..2,936,549) and datetimes %tc milliseconds (a ``double``).
"""

from __future__ import annotations

import datetime as dt

#: nonmissing ranges, help data_types (stata.md §2.1)
STATA_INTEGER_RANGES = [
    ("byte", -127, 100),
    ("int", -32_767, 32_740),
    ("long", -2_147_483_647, 2_147_483_620),
]
#: every integer of magnitude up to 2^53 is exact in a double
DOUBLE_EXACT = 2 ** 53

#: integer SQL types -> their range of values
SQL_INTEGER_RANGES = {
    "BOOLEAN": (0, 1),                         # loads as 0/1
    "TINYINT": (0, 255),                       # SQL Server's tinyint
    "SMALLINT": (-2 ** 15, 2 ** 15 - 1),
    "INTEGER": (-2 ** 31, 2 ** 31 - 1),
}

EPOCH = dt.date(1960, 1, 1)
TD_DOMAIN = (dt.date(100, 1, 1), dt.date(9999, 12, 31))


def smallest_integer_type(lo: int, hi: int) -> str:
    for name, tmin, tmax in STATA_INTEGER_RANGES:
        if tmin <= lo and hi <= tmax:
            return name
    if -DOUBLE_EXACT <= lo and hi <= DOUBLE_EXACT:
        return "double"
    raise ValueError(f"no Stata numeric type holds every integer in [{lo}, {hi}]")


def storage_type(sql_type: str, engine: str | None = None) -> str:
    """The Stata storage type of a column declared ``sql_type`` (the SQL
    text, e.g. ``"INTEGER"``, ``"DOUBLE PRECISION"``, ``"VARCHAR(12)"``) on
    ``engine``.  Strings give ``"str"`` (their width depends on the values).
    SQLite's ``REAL`` is an 8-byte IEEE double (SQLite's "Datatypes"
    page), elsewhere ``REAL`` is single precision."""
    t = sql_type.upper().split("(")[0].strip()
    if t in SQL_INTEGER_RANGES:
        return smallest_integer_type(*SQL_INTEGER_RANGES[t])
    if t == "REAL" and engine == "sqlite":
        return "double"
    if t in ("REAL", "FLOAT4"):
        return "float"
    if t in ("DOUBLE PRECISION", "DOUBLE", "FLOAT", "FLOAT8", "NUMERIC", "DECIMAL"):
        return "double"
    if t == "DATE":
        return smallest_integer_type(*(int((d - EPOCH).days) for d in TD_DOMAIN))
    if t in ("TIMESTAMP", "DATETIME"):
        return "double"
    if t in ("VARCHAR", "CHAR", "TEXT", "NVARCHAR"):
        return "str"
    raise ValueError(f"no rule for SQL type {sql_type}")
