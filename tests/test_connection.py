"""connection.py: engines are read-only wherever the database can enforce it,
and PostgreSQL is reached through pyodbc + psqlODBC."""

import pytest
from sqlalchemy import text

from leostata.connection import engine_for
from leostata.errors import ConnectionFailed


def test_reader_refuses_writes_on_every_engine(any_db):
    writer = any_db.writer()
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    writer.dispose()
    reader = any_db.reader()
    with reader.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1
        with pytest.raises(Exception, match="(?i)read.?only|readonly|query_only|attempt to write"):
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
