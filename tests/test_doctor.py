"""doctor.py: the probe report on each engine, cached for the translator."""

from leostata import doctor
from leostata.session import open_session


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
