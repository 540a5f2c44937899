"""stream: batches, conversions, progress, Break, errors and the fetch paths."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from leostata.catalog import Catalog
from leostata.errors import BreakPressed, ServerError
from leostata.stata_types import OutputColumn
from leostata.progress import ProgressInfo
from leostata.stream import stream
from leostata.translate.casts import server_casts
from leostata.writers.memory import MemoryWriter


def make_people(engine, n=2500):
    md = sa.MetaData()
    t = sa.Table("people", md,
                 sa.Column("pid", sa.BigInteger), sa.Column("pay", sa.Numeric(10, 2)),
                 sa.Column("born", sa.Date), sa.Column("seen", sa.DateTime),
                 sa.Column("name", sa.String(20)), sa.Column("ok", sa.Boolean))
    md.create_all(engine)
    rows = [dict(pid=i, pay=None if i % 10 == 0 else decimal.Decimal(i) / 4,
                 born=dt.date(1940, 1, 1) + dt.timedelta(days=i * 7),
                 seen=None if i % 9 == 0 else dt.datetime(2001, 2, 3, 4, 5, 6) + dt.timedelta(minutes=i),
                 name=None if i % 11 == 0 else f"nom{i}é", ok=(i % 2 == 0))
            for i in range(n)]
    with engine.begin() as conn:
        conn.execute(t.insert(), rows)
    return rows


def setup(db, n=2500):
    w = db.writer()
    rows = make_people(w, n)
    w.dispose()
    engine = db.reader()
    info = Catalog(engine).table("people")
    outs = [OutputColumn(c.name, c.name, c.sql_type) for c in info.columns]
    table = sa.table("people", *[sa.column(c.name) for c in info.columns])
    return engine, outs, table, rows, info


def test_values_same_with_and_without_server_casts(any_db):
    engine, outs, table, rows, _ = setup(any_db)
    sel = sa.select(table).order_by(table.c.pid)
    a, b = MemoryWriter(), MemoryWriter()
    stream(server_casts(sel, outs, engine.dialect.name), engine, outs, a, batch_rows=1000)
    stream(sel, engine, outs, b, batch_rows=1000)
    assert a.data == b.data
    assert a.nobs == len(rows)
    r = rows[17]
    assert a.data["pid"][17] == 17
    assert a.data["pay"][17] == float(r["pay"])
    assert a.data["pay"][10] is None
    assert a.data["born"][17] == (r["born"] - dt.date(1960, 1, 1)).days
    assert a.data["seen"][17] == (r["seen"] - dt.datetime(1960, 1, 1)).total_seconds() * 1000
    assert a.data["seen"][9] is None
    assert a.data["name"][17] == "nom17é" and a.data["name"][11] == ""
    assert a.data["ok"][:2] == [1, 0]
    types = {c.name: c.stata_type for c in a.columns}
    # from the values: pid 0..2499 and born -7,305..10,188 days are ints; pay is
    # quarters (i/4 <= 624.75), every one exactly a float
    assert types == {"pid": "int", "pay": "float", "born": "int", "seen": "double",
                     "name": f"str{len('nom2499é'.encode())}", "ok": "byte"}


def test_progress_break_and_cleanup(any_db):
    engine, outs, table, rows, _ = setup(any_db)
    seen: list[ProgressInfo] = []
    w = MemoryWriter()
    stream(sa.select(table), engine, outs, w, batch_rows=500, progress=seen.append,
           progress_after=0.0, total=len(rows))
    assert seen and seen[-1].done and seen[-1].rows == len(rows)
    assert all(p.total == len(rows) for p in seen)
    assert "rows" in seen[0].text() and "rows/s" in seen[0].text()

    polls = {"n": 0}

    def poll():
        polls["n"] += 1
        if polls["n"] == 3:
            raise BreakPressed("--Break--")

    w = MemoryWriter()
    with pytest.raises(BreakPressed) as info:
        stream(sa.select(table), engine, outs, w, batch_rows=500, poll=poll)
    assert info.value.rc == 1
    assert w.aborted and not w.committed and w.data == {}
    assert engine.pool.checkedout() == 0


def test_writer_failure_mid_stream_aborts(any_db):
    engine, outs, table, _, _ = setup(any_db, 5000)

    class Failing(MemoryWriter):
        def write(self, batch):
            if self.nobs >= 1000:
                raise RuntimeError("disk full")
            super().write(batch)

    w = Failing()
    with pytest.raises(RuntimeError):
        stream(sa.select(table), engine, outs, w, batch_rows=1000)
    assert w.aborted and not w.committed
    assert engine.pool.checkedout() == 0


def test_server_error_rc(any_db):
    engine = any_db.reader()
    with pytest.raises(ServerError) as info:
        stream("SELECT * FROM no_such_table", engine, None, MemoryWriter())
    assert info.value.rc == 5102


def test_raw_sql_and_duckdb_native_path_agree(tmp_path):
    eng = sa.create_engine(f"duckdb:///{tmp_path}/n.duckdb")
    sql = ("SELECT range AS i, CASE WHEN range % 5 = 0 THEN NULL ELSE range * 0.25 END AS f, "
           "CASE WHEN range % 3 = 0 THEN NULL ELSE 'v' || range END AS s, "
           "DATE '1955-01-01' + CAST(range AS INTEGER) AS d, "
           "CAST(range AS DECIMAL(10,2)) / 3 AS m, range % 2 = 0 AS b, "
           "CAST(170141183460469231731687303715884105727 AS HUGEINT) + 0 * range AS h "
           "FROM range(6000)")
    a, b = MemoryWriter(), MemoryWriter()
    stream(sql, eng, None, a, native=True)
    stream(sql, eng, None, b, native=False)
    assert a.data == b.data
    assert a.data["d"][0] == (dt.date(1955, 1, 1) - dt.date(1960, 1, 1)).days
    assert a.data["h"][0] == "170141183460469231731687303715884105727"
    types = {c.name: c.stata_type for c in a.columns}
    # from the values: i 0..5999 and d -1,826..4,173 days are ints; m = i/3 no float holds
    assert types["i"] == "int" and types["d"] == "int" and types["h"].startswith("str")
    assert types["b"] == "byte" and types["m"] == "double"


@pytest.mark.postgres
def test_a_statement_cancelled_by_the_query_timeout_says_so(pg_db, monkeypatch):
    monkeypatch.setenv("LEOSTATA_QUERY_TIMEOUT", "1")
    engine = pg_db.reader()
    with pytest.raises(ServerError) as err:
        stream("SELECT pg_sleep(3) AS s", engine, None, MemoryWriter())
    engine.dispose()
    assert "LEOSTATA_QUERY_TIMEOUT" in err.value.render() and err.value.rc == 5102
