"""describe.py: listings, one table, search and disclosure-safe value counts
on DuckDB, SQLite and PostgreSQL over ODBC."""

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, text

from leostata import describe_text as describe
from leostata.errors import NotFound
from leostata.session import open_session
from tests.test_catalog import build_fixture_tables


@pytest.fixture
def session(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    build_fixture_tables(writer)
    md = MetaData()
    codes = Table("codes", md, Column("code", String(8)), Column("n", Integer))
    md.create_all(writer)
    rows = ([("A", 1)] * 25 + [("a", 2)] * 12 + [("A ", 3)] * 3 + [("", 4)] * 11 + [(None, 5)] * 4
            + [("x%_'[", 6)] * 10)
    with writer.begin() as conn:
        conn.execute(codes.insert(), [{"code": c, "n": n} for c, n in rows])
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


def test_listing_has_every_table_and_links_in_smcl(session):
    plain = describe.format_tables(session.catalog)
    assert "leo_earnings" in plain.text and "{stata" not in plain.text
    smcl = describe.format_tables(session.catalog, smcl=True)
    assert "{stata leodescribe leo_earnings:leo_earnings}" in smcl.text
    assert set(plain.locals["leo_tables"].split()) == {"codes", "hesa_2005", "leo_earnings"}


def test_one_table_with_stata_types_and_a_subset(session):
    full = describe.format_table(session.catalog, "earnings")
    assert full.locals["leo_varlist"].split()[:3] == ["Edukey", "TaxYear", "Earnings"]
    line = next(l for l in full.text.splitlines() if l.startswith("Small "))
    assert "long" in line  # smallint does not fit Stata's int
    subset = describe.format_table(session.catalog, "earnings", ["Tax*", "Small"])
    assert subset.locals["leo_varlist"] == "TaxYear Small" and subset.locals["leo_k"] == "2"
    with pytest.raises(NotFound):
        describe.format_table(session.catalog, "earnings", ["nosuch"])


def test_search_is_ranked_and_escaped_in_smcl(session):
    found = describe.format_search(session.catalog, "tax")
    assert found.locals["leo_N"] != "0" and "TaxYear" in found.text
    assert describe.format_search(session.catalog, "zzz").locals["leo_N"] == "0"


def test_value_counts_are_stata_exact_and_disclosure_safe(session):
    rows, _ = describe.value_counts(session, "codes", "code")
    counts = dict(rows)
    # case- and blank-exact groups; NULL and "" are one Stata missing ""
    assert counts == {'"A"': 25, '""': 15, '"a"': 12, '"x%_\'["': 10, '"A "': 3}
    assert [v for v, _ in rows] == ['"A"', '""', '"a"', '"x%_\'["', '"A "']
    shown = describe.format_values(session, "codes", "code", threshold=10)
    assert "<10" in shown.text and " 3" not in shown.text.replace("<10", "")
    assert shown.locals["leo_suppressed"] == "1"
    assert "10" in shown.text  # exactly at the threshold is shown


def test_numeric_values_and_top(session):
    rows, _ = describe.value_counts(session, "codes", "n", top=2)
    assert rows == [("1", 25), ("2", 12)]
