"""connection.py: engines are read-only wherever the database can enforce it,
and PostgreSQL is reached through pyodbc + psqlODBC."""

import re
import socket
import time

import pytest
from sqlalchemy import text

from leostata.connection import (CONNECT_TIMEOUT_ENV, QUERY_TIMEOUT_ENV, dialect_of, engine_for,
                                 timeout_seconds)
from leostata.errors import ConnectionFailed, InternalError, StataSyntaxError, StatementRefused
from leostata.session import open_session
from tests import conftest
from tests.conftest import pg_url


@pytest.mark.sends_writes
def test_reader_refuses_writes_on_every_engine(any_db):
    writer = any_db.writer()
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    writer.dispose()
    reader = any_db.reader()
    with reader.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1
        with pytest.raises(Exception, match="(?i)read.?only|readonly|query_only|attempt to write|"
                                             "not authorized|refused by the driver guard"):
            conn.execute(text("INSERT INTO t VALUES (2)"))
    reader.dispose()


def test_postgres_goes_through_pyodbc_and_psqlodbc(pg_db):
    engine = pg_db.reader()
    with engine.connect() as conn:
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "pyodbc"
        assert "psqlodbc" in conn.connection.dbapi_connection.getinfo(6).lower()  # SQL_DRIVER_NAME
        assert conn.execute(text("SELECT 1 + 1")).scalar() == 2
    engine.dispose()


def test_invalid_url_does_not_echo_the_url():
    with pytest.raises(ConnectionFailed) as err:
        engine_for("not a url with password=hunter2")
    assert "hunter2" not in err.value.render() and err.value.rc == 5101


# --- the driver's second line of defence (issue 11) ----------------------------------------

def _victim(db):
    writer = db.writer()
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE victim (x INTEGER)"))
        conn.execute(text("INSERT INTO victim VALUES (1), (2)"))
    writer.dispose()


def _rows(db) -> int:
    engine = db.reader()
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM victim")).scalar()
    engine.dispose()
    return n


@pytest.mark.sends_writes
def test_duckdb_reader_cannot_touch_files_nor_unlock_its_settings(tmp_path):
    db = conftest.TestDB("duckdb", f"duckdb:///{tmp_path}/db.duckdb")
    _victim(db)
    reader = db.reader()
    leak = tmp_path / "leak.csv"
    for statement in (f"COPY victim TO '{leak}'", "SELECT * FROM read_csv('/etc/passwd')",
                      "SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM glob('/etc/*')",
                      "SET enable_external_access = true", "SET lock_configuration = false",
                      "ATTACH ':memory:' AS other"):
        with reader.connect() as conn:
            with pytest.raises(Exception, match="(?i)permission|disabled|lock|read.?only"):
                conn.execute(text(statement))
    assert not leak.exists() and _rows(db) == 2
    reader.dispose()


@pytest.mark.sends_writes
def test_duckdb_reader_runs_only_what_duckdbs_own_parser_reads_as_one_statement(tmp_path):
    db = conftest.TestDB("duckdb", f"duckdb:///{tmp_path}/db.duckdb")
    _victim(db)
    reader = db.reader()
    with reader.connect() as conn:
        with pytest.raises(StatementRefused, match="several statements"):
            conn.execute(text("SELECT 1; DELETE FROM victim"))
        assert conn.execute(text("SELECT ';' AS s")).scalar() == ";"
    reader.dispose()
    assert _rows(db) == 2


@pytest.mark.sends_writes
def test_sqlite_runs_one_statement_per_call(tmp_path):
    db = conftest.TestDB("sqlite", f"sqlite:///{tmp_path}/db.sqlite")
    _victim(db)
    reader = db.reader()
    with reader.connect() as conn:
        with pytest.raises(Exception, match="(?i)one statement"):
            conn.execute(text("SELECT 1; DELETE FROM victim"))
    reader.dispose()
    assert _rows(db) == 2


@pytest.mark.sends_writes
def test_postgres_every_transaction_is_read_only(pg_db):
    _victim(pg_db)
    reader = pg_db.reader()
    with reader.connect() as conn:
        assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
        with pytest.raises(StatementRefused, match="driver guard"):
            conn.execute(text("DELETE FROM victim"))
    with reader.connect() as conn:  # under the guard, the transaction itself refuses
        conn.execute(text("SELECT 1"))
        raw = conn.connection.dbapi_connection.cursor()
        with pytest.raises(Exception, match="read-only transaction"):
            raw.execute("DELETE FROM victim")
    with reader.connect() as conn:  # a new transaction on a pooled connection: still read only
        assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
    reader.dispose()
    assert _rows(pg_db) == 2


def test_a_read_only_engine_refuses_to_commit(any_db):
    _victim(any_db)
    reader = any_db.reader()
    with reader.connect() as conn:
        conn.execute(text("SELECT COUNT(*) FROM victim")).scalar()
        with pytest.raises(InternalError, match="commit"):
            conn.commit()
    reader.dispose()


def test_the_odbc_login_gives_up_after_the_connect_timeout(monkeypatch):
    """A host that accepts TCP and never answers: r(5101) after the time-out, not a hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    odbc = f"DRIVER={{PostgreSQL Unicode}};SERVER=127.0.0.1;PORT={port};DATABASE=x;UID=u"
    monkeypatch.setenv(CONNECT_TIMEOUT_ENV, "1")
    started = time.monotonic()
    try:
        with pytest.raises(ConnectionFailed):
            open_session(pg_url(odbc))
    finally:
        listener.close()
    assert time.monotonic() - started < 10


@pytest.mark.postgres
def test_a_statement_longer_than_the_query_timeout_is_cancelled(pg_db, monkeypatch):
    monkeypatch.setenv(QUERY_TIMEOUT_ENV, "1")
    reader = pg_db.reader()
    started = time.monotonic()
    with reader.connect() as conn:
        with pytest.raises(Exception, match="statement timeout"):
            conn.execute(text("SELECT pg_sleep(5)"))
    reader.dispose()
    assert time.monotonic() - started < 4


@pytest.mark.parametrize("raw", ["soon", "-1", "1.5"])
def test_a_bad_timeout_setting_is_a_syntax_error(raw, monkeypatch):
    monkeypatch.setenv(QUERY_TIMEOUT_ENV, raw)
    with pytest.raises(StataSyntaxError) as err:
        timeout_seconds(QUERY_TIMEOUT_ENV, None)
    assert err.value.rc == 198


def test_dialect_of_reads_the_url_without_connecting():
    assert dialect_of("mssql+pyodbc://u:p@nowhere.invalid/db?driver=x") == "mssql"
    assert dialect_of("postgresql+pyodbc:///?odbc_connect=x") == "postgresql"
    with pytest.raises(ConnectionFailed):
        dialect_of("not a url password=hunter2")


@pytest.mark.sends_writes
def test_sqlite_reader_cannot_attach_or_vacuum_into_a_new_file(tmp_path):
    """query_only alone lets ATTACH create a file; the authorizer denies it."""
    db = conftest.TestDB("sqlite", f"sqlite:///{tmp_path}/db.sqlite")
    _victim(db)
    reader = db.reader()
    for statement in (f"ATTACH '{tmp_path}/new.db' AS other",
                      f"VACUUM INTO '{tmp_path}/copy.db'", "PRAGMA writable_schema = ON",
                      "PRAGMA journal_mode = DELETE"):
        with reader.connect() as conn:
            with pytest.raises(Exception, match="not authorized|authorization denied"):
                conn.execute(text(statement))
    with reader.connect() as conn:  # reflection pragmas and CTEs still work
        assert conn.execute(text("PRAGMA table_info(victim)")).fetchall()
        assert conn.execute(text("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                                 "FROM r WHERE n < 3) SELECT COUNT(*) FROM r")).scalar() == 3
    reader.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.sqlite"]


@pytest.mark.sends_writes
def test_postgres_reader_runs_only_what_postgresqls_own_scanner_reads_as_one_statement(pg_db):
    _victim(pg_db)
    reader = pg_db.reader()
    for statement in ("SELECT ARRAY[']'];COMMIT;BEGIN TRANSACTION READ WRITE;DELETE FROM victim;"
                      "COMMIT;SELECT ARRAY['[']",
                      "SELECT $$ ' $$ ; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT",
                      "SELECT E'\\''; COMMIT; BEGIN READ WRITE; DELETE FROM victim; COMMIT"):
        with reader.connect() as conn:
            with pytest.raises(StatementRefused, match="several statements"):
                conn.execute(text(statement))
    with reader.connect() as conn:
        assert conn.execute(text("SELECT ';' AS s")).scalar() == ";"
    reader.dispose()
    assert _rows(pg_db) == 2


@pytest.mark.sends_writes
def test_sqlite_reader_cannot_turn_query_only_off(tmp_path):
    db = conftest.TestDB("sqlite", f"sqlite:///{tmp_path}/db.sqlite")
    _victim(db)
    reader = db.reader()
    with reader.connect() as conn:
        with pytest.raises(Exception, match="not authorized"):
            conn.execute(text("PRAGMA query_only = OFF"))
        assert conn.execute(text("PRAGMA query_only")).scalar() == 1
    reader.dispose()


@pytest.mark.sends_writes
@pytest.mark.parametrize("statement, words", [
    ("COPY victim TO '/tmp/leostata-never-written.csv'", "CopyStmt"),
    ("SELECT dblink_exec('dbname=x', 'DELETE FROM victim')", "dblink_exec()"),
    ('SELECT "dblink"(\'dbname=x\', \'SELECT 1\')', "dblink()"),
    ("SELECT lo_import('/etc/passwd')", "lo_import()"),
    ("SELECT set_config('default_transaction_read_only', 'off', false)", "set_config()"),
    ("SELECT x FROM victim WHERE x IN (SELECT nextval('s'))", "nextval()"),
    ("SELECT pg_catalog.pg_terminate_backend(1)", "pg_terminate_backend()"),
])
def test_postgres_reader_refuses_what_a_read_only_transaction_would_still_allow(
        pg_db, statement, words):
    """COPY TO a server file and functions acting outside the transaction
    (dblink opens its own connection) pass READ ONLY; PostgreSQL's parser,
    in the driver guard, refuses them."""
    _victim(pg_db)
    reader = pg_db.reader()
    with reader.connect() as conn:
        with pytest.raises(StatementRefused, match=re.escape(words)):
            conn.execute(text(statement))
    reader.dispose()
    assert _rows(pg_db) == 2
