"""Fast start (issue 16 item 4): a command imports only what it uses, the
command-line process skips the interpreter's teardown collection, and the
embedded synthetic database is checked in the session's own connection.

The import checks run the console script in a child process (the test
process has imported everything already) and read the child's
``sys.modules`` after the command."""

import gc
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

import leostata.session
from leostata import cli, config, synth
from leostata.catalog import INFO_TABLE
from leostata.session import open_session

PYTHON_DIR = os.path.join(os.path.dirname(__file__), "..", "python")

#: Runs the console script as ``python -m leostata`` does, then writes the
#: names in sys.modules and the collector's frozen count to the file in argv[1].
CHILD = """
import gc, json, runpy, sys
report = sys.argv[1]
sys.argv = ["leostata", *sys.argv[2:]]
code = 0
try:
    runpy.run_module("leostata", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
with open(report, "w") as f:
    json.dump({"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}, f)
sys.exit(code)
"""

#: Packages no sql or load command on these engines needs.
NEVER = ("pandas", "hypothesis", "sqlglot", "openpyxl", "leostata.synth")


def run_cli(tmp_path, *argv):
    """(completed process, report) of ``leostata ARGV`` in a child process."""
    report = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=os.path.abspath(PYTHON_DIR), LEOSTATA_HOME=str(tmp_path))
    env.pop(config.ENV_URL, None)
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), *argv], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done, json.loads(report.read_text())


def tops(report) -> set:
    return {m.split(".")[0] for m in report["modules"]}


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path}/start.sqlite"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (g TEXT, x INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('a', 1), ('b', 2), (NULL, 3), ('a', NULL)"))
    engine.dispose()
    return url


def test_sql_imports_neither_pandas_nor_pyarrow_nor_other_dialects(tmp_path, sqlite_url, capsys):
    argv = ["sql", "--url", sqlite_url, "--dialect", "mssql", "--", "t g if x > 1"]
    done, report = run_cli(tmp_path, *argv)
    assert not tops(report) & {"pandas", "pyarrow", "arrow_odbc", "pglast", "duckdb", *NEVER}
    assert "sqlalchemy.dialects.postgresql" not in report["modules"]
    assert "sqlalchemy.dialects.mssql" in report["modules"]  # the one asked for
    assert cli.main(argv) == 0
    assert done.stdout == capsys.readouterr().out
    assert "CAST(t.g AS VARCHAR(max))" in done.stdout  # T-SQL, as asked


def test_a_sqlite_load_imports_neither_pandas_nor_pyarrow(tmp_path, sqlite_url):
    out = tmp_path / "t.dta"
    done, report = run_cli(tmp_path, "load", "--url", sqlite_url, "--out", str(out), "--",
                           "t, collapse((mean) x) by(g)")
    assert not tops(report) & {"pyarrow", "arrow_odbc", "pglast", *NEVER}
    data = pd.read_stata(out)
    assert list(data["g"]) == ["", "a", "b"] and list(data["x"]) == [3.0, 1.0, 2.0]


def test_a_duckdb_load_imports_no_pandas(tmp_path):
    url = f"duckdb:///{tmp_path}/start.duckdb"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (g VARCHAR(3), x INTEGER, d DATE)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('a', 1, DATE '1960-01-02'), "
                             "('b', 2, NULL), (NULL, 3, DATE '1959-12-31')"))
    engine.dispose()
    out = tmp_path / "t.dta"
    _, report = run_cli(tmp_path, "load", "--url", url, "--out", str(out), "--", "t")
    assert "pandas" not in tops(report) and "duckdb" in tops(report)
    data = pd.read_stata(out, convert_dates=False)  # a plain load: the table's order
    assert list(data["g"]) == ["a", "b", ""] and list(data["x"]) == [1, 2, 3]
    assert data["d"].isna().tolist() == [False, True, False]
    assert [data["d"][0], data["d"][2]] == [1, -1]  # days since 1960-01-01


def test_a_postgres_load_writes_what_the_in_process_load_writes_without_pandas(tmp_path, pg_db):
    with pg_db.writer().begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (g varchar(3), x integer)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('a', 1), ('b', 2), (NULL, 3), ('a', 5)"))
    command = ["--", "t, collapse((mean) m=x (count) n=x) by(g)"]
    child, inside = tmp_path / "child.dta", tmp_path / "inside.dta"
    done, report = run_cli(tmp_path, "load", "--url", pg_db.url, "--out", str(child), *command)
    assert "pandas" not in tops(report) and "sqlalchemy.dialects.mssql" not in report["modules"]
    assert "3 observations" in done.stderr
    assert cli.main(["load", "--url", pg_db.url, "--out", str(inside), *command]) == 0
    a, b = pd.read_stata(child), pd.read_stata(inside)
    pd.testing.assert_frame_equal(a, b)
    assert list(a["g"]) == ["", "a", "b"] and list(a["m"]) == [3.0, 3.0, 2.0]


def test_only_the_command_line_process_freezes_the_collector(tmp_path, sqlite_url):
    _, report = run_cli(tmp_path, "sql", "--url", sqlite_url, "--", "t")
    assert report["frozen"] > 0  # the process's own command line: frozen before exit
    before = gc.get_freeze_count()
    assert cli.main(["sql", "--url", sqlite_url, "--", "t"]) == 0
    assert gc.get_freeze_count() == before  # an in-process caller's collector is untouched


def test_a_usage_error_still_exits_with_status_2(tmp_path):
    report = tmp_path / "report.json"
    env = dict(os.environ, PYTHONPATH=os.path.abspath(PYTHON_DIR), LEOSTATA_HOME=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), "load", "--rows", "x"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "invalid int value" in done.stderr


def _set_version(path, version: str) -> None:
    writer = sa.create_engine("duckdb:///" + path.as_posix())
    with writer.begin() as conn:
        conn.execute(sa.text(f"UPDATE {INFO_TABLE} SET value = :v WHERE key = 'generator_version'"),
                     {"v": version})
    writer.dispose()


def test_the_embedded_database_is_checked_in_the_sessions_own_connection(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    monkeypatch.delenv(config.ENV_URL, raising=False)
    monkeypatch.setattr(config, "SYNTH_PERSONS", 60)  # a small build under the default name
    engines = []
    real = leostata.session.engine_for
    monkeypatch.setattr(leostata.session, "engine_for",
                        lambda *a, **k: engines.append(a[0]) or real(*a, **k))
    said = []
    session = open_session(say=said.append)  # first use: built
    session.close()
    path = config.synthetic_path()
    assert session.synthetic and path.is_file() and "building the synthetic" in said[0]
    built = path.stat().st_mtime_ns

    said.clear(), engines.clear()
    session = open_session(say=said.append)  # current: kept, one engine for check and session
    assert session.catalog.table("leo_earnings").columns
    session.close()
    assert said == [] and path.stat().st_mtime_ns == built and len(engines) == 1

    _set_version(path, "0.9")
    session = open_session(say=said.append)  # older generator: rebuilt
    session.close()
    assert "made by generator 0.9" in said[0]
    check = sa.create_engine("duckdb:///" + path.as_posix())
    with check.connect() as conn:
        recorded = conn.execute(sa.text(f"SELECT value FROM {INFO_TABLE} "
                                        "WHERE key = 'generator_version'")).scalar()
    check.dispose()
    assert recorded == synth.GENERATOR_VERSION


def test_sql_with_a_dialect_opens_the_embedded_database_even_when_a_url_is_set(
        tmp_path, monkeypatch, sqlite_url, capsys):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    monkeypatch.setenv(config.ENV_URL, sqlite_url)  # no leo_earnings there
    monkeypatch.setattr(config, "SYNTH_PERSONS", 60)
    assert cli.main(["sql", "--dialect", "mssql", "--", "earnings TaxYear"]) == 0
    out = capsys.readouterr()
    assert "[TaxYear]" in out.out and "SYNTHETIC" in out.err
