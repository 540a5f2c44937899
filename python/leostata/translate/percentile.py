"""Stata's percentile rule from one ordered array per group, on the dialects
that aggregate into ordered arrays (PostgreSQL, DuckDB).

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
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: Dialects whose percentiles use the ordered array form.
ARRAY_DIALECTS = frozenset({"postgresql", "duckdb"})


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


def stata_percentile(value, n, p: int, double):
    """Stata's ``p``-th percentile of ``value`` in its group: ``n`` is
    ``COUNT(value)``, ``double`` casts to double precision.  Missing for an
    all-missing group."""
    product = n * _int(p)
    rest = product % _int(100)
    k = sa.cast((product - rest) / _int(100), sa.BigInteger)
    values = ordered_values(value)
    after = double(element_at(values, k + _int(1)))
    between = (double(element_at(values, k)) + after) / _int(2)
    return sa.case((n == _int(0), sa.null()), (rest == _int(0), between), else_=after)


def _int(n: int):
    return sa.literal_column(str(int(n)), sa.BigInteger)
