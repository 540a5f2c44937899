"""commands.py: leoquery's statement on a real engine, Stata's in-range rule, and
names as the catalog shows them, on real engines."""

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, text

from leostata import commands
from leostata.errors import StataSyntaxError, StatementRefused
from leostata.session import open_session
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter


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


def load(session, command):
    job = commands.prepare_load(command, session)
    writer = MemoryWriter()
    stream(job.statement, session.engine, job.plan.outputs, writer, meta=job.meta())
    return writer


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
