"""Stata's percentile rule from the engine's own aggregates: one ordered
array per group on PostgreSQL, the native ``quantile_disc`` on DuckDB.

For the n nonmissing values of a group sorted ascending, x_1..x_n, and
p in 1..99, Stata's p-th percentile ([D] collapse; stata.md §4.1) is
(x_k + x_k+1)/2 when n*p/100 is a whole number k, else x_ceil(n*p/100).  With
k = n*p div 100 that is: (x_k + x_k+1)/2 when n*p mod 100 = 0, else x_k+1 --
integer arithmetic only (Stata's 1e-6 fuzz never matters: n*p/100 is a whole
number or at least 0.01 from one).

``ordered_values(v)`` is ``array_agg(v ORDER BY v) FILTER (WHERE v IS NOT
NULL)`` (1-based on both engines); ``stata_percentile(values, n, p, double)``
picks the elements.  Both engines compute an aggregate written several times
in one SELECT once, so every percentile of a variable shares one sort.
bench/bench_percentile.py measured this form at 0.66x ``percentile_disc`` on
PostgreSQL, against 2.98x for the window form the other dialects keep
(translate/aggregate.py).

DuckDB sorts an ordered ``array_agg`` more slowly than its own quantile
(1.41x ``quantile_disc`` for p50/p25/p75), so there ``nudged_quantiles(v, p)``
asks ``quantile_disc(v, [p/100 - 1e-12, p/100 + 1e-12])``: DuckDB's discrete
quantile at fraction f is x_ceil(f*n) (checked against Stata's rule for every
p in 1..99 and n up to 12,000 in tests/translate/test_percentile.py).  n*p/100
is a whole number k or at least 0.01 from one, and the nudge moves f*n by
n*1e-12, far above the double rounding of f*n (about n*1e-16) and below 0.01
while n < 10^10: so the two values are x_k and x_k+1 when n*p mod 100 = 0, and
the second is x_ceil(n*p/100) otherwise -- Stata's rule from one native call.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Dialects whose percentiles come from their own aggregates (this module).
ARRAY_DIALECTS = frozenset({"postgresql", "duckdb"})
#: Of those, the dialects that read them from the native discrete quantile.
QUANTILE_DIALECTS = frozenset({"duckdb"})
#: The fraction's nudge either side of p/100 (module docstring).
NUDGE = 1e-12


class ordered_values(FunctionElement):
    """``array_agg(v ORDER BY v) FILTER (WHERE v IS NOT NULL)``: the group's
    nonmissing values, ascending."""

    name = "ordered_values"
    inherit_cache = True


@compiles(ordered_values)
def _ordered_values(element, compiler, **kw):
    (value,) = list(element.clauses)
    v = compiler.process(value, **kw)
    return f"array_agg({v} ORDER BY {v}) FILTER (WHERE {v} IS NOT NULL)"


class element_at(FunctionElement):
    """``(array)[index]``, 1-based."""

    name = "element_at"
    inherit_cache = True


@compiles(element_at)
def _element_at(element, compiler, **kw):
    array, index = list(element.clauses)
    return f"({compiler.process(array, **kw)})[{compiler.process(index, **kw)}]"


def nudged_quantiles(value, percentiles):
    """DuckDB's ``quantile_disc(v, [p/100 - NUDGE, p/100 + NUDGE, ...])`` for
    each of ``percentiles`` in order: per p, the group's x_k and x_k+1 when
    n*p/100 is a whole number k, else x_ceil(n*p/100) twice (module
    docstring).  One call serves every percentile of a variable (DuckDB
    computes an aggregate written several times once).  The fractions are
    part of the SQL text (and so of SQLAlchemy's statement cache key)."""
    fractions = ", ".join(f"{p / 100 - NUDGE!r}, {p / 100 + NUDGE!r}" for p in percentiles)
    return sa.func.quantile_disc(value, sa.literal_column(f"[{fractions}]"))


def stata_percentile(value, n, p: int, double, dialect: str = "postgresql", among=()):
    """Stata's ``p``-th percentile of ``value`` in its group: ``n`` is
    ``COUNT(value)``, ``double`` casts to double precision.  Missing for an
    all-missing group.  ``among``: every percentile the statement asks of
    ``value`` (DuckDB reads them all from one native call)."""
    product = n * _int(p)
    rest = product % _int(100)
    if dialect in QUANTILE_DIALECTS:  # per p: [x_k, x_k+1] or [x_ceil, x_ceil]
        wanted = sorted(set(among) | {p})
        i = wanted.index(p)
        values = nudged_quantiles(value, wanted)
        at, next_ = _int(2 * i + 1), _int(2 * i + 2)
    else:  # all values: k = n*p div 100
        values = ordered_values(value)
        at = sa.cast((product - rest) / _int(100), sa.BigInteger)
        next_ = at + _int(1)
    after = double(element_at(values, next_))
    between = (double(element_at(values, at)) + after) / _int(2)
    return sa.case((n == _int(0), sa.null()), (rest == _int(0), between), else_=after)


def _int(n: int):
    return sa.literal_column(str(int(n)), sa.BigInteger)
