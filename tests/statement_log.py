"""pytest plugin: record every statement the databases receive during the test
run, and fail the run if a read-only engine received anything but a read.

Loaded by ``tests/conftest.py`` (``pytest_plugins``).  Issue 11, item 2.

What is recorded, and where (each statement once, at the lowest seam that
sees it):

* **DBAPI connections**, wrapped when the driver opens them: ``pyodbc.connect``
  returns a recording proxy (pyodbc's types cannot be subclassed or patched),
  ``sqlite3.connect`` a recording subclass of ``sqlite3.Connection``, and
  ``duckdb.DuckDBPyConnection``'s methods are wrapped on the class.  This sees
  what SQLAlchemy's cursor events do not: statements of ``connect`` listeners
  (``PRAGMA query_only = ON``, ``SET SESSION CHARACTERISTICS ...``), of
  SQLAlchemy's dialect initialisation, of ``begin`` listeners that use the
  DBAPI cursor directly, and of code holding the raw connection
  (``driver_connection.execute``, the raw DuckDB connection ``stream``
  fetches from).  DuckDB API calls that change a connection without SQL
  (``register``, ``append``, ``load_extension``, file readers ...) are
  recorded as ``api`` entries, which are never reads.
* **psqlODBC ``ConnSettings``** of every ODBC connection string (pyodbc and
  arrow-odbc): the driver sends them itself at connect; recorded one
  statement per ``;``.
* **arrow-odbc**: ``arrow_odbc``'s ``connect`` and ``Connection._execute``
  (the one place both ``read_arrow_batches`` and ``execute`` send a query).
* **SQLAlchemy**: one global ``before_cursor_execute`` listener on ``Engine``
  names the path (``sqlalchemy`` / ``exec_driver_sql``) of statements the
  DBAPI wrappers then see, and records by itself any statement for a driver
  that is not wrapped.  A statement a listener refuses before it reaches the
  driver (leostata's DuckDB one-statement guard) is not recorded: the
  database never received it.  ``fetch.arrow_odbc._observed`` is shown the engine
  without this recorder's listeners, since the recorder does see arrow-odbc
  (otherwise every pyodbc engine would look observed and never use it).

Which engine a statement belongs to: a global ``do_connect`` listener opens
each DBAPI connection itself (and ``duckdb_engine.Dialect.connect`` is
wrapped, since that dialect switches dialect events off), so every driver
connection opened meanwhile in that thread is tied to the engine's dialect.
``leostata.connection.engine_for`` is wrapped:
``readonly=False`` tags a **writer**, anything else a **reader**.  Engines
made by ``sqlalchemy.create_engine`` elsewhere are **unmanaged** (a DuckDB one
opened ``read_only=True`` counts as a reader); the engine given to
``leostata.synth.build`` is a writer while it builds.  Driver connections
opened outside any engine are **direct**; arrow-odbc connections belong to
the engine ``fetch.arrow_odbc.plan`` planned them for.

Checked (must be a read): every statement on a reader, and every statement
that leostata's own code sends on an unmanaged engine or direct connection
(the innermost caller outside drivers, SQLAlchemy and the standard library
is under ``python/leostata``; a test's callback run by leostata is the
test's).  Writers, and tests' own fixture
statements on unmanaged/direct connections, are recorded and counted only.
A read is what ``classify`` accepts: one query (SELECT, set operation, WITH
... SELECT, parenthesised query) parsed by sqlglot in the engine's dialect,
with no INTO, locking, data-modifying CTE or side-effect function
(``DENIED_FUNCTIONS``), or exactly one of ``SESSION_STATEMENTS``.

Tests that deliberately send a non-read through a read-only engine (to prove
the database refuses it) carry ``@pytest.mark.sends_writes``; their statements
are excused and the tests are listed in the summary.

The summary at the end gives the counts by engine kind and path, and each
refused statement with the test that sent it.  ``LEOSTATA_STATEMENT_LOG=file``
also writes every distinct statement there (JSON lines).

Not seen: statements psqlODBC makes up itself (``BEGIN``, ``DECLARE ... CURSOR``
and ``FETCH`` of ``UseDeclareFetch``, its connect-time settings queries),
DuckDB's module-level default connection (``duckdb.execute``), and anything
run in a subprocess.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import inspect
import logging
import os
import re
import sys
import sysconfig
import threading
import weakref
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

# ---------------------------------------------------------------------------
# What a read-only engine may receive besides queries: ONE list.
#
# One line per statement: the SQLAlchemy dialect name(s), comma-separated,
# then the statement.  Matched exactly after normalising (whitespace runs to
# one space, no trailing ``;``, case-insensitive); the only holes are
# ``{int}`` (digits) and ``{ident}`` (one identifier, quoted or bare,
# optionally dotted).  Adding a statement is adding a line.
# ---------------------------------------------------------------------------
SESSION_STATEMENTS = """
postgresql  SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY  # connect listener, fetch_arrow
postgresql  SET TRANSACTION READ ONLY               # connection: each transaction of a reader
postgresql  BEGIN READ ONLY
postgresql  START TRANSACTION READ ONLY
postgresql  SET statement_timeout = {int}           # connection: LEOSTATA_QUERY_TIMEOUT
postgresql  SHOW server_version                     # connection.PGDialect_pyodbc
postgresql  show standard_conforming_strings        # SQLAlchemy PGDialect.initialize
postgresql  show transaction isolation level        # SQLAlchemy PGDialect.get_isolation_level
postgresql  SET search_path TO {ident}              # tests/conftest.py pg_url (ConnSettings)
sqlite      PRAGMA query_only = ON                  # connection._sqlite_query_only
sqlite      PRAGMA read_uncommitted                 # SQLAlchemy SQLiteDialect.get_isolation_level
sqlite      PRAGMA {ident}.table_info({ident})      # SQLAlchemy SQLite reflection
sqlite      PRAGMA {ident}.table_xinfo({ident})
sqlite      PRAGMA {ident}.index_list({ident})
sqlite      PRAGMA {ident}.index_info({ident})
sqlite      PRAGMA {ident}.foreign_key_list({ident})
duckdb      SET enable_external_access = false      # DuckDB read-only defences
duckdb      SET lock_configuration = true
mssql       SET XACT_ABORT ON                       # SQL Server read-only transactions
mssql       BEGIN TRANSACTION
mssql       ROLLBACK
mssql       ROLLBACK TRANSACTION
"""

#: Functions with side effects (sequences, locks, session state, admin,
#: files, network, SQL in a string) that make a SELECT more than a read.
#: Lower case; a name ending in ``*`` is a family prefix.
DENIED_FUNCTIONS = {
    "postgresql": """
        nextval setval set_config txid_current pg_current_xact_id pg_notify
        pg_advisory_* pg_try_advisory_* pg_terminate_backend pg_cancel_backend
        pg_reload_conf pg_rotate_logfile pg_switch_wal pg_create_restore_point pg_promote
        pg_create_*_replication_slot pg_drop_replication_slot pg_replication_origin_*
        pg_logical_emit_message pg_stat_reset* pg_import_system_collations
        pg_read_file pg_read_binary_file pg_ls_* pg_stat_file pg_file_* lo_* lowrite loread
        dblink* query_to_xml* query_to_json* table_to_xml* cursor_to_xml*
    """,
    "duckdb": """
        nextval setseed getenv query query_table read_* parquet_* glob sniff_csv iceberg_*
        delta_scan sqlite_* postgres_* mysql_*
    """,
    "sqlite": "load_extension readfile writefile edit fts3_tokenizer",
    "mssql": """
        openrowset opendatasource openquery openxml fn_xe_file_target_read_file
        fn_get_audit_file fn_trace_gettable xp_*
    """,
}

#: SQL Server table hints that take no lock beyond a plain read.
READ_HINTS = {"NOLOCK", "READUNCOMMITTED"}

#: SQLAlchemy dialect name -> sqlglot dialect name.
SQLGLOT_DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "sqlite": "sqlite",
                    "duckdb": "duckdb"}

_IDENT = r'(?:"(?:[^"]|"")*"|\[[^\]]*\]|`[^`]*`|[a-z_][a-z0-9_$]*)'
_HOLES = {"{int}": r"\d+", "{ident}": _IDENT + r"(?:\." + _IDENT + r")*"}


def normalise(sql: str) -> str:
    """Whitespace runs to one space, no trailing ``;``, case-folded."""
    text = " ".join(sql.split())
    while text.endswith(";"):
        text = text[:-1].rstrip()
    return text.casefold()


def _template(statement: str) -> re.Pattern:
    parts = re.split(r"(\{int\}|\{ident\})", normalise(statement))
    return re.compile("".join(_HOLES.get(p, re.escape(p)) for p in parts))


def _session_statements(text: str) -> dict[str, list[re.Pattern]]:
    out: dict[str, list[re.Pattern]] = collections.defaultdict(list)
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        dialects, statement = line.split(None, 1)
        for d in dialects.split(","):
            out[d].append(_template(statement))
    return out


_ALLOWED = _session_statements(SESSION_STATEMENTS)
_DENIED = {d: set(names.split()) for d, names in DENIED_FUNCTIONS.items()}


@dataclasses.dataclass(frozen=True)
class Verdict:
    read: bool
    reason: str


def session_statement(sql: str, dialect: str) -> bool:
    """True if ``sql`` is one of ``SESSION_STATEMENTS`` for ``dialect``."""
    text = normalise(sql)
    return any(p.fullmatch(text) for p in _ALLOWED.get(dialect, ()))


def _denied_function(name: str, dialect: str) -> bool:
    name = name.lower()
    for pattern in _DENIED.get(dialect, ()):
        if name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1])):
            return True
    return False


@functools.cache
def classify(sql: str, dialect: str, api: bool = False) -> Verdict:
    """Is ``sql`` (sent on a ``dialect`` engine; SQLAlchemy's names) a read?"""
    if api:
        return Verdict(False, "a driver API call that changes the connection, not a query")
    if session_statement(sql, dialect):
        return Verdict(True, "session statement")
    import sqlglot
    from sqlglot import exp
    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is a refusal here
    try:
        trees = [t for t in sqlglot.parse(sql, read=SQLGLOT_DIALECTS.get(dialect)) if t is not None]
    except Exception as exc:
        return Verdict(False, f"sqlglot cannot parse it ({type(exc).__name__})")
    finally:
        logger.setLevel(level)
    if len(trees) != 1:
        return Verdict(False, f"{len(trees)} statements")
    root = trees[0]
    while isinstance(root, (exp.Subquery, exp.Paren)):
        root = root.this
    queries = tuple(getattr(exp, n) for n in ("Select", "SetOperation", "Union", "Intersect",
                                               "Except") if hasattr(exp, n))
    if not isinstance(root, queries):
        return Verdict(False, f"not a query ({type(root).__name__})")
    denied = tuple(getattr(exp, n) for n in (
        "Into", "Lock", "NextValueFor", "Insert", "Update", "Delete", "Merge", "Create", "Drop",
        "Alter", "AlterTable", "Command", "Copy", "Set", "Pragma", "Transaction", "Commit",
        "Rollback", "TruncateTable", "Use", "LoadData", "Grant", "Revoke", "Analyze", "Kill",
        "Declare", "Execute", "Refresh", "Cache", "Uncache", "Attach", "Detach", "Install")
        if hasattr(exp, n))
    for node in root.walk():
        if isinstance(node, denied):
            return Verdict(False, f"contains {type(node).__name__}")
        if isinstance(node, exp.WithTableHint):
            hints = {e.sql(dialect="tsql").upper() for e in node.expressions}
            if not hints <= READ_HINTS:
                return Verdict(False, f"table hint {', '.join(sorted(hints - READ_HINTS))}")
        if isinstance(node, exp.Func):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            if _denied_function(name, dialect):
                return Verdict(False, f"calls {name}()")
    return Verdict(True, "query")


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------

_LEOSTATA_DIR = None  # set by install(): the leostata package folder


@dataclasses.dataclass(frozen=True)
class Statement:
    """One statement as a database received it."""

    sql: str
    dialect: str  #: SQLAlchemy dialect name, or "?"
    kind: str     #: reader / writer / unmanaged / direct
    path: str     #: sqlalchemy, exec_driver_sql, dbapi, arrow-odbc, odbc-connsettings, api
    origin: str   #: "leostata" if leostata's own code sent it, else "test"

    @property
    def checked(self) -> bool:
        """Must this statement be a read?"""
        return self.kind == "reader" or (self.kind in ("unmanaged", "direct")
                                         and self.origin == "leostata")

    @property
    def api(self) -> bool:
        return self.path == "api"

    def verdict(self) -> Verdict:
        return classify(self.sql, self.dialect, self.api)


_SINKS: list[Callable[[Statement], None]] = []
_lock = threading.Lock()
_tls = threading.local()

#: dialect -> (kind, why)
_KINDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: id(dialect) -> depth of leostata.synth.build calls on it
_BUILDING: collections.Counter = collections.Counter()


def tag(engine, kind: str, why: str) -> None:
    """Mark ``engine`` (its dialect) as a ``reader`` or ``writer``."""
    _KINDS[engine.dialect] = (kind, why)


def kind_of(dialect) -> str:
    if dialect is None:
        return "direct"
    tagged = _KINDS.get(dialect)
    if tagged is not None and tagged[0] == "reader":
        return "reader"
    if tagged is not None or _BUILDING[id(dialect)]:
        return "writer"
    return "unmanaged"


#: folders of code that only passes statements on (drivers, SQLAlchemy, the
#: standard library, this module): the first frame outside them sent it
_INFRA = tuple({os.path.abspath(p) + os.sep for p in (sysconfig.get_paths()["stdlib"],
                                                       sysconfig.get_paths()["purelib"],
                                                       sysconfig.get_paths()["platlib"])})


def _origin() -> str:
    """``leostata`` if the innermost caller outside drivers, SQLAlchemy and
    the standard library is leostata's code, else ``test`` (so a test's
    callback run from inside leostata is the test's)."""
    f = sys._getframe(2)
    while f is not None:
        name = f.f_code.co_filename
        if name != __file__ and not name.startswith(_INFRA) and not name.startswith("<"):
            return "leostata" if _LEOSTATA_DIR and name.startswith(_LEOSTATA_DIR) else "test"
        f = f.f_back
    return "test"


class _Owner:
    """Which engine (dialect) a driver connection belongs to."""

    def __init__(self, dialect, name: str):
        self._ref = weakref.ref(dialect) if dialect is not None else None
        self.name = name

    @property
    def dialect(self):
        return self._ref() if self._ref is not None else None


def _owner_now(default_name: str) -> _Owner:
    """The owner of a driver connection opened now: the engine connecting in
    this thread (``do_connect``), else a direct connection."""
    dialect = getattr(_tls, "connecting", None)
    if dialect is not None:
        return _Owner(dialect, dialect.name)
    return _Owner(None, default_name)


def note(sql, owner: _Owner | None, path: str, *, dialect=None, name: str = "?") -> None:
    """Record ``sql`` sent through ``path`` on ``owner``'s connection."""
    if not _SINKS or not isinstance(sql, str):
        return
    if owner is not None:
        dialect, name = owner.dialect, owner.name
    elif dialect is not None:
        name = dialect.name
    kind = kind_of(dialect)
    origin = _origin() if kind in ("unmanaged", "direct") else "-"
    stmt = Statement(sql, name, kind, path, origin)
    with _lock:
        sinks = list(_SINKS)
    for sink in sinks:
        sink(stmt)


def _note_driver(sql, owner: _Owner | None) -> None:
    """A statement reaching a wrapped driver: path from the SQLAlchemy event
    that announced it, if any."""
    expected = getattr(_tls, "expect", None)
    path = "dbapi"
    if expected is not None and isinstance(sql, str) and expected[0] == sql:
        path = expected[1]
        _tls.expect = None
    note(sql, owner, path)


class capture:
    """``with capture() as got:`` - the ``Statement``s recorded meanwhile
    (in every thread), in a list; the session recorder still sees them."""

    def __enter__(self) -> list[Statement]:
        self.got: list[Statement] = []
        with _lock:
            _SINKS.append(self.got.append)
        return self.got

    def __exit__(self, *exc):
        with _lock:
            _SINKS.remove(self.got.append)
        return False


# ---------------------------------------------------------------------------
# SQLAlchemy: global listeners (registered at import)
# ---------------------------------------------------------------------------


def _wrapped_cursor(cursor) -> bool:
    return (isinstance(cursor, (_OdbcCursor, _SqliteCursorMixin))
            or (_DUCKDB_PATCHED and type(cursor).__module__.startswith("duckdb_engine")))


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    path = "exec_driver_sql" if context is not None and context.compiled is None else "sqlalchemy"
    if _SINKS:
        if _wrapped_cursor(cursor):
            _tls.expect = (statement, path)  # the driver wrapper records it
        else:
            note(statement, None, path + " (driver not wrapped)", dialect=conn.dialect)
    return statement, parameters


def _after_cursor_execute(conn, cursor, statement, parameters, context, executemany):
    _tls.expect = None


def _handle_error(context):
    _tls.expect = None


class _connecting:
    """While ``dialect`` opens a DBAPI connection in this thread, every driver
    connection opened belongs to its engine."""

    def __init__(self, dialect, cparams):
        self.dialect = dialect
        if cparams.get("read_only") is True and dialect not in _KINDS:
            _KINDS[dialect] = ("reader", "DuckDB read_only=True")

    def __enter__(self):
        self.previous = getattr(_tls, "connecting", None)
        _tls.connecting = self.dialect

    def __exit__(self, *exc):
        _tls.connecting = self.previous
        return False


def _do_connect(dialect, connection_record, cargs, cparams):
    """Open the DBAPI connection for ``dialect`` (after any instance-level
    ``do_connect`` listener, as SQLAlchemy would) inside ``_connecting``."""
    with _connecting(dialect, cparams):
        for fn in list(getattr(dialect.dispatch.do_connect, "listeners", ())):
            conn = fn(dialect, connection_record, cargs, cparams)
            if conn is not None:
                return conn
        return dialect.connect(*cargs, **cparams)


def _dialect_connect(orig):
    """For dialects that switch SQLAlchemy's dialect events off
    (``duckdb_engine.Dialect._has_events = False``): ``connect`` itself."""
    @functools.wraps(orig)
    def connect(self, *cargs, **cparams):
        with _connecting(self, cparams):
            return orig(self, *cargs, **cparams)
    return connect


_LISTENERS = (("before_cursor_execute", _before_cursor_execute, {"retval": True}),
              ("after_cursor_execute", _after_cursor_execute, {}),
              ("handle_error", _handle_error, {}),
              ("do_connect", _do_connect, {}))
_OURS = {fn for _, fn, _ in _LISTENERS}

for _name, _fn, _kw in _LISTENERS:
    event.listen(Engine, _name, _fn, **_kw)


# ---------------------------------------------------------------------------
# Drivers
# ---------------------------------------------------------------------------


def conn_settings(conn_str) -> list[str]:
    """The statements psqlODBC sends at connect for ``ConnSettings`` in an
    ODBC connection string, one per ``;``-separated part (the server runs
    each; a ``;`` inside a literal gives pieces that are refused, not
    hidden)."""
    if not isinstance(conn_str, str):
        return []
    out, i, n = [], 0, len(conn_str)
    while i < n:
        eq = conn_str.find("=", i)
        if eq < 0:
            break
        key, j = conn_str[i:eq].strip(" ;").lower(), eq + 1
        if j < n and conn_str[j] == "{":
            end, value = j + 1, []
            while end < n:  # "}}" is an escaped brace
                if conn_str[end] == "}":
                    if conn_str[end + 1:end + 2] == "}":
                        value.append("}")
                        end += 2
                        continue
                    break
                value.append(conn_str[end])
                end += 1
            value, i = "".join(value), end + 1
        else:
            end = conn_str.find(";", j)
            end = n if end < 0 else end
            value, i = conn_str[j:end], end
        if key == "connsettings":
            out.extend(s.strip() for s in value.split(";") if s.strip())
    return out


def _odbc_name(conn_str) -> str:
    text = str(conn_str).lower()
    return "postgresql" if "postgres" in text else "mssql" if "sql server" in text else "?"


class _OdbcCursor:
    """A pyodbc cursor that records what it executes."""

    def __init__(self, raw, owner):
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_owner", owner)

    def execute(self, sql, *params):
        _note_driver(sql, self._owner)
        self._raw.execute(sql, *params)
        return self

    def executemany(self, sql, *params):
        _note_driver(sql, self._owner)
        return self._raw.executemany(sql, *params)

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __setattr__(self, name, value):
        setattr(self._raw, name, value)

    def __iter__(self):
        return iter(self._raw)

    def __enter__(self):
        self._raw.__enter__()
        return self

    def __exit__(self, *exc):
        return self._raw.__exit__(*exc)


class _OdbcConnection:
    """A pyodbc connection whose cursors record what they execute."""

    def __init__(self, raw, owner):
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_owner", owner)

    def cursor(self, *args, **kwargs):
        return _OdbcCursor(self._raw.cursor(*args, **kwargs), self._owner)

    def execute(self, sql, *params):
        _note_driver(sql, self._owner)
        return _OdbcCursor(self._raw.execute(sql, *params), self._owner)

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __setattr__(self, name, value):
        setattr(self._raw, name, value)

    def __enter__(self):
        self._raw.__enter__()
        return self

    def __exit__(self, *exc):
        return self._raw.__exit__(*exc)


def _pyodbc_connect(orig):
    def connect(*args, **kwargs):
        conn_str = args[0] if args else kwargs.get("connstring")
        owner = _owner_now(_odbc_name(conn_str))
        for sql in conn_settings(conn_str):
            note(sql, owner, "odbc-connsettings")
        return _OdbcConnection(orig(*args, **kwargs), owner)
    return connect


class _SqliteCursorMixin:
    def execute(self, sql, parameters=(), /):
        _note_driver(sql, getattr(self.connection, "_leo_owner", None))
        return super().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        _note_driver(sql, getattr(self.connection, "_leo_owner", None))
        return super().executemany(sql, parameters)

    def executescript(self, script, /):
        _note_driver(script, getattr(self.connection, "_leo_owner", None))
        return super().executescript(script)


class _SqliteConnectionMixin:
    _leo_owner = None
    _leo_cursor = None

    def cursor(self, factory=None):
        return super().cursor(factory or self._leo_cursor)

    # sqlite3's own Connection.execute does not go through cursor(): route it
    def execute(self, sql, parameters=(), /):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, parameters, /):
        return self.cursor().executemany(sql, parameters)

    def executescript(self, script, /):
        return self.cursor().executescript(script)


@functools.cache
def _sqlite_factory(base):
    import sqlite3
    cursor = type("RecordingCursor", (_SqliteCursorMixin, sqlite3.Cursor), {})
    return type("Recording" + base.__name__, (_SqliteConnectionMixin, base),
                {"_leo_cursor": cursor})


def _sqlite_connect(orig):
    def connect(*args, **kwargs):
        import sqlite3
        if len(args) > 5:  # factory given positionally: leave it alone
            return orig(*args, **kwargs)
        kwargs["factory"] = _sqlite_factory(kwargs.get("factory") or sqlite3.Connection)
        conn = orig(*args, **kwargs)
        conn._leo_owner = _owner_now("sqlite")
        return conn
    return connect


_DUCKDB_PATCHED = False
_DUCK_OWNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: DuckDBPyConnection methods that send SQL (first argument or ``query=``)
DUCKDB_SQL = ("execute", "executemany", "sql", "query", "from_query")
#: ... and ones that change the connection or read files without SQL
DUCKDB_API = ("register", "unregister", "append", "create_function", "remove_function",
              "install_extension", "load_extension", "register_filesystem",
              "unregister_filesystem", "read_csv", "read_parquet", "read_json", "from_csv_auto",
              "from_parquet", "checkpoint")


def _duck_owner(conn) -> _Owner:
    try:
        return _DUCK_OWNERS.get(conn) or _Owner(None, "duckdb")
    except TypeError:
        return _Owner(None, "duckdb")


def _duck_method(name, orig):
    if name == "cursor":
        def method(self, *args, **kwargs):
            child = orig(self, *args, **kwargs)
            try:
                _DUCK_OWNERS[child] = _duck_owner(self)
            except TypeError:
                pass
            return child
    elif name in DUCKDB_SQL:
        def method(self, *args, **kwargs):
            _note_driver(args[0] if args else kwargs.get("query"), _duck_owner(self))
            return orig(self, *args, **kwargs)
    else:
        def method(self, *args, **kwargs):
            first = args[0] if args else next(iter(kwargs.values()), "")
            note(f"duckdb {name}({first!r})" if isinstance(first, str) else f"duckdb {name}()",
                 _duck_owner(self), "api")
            return orig(self, *args, **kwargs)
    method.__name__ = name
    return method


def _duckdb_connect(orig):
    def connect(*args, **kwargs):
        conn = orig(*args, **kwargs)
        try:
            _DUCK_OWNERS[conn] = _owner_now("duckdb")
        except TypeError:
            pass
        return conn
    return connect


def _arrow_connect(orig):
    def connect(connection_string, *args, **kwargs):
        owner = None
        planned = getattr(_tls, "arrow_plan", None)
        if planned is not None and planned[0] == connection_string and planned[1]() is not None:
            owner = _Owner(planned[1](), planned[1]().name)
        owner = owner or _Owner(None, _odbc_name(connection_string))
        for sql in conn_settings(connection_string):
            note(sql, owner, "odbc-connsettings")
        conn = orig(connection_string, *args, **kwargs)
        try:
            conn._leo_owner = owner
        except Exception:
            pass
        return conn
    return connect


def _arrow_execute(orig):
    def _execute(self, *args, **kwargs):
        query = kwargs.get("query", args[1] if len(args) > 1 else None)
        note(query, getattr(self, "_leo_owner", None) or _Owner(None, "?"), "arrow-odbc")
        return orig(self, *args, **kwargs)
    return _execute


def _arrow_api(name, orig):
    def method(self, *args, **kwargs):
        note(f"arrow-odbc {name}()", getattr(self, "_leo_owner", None) or _Owner(None, "?"),
             "api")
        return orig(self, *args, **kwargs)
    return method


# --- leostata seams ------------------------------------------------------------


def _engine_for(orig):
    sig = inspect.signature(orig)

    @functools.wraps(orig)
    def engine_for(*args, **kwargs):
        engine = orig(*args, **kwargs)
        try:
            readonly = sig.bind(*args, **kwargs)
            readonly.apply_defaults()
            readonly = readonly.arguments.get("readonly", True)
        except TypeError:
            readonly = True
        if readonly is False:
            tag(engine, "writer", "engine_for(readonly=False)")
        else:
            tag(engine, "reader", "engine_for")
        return engine
    return engine_for


def _synth_build(orig):
    @functools.wraps(orig)
    def build(engine, *args, **kwargs):
        key = id(engine.dialect)
        _BUILDING[key] += 1
        try:
            return orig(engine, *args, **kwargs)
        finally:
            _BUILDING[key] -= 1
    return build


def _arrow_plan(orig):
    @functools.wraps(orig)
    def plan(stmt, engine, *args, **kwargs):
        p = orig(stmt, engine, *args, **kwargs)
        if p is not None:
            _tls.arrow_plan = (getattr(p, "connection_string", None), weakref.ref(engine.dialect))
        return p
    return plan


class _Unrecorded:
    """``engine`` as seen without this recorder's listeners."""

    def __init__(self, engine):
        object.__setattr__(self, "_engine", engine)

    @property
    def dispatch(self):
        return _UnrecordedDispatch(self._engine.dispatch)

    def __getattr__(self, name):
        return getattr(self._engine, name)


class _UnrecordedDispatch:
    def __init__(self, dispatch):
        self._dispatch = dispatch

    def __getattr__(self, name):
        value = getattr(self._dispatch, name)
        if name in ("before_cursor_execute", "after_cursor_execute", "handle_error"):
            return [fn for fn in value if fn not in _OURS]
        return value


def _observed(orig):
    @functools.wraps(orig)
    def observed(engine):
        return orig(_Unrecorded(engine))
    return observed


# ---------------------------------------------------------------------------
# Installing the seams (refcounted: nested in-process pytest sessions)
# ---------------------------------------------------------------------------

_installed: list[tuple[object, str, object]] = []
_install_count = 0
SEAMS: dict[str, str] = {}  #: seam -> "ok" or why not


def _patch(obj, name: str, make) -> bool:
    orig = getattr(obj, name, None)
    if orig is None:
        return False
    new = make(orig)
    setattr(obj, name, new)
    _installed.append((obj, name, orig))
    # names bound earlier by ``from module import name`` (tests, leostata)
    for modname, mod in list(sys.modules.items()):
        if mod is None or mod is obj or not (modname.startswith(("tests", "leostata"))
                                              or modname == "conftest"):
            continue
        for attr, value in list(vars(mod).items()):
            if value is orig:
                setattr(mod, attr, new)
                _installed.append((mod, attr, orig))
    return True


def _seam(label: str, fn) -> None:
    try:
        SEAMS[label] = "ok" if fn() is not False else "not found"
    except ImportError:
        SEAMS[label] = "not installed"
    except Exception as exc:  # a seam that cannot be installed is reported, not fatal
        SEAMS[label] = f"failed ({type(exc).__name__}: {exc})"


def install() -> None:
    global _install_count, _LEOSTATA_DIR
    _install_count += 1
    if _install_count > 1:
        return
    SEAMS.clear()
    SEAMS["sqlalchemy events"] = "ok"
    import leostata
    _LEOSTATA_DIR = os.path.dirname(os.path.abspath(leostata.__file__)) + os.sep

    def pyodbc_seam():
        import pyodbc
        return _patch(pyodbc, "connect", _pyodbc_connect)

    def sqlite_seam():
        import sqlite3
        import sqlite3.dbapi2
        orig = sqlite3.dbapi2.connect
        wrapped = _sqlite_connect(orig)
        for mod in (sqlite3, sqlite3.dbapi2):
            if getattr(mod, "connect", None) is orig:
                mod.connect = wrapped
                _installed.append((mod, "connect", orig))

    def duckdb_seam():
        global _DUCKDB_PATCHED
        import duckdb
        cls = duckdb.DuckDBPyConnection
        for name in ("cursor",) + DUCKDB_SQL + DUCKDB_API:
            orig = getattr(cls, name, None)
            if orig is not None:
                setattr(cls, name, _duck_method(name, orig))
                _installed.append((cls, name, orig))
        _patch(duckdb, "connect", _duckdb_connect)
        import duckdb_engine
        _patch(duckdb_engine.Dialect, "connect", _dialect_connect)
        _DUCKDB_PATCHED = True

    def arrow_seam():
        import arrow_odbc
        import arrow_odbc.connect  # noqa: F401  (the module, shadowed by the function)
        mod = sys.modules["arrow_odbc.connect"]
        orig = mod.connect
        wrapped = _arrow_connect(orig)
        for name, m in list(sys.modules.items()):
            if name.split(".")[0] == "arrow_odbc" and getattr(m, "connect", None) is orig:
                m.connect = wrapped
                _installed.append((m, "connect", orig))
        cls = mod.Connection
        _patch(cls, "_execute", _arrow_execute)
        for name in ("insert_into_table", "from_table_to_db"):
            _patch(cls, name, functools.partial(_arrow_api, name))

    def leostata_seams():
        import leostata.connection
        import leostata.fetch.arrow_odbc
        import leostata.synth
        missing = [name for obj, name, make in (
            (leostata.connection, "engine_for", _engine_for),
            (leostata.synth, "build", _synth_build),
            (leostata.fetch.arrow_odbc, "plan", _arrow_plan),
            (leostata.fetch.arrow_odbc, "_observed", _observed)) if not _patch(obj, name, make)]
        if missing:
            raise LookupError("missing " + ", ".join(missing))

    _seam("pyodbc", pyodbc_seam)
    _seam("sqlite3", sqlite_seam)
    _seam("duckdb", duckdb_seam)
    _seam("arrow-odbc", arrow_seam)
    _seam("leostata (engine_for, synth.build, fetch.arrow_odbc.plan/_observed)", leostata_seams)


def uninstall() -> None:
    global _install_count, _DUCKDB_PATCHED
    _install_count -= 1
    if _install_count > 0:
        return
    while _installed:
        obj, name, orig = _installed.pop()
        setattr(obj, name, orig)
    _DUCKDB_PATCHED = False


# ---------------------------------------------------------------------------
# The pytest plugin
# ---------------------------------------------------------------------------

#: set to a file name to get every distinct statement of the run written there
DUMP_ENV = "LEOSTATA_STATEMENT_LOG"

MARKER = ("sends_writes: the test deliberately sends a statement that is not a read through "
          "a read-only engine (to show the database refuses it); the statement log excuses it")


class Recorder:
    """The session's log: each statement with the test (node id, phase) that
    was running when it was sent."""

    def __init__(self):
        self.entries: list[tuple[Statement, str, bool]] = []
        self.current = ("<collection>", False)
        self.marked: list[str] = []

    def __call__(self, stmt: Statement) -> None:
        nodeid, excused = self.current
        self.entries.append((stmt, nodeid, excused))

    def dump(self, path: str) -> None:
        """Write every distinct statement (JSON lines: the statement's fields,
        checked, read, reason, times, the first test that sent it)."""
        import json
        first: dict = {}
        times = collections.Counter()
        for stmt, nodeid, _ in self.entries:
            first.setdefault(stmt, nodeid)
            times[stmt] += 1
        with open(path, "w", encoding="utf-8") as f:
            for stmt, n in times.most_common():
                verdict = stmt.verdict()
                f.write(json.dumps(dict(dataclasses.asdict(stmt), checked=stmt.checked,
                                        read=verdict.read, reason=verdict.reason, times=n,
                                        first=first[stmt])) + "\n")

    # --- the report ---
    def checked(self) -> Iterator[tuple[Statement, str, bool]]:
        return (e for e in self.entries if e[0].checked)

    def refused(self) -> list[tuple[Statement, str, Verdict, int]]:
        """Checked statements that are not reads, outside ``sends_writes``
        tests: (statement, node id, verdict, times)."""
        counts = collections.Counter((s, n) for s, n, excused in self.checked() if not excused)
        out = []
        for (stmt, nodeid), times in counts.items():
            verdict = stmt.verdict()
            if not verdict.read:
                out.append((stmt, nodeid, verdict, times))
        return out

    def excused(self) -> dict[str, int]:
        """``sends_writes`` tests -> how many non-reads they sent."""
        out = {n: 0 for n in self.marked}
        for stmt, nodeid, excused in self.checked():
            if excused and not stmt.verdict().read:
                out[nodeid] = out.get(nodeid, 0) + 1
        return out

    def summary(self) -> list[str]:
        checked = [s for s, _, _ in self.checked()]
        refused = self.refused()
        distinct = len({(s.dialect, normalise(s.sql)) for s in checked})
        lines = [f"{len(checked)} statements recorded on read-only engines, {distinct} distinct, "
                 f"{sum(r[3] for r in refused)} refused"]
        by_kind = collections.Counter((s.kind, s.dialect) for s, _, _ in self.entries)
        kinds = collections.defaultdict(list)
        for (kind, dialect), n in sorted(by_kind.items()):
            kinds[kind].append(f"{dialect} {n}")
        lines.append("all statements by engine: " + "; ".join(
            f"{kind} {sum(by_kind[k] for k in by_kind if k[0] == kind)} ({', '.join(v)})"
            for kind, v in kinds.items()))
        by_path = collections.Counter(s.path for s, _, _ in self.entries)
        lines.append("by path: " + ", ".join(f"{p} {n}" for p, n in by_path.most_common()))
        leo = sum(1 for s in checked if s.kind in ("unmanaged", "direct"))
        if leo:
            lines.append(f"checked as sent by leostata on unmanaged/direct connections: {leo}")
        bad = {k: v for k, v in SEAMS.items() if v != "ok"}
        lines.append("seams: " + ", ".join(k for k, v in SEAMS.items() if v == "ok")
                     + ("; NOT recording: " + ", ".join(f"{k} ({v})" for k, v in bad.items())
                        if bad else ""))
        excused = self.excused()
        if excused:
            lines.append(f"sends_writes tests ({len(excused)}), non-reads excused:")
            lines.extend(f"  {nodeid}: {n}" for nodeid, n in sorted(excused.items()))
        return lines


class StatementLogPlugin:
    def __init__(self):
        self.recorder = Recorder()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        excused = item.get_closest_marker("sends_writes") is not None
        if excused:
            self.recorder.marked.append(item.nodeid)
        self.recorder.current = (item.nodeid, excused)
        try:
            yield
        finally:
            self.recorder.current = ("<between tests>", False)

    def pytest_sessionfinish(self, session, exitstatus):
        self.recorder.current = ("<session finish>", False)
        if os.environ.get(DUMP_ENV):
            self.recorder.dump(os.environ[DUMP_ENV])
        if self.recorder.refused() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        refused = self.recorder.refused()
        if refused:
            tr.write_sep("=", "statement log: NOT READS on read-only engines", red=True)
            for stmt, nodeid, verdict, times in sorted(refused, key=lambda r: r[1]):
                tr.write_line(f"{nodeid}: {stmt.kind} {stmt.dialect} engine via {stmt.path}"
                              f"{' (sent by leostata)' if stmt.origin == 'leostata' else ''}, "
                              f"{times}x, {verdict.reason}:", red=True)
                tr.write_line(f"    {stmt.sql[:500]!r}")
        else:
            tr.write_sep("-", "statement log")
        for line in self.recorder.summary():
            tr.write_line(line)


def pytest_configure(config):
    if not any(str(line).startswith("sends_writes") for line in config.getini("markers")):
        config.addinivalue_line("markers", MARKER)
    install()
    plugin = StatementLogPlugin()
    config.stash[_PLUGIN] = plugin
    with _lock:
        _SINKS.append(plugin.recorder)
    config.pluginmanager.register(plugin, "statement-log-recorder")


def pytest_unconfigure(config):
    plugin = config.stash.get(_PLUGIN, None)
    if plugin is None:
        return
    with _lock:
        if plugin.recorder in _SINKS:
            _SINKS.remove(plugin.recorder)
    uninstall()


_PLUGIN = pytest.StashKey()
