"""translate/aggregate.py on real engines: DuckDB, SQLite and PostgreSQL over
ODBC (``any_db``), each compared with the Python reference of Stata's
collapse (tests/stata_reference/collapse.py) on hostile data: empty and
all-missing groups, n = 1, even and odd n, ties, negative values, integer,
boolean, date and decimal columns, NULL and "" string keys, keys differing
only by case or a trailing blank, an order key that is not the insertion
order; plus property-based cases and Stata's auto.dta against published
results."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leostata.catalog import Catalog
from leostata.plan.collapse import build_spec, require_observations
from leostata.errors import NoObservations
from leostata.translate.aggregate import collapse_select, count_select
from tests.shared_data import require_shared
from tests.stata_reference import collapse as ref
from tests.stata_reference.storage import storage_type

DIALECT = {"duckdb": "duckdb", "sqlite": "sqlite", "postgres": "postgresql"}
EPOCH = dt.date(1960, 1, 1)
AUTO = "data/stata-examples/auto.dta"  # in ../shared (tests/shared_data.py)

#: Results computed by the same IEEE operations on both sides (exact match).
EXACT = {"count", "min", "max", "first", "last", "firstnm", "lastnm", "iqr", "percent"}


# --- the hostile table ------------------------------------------------------------------


def hostile_rows() -> list[dict]:
    """Rows as inserted (SQL values).  ``id`` is the order key."""
    s_cycle = ["a", "B", "", None, "a ", "\u00e9", "b", "A"]
    groups = {
        1: [2.5],                                  # n = 1
        2: [4.0, -1.0, 3.5, 10.0, None],           # even n
        3: [1.0, 1.0, 1.0, 2.0, 7.0],              # odd n, ties
        4: [None, None],                           # all missing
        5: [-5.0, -2.25, -10.0, -2.25],            # negatives, ties
        None: [0.0, 100.0, None],                  # missing key
        6: [float(v % 7) - 1.5 for v in range(23)],  # larger group, many ties
    }
    rows = []
    k = 0
    for g, xs in groups.items():
        for x in xs:
            k += 1
            rows.append(dict(
                g=g, s=s_cycle[k % len(s_cycle)], x=x,
                i=None if k % 6 == 0 else (2_000_000_000 if k in (3, 4) else (k * 37) % 19 - 9),
                t=None if k % 5 == 0 else (k % 4) * 1000 - 1500,
                r=None if k % 7 == 0 else (k % 9) * 0.125 - 0.5,
                flag=None if k % 8 == 0 else bool(k % 3 == 0),
                dt=None if k % 9 == 0 else (dt.date(50, 6, 1) if k == 11 else
                                            dt.date(1959, 12, 31) + dt.timedelta(days=k * 40)),
                dec=None if k % 10 == 0 else Decimal(k * 13 % 50 - 20) / Decimal(4),
            ))
    ids = list(range(1, len(rows) + 1))
    random.Random(4).shuffle(ids)
    for row, i in zip(rows, ids):
        row["id"] = i
    return rows


def stata_view(row: dict) -> dict:
    """The row as Stata holds it after a plain load."""
    out = dict(row)
    out["s"] = row["s"] or ""
    out["flag"] = None if row["flag"] is None else int(row["flag"])
    if row["dt"] is not None:
        days = (row["dt"] - EPOCH).days
        out["dt"] = days if days >= -679_350 else None
    out["dec"] = None if row["dec"] is None else float(row["dec"])
    return out


def build_table(engine, name: str, rows: list[dict], columns: list[sa.Column]) -> None:
    md = sa.MetaData()
    table = sa.Table(name, md, *columns)
    md.create_all(engine)
    if rows:
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)


def hostile_columns() -> list[sa.Column]:
    return [sa.Column("id", sa.Integer), sa.Column("g", sa.SmallInteger),
            sa.Column("s", sa.String(10)), sa.Column("x", sa.Double),
            sa.Column("i", sa.Integer), sa.Column("t", sa.SmallInteger),
            sa.Column("r", sa.REAL), sa.Column("flag", sa.Boolean),
            sa.Column("dt", sa.Date), sa.Column("dec", sa.Numeric(10, 2))]


#: The SQL type each SQLAlchemy type of these tables creates.
SQL_TYPE = {sa.Integer: "INTEGER", sa.SmallInteger: "SMALLINT", sa.Double: "DOUBLE PRECISION",
            sa.REAL: "REAL", sa.Boolean: "BOOLEAN", sa.Date: "DATE", sa.Numeric: "NUMERIC",
            sa.String: "VARCHAR"}


class Loaded:
    """A table in one engine: its catalog info, SQLAlchemy table, reader."""

    def __init__(self, db, name: str, rows: list[dict], columns: list[sa.Column]):
        writer = db.writer()
        build_table(writer, name, rows, columns)
        writer.dispose()
        self.engine = db.reader()
        self.dialect = DIALECT[db.kind]
        self.kind = db.kind
        self.info = Catalog(self.engine).table(name)
        self.table = sa.Table(name, sa.MetaData(), *(sa.Column(c.name, c.type) for c in columns))
        self.cols = {c.name: c for c in self.info.columns}
        self.columns = columns

    def types(self) -> dict:
        """Each column's Stata storage type, derived by the reference from
        the SQL type the test declared and Stata's documented limits
        (tests/stata_reference/storage.py), not from leostata."""
        return {c.name: storage_type(SQL_TYPE[type(c.type)], self.kind) for c in self.columns}

    def run(self, items, by=(), cw=False, order=None, where=None):
        spec = build_spec(items, [self.cols[b] for b in by], cw,
                          [self.cols[o] for o in order] if order else None, self.info)
        source = sa.select(self.table)
        if where is not None:
            source = source.where(where(self.table))
        stmt = collapse_select(source, spec, self.dialect)
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            keys = list(result.keys())
            rows = [dict(zip(keys, r)) for r in result.fetchall()]
        assert keys == [o.name for o in spec.outputs()]
        return spec, rows


@pytest.fixture
def hostile(any_db):
    loaded = Loaded(any_db, "hostile", hostile_rows(), hostile_columns())
    yield loaded
    loaded.engine.dispose()


# --- comparison -------------------------------------------------------------------------


def engine_value(value):
    if isinstance(value, dt.date):
        return (value - EPOCH).days
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def compare(spec, got: list[dict], expected: list[dict]) -> None:
    by_names = spec.by_names
    assert [tuple(engine_value(r[b]) for b in by_names) for r in got] == \
        [tuple(r[b] for b in by_names) for r in expected], "groups or their order differ"
    for g, e in zip(got, expected):
        for item in spec.items:
            a = ref.store(engine_value(g[item.target]), item.stata_type)
            b = e[item.target]
            where = f"{item.label} -> {item.target} in group {[e[b_] for b_ in by_names]}"
            if a is None or b is None:
                assert a is None and b is None, f"{where}: {a!r} != {b!r}"
            elif item.stat in EXACT or item.percentile is not None:
                assert a == b, f"{where}: {a!r} != {b!r}"
            else:
                rel = 3e-7 if item.stata_type == "float" else 1e-12
                assert math.isclose(a, b, rel_tol=rel, abs_tol=1e-12), f"{where}: {a!r} != {b!r}"


def reference(loaded: Loaded, rows: list[dict], items, by=(), cw=False, order=None):
    return ref.collapse([stata_view(r) for r in rows], items, by, cw=cw, order=order,
                        types=loaded.types(), string_vars={"s"})


def check(loaded: Loaded, rows, items, by=(), cw=False, order=None, where=None, keep=None):
    spec, got = loaded.run(items, by, cw, order, where)
    data = [r for r in rows if keep is None or keep(r)]
    expected = reference(loaded, data, items, by, cw, order)
    compare(spec, got, expected)
    return got


ALL_X = [("mean", "mean", "x"), ("median", "med", "x"), ("p1", "p1", "x"), ("p10", "p10", "x"),
         ("p25", "p25", "x"), ("p33", "p33", "x"), ("p50", "p50", "x"), ("p75", "p75", "x"),
         ("p90", "p90", "x"), ("p99", "p99", "x"), ("sd", "sd", "x"), ("semean", "sem", "x"),
         ("sum", "sum", "x"), ("rawsum", "rsum", "x"), ("count", "n", "x"),
         ("percent", "pct", "x"), ("min", "min", "x"), ("max", "max", "x"),
         ("iqr", "iqr", "x"), ("sepoisson", "sep", "x"), ("sebinomial", "seb", "x")]
ORDERED_X = [("first", "f", "x"), ("last", "l", "x"), ("firstnm", "fnm", "x"),
             ("lastnm", "lnm", "x"), ("first", "fi", "i"), ("lastnm", "lnmi", "i")]
OTHER = [(stat, f"{stat}_{v}", v) for v in ("i", "t", "r", "flag", "dt", "dec")
         for stat in ("mean", "median", "p25", "sum", "count", "min", "max", "sd", "iqr")] + [
    ("sebinomial", "seb_flag", "flag"), ("sepoisson", "sep_t", "t"),
    ("sepoisson", "sep_i", "i"), ("semean", "sem_t", "t"), ("percent", "pct_dt", "dt")]


# --- cases ------------------------------------------------------------------------------------


def test_every_statistic_by_numeric_key_with_missing_group(hostile):
    got = check(hostile, hostile_rows(), ALL_X, by=["g"])
    assert [r["g"] for r in got] == [1, 2, 3, 4, 5, 6, None]  # missing key last
    all_missing = got[3]
    assert all_missing["sum"] == 0 and all_missing["n"] == 0 and all_missing["mean"] is None
    assert got[0]["sd"] is None and got[0]["med"] == 2.5  # n = 1
    assert got[1]["med"] == 3.75 and got[1]["p25"] == 1.25  # even n: averages


def test_order_statistics_follow_the_order_key(hostile):
    check(hostile, hostile_rows(), ORDERED_X + [("count", "n", "x")], by=["g"], order=["id"])
    check(hostile, hostile_rows(), ORDERED_X, by=["s"], order=["t", "id"])


def test_string_keys_missing_blank_case_and_trailing_blank(hostile):
    got = check(hostile, hostile_rows(), [("count", "n", "x"), ("mean", "m", "x"),
                                          ("p50", "med", "x"), ("min", "mi", "i"),
                                          ("max", "mt", "t"), ("sum", "si", "i")], by=["s"])
    assert [r["s"] for r in got] == ["", "A", "B", "a", "a ", "b", "\u00e9"]  # "" = NULL, first


def test_two_keys(hostile):
    check(hostile, hostile_rows(), [("p50", "med", "x"), ("count", "n", "i"),
                                    ("percent", "pct", "x"), ("sd", "sd", "t")], by=["s", "g"])


def test_no_by_single_row(hostile):
    got = check(hostile, hostile_rows(), ALL_X + [("sum", "si", "i"), ("p50", "mi", "i")])
    assert len(got) == 1
    check(hostile, hostile_rows(), ORDERED_X, order=["id"])


def test_integer_bool_date_decimal_and_real_sources(hostile):
    got = check(hostile, hostile_rows(), OTHER, by=["g"])
    # 2,000,000,000 twice in group 2: no 32-bit overflow in SUM or AVG
    assert got[1]["g"] == 2
    assert got[1]["sum_i"] == sum(r["i"] for r in hostile_rows()
                                  if r["g"] == 2 and r["i"] is not None) > 2 ** 31


def test_date_before_year_100_is_missing_like_stata(hostile):
    check(hostile, hostile_rows(), [("min", "first_day", "dt"), ("count", "n", "dt")], by=["g"])


def test_keys_of_every_kind(hostile):
    for key in ("flag", "dt", "dec", "t"):
        check(hostile, hostile_rows(), [("count", "n", "x"), ("p50", "med", "i")], by=[key])


def test_casewise_deletion(hostile):
    items = [("mean", "m", "x"), ("count", "n", "i"), ("p50", "med", "t"), ("percent", "p", "x")]
    check(hostile, hostile_rows(), items, by=["g"], cw=True)
    check(hostile, hostile_rows(), items, cw=True)


def test_filtered_source(hostile):
    check(hostile, hostile_rows(), ALL_X, by=["g"], where=lambda t: t.c.g >= 3,
          keep=lambda r: r["g"] is not None and r["g"] >= 3)


@pytest.mark.parametrize("by", [["g"], []])
def test_no_observations_gives_zero_rows(hostile, by):
    spec, got = hostile.run([("mean", "m", "x"), ("count", "n", "x")], by,
                            where=lambda t: t.c.g > 100)
    assert got == []
    with pytest.raises(NoObservations):
        require_observations(len(got))
    # cw leaving nothing: g = 4 has only missing x
    spec, got = hostile.run([("mean", "m", "x")], by, cw=True, where=lambda t: t.c.g == 4)
    assert got == []


def test_count_select(hostile):
    with hostile.engine.connect() as conn:
        n = conn.execute(count_select(sa.select(hostile.table).where(hostile.table.c.g >= 3))).scalar()
        assert n == sum(1 for r in hostile_rows() if r["g"] is not None and r["g"] >= 3)
        assert conn.execute(count_select(sa.select(hostile.table).where(sa.false()))).scalar() == 0


# --- properties ------------------------------------------------------------------------------

STATS = ["mean", "median", "p1", "p5", "p20", "p25", "p40", "p50", "p60", "p75", "p80", "p95",
         "p99", "sd", "semean", "sum", "count", "percent", "min", "max", "iqr", "sepoisson",
         "sebinomial", "first", "last", "firstnm", "lastnm"]
values = st.one_of(st.none(), st.integers(-20, 20).map(float),
                   st.integers(-400, 400).map(lambda v: v / 8))
small_rows = st.lists(st.tuples(st.one_of(st.none(), st.integers(0, 3)),
                                st.sampled_from([None, "", "a", "A", "a "]),
                                values, st.one_of(st.none(), st.integers(-3, 3))),
                      min_size=0, max_size=30)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=small_rows, stats=st.lists(st.sampled_from(STATS), min_size=1, max_size=6,
                                         unique=True),
       by=st.sampled_from([[], ["g"], ["s"], ["s", "g"]]), cw=st.booleans())
def test_property_random_tables(any_db, data, stats, by, cw):
    # ids run against the insertion order, so first/last cannot pass by luck
    rows = [dict(id=len(data) - k, g=g, s=s, x=x, i=i) for k, (g, s, x, i) in enumerate(data)]
    name = "p_" + uuid.uuid4().hex[:10]
    cols = [sa.Column("id", sa.Integer), sa.Column("g", sa.SmallInteger),
            sa.Column("s", sa.String(4)), sa.Column("x", sa.Double), sa.Column("i", sa.Integer)]
    loaded = Loaded(any_db, name, rows, cols)
    try:
        items = [(s, f"{s}_x", "x") for s in stats] + [(stats[0], "i_", "i")]
        view = [dict(r, s=r["s"] or "") for r in rows]
        try:
            expected = ref.collapse(view, items, by, cw=cw, order=["id"],
                                    types=loaded.types(), string_vars={"s"})
        except ref.NoObservations:
            expected = []
        spec, got = loaded.run(items, by, cw, order=["id"])
        compare(spec, got, expected)
    finally:
        loaded.engine.dispose()
        writer = any_db.writer()
        with writer.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE {name}"))
        writer.dispose()


# --- an external check: Stata's auto.dta and its published results ------------------------------


def test_auto_dta_against_reference_and_published_results(any_db):
    import pandas as pd
    auto = pd.read_stata(require_shared(AUTO), convert_categoricals=False)
    rows = [dict(make=m, price=int(p), mpg=int(g), weight=int(w), foreign=int(f))
            for m, p, g, w, f in auto[["make", "price", "mpg", "weight", "foreign"]]
            .itertuples(index=False)]
    cols = [sa.Column("make", sa.String(18)), sa.Column("price", sa.Integer),
            sa.Column("mpg", sa.Integer), sa.Column("weight", sa.Integer),
            sa.Column("foreign", sa.SmallInteger)]
    loaded = Loaded(any_db, "auto", rows, cols)
    try:
        items = [("mean", "price", "price"), ("p50", "mpg", "mpg"), ("sd", "weight", "weight")]
        spec, got = loaded.run(items, ["foreign"])
        expected = ref.collapse(rows, items, ["foreign"], types=loaded.types())
        compare(spec, got, expected)
        # published: summarize/tabstat by foreign (Stata's [R] manuals, auto.dta)
        dom, fgn = got
        assert (dom["foreign"], fgn["foreign"]) == (0, 1)
        assert round(dom["price"], 3) == 6072.423 and round(fgn["price"], 3) == 6384.682
        assert dom["mpg"] == 19 and fgn["mpg"] == 24.5
        assert round(dom["weight"], 4) == 695.3637 and round(fgn["weight"], 4) == 433.0035
        assert [o.label for o in spec.outputs()[1:]] == ["(mean) price", "(p 50) mpg",
                                                         "(sd) weight"]
    finally:
        loaded.engine.dispose()
