"""The optional arrow-odbc fetch path (``fetch.arrow_odbc``) against the pyodbc
path, over PostgreSQL + psqlODBC: same batches, same data, fallbacks."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pytest
import sqlalchemy as sa

from leostata.fetch import arrow_odbc as fetch_arrow
from leostata.catalog import Catalog, SqlType
from leostata.stata_types import OutputColumn
from leostata.stream import stream
from leostata.translate.casts import server_casts
from leostata.writers.memory import MemoryWriter

pytest.importorskip("arrow_odbc")
pytest.importorskip("pyarrow")


class Recording(MemoryWriter):
    """MemoryWriter that also keeps every raw batch."""

    def __init__(self):
        super().__init__()
        self.raw = []

    def write(self, batch):
        self.raw.append({k: v.copy() for k, v in batch.items()})
        super().write(batch)


ROWS = [
    dict(id=1, i=None, big=2**62 + 5, dec=decimal.Decimal("1234567.89"), f=1.5,
         d=dt.date(1901, 2, 3), ts=dt.datetime(1950, 6, 7, 8, 9, 10, 123000),
         s="plain", u="ĥéllo €😀", e="", c="A"),
    dict(id=2, i=-7, big=-(2**40), dec=None, f=None, d=None, ts=None,
         s=None, u=None, e=None, c=None),
    dict(id=3, i=0, big=0, dec=decimal.Decimal("-0.01"), f=-2.25e10,
         d=dt.date(1960, 1, 1), ts=dt.datetime(1960, 1, 1), s="x" * 40, u="ß", e="",
         c="Z"),
    dict(id=4, i=2147483647, big=None, dec=decimal.Decimal("0"), f=1e-300,
         d=dt.date(2024, 2, 29), ts=dt.datetime(2023, 12, 31, 23, 59, 59, 999000),
         s="é" * 1500, u="日本語", e="e", c=None),
]


def build(db, rows=ROWS, extra=None):
    w = db.writer()
    md = sa.MetaData()
    cols = [sa.Column("id", sa.Integer), sa.Column("i", sa.Integer),
            sa.Column("big", sa.BigInteger), sa.Column("dec", sa.Numeric(12, 2)),
            sa.Column("f", sa.Float), sa.Column("d", sa.Date), sa.Column("ts", sa.DateTime),
            sa.Column("s", sa.String(1500)), sa.Column("u", sa.String(20)),
            sa.Column("e", sa.String(5)), sa.Column("c", sa.CHAR(1))]
    t = sa.Table("mixed", md, *cols, *(extra or []))
    md.create_all(w)
    with w.begin() as conn:
        conn.execute(t.insert(), rows)
    w.dispose()
    engine = db.reader()
    info = Catalog(engine).table("mixed")
    outs = [OutputColumn(c.name, c.name, c.sql_type) for c in info.columns]
    table = sa.table("mixed", *[sa.column(c.name) for c in info.columns])
    return engine, outs, table


def both(engine, outs, sel, monkeypatch, **kw):
    fast = Recording()
    res_fast = stream(sel, engine, outs, fast, **kw)
    with monkeypatch.context() as m:
        m.setattr(fetch_arrow, "available", lambda: False)
        slow = Recording()
        res_slow = stream(sel, engine, outs, slow, **kw)
    assert res_slow.path == "dbapi"
    return res_fast, fast, slow


def same_batches(a: Recording, b: Recording):
    assert a.nobs == b.nobs
    for name in a.data:
        x = np.concatenate([np.ma.getdata(r[name]).astype(object) for r in a.raw]) \
            if a.raw else []
        y = np.concatenate([np.ma.getdata(r[name]).astype(object) for r in b.raw]) \
            if b.raw else []
        assert list(x) == list(y) or all(
            (p == q) or (isinstance(p, float) and p != p and q != q) for p, q in zip(x, y)), name
        for ra, rb in zip(a.raw, b.raw):
            assert type(ra[name]) is type(rb[name]), name
            if isinstance(ra[name], np.ma.MaskedArray):
                assert ra[name].dtype == np.int64
                assert np.array_equal(np.ma.getmaskarray(ra[name]), np.ma.getmaskarray(rb[name]))
    assert a.data == b.data
    assert [c.stata_type for c in a.columns] == [c.stata_type for c in b.columns]


@pytest.mark.postgres
@pytest.mark.parametrize("casts", [True, False])
def test_same_data_both_paths(pg_db, monkeypatch, casts):
    engine, outs, table = build(pg_db)
    sel = sa.select(table).order_by(table.c.id)
    if casts:
        sel = server_casts(sel, outs, engine.dialect.name)
    res, fast, slow = both(engine, outs, sel, monkeypatch)
    assert res.path == "arrow-odbc"
    same_batches(fast, slow)
    assert fast.data["i"] == [None, -7, 0, 2147483647]
    # beyond 2^53: exact digits (MemoryWriter), NULL as ""
    assert fast.data["big"] == [str(2**62 + 5), str(-(2**40)), "0", ""]
    assert fast.data["dec"] == [1234567.89, None, -0.01, 0.0]
    assert fast.data["d"] == [(dt.date(1901, 2, 3) - dt.date(1960, 1, 1)).days, None, 0,
                              (dt.date(2024, 2, 29) - dt.date(1960, 1, 1)).days]
    ms = (dt.datetime(1950, 6, 7, 8, 9, 10, 123000) - dt.datetime(1960, 1, 1))
    assert fast.data["ts"][0] == ms.total_seconds() * 1000 and fast.data["ts"][1] is None
    assert fast.data["u"] == ["ĥéllo €😀", "", "ß", "日本語"]
    assert fast.data["e"] == ["", "", "", "e"]
    assert fast.data["s"][3] == "é" * 1500  # 3000 bytes, declared varchar(1500)
    assert engine.pool.checkedout() == 0


@pytest.mark.postgres
def test_string_params_and_many_batches(pg_db, monkeypatch):
    rows = [dict(ROWS[i % 4], id=i) for i in range(3000)]
    engine, outs, table = build(pg_db, rows)
    sel = sa.select(table).where(table.c.e.in_(["e", "zz"]) | (table.c.c == "A"))
    sel = sel.order_by(table.c.id)
    res, fast, slow = both(engine, outs, sel, monkeypatch, batch_rows=400)
    assert res.path == "arrow-odbc"
    assert len(fast.raw) > 1
    same_batches(fast, slow)
    assert fast.nobs == 1500


@pytest.mark.postgres
def test_fallbacks(pg_db, monkeypatch):
    engine, outs, table = build(pg_db, extra=[sa.Column("t", sa.Text)])
    w = pg_db.writer()
    with w.begin() as conn:
        conn.execute(sa.text("UPDATE mixed SET t = repeat('y', 9000) WHERE id = 1"))
    w.dispose()
    # an unbounded text column: pyodbc path, long value intact
    res = stream(sa.select(table).order_by(table.c.id), engine, outs, m := MemoryWriter())
    assert res.path == "dbapi" and m.data["t"][0] == "y" * 9000
    bounded = [o for o in outs if o.name != "t"]
    sel = sa.select(*[table.c[o.name] for o in bounded]).order_by(table.c.id)
    # a float parameter: pyodbc path; an int one is inlined as a literal
    res = stream(sel.where(table.c.f > 0.5), engine, bounded, m := MemoryWriter())
    assert res.path == "dbapi" and m.nobs == 1
    res = stream(sel.where(table.c.id > 1), engine, bounded, m := MemoryWriter())
    assert res.path == "arrow-odbc" and m.data["id"] == [2, 3, 4]
    # a non-ASCII string parameter: pyodbc path
    res = stream(sel.where(table.c.u == "ß"), engine, bounded, m := MemoryWriter())
    assert res.path == "dbapi" and m.data["id"] == [3]
    # SQL observed by a cursor-execute listener: pyodbc path, so it sees the statement
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    res = stream(sel, engine, bounded, MemoryWriter())
    sa.event.remove(engine, "before_cursor_execute", listener)
    assert res.path == "dbapi" and seen
    # raw SQL (outputs from the cursor): pyodbc path
    res = stream("SELECT id FROM mixed", engine, None, MemoryWriter())
    assert res.path == "dbapi"
    # arrow-odbc not importable
    monkeypatch.setitem(__import__("sys").modules, "arrow_odbc", None)
    assert not fetch_arrow.available()
    res = stream(sel, engine, bounded, m := MemoryWriter())
    assert res.path == "dbapi" and m.nobs == 4
    monkeypatch.undo()
    res = stream(sel, engine, bounded, MemoryWriter())
    assert res.path == "arrow-odbc"


@pytest.mark.postgres
def test_session_read_only_and_empty_result(pg_db):
    engine, outs, table = build(pg_db)
    cs = fetch_arrow.connection_string(engine)
    assert "TRANSACTION READ ONLY" in cs
    from arrow_odbc import read_arrow_batches_from_odbc
    got = [b.to_pylist() for b in read_arrow_batches_from_odbc(
        query="SHOW transaction_read_only", connection_string=cs, max_text_size=100)]
    assert got == [[{"transaction_read_only": "on"}]]
    sel = sa.select(table).where(table.c.c == "nope")
    res = stream(sel, engine, outs, m := MemoryWriter())
    assert res.path == "arrow-odbc" and m.nobs == 0


def test_connection_strings():
    from leostata.connection import engine_for
    e = sa.create_engine("mssql+pyodbc://srv/db?driver=ODBC+Driver+18+for+SQL+Server"
                         "&trusted_connection=yes")
    cs = fetch_arrow.connection_string(e)
    assert cs.startswith("DRIVER={ODBC Driver 18 for SQL Server};Server=srv;Database=db;")
    assert "Trusted_Connection=Yes" in cs
    assert fetch_arrow.connection_string(sa.create_engine("mssql+pyodbc://@MYDSN")) \
        .lower().startswith("dsn=mydsn")
    pg = engine_for("postgresql+pyodbc:///?odbc_connect=DRIVER%3D%7BPostgreSQL+Unicode%7D"
                    "%3BConnSettings%3D%7BSET+search_path+TO+s%7D")
    assert fetch_arrow.connection_string(pg) == (
        "DRIVER={PostgreSQL Unicode};ConnSettings={SET search_path TO s;"
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY}")
    assert fetch_arrow._add_conn_setting("A=1;ConnSettings={x}}y}", "Z") is None
    sqlite = sa.create_engine("sqlite://")
    assert fetch_arrow.plan(sa.select(sa.literal("a")), sqlite, [], None) is None


def test_columnar_path_is_part_of_the_default_install():
    """arrow-odbc and pyarrow are requirements of leostata itself, not of an
    extra: what the README's install (and the SRS wheel folder) gives takes the
    columnar path."""
    from importlib.metadata import requires

    plain = {r.split(">")[0].split("=")[0].strip().lower()
             for r in requires("leostata") or [] if "extra ==" not in r}
    assert {"arrow-odbc", "pyarrow"} <= plain
    assert fetch_arrow.available()


@pytest.mark.parametrize("start, stop", [(0, 20), (3, 17), (9, 10), (5, 5)])
def test_buffers_read_directly_match_arrow_values(start, stop):
    """The bitmap and value buffers read with numpy (no pandas import) give the
    values and nulls Arrow itself reports, for sliced arrays too."""
    import pyarrow as pa
    values = [None if i % 3 == 0 else (i - 7) * 1_000_003 for i in range(20)]
    for typ in (pa.int32(), pa.int64(), pa.float64()):
        a = pa.array(values, type=typ).slice(start, stop - start)
        want = a.to_pylist()
        assert fetch_arrow._mask(a).tolist() == [v is None for v in want]
        got = fetch_arrow._fixed(a, pa.float64() if typ == pa.float64() else pa.int64(),
                                 np.float64 if typ == pa.float64() else np.int64)
        assert got.tolist() == [0 if v is None else v for v in want]
        got[:] = 0  # a writable copy, not a view of Arrow's buffer


@pytest.mark.postgres
def test_a_small_result_gets_small_transit_buffers(pg_db, monkeypatch):
    """small=True (an aggregate) bounds arrow-odbc's buffers by
    SMALL_RESULT_BYTES: rows with wide string columns then come in more
    batches, with the same data; a collapse asks for it through deliver."""
    rows = [dict(ROWS[i % 4], id=i, t="x" * (i % 7)) for i in range(3000)]
    engine, outs, table = build(pg_db, rows, extra=[sa.Column("t", sa.String(2000))])
    sel = sa.select(table).order_by(table.c.id)
    asked = []
    real = fetch_arrow.open_reader
    monkeypatch.setattr(fetch_arrow, "open_reader",
                        lambda p, n, max_bytes=None: asked.append(max_bytes) or real(p, n, max_bytes))
    small, large = Recording(), Recording()
    assert stream(sel, engine, outs, small, small=True).path == "arrow-odbc"
    assert stream(sel, engine, outs, large).path == "arrow-odbc"
    assert asked == [fetch_arrow.SMALL_RESULT_BYTES, None]
    assert len(large.raw) == 1 < len(small.raw)
    assert small.nobs == large.nobs == 3000
    for name in large.data:
        assert list(small.data[name]) == list(large.data[name]), name

    from leostata import commands
    from leostata.session import open_session
    session = open_session(pg_db.url)
    try:
        asked.clear()
        for text in ("mixed, collapse((count) n=id) by(c) nocache", "mixed id c, nocache"):
            commands.load(text, session, lambda _job: MemoryWriter(), show=lambda _: None,
                          say=lambda _: None)
    finally:
        session.close()
    assert asked == [fetch_arrow.SMALL_RESULT_BYTES, None]


@pytest.mark.postgres
def test_text_buffers_follow_the_declared_lengths_and_hold_the_widest_values(pg_db):
    """A collapse's group key is an expression (coalesce(k, '')) the driver
    reports without the column's length: arrow-odbc's text buffers are bounded
    by 4 bytes a declared character instead of MAX_TEXT, and the widest
    values (3 four-byte characters in varchar(3)) still arrive whole."""
    from leostata import commands
    from leostata.session import open_session
    w = pg_db.writer()
    with w.begin() as conn:
        conn.execute(sa.text("CREATE TABLE keyed (k varchar(3), x integer)"))
        conn.execute(sa.text("INSERT INTO keyed VALUES ('😀😀😀', 1), ('😀😀😀', 2), "
                             "('ab', 3), (NULL, 4)"))
    w.dispose()
    session = open_session(pg_db.url)
    try:
        job = commands.prepare_load("keyed, collapse((sum) x) by(k)", session)
        p = fetch_arrow.plan(job.statement, session.engine, job.plan.outputs, None)
        assert p.max_text == 12 < fetch_arrow.MAX_TEXT
        writer = MemoryWriter()
        _job, outcome = commands.load("keyed, collapse((sum) x) by(k) nocache", session,
                                      lambda _job: writer, show=lambda _: None,
                                      say=lambda _: None)
    finally:
        session.close()
    assert outcome.result.path == "arrow-odbc"
    assert [v.decode() if isinstance(v, bytes) else v for v in writer.data["k"]] == \
        ["", "ab", "😀😀😀"]
    assert list(writer.data["x"]) == [4, 3, 3]


@pytest.mark.parametrize("start, stop", [(0, 12), (3, 11), (7, 8), (4, 4)])
def test_strings_read_directly_match_arrow_values(start, stop):
    """string and large_string buffers (sliced, with nulls) read with numpy give
    the UTF-8 bytes Arrow holds, NULL as b"", including a null slot whose
    offsets span bytes (the Arrow format allows it)."""
    import pyarrow as pa
    values = [None if i % 4 == 0 else "é" * (i % 5) + str(i) for i in range(12)]
    for typ in (pa.string(), pa.large_string()):
        a = pa.array(values, type=typ).slice(start, stop - start)
        want = [b"" if v is None else v.encode("utf-8") for v in a.to_pylist()]
        assert fetch_arrow._strings(a).tolist() == want
    offsets = pa.py_buffer(np.array([0, 2, 5, 6], dtype=np.int32).tobytes())
    data = pa.py_buffer(b"abXYZc")
    valid = pa.py_buffer(np.packbits([1, 0, 1], bitorder="little").tobytes())
    spanning = pa.StringArray.from_buffers(3, offsets, data, valid, null_count=1)
    assert spanning.to_pylist() == ["ab", None, "c"]
    assert fetch_arrow._strings(spanning).tolist() == [b"ab", b"", b"c"]


def test_dates_and_timestamps_read_through_views_match_arrow_values():
    import pyarrow as pa
    days = pa.array([-3653, None, 0, 20000], type=pa.int32()).cast(pa.date32())
    rc = OutputColumn("d", "d", SqlType("date", "date"))
    from leostata import stata_types as st
    col = st.result_columns([rc])[0]
    got = fetch_arrow.convert_arrow(days, col)
    assert got.mask.tolist() == [False, True, False, False]
    assert got.data[[0, 2, 3]].tolist() == [-3653 + 3653, 3653, 20000 + 3653]
    for unit, scale in (("us", 1), ("ms", 1000), ("s", 1_000_000)):
        ts = pa.array([-1_500_000 // scale, None, 86_400_000_000 // scale],
                      type=pa.int64()).cast(pa.timestamp(unit))
        tc = st.result_columns([OutputColumn("t", "t", SqlType("timestamp", "datetime"))])[0]
        out = fetch_arrow.convert_arrow(ts, tc)
        assert np.isnan(out[1])
        assert out[[0, 2]].tolist() == [fetch_arrow.MS_OFFSET_1970 + v * scale / 1000
                                        for v in (-1_500_000 // scale, 86_400_000_000 // scale)]
