"""Weights in leoload's collapse() (issue 14, item 5): the weight clause
through parse -> plan -> SQL on DuckDB, SQLite and PostgreSQL over ODBC,
against a reference written here from collapse.ado's documented formulas
(shared/research/stata.md §4.1 and collapse.ado 6.2.1: mark drops missing
and zero weights; remakew normalises weights to the group's n), not from
leostata's SQL; Stata's auto.dta; the refusals and their return codes."""

from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from leostata import errors, sql
from leostata.catalog import Catalog
from leostata.plan import plan_load
from leostata.plan.collapse import weight_problems
from leostata.translate.aggregate import weight_check_select
from tests.shared_data import require_shared

DIALECT = {"duckdb": "duckdb", "sqlite": "sqlite", "postgres": "postgresql"}
AUTO = "data/stata-examples/auto.dta"


# --- the reference: collapse.ado's weighted rules, in plain Python ------------------------


def _normalised(pairs):
    """remakew: w * n / sum(w) over the nonmissing values."""
    n, total = len(pairs), sum(w for _, w in pairs)
    return [(x, w * n / total) for x, w in pairs]


def _percentile(pairs, p):
    """collapse's _p: sort by (x, w), normalised running weights, 1e-6 rule."""
    if not pairs:
        return None
    pairs = sorted(_normalised(pairs))
    cum, running = [], 0.0
    for _, w in pairs:
        running += w
        cum.append(running)
    g = cum[-1] * p / 100
    i = next(k for k, c in enumerate(cum) if c - g > 1e-6)
    if i == 0 or g - cum[i - 1] > 1e-6:
        return pairs[i][0]
    return (pairs[i - 1][0] + pairs[i][0]) / 2


def _sd(pairs, kind):
    if kind == "aweight" and pairs:
        pairs = _normalised(pairs)
    total = sum(w for _, w in pairs)
    if not pairs or total == 0:
        return None
    m = sum(w * x for x, w in pairs) / total
    divisor = total - 1
    if divisor == 0:
        return None
    ratio = sum(w * (x - m) ** 2 for x, w in pairs) / divisor
    return math.sqrt(ratio) if ratio >= 0 else None


def reference(rows, items, by, weight, kind):
    """collapse (stat) target=source ... [kind=weight], by(by) on ``rows``."""
    used = [r for r in rows if r[weight] is not None and r[weight] != 0]
    keys = sorted({r[by] for r in used}, key=lambda k: (k is None, k if k is not None else 0))
    out = []
    for key in keys:
        group = [r for r in used if r[by] == key]
        result = {by: key}
        for stat, target, source in items:
            pairs = [(float(r[source]), float(r[weight])) for r in group if r[source] is not None]
            total = sum(w for _, w in pairs)
            n = len(pairs)
            if stat == "mean":
                value = sum(w * x for x, w in pairs) / total if total else None
            elif stat == "sum":
                value = sum(w * x for x, w in (_normalised(pairs) if kind == "aweight" and pairs
                                                 else pairs))
            elif stat == "rawsum":
                value = sum(x for x, _ in pairs)
            elif stat == "count":
                value = n if kind == "aweight" else total
            elif stat == "percent":
                everything = sum(float(r[weight]) for r in used if r[source] is not None)
                value = 100 * total / everything if everything else None
            elif stat == "sd":
                value = _sd(pairs, kind)
            elif stat == "semean":
                sd = _sd(pairs, kind)
                size = n if kind == "aweight" else total
                value = None if sd is None or not size else sd / math.sqrt(size)
            elif stat == "sebinomial":
                value = None
                if pairs and all(x in (0, 1) for x, _ in pairs):
                    m = sum(w * x for x, w in pairs) / total
                    value = math.sqrt(m * (1 - m) / total)
            elif stat == "sepoisson":
                value = None
                if pairs and all(x >= 0 for x, _ in pairs):
                    m = sum(w * x for x, w in pairs) / total
                    value = math.sqrt(math.floor(m * total + 0.5)) / total
            elif stat.startswith("p"):
                value = _percentile(pairs, int(stat[1:]))
            elif stat == "iqr":
                hi, lo = _percentile(pairs, 75), _percentile(pairs, 25)
                value = None if hi is None else hi - lo
            elif stat in ("min", "max"):
                xs = [x for x, _ in pairs]
                value = (min if stat == "min" else max)(xs) if xs else None
            else:
                raise AssertionError(stat)
            result[target] = value
        out.append(result)
    return out


# --- tables --------------------------------------------------------------------------------


def edge_rows():
    """Groups: 1 ordinary; 2 zero and missing weights mixed in; 3 one
    observation; 4 all-missing x; 5 only zero/missing weights (vanishes);
    6 ties and a cumulative weight landing exactly on n*p/100; None key."""
    spec = {
        1: [(1.0, 2), (3.0, 1), (2.5, 4), (10.0, 3), (-4.0, 1)],
        2: [(5.0, 0), (7.0, None), (1.5, 2), (None, 3), (4.0, 1), (9.0, 2)],
        3: [(6.0, 3)],
        4: [(None, 2), (None, 5)],
        5: [(8.0, 0), (9.0, None)],
        6: [(1.0, 1), (2.0, 1), (2.0, 2), (3.0, 1), (4.0, 1), (4.0, 2)],
        None: [(0.5, 1), (2.0, 3), (None, 1)],
    }
    rows, k = [], 0
    for g, pairs in spec.items():
        for x, w in pairs:
            k += 1
            rows.append(dict(id=k, g=g, x=x, b=None if x is None else float(k % 2),
                             c=None if x is None else float(k % 5), w=w,
                             fw=None if w is None else int(w)))
    return rows


def columns():
    return [sa.Column("id", sa.Integer), sa.Column("g", sa.Integer), sa.Column("x", sa.Double),
            sa.Column("b", sa.Double), sa.Column("c", sa.Double), sa.Column("w", sa.Double),
            sa.Column("fw", sa.Integer)]


class Table:
    def __init__(self, db, name, rows, columns):
        writer = db.writer()
        md = sa.MetaData()
        table = sa.Table(name, md, *columns)
        md.create_all(writer)
        with writer.begin() as conn:
            conn.execute(table.insert(), rows)
        writer.dispose()
        self.engine = db.reader()
        self.dialect = DIALECT[db.kind]
        self.catalog = Catalog(self.engine)
        self.name = name

    def load(self, command: str):
        plan = plan_load(f"{self.name} {command}", self.catalog)
        with self.engine.connect() as conn:
            if plan.collapse.weight is not None:
                probe = weight_check_select(sql.row_source(plan, self.dialect), plan.collapse,
                                            self.dialect)
                negative, noninteger = conn.execute(probe).one()
                weight_problems(plan.collapse, negative, noninteger, plan.text)
            result = conn.execute(sql.select_for(plan, self.dialect))
            keys = list(result.keys())
            return plan, [dict(zip(keys, r)) for r in result.fetchall()]


@pytest.fixture
def edge(any_db):
    table = Table(any_db, "edge", edge_rows(), columns())
    yield table
    table.engine.dispose()


def close(a, b, rel=1e-9):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return False
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


def check(got, expected, by, targets):
    assert [r[by] for r in got] == [r[by] for r in expected], "groups or their order differ"
    for g, e in zip(got, expected):
        for t in targets:
            assert close(g[t], e[t]), f"{t} in group {e[by]}: got {g[t]}, expected {e[t]}"


STATS = {
    "aweight": ["mean", "sum", "rawsum", "count", "percent", "sd", "semean", "p50", "p25", "p90",
                "iqr", "min", "max"],
    "fweight": ["mean", "sum", "rawsum", "count", "percent", "sd", "semean", "sebinomial",
                "sepoisson", "p50", "p25", "p90", "iqr", "min", "max"],
    "iweight": ["mean", "sum", "rawsum", "count", "percent", "sd", "p50", "p75", "iqr"],
    "pweight": ["mean", "sum", "rawsum", "count", "percent", "p50", "p10", "iqr", "max"],
}
SOURCE = {"sebinomial": "b", "sepoisson": "c"}


@pytest.mark.parametrize("kind, typed", [("aweight", "aw"), ("fweight", "fweight"),
                                         ("iweight", "iw"), ("pweight", "pw")])
def test_every_statistic_under_every_weight_type(edge, kind, typed):
    stats = STATS[kind]
    items = [(s, f"{s}_x", SOURCE.get(s, "x")) for s in stats]
    clist = " ".join(f"({s}) {t}={src}" for s, t, src in items)
    weight = "fw" if kind == "fweight" else "w"
    plan, got = edge.load(f"[{typed}={weight}], collapse({clist}) by(g)")
    assert plan.collapse.weight.kind == kind
    expected = reference(edge_rows(), items, "g", weight, kind)
    assert [r["g"] for r in got] == [1, 2, 3, 4, 6, None]  # group 5 has no usable weight
    check(got, expected, "g", [t for _, t, _ in items])


def test_default_weight_is_aweight_and_clause_may_follow_if(edge):
    plan, got = edge.load("if id > 2 [weight=w], collapse((sum) x (count) n=x) by(g)")
    assert plan.collapse.weight.kind == "aweight"
    rows = [r for r in edge_rows() if r["id"] > 2]
    check(got, reference(rows, [("sum", "x", "x"), ("count", "n", "x")], "g", "w", "aweight"),
          "g", ["x", "n"])


def test_known_values_by_hand(edge):
    """Group 1 (x, w): (1,2) (3,1) (2.5,4) (10,3) (-4,1); group 6 has
    cumulative normalised weights 1,2,4,5,6,8 (n = 6, sum w = 8) so p50
    (g = 3) falls inside the third row and p25 (g = 1.5) too."""
    _, got = edge.load("[fw=fw], collapse((mean) m=x (sum) s=x (count) n=x (p50) p=x "
                       "(rawsum) r=x) by(g)")
    one = got[0]
    assert one["m"] == pytest.approx((2 + 3 + 10 + 30 - 4) / 11)
    assert one["s"] == 41.0 and one["n"] == 11.0 and one["r"] == 12.5
    # sorted: -4(1) 1(2) 2.5(4) 3(1) 10(3): W=11, g=5.5; cum 1,3,7 -> 2.5
    assert one["p"] == 2.5
    _, got = edge.load("[aw=w], collapse((sum) s=x (count) n=x) by(g)")
    # aweights: sum = n * weighted mean = 5 * 41/11; count = nonmissing obs
    assert got[0]["s"] == pytest.approx(5 * 41 / 11) and got[0]["n"] == 5
    # group 2: the zero-weight 5.0 and the missing-weight 7.0 are left out
    assert got[1]["n"] == 3 and got[1]["s"] == pytest.approx(3 * (3 + 4 + 18) / 5)


def test_cumulative_weight_exactly_at_g_averages(edge):
    # group 6 sorted (x,w): (1,1) (2,1) (2,2) (3,1) (4,1) (4,2); n=6, W=8;
    # normalised cum: .75 1.5 3 3.75 4.5 6; p50: g=3 equals cum of row 3 ->
    # (x3 + x4)/2 = 2.5; p25: g=1.5 equals row 2 -> (2 + 2)/2 = 2
    _, got = edge.load("if g == 6 [aw=w], collapse((p50) a=x (p25) b=x)")
    assert (got[0]["a"], got[0]["b"]) == (2.5, 2.0)


def test_count_under_frequency_weights_is_double_and_labelled(edge):
    plan, _ = edge.load("[fw=fw], collapse((count) n=x (mean) x) by(g)")
    out = {o.name: o for o in plan.outputs}
    assert out["n"].stata_type == "double" and out["n"].label == "(count) x"
    plan, _ = edge.load("[aw=w], collapse((count) n=x) by(g)")
    assert {o.name: o for o in plan.outputs}["n"].stata_type == "long"


# --- the data checks: negative and noninteger weights -------------------------------------------


@pytest.fixture
def bad(any_db):
    rows = [dict(id=1, g=1, x=1.0, b=0.0, c=1.0, w=-1.0, fw=2),
            dict(id=2, g=1, x=2.0, b=1.0, c=1.0, w=1.5, fw=1),
            dict(id=3, g=2, x=3.0, b=1.0, c=1.0, w=2.0, fw=3)]
    table = Table(any_db, "bad", rows, columns())
    yield table
    table.engine.dispose()


def test_negative_aweights_and_fweights_are_r402(bad):
    for typed in ("aw", "fw"):
        with pytest.raises(errors.LeostataError) as info:
            bad.load(f"[{typed}=w], collapse((mean) x) by(g)")
        assert info.value.message == "negative weights encountered"
        assert info.value.rc == 402
    # outside the sample: no error
    _, got = bad.load("if id > 1 [aw=w], collapse((mean) x) by(g)")
    assert [r["x"] for r in got] == [2.0, 3.0]


def test_noninteger_fweights_are_r401(bad):
    with pytest.raises(errors.LeostataError) as info:
        bad.load("if id > 1 [fw=w], collapse((sum) x)")
    assert info.value.message == "may not use noninteger frequency weights"
    assert info.value.rc == 401


def test_the_delivery_path_checks_weights_before_loading(bad, any_db):
    """commands.load (what Stata, the CLI and the API run) counts the bad
    weights on the server first: r(402)/r(401) and the writer never called;
    ``leostata sql`` shows that check."""
    from leostata import commands
    from leostata.session import open_session
    from leostata.sql import sql_text

    session = open_session(any_db.url)
    called = []
    try:
        for command, rc in ((f"{bad.name} [aw=w], collapse((mean) x) by(g)", 402),
                            (f"{bad.name} if id > 1 [fw=w], collapse((sum) x)", 401)):
            with pytest.raises(errors.LeostataError) as info:
                commands.load(command, session, lambda job: called.append(job),
                              show=lambda _t: None, say=lambda _t: None)
            assert info.value.rc == rc
        assert called == []
        shown = sql_text(f"{bad.name} [aw=w], collapse((mean) x) by(g)", session.catalog)
        assert "-- checked first: negative and noninteger weights" in shown
    finally:
        session.close()


def test_negative_iweights_compute_means_but_refuse_percentiles(bad):
    _, got = bad.load("[iw=w], collapse((mean) x (sum) s=x (count) n=x) by(g)")
    assert got[0]["x"] == pytest.approx((-1 + 3) / 0.5) and got[0]["n"] == 0.5
    with pytest.raises(errors.Untranslatable, match="negative iweights"):
        bad.load("[iw=w], collapse((p50) x) by(g)")
    with pytest.raises(errors.Untranslatable, match="negative pweights"):
        bad.load("[pw=w], collapse((mean) x) by(g)")


# --- refusals in plan -------------------------------------------------------------------------------


@pytest.mark.parametrize("command, message", [
    ("[pw=w], collapse((sd) x)", "sd not allowed with pweights"),
    ("[pw=w], collapse((sem) x)", "semean not allowed with pweights"),
    ("[iw=w], collapse((semean) x)", "semean not allowed with iweights"),
    ("[aw=w], collapse((sebinomial) x)", "sebinomial not allowed with aweights"),
    ("[iw=w], collapse((sepoisson) x)", "sepoisson not allowed with iweights"),
    ("[pw=w], collapse((seb) x)", "sebinomial not allowed with pweights"),
])
def test_statistics_collapse_refuses_under_a_weight_type(edge, command, message):
    with pytest.raises(errors.LeostataError) as info:
        edge.load(command)
    assert info.value.message == message
    assert info.value.rc == (135 if 135 in errors.RETURN_CODES else 198)


def test_weight_without_collapse_is_r101(edge):
    with pytest.raises(errors.LeostataError) as info:
        plan_load("edge x [aw=w]", edge.catalog)
    assert info.value.message == "weights not allowed"
    assert info.value.rc == (101 if 101 in errors.RETURN_CODES else 198)


def test_weight_expression_and_string_weight_are_refused(edge):
    with pytest.raises(errors.Untranslatable, match="the weight must be one variable"):
        plan_load("edge [aw=w*2], collapse((mean) x)", edge.catalog)
    with pytest.raises(errors.NotFound):
        plan_load("edge [aw=nosuch], collapse((mean) x)", edge.catalog)


def test_sdc_with_weights_is_refused(edge):
    with pytest.raises(errors.Untranslatable, match="sdc may not be combined with weights"):
        plan_load("edge [fw=fw], collapse((mean) x) by(g) sdc", edge.catalog)


# --- Stata's auto.dta ----------------------------------------------------------------------------


def test_auto_dta_weighted(any_db):
    import pandas as pd
    auto = pd.read_stata(require_shared(AUTO), convert_categoricals=False)
    rows = [dict(price=int(p), mpg=int(m), weight=int(w), foreign=int(f),
                 rep78=None if pd.isna(r) else int(r), one=1)
            for p, m, w, f, r in auto[["price", "mpg", "weight", "foreign", "rep78"]]
            .itertuples(index=False)]
    cols = [sa.Column("price", sa.Integer), sa.Column("mpg", sa.Integer),
            sa.Column("weight", sa.Integer), sa.Column("foreign", sa.SmallInteger),
            sa.Column("rep78", sa.SmallInteger), sa.Column("one", sa.Integer)]
    table = Table(any_db, "auto", rows, cols)
    try:
        items = [("mean", "price", "price"), ("mean", "mpg", "mpg")]
        _, got = table.load("[aw=weight], collapse((mean) price mpg) by(foreign)")
        check(got, reference(rows, items, "foreign", "weight", "aweight"), "foreign",
              ["price", "mpg"])
        items = [("sum", "price", "price"), ("count", "n", "price"), ("p50", "med", "mpg"),
                 ("sd", "sd", "mpg")]
        _, got = table.load("[fw=rep78], collapse((sum) price (count) n=price (p50) med=mpg "
                            "(sd) sd=mpg) by(foreign)")
        check(got, reference(rows, items, "foreign", "rep78", "fweight"), "foreign",
              ["price", "n", "med", "sd"])
        # rep78 is missing for 5 cars: they are left out; count = sum of rep78
        assert [r["n"] for r in got] == [sum(r["rep78"] or 0 for r in rows if r["foreign"] == f)
                                         for f in (0, 1)]
        # a weight of one reproduces Stata's published unweighted results
        # (summarize/tabstat by foreign in Stata's manuals)
        _, got = table.load("[fw=one], collapse((mean) price (p50) mpg (sd) weight) by(foreign)")
        dom, fgn = got
        assert round(dom["price"], 3) == 6072.423 and round(fgn["price"], 3) == 6384.682
        assert dom["mpg"] == 19 and fgn["mpg"] == 24.5
        assert round(dom["weight"], 4) == 695.3637 and round(fgn["weight"], 4) == 433.0035
    finally:
        table.engine.dispose()


# --- golden T-SQL (SQL Server 2016, compiled offline) ---------------------------------------------

GOLDEN_CASES = {
    "aweight": ("aweight", "(mean) Earnings (sum) s=Earnings (count) n=Earnings (sd) sd=Earnings "
                "(semean) se=Earnings (p50) med=Earnings (iqr) q=Earnings (rawsum) r=Earnings"),
    "fweight": ("fweight", "(mean) Earnings (sum) s=Earnings (count) n=Earnings "
                "(sebinomial) b=Flag (sepoisson) c=Hours (p25) lq=Earnings (percent) pc=Earnings"),
    "iweight": ("iweight", "(mean) Earnings (sum) s=Earnings (count) n=Earnings (sd) sd=Earnings"),
    "pweight": ("pweight", "(mean) Earnings (sum) s=Earnings (count) n=Earnings (p90) p=Earnings "
                "(max) mx=Earnings"),
}


def _golden():
    from tests.golden_files import Goldens
    return Goldens("aggregate_weights",
                   {f"{c}.mssql.sql" for c in [*GOLDEN_CASES, "weight_check"]})


GOLDENS = _golden()


def _tsql(stmt) -> str:
    text = str(stmt.compile(dialect=sql.offline_dialect("mssql"),
                            compile_kwargs={"literal_binds": True}))
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def _golden_spec(kind: str, clist: str):
    from leostata.catalog import ColumnInfo, TableInfo, normalize_type
    from leostata.expr.command import parse_clist
    from leostata.plan.collapse import build_spec
    cols = [("EDUKEY", "varchar(14)"), ("TaxYear", "int"), ("Earnings", "int"), ("Sex", "varchar(1)"),
            ("Flag", "bit"), ("Hours", "smallint"), ("Weight", "float"), ("Persons", "int")]
    info = TableInfo("leo_earnings", columns=[ColumnInfo(n, normalize_type(t), position=i)
                                              for i, (n, t) in enumerate(cols)])
    table = sa.Table("leo_earnings", sa.MetaData(), *(sa.Column(n) for n, _ in cols))
    by = [info.column("TaxYear"), info.column("Sex")]
    weight = (kind, "Persons" if kind == "fweight" else "Weight")
    return build_spec(parse_clist(clist), by, table=info, weight=weight), sa.select(table)


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_tsql_per_weight_type(case):
    from leostata.translate.aggregate import collapse_select
    spec, source = _golden_spec(*GOLDEN_CASES[case])
    text = _tsql(collapse_select(source, spec, "mssql"))
    # the sample: no missing or zero weight
    w = "src.[Persons]" if case == "fweight" else "src.[Weight]"
    assert (f"WHERE CAST({w} AS DOUBLE PRECISION) IS NOT NULL AND CAST({w} AS DOUBLE PRECISION) "
            "!= CAST(0 AS DOUBLE PRECISION)") in text
    assert "PERCENTILE" not in text.upper() and "STDEV" not in text.upper()
    assert "+ 0.0" not in text and "count(" not in text
    if any(i.percentile or i.stat == "iqr" for i in spec.items):
        assert "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW" in text and "lag(" in text
        assert "> CAST(1e-06 AS DOUBLE PRECISION)" in text
    if any(i.stat in ("sd", "semean") for i in spec.items):
        assert ">= CAST(0 AS DOUBLE PRECISION)) THEN sqrt(" in text
    GOLDENS.check(f"{case}.mssql.sql", text, f"T-SQL for {case}")


def test_golden_tsql_weight_check():
    spec, source = _golden_spec("fweight", "(mean) Earnings")
    text = _tsql(weight_check_select(source, spec, "mssql"))
    assert "floor(" in text and "AS negative" in text and "AS noninteger" in text
    GOLDENS.check("weight_check.mssql.sql", text, "T-SQL for the weight check")


def test_unweighted_sql_does_not_mention_a_weight():
    from leostata.translate.aggregate import collapse_select
    spec, source = _golden_spec("aweight", "(mean) Earnings")
    spec.weight = None
    spec.items = [type(i)(i.stat, i.target, i.source, i.source_name, i.stat_word, i.pos)
                  for i in spec.items]
    assert "_w" not in _tsql(collapse_select(source, spec, "mssql"))
