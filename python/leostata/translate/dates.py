"""SQL dates and datetimes as Stata numbers, per database.

Stata holds a date as its %td day number (days since 01jan1960) and a
datetime as %tc milliseconds since 01jan1960 00:00:00.  Three parts of
leostata have the database compute these numbers, and each database's SQL
for all three is here:

* the translator (``Translator.as_number``, ``mdy()``): ``TRANSLATOR_SQL``,
  the ``days_from_date`` and ``ms_from_datetime`` entries of each dialect's
  SQL table; the translator adds the range check (outside 01jan0100 to
  31dec9999: missing);
* the loader's server-side casts (``stream.server_casts``): ``load_days`` and
  ``load_ms``, with no range check (the loader makes values out of range
  missing and counts them);
* collapse (``aggregate``): ``collapse_days`` for values and
  ``collapse_first_date`` for by() and order keys; collapse makes a date
  before 01jan0100 missing (no upper bound).

Per database the three compute the same number, except as listed below,
but they are written differently: the loader in SQLAlchemy's spelling
(lower-case function names, ``DOUBLE PRECISION`` for ``FLOAT``/``DOUBLE``,
no parentheses around a subtraction), collapse with SQL Server's epoch as
``DATEFROMPARTS(1960, 1, 1)`` and SQLite's day without ``DATE``/``ROUND``.
Golden SQL files pin each text, so each caller keeps its own form; only
PostgreSQL's and DuckDB's day number is one expression (``_minus_epoch``),
shared by the loader and collapse.

Differences in results (documented, not closed):

* SQLite, collapse: ``CAST(julianday(d) - 2436934.5 AS INTEGER)`` truncates
  toward zero, so a date value that carries a time of day and lies before
  1960 (``'1959-12-31 06:00:00'``) gives the next day (0, not -1); the
  translator and the loader take ``DATE(d)`` first and round.  Values that
  are plain ``yyyy-mm-dd`` dates agree.
* PostgreSQL and DuckDB, collapse: a date after 31dec9999 (both databases
  hold them) counts as its day number in the statistics and forms a by()
  group of its own (loaded as missing), where the translator and the loader
  make it missing.
* PostgreSQL, ``timestamptz`` columns: the loader converts to UTC first,
  the translator reads them in the session's time zone (the gap noted in
  ``postgresql``).
"""

from __future__ import annotations

import sqlalchemy as sa

#: SQLite's ``JULIANDAY('1960-01-01')``.
JULIANDAY_1960 = "2436934.5"
#: Seconds from 01jan1960 to 01jan1970 (the Unix epoch), and milliseconds.
SECONDS_1960_TO_1970 = 315_619_200
MS_1960_TO_1970 = SECONDS_1960_TO_1970 * 1000


# --- the translator: SQL-table entries (constructs.Sql templates) ---------------------------

#: dialect -> the ``days_from_date`` and ``ms_from_datetime`` entries of its
#: SQL table (the translator wraps them in its range check).
TRANSLATOR_SQL = {
    "mssql": {
        "days_from_date": "DATEDIFF(day, '19600101', {0})",
        "ms_from_datetime": "CAST(DATEDIFF_BIG(millisecond, '19600101', {0}) AS FLOAT)",
    },
    "postgresql": {
        "days_from_date": "({0} - DATE '1960-01-01')",
        "ms_from_datetime": "CAST(EXTRACT(EPOCH FROM {0} - TIMESTAMP '1960-01-01') * 1000 "
                            "AS DOUBLE PRECISION)",
    },
    "sqlite": {
        "days_from_date": f"CAST(ROUND(JULIANDAY(DATE({{0}})) - {JULIANDAY_1960}) AS INTEGER)",
        "ms_from_datetime": (f"((CAST(STRFTIME('%s', {{0}}) AS INTEGER) + {SECONDS_1960_TO_1970})"
                             f" * 1000.0 + CAST(SUBSTR(STRFTIME('%f', {{0}}), 4) AS INTEGER))"),
    },
    "duckdb": {
        "days_from_date": "({0} - DATE '1960-01-01')",
        "ms_from_datetime": (f"CAST(EPOCH_MS(CAST({{0}} AS TIMESTAMP)) + {MS_1960_TO_1970} "
                             f"AS DOUBLE)"),
    },
}


# --- SQLAlchemy expressions: the loader and collapse ----------------------------------------


def _lit(text: str, type_=None):
    return sa.literal_column(text, type_)


def _int(n: int):
    return _lit(str(int(n)), sa.BigInteger())


def _minus_epoch(expr):
    """PostgreSQL/DuckDB: ``d - DATE '1960-01-01'`` (date minus date is a
    whole number of days)."""
    return expr.op("-", return_type=sa.Integer())(_lit("DATE '1960-01-01'"))


def load_days(expr, dialect: str):
    """The loader's cast of a date to its %td day number (None: no cast on
    this dialect)."""
    if dialect in ("postgresql", "duckdb"):
        return _minus_epoch(expr)
    if dialect == "mssql":
        return sa.type_coerce(sa.func.datediff(_lit("day"), _lit("'19600101'"), expr),
                              sa.Integer())
    if dialect == "sqlite":
        return sa.type_coerce(sa.cast(sa.func.round(
            sa.func.julianday(sa.func.date(expr)) - _lit(JULIANDAY_1960)), sa.Integer()),
            sa.Integer())
    return None


def load_ms(expr, dialect: str, *, has_zone: bool = False):
    """The loader's cast of a datetime to its %tc milliseconds (None: no cast
    on this dialect).  ``has_zone``: the column holds a time zone
    (PostgreSQL: converted to UTC first)."""
    if dialect == "postgresql":
        if has_zone:
            expr = sa.func.timezone(_lit("'UTC'"), expr)
        return sa.cast(sa.extract("epoch", expr - _lit("TIMESTAMP '1960-01-01'")) * 1000,
                       sa.Double())
    if dialect == "duckdb":
        return sa.cast(sa.func.epoch_ms(sa.cast(expr, sa.TIMESTAMP())) + MS_1960_TO_1970,
                       sa.Double())
    if dialect == "mssql":
        return sa.cast(sa.func.datediff_big(_lit("millisecond"), _lit("'19600101'"), expr),
                       sa.Double())
    if dialect == "sqlite":
        return sa.type_coerce(
            (sa.cast(sa.func.strftime("%s", expr), sa.Integer()) + SECONDS_1960_TO_1970) * 1000.0
            + sa.cast(sa.func.substr(sa.func.strftime("%f", expr), 4), sa.Integer()),
            sa.Float())
    return None


def collapse_days(expr, dialect: str):
    """Collapse's %td day number of a date (its range check is in
    ``aggregate.td_days``)."""
    if dialect == "mssql":
        return sa.func.DATEDIFF(_lit("day"), sa.func.DATEFROMPARTS(_int(1960), _int(1), _int(1)),
                                expr)
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(expr).op("-")(_lit(JULIANDAY_1960)), sa.Integer())
    return _minus_epoch(expr)  # postgresql, duckdb


def collapse_first_date(dialect: str):
    """01jan0100, the first date Stata's %td holds, as collapse writes it."""
    if dialect == "mssql":
        return sa.func.DATEFROMPARTS(_int(100), _int(1), _int(1))
    if dialect == "sqlite":  # dates are ISO text: compared as strings
        return _lit("'0100-01-01'")
    return _lit("DATE '0100-01-01'")
