"""commands.py: leoquery's statement on a real engine, Stata's in-range rule, and
names as the catalog shows them, on real engines."""

import re

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, text

from leostata import commands, guard
from leostata.bridge import SfiWriter
from leostata.errors import ResultTooLarge, StataSyntaxError, StatementRefused
from leostata.session import open_session
from leostata.writers.memory import MemoryWriter
from tests.memory_load import load
from tests.statement_log import capture
from tests.test_bridge import put_old_data


@pytest.fixture
def session(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    md = MetaData()
    people = Table("people", md, Column("id", Integer), Column("Last Name", String(10)),
                   Column("Last_Name", String(10)), Column("r", Float))
    victim = Table("victim", md, Column("x", Integer))
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(people.insert(), [{"id": i, "Last Name": "a", "Last_Name": "b", "r": 16777217.0}
                                       for i in range(1, 6)])
        conn.execute(victim.insert(), [{"x": 1}, {"x": 2}])
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


@pytest.mark.parametrize("spec, ids", [("in 2/3", [2, 3]), ("in -2/l", [4, 5]), ("in 5", [5]),
                                       ("in 1/5", [1, 2, 3, 4, 5])])
def test_in_ranges_inside_the_table(session, spec, ids):
    assert load(session, f"people id {spec}, sort(id)").data["id"] == ids


@pytest.mark.parametrize("spec", ["in 6", "in 4/6", "in -6/l", "in -1/1", "in 6/l"])
def test_in_ranges_outside_the_table_are_r198_as_in_stata(session, spec):
    with pytest.raises(StataSyntaxError, match="Obs. nos. out of range") as err:
        commands.prepare_load(f"people id {spec}, sort(id)", session)
    assert err.value.rc == 198


def test_a_valid_column_name_always_means_that_column(session):
    # "Last Name" is renamed around the real Last_Name, never the other way
    rows = load(session, 'people id Last_Name if Last_Name == "b"')
    assert rows.data["Last_Name"] == ["b"] * 5
    renamed = load(session, "people Last_Name_2")
    assert renamed.data["Last_Name_2"] == ["a"] * 5


def test_floats_keep_their_precision(session):
    # SQLite's REAL is 8 bytes: 16777217 must not be rounded to a Stata float
    col = session.catalog.table("people").column("r")
    if session.catalog.dialect == "sqlite":
        assert col.sql_type.kind == "float64"
    rows = load(session, "people r in 1, sort(id)")
    expected = 16777217.0 if col.sql_type.kind == "float64" else 16777216.0
    assert rows.data["r"] == [expected]


def test_a_write_never_reaches_the_server(session):
    with pytest.raises(StatementRefused):
        commands.query_statement("SELECT 1 /* */; DELETE FROM victim", session.catalog.dialect)
    with session.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM victim")).scalar() == 2


def reads_of_people(statements) -> list:
    """The statements recorded (``statement_log.capture``) that read ``people``."""
    return [s for s in statements if re.search(r"\bpeople\b", s.sql)]


@pytest.mark.parametrize("options, limit", [({}, 4), ({"maxobs": 3}, 3), ({"maxobs": 5}, None),
                                            ({"force": True}, None)])
def test_leoquery_runs_once_and_is_guarded_by_default_as_leoload(session, monkeypatch,
                                                                 options, limit):
    """The statement reaches the database once (no COUNT first); without
    maxobs() the default limit holds, maxobs() sets it, force skips it; a
    refusal is r(5105) and leaves the writer aborted, nothing loaded."""
    monkeypatch.setattr(guard, "DEFAULT_MAXOBS", 4)
    statement = commands.query_statement("SELECT id FROM people", session.catalog.dialect)
    writer = MemoryWriter()
    with capture() as got:
        if limit is None:
            result = commands.query(statement, session, writer, say=lambda _: None, **options)
        else:
            with pytest.raises(ResultTooLarge) as info:
                commands.query(statement, session, writer, say=lambda _: None, **options)
    assert len(reads_of_people(got)) == 1
    if limit is None:
        assert result.nobs == 5 and sorted(writer.data["id"]) == [1, 2, 3, 4, 5]
    else:
        assert info.value.rc == 5105
        assert info.value.message == (f"result too large: more than {limit} observations; "
                                      f"maxobs() is {limit}")
        assert writer.aborted and not writer.committed and writer.data == {}


def test_a_refused_leoquery_leaves_the_data_in_stata_as_they_were(session, fake_sfi):
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    statement = commands.query_statement("SELECT id FROM people", session.catalog.dialect)
    with capture() as got, pytest.raises(ResultTooLarge) as info:
        commands.query(statement, session, SfiWriter(), maxobs=4, say=lambda _: None)
    assert info.value.rc == 5105 and fake_sfi.snapshot() == before
    assert len(reads_of_people(got)) == 1
    commands.query(statement, session, SfiWriter(), maxobs=5, say=lambda _: None)
    assert fake_sfi.snapshot()["frames"]["default"]["nobs"] == 5


def test_sqlshow_is_the_same_option_as_showsql(session):
    shown: list = []
    for option in ("showsql", "sqlshow", "sqls", "showsql sqlshow"):
        shown.clear()
        job, outcome = commands.load(f"people id, {option}", session, lambda _j: MemoryWriter(),
                                     show=shown.append, say=lambda _: None)
        assert job.option("showsql") is True and "sqlshow" not in job.plan.options
        assert shown == [job.sql] and outcome.result.nobs == 5
    with pytest.raises(StataSyntaxError, match="option sql not allowed"):
        commands.prepare_load("people id, sql", session)


def test_progress_total_is_the_results_size_or_none(session):
    """The percent is shown only against the result's size: the count of a
    filtered load (exact), the table's estimate for the whole table ("about"),
    never the table's rows for a filtered or collapsed result."""
    def lines(command):
        seen: list = []
        job = commands.prepare_load(command, session)
        commands.deliver(job.delivery(), session.engine, MemoryWriter(), say=lambda _: None,
                         progress=seen.append, progress_after=0.0)
        return seen
    filtered = lines("people id if id > 2")  # not small per the catalog: counted
    table = session.catalog.table("people")
    assert all(p.total in (None, 3) and not p.approximate for p in filtered)
    whole = lines("people id")
    if table.approx_rows is not None:
        assert all(p.total == table.approx_rows and p.approximate for p in whole)
    else:  # no estimate: counted
        assert all(p.total == 5 and not p.approximate for p in whole)
    collapsed = lines("people, collapse((mean) r)")
    assert collapsed and all(p.total is None for p in collapsed)
