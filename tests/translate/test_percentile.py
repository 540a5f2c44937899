"""translate.percentile: Stata's percentile rule from one ordered array per
group (PostgreSQL over ODBC) and from DuckDB's nudged quantile_disc, executed
on the engines that use them, against the rule written from [D] collapse
(stata.md §4.1)."""

from __future__ import annotations

import random
import re

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


def every_size():
    """Groups of every size 1..200 and four up to 12,000 (ties, negatives)."""
    rng = random.Random(5)
    sizes = list(range(1, 201)) + [rng.randint(201, 12_000) for _ in range(4)]
    return [(g, rng.randint(-50, 50)) for g, n in enumerate(sizes) for _ in range(n)]


def table_of(any_db, name, data):
    """(reader engine, table, dialect) of ``data`` [(g, v)] on ``any_db``;
    skips dialects the window form serves."""
    dialect = {"postgres": "postgresql"}.get(any_db.kind, any_db.kind)
    if dialect not in ARRAY_DIALECTS:
        pytest.skip("the window form serves this dialect (translate/aggregate.py)")
    writer = any_db.writer()
    md = sa.MetaData()
    t = sa.Table(name, md, sa.Column("g", sa.Integer), sa.Column("v", sa.BigInteger))
    md.drop_all(writer)
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(t.insert(), [dict(g=g, v=v) for g, v in data])
    writer.dispose()
    return any_db.reader(), t, dialect


@pytest.fixture
def values_table(any_db):
    engine, t, dialect = table_of(any_db, "pct_values", rows())
    yield engine, t, dialect
    engine.dispose()


def percentiles_by_group(engine, t, dialect, p):
    pct = stata_percentile(t.c.v, sa.func.count(t.c.v), p, lambda e: sa.cast(e, sa.Float(53)),
                           dialect)
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(t.c.g, pct).group_by(t.c.g)).all())


def by_group(data):
    groups: dict = {}
    for g, v in data:
        groups.setdefault(g, []).append(v)
    return groups


@pytest.mark.parametrize("p", [1, 10, 25, 33, 50, 75, 90, 99])
def test_every_group_follows_stata_rule(values_table, p):
    engine, t, dialect = values_table
    got = percentiles_by_group(engine, t, dialect, p)
    assert got == {g: stata_rule(vs, p) for g, vs in by_group(rows()).items()}


def test_every_percentile_of_every_group_size_follows_stata_rule(any_db):
    """p in 1..99 over groups of 1..200 values and larger: the nudged
    quantile_disc (DuckDB) and the array positions (PostgreSQL) pick Stata's
    order statistics, including every n*p/100 that is a whole number."""
    data = every_size()
    engine, t, dialect = table_of(any_db, "pct_sizes", data)
    groups = by_group(data)
    try:
        for p in range(1, 100):
            want = {g: stata_rule(vs, p) for g, vs in groups.items()}
            assert percentiles_by_group(engine, t, dialect, p) == want, p
    finally:
        engine.dispose()


@pytest.mark.parametrize("among", [(1, 25, 50, 75, 99), (33, 50, 66)])
def test_percentiles_read_from_one_shared_call_follow_stata_rule(values_table, among):
    """Every percentile of a variable from one call (DuckDB: one quantile_disc
    with all the fractions; each p reads its own two positions)."""
    engine, t, dialect = values_table
    cells = [stata_percentile(t.c.v, sa.func.count(t.c.v), p,
                              lambda e: sa.cast(e, sa.Float(53)), dialect, among)
             for p in among]
    stmt = sa.select(t.c.g, *cells).group_by(t.c.g)
    if dialect == "duckdb":  # one call text everywhere: DuckDB computes it once
        calls = set(re.findall(r"quantile_disc\([^]]*\]\)", str(stmt.compile(engine))))
        assert len(calls) == 1 and calls.pop().count(",") == 2 * len(among)
    with engine.connect() as conn:
        got = {row[0]: list(row[1:]) for row in conn.execute(stmt)}
    assert got == {g: [stata_rule(vs, p) for p in among] for g, vs in by_group(rows()).items()}
