"""api: the Python face gives what Stata gets (values, types, labels, errors)
and pandas' nullable dtypes for every Stata storage type."""

from __future__ import annotations

import datetime as dt
import math
import warnings

import pandas as pd
import pytest
import sqlalchemy as sa

import leostata
from leostata.connection import engine_for
from tests.ado_harness import stata, synth  # noqa: F401 (fixtures)
from tests.test_bridge_run import call, variables


@pytest.fixture
def on_synth(synth, monkeypatch):  # noqa: F811
    home, url = synth
    monkeypatch.setenv("LEOSTATA_HOME", str(home))
    leostata.connect(url)
    yield url
    leostata.connect(None)


COMMANDS = [
    ("leo_earnings TaxYear Earnings if TaxYear == 201617 in 1/30", {"sort": "sort(Edukey TaxYear)"}),
    ("leo_earnings if TaxYear >= 201516", {"collapse": "collapse((p50) Earnings (count) n=Earnings)",
                                           "by": "by(TaxYear)"}),
    ("ks4_pupil KS4_GENDER KS4_FSM in 1/50", {"sort": "sort(KS4_PupilMatchingRefAnonymous)"}),
]


@pytest.mark.parametrize("spec, options", COMMANDS)
def test_the_api_gives_what_stata_gets(spec, options, stata, on_synth):  # noqa: F811
    assert call(stata, "leoload", spec=spec, clear="clear", **options) == 0
    text = f"{spec}, {' '.join(options.values())}"
    with pytest.warns(leostata.SyntheticDataWarning):
        df = leostata.load(text)
    got = variables(stata)
    assert list(df.columns) == list(got)
    miss = stata.Missing.getValue()
    for name in df.columns:
        in_stata = [None if isinstance(v, float) and v >= miss else v for v in got[name]["values"]]
        in_api = [None if v is pd.NA or v is pd.NaT else v for v in df[name].tolist()]
        if df.attrs["formats"][name].startswith("%td"):
            in_api = [None if v is None else (v.date() - dt.date(1960, 1, 1)).days for v in in_api]
        assert in_api == in_stata, name
        assert df.attrs["stata_types"][name] == got[name]["type"], name
        assert df.attrs["labels"][name] == got[name]["label"], name
    assert df.attrs["synthetic"] is True and df.attrs["data_label"].startswith("SYNTHETIC")


def test_an_error_is_the_same_message_and_rc_as_in_stata(stata, on_synth):  # noqa: F811
    rc = call(stata, "leoload", spec="leo_earnings TaxYer", clear="clear")
    with pytest.raises(leostata.NotFound) as err:
        leostata.load("leo_earnings TaxYer, clear")
    assert err.value.rc == rc == 111
    assert err.value.message in stata.transcript("err")
    assert isinstance(err.value, leostata.LeostataError)


def test_count_sqlonly_and_maxobs_mean_what_they_mean_in_stata(on_synth, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", leostata.SyntheticDataWarning)
        n = leostata.load("leo_earnings if TaxYear == 201617, count")
        df = leostata.load("leo_earnings if TaxYear == 201617")
    assert isinstance(n, int) and n == len(df) > 0
    sql = leostata.load("leo_earnings TaxYear if TaxYear == 201617, sqlonly")
    assert sql.startswith("SELECT") and "201617" in sql
    assert leostata.to_sql("leo_earnings TaxYear if TaxYear == 201617", dialect="mssql") \
        .startswith("SELECT leo_earnings.[TaxYear]")
    with pytest.raises(leostata.ResultTooLarge) as err:
        leostata.load("leo_earnings, maxobs(10)")
    assert err.value.rc == 5105


def test_to_sql_shows_the_checks_that_run_first(on_synth):
    sql = leostata.to_sql("leo_earnings, merge(m:1 using ks4_pupil, link(drop) "
                          "keepusing(KS4_GENDER)) count", dialect="mssql")
    main, *checks = sql.split("\n-- ")
    assert main.startswith("SELECT COUNT_BIG(*)") and "learner_ae_id_to_pmr_lookup" in main
    assert checks[0].startswith("checked first: the using data of merge m:1 unique on "
                                "KS4_PupilMatchingRefAnonymous")
    assert checks[1].startswith("counted first: the persons of link Edukey (EDUKEY -> AE_ID -> "
                                "PMR) KS4_PupilMatchingRefAnonymous")


def test_query_is_checked_as_leoquery_is(on_synth):
    with pytest.raises(leostata.StatementRefused) as err:
        leostata.query("DELETE FROM leo_earnings")
    assert err.value.rc == 5103
    with pytest.warns(leostata.SyntheticDataWarning):
        df = leostata.query("SELECT TaxYear, COUNT(*) AS n FROM leo_earnings GROUP BY TaxYear "
                            "ORDER BY TaxYear")
    assert list(df.columns) == ["TaxYear", "n"] and df["n"].sum() > 0


def test_describe_returns_tables_columns_and_search_hits(on_synth):
    tables = leostata.describe()
    assert {"table", "kind", "approx_rows", "description"} <= set(tables.columns)
    assert "leo_earnings" in set(tables["table"])
    cols = leostata.describe("leo_earnings")
    assert "TaxYear" in set(cols["variable"])
    hits = leostata.describe(search="earnings")
    assert len(hits) > 0 and "leo_earnings" in set(hits["table"])


@pytest.fixture
def typed(tmp_path, monkeypatch):
    """A DuckDB table whose columns load as every Stata storage type, decided
    from the values: id 1..3 and b 0/1 byte, i -1000..1 int, l -2e9..1e5
    long, f 1.5/-2.25 float (exact), d 0.1/1e300 double, day int (%td)."""
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    url = f"duckdb:///{tmp_path}/typed.duckdb"
    writer = engine_for(url, readonly=False)
    with writer.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE typed (id BIGINT, b BOOLEAN, i SMALLINT, l BIGINT, f REAL, "
            "d DOUBLE, s VARCHAR(10), day DATE, seen TIMESTAMP)"))
        conn.execute(sa.text(
            "INSERT INTO typed VALUES "
            "(1, true, 1, 100000, 1.5, 0.1, 'a', DATE '1960-01-02', TIMESTAMP '1960-01-01 00:00:01'),"
            "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
            "(3, false, -1000, -2000000000, -2.25, 1e300, 'é', DATE '2020-02-29', "
            "TIMESTAMP '2021-06-01 12:30:00')"))
    writer.dispose()
    leostata.connect(url)
    yield url
    leostata.connect(None)


def test_every_stata_storage_type_has_its_nullable_dtype(typed):
    df = leostata.load("typed, sort(id)")
    assert df.attrs["stata_types"] == {"id": "byte", "b": "byte", "i": "int", "l": "long",
                                       "f": "float", "d": "double", "s": "str2", "day": "int",
                                       "seen": "double"}
    assert str(df["b"].dtype) == "Int8" and str(df["i"].dtype) == "Int16"
    assert str(df["l"].dtype) == "Int32" and str(df["f"].dtype) == "Float32"
    assert str(df["d"].dtype) == "Float64" and str(df["s"].dtype) == "string"
    assert str(df["day"].dtype) == "datetime64[s]" and str(df["seen"].dtype) == "datetime64[ms]"
    missing = df.iloc[1]
    for name in ("b", "i", "l", "f", "d"):
        assert missing[name] is pd.NA, name
    assert missing["s"] == "" and missing["day"] is pd.NaT and missing["seen"] is pd.NaT
    assert df["l"].tolist()[2] == -2_000_000_000 and df["d"].tolist()[2] == 1e300
    assert df["b"].tolist() == [1, pd.NA, 0] and df["i"].tolist() == [1, pd.NA, -1000]
    assert df["day"].tolist()[0] == pd.Timestamp("1960-01-02")
    assert df["day"].tolist()[2] == pd.Timestamp("2020-02-29")
    assert df["seen"].tolist()[2] == pd.Timestamp("2021-06-01 12:30:00")
    assert df["s"].tolist() == ["a", "", "é"] and math.isclose(df["f"].tolist()[2], -2.25)


def test_declaredtypes_types_from_the_sql_types(typed):
    df = leostata.load("typed, sort(id) decl")  # abbreviation as in the help's synopsis
    assert df.attrs["stata_types"] == {"id": "long", "b": "byte", "i": "long", "l": "long",
                                       "f": "float", "d": "double", "s": "str2", "day": "long",
                                       "seen": "double"}
    assert df["i"].tolist() == [1, pd.NA, -1000] and str(df["id"].dtype) == "Int32"


def test_arrow_output_has_the_same_types(typed):
    pa = pytest.importorskip("pyarrow")
    table = leostata.load("typed, sort(id)", to="arrow")
    types = {f.name: f.type for f in table.schema}
    assert types["b"] == pa.int8() and types["i"] == pa.int16() and types["l"] == pa.int32()
    assert types["f"] == pa.float32() and types["d"] == pa.float64()
    assert types["s"] == pa.string() and types["day"] == pa.date32()
    assert types["seen"] == pa.timestamp("ms")
    assert table.column("b").null_count == 1 and table.column("day").to_pylist()[2] == \
        dt.date(2020, 2, 29)


def test_importing_leostata_loads_no_database_stack():
    import subprocess
    import sys
    code = ("import sys, leostata; "
            "print(sorted(m for m in ('sqlalchemy', 'pandas', 'sqlglot') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_python_example_runs_on_the_synthetic_database(on_synth, monkeypatch, capsys):
    import runpy
    from pathlib import Path
    monkeypatch.setattr(leostata.api, "connect", lambda *a, **k: "synthetic (test)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", leostata.SyntheticDataWarning)
        runpy.run_path(str(Path(__file__).resolve().parent.parent / "examples" / "python_api.py"))
    out = capsys.readouterr().out
    assert "median" in out and "r(111): variable TaxYer not found" in out
