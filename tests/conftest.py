"""Shared fixtures: real databases (DuckDB, SQLite, PostgreSQL over unixODBC +
psqlODBC + pyodbc) and the ``sfi`` double.

PostgreSQL is reached through the ODBC string in ``LEOSTATA_TEST_PG_ODBC``
(``scripts/start-postgres.sh`` prints it).  Without it the PostgreSQL tests
skip, unless ``LEOSTATA_REQUIRE_PG=1`` (set by scripts/test.sh and so by CI),
in which case they fail: CI must never pass with them skipped.

Golden files (tests/golden_files.py): ``LEOSTATA_UPDATE_GOLDEN=1`` under CI
stops the run before it starts; a run that rewrote goldens lists them at its
end; a CI run that changed any file under tests/golden/ fails.
"""

from __future__ import annotations

import os
import urllib.parse
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from leostata.connection import engine_for
from tests import golden_files
from tests.shared_data import under_ci

# tests.statement_log records every statement the databases receive and fails
# the run if a read-only engine got anything but a read (issue 11, item 2).
pytest_plugins = ["tests.fakes.plugin", "tests.statement_log", "pytester"]

ENGINE_KINDS = ("duckdb", "sqlite", "postgres")


# --- golden files ------------------------------------------------------------------------------

_GOLDENS_AT_START = pytest.StashKey[dict]()


def pytest_configure(config):
    if golden_files.update_requested() and under_ci():
        raise pytest.UsageError(golden_files.REFUSED)
    config.stash[_GOLDENS_AT_START] = golden_files.snapshot()


def pytest_sessionfinish(session, exitstatus):
    """Under CI, a golden file created, removed or written during the run
    fails it (whatever wrote it)."""
    before = session.config.stash.get(_GOLDENS_AT_START, None)
    if before is None or not under_ci():
        return
    written = golden_files.changed(before, golden_files.snapshot())
    if written:
        session.config.stash[_GOLDENS_WRITTEN_IN_CI] = written
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_GOLDENS_WRITTEN_IN_CI = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter, config):
    written = config.stash.get(_GOLDENS_WRITTEN_IN_CI, None)
    if written:
        terminalreporter.section("golden files written during a CI run", sep="!", red=True)
        for name in written:
            terminalreporter.write_line(f"tests/golden/{name}")
    if golden_files.update_requested():
        terminalreporter.section(f"{golden_files.UPDATE_VARIABLE}=1: golden files rewritten")
        for name in golden_files.REWRITTEN:
            terminalreporter.write_line(f"rewrote tests/golden/{name}")
        if not golden_files.REWRITTEN:
            terminalreporter.write_line("none changed")


def pg_odbc_string() -> str | None:
    """The psqlODBC connection string, or skip/fail when there is none."""
    odbc = os.environ.get("LEOSTATA_TEST_PG_ODBC")
    if odbc:
        return odbc
    if os.environ.get("LEOSTATA_REQUIRE_PG") == "1":
        pytest.fail("LEOSTATA_REQUIRE_PG=1 but LEOSTATA_TEST_PG_ODBC is not set: "
                    "the PostgreSQL-over-ODBC tests must run here")
    pytest.skip("PostgreSQL over ODBC not configured (run: eval \"$(bash scripts/start-postgres.sh)\")")


def pg_url(odbc: str, schema: str | None = None) -> str:
    """A ``postgresql+pyodbc`` URL for ``odbc``, optionally pinned to ``schema``."""
    if schema:
        odbc = f"{odbc};ConnSettings={{SET search_path TO {schema}}}"
    return "postgresql+pyodbc:///?odbc_connect=" + urllib.parse.quote_plus(odbc)


@dataclass
class TestDB:
    """A fresh, empty database of one kind: ``url`` is writable (for building
    fixtures); ``engine_for(url)`` gives the read-only engine leostata uses."""

    kind: str
    url: str

    def writer(self):
        return engine_for(self.url, readonly=False)

    def reader(self):
        return engine_for(self.url)


def make_db(kind: str, folder) -> tuple[TestDB, callable]:
    """A new empty database of ``kind`` in ``folder``; returns it and a cleanup."""
    if kind == "duckdb":
        return TestDB(kind, f"duckdb:///{folder}/db.duckdb"), lambda: None
    if kind == "sqlite":
        return TestDB(kind, f"sqlite:///{folder}/db.sqlite"), lambda: None
    odbc = pg_odbc_string()
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = engine_for(pg_url(odbc), readonly=False)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return TestDB("postgres", pg_url(odbc, schema)), drop


@pytest.fixture(params=ENGINE_KINDS)
def any_db(request, tmp_path):
    """One empty database per engine kind (the test runs once for each)."""
    db, cleanup = make_db(request.param, tmp_path)
    yield db
    cleanup()


@pytest.fixture
def pg_db(tmp_path):
    """An empty PostgreSQL schema reached over ODBC."""
    db, cleanup = make_db("postgres", tmp_path)
    yield db
    cleanup()
