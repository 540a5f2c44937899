"""Probe a server for what matters to faithful results (``leostata doctor``,
``leoset test``).

Takes an open ``Session``; returns a ``Report``: product and version, database
collation, whether string comparison is case-sensitive and trailing-space
exact, whether integer AVG and integer division truncate, on SQL Server
whether values convert to UTF-8 bytes (strlen/strpos/substr), whether the catalog
views are readable, the ODBC driver, on SQL Server encryption, and whether the
login could write (from its permissions, without writing).  Every probe is a
read-only SELECT of constants or of the permission catalog; none touches user
data.  The facts are cached in the data folder for the translator to consult.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import text

from . import config
from .translate import mssql as _mssql

#: SQL Server: 1 when a value converts to its UTF-8 bytes exactly as the
#: translator converts it (UTF-8 collations, SQL Server 2019+): NCHAR(233),
#: e-acute, is 2 bytes of UTF-8.  Before 2019 the collation is unknown (an error).
UTF8_PROBE = ("SELECT CASE WHEN DATALENGTH("
              + _mssql.SQL["utf8_bytes"].format("NCHAR(233)") + ") = 2 THEN 1 ELSE 0 END")

#: dialect -> (probe name -> SQL returning one value).  Constants only.
PROBES: dict[str, dict[str, str]] = {
    "mssql": {
        "version": "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128))",
        "product": "SELECT CAST(SERVERPROPERTY('Edition') AS nvarchar(128))",
        "database_collation": "SELECT CAST(DATABASEPROPERTYEX(DB_NAME(), 'Collation') AS nvarchar(128))",
        "encryption": "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID",
        "utf8_bytes": UTF8_PROBE,
    },
    "postgresql": {
        "version": "SHOW server_version",
        "product": "SELECT 'PostgreSQL'",
        "database_collation": "SELECT datcollate FROM pg_database WHERE datname = current_database()",
        "encryption": "SELECT CASE WHEN ssl THEN 'TRUE' ELSE 'FALSE' END FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    },
    "duckdb": {
        "version": "SELECT version()",
        "product": "SELECT 'DuckDB'",
        "database_collation": "SELECT current_setting('default_collation')",
    },
    "sqlite": {
        "version": "SELECT sqlite_version()",
        "product": "SELECT 'SQLite'",
        "database_collation": "SELECT 'BINARY'",
    },
}

#: dialect -> SQL counting what the login may write (tables it may INSERT,
#: UPDATE, DELETE or TRUNCATE, and rights to create objects or administer),
#: read from the permission catalog: nothing is written to find out.
WRITE_PROBES: dict[str, str] = {
    "mssql": (
        "SELECT CAST(IS_SRVROLEMEMBER('sysadmin') AS int) + CAST(IS_ROLEMEMBER('db_owner') AS int)"
        " + CAST(IS_ROLEMEMBER('db_datawriter') AS int) + CAST(IS_ROLEMEMBER('db_ddladmin') AS int)"
        " + HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'CREATE TABLE')"
        " + (SELECT COUNT(*) FROM sys.tables AS t WHERE"
        " HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name),"
        " 'OBJECT', 'INSERT') = 1 OR"
        " HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name),"
        " 'OBJECT', 'UPDATE') = 1 OR"
        " HAS_PERMS_BY_NAME(QUOTENAME(SCHEMA_NAME(t.schema_id)) + '.' + QUOTENAME(t.name),"
        " 'OBJECT', 'DELETE') = 1)"),
    "postgresql": (
        "SELECT (SELECT CASE WHEN rolsuper THEN 1 ELSE 0 END FROM pg_roles"
        " WHERE rolname = current_user)"
        " + CASE WHEN has_database_privilege(current_database(), 'CREATE') THEN 1 ELSE 0 END"
        " + (SELECT COUNT(*) FROM pg_namespace AS n WHERE n.nspname NOT LIKE 'pg\\_%'"
        " AND n.nspname <> 'information_schema' AND has_schema_privilege(n.oid, 'CREATE'))"
        " + (SELECT COUNT(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT LIKE 'pg\\_%'"
        " AND n.nspname <> 'information_schema'"
        " AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))"),
}

#: Semantics probes, the same SQL on every dialect (constants only).
SEMANTICS: dict[str, str] = {
    "case_insensitive_equality": "SELECT CASE WHEN 'a' = 'A' THEN 1 ELSE 0 END",
    "trailing_space_equality": "SELECT CASE WHEN 'a' = 'a ' THEN 1 ELSE 0 END",
    "integer_avg_truncates": ("SELECT CASE WHEN AVG(x) = 1 THEN 1 ELSE 0 END FROM "
                              "(SELECT 1 AS x UNION ALL SELECT 2) AS t"),
    "integer_division_truncates": "SELECT CASE WHEN 7 / 2 = 3 THEN 1 ELSE 0 END",
}


@dataclass
class Report:
    """What the probes found; ``problems`` lists what leostata guards against."""

    dialect: str
    url: str  # masked
    facts: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def render(self) -> str:
        width = max(len(k) for k in self.facts) if self.facts else 10
        lines = [f"leostata doctor: {self.url} ({self.dialect})"]
        lines += [f"  {k.replace('_', ' '):{width}}  {v}" for k, v in self.facts.items()]
        if self.problems:
            lines.append("  semantics leostata corrects for on this server:")
            lines += [f"    - {p}" for p in self.problems]
        return "\n".join(lines)


NO_UTF8_BYTES = ("no UTF-8 collation (SQL Server before 2019): strlen(), strpos() and substr(), "
                 "which count bytes of UTF-8, are refused; ustrlen(), ustrpos() and usubstr() "
                 "count characters (the same for plain ASCII)")

LOGIN_CAN_WRITE = ("the login can write to this database: leostata sends only reads, but a "
                   "read-only login is the defence that holds whatever is sent (help leoset)")

GUARDS = {
    "case_insensitive_equality": "string comparison ignores case: leostata compares with a binary collation",
    "trailing_space_equality": "trailing spaces are ignored by =: leostata compares with a binary collation",
    "integer_avg_truncates": "AVG of integers truncates: leostata casts to float before averaging",
    "integer_division_truncates": "integer division truncates: leostata divides in floating point",
}


def examine(session) -> Report:
    """Run every probe on ``session`` and return the report (also cached)."""
    dialect = session.catalog.dialect
    report = Report(dialect, session.setting.shown)
    with session.engine.connect() as conn:
        for name, sql in {**PROBES.get(dialect, {}), **SEMANTICS}.items():
            report.facts[name] = _scalar(conn, sql)
        report.facts["driver"] = _driver(conn)
        report.facts["login_can_write"] = _login_can_write(conn, dialect)
    try:
        report.facts["catalog_tables_readable"] = len(session.catalog.tables())
    except Exception as exc:  # a permission problem is a finding, not a crash
        report.facts["catalog_tables_readable"] = f"no ({type(exc).__name__})"
    report.problems = [GUARDS[k] for k in GUARDS if str(report.facts.get(k)) == "1"]
    if str(report.facts["login_can_write"]).startswith("yes"):
        report.problems.append(LOGIN_CAN_WRITE)
    if dialect == "mssql" and str(report.facts.get("utf8_bytes")) != "1":
        report.problems.append(NO_UTF8_BYTES)
    _cache(report)
    return report


def _scalar(conn, sql: str):
    try:
        value = conn.execute(text(sql)).scalar()
    except Exception as exc:
        conn.rollback()
        return f"unavailable ({type(exc).__name__})"
    return value if value is not None else ""


def _login_can_write(conn, dialect: str) -> str:
    """``yes (N grants)``, ``no``, or how the engine is kept from writing."""
    if dialect == "duckdb":
        return "no (the file is opened read-only)"
    if dialect == "sqlite":
        return "no (query_only is set on every connection)"
    if dialect not in WRITE_PROBES:
        return "unknown"
    grants = _scalar(conn, WRITE_PROBES[dialect])
    if not isinstance(grants, int):
        return f"unknown ({grants})"
    return f"yes ({grants} write or create grants)" if grants else "no"


def _driver(conn) -> str:
    raw = conn.connection.dbapi_connection
    getinfo = getattr(raw, "getinfo", None)
    if getinfo is None:
        return f"{conn.dialect.driver} (in-process)"
    try:
        return f"{getinfo(6)} {getinfo(7)}"  # SQL_DRIVER_NAME, SQL_DRIVER_VER
    except Exception:
        return conn.dialect.driver


def cache_path(masked_url: str):
    digest = hashlib.sha256(masked_url.encode()).hexdigest()[:16]
    return config.data_dir() / "doctor" / f"{digest}.json"


def _cache(report: Report) -> None:
    path = cache_path(report.url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(report), default=str, indent=1), encoding="utf-8")
    except OSError:
        pass  # a read-only profile folder must not stop the report


def cached(masked_url: str) -> dict | None:
    """The facts of the last report for this server, if any."""
    path = cache_path(masked_url)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["facts"]
