"""Probe a server for what matters to faithful results (``leostata doctor``,
``leoset test``).

Takes an open ``Session``; returns a ``Report``: product and version, database
collation, whether string comparison is case-sensitive and trailing-space
exact, whether integer AVG and integer division truncate, whether the catalog
views are readable, the ODBC driver and, on SQL Server, encryption.  Every
probe is a read-only SELECT of constants; none touches user data.  The facts
are cached in the data folder for the translator to consult.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import text

from . import config

#: dialect -> (probe name -> SQL returning one value).  Constants only.
PROBES: dict[str, dict[str, str]] = {
    "mssql": {
        "version": "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128))",
        "product": "SELECT CAST(SERVERPROPERTY('Edition') AS nvarchar(128))",
        "database_collation": "SELECT CAST(DATABASEPROPERTYEX(DB_NAME(), 'Collation') AS nvarchar(128))",
        "encryption": "SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID",
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
    try:
        report.facts["catalog_tables_readable"] = len(session.catalog.tables())
    except Exception as exc:  # a permission problem is a finding, not a crash
        report.facts["catalog_tables_readable"] = f"no ({type(exc).__name__})"
    report.problems = [GUARDS[k] for k in GUARDS if str(report.facts.get(k)) == "1"]
    _cache(report)
    return report


def _scalar(conn, sql: str):
    try:
        value = conn.execute(text(sql)).scalar()
    except Exception as exc:
        conn.rollback()
        return f"unavailable ({type(exc).__name__})"
    return value if value is not None else ""


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
