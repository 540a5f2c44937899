"""leoload's merge() on real engines (DuckDB, SQLite, PostgreSQL over ODBC),
each result compared with a reference written with pandas merges under
Stata's rules (missing keys match each other, "" and NULL are one string
missing, a variable on both sides keeps the master's values except in
using-only rows); the cardinality checks (r(459)) and every refusal with its
message and rc; the same on the synthetic LEO tables."""

from __future__ import annotations

import datetime as dt
import math

import tempfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table

from leostata import commands
from leostata.errors import LeostataError
from leostata.session import open_session
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter

# --- hostile tables ---------------------------------------------------------------------

D = dt.date(2020, 1, 1)
#: events: not unique on k or s; NULL and "" keys, a trailing blank, case,
#: orphan keys (5, "b"); ``v`` also in persons (a name clash)
EVENTS = [
    dict(id=1, k=1, s="a", v=10, a=1.5, d=D),
    dict(id=2, k=1, s="a", v=11, a=None, d=None),
    dict(id=3, k=2, s="A", v=12, a=2.0, d=D),
    dict(id=4, k=None, s="", v=13, a=4.0, d=D),
    dict(id=5, k=None, s=None, v=None, a=8.0, d=D),
    dict(id=6, k=5, s="b", v=15, a=16.0, d=None),
    dict(id=7, k=3, s="a ", v=16, a=-1.0, d=D),
    dict(id=8, k=2, s="A", v=17, a=0.5, d=D),
]
#: persons: unique on k, on s (NULL is its only string missing), on pk;
#: orphans 7 and "z"
PERSONS = [
    dict(k=1, pk=1, s="a", v=100, label="one", b=0.25),
    dict(k=2, pk=2, s="A", v=200, label="two", b=None),
    dict(k=3, pk=3, s="a ", v=300, label="", b=3.0),
    dict(k=None, pk=None, s=None, v=400, label="none", b=4.0),
    dict(k=7, pk=7, s="z", v=700, label=None, b=7.0),
]
#: extra: unique on k; shares no variable with persons but the key
EXTRA = [dict(k=2, w=2.5), dict(k=3, w=None), dict(k=None, w=9.0), dict(k=8, w=8.0)]


@pytest.fixture
def session(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    md = MetaData()
    tables = {
        "events": Table("events", md, Column("id", Integer), Column("k", Integer),
                        Column("s", String(5)), Column("v", Integer), Column("a", Float),
                        Column("d", Date)),
        "persons": Table("persons", md, Column("k", Integer), Column("pk", Integer),
                         Column("s", String(5)), Column("v", Integer), Column("label", String(8)),
                         Column("b", Float)),
        "extra": Table("extra", md, Column("k", Integer), Column("w", Float)),
    }
    md.create_all(writer)
    with writer.begin() as conn:
        for name, rows in (("events", EVENTS), ("persons", PERSONS), ("extra", EXTRA)):
            conn.execute(tables[name].insert(), rows)
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


def load(session, command) -> MemoryWriter:
    job = commands.prepare_load(command, session)
    writer = MemoryWriter()
    stream(job.statement, session.engine, job.plan.outputs, writer, meta=job.meta())
    return writer


# --- the reference: pandas under Stata's merge rules ------------------------------------

NUMERIC = {"id", "k", "pk", "v", "a", "b", "w", "d", "_merge", "m1", "how"}


def stata_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as Stata holds them: numbers as floats with NaN missing (dates as
    %td days), strings with "" missing."""
    out = {}
    for col in rows[0]:
        values = [r[col] for r in rows]
        if col == "d":
            values = [None if x is None else (x - dt.date(1960, 1, 1)).days for x in values]
        if col in NUMERIC:
            out[col] = pd.Series([np.nan if x is None else float(x) for x in values], dtype=float)
        else:
            out[col] = pd.Series(["" if x is None else x for x in values], dtype=object)
    return pd.DataFrame(out)


def stata_merge(master, using: list[dict], keys, *, keepusing=None,
                keep=(1, 2, 3), generate="_merge") -> pd.DataFrame:
    """Stata's merge of two datasets (keys: master names, or (master, using)
    pairs); ``master`` is rows or an earlier stata_merge's result (a second
    merge in a row); ``validate`` is left to the engine tests' own checks."""
    m = master if isinstance(master, pd.DataFrame) else stata_frame(master)
    u = stata_frame(using)
    pairs = [(k, k) if isinstance(k, str) else k for k in keys]
    mkeys = [a for a, _ in pairs]
    # the using's key, and a using variable named like a master key (the key wins), go
    ukeep = [c for c in (keepusing or list(u.columns))
             if c not in [b for _, b in pairs] and c not in mkeys]
    u = u[[b for _, b in pairs] + ukeep].rename(columns={b: a for a, b in pairs})
    shared = [c for c in ukeep if c in m.columns and c not in mkeys]
    merged = m.merge(u, on=mkeys, how="outer", suffixes=("", "__using"), indicator="__how")
    using_only = merged["__how"] == "right_only"
    for c in shared:
        merged[c] = merged[c].where(~using_only, merged[c + "__using"])
        merged = merged.drop(columns=c + "__using")
    code = merged["__how"].map({"left_only": 1, "right_only": 2, "both": 3}).astype(int)
    merged = merged[code.isin(keep)].drop(columns="__how")
    order = list(m.columns) + [c for c in ukeep if c not in m.columns]
    merged = merged[order]
    strings = [c for c in order if c not in NUMERIC]
    merged[strings] = merged[strings].fillna("")  # a missing string is ""
    if generate:
        merged[generate] = code[code.isin(keep)].astype(float)
    return merged.reset_index(drop=True)


def rows_of(data: dict, columns) -> list[tuple]:
    def norm(x):
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return None
        if isinstance(x, (int, float, np.integer, np.floating)):
            return float(x)
        return x
    return [tuple(norm(data[c][i]) for c in columns) for i in range(len(data[columns[0]]))]


def sort_key(row):
    return tuple((x is None, "" if x is None else str(type(x)), x if x is not None else 0)
                 for x in row)


def assert_same(got: MemoryWriter, expected: pd.DataFrame):
    columns = list(expected.columns)
    assert list(got.data) == columns
    want = rows_of({c: list(expected[c]) for c in columns}, columns)
    have = rows_of(got.data, columns)
    assert sorted(have, key=sort_key) == sorted(want, key=sort_key)


# --- every cardinality and keep() against the reference ---------------------------------

CASES = [
    ("events, merge(m:1 k using persons)", EVENTS, PERSONS, ["k"], {}),
    ("events, merge(m:1 s using persons, keepusing(label v))", EVENTS, PERSONS, ["s"],
     dict(keepusing=["label", "v"])),
    ("events, merge(m:1 k using persons, keep(match))", EVENTS, PERSONS, ["k"], dict(keep=(3,))),
    ("events, merge(m:1 k using persons, keep(master match) generate(how))", EVENTS, PERSONS,
     ["k"], dict(keep=(1, 3), generate="how")),
    ("events, merge(m:1 k using persons, keep(mas))", EVENTS, PERSONS, ["k"], dict(keep=(1,))),
    ("events, merge(m:1 k using persons, keep(using) nogenerate)", EVENTS, PERSONS, ["k"],
     dict(keep=(2,), generate=None)),
    ("events, merge(m:1 k using persons, keep(2 3))", EVENTS, PERSONS, ["k"], dict(keep=(2, 3))),
    ("events, merge(m:1 k=pk using persons, keepusing(label b k))", EVENTS, PERSONS,
     [("k", "pk")], dict(keepusing=["label", "b", "k"])),
    ("events, merge(m:1 k s using persons)", EVENTS, PERSONS, ["k", "s"], {}),
    ("persons, merge(1:m k using events)", PERSONS, EVENTS, ["k"], {}),
    ("persons, merge(1:m s using events, keepusing(id a d) keep(match using))", PERSONS, EVENTS,
     ["s"], dict(keepusing=["id", "a", "d"], keep=(2, 3))),
    ("persons, merge(1:1 k using extra)", PERSONS, EXTRA, ["k"], {}),
    ("extra, merge(1:1 k using persons, keepusing(label) keep(master))", EXTRA, PERSONS, ["k"],
     dict(keepusing=["label"], keep=(1,))),
    # using T if exp: the using data are T's rows where exp holds (missing b fails b < 5)
    ("events, merge(m:1 k using persons if b < 5)", EVENTS,
     [p for p in PERSONS if p["b"] is not None and p["b"] < 5], ["k"], {}),
    # ... where missing a passes a > 1, as in Stata
    ("persons, merge(1:m k using events if a > 1, keepusing(id a))", PERSONS,
     [e for e in EVENTS if e["a"] is None or e["a"] > 1], ["k"], dict(keepusing=["id", "a"])),
    # the condition makes the using unique on k: the declared m:1 is checked on those rows
    ("events, merge(m:1 k using events if id == 1 | id == 3, keepusing(d))", EVENTS,
     [e for e in EVENTS if e["id"] in (1, 3)], ["k"], dict(keepusing=["d"])),
]


@pytest.mark.parametrize("command, master, using, keys, options", CASES,
                         ids=[c[0] for c in CASES])
def test_merge_matches_stata_merge(session, command, master, using, keys, options):
    assert_same(load(session, command), stata_merge(master, using, keys, **options))


TWO_MERGES = [
    ("events, merge(m:1 k using persons, generate(m1)) merge(m:1 k using extra)",
     lambda: stata_merge(stata_merge(EVENTS, PERSONS, ["k"], generate="m1"), EXTRA, ["k"])),
    # the second key comes from the first using table
    ("events, merge(m:1 k using persons, keep(master match) nogenerate) "
     "merge(m:1 pk=k using extra, keep(match using))",
     lambda: stata_merge(stata_merge(EVENTS, PERSONS, ["k"], keep=(1, 3), generate=None),
                         EXTRA, [("pk", "k")], keep=(2, 3))),
    # a master declared unique is the data merged so far (unique on k here)
    ("extra, merge(1:1 k using persons, generate(m1)) merge(1:m k using events, keepusing(id a))",
     lambda: stata_merge(stata_merge(EXTRA, PERSONS, ["k"], generate="m1"), EVENTS, ["k"],
                         keepusing=["id", "a"])),
]


@pytest.mark.parametrize("command, expected", TWO_MERGES, ids=[c[0] for c in TWO_MERGES])
def test_two_merges_match_two_stata_merges_in_a_row(session, command, expected):
    assert_same(load(session, command), expected())


# --- cohort(): semi-joins against the same reference -------------------------------------

def in_cohort(loaded: pd.DataFrame, cohort: pd.DataFrame, pairs) -> pd.Series:
    """Which loaded rows ``merge m:1 keys using <cohort keys, deduplicated>,
    keep(match)`` keeps: missing matches missing, strings exactly."""
    def norm(x):
        return None if isinstance(x, float) and math.isnan(x) else x
    keys = {tuple(norm(r[c]) for _, c in pairs) for _, r in cohort.iterrows()}
    return loaded.apply(lambda r: tuple(norm(r[a]) for a, _ in pairs) in keys, axis=1)


BIG = float("inf")  # Stata's missing is larger than any number
COHORTS = [
    ("events, cohort(k using persons if b < 5)", lambda: stata_frame(EVENTS),
     [(PERSONS, [("k", "k")], lambda p: p["b"].fillna(BIG) < 5)]),
    ("events, cohort(s using persons)", lambda: stata_frame(EVENTS),
     [(PERSONS, [("s", "s")], None)]),
    # persons k=2 appears in two events rows: still one row
    ("persons, cohort(k using events if v > 12)", lambda: stata_frame(PERSONS),
     [(EVENTS, [("k", "k")], lambda e: e["v"].fillna(BIG) > 12)]),
    ("events, cohort(k=pk using persons if label != \"\")", lambda: stata_frame(EVENTS),
     [(PERSONS, [("k", "pk")], lambda p: p["label"] != "")]),
    ("events, cohort(k using persons) cohort(k using extra if w >= .)",
     lambda: stata_frame(EVENTS),
     [(PERSONS, [("k", "k")], None), (EXTRA, [("k", "k")], lambda x: x["w"].isna())]),
    ("events, merge(m:1 k using persons, keep(match) nogenerate) cohort(pk=k using extra)",
     lambda: stata_merge(EVENTS, PERSONS, ["k"], keep=(3,), generate=None),
     [(EXTRA, [("pk", "k")], None)]),
]


@pytest.mark.parametrize("command, loaded, cohorts", COHORTS, ids=[c[0] for c in COHORTS])
def test_cohort_keeps_the_rows_a_stata_merge_keep_match_keeps(session, command, loaded, cohorts):
    expected = loaded()
    for rows, pairs, condition in cohorts:
        table = stata_frame(rows)
        if condition is not None:
            table = table[condition(table)]
        expected = expected[in_cohort(expected, table, pairs)]
    assert_same(load(session, command), expected.reset_index(drop=True))


def test_cohort_feeds_collapse_and_count(session):
    cohort = stata_frame(EXTRA)
    kept = stata_frame(EVENTS)
    kept = kept[in_cohort(kept, cohort, [("k", "k")])]
    got = load(session, "events, cohort(k using extra) collapse((sum) a (count) n=a) by(s)")
    groups = kept.groupby("s", sort=True)
    assert got.data["s"] == list(groups.groups)
    assert got.data["a"] == pytest.approx(list(groups["a"].sum()))
    assert got.data["n"] == list(groups["a"].count())
    job = commands.prepare_load("events, cohort(k using extra) count", session)
    assert commands.count(job, session) == len(kept)
    assert "EXISTS" in job.sql and "JOIN" not in job.sql


def test_missing_keys_match_each_other_and_strings_match_exactly(session):
    got = load(session, "events id label _merge, merge(m:1 s using persons, keepusing(label))")
    by_id = {i: (lab, m) for i, lab, m in zip(got.data["id"], got.data["label"],
                                               got.data["_merge"])}
    assert by_id[4] == ("none", 3)   # "" matches NULL
    assert by_id[5] == ("none", 3)   # NULL matches NULL
    assert by_id[3] == ("two", 3)    # "A" matches "A" only, not "a"
    assert by_id[7] == ("", 3)       # "a " matches "a " only (its label is "")
    assert by_id[6] == ("", 1)       # orphan master key
    using_only = [(s, m) for s, m in zip(got.data["label"], got.data["_merge"]) if m == 2]
    assert using_only == [("", 2)]   # persons "z" (label NULL) only: "a", "A", "a ", NULL matched


def test_a_variable_on_both_sides_keeps_the_masters_values(session):
    got = load(session, "events id v label _merge, merge(m:1 k using persons) sort(id)")
    matched = {i: v for i, v, m in zip(got.data["id"], got.data["v"], got.data["_merge"]) if m == 3}
    assert matched == {1: 10, 2: 11, 3: 12, 4: 13, 5: None, 7: 16, 8: 17}
    using_only = [(v, lab) for v, lab, m in zip(got.data["v"], got.data["label"], got.data["_merge"])
                  if m == 2]
    assert using_only == [(700, "")]  # the using's value where the master has no row


def test_joined_variables_in_if_sort_and_collapse(session):
    expected = stata_merge(EVENTS, PERSONS, ["k"])
    got = load(session, 'events id label b if label != "" & b < 3, merge(m:1 k using persons) '
                        'sort(label id)')
    want = expected[(expected["label"] != "") & (expected["b"] < 3)].sort_values(["label", "id"])
    assert got.data["id"] == [None if math.isnan(x) else int(x) for x in want["id"]]
    assert got.data["label"] == list(want["label"])

    got = load(session, "events if _merge != 2, merge(m:1 k using persons) "
                        "collapse((sum) a (count) n=a (mean) v) by(label)")
    kept = expected[expected["_merge"] != 2]
    groups = kept.groupby("label", sort=True)
    assert got.data["label"] == list(groups.groups)
    assert got.data["a"] == pytest.approx(list(groups["a"].sum()))
    assert got.data["n"] == list(groups["a"].count())
    assert got.data["v"] == pytest.approx(list(groups["v"].mean()))


def test_each_indicator_is_a_byte_with_merges_value_label(session):
    got = load(session, "events id m1 _merge, merge(m:1 k using persons, generate(m1)) "
                        "merge(m:1 k using extra)")
    types = {c.name: c.stata_type for c in got.columns}
    assert types["m1"] == types["_merge"] == "byte"
    assert got.variable_value_labels == {"m1": "_merge", "_merge": "_merge"}
    assert got.value_labels["_merge"][1] == "Master only (1)"
    assert got.value_labels["_merge"][2] == "Using only (2)"
    assert got.value_labels["_merge"][3] == "Matched (3)"


def test_a_by_variable_keeps_its_value_label_through_collapse(session):
    got = load(session, "events, merge(m:1 k using persons) collapse((count) n=id) by(_merge)")
    assert got.data["_merge"] == [1, 2, 3]
    assert got.variable_value_labels == {"_merge": "_merge"}
    assert got.value_labels["_merge"][3] == "Matched (3)"


def test_default_order_is_the_key_then_the_master_key(session):
    got = load(session, "events k id, merge(m:1 k using persons, keep(master match))")
    ks = [float("inf") if k is None else k for k in got.data["k"]]
    assert ks == sorted(ks)  # missing last, as Stata sorts


def test_count_and_the_printed_sql(session):
    job = commands.prepare_load("events, merge(m:1 k using persons, keep(match)) count", session)
    assert commands.count(job, session) == 7
    assert "JOIN" in job.sql and "leo_merged" in job.sql


# --- cardinality on the server, refusals --------------------------------------------------

ERRORS = [
    ("events, merge(m:1 k using events)", 459,
     "variable k does not uniquely identify observations in the using data"),
    ("events, merge(1:m s using persons)", 459,
     "variable s does not uniquely identify observations in the master data"),
    ("events, merge(1:1 k s using persons)", 459,
     "variables k s do not uniquely identify observations in the master data"),
    ("persons, merge(m:1 s using events)", 459,
     "variable s does not uniquely identify observations in the using data"),
    ("events, merge(m:m k using persons)", 198, "merge m:m not allowed"),
    ("events in 1/3, merge(m:1 k using persons)", 198, "in may not be combined with merge()"),
    ("events, merge(m:1 k using persons) merge(m:1 k using extra)", 110,
     "variable _merge already defined"),
    ("events, merge(m:1 k using persons, generate(m1)) merge(1:1 k using extra)", 459,
     "variable k does not uniquely identify observations in the master data"),
    ("events, merge(m:1 k using events if id <= 3)", 459,
     "variable k does not uniquely identify observations in the using data"),
    ("events, merge(m:1 k using persons if label)", 109, "type mismatch"),
    ("events, merge(m:1 k using persons if)", 198, "invalid syntax"),
    ("events, merge(m:1 k using persons if id == 1)", 111, "variable id not found"),
    ("events, cohort(k persons)", 198, "using required"),
    ("events, cohort(using persons)", 198, "varlist required"),
    ("events, cohort(k using persons extra)", 198, "one using table required"),
    ("events, cohort(k using nosuch)", 111, "table nosuch not found"),
    ("events, cohort(id using persons)", 111, "variable id not found in persons"),
    ("events, cohort(s=k using persons)", 106,
     "key variable s is string in the loaded data but numeric in persons"),
    ("events, cohort(k using persons if label)", 109, "type mismatch"),
    ("events, cohort(k using persons if nosuch == 1)", 111, "variable nosuch not found"),
    ("events, cohort(k using persons if)", 198, "invalid syntax"),
    ("events, cohort()", 198, "option cohort() required"),
    ("events, merge(m:1 s=k using persons)", 106,
     "key variable s is string in master but numeric in using data"),
    ("events, merge(m:1 k using nosuch)", 111, "table nosuch not found"),
    ("events, merge(m:1 id using persons)", 111, "variable id not found in using data"),
    ("events, merge(m:1 nosuch using persons)", 111, "variable nosuch not found"),
    ("events, merge(m:1 k using persons, keepusing(nosuch))", 111, "variable nosuch not found"),
    ("events, merge(m:1 k using persons, keep(4))", 198, "keep(4) not allowed"),
    ("events, merge(m:1 k using persons, keep(all))", 198, "keep(): all invalid"),
    ("events, merge(m:1 k using persons, update)", 198, "merge(): option update not allowed"),
    ("events, merge(m:1 k using persons, generate(id))", 110, "variable id already defined"),
    ("events, merge(m:1 k using persons, generate(g) nogenerate)", 198, "may not be combined"),
    ("events, merge(2:1 k using persons)", 198, "merge type must be 1:1, m:1 or 1:m"),
    ("events, merge(m:1 k persons)", 198, "using required"),
    ("events, merge(m:1 using persons)", 198, "varlist required"),
    ("events, merge(m:1 k using persons extra)", 198, "one using table required"),
    ("events, merge()", 198, "option merge() required"),
    ("events if nosuch == 1, merge(m:1 k using persons)", 111, "variable nosuch not found"),
]


@pytest.mark.parametrize("command, rc, message", ERRORS, ids=[e[0] for e in ERRORS])
def test_merge_errors(session, command, rc, message):
    with pytest.raises(LeostataError) as err:
        commands.prepare_load(command, session)
    assert err.value.rc == rc
    assert message in err.value.message


def test_the_cardinality_is_checked_before_anything_is_fetched(session):
    # sqlonly runs nothing, not even the check
    job = commands.prepare_load("events, merge(m:1 k using events) sqlonly", session)
    assert "leo_merged" in job.sql
    with pytest.raises(LeostataError) as err:
        commands.prepare_load("events, merge(m:1 k using events) count", session)
    assert err.value.rc == 459


# --- the synthetic LEO tables ---------------------------------------------------------------


@pytest.fixture
def synthetic(any_db, tmp_path, monkeypatch):
    from leostata import synth
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    synth.build(writer, persons=80, seed=3)
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


def table_rows(session, table: str, columns: list[str]) -> list[dict]:
    data = load(session, f"{table} {' '.join(columns)}").data
    return [{c: data[c][i] for c in columns} for i in range(len(data[columns[0]]))]


SYNTH_CASES = [
    ("leo_earnings", ["Edukey", "TaxYear", "Earnings"], "leo_geography",
     ["Edukey", "TaxYear", "GOR"], ["Edukey", "TaxYear"], "1:1", {}),
    ("learner_ae_id_to_pmr_lookup", ["AE_ID", "PUPILMATCHINGREFANONYMOUS"], "ks4_pupil",
     ["KS4_PupilMatchingRefAnonymous", "KS4_GENDER", "KS4_YEAROFBIRTH"],
     [("PUPILMATCHINGREFANONYMOUS", "KS4_PupilMatchingRefAnonymous")], "m:1", {}),
    ("hesa_student", ["HE_PUPILMATCHINGREFANONYMOUS", "year", "HE_XMODE01"], "ks4_pupil",
     ["KS4_PupilMatchingRefAnonymous", "KS4_GENDER"],
     [("HE_PUPILMATCHINGREFANONYMOUS", "KS4_PupilMatchingRefAnonymous")], "m:1",
     dict(keep=(1, 3))),
]


@pytest.mark.parametrize("master, mcols, using, ucols, keys, kind, options", SYNTH_CASES,
                         ids=[f"{c[0]} {c[5]} {c[2]}" for c in SYNTH_CASES])
def test_synthetic_tables_against_pandas(synthetic, master, mcols, using, ucols, keys, kind,
                                         options):
    global NUMERIC
    m_rows, u_rows = table_rows(synthetic, master, mcols), table_rows(synthetic, using, ucols)
    numeric = {c for rows in (m_rows, u_rows) for c in rows[0]
               if any(isinstance(r[c], (int, float)) for r in rows)}
    saved, NUMERIC = NUMERIC, numeric
    try:
        keepusing = [c for c in ucols if c not in [k[1] if not isinstance(k, str) else k
                                                   for k in keys]]
        expected = stata_merge(m_rows, u_rows, keys, keepusing=keepusing, **options)
    finally:
        NUMERIC = saved
    key_text = " ".join(k if isinstance(k, str) else f"{k[0]}={k[1]}" for k in keys)
    keep = options.get("keep")
    keep_text = f" keep({' '.join(str(x) for x in keep)})" if keep else ""
    got = load(synthetic, f"{master} {' '.join(mcols)} {' '.join(keepusing)} _merge, "
                          f"merge({kind} {key_text} using {using}, "
                          f"keepusing({' '.join(keepusing)}){keep_text})")
    assert_same(got, expected)
    assert len(got.data["_merge"]) > 0 and 3 in got.data["_merge"]


# --- link paths: merge() and cohort() through the LEO lookups ---------------------------------

def linked_pairs(session) -> dict:
    """Reference: EDUKEY -> the set of PMRs its AE_IDs reach (missing keys
    reach nothing), read from the two lookups and joined in Python."""
    ae_to_pmr: dict = {}
    for r in table_rows(session, "learner_ae_id_to_pmr_lookup",
                        ["AE_ID", "PUPILMATCHINGREFANONYMOUS"]):
        if r["AE_ID"] is not None and r["PUPILMATCHINGREFANONYMOUS"] not in (None, ""):
            ae_to_pmr.setdefault(r["AE_ID"], set()).add(r["PUPILMATCHINGREFANONYMOUS"])
    out: dict = {}
    for r in table_rows(session, "learner_ae_id_to_edukey_lookup", ["AE_ID", "EDUKEY"]):
        if r["EDUKEY"] not in (None, "") and r["AE_ID"] in ae_to_pmr:
            out.setdefault(r["EDUKEY"], set()).update(ae_to_pmr[r["AE_ID"]])
    return out


def reached_pmrs(session, keep_row=lambda r: True) -> set:
    rows = table_rows(session, "ks4_pupil", ["KS4_PupilMatchingRefAnonymous", "KS4_GENDER"])
    return {r["KS4_PupilMatchingRefAnonymous"] for r in rows if keep_row(r)}


def reach(session, keep_row=lambda r: True) -> dict:
    """EDUKEY -> the PMRs of ks4_pupil (rows where keep_row holds) it reaches."""
    targets = reached_pmrs(session, keep_row)
    return {k: v & targets for k, v in linked_pairs(session).items() if v & targets}


@pytest.mark.parametrize("rule", ["drop", "all"])
def test_cohort_through_a_link_keeps_the_rows_of_persons_reached(synthetic, rule):
    girls = reach(synthetic, lambda r: r["KS4_GENDER"] == "F")
    rows = table_rows(synthetic, "leo_earnings", ["Edukey", "TaxYear", "Earnings"])
    keep = {k for k, v in girls.items() if rule == "all" or len(v) == 1}
    expected = sorted((r["Edukey"], r["TaxYear"]) for r in rows if r["Edukey"] in keep)
    job = commands.prepare_load(f'leo_earnings Edukey TaxYear, cohort(using ks4_pupil if '
                                f'KS4_GENDER == "F", link({rule}))', synthetic)
    writer = MemoryWriter()
    stream(job.statement, synthetic.engine, job.plan.outputs, writer, meta=job.meta())
    assert sorted(zip(writer.data["Edukey"], writer.data["TaxYear"])) == expected
    assert len(expected) > 0
    persons = {r["Edukey"] for r in rows if r["Edukey"] not in (None, "")}
    counts = job.link
    assert (counts.persons, counts.matched, counts.multiple, counts.unmatched) == (
        len(persons), sum(1 for p in persons if len(girls.get(p, ())) == 1),
        sum(1 for p in persons if len(girls.get(p, ())) > 1),
        sum(1 for p in persons if p not in girls))
    assert "EXISTS" in job.sql and "learner_ae_id_to_pmr_lookup" in job.sql


@pytest.mark.parametrize("rule", ["drop", "all"])
@pytest.mark.parametrize("keep", ["master match", "match using"])
def test_merge_through_a_link_matches_each_row_to_the_keys_its_person_reaches(synthetic, rule,
                                                                             keep):
    reached = reach(synthetic)
    pupils = {r["KS4_PupilMatchingRefAnonymous"]: r["KS4_GENDER"] for r in table_rows(
        synthetic, "ks4_pupil", ["KS4_PupilMatchingRefAnonymous", "KS4_GENDER"])}
    rows = table_rows(synthetic, "leo_earnings", ["Edukey", "TaxYear"])
    expected = []
    for r in rows:
        keys = sorted(reached.get(r["Edukey"], ()))
        if rule == "drop" and len(keys) > 1:
            keys = []
        if not keys and "master" in keep:
            expected.append((r["Edukey"], r["TaxYear"], "", "", 1))
        for pmr in keys:
            expected.append((r["Edukey"], r["TaxYear"], pmr, pupils[pmr], 3))
    if "using" in keep:
        hit = {p for r in rows for p in reached.get(r["Edukey"], ())
               if rule == "all" or len(reached[r["Edukey"]]) == 1}
        expected += [("", None, p, g, 2) for p, g in pupils.items() if p not in hit]
    got = load(synthetic, "leo_earnings Edukey TaxYear KS4_PupilMatchingRefAnonymous KS4_GENDER "
                          f"_merge, merge(m:1 using ks4_pupil, link({rule}) keep({keep}) "
                          "keepusing(KS4_PupilMatchingRefAnonymous KS4_GENDER))")
    have = list(zip(got.data["Edukey"], got.data["TaxYear"],
                    got.data["KS4_PupilMatchingRefAnonymous"], got.data["KS4_GENDER"],
                    got.data["_merge"]))
    assert sorted(have, key=sort_key) == sorted(expected, key=sort_key)
    assert any(m == 3 for *_, m in have)


#: A hostile link: m.k -(look1)-> mid -(look2)-> u.k2.  "a" reaches x and y
#: (two keys), "b" x, "A" w (case counts), "c" nothing (its mid is NULL),
#: "" and NULL are missing (look1's "" row must not make "" a person), and
#: u's "v" is reached by nobody; look2's NULL mid leads nowhere.
LINK_GRAPH = """
[graph]
replace = yes
[keys]
K1 = varchar(5)
MID = int
K2 = varchar(5)
[table m]
k = K1
[table u]
k2 = K2
[lookup look1]
k = K1
mid = MID
[lookup look2]
mid = MID
k2 = K2
"""
M_ROWS = [dict(k="a", x=1), dict(k="a", x=2), dict(k="b", x=3), dict(k="c", x=4),
          dict(k="", x=5), dict(k=None, x=6), dict(k="A", x=7)]
LOOK1 = [dict(k="a", mid=1), dict(k="a", mid=2), dict(k="b", mid=3), dict(k="c", mid=None),
         dict(k="", mid=4), dict(k="A", mid=5), dict(k="b", mid=3)]
LOOK2 = [dict(mid=1, k2="x"), dict(mid=2, k2="y"), dict(mid=3, k2="x"), dict(mid=4, k2="z"),
         dict(mid=5, k2="w"), dict(mid=None, k2="q")]
U_ROWS = [dict(k2="x", v=10), dict(k2="y", v=20), dict(k2="w", v=30), dict(k2="v", v=40),
          dict(k2="z", v=50), dict(k2=None, v=60), dict(k2=None, v=70)]  # two missing keys:
# u is unique on k2 as a link sees it (missing matches nothing), not as a plain merge does
REACHED = {"a": ["x", "y"], "b": ["x"], "A": ["w"]}  # by hand from the rows above


@pytest.fixture
def linked(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    graph = tmp_path / "links.ini"
    graph.write_text(LINK_GRAPH, encoding="utf-8")
    monkeypatch.setenv("LEOSTATA_LINKS", str(graph))
    writer = any_db.writer()
    md = MetaData()
    tables = {"m": Table("m", md, Column("k", String(5)), Column("x", Integer)),
              "look1": Table("look1", md, Column("k", String(5)), Column("mid", Integer)),
              "look2": Table("look2", md, Column("mid", Integer), Column("k2", String(5))),
              "u": Table("u", md, Column("k2", String(5)), Column("v", Integer))}
    md.create_all(writer)
    with writer.begin() as conn:
        for name, rows in (("m", M_ROWS), ("look1", LOOK1), ("look2", LOOK2), ("u", U_ROWS)):
            conn.execute(tables[name].insert(), rows)
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


def linked_expected(rule: str, keep: tuple) -> list[tuple]:
    """The merge(m:1 using u, link(rule)) rows (k, x, k2, v, _merge) by the
    documented rule, from REACHED."""
    v_of = {r["k2"]: r["v"] for r in U_ROWS}
    out, hit = [], set()
    for r in M_ROWS:
        keys = REACHED.get(r["k"], [])
        if rule == "drop" and len(keys) > 1:
            keys = []
        hit.update(keys)
        if not keys and 1 in keep:
            out.append((r["k"] or "", r["x"], "", None, 1))
        if 3 in keep:
            out += [(r["k"] or "", r["x"], k2, v_of[k2], 3) for k2 in keys]
    if 2 in keep:
        out += [("", None, r["k2"] or "", r["v"], 2) for r in U_ROWS if r["k2"] not in hit]
    return out


@pytest.mark.parametrize("rule", ["drop", "all"])
@pytest.mark.parametrize("keep", [(1, 2, 3), (1, 3), (3,), (2,)])
def test_link_rules_on_a_hostile_link(linked, rule, keep):
    words = {1: "master", 2: "using", 3: "match"}
    got = load(linked, f"m k x k2 v _merge, merge(m:1 using u, link({rule}) "
                       f"keep({' '.join(words[c] for c in keep)}))")
    have = list(zip(got.data["k"], got.data["x"], got.data["k2"], got.data["v"],
                    got.data["_merge"]))
    assert sorted(have, key=sort_key) == sorted(linked_expected(rule, keep), key=sort_key)


def test_link_counts_and_refusal_on_a_hostile_link(linked):
    with pytest.raises(LeostataError) as err:  # the plain merge: the two missing keys clash
        commands.prepare_load("m, merge(m:1 k=k2 using u)", linked)
    assert err.value.rc == 459
    with pytest.raises(LeostataError) as err:
        commands.prepare_load("m, merge(m:1 using u, link)", linked)
    assert err.value.rc == 459
    assert err.value.message == "1 of 4 persons link to more than one k2 of u"
    job = commands.prepare_load("m, merge(m:1 using u, link(all))", linked)
    assert (job.link.persons, job.link.matched, job.link.unmatched, job.link.multiple) == \
        (4, 2, 1, 1)  # a, b, c, A; "" and NULL are no persons
    assert job.link.locals()["leo_link_multiple"] == 1
    # a using if leaves "a" one key: the default rule passes, "a" matches x
    job = commands.prepare_load("m, merge(m:1 using u if v != 20, link)", linked)
    assert (job.link.matched, job.link.multiple) == (3, 0)
    got = load(linked, "m k k2 _merge, merge(m:1 using u if v != 20, link keep(master match))")
    assert sorted((k, k2) for k, k2, m in zip(got.data["k"], got.data["k2"], got.data["_merge"])
                  if m == 3) == [("A", "w"), ("a", "x"), ("a", "x"), ("b", "x")]
    # a cohort counts the keys its if leaves: "y" alone makes "a" reach one key
    job = commands.prepare_load('m k x, cohort(using u if v != 10 & v != 30, link)', linked)
    assert (job.link.matched, job.link.unmatched, job.link.multiple) == (1, 3, 0)
    got = load(linked, 'm k x, cohort(using u if v != 10 & v != 30, link)')
    assert sorted(got.data["x"]) == [1, 2]  # both rows of "a", once each


def test_a_link_refuses_persons_reaching_two_keys_on_the_synthetic_tables(synthetic):
    reached = reach(synthetic)
    several = sum(1 for v in reached.values() if len(v) > 1)
    command = "ks4_pupil, merge(1:m using leo_earnings, link keepusing(Edukey)) count"
    # ks4 -> earnings: a pupil whose AE_ID has two EDUKEYs reaches two persons
    pupils = {}
    for edukey, pmrs in linked_pairs(synthetic).items():
        for p in pmrs:
            pupils.setdefault(p, set()).add(edukey)
    earners = {r["Edukey"] for r in table_rows(synthetic, "leo_earnings", ["Edukey"])}
    ks4 = reached_pmrs(synthetic)
    twice = sum(1 for p, ks in pupils.items() if p in ks4 and len(ks & earners) > 1)
    assert twice > 0 or several > 0
    if twice:
        with pytest.raises(LeostataError) as err:
            commands.prepare_load(command, synthetic)
        assert err.value.rc == 459 and err.value.message.startswith(f"{twice:,} of ")
    assert commands.prepare_load(command.replace("link", "link(drop)"), synthetic).link.multiple \
        == twice


LINK_ERRORS = [
    ("leo_earnings, merge(m:1 using ks4_pupil, link(some))", 198, "link(some) invalid"),
    ("leo_earnings, merge(m:1 using ref_sic_section, link)", 111,
     "table ref_sic_section carries no person key in the link graph"),
    ("leo_earnings, merge(m:1 TaxYear=KS4_PupilMatchingRefAnonymous using ks4_pupil, link)", 111,
     "the link graph does not say which person key TaxYear of leo_earnings carries"),
    ("leo_earnings, merge(m:1 using ks4_pupil, link) cohort(using ilr_learners, link)", 198,
     "link may be given in one merge() or cohort() per command"),
    ("leo_earnings, cohort(using ks4_pupil, nolink)", 198, "cohort(): option nolink not allowed"),
    ("leo_earnings, cohort(Edukey using ks4_pupil)", 111,
     "variable Edukey not found in ks4_pupil"),
]


@pytest.mark.parametrize("command, rc, message", LINK_ERRORS, ids=[e[0] for e in LINK_ERRORS])
def test_link_errors(synthetic, command, rc, message):
    with pytest.raises(LeostataError) as err:
        commands.prepare_load(command, synthetic)
    assert err.value.rc == rc
    assert message in err.value.message


def test_the_graduate_earnings_question_against_a_python_reference(synthetic):
    """merge(m:1 using hesa_student if <qualified in year Y>, link(drop)) then
    collapse by sex: the same cells computed in Python from the tables."""
    hesa = table_rows(synthetic, "hesa_student",
                      ["HE_PUPILMATCHINGREFANONYMOUS", "year", "HE_XPQUAL01", "HE_SEXID"])
    qualified = [r for r in hesa if r["HE_XPQUAL01"] == 1
                 and r["HE_PUPILMATCHINGREFANONYMOUS"] not in (None, "")]
    years = [r["year"] for r in qualified]
    year = max(set(years), key=lambda y: (years.count(y), y))
    using = {r["HE_PUPILMATCHINGREFANONYMOUS"]: r["HE_SEXID"] for r in qualified
             if r["year"] == year}
    assert len(using) == sum(1 for r in qualified if r["year"] == year)  # unique: m:1 holds
    reach_of = {k: v & set(using) for k, v in linked_pairs(synthetic).items() if v & set(using)}
    cells: dict = {}
    for r in table_rows(synthetic, "leo_earnings", ["Edukey", "Earnings"]):
        keys = reach_of.get(r["Edukey"], set())
        if len(keys) == 1:  # link(drop); keep(match)
            cells.setdefault(using[next(iter(keys))], []).append(r["Earnings"])
    assert cells
    got = load(synthetic, f"leo_earnings, merge(m:1 using hesa_student if HE_XPQUAL01 == 1 & "
                          f"year == {year}, link(drop) keepusing(HE_SEXID) keep(match)) "
                          "collapse((p50) p50=Earnings (mean) mean=Earnings (count) n=Earnings) "
                          "by(HE_SEXID)")
    for sex, p50, mean, n in zip(got.data["HE_SEXID"], got.data["p50"], got.data["mean"],
                                 got.data["n"]):
        values = [v for v in cells[sex] if v is not None]
        assert n == len(values)
        assert p50 == pytest.approx(float(np.median(values)))
        assert mean == pytest.approx(sum(values) / len(values))
    assert sorted(got.data["HE_SEXID"]) == sorted(cells)


# --- property: random tables, merge() and cohort() against the reference ----------------------

KEYS_K = st.sampled_from([None, 1, 2, 3])
KEYS_S = st.sampled_from([None, "", "a", "A", "a ", "b"])


@st.composite
def merge_tables(draw):
    """A master (any keys, repeats) and a using unique on (k, s) as Stata
    sees them (NULL and "" one string key), with a shared variable ``v``."""
    master = [dict(id=i, k=draw(KEYS_K), s=draw(KEYS_S), v=draw(st.integers(0, 9)))
              for i in range(draw(st.integers(1, 7)))]
    using, seen = [], set()
    for _ in range(draw(st.integers(1, 6))):
        k, s_ = draw(KEYS_K), draw(KEYS_S)
        if (k, s_ or "") in seen:
            continue
        seen.add((k, s_ or ""))
        using.append(dict(k=k, s=s_, v=draw(st.integers(10, 19)), w=draw(st.integers(0, 5))))
    return master, using


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=merge_tables(), keep=st.sampled_from([(1, 2, 3), (1, 3), (3,), (2,), (2, 3)]))
def test_random_merges_and_cohorts_match_the_stata_reference_on_duckdb(tables, keep):
    from tests.conftest import make_db
    master, using = tables
    words = {1: "master", 2: "using", 3: "match"}
    with tempfile.TemporaryDirectory() as folder:
        db, cleanup = make_db("duckdb", folder)
        writer = db.writer()
        md = MetaData()
        t_m = Table("mm", md, Column("id", Integer), Column("k", Integer), Column("s", String(3)),
                    Column("v", Integer))
        t_u = Table("uu", md, Column("k", Integer), Column("s", String(3)), Column("v", Integer),
                    Column("w", Integer))
        md.create_all(writer)
        with writer.begin() as conn:
            conn.execute(t_m.insert(), master)
            conn.execute(t_u.insert(), using)
        writer.dispose()
        session = open_session(db.url)
        try:
            got = load(session, f"mm, merge(m:1 k s using uu, keep({' '.join(words[c] for c in keep)}))")
            assert_same(got, stata_merge(master, using, ["k", "s"], keep=keep))
            got = load(session, "mm, cohort(k s using uu if w > 2)")
            expected = stata_frame(master)
            cohort = stata_frame(using)
            expected = expected[in_cohort(expected, cohort[cohort["w"] > 2], [("k", "k"), ("s", "s")])]
            if len(expected):
                assert_same(got, expected.reset_index(drop=True))
            else:
                assert all(len(v) == 0 for v in got.data.values())
        finally:
            session.close()
            cleanup()
