"""A small table built to be hostile to a Stata-to-SQL translator, created
in any test database (``conftest.any_db``).

NULLs in numbers, strings and dates; upper/lower case and trailing or
leading spaces; ``% _ [ ] ! * ?``, quotes and a backslash inside strings;
non-ASCII text; integer columns near 2^31; zeros and negative numbers;
fractions whose rounding is a tie; dates outside Stata's range; strings
that are almost numbers.  The string columns ``s`` (nullable) and ``u``,
``w`` (NOT NULL: the same texts, "" for NULL) are declared with a
case-insensitive collation (``NOCASE`` on SQLite and DuckDB, a
nondeterministic ICU collation on PostgreSQL), so a translation that
forgets its binary collation returns wrong rows.  ``u`` and ``w`` are there
for SQLite: the ``COALESCE(s, '')`` around a nullable column drops its
collation there (SQLite takes a column's collation only from a bare
column), so only NOT NULL columns, compared as they are, let SQLite see a
missing binary collation - on every engine alike.

``build(db) -> (reader engine, Catalog, TableInfo)``; ``ROWS`` are the
rows as Python values (what the reference evaluates).
"""

from __future__ import annotations

import datetime as dt
from itertools import cycle, islice

import sqlalchemy as sa

from leostata.catalog import Catalog

TABLE = "hostile"

_PIDS = ["P01", "P01", "P02", None, "P03", "p03", "P03 ", "P04", "P02", "", "P05", "P06",
         "P07", "P07", "P08"]
_I = [None, 0, 1, -1, 2, 5, -7, 2_147_483_000, -2_147_483_000, 3, 10, None, 7, 12]
_X = [None, 0.0, 2.5, -2.5, 0.15, -0.5, 1e10, 8.75, 1.0, -3.0, 100.0, 0.1, None, 709.5,
      -1000.0, 3.0, 0.5]
_Y = [None, 0.0, 2.0, -1.0, 0.5, 3.0, 0.001, 10.0, None, -0.5, 1.0]
_S = [None, "", "abc", "ABC", "abc ", " abc", "a%b", "a_b", "it's", 'say "hi"', "[x]", "Zoë",
      "CAFÉ", "b", "B", "abd", "ab", "  ", "x*y?z", "a!b", "a\\b", "tab\there", "Abc", "ab c"]
_T = ["12", " 12 ", "1e3", "-0.5", "+5", "5.", ".5", "abc", "", ".", "1e400", "inf", "nan",
      "0x10", "1_000", "1e", "1.2.3", "-", None, "007", "1E-2", "2e-3", "e5", "1e+2"]
_D = [None, dt.date(1960, 1, 1), dt.date(2020, 1, 1), dt.date(2020, 2, 29), dt.date(1959, 12, 31),
      dt.date(50, 1, 1), dt.date(9999, 12, 31), dt.date(2000, 6, 15), dt.date(1960, 1, 2),
      dt.date(2021, 12, 31)]
_B = [None, True, False, True]
_DT = [None, dt.datetime(2020, 1, 1, 10, 0, 0), dt.datetime(1960, 1, 1),
       dt.datetime(1959, 12, 31, 23, 59, 59, 500_000), dt.datetime(2021, 6, 30, 12, 34, 56, 789_000)]

N = 30


def _column(values, offset=0):
    return list(islice(cycle(values), offset, offset + N))


ROWS = [
    {"id": k + 1, "pid": pid, "i": i, "x": x, "y": y, "s": s, "t": t, "d": d, "b": b, "dt": ts,
     "u": u or "", "w": w or ""}
    for k, (pid, i, x, y, s, t, d, b, ts, u, w) in enumerate(zip(
        _column(_PIDS), _column(_I, 3), _column(_X, 5), _column(_Y), _column(_S),
        _column(_T, 2), _column(_D, 1), _column(_B), _column(_DT, 2), _column(_S, 1),
        _column(_S, 2)))
]

KINDS = {"id": "int32", "pid": "string", "i": "int32", "x": "float64", "y": "float64",
         "s": "string", "t": "string", "d": "date", "b": "bool", "dt": "datetime",
         "u": "string", "w": "string"}


def _ddl(kind: str) -> str:
    collation = {"duckdb": "COLLATE NOCASE", "sqlite": "COLLATE NOCASE",
                 "postgres": "COLLATE leo_ci"}[kind]
    return (f"CREATE TABLE {TABLE} (id INTEGER NOT NULL, pid VARCHAR(12), i INTEGER, "
            f"x DOUBLE PRECISION, y DOUBLE PRECISION, s VARCHAR(40) {collation}, "
            f"t VARCHAR(20), d DATE, b BOOLEAN, dt TIMESTAMP, "
            f"u VARCHAR(40) {collation} NOT NULL, w VARCHAR(40) {collation} NOT NULL)")


def build(db):
    """Create the table (and the catalog metadata naming its key and person
    key) in ``db``; return the read-only engine, a Catalog and the TableInfo."""
    engine = db.writer()
    with engine.begin() as conn:
        if db.kind == "postgres":
            conn.exec_driver_sql("CREATE COLLATION leo_ci (provider = icu, "
                                 "locale = 'und-u-ks-level2', deterministic = false)")
        conn.exec_driver_sql(_ddl(db.kind))
        types = {"d": sa.Date(), "dt": sa.DateTime(), "b": sa.Boolean()}
        stmt = sa.insert(sa.table(TABLE, *[sa.column(c, types.get(c)) for c in KINDS]))
        conn.execute(stmt, ROWS)
        conn.exec_driver_sql("CREATE TABLE leostata_metadata (table_name VARCHAR(64), "
                             "column_name VARCHAR(64), description VARCHAR(200), "
                             "person_key INTEGER, sort_key INTEGER)")
        conn.execute(sa.text("INSERT INTO leostata_metadata VALUES (:t, :c, :d, :p, :k)"), [
            {"t": TABLE, "c": "", "d": "a table built to be hostile", "p": 0, "k": 0},
            {"t": TABLE, "c": "id", "d": "row id", "p": 0, "k": 1},
            {"t": TABLE, "c": "pid", "d": "person", "p": 1, "k": 0},
        ])
    engine.dispose()
    reader = db.reader()
    catalog = Catalog(reader)
    return reader, catalog, catalog.table(TABLE)
