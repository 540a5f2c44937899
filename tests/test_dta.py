"""Round trips of every SQL type through DuckDB, SQLite and PostgreSQL over
ODBC into the .dta Writer, read back with independent readers (pandas and
pyreadstat), including Stata's boundary values."""

from __future__ import annotations

import datetime as dt
import decimal
import math

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa

from leostata.catalog import Catalog, SqlType
from leostata.dta import DtaWriter, load_to_dta
from leostata.plan import OutputColumn
from leostata.stream import DatasetMeta, stream

S2045 = "é" * 1022 + "a"  # 2045 UTF-8 bytes
S2046 = "é" * 1023  # 2046 UTF-8 bytes -> strL
TWO53 = 2 ** 53

ROWS = [
    # id, flag, small, integer, big_long, big_dbl, big_str, amount, ratio, name, s2045, s2046, day, stamp
    dict(id=1, flag=True, small=100, integer=-2_147_483_648, big_long=2_147_483_620,
         big_dbl=2_147_483_621, big_str=TWO53 + 1, amount=decimal.Decimal("1234567.89"),
         ratio=0.1, name="Zoë", s2045=S2045, s2046=S2046, day=dt.date(1959, 12, 31),
         stamp=dt.datetime(1950, 6, 15, 12, 34, 56, 789000)),
    dict(id=2, flag=False, small=101, integer=2_147_483_647, big_long=-2_147_483_647,
         big_dbl=TWO53, big_str=-(TWO53 + 1), amount=decimal.Decimal("-0.01"),
         ratio=-1.5e300, name="", s2045="x", s2046="y", day=dt.date(1900, 1, 1),
         stamp=dt.datetime(1960, 1, 1, 0, 0, 0)),
    dict(id=3, flag=None, small=32_740, integer=2_147_483_620, big_long=None, big_dbl=None,
         big_str=None, amount=None, ratio=None, name=None, s2045=None, s2046=None,
         day=dt.date(2024, 2, 29), stamp=dt.datetime(2024, 2, 29, 23, 59, 59)),
    dict(id=4, flag=True, small=32_741, integer=2_147_483_621, big_long=0, big_dbl=-TWO53,
         big_str=0, amount=decimal.Decimal("0"), ratio=float("1e-300"), name="日本語",
         s2045="", s2046="", day=None, stamp=None),
    dict(id=5, flag=False, small=-32_768, integer=None, big_long=5, big_dbl=1, big_str=7,
         amount=decimal.Decimal("99999.99"), ratio=3.25, name="Last, First", s2045="q",
         s2046="r", day=dt.date(1960, 1, 1), stamp=dt.datetime(1959, 12, 31, 23, 59, 59, 999000)),
]


def build_table(engine) -> sa.Table:
    md = sa.MetaData()
    t = sa.Table(
        "types_t", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("flag", sa.Boolean),
        sa.Column("small", sa.Integer),
        sa.Column("integer", sa.BigInteger),
        sa.Column("big_long", sa.BigInteger),
        sa.Column("big_dbl", sa.BigInteger),
        sa.Column("big_str", sa.BigInteger),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("ratio", sa.Double),
        sa.Column("name", sa.String(40)),
        sa.Column("s2045", sa.Text),
        sa.Column("s2046", sa.Text),
        sa.Column("day", sa.Date),
        sa.Column("stamp", sa.DateTime),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), ROWS)
    return t


def outputs_for(engine, table: str, overrides: dict | None = None) -> list[OutputColumn]:
    info = Catalog(engine).table(table)
    overrides = overrides or {}
    return [OutputColumn(name=c.name, source=c.name,
                         sql_type=overrides.get(c.name, c.sql_type), label=f"label of {c.name}")
            for c in info.columns]


def light_table(engine, name: str) -> sa.TableClause:
    """A Core table for ``name`` built from the catalog (no reflection)."""
    info = Catalog(engine).table(name)
    return sa.table(name, *[sa.column(c.name) for c in info.columns])


def days(d: dt.date) -> int:
    return (d - dt.date(1960, 1, 1)).days


def ms(t: dt.datetime) -> float:
    return (t - dt.datetime(1960, 1, 1)).total_seconds() * 1000


@pytest.fixture
def loaded(any_db, tmp_path):
    writer = any_db.writer()
    build_table(writer)
    writer.dispose()  # DuckDB: one configuration per file at a time
    engine = any_db.reader()
    # integer and small are declared int32 / int64 above; make small an int16
    # (smallint) and integer an int32 so their declared-type rules are tested.
    overrides = {"small": SqlType("smallint", "int16"), "integer": SqlType("integer", "int32")}
    outs = outputs_for(engine, "types_t", overrides)
    table = light_table(engine, "types_t")
    select = sa.select(table).order_by(table.c.id)
    path = tmp_path / "out.dta"
    result = load_to_dta(select, engine, outs, path,
                         meta=DatasetMeta(table="types_t", synthetic=True))
    return any_db.kind, path, result


def test_round_trip_values_with_pandas(loaded):
    kind, path, result = loaded
    assert result.nobs == len(ROWS)
    df = pd.read_stata(path, convert_dates=False, convert_missing=False)
    assert list(df.columns) == ["id", "flag", "small", "integer", "big_long", "big_dbl",
                                "big_str", "amount", "ratio", "name", "s2045", "s2046", "day",
                                "stamp"]
    for i, row in enumerate(ROWS):
        got = df.iloc[i]
        for key in ("id", "small", "integer", "big_long", "big_dbl"):
            want = row[key]
            if want is None:
                assert math.isnan(got[key]), (key, i)
            else:
                assert int(got[key]) == want, (key, i, got[key])
        assert (math.isnan(got["flag"]) if row["flag"] is None else got["flag"] == int(row["flag"]))
        assert got["big_str"] == ("" if row["big_str"] is None else str(row["big_str"]))
        if row["amount"] is None:
            assert math.isnan(got["amount"])
        else:
            assert got["amount"] == float(row["amount"])
        if row["ratio"] is None:
            assert math.isnan(got["ratio"])
        else:
            assert got["ratio"] == row["ratio"]
        for key in ("name", "s2045", "s2046"):
            assert got[key] == (row[key] or ""), (key, i)
        if row["day"] is None:
            assert math.isnan(got["day"])
        else:
            assert got["day"] == days(row["day"])
        if row["stamp"] is None:
            assert math.isnan(got["stamp"])
        else:
            assert got["stamp"] == pytest.approx(ms(row["stamp"]), abs=0.5)


def test_round_trip_types_with_pyreadstat(loaded):
    kind, path, result = loaded
    df, meta = pyreadstat.read_dta(str(path), disable_datetime_conversion=True)
    types = meta.readstat_variable_types
    formats = meta.original_variable_types
    assert types["flag"] == "int8"  # bit -> byte
    assert types["small"] == "int32"  # smallint does not fit int -> long
    assert types["integer"] == "double"  # int does not fit long -> double
    assert types["big_long"] == "int32"  # bigint whose values fit long -> long
    assert types["big_dbl"] == "double"  # bigint within 2^53 -> double
    assert types["big_str"] == "string"  # bigint beyond 2^53 -> digits, never rounded
    assert types["amount"] == "double" and types["ratio"] == "double"
    assert types["day"] == "int32" and formats["day"] == "%td"
    assert types["stamp"] == "double" and formats["stamp"] == "%tc"
    assert formats["s2045"] == "%2045s"  # str2045
    assert formats["s2046"] == "%9s"  # strL
    assert formats["name"] == "%11s"  # longest value "Last, First" (日本語 is 9 bytes)
    assert meta.file_label.startswith("SYNTHETIC") and "types_t" in meta.file_label
    assert meta.column_names_to_labels["amount"] == "label of amount"
    assert df["s2046"][0] == S2046 and df["s2045"][0] == S2045
    col = {c.name: c for c in result.columns}
    assert col["big_str"].notes and "2^53" in col["big_str"].chars["leo_note"]


def test_pre_1960_and_out_of_range_dates(any_db, tmp_path):
    if any_db.kind == "sqlite":
        pytest.skip("SQLite has no date type to hold year 50 distinctly")
    eng = any_db.writer()
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE d (k INTEGER, day DATE)"))
        conn.execute(sa.text("INSERT INTO d VALUES (1, DATE '0050-06-01'), "
                             "(2, DATE '0100-01-01'), (3, DATE '1959-12-31'), (4, NULL)"))
    eng.dispose()
    engine = any_db.reader()
    table = light_table(engine, "d")
    outs = outputs_for(engine, "d")
    path = tmp_path / "d.dta"
    result = load_to_dta(sa.select(table).order_by(table.c.k), engine, outs, path)
    df = pd.read_stata(path, convert_dates=False)
    assert math.isnan(df["day"][0])  # year < 100: outside %td -> missing
    assert df["day"][1] == -679_350 and df["day"][2] == -1 and math.isnan(df["day"][3])
    assert any("date range" in n for n in result.notes)


def test_empty_result_and_characteristics(tmp_path):
    eng = sa.create_engine(f"duckdb:///{tmp_path}/e.duckdb")
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE e (\"first name\" VARCHAR, \"if\" INTEGER, v DOUBLE)"))
    table = light_table(eng, "e")
    outs = outputs_for(eng, "e")
    path = tmp_path / "e.dta"
    res = stream(sa.select(table), eng, outs, DtaWriter(path),
                 meta=DatasetMeta(table="e", sql="SELECT * FROM e"))
    assert res.nobs == 0
    df, meta = pyreadstat.read_dta(str(path))
    assert list(df.columns) == ["first_name", "if_", "v"]
    assert len(df) == 0
    assert meta.file_label == "leostata: e"


def test_release_119_beyond_32767_variables(tmp_path):
    from leostata.stata_types import ResultColumn, Observed
    from leostata.catalog import SqlType
    cols = [ResultColumn(name=f"v{j}", source=f"v{j}", sql_type=SqlType("smallint", "int16"),
                         stata_type="long", format="%12.0g", family="int",
                         observed=Observed("int")) for j in range(32_768)]
    w = DtaWriter(tmp_path / "wide.dta", chars=False)
    w.begin(cols)
    batch = {c.name: np.ma.MaskedArray(np.array([1], np.int64), mask=[False]) for c in cols}
    for c in cols:
        c.observed.update(batch[c.name])
    w.write(batch)
    assert w.commit() == 1
    with open(tmp_path / "wide.dta", "rb") as fh:
        head = fh.read(60)
    assert b"<release>119</release>" in head
    df, meta = pyreadstat.read_dta(str(tmp_path / "wide.dta"), usecols=["v0", "v32767"])
    assert df["v32767"][0] == 1


def test_abort_leaves_no_file_and_keeps_existing(tmp_path):
    path = tmp_path / "keep.dta"
    path.write_bytes(b"old")
    eng = sa.create_engine("duckdb:///:memory:")

    class Boom(Exception):
        pass

    calls = {"n": 0}

    def poll():
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom()

    with pytest.raises(Boom):
        stream("SELECT range AS x FROM range(50000)", eng, None, DtaWriter(path), poll=poll,
               batch_rows=1000)
    assert path.read_bytes() == b"old"
    assert not (tmp_path / "keep.dta.part").exists()


def test_spilled_spool_gives_same_file(tmp_path):
    eng = sa.create_engine("duckdb:///:memory:")
    sql = ("SELECT range AS i, 'name' || range AS s, CASE WHEN range % 7 = 0 THEN NULL "
           "ELSE range * 0.5 END AS f, CASE WHEN range = 3 THEN repeat('x', 3000) ELSE '' END AS l "
           "FROM range(30000)")
    a, b = tmp_path / "a.dta", tmp_path / "b.dta"
    stream(sql, eng, None, DtaWriter(a), batch_rows=4096)
    stream(sql, eng, None, DtaWriter(b, spool_limit=1000), batch_rows=4096)
    da, db = pd.read_stata(a), pd.read_stata(b)
    pd.testing.assert_frame_equal(da, db)
    assert da["l"][3] == "x" * 3000 and da["s"][29999] == "name29999"
