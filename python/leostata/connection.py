"""SQLAlchemy engines from a resolved ``config.Setting``: driver choice and
read-only sessions.  No SQL semantics live here.

Takes a ``Setting`` (or URL); returns an ``Engine`` whose sessions refuse to
write wherever the database can enforce it:

* DuckDB: the file is opened ``read_only``.
* SQLite: ``PRAGMA query_only = ON`` on every connection.
* PostgreSQL: ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY``.
* SQL Server: no session switch exists; leostata only ever sends SELECT
  statements it compiled itself (and ``leoquery`` checks user SQL), and the
  SRS grants read-only logins.

Also registers ``postgresql+pyodbc`` (SQLAlchemy ships none): PostgreSQL
reached through unixODBC and the psqlODBC driver, the same driver path as SQL
Server in the SRS.  Give the ODBC string as ``odbc_connect``; add
``UseDeclareFetch=1`` so psqlODBC does not buffer whole results.
"""

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.connectors.pyodbc import PyODBCConnector
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.engine import Engine, make_url

from .config import Setting
from .errors import ConnectionFailed


class PGDialect_pyodbc(PyODBCConnector, PGDialect):
    """PostgreSQL over pyodbc + psqlODBC (SQLAlchemy's PostgreSQL dialect with
    its generic pyodbc connector)."""

    supports_statement_cache = True
    supports_native_decimal = True
    use_setinputsizes = False

    def _get_server_version_info(self, connection):
        text = connection.exec_driver_sql("SHOW server_version").scalar()
        return tuple(int(p) for p in text.split()[0].split(".")[:2] if p.isdigit())

    def get_isolation_level_values(self, dbapi_connection):
        return ["AUTOCOMMIT", "READ COMMITTED", "READ UNCOMMITTED",
                "REPEATABLE READ", "SERIALIZABLE"]

    def set_isolation_level(self, dbapi_connection, level):
        PyODBCConnector.set_isolation_level(self, dbapi_connection, level)


registry.register("postgresql.pyodbc", __name__, "PGDialect_pyodbc")


def engine_for(setting: Setting | str, *, readonly: bool = True) -> Engine:
    """An Engine for ``setting``; read-only unless ``readonly=False`` (only
    ``leostata synth`` writes, and only to a database it builds)."""
    url = setting.url if isinstance(setting, Setting) else setting
    try:
        parsed = make_url(url)
    except Exception as exc:  # the message may contain the URL: do not echo it
        raise ConnectionFailed("invalid database URL (check leoset or --url)") from exc
    backend = parsed.get_backend_name()
    kwargs: dict = {}
    if backend == "duckdb":
        kwargs["connect_args"] = {"read_only": readonly}
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:
        raise ConnectionFailed(f"cannot use database driver {parsed.drivername!r}: {type(exc).__name__}") from exc
    if readonly and backend == "sqlite":
        event.listen(engine, "connect", _sqlite_query_only)
    if readonly and backend == "postgresql":
        event.listen(engine, "connect", _postgres_read_only)
    return engine


def _sqlite_query_only(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA query_only = ON")


def _postgres_read_only(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    if not getattr(dbapi_connection, "autocommit", True):
        dbapi_connection.commit()
