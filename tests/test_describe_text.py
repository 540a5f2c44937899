"""describe_text: listings, one table as Stata's describe shows data, search
as lookfor, disclosure-safe value counts on DuckDB, SQLite and PostgreSQL over
ODBC; golden text (tests/golden/describe/) for a table, a variable list and a
search on a small SQLite database with declared types and row estimates."""

import sqlite3

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from leostata import describe_text as describe
from leostata.errors import NotFound, StataSyntaxError
from leostata.session import open_session
from tests.golden_files import Goldens
from tests.test_catalog import build_fixture_tables

GOLDENS = Goldens("describe", {"table.txt", "varlist.txt", "search.txt", "listing.txt"})


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
    assert plain.locals["leo_ntables"] == "3" and "leo_N" not in plain.locals


def _row(described, name):
    """The fields of variable ``name``'s row: name, storage, format, [value
    label,] SQL type words..., label words..."""
    return next(line.split() for line in described.text.splitlines()
                if line.split()[:1] == [name])


def test_one_table_with_stata_types_and_a_subset(session):
    full = describe.format_table(session.catalog, "earnings")
    table = session.catalog.table("earnings")
    assert full.locals["leo_varlist"].split()[:3] == ["Edukey", "TaxYear", "Earnings"]
    assert full.locals["leo_k"] == str(len(table.columns)) == "10"
    assert full.locals["leo_N"] == ("" if table.approx_rows is None else str(table.approx_rows))
    rows = {name: _row(full, name) for name in full.locals["leo_varlist"].split()}
    # declared storage types and their formats, as the SQL types give them
    assert rows["Started"][1:3] == ["long", "%td"]
    assert rows["Stamp"][1:3] == ["double", "%tc"]
    assert rows["Amount"][1:3] == ["double", "%10.0g"]
    # strings: the declared length where the database keeps it, else str#
    edukey = session.catalog.table("earnings").column("Edukey").sql_type.length
    assert rows["Edukey"][1:3] == ([f"str{edukey}", f"%{edukey}s"] if edukey else ["str#", "%#s"])
    assert rows["Note"][1:3] == ["str#", "%#s"]
    assert ("str#: the database declares no length" in full.text)
    assert "Row order:  Edukey TaxYear" in full.text and "Person key:  Edukey" in full.text
    subset = describe.format_table(session.catalog, "earnings", ["Tax*", "Small"])
    assert subset.locals["leo_varlist"] == "TaxYear Small" and subset.locals["leo_k"] == "10"
    assert [l.split()[0] for l in subset.text.splitlines()[9:11]] == ["TaxYear", "Small"]
    with pytest.raises(NotFound):
        describe.format_table(session.catalog, "earnings", ["nosuch"])
    with pytest.raises(StataSyntaxError):
        describe.format_table(session.catalog, "earnings", ["TaxYear", "if", "TaxYear>1"])


def test_header_says_approx_or_why_the_count_is_unknown(session):
    view = describe.format_table(session.catalog, "hesa_2005")
    assert "Observations:  not known: the database keeps no estimate for this view" in view.text
    assert view.locals["leo_N"] == ""
    table = session.catalog.table("leo_earnings")
    shown = describe.format_table(session.catalog, "leo_earnings").text
    if table.approx_rows is not None:
        assert f"Observations:  approx. {table.approx_rows:,}" in shown


def test_search_any_word_or_phrase_over_names_and_labels(session):
    found = describe.format_search(session.catalog, "tax")
    assert "TaxYear" in found.locals["leo_varlist"].split()
    # the view repeats leo_earnings' columns without their descriptions: another
    # label, so another variable in Stata's terms, listed on its own
    assert found.text.count("\nTaxYear ") == 2
    assert "in leo_earnings:" in found.text and "in hesa_2005:" in found.text
    assert set(found.locals["leo_tables"].split()) == {"leo_earnings", "hesa_2005"}
    either = describe.format_search(session.catalog, "TAX person")  # any word, any case
    assert set(either.locals["leo_varlist"].split()) == {"TaxYear", "Edukey"}
    phrase = describe.format_search(session.catalog, '"tax year"')
    assert phrase.locals["leo_varlist"] == "TaxYear"
    none = describe.format_search(session.catalog, '"year tax"')
    assert none.locals["leo_varlist"] == "" and "no variable or table matches" in none.text
    with pytest.raises(StataSyntaxError):
        describe.format_search(session.catalog, "  ")


def test_search_terms_are_read_as_lookfor_reads_them():
    assert describe.search_terms('Free "school  MEALS" `"a "b" c"\' free') == \
        ["free", "school meals", 'a "b" c']


def test_value_counts_are_stata_exact_and_disclosure_safe(session):
    rows, _ = describe.value_counts(session, "codes", "code")
    counts = dict(rows)
    # case- and blank-exact groups; NULL and "" are one Stata missing ""
    assert counts == {'"A"': 25, '""': 15, '"a"': 12, '"x%_\'["': 10, '"A "': 3}
    assert [v for v, _ in rows] == ['"A"', '""', '"a"', '"x%_\'["', '"A "']
    shown = describe.format_values(session, "codes", "code", threshold=10)
    assert "<10" in shown.text and " 3" not in shown.text.replace("<10", "")
    assert shown.locals["leo_suppressed"] == "1" and shown.locals["leo_r"] == "5"
    assert "leo_N" not in shown.locals
    assert "10" in shown.text  # exactly at the threshold is shown


def test_numeric_values_and_top(session):
    rows, _ = describe.value_counts(session, "codes", "n", top=2)
    assert rows == [("1", 25), ("2", 12)]


# --- the golden snapshots, on SQLite with declared lengths and row estimates -------------------


GOLDEN_DDL = [
    """CREATE TABLE student (id VARCHAR(14) NOT NULL, year SMALLINT, "Last Name" VARCHAR(20),
       status TINYINT, fee NUMERIC(8,2), started DATE, seen DATETIME, note TEXT,
       photo VARBINARY(8), big BIGINT)""",
    "CREATE TABLE earn (id VARCHAR(14), TaxYear INTEGER, Earnings INTEGER)",
    "CREATE TABLE leostata_metadata (table_name VARCHAR(128), column_name VARCHAR(128), "
    "description VARCHAR(1000), documented SMALLINT, person_key SMALLINT, sort_key SMALLINT)",
] + [f"CREATE VIEW student_{y} AS SELECT * FROM student WHERE year = {y}"
     for y in (2005, 2006, 2007)]
GOLDEN_METADATA = [
    ("student", "", "Students, one row per student-year", None, None),
    ("student", "id", "Student key", 1, 1),
    ("student", "year", "Academic year end (2005 = 2004/05)", None, 2),
    ("student", "Last Name", "Family name of the student", None, None),
    ("student", "status", "Student status code (1 full-time, 2 part-time)", None, None),
    ("student", "fee", "Tuition fee in pounds", None, None),
    ("student", "started", "Start date", None, None),
    ("student", "seen", "Last seen", None, None),
    ("student", "note", "Free text note", None, None),
    ("student", "photo", "Photo thumbnail", None, None),
    ("student", "big", "A big counter", None, None),
    ("earn", "", "Earnings of former students per tax year", None, None),
    ("earn", "id", "Student key", 1, 1),
    ("earn", "TaxYear", "Tax year, 201617 = 2016/17", None, 2),
    ("earn", "Earnings", "Earnings in the tax year, pounds", None, None),
]


@pytest.fixture
def golden_session(tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    path = tmp_path / "golden.sqlite"
    db = sqlite3.connect(path)
    for statement in GOLDEN_DDL:
        db.execute(statement)
    views = [(f"student_{y}", column, f"Students in {y}" if not column else description,
              key, order) for y in (2005, 2006, 2007)
             for table, column, description, key, order in GOLDEN_METADATA if table == "student"]
    db.executemany("INSERT INTO leostata_metadata VALUES (?, ?, ?, 1, ?, ?)",
                   GOLDEN_METADATA + views)
    db.executemany("INSERT INTO student (id, year, status) VALUES (?, ?, 1)",
                   [(f"S{i:05d}", 2005 + i % 3) for i in range(30)])
    db.executemany("INSERT INTO earn VALUES (?, 201617, 20000)", [(f"S{i:05d}",) for i in range(12)])
    db.execute("ANALYZE")  # sqlite_stat1: the row estimates the catalog reads
    db.commit()
    db.close()
    s = open_session(f"sqlite:///{path}")
    yield s
    s.close()


def test_golden_table(golden_session):
    shown = describe.format_table(golden_session.catalog, "student")
    GOLDENS.check("table.txt", shown.text + "\n")
    assert shown.locals == {"leo_table": "student", "leo_N": "30", "leo_k": "10",
                            "leo_varlist": "id year Last_Name status fee started seen note "
                                           "photo big"}


def test_golden_variable_list(golden_session):
    shown = describe.format_table(golden_session.catalog, "student", ["Last*", "st*", "photo"])
    GOLDENS.check("varlist.txt", shown.text + "\n")
    assert shown.locals["leo_varlist"] == "Last_Name status started photo"
    assert _row(shown, "Last_Name")[1:4] == ["str20", "%20s", "VARCHAR(20)"]
    assert "(SQL name: Last Name)" in shown.text
    assert _row(shown, "photo")[1:3] == ["str18", "%18s"]  # 0x and two hex digits a byte


def test_golden_search(golden_session):
    shown = describe.format_search(golden_session.catalog, 'year "family name" pounds')
    GOLDENS.check("search.txt", shown.text + "\n")
    assert shown.locals["leo_varlist"] == "TaxYear Earnings year Last_Name fee"
    # the column the three views repeat is listed once, with the views together
    assert shown.text.count("\nyear ") == 1
    assert "in student, student_2005 ... student_2007 (3 views):" in shown.text
    assert shown.text.count("\nfee ") == 1


def test_golden_listing(golden_session):
    shown = describe.format_tables(golden_session.catalog)
    GOLDENS.check("listing.txt", shown.text + "\n")
    assert shown.locals == {"leo_ntables": "5",
                            "leo_tables": "earn student student_2005 student_2006 student_2007"}


def test_value_labels_and_notes_are_shown():
    v = describe.Variable("sex", "byte", "%8.0g", "sexlbl", "Sex of the person", "tinyint",
                          ("SQL name: Sex code",))
    w = describe._widths([v])
    first, note = describe._variable_lines(v, w, "people", smcl=True)
    assert first.startswith("{stata leodescribe people, values(sex):sex}")
    assert first.split("}", 1)[1].split() == ["byte", "%8.0g", "sexlbl", "tinyint", "Sex", "of",
                                             "the", "person"]
    assert note.strip() == "(SQL name: Sex code)" and note.index("(") == sum(w.values())
