"""SQLAlchemy engines from a resolved ``config.Setting``: driver choice,
time-outs, and read-only sessions.  No SQL semantics live here.

Takes a ``Setting`` (or URL); returns an ``Engine`` whose sessions refuse to
write wherever the database can enforce it.  This is the second line of
defence behind ``readonly.check_query`` (leoquery) and behind leostata's own
compiled SELECTs, so a checker bug is not a write:

* DuckDB: the file is opened ``read_only``, with external access (files,
  URLs, extensions) disabled and the configuration locked, so no statement can
  re-enable either; every statement is split by DuckDB's own parser first and
  refused unless it is exactly one statement.
* SQLite: ``PRAGMA query_only = ON`` on every connection, and an authorizer
  (SQLite's own per-action check) that allows reading, functions, CTEs,
  transactions and the reflection pragmas, and denies everything else -
  ``ATTACH`` (which would create a file; also the first step of ``VACUUM
  INTO``), writes, DDL, other pragmas; Python's sqlite3 runs one statement
  per call and refuses more.
* PostgreSQL: ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` on
  every connection and ``SET TRANSACTION READ ONLY`` at the start of every
  transaction.  psqlODBC has no single-statement protocol (it splits and runs
  ``SELECT ?; DELETE ...`` even with a bound parameter, tested), so a text
  that ends the transaction and opens a read-write one (``COMMIT; BEGIN
  READ WRITE; DELETE ...``) would defeat those settings, and a read-only
  transaction still allows ``COPY ... TO`` a server file and functions that
  act outside it (``dblink_exec`` opens its own read-write connection).  So
  every statement is first read by PostgreSQL's own parser (libpg_query,
  through ``pglast``) and refused unless it is exactly one SELECT (or SHOW)
  calling none of the functions in ``PG_DENIED_FUNCTIONS`` (files, large
  objects, other connections, sessions, locks, sequences, administration).
  Without ``pglast`` (``pip install leostata[postgresql]``) a read-only
  PostgreSQL engine refuses to run anything.
* SQL Server: no session switch exists.  Every transaction on a read-only
  engine ends in a rollback (a commit is refused as an internal error), and
  ``leostata doctor`` reports whether the login could write, so sites can give
  leostata a read-only login, the defence that holds whatever is sent.

Time-outs (seconds; environment variables, 0 for none): ``LEOSTATA_CONNECT_TIMEOUT``
(default 30) for the ODBC login, ``LEOSTATA_QUERY_TIMEOUT`` (default none) for
each statement: ``statement_timeout`` on PostgreSQL (psqlODBC has no
``SQL_ATTR_QUERY_TIMEOUT``), the ODBC query time-out on SQL Server.  DuckDB
and SQLite are local files and have none.

Also registers ``postgresql+pyodbc`` (SQLAlchemy ships none): PostgreSQL
reached through unixODBC and the psqlODBC driver, the same driver path as SQL
Server in the SRS.  Give the ODBC string as ``odbc_connect``; add
``UseDeclareFetch=1`` so psqlODBC does not buffer whole results.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import Engine, make_url

from .config import Setting, mask_url
from .errors import ConnectionFailed, InternalError, StataSyntaxError, StatementRefused

CONNECT_TIMEOUT_ENV = "LEOSTATA_CONNECT_TIMEOUT"
QUERY_TIMEOUT_ENV = "LEOSTATA_QUERY_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 30
#: DuckDB settings of a read-only connection (locked once set).
DUCKDB_READ_ONLY = {"enable_external_access": False, "lock_configuration": True}


def _pg_dialect_pyodbc() -> type:
    """The ``PGDialect_pyodbc`` class, made on first use: SQLAlchemy's
    PostgreSQL dialect module costs about 0.02 s to import, which a SQL
    Server or SQLite command need not pay (bench/bench_start.py)."""
    from sqlalchemy.connectors.pyodbc import PyODBCConnector
    from sqlalchemy.dialects.postgresql.base import PGDialect

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

    PGDialect_pyodbc.__module__, PGDialect_pyodbc.__qualname__ = __name__, "PGDialect_pyodbc"
    globals()["PGDialect_pyodbc"] = PGDialect_pyodbc  # made once
    return PGDialect_pyodbc


def __getattr__(name: str):
    """``connection.PGDialect_pyodbc`` (what the registry below names) is
    made when first asked for."""
    if name == "PGDialect_pyodbc":
        return _pg_dialect_pyodbc()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


registry.register("postgresql.pyodbc", __name__, "PGDialect_pyodbc")


def dialect_of(url: str) -> str:
    """The SQLAlchemy dialect name (``mssql``, ``postgresql``, ...) of ``url``,
    without connecting."""
    try:
        return make_url(url).get_backend_name()
    except Exception as exc:  # the message may contain the URL: do not echo it
        raise ConnectionFailed("invalid database URL (check leoset or --url)") from exc


def timeout_seconds(env: str, default: int | None) -> int | None:
    """A time-out from the environment: whole seconds, 0 or empty for none."""
    raw = os.environ.get(env, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise StataSyntaxError(f"{env}={raw!r} is not a whole number of seconds") from None
    if value < 0:
        raise StataSyntaxError(f"{env} must be 0 (none) or a positive number of seconds")
    return value or None


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
        kwargs["connect_args"] = ({"read_only": True, "config": dict(DUCKDB_READ_ONLY)}
                                  if readonly else {"read_only": False})
    if parsed.get_driver_name() == "pyodbc":
        login = timeout_seconds(CONNECT_TIMEOUT_ENV, DEFAULT_CONNECT_TIMEOUT)
        if login:
            kwargs["connect_args"] = {"timeout": login}
    try:
        engine = create_engine(parsed, **kwargs)
    except Exception as exc:
        raise ConnectionFailed(f"cannot use database driver {parsed.drivername!r}: {type(exc).__name__}") from exc
    query = timeout_seconds(QUERY_TIMEOUT_ENV, None)
    if query and backend == "postgresql":  # psqlODBC has no SQL_ATTR_QUERY_TIMEOUT
        event.listen(engine, "connect", _session_setting(f"SET statement_timeout = {query * 1000}"))
    elif query and parsed.get_driver_name() == "pyodbc":
        event.listen(engine, "connect", lambda dbapi, _record: setattr(dbapi, "timeout", query))
    if not readonly:
        return engine
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_query_only)
    if backend == "postgresql":
        event.listen(engine, "connect", _postgres_read_only)
        event.listen(engine, "begin", _postgres_read_only_transaction)
        event.listen(engine, "before_cursor_execute", _postgres_one_statement)
    if backend == "duckdb":
        event.listen(engine, "before_cursor_execute", _duckdb_one_statement)
    event.listen(engine, "commit", _refuse_commit)
    return engine


def _session_setting(sql: str):
    """A ``connect`` listener that sends ``sql`` (a fixed session setting)."""
    def listener(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute(sql)
        cursor.close()
        if not getattr(dbapi_connection, "autocommit", True):
            dbapi_connection.commit()
    return listener


def _sqlite_query_only(dbapi_connection, _record):
    dbapi_connection.execute("PRAGMA query_only = ON")
    dbapi_connection.set_authorizer(_sqlite_authorizer)


#: SQLite authorizer action codes a read-only connection allows
#: (https://sqlite.org/c3ref/c_alter_table.html): READ, SELECT, TRANSACTION,
#: FUNCTION, SAVEPOINT, RECURSIVE; PRAGMA only for ``SQLITE_READ_PRAGMAS``.
_SQLITE_READ_ACTIONS = frozenset({20, 21, 22, 31, 32, 33})
_SQLITE_PRAGMA = 19
#: SQLite asks for UPDATE on its schema table when a SELECT joins it to a
#: table-valued pragma (``pragma_table_info``, the catalog's query); query_only
#: and the denied ``writable_schema`` pragma keep it from being written.
_SQLITE_UPDATE = 23
_SQLITE_SCHEMA_TABLES = frozenset({"sqlite_master", "sqlite_schema", "sqlite_temp_master"})
#: Pragmas that only report (SQLAlchemy's reflection; their argument is a table
#: or index name), and the two settings a reader may touch: its isolation level
#: (SQLAlchemy's probe) and query_only, which may only be read or turned on.
SQLITE_READ_PRAGMAS = frozenset({"table_info", "table_xinfo", "index_list", "index_info",
                                 "index_xinfo", "foreign_key_list", "database_list",
                                 "read_uncommitted"})


def _sqlite_authorizer(action, arg1, arg2, _db, _trigger):
    import sqlite3
    if action in _SQLITE_READ_ACTIONS:
        return sqlite3.SQLITE_OK
    if action == _SQLITE_UPDATE and arg1 in _SQLITE_SCHEMA_TABLES:
        return sqlite3.SQLITE_OK  # SQLite asks this when a query joins its schema table
    if action == _SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in SQLITE_READ_PRAGMAS or (
                name == "query_only" and (arg2 is None or str(arg2).lower() in ("1", "on",
                                                                                "true"))):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


#: Every PostgreSQL session of a read-only engine (also sent by arrow-odbc's
#: connection string: ``fetch.arrow_odbc``).
_postgres_read_only = _session_setting("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")


def _postgres_read_only_transaction(conn):
    """Every transaction on a read-only PostgreSQL engine starts READ ONLY."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute("SET TRANSACTION READ ONLY")
    finally:
        cursor.close()


def _duckdb_one_statement(conn, cursor, statement, parameters, context, executemany):
    """Refuse a text DuckDB's own parser reads as more than one statement."""
    import duckdb
    try:
        count = len(duckdb.extract_statements(statement))
    except duckdb.Error:
        return  # not parseable: DuckDB itself refuses it when it runs
    if count != 1:
        raise StatementRefused("only one statement may be sent (refused by the driver "
                               "guard: DuckDB reads this text as several statements)")


#: PostgreSQL functions a read-only connection never calls, by name prefix
#: (PostgreSQL's documentation: "System Administration Functions", "Large
#: Objects", "dblink", "Sequence Manipulation", "Advisory Lock Functions",
#: "Configuration Settings Functions", "Generic File Access Functions").
PG_DENIED_FUNCTIONS = (
    "dblink", "lo_", "pg_read_", "pg_ls_", "pg_stat_file", "pg_file_", "pg_terminate_backend",
    "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile", "pg_switch_wal",
    "pg_create_", "pg_drop_", "pg_replication_", "pg_logical_", "pg_promote", "pg_notify",
    "pg_advisory", "pg_try_advisory", "set_config", "nextval", "setval",
    "currval", "lastval", "txid_current", "pg_current_xact_id", "query_to_xml",
    "query_to_xml_and_xmlschema", "cursor_to_xml", "pg_import_system_collations",
)
_PG_STATEMENTS = ("SelectStmt", "VariableShowStmt")


def _postgres_one_statement(conn, cursor, statement, parameters, context, executemany):
    """Refuse anything but one SELECT (or SHOW) as PostgreSQL's own parser
    reads it, and any call of a function in ``PG_DENIED_FUNCTIONS``.  A
    statement with bound parameters is leostata's own compiled SQL (user SQL
    never has any), whose ``?`` markers are not PostgreSQL syntax: it is split
    by PostgreSQL's scanner only."""
    try:
        import pglast
        from pglast import ast
    except ImportError:
        raise StatementRefused("leostata needs the pglast package to guard a read-only "
                               "PostgreSQL connection", hint="pip install leostata[postgresql]"
                               ) from None
    if parameters:
        try:
            count = len(pglast.parser.split(statement, with_parser=False))
        except pglast.parser.ParseError:
            count = 1  # the scanner cannot read it: PostgreSQL refuses it when it runs
        if count > 1:
            raise StatementRefused("only one statement may be sent (refused by the driver "
                                   "guard: PostgreSQL reads this text as several statements)")
        return
    try:
        tree = pglast.parse_sql(statement)
    except pglast.parser.ParseError as exc:
        raise StatementRefused("the driver guard could not read this statement as "
                               f"PostgreSQL does: {exc}") from None
    if len(tree) != 1:
        raise StatementRefused("only one statement may be sent (refused by the driver guard: "
                               "PostgreSQL reads this text as several statements)")
    kind = type(tree[0].stmt).__name__
    if kind not in _PG_STATEMENTS:
        raise StatementRefused(f"only SELECT statements are sent (refused by the driver guard: "
                               f"PostgreSQL reads this as {kind})")
    for node in _pg_nodes(tree):
        if isinstance(node, ast.FuncCall):
            name = (getattr(node.funcname[-1], "sval", "") or "").lower()
            if name.startswith(PG_DENIED_FUNCTIONS):
                raise StatementRefused(f"statement refused by the driver guard: {name}() acts "
                                       "outside a read-only query")


def _pg_nodes(node):
    from pglast import ast
    if isinstance(node, ast.Node):
        yield node
        for attr in node.__slots__:
            yield from _pg_nodes(getattr(node, attr, None))
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _pg_nodes(item)


def _refuse_commit(conn):
    raise InternalError("a read-only connection was asked to commit; nothing was written")


#: SQLSTATEs of a statement cancelled by a time-out (PostgreSQL, ODBC).
_TIMEOUT_STATES = ("57014", "HYT00", "HYT01")


def db_message(exc: Exception) -> str:
    """One line of the driver's message, secrets masked; a cancelled
    statement names the time-out setting."""
    orig = getattr(exc, "orig", None) or exc
    text = mask_url(" ".join(str(orig).split()))[:500]
    if any(f"'{state}'" in text or f"[{state}]" in text for state in _TIMEOUT_STATES):
        return ("the statement ran longer than LEOSTATA_QUERY_TIMEOUT allows and was "
                f"cancelled ({text})")
    return text


#: The per-statement guards of read-only engines.  The arrow-odbc path runs
#: only leostata's own compiled SELECTs, so it need not keep them (see
#: ``fetch.arrow_odbc._observed``).
STATEMENT_GUARDS = (_duckdb_one_statement, _postgres_one_statement)
