"""metadata.py: user metadata files (CSV/XLSX) merged into the catalog."""

import csv

import pytest
from sqlalchemy import text

from leostata import config
from leostata.catalog import Catalog
from leostata.connection import engine_for
from leostata.errors import FileNotFound, StataSyntaxError
from leostata.metadata import MetadataIndex, read_metadata_file, table_matches


def write_csv(path, rows, header=("Table", "Variable", "Description", "Type", "Years")):
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_csv_with_bom_and_request_form_headers(tmp_path):
    path = write_csv(tmp_path / "m.csv", [("LEO.Earnings", "TaxYear", "Tax year", "int", "0304-2021"),
                                          ("HESA", "HE_XMODE01", "Mode of study", "", "")])
    rows = read_metadata_file(path)
    assert [(r.table, r.variable, r.description) for r in rows] == [
        ("LEO.Earnings", "TaxYear", "Tax year"), ("HESA", "HE_XMODE01", "Mode of study")]
    assert rows[0].years == "0304-2021"


def test_xlsx_first_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Table name", "Variable name", "Variable description"])
    sheet.append(["hesa_*", "HE_XCLASS01", "Degree class"])
    book.save(tmp_path / "m.xlsx")
    rows = read_metadata_file(tmp_path / "m.xlsx")
    assert rows[0].description == "Degree class"


def test_missing_columns_and_files_are_clear_errors(tmp_path):
    with pytest.raises(StataSyntaxError, match="no column for description"):
        read_metadata_file(write_csv(tmp_path / "bad.csv", [("t", "v")], header=("table", "variable")))
    with pytest.raises(FileNotFound) as err:
        read_metadata_file(tmp_path / "absent.csv")
    assert err.value.rc == 601


@pytest.mark.parametrize("pattern, table, expected", [
    ("LEO.Earnings", "leo_earnings", True), ("earnings", "leo_earnings", True),
    ("hesa_*", "hesa_2015", True), ("HESA_20??", "hesa_2015", True),
    ("hesa_*", "leo_earnings", False), ("", "x", False),
])
def test_table_matching(pattern, table, expected):
    assert table_matches(pattern, table) is expected


def test_ten_thousand_rows_merge_into_the_catalog(tmp_path):
    url = f"duckdb:///{tmp_path}/m.duckdb"
    writer = engine_for(url, readonly=False)
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE hesa_2015 (HE_XMODE01 INTEGER, HE_V9999 INTEGER, own INTEGER)"))
        conn.execute(text("CREATE TABLE leo_earnings (\"TaxYear\" INTEGER)"))
        conn.execute(text("CREATE TABLE leostata_metadata (table_name VARCHAR, column_name VARCHAR, "
                          "description VARCHAR, documented SMALLINT, person_key SMALLINT, sort_key SMALLINT)"))
        conn.execute(text("INSERT INTO leostata_metadata VALUES ('hesa_2015', 'own', 'from the database', 0, 0, NULL)"))
    writer.dispose()
    rows = [("hesa_*", f"HE_V{i:04d}", f"description {i}") for i in range(9_997)]
    rows += [("HESA_2015", "HE_XMODE01", "Mode of study"), ("hesa_2015", "own", "from the file"),
             ("LEO.Earnings", "TaxYear", "Tax year (file)")]
    path = write_csv(tmp_path / "big.csv", rows)
    assert len(read_metadata_file(path)) == 10_000
    catalog = Catalog(engine_for(url), metadata_files=[str(path)])
    hesa = catalog.table("hesa_2015")
    assert hesa.column("HE_XMODE01").description == "Mode of study"
    assert hesa.column("HE_V9999").description == ""  # only 0..9996 are in the file
    assert hesa.column("own").description == "from the database"  # the database wins
    assert catalog.table("earnings").column("TaxYear").description == "Tax year (file)"
    assert [h.column for h in catalog.search("mode of study")] == ["HE_XMODE01"]


def test_leoset_metadata_registers_files_in_the_config(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    config.add_metadata_file("/a/one.csv")
    config.add_metadata_file("/b/two.xlsx")
    config.add_metadata_file("/a/one.csv")
    assert config.metadata_files() == ("/b/two.xlsx", "/a/one.csv")
    config.write_config("sqlite:///x.sqlite")
    assert config.resolve().metadata_files == ("/b/two.xlsx", "/a/one.csv")


def test_index_prefers_exact_rows_over_patterns():
    from leostata.metadata import MetaRow
    index = MetadataIndex([MetaRow("hesa_*", "X", "pattern"), MetaRow("hesa_2015", "X", "exact")])
    assert index.describe("hesa_2015", "x") == "exact"
    assert index.describe("hesa_2016", "X") == "pattern"


# --- notes and code lists (value labels) ----------------------------------------------------

from leostata.metadata import parse_value_labels  # noqa: E402
from leostata.plan import plan_load  # noqa: E402


@pytest.mark.parametrize("text,name,pairs", [
    ('1 "Full-time" 2 "Sandwich"', None, [(1, "Full-time"), (2, "Sandwich")]),
    ('mode: 1 "Full-time"  3 "Part-time"', "mode", [(1, "Full-time"), (3, "Part-time")]),
    (' -1 "None" 99 "Not known, or: refused"', None, [(-1, "None"), (99, "Not known, or: refused")]),
])
def test_code_lists_read_as_label_define_writes_them(text, name, pairs):
    assert parse_value_labels(text) == (name, pairs)


@pytest.mark.parametrize("text", ["", "1 Full-time", '1 "a" 2', 'x y: 1 "a"', '"a" 1', '1.5 "a"'])
def test_malformed_code_lists_are_r198(text):
    with pytest.raises(StataSyntaxError) as err:
        parse_value_labels(text, "HE_XMODE01")
    assert err.value.rc == 198 and "HE_XMODE01" in err.value.message


def test_a_metadata_file_supplies_notes_and_value_labels(tmp_path):
    url = f"duckdb:///{tmp_path}/v.duckdb"
    writer = engine_for(url, readonly=False)
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE hesa_2015 (HE_XMODE01 INTEGER, HE_SEXID VARCHAR, n INTEGER)"))
        # an older metadata table, without provenance / value_labels columns: no extras
        conn.execute(text("CREATE TABLE leostata_metadata (table_name VARCHAR, column_name VARCHAR, "
                          "description VARCHAR, documented SMALLINT, person_key SMALLINT, sort_key SMALLINT)"))
    writer.dispose()
    path = write_csv(tmp_path / "vl.csv", [
        ("hesa_*", "HE_XMODE01", "Mode of study", "mode: 1 \"Full-time\" 3 \"Part-time\"", "from the VRF"),
        ("hesa_2015", "HE_SEXID", "Sex", '1 "Male" 2 "Female"', ""),
        ("hesa_2015", "n", "Count", "", ""),
    ], header=("Table", "Variable", "Description", "Value labels", "Notes"))
    catalog = Catalog(engine_for(url), metadata_files=[str(path)])
    outs = {o.name: o for o in plan_load("hesa_2015", catalog).outputs}
    assert outs["HE_XMODE01"].value_label.name == "mode"
    assert outs["HE_XMODE01"].value_label.mapping() == {1: "Full-time", 3: "Part-time"}
    assert outs["HE_XMODE01"].notes == ("from the VRF",) and outs["HE_XMODE01"].label == "Mode of study"
    assert outs["HE_SEXID"].value_label is None  # a string: Stata labels numbers only
    assert outs["n"].value_label is None and outs["n"].notes == ()
    plain = {o.name: o for o in plan_load("hesa_2015, codesonly", catalog).outputs}
    assert plain["HE_XMODE01"].value_label is None and plain["HE_XMODE01"].notes == ("from the VRF",)


def test_the_synthetic_database_attaches_its_code_lists(tmp_path):
    from leostata import synth
    from leostata import commands, session as sessions
    url = f"duckdb:///{tmp_path}/s.duckdb"
    writer = engine_for(url, readonly=False)
    synth.build(writer, persons=300, seed=1)
    writer.dispose()
    session = sessions.open_session(url)
    try:
        job = commands.prepare_load("hesa_2016 HE_XMODE01 HE_XPQUAL01 year", session)
        outs = {o.name: o for o in job.plan.outputs}
    finally:
        session.close()
    assert outs["HE_XMODE01"].value_label.mapping() == {1: "Full-time", 2: "Sandwich",
                                                         3: "Part-time"}
    assert outs["HE_XMODE01"].notes == ("name as in the SRS extract; SQL type assumed",)
    assert outs["year"].notes == ("synthetic only: not in the SRS extract",)
    assert outs["HE_XPQUAL01"].value_label is None
    assert outs["HE_XPQUAL01"].sql_type.raw.upper() == "UTINYINT"
    assert "SRS" not in outs["HE_XMODE01"].label
