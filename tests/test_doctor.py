"""doctor.py: the probe report on each engine, cached for the translator."""

import uuid

import pytest
import sqlglot
from sqlglot import exp

from leostata import doctor
from leostata.session import open_session
from tests.conftest import pg_odbc_string, pg_url


def test_report_on_every_engine(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    writer.dispose()
    session = open_session(any_db.url)
    try:
        report = doctor.examine(session)
    finally:
        session.close()
    facts = report.facts
    expected_product = {"duckdb": "DuckDB", "sqlite": "SQLite", "postgres": "PostgreSQL"}[any_db.kind]
    assert facts["product"] == expected_product
    assert facts["case_insensitive_equality"] == 0  # none of the test engines folds case
    # SQLite and PostgreSQL truncate 7/2; DuckDB's / is floating point
    assert facts["integer_division_truncates"] == (0 if any_db.kind == "duckdb" else 1)
    assert ("integer division truncates: leostata divides in floating point" in report.problems) == (
        any_db.kind != "duckdb")
    if any_db.kind == "postgres":
        assert "psqlodbc" in facts["driver"].lower()
    assert doctor.cached(report.url) == {k: (v if isinstance(v, int) else str(v)) for k, v in facts.items()}
    text = report.render()
    assert text.startswith("leostata doctor: ") and "version" in text


def test_render_never_shows_a_password():
    report = doctor.Report("mssql", "mssql+pyodbc://u:***@h/db", {"version": "16.0"})
    assert "***" in report.render()


def test_duckdb_and_sqlite_report_how_they_are_kept_from_writing(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    writer.dispose()
    session = open_session(any_db.url)
    try:
        facts = doctor.examine(session).facts
    finally:
        session.close()
    expected = {"duckdb": "no (the file is opened read-only)",
                "sqlite": "no (query_only is set on every connection)"}
    if any_db.kind in expected:
        assert facts["login_can_write"] == expected[any_db.kind]


@pytest.mark.postgres
def test_postgres_tells_a_login_that_can_write_from_a_read_only_one(pg_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    role = "ro_" + uuid.uuid4().hex[:10]
    writer = pg_db.writer()
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        conn.exec_driver_sql(f"GRANT SELECT ON {schema}.t TO {role}")
    odbc = pg_odbc_string()
    try:
        owner = open_session(pg_db.url)
        reader = open_session(pg_url(odbc.replace("UID=leo", f"UID={role}"), schema))
        try:
            owner_report, reader_report = doctor.examine(owner), doctor.examine(reader)
        finally:
            owner.close()
            reader.close()
        assert owner_report.facts["login_can_write"].startswith("yes (")
        assert doctor.LOGIN_CAN_WRITE in owner_report.problems
        assert reader_report.facts["login_can_write"] == "no"
        assert doctor.LOGIN_CAN_WRITE not in reader_report.problems
    finally:
        with writer.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {role}")
            conn.exec_driver_sql(f"DROP ROLE {role}")
        writer.dispose()


def test_the_sql_server_write_probe_is_one_tsql_select():
    tree = sqlglot.parse_one(doctor.WRITE_PROBES["mssql"], read="tsql")
    assert isinstance(tree, exp.Select)
    names = {f.name.upper() for f in tree.find_all(exp.Anonymous)}
    assert {"IS_SRVROLEMEMBER", "IS_ROLEMEMBER", "HAS_PERMS_BY_NAME"} <= names


def test_the_sql_server_utf8_probe_runs_the_translators_own_conversion():
    """The probe converts e-acute exactly as strlen()/strpos()/substr() do on
    SQL Server 2019+ (the same table entry), and expects its 2 UTF-8 bytes."""
    from leostata.translate import mssql
    probe = doctor.PROBES["mssql"]["utf8_bytes"]
    assert isinstance(sqlglot.parse_one(probe, read="tsql"), exp.Select)
    assert mssql.SQL["utf8_bytes"].format("NCHAR(233)") in probe
    assert "NCHAR(233)" in probe and probe.endswith("= 2 THEN 1 ELSE 0 END")
    assert "utf8_bytes" not in doctor.PROBES["postgresql"]  # only SQL Server converts
