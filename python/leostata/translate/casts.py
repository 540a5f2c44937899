"""The loader's server-side casts: decimals as double, dates as %td day
numbers, datetimes as %tc milliseconds and times as milliseconds since
midnight, computed by the server (the driver then builds no ``Decimal`` or
``date`` objects; perf.md §3d).

Takes the executed SELECT and its output columns; returns the same SELECT
with those column expressions rewritten (WHERE, GROUP BY and ORDER BY are
untouched).
"""

from __future__ import annotations

import sqlalchemy as sa

from ..catalog import SqlType
from . import dates


def _lit(text: str):
    return sa.literal_column(text)


def _cast_expr(expr, sql_type: SqlType, dialect: str):
    """The expression returning ``expr`` in the form stream wants, or None to
    leave it alone."""
    kind, raw = sql_type.kind, (sql_type.raw or "").lower()
    if kind == "decimal":
        return sa.cast(expr, sa.Double())
    if kind == "bool" and dialect in ("postgresql", "duckdb", "mssql"):
        return sa.cast(expr, sa.Integer())
    if kind == "date":
        return dates.load_days(expr, dialect)
    if kind == "datetime":
        has_zone = "time zone" in raw and "without" not in raw or raw.startswith("timestamptz")
        return dates.load_ms(expr, dialect, has_zone=has_zone)
    if kind == "time":
        if dialect in ("postgresql", "duckdb"):
            return sa.cast(sa.extract("epoch", expr) * 1000, sa.Double())
        if dialect == "mssql":
            return sa.cast(sa.func.datediff_big(_lit("millisecond"),
                                                _lit("CAST('00:00:00' AS time)"), expr),
                           sa.Double())
        return None
    if kind == "unknown" and dialect in ("postgresql", "duckdb"):
        return sa.cast(expr, sa.String())
    return None


def _already_numeric(col, sql_type: SqlType) -> bool:
    """True when the SELECT already returns this column as Stata wants it:
    its SQLAlchemy type is numeric although the SQL type is a date, datetime,
    time, bool or decimal (e.g. collapse by() keys already as %td days)."""
    t = getattr(col, "type", None)
    if t is None or isinstance(t, sa.types.NullType):
        return False
    kind = sql_type.kind
    if kind in ("date", "datetime", "time", "bool"):
        return isinstance(t, (sa.Integer, sa.Numeric))
    if kind == "decimal":
        return isinstance(t, sa.Float)
    return False


def server_casts(select, outputs, dialect: str):
    """``select`` with server-side casts for ``outputs`` (same order as the
    selected columns); returns ``select`` unchanged when nothing needs a cast
    or the statement cannot be rewritten safely.  A column whose expression
    is already typed numeric in SQLAlchemy (``Integer``/``Float``, e.g. a
    date already turned into %td days by the collapse translator) is left
    alone.  ``dialect`` is the SQLAlchemy dialect name (``mssql``,
    ``postgresql``, ``duckdb``, ``sqlite``).  ``sql.executed_statement``
    applies it to every SELECT leostata builds; none is DISTINCT (a cast on
    the column of a DISTINCT select could merge rows, and SQLAlchemy exposes
    no public way to see DISTINCT, so such a select must not be passed)."""
    if not isinstance(select, sa.Select):
        return select
    cols = list(select.selected_columns)
    if len(cols) != len(outputs):
        return select
    new, changed = [], False
    for col, out in zip(cols, outputs):
        expr = None if _already_numeric(col, out.sql_type) else _cast_expr(col, out.sql_type,
                                                                             dialect)
        if expr is None:
            new.append(col)
        else:
            changed = True
            new.append(expr.label(col.key if col.key else out.name))
    if not changed:
        return select
    return select.with_only_columns(*new, maintain_column_froms=True)
