"""The result cache (leostata.cache, hooked in commands.deliver): a rerun of
an identical request is answered from disk, byte-identical to a fresh load;
nocache, a change of the data or of the connection, an error or an abort
leave it out; the size cap evicts the least recently used entries."""

from __future__ import annotations

import datetime as dt
import json
import os
import types

import pytest
from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, text

from leostata import cache, commands, config
from leostata.errors import BreakPressed, ResultTooLarge
from leostata.session import open_session
from leostata.writers import dta
from leostata.writers.dta import DtaWriter
from leostata.writers.memory import MemoryWriter
from tests.conftest import make_db
from tests.golden_files import Goldens

GOLDENS = Goldens("cache", {"catalog_state.mssql.sql", "catalog_state_layout.mssql.sql"})

ROWS = [{"id": i, "grp": "ab"[i % 2] if i % 5 else None,
         "x": None if i % 4 == 0 else i * 1.5, "n": None if i % 3 == 0 else i * 1000,
         "day": dt.date(2020, 1, 1) + dt.timedelta(days=i) if i % 6 else None}
        for i in range(1, 41)]


def fill(db, rows=ROWS):
    """The table ``t`` of ``db`` (created when missing) with ``rows`` appended."""
    engine = db.writer()
    md = MetaData()
    t = Table("t", md, Column("id", Integer), Column("grp", String(4)), Column("x", Float),
              Column("n", Integer), Column("day", Date))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), rows)
    engine.dispose()


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("LEOSTATA_HOME", str(folder))
    return folder


@pytest.fixture
def db(any_db, home):
    fill(any_db)
    return any_db


class Reopened:
    """A session that can be closed and opened again (DuckDB lets no other
    connection of the process write the file while one reads it)."""

    def __init__(self, url):
        self.url = url
        self.session = open_session(url)

    def __getattr__(self, name):
        return getattr(self.session, name)

    def close(self):
        self.session.close()

    def reopen(self):
        self.session = open_session(self.url)


@pytest.fixture
def session(db):
    s = Reopened(db.url)
    yield s
    s.close()


@pytest.fixture
def fixed_clock(monkeypatch):
    """The .dta header's timestamp fixed, so two files written a minute
    apart can be compared byte for byte."""
    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2026, 12, 3, 12, 0)
    monkeypatch.setattr(dta, "_dt", types.SimpleNamespace(datetime=Clock))


def run(session, command, writer=None):
    """``leoload command`` into ``writer`` (a MemoryWriter by default): (job, result)."""
    writer = writer or MemoryWriter()
    job, outcome = commands.load(command, session, lambda _job: writer, show=lambda _: None,
                                 say=lambda _: None)
    return job, outcome.result


def entries(home) -> list:
    return sorted(p.name for p in (home / "cache").glob("*")) if (home / "cache").exists() \
        else []


LOADS = ("t", "t id grp x if id > 3", "t, collapse((mean) x (sum) n (count) id) by(grp)",
         "t, collapse((p50) x (max) day) by(grp) cw")


@pytest.mark.parametrize("command", LOADS)
def test_a_cached_rerun_writes_the_same_dta_bytes(session, home, tmp_path, fixed_clock, command):
    fresh, cached = tmp_path / "fresh.dta", tmp_path / "cached.dta"
    _, first = run(session, command, DtaWriter(fresh))
    _, again = run(session, command, DtaWriter(cached))
    assert not cache.answered(first) and cache.answered(again)
    assert first.nobs == again.nobs and first.notes == again.notes
    assert [(c.name, c.stata_type, c.format) for c in first.columns] == \
        [(c.name, c.stata_type, c.format) for c in again.columns]
    assert fresh.read_bytes() == cached.read_bytes()


@pytest.mark.parametrize("command", LOADS[1:3])
def test_a_cached_rerun_gives_stata_the_same_dataset(session, fake_sfi, command):
    from leostata.bridge import SfiWriter

    def loaded(expect_cached):
        fake_sfi.reset()
        _, result = run(session, command, SfiWriter(clear=True))
        assert cache.answered(result) is expect_cached
        return fake_sfi.snapshot()

    assert loaded(False) == loaded(True)


def test_the_data_under_the_mask_and_value_labels_survive(session):
    """A stored batch keeps what the writer received: masked int data as
    sent (values under the mask included) and the planned value labels."""
    from leostata.stata_types import ExtendedMissing, ValueLabel
    job = commands.prepare_load("t id n", session)
    label = ValueLabel("lab", {1: "one", ExtendedMissing("s"): "suppressed"})
    outputs = [o if o.name != "n" else __import__("dataclasses").replace(o, value_label=label)
               for o in job.plan.outputs]
    delivery = commands.Delivery(job.statement, outputs, job.meta(), cache=True)

    class Spy(MemoryWriter):
        def write(self, batch):
            self.sent = getattr(self, "sent", []) + [{k: v.copy() for k, v in batch.items()}]
            super().write(batch)

    first, second = Spy(), Spy()
    commands.deliver(delivery, session.engine, first, say=lambda _: None)
    again = commands.deliver(delivery, session.engine, second, say=lambda _: None)
    assert cache.answered(again)
    for a, b in zip(first.sent, second.sent, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            assert type(a[name]) is type(b[name]) and a[name].dtype == b[name].dtype
            if hasattr(a[name], "mask"):
                assert (a[name].mask == b[name].mask).all()
                assert a[name].data.tobytes() == b[name].data.tobytes()
            else:
                assert a[name].tobytes() == b[name].tobytes()
    assert [c.value_label for c in again.columns] == [None, label]


def test_leoquery_is_cached_and_nocache_asks_the_database(session, home):
    statement = commands.query_statement("SELECT grp, count(*) AS k FROM t GROUP BY grp",
                                         session.catalog.dialect)

    def query(**kw):
        writer = MemoryWriter()
        result = commands.query(statement, session, writer, say=lambda _: None, **kw)
        return result, sorted(writer.rows(), key=repr)

    first, rows = query()
    again, rows_again = query()
    bypass, rows_bypass = query(nocache=True)
    assert (cache.answered(first), cache.answered(again), cache.answered(bypass)) == \
        (False, True, False)
    assert rows == rows_again == rows_bypass
    _, result = run(session, "t id, nocache")
    assert not cache.answered(result)
    _, result = run(session, "t id, noc")
    assert not cache.answered(result), "nocache abbreviates to noc"
    _, result = run(session, "t id")
    assert not cache.answered(result), "nocache neither reads nor records"


def test_a_change_of_the_rows_is_a_miss(db, session, home):
    _, first = run(session, "t, collapse((count) id (sum) n)")
    session.close()
    fill(db, [{"id": 100, "grp": "c", "x": 1.0, "n": 7, "day": None}])
    session.reopen()
    writer = MemoryWriter()
    _, again = run(session, "t, collapse((count) id (sum) n)", writer)
    assert not cache.answered(again)
    assert list(writer.data["id"]) == [len(ROWS) + 1]
    assert list(writer.data["n"]) == [sum(r["n"] or 0 for r in ROWS) + 7]
    _, third = run(session, "t, collapse((count) id (sum) n)")
    assert cache.answered(third)


def test_a_reloaded_table_is_a_miss(db, session, home):
    run(session, "t id")
    session.close()
    engine = db.writer()
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE t"))
    engine.dispose()
    fill(db, ROWS[:5])
    session.reopen()
    writer = MemoryWriter()
    _, again = run(session, "t id", writer)
    assert not cache.answered(again) and list(writer.data["id"]) == [1, 2, 3, 4, 5]


def test_another_connection_is_a_miss(any_db, db, session, home, tmp_path):
    """The same table with the same rows in another database."""
    run(session, "t id")
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    other, cleanup = make_db(any_db.kind, other_folder)
    try:
        fill(other)
        s = open_session(other.url)
        try:
            _, result = run(s, "t id")
            assert not cache.answered(result)
        finally:
            s.close()
    finally:
        cleanup()


def test_an_error_a_break_or_an_abort_leaves_no_entry(session, home):
    class Failing(MemoryWriter):
        def commit(self):
            raise OSError("disk full")

    with pytest.raises(OSError):
        run(session, "t id", Failing())
    assert not [e for e in entries(home) if e.endswith(".json")]
    polls = iter(range(10))

    def poll():
        if next(polls) >= 1:
            raise BreakPressed("--Break--")

    with pytest.raises(BreakPressed):
        commands.load("t id grp", session, lambda _j: MemoryWriter(), show=lambda _: None,
                      say=lambda _: None, poll=poll)
    assert entries(home) == [], "no entry and no part file is left"
    _, result = run(session, "t id")
    assert not cache.answered(result)


def test_the_size_guard_holds_for_a_cached_result(session):
    run(session, "t id")
    with pytest.raises(ResultTooLarge) as info:
        run(session, "t id, maxobs(10)")
    assert info.value.rc == 5105
    _, result = run(session, "t id, maxobs(100)")
    assert cache.answered(result)


def test_the_size_cap_evicts_the_least_recently_used(session, home):
    def usage():
        return cache.Cache().usage()

    run(session, "t id")
    one = usage()[1]
    config.write_cache_limit(2.5 * one / 2**20)
    run(session, "t grp")
    run(session, "t id")  # used again: now the newest
    run(session, "t x")   # a third entry: "t grp" goes
    assert usage()[0] == 2 and usage()[1] <= config.cache_limit()
    assert cache.answered(run(session, "t id")[1])
    assert not cache.answered(run(session, "t grp")[1])
    config.write_cache_limit(0)
    _, result = run(session, "t id")
    assert not cache.answered(result), "size 0 turns the cache off"


def test_sqlonly_count_and_sdc_are_not_cached(session, home):
    commands.load("t id, sqlonly", session, lambda _j: MemoryWriter(), show=lambda _: None,
                  say=lambda _: None)
    job, outcome = commands.load("t id, count", session, lambda _j: MemoryWriter(),
                                 show=lambda _: None, say=lambda _: None)
    assert outcome.count == len(ROWS) and entries(home) == []


@pytest.mark.parametrize("url", ("duckdb:///:memory:", "sqlite://", "sqlite:///:memory:"))
def test_an_in_memory_database_is_not_cached(url):
    from leostata.connection import engine_for
    engine = engine_for(url, readonly=False)
    try:
        assert cache.catalog_state(engine) is None
    finally:
        engine.dispose()


def test_no_credential_reaches_the_cache(home):
    from sqlalchemy.engine import make_url

    def identity(url):
        return cache.connection_identity(types.SimpleNamespace(url=make_url(url)))

    shown = identity("postgresql+psycopg2://ann:s3cret@db.example:5433/leo")
    assert "s3cret" not in shown and "db.example:5433/leo" in shown
    shown = identity("mssql+pyodbc:///?odbc_connect=DSN%3DLEO%3BUID%3Dann%3BPWD%3Dh1dd3n")
    assert "h1dd3n" not in shown and "LEO" in shown


def test_no_pg_password_is_written(pg_db, home):
    from tests.conftest import pg_odbc_string
    fill(pg_db)
    s = open_session(pg_db.url)
    try:
        run(s, "t id")
        assert cache.answered(run(s, "t id")[1])
    finally:
        s.close()
    secret = [v.split("=", 1)[1] for v in pg_odbc_string().split(";")
              if v.lower().startswith(("pwd=", "password="))]
    for path in (home / "cache").iterdir():
        data = path.read_bytes()
        for value in secret:
            assert value.encode() not in data


def test_sql_server_catalog_state_is_golden():
    GOLDENS.check("catalog_state.mssql.sql", cache.mssql_state_sql() + "\n")
    GOLDENS.check("catalog_state_layout.mssql.sql",
                  cache.mssql_state_sql(("LEO_i2", "hesa_i2", "LEO_i2", "o'k]")) + "\n")


def test_the_catalog_state_covers_the_layouts_and_the_querys_places():
    from leostata.layout import load_layout
    srs = load_layout("srs", "p123")
    found = cache.layout_places(srs)
    assert found and all(db for db, _ in found) and len(set(found)) == len(found)
    assert ("LEO_i2", "p123") in found
    assert cache.query_places('SELECT a.x FROM LEO_i2.p123.t AS a JOIN s2.u ON 1 = 1 '
                                 'JOIN v ON 1 = 1', "mssql") == \
        (("LEO_i2", "p123"), (None, "s2"))


def test_the_command_line_shows_sets_and_clears_the_cache(session, home, capsys):
    from leostata import cli
    run(session, "t id")
    run(session, "t grp")
    assert cli.main(["cache"]) == 0
    out = capsys.readouterr().out
    assert f"{home / 'cache'}: 2 cached results" in out and "cap 2,048 MB" in out
    assert cli.main(["cache", "--size", "0"]) == 0 and config.cache_limit() == 0
    assert "(off)" in capsys.readouterr().out
    assert not cache.answered(run(session, "t id")[1]), "size 0: the cache is off"
    assert cli.main(["cache", "--size", "10", "--clear"]) == 0
    assert "removed 2 cached results" in capsys.readouterr().err
    assert cache.Cache().usage() == (0, 0) and config.cache_limit() == 10 * 2**20
    _, first = run(session, "t id")
    assert not cache.answered(first) and cache.answered(run(session, "t id")[1])


def test_a_query_text_that_does_not_parse_is_not_cached():
    assert cache.query_places("SELECT FROM WHERE ((", "postgresql") is None
    assert cache.query_places("SELECT x FROM s.t", "postgresql") == ((None, "s"),)


@pytest.mark.parametrize("query, dialect", [
    ("SELECT NEWID() AS i, x FROM s.t", "mssql"), ("SELECT GETDATE() AS d FROM t", "mssql"),
    ("SELECT RAND() AS r FROM t", "mssql"), ("SELECT SYSDATETIME() AS d FROM t", "mssql"),
    ("SELECT random() AS r FROM t", "postgresql"), ("SELECT now() AS d FROM t", "postgresql"),
    ("SELECT clock_timestamp() AS d FROM t", "postgresql"),
    ("SELECT x FROM t WHERE d < current_date", "postgresql"),
    ("SELECT gen_random_uuid() AS u FROM t", "postgresql"),
    ("SELECT uuid() AS u FROM t", "duckdb"), ("SELECT random() AS r FROM t", "sqlite")])
def test_a_query_whose_value_changes_between_runs_is_not_cached(query, dialect):
    assert cache.query_places(query, dialect) is None


def test_a_leoquery_reading_the_clock_asks_the_database_each_time(session, home):
    """(Random numbers and new ids are refused by the read-only check itself.)"""
    statement = commands.query_statement("SELECT id, CURRENT_TIMESTAMP AS now FROM t",
                                         session.catalog.dialect)
    results = [commands.query(statement, session, MemoryWriter(), say=lambda _: None)
               for _ in range(2)]
    assert not any(cache.answered(r) for r in results) and entries(home) == []


def test_break_while_a_cached_result_is_replayed_leaves_the_destination(session, fake_sfi):
    """A cached result of several batches: Break after the first leaves the
    data in Stata as they were (the writer aborted), and the entry stays."""
    from leostata.bridge import SfiWriter
    from leostata.stream import stream as real_stream

    def small_batches(*args, **kwargs):
        return real_stream(*args, **{**kwargs, "batch_rows": 7})
    commands_stream = commands.stream
    commands.stream = small_batches
    try:
        run(session, "t id x")  # stored in 6 batches of 7 rows or fewer
    finally:
        commands.stream = commands_stream
    stored = cache.Cache().entries()
    assert len(stored) == 1
    fake_sfi.reset()
    before = fake_sfi.snapshot()
    polls = iter(range(100))

    def poll():
        if next(polls) >= 2:
            raise BreakPressed("--Break--")

    with pytest.raises(BreakPressed):
        commands.load("t id x", session, lambda _j: SfiWriter(clear=True), show=lambda _: None,
                      say=lambda _: None, poll=poll)
    assert fake_sfi.snapshot() == before and cache.Cache().entries()[0][0] == stored[0][0]
    _, again = run(session, "t id x")
    assert cache.answered(again) and again.nobs == len(ROWS)


# -- found in review: each of these served a stale answer or failed a load -------------------


def test_an_unquoted_mixed_case_schema_is_watched_as_postgresql_folds_it():
    assert cache.query_places("SELECT x FROM O_Abc.t", "postgresql") == ((None, "o_abc"),)
    assert cache.query_places('SELECT x FROM "O_Abc".t', "postgresql") == ((None, "O_Abc"),)
    assert cache.query_places("SELECT x FROM LEO_i2.p1.t", "mssql") == (("LEO_i2", "p1"),)


@pytest.mark.parametrize("query, dialect", [
    ("SELECT datetime('now') AS d", "sqlite"), ("SELECT date('now', '-1 day') AS d", "sqlite"),
    ("SELECT 'now'::date AS d", "postgresql"),
    ("SELECT count(*) AS n FROM pg_stat_activity", "postgresql"),
    ("SELECT relname FROM pg_catalog.pg_class", "postgresql"),
    ("SELECT table_name FROM information_schema.tables", "duckdb"),
    ("SELECT count(*) AS n FROM sys.dm_exec_sessions", "mssql"),
    ("SELECT name FROM sqlite_master", "sqlite")])
def test_the_clock_and_the_databases_own_catalog_are_never_cached(query, dialect):
    assert cache.query_places(query, dialect) is None


def test_a_write_is_seen_at_once_on_postgresql(pg_db, home):
    """The WAL position is part of the token: an UPDATE committed just before
    the rerun is a miss although the statistics counters lag behind."""
    fill(pg_db)
    s = open_session(pg_db.url)
    try:
        run(s, "t id x")
        state = cache.catalog_state(s.engine)
        with pg_db.writer().begin() as conn:
            conn.execute(text("UPDATE t SET x = -1 WHERE id = 1"))
        assert cache.catalog_state(s.engine) != state
        _, result = run(s, "t id x")
        assert not cache.answered(result)
    finally:
        s.close()


def test_an_entry_that_cannot_be_replayed_is_a_miss_not_an_error(session, home):
    run(session, "t id")
    (data,) = [p for p in (home / "cache").iterdir() if p.suffix == ".bin"]
    data.unlink()  # e.g. evicted by another process between lookup and replay
    _, result = run(session, "t id")
    assert not cache.answered(result) and result.nobs == len(ROWS)
    _, again = run(session, "t id")
    assert cache.answered(again)
    (manifest,) = (home / "cache").glob("*.json")
    damaged = json.loads(manifest.read_text())
    damaged["batches"] = [[["id", "nd", [0, "<i4", 10**9]]]]  # beyond the file
    manifest.write_text(json.dumps(damaged))
    writer = MemoryWriter()
    _, result = run(session, "t id", writer)
    assert not cache.answered(result) and writer.committed and result.nobs == len(ROWS)


def test_the_size_guard_of_a_cached_leoquery_uses_its_columns_width(session, monkeypatch):
    from leostata import guard
    statement = commands.query_statement("SELECT id, grp, x, n FROM t",
                                         session.catalog.dialect)
    commands.query(statement, session, MemoryWriter(), say=lambda _: None)
    width = guard.row_width(cache.Cache().lookup(next(
        p.stem for p in cache.cache_dir().glob("*.json"))).columns())
    assert width > 8
    monkeypatch.setattr(guard, "available_memory", lambda: int(len(ROWS) * 8 / 0.8) + 1)
    with pytest.raises(ResultTooLarge):
        commands.query(statement, session, MemoryWriter(), say=lambda _: None)


def test_an_entry_older_than_the_maximum_age_is_a_miss(session, home):
    run(session, "t id")
    (home / "leostata.ini").write_text("[cache]\nmax_age_hours = 0\n")
    _, result = run(session, "t id")
    assert not cache.answered(result)
    (home / "leostata.ini").write_text("[cache]\nmax_age_hours = 1\n")
    _, result = run(session, "t id")
    assert cache.answered(result)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_cached_results_are_readable_by_their_owner_only(session, home):
    run(session, "t id")
    folder = home / "cache"
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path.name
