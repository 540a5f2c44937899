"""translate.percentile: Stata's percentile rule from one ordered array per
group, executed on the engines that use it (DuckDB, PostgreSQL over ODBC),
against the rule written from [D] collapse (stata.md §4.1)."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from leostata.translate.percentile import ARRAY_DIALECTS, stata_percentile


def stata_rule(values, p):
    """x_ceil(g) for g = n*p/100, or (x_k + x_k+1)/2 when g is a whole k."""
    xs = sorted(v for v in values if v is not None)
    if not xs:
        return None
    g = len(xs) * p / 100
    k = int(g)
    if k == g:
        return (xs[k - 1] + xs[k]) / 2
    return float(xs[k])


def rows():
    rng = random.Random(3)
    out = [(g, None if rng.random() < 0.2 else rng.randint(-5, 30))
           for g in range(40) for _ in range(rng.randint(0, 12))]
    out += [(99, None), (98, 7), (97, 2**40), (97, 2**40 + 1)]  # all missing, one value, big
    return out


@pytest.fixture
def values_table(any_db):
    if {"postgres": "postgresql"}.get(any_db.kind, any_db.kind) not in ARRAY_DIALECTS:
        pytest.skip("the window form serves this dialect (translate/aggregate.py)")
    writer = any_db.writer()
    md = sa.MetaData()
    t = sa.Table("pct_values", md, sa.Column("g", sa.Integer), sa.Column("v", sa.BigInteger))
    md.drop_all(writer)
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(t.insert(), [dict(g=g, v=v) for g, v in rows()])
    writer.dispose()
    engine = any_db.reader()
    yield engine, t
    engine.dispose()


@pytest.mark.parametrize("p", [1, 10, 25, 33, 50, 75, 90, 99])
def test_every_group_follows_stata_rule(values_table, p):
    engine, t = values_table
    pct = stata_percentile(t.c.v, sa.func.count(t.c.v), p, lambda e: sa.cast(e, sa.Float(53)))
    with engine.connect() as conn:
        got = dict(conn.execute(sa.select(t.c.g, pct).group_by(t.c.g)).all())
    groups: dict = {}
    for g, v in rows():
        groups.setdefault(g, []).append(v)
    assert got == {g: stata_rule(vs, p) for g, vs in groups.items()}
