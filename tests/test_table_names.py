"""Table names across schemas and databases (issue 13, item 4): the one
resolution rule of ``catalog`` (unqualified, ``schema.table``,
``database.schema.table``), the site layouts (``layout``; srs and synthetic),
real second schemas on DuckDB, SQLite (ATTACH) and PostgreSQL, and golden
T-SQL for SQL Server: the catalog queries for a table in another database, a
load and a merge across two databases.  Goldens: ``tests/golden/table_names/``;
after a deliberate change regenerate and review the diff:

    LEOSTATA_UPDATE_GOLDEN=1 python -m pytest tests/test_table_names.py
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from leostata import config
from leostata.catalog import Catalog
from leostata.errors import FileNotFound, NotFound, StataSyntaxError, Untranslatable
from leostata.layout import Layout, Place, load_layout
from leostata.plan import plan_load
from leostata.sql import merge_probes, offline_dialect, select_for, to_sql
from tests.golden_files import Goldens

# --- layouts ---------------------------------------------------------------------------------


def test_built_in_layouts_read_and_name_the_srs_databases():
    srs = load_layout("srs", "p1234")
    assert srs.home_of("leo_earnings") == Place("LEO_i2", "{project}")
    assert srs.home_of("HESA_2016") == Place("hesa_i2", "{project}")
    assert srs.home_of("learner_ae_id_to_edukey_lookup") == Place("LEO_i2", "{project}")
    assert srs.home_of("ref_cah2") is None
    assert srs.real(srs.home_of("hesa_2016")) == Place("hesa_i2", "p1234")
    assert srs.places == ()
    synthetic = load_layout("synthetic")
    assert {p.database for p in synthetic.homes()} == {"LEO_i2", "hesa_i2", "NPD_i2", "LILR_i2"}
    assert synthetic.real(Place("hesa_i2", "anything")) == Place()
    assert synthetic.real(Place("hesa_i2", "{project}")) == Place()
    assert synthetic.alias(Place("nosuchdb", "x")) is None


def test_srs_layout_without_a_project_says_so():
    srs = load_layout("srs")
    with pytest.raises(NotFound) as err:
        srs.real(srs.home_of("leo_earnings"), "leo_earnings")
    assert err.value.rc == 111
    assert err.value.message == ("table leo_earnings is in LEO_i2.{project} (site layout srs), "
                                 "but no project is set")
    assert "LEOSTATA_PROJECT" in err.value.hint


def test_a_set_project_narrows_the_synthetic_aliases():
    synthetic = load_layout("synthetic", "p1")
    assert synthetic.alias(Place("LEO_i2", "P1")) is not None
    assert synthetic.alias(Place("LEO_i2", "p2")) is None


@pytest.mark.parametrize("text, message", [
    ("[tables]\nleo_* = a.b.c\n", "place of leo_* a.b.c invalid"),
    ("[tables]\nleo-x = a.b\n", "table pattern leo-x invalid"),
    ("[places]\nLEO_i2.{project} = x.{project}\n", "{project} in the real place"),
    ("[nonsense]\na = b\n", "unknown section [nonsense]"),
    ("[tables]\na = x\na = y\n", "cannot be read"),
])
def test_bad_layout_files_are_r198_naming_the_line(tmp_path, text, message):
    path = tmp_path / "site.ini"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StataSyntaxError) as err:
        load_layout(str(path))
    assert err.value.rc == 198 and message in err.value.message


def test_missing_layout_file_and_bad_project():
    with pytest.raises(FileNotFound) as err:
        load_layout("/no/such/layout.ini")
    assert err.value.rc == 601
    with pytest.raises(StataSyntaxError):
        load_layout("srs", "p1; DROP")


def test_the_setting_carries_the_layout(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    for name in (config.ENV_URL, config.ENV_LAYOUT, config.ENV_PROJECT):
        monkeypatch.delenv(name, raising=False)
    assert (config.resolve().layout, config.resolve().project) == ("synthetic", None)
    assert config.resolve("sqlite:///x.sqlite").layout is None
    config.write_layout("srs", "p1234")
    assert (config.resolve("sqlite:///x.sqlite").layout,
            config.resolve("sqlite:///x.sqlite").project) == ("srs", "p1234")
    assert config.resolve().layout == "synthetic"  # the synthetic database has its own layout
    monkeypatch.setenv(config.ENV_LAYOUT, "/site/layout.ini")
    monkeypatch.setenv(config.ENV_PROJECT, "p9")
    assert (config.resolve("sqlite:///x.sqlite").layout,
            config.resolve("sqlite:///x.sqlite").project) == ("/site/layout.ini", "p9")


# --- real second schemas on DuckDB, SQLite and PostgreSQL -----------------------------------


def _second_schema(db, tmp_path) -> tuple[str, str]:
    """A table ``t`` in the default schema (k = 1, 2) and another ``t`` in a
    second schema (k = 10, 20, 30, and a column ``extra``); returns the second
    schema's name and the default schema's name."""
    writer = db.writer()
    with writer.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (k INTEGER)"))
        conn.execute(sa.text("INSERT INTO t VALUES (1), (2)"))
        if db.kind == "sqlite":
            conn.exec_driver_sql(f"ATTACH DATABASE '{tmp_path}/other.sqlite' AS other")
            schema, default = "other", "main"
        elif db.kind == "duckdb":
            conn.execute(sa.text("CREATE SCHEMA other"))
            schema, default = "other", "main"
        else:
            default = conn.execute(sa.text("SELECT current_schema()")).scalar()
            schema = default + "_b"
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        conn.execute(sa.text(f"CREATE TABLE {schema}.t (k INTEGER, extra INTEGER)"))
        conn.execute(sa.text(f"INSERT INTO {schema}.t VALUES (10, 0), (20, 0), (30, 0)"))
    writer.dispose()
    return schema, default


@pytest.fixture
def two_schemas(any_db, tmp_path):
    schema, default = _second_schema(any_db, tmp_path)
    if any_db.kind == "sqlite":
        # leostata's read-only SQLite connection refuses ATTACH; an attached
        # database is read the same way on a connection that attached it
        engine = any_db.writer()
        sa.event.listen(engine, "connect", lambda dbapi, _r: dbapi.execute(
            f"ATTACH DATABASE '{tmp_path}/other.sqlite' AS other"))
    else:
        engine = any_db.reader()
    yield Catalog(engine), schema, default
    if any_db.kind == "postgres":
        writer = any_db.writer()
        with writer.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        writer.dispose()
    engine.dispose()


def _keys(catalog, command: str) -> list:
    plan = plan_load(command, catalog)
    with catalog.engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(select_for(plan, catalog.engine.dialect)))


def test_schema_qualified_names_read_that_schema(two_schemas):
    catalog, schema, default = two_schemas
    other = catalog.table(f"{schema}.t")
    assert other.schema == schema and [c.name for c in other.columns] == ["k", "extra"]
    assert catalog.table("t").schema is None and [c.name for c in catalog.table("t").columns] == ["k"]
    assert catalog.table(f"{default}.t") is catalog.table("t")  # the default schema, named
    assert _keys(catalog, f"{schema}.t k") == [10, 20, 30]
    assert _keys(catalog, "t k") == [1, 2]
    assert _keys(catalog, f"{schema.upper()}.T k") == [10, 20, 30]  # any case, as unqualified


def test_unknown_schema_is_r111_never_the_default_schema(two_schemas):
    catalog, schema, _ = two_schemas
    with pytest.raises(NotFound) as err:
        catalog.table("nosuchschema.t")
    assert (err.value.rc, err.value.message) == (111, "schema nosuchschema not found")
    with pytest.raises(NotFound) as err:
        catalog.table(f"{schema}.missing")
    assert err.value.message == f"table missing not found in {schema}"
    with pytest.raises(NotFound) as err:  # the plan points at the table name
        plan_load("nosuchschema.t k", catalog)
    assert err.value.message == "schema nosuchschema not found"


def test_three_part_names_per_engine(two_schemas):
    catalog, schema, _ = two_schemas
    if catalog.dialect == "sqlite":
        with pytest.raises(Untranslatable) as err:
            catalog.table(f"main.{schema}.t")
        assert err.value.rc == 5104 and "SQLite has no databases" in err.value.message
        assert "write schema.table" in err.value.hint
        return
    with catalog.engine.connect() as conn:
        current = conn.execute(sa.text("SELECT current_database()")).scalar()
    info = catalog.table(f"{current}.{schema}.t")
    assert [c.name for c in info.columns] == ["k", "extra"]
    assert _keys(catalog, f"{current}.{schema}.t k") == [10, 20, 30]
    if catalog.dialect == "duckdb":
        assert info.schema == f"{current}.{schema}"
    else:  # PostgreSQL names the schema only: it reads its own database
        assert info.schema == schema
    with pytest.raises(NotFound) as err:
        catalog.table(f"nosuchdb.{schema}.t")
    assert (err.value.rc, err.value.message) == (111, "database nosuchdb not found")
    with pytest.raises(NotFound) as err:
        catalog.table(f"{current}.nosuchschema.t")
    assert err.value.message == "schema nosuchschema not found" + (
        f" in database {current}" if catalog.dialect == "duckdb" else "")


def test_merge_across_schemas(two_schemas):
    catalog, schema, _ = two_schemas
    plan = plan_load(f"t k extra, merge(1:1 k using {schema}.t, keep(master match))", catalog)
    with catalog.engine.connect() as conn:
        rows = sorted(tuple(r) for r in conn.execute(select_for(plan, catalog.engine.dialect)))
    assert rows == [(1, None), (2, None)]  # no key in common: the using rows are not the master's


# --- the synthetic layout on the synthetic tables (every engine) ----------------------------


@pytest.fixture
def synthetic(any_db):
    from leostata import synth
    writer = any_db.writer()
    synth.build(writer, persons=60, seed=5)
    writer.dispose()
    engine = any_db.reader()
    yield engine
    engine.dispose()


def test_srs_names_resolve_on_the_synthetic_tables(synthetic):
    catalog = Catalog(synthetic, layout=load_layout("synthetic"))
    plain = catalog.table("leo_earnings")
    for typed in ("LEO_i2.p1234.leo_earnings", "leo_i2.myproject.earnings", "earnings"):
        assert catalog.table(typed) is plain
    assert plain.schema is None
    assert catalog.table("hesa_i2.myproject.hesa_student") is catalog.table("hesa_student")
    assert catalog.table("ref_cah2").name == "ref_cah2"  # in no SRS database: default schema
    with pytest.raises(NotFound) as err:
        catalog.table("LEO_i2.p1234.hesa_student")  # HESA is not in LEO_i2, on the SRS either
    assert err.value.message == "table hesa_student not found in LEO_i2.p1234"
    with pytest.raises(NotFound) as err:
        catalog.table("LEO_i2.p1234.ref_cah2")
    assert err.value.message == "table ref_cah2 not found in LEO_i2.p1234"
    with pytest.raises((NotFound, Untranslatable)) as err:
        catalog.table("nosuchdb.x.leo_earnings")
    if catalog.dialect == "sqlite":
        assert err.value.rc == 5104
    else:
        assert err.value.message == "database nosuchdb not found"
    listed = sorted(t.name for t in catalog.tables())
    assert listed == sorted(t.name for t in Catalog(synthetic).tables())


def test_a_project_set_on_the_synthetic_database_is_checked(synthetic):
    catalog = Catalog(synthetic, layout=load_layout("synthetic", "p1234"))
    assert catalog.table("LEO_i2.P1234.leo_earnings").name == "leo_earnings"
    with pytest.raises(NotFound) as err:
        catalog.table("LEO_i2.p9999.leo_earnings")
    assert err.value.message == "schema p9999 not found in database LEO_i2"
    assert "p1234" in err.value.hint


def test_srs_do_file_lines_run_unchanged_on_the_synthetic_tables(synthetic):
    catalog = Catalog(synthetic, layout=load_layout("synthetic"))
    command = ("LEO_i2.p1234.learner_ae_id_to_pmr_lookup AE_ID HE_XMODE01, merge(m:1 "
               "PUPILMATCHINGREFANONYMOUS=HE_PUPILMATCHINGREFANONYMOUS using "
               "hesa_i2.p1234.hesa_student, keepusing(HE_XMODE01) keep(match))")
    with pytest.raises(Exception):  # hesa_student is not unique on the PMR: probe finds it
        _run_probes(catalog, command)
    plain = command.replace("LEO_i2.p1234.", "").replace("hesa_i2.p1234.", "")
    assert (to_sql(plan_load(command, catalog), catalog.engine.dialect)
            == to_sql(plan_load(plain, catalog), catalog.engine.dialect))


def _run_probes(catalog, command: str) -> None:
    plan = plan_load(command, catalog)
    with catalog.engine.connect() as conn:
        for *_, probe in merge_probes(plan, catalog.engine.dialect):
            if conn.execute(probe).first() is not None:
                raise AssertionError("using side not unique")


def test_open_session_reads_the_synthetic_database_through_its_layout(tmp_path, monkeypatch):
    from leostata.session import ensure_synthetic, open_session
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    for name in (config.ENV_URL, config.ENV_LAYOUT, config.ENV_PROJECT):
        monkeypatch.delenv(name, raising=False)
    ensure_synthetic(persons=60, seed=5)
    monkeypatch.setattr(config, "SYNTH_PERSONS", 60)
    session = open_session("duckdb:///" + config.synthetic_path(60, 5).as_posix())
    try:
        assert session.catalog.layout.source == "synthetic"
        assert session.catalog.table("hesa_i2.p1.hesa_student").name == "hesa_student"
    finally:
        session.close()


# --- SQL Server: golden T-SQL, on a recorded stand-in for the server ------------------------


SRS = {  # database -> schema -> table -> [(column, type)]
    "LEO_i2": {"dbo": {}, "p1234": {
        "leo_earnings": [("EDUKEY", "varchar"), ("TaxYear", "int"), ("Earnings", "decimal")],
        "learner_ae_id_to_pmr_lookup": [("AE_ID", "bigint"),
                                        ("PUPILMATCHINGREFANONYMOUS", "varchar")]}},
    "hesa_i2": {"dbo": {}, "p1234": {
        "hesa_2016": [("HE_PUPILMATCHINGREFANONYMOUS", "varchar"), ("HE_XMODE01", "smallint")]}},
    "master": {"dbo": {}},
}


class _Result(list):
    def fetchall(self):
        return list(self)

    def first(self):
        return self[0] if self else None


class FakeSqlServer:
    """An engine-like stand-in for the SRS instance: answers leostata's
    catalog queries from ``SRS`` and records every statement (the current
    database is ``master``, as for a login without a default database)."""

    def __init__(self, databases=SRS):
        self.dialect = offline_dialect("mssql")
        self.databases = databases
        self.log: list[tuple[str, dict]] = []

    def connect(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, statement, params=None):
        sql, params = str(statement), dict(params or {})
        self.log.append((sql, params))
        named = re.search(r"\[(\w+)\]\.sys\.", sql)
        db = self.databases[named.group(1) if named else "master"]
        if "DB_NAME()" in sql:
            return _Result([("master", "dbo")])
        if "sys.databases" in sql:
            return _Result((d,) for d in sorted(self.databases))
        if "sys.indexes" in sql:  # views: no keys of their own
            return _Result([])
        if "sys.columns" in sql:
            tables = db.get(params["schema"] or "dbo", {})
            return _Result((t, c, ty, 1, i, 14 if ty == "varchar" else None,
                            18 if ty == "decimal" else None, 2 if ty == "decimal" else None,
                            "Latin1_General_CI_AS" if ty == "varchar" else None, None)
                           for t, cols in sorted(tables.items()) if params["table"] in (None, t)
                           for i, (c, ty) in enumerate(cols))
        if "sys.partitions" in sql:
            return _Result((t, "view", None) for t in sorted(db.get(params["schema"] or "dbo", {})))
        if "sys.schemas" in sql:
            return _Result((s,) for s in sorted(db))
        raise AssertionError(f"unexpected statement {sql}")


CASES = {
    "load_unqualified": "leo_earnings EDUKEY TaxYear Earnings if TaxYear >= 201516",
    "load_three_part": "LEO_i2.p1234.leo_earnings EDUKEY Earnings if TaxYear == 201516",
    "merge_two_databases": "learner_ae_id_to_pmr_lookup AE_ID HE_XMODE01, merge(m:1 "
                           "PUPILMATCHINGREFANONYMOUS=HE_PUPILMATCHINGREFANONYMOUS using "
                           "hesa_2016, keepusing(HE_XMODE01) keep(match))",
    "merge_two_databases_qualified": "LEO_i2.p1234.learner_ae_id_to_pmr_lookup AE_ID HE_XMODE01, "
                                     "merge(m:1 PUPILMATCHINGREFANONYMOUS="
                                     "HE_PUPILMATCHINGREFANONYMOUS using "
                                     "hesa_i2.p1234.hesa_2016, keepusing(HE_XMODE01) keep(match))",
}
GOLDENS = Goldens("table_names", {f"{c}.mssql.sql" for c in CASES}
                  | {"catalog_other_database.mssql.sql"})


def srs_catalog(project: str | None = "p1234") -> tuple[Catalog, FakeSqlServer]:
    server = FakeSqlServer()
    return Catalog(server, layout=load_layout("srs", project)), server


def compiled(command: str, catalog) -> str:
    plan = plan_load(command, catalog)
    text = to_sql(plan, "mssql") + "\n"
    for *_, keys, probe in merge_probes(plan, "mssql"):
        text += f"-- probe: unique on {' '.join(keys)}\n{to_sql(probe, 'mssql')}\n"
    return text


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_tsql_across_databases(case):
    catalog, _ = srs_catalog()
    GOLDENS.check(f"{case}.mssql.sql", compiled(CASES[case], catalog))


def test_tsql_names_each_table_with_its_database_and_schema():
    catalog, _ = srs_catalog()
    sql = compiled(CASES["merge_two_databases"], catalog)
    assert "FROM [LEO_i2].p1234.learner_ae_id_to_pmr_lookup AS" in sql
    assert "JOIN hesa_i2.p1234.hesa_2016 AS" in sql
    assert compiled(CASES["merge_two_databases_qualified"], catalog) == sql


def test_tsql_quotes_names_that_need_it():
    odd = {"LEO_i2": {"1234": {"leo_earnings": [("TaxYear", "int")]}}, "master": {"dbo": {}}}
    catalog = Catalog(FakeSqlServer(odd), layout=load_layout("srs", "1234"))
    sql = to_sql(plan_load("leo_earnings TaxYear", catalog), "mssql")
    assert "FROM [LEO_i2].[1234].leo_earnings" in sql


def test_catalog_reads_another_databases_own_catalog_views():
    catalog, server = srs_catalog()
    catalog.table("hesa_i2.p1234.hesa_2016")
    text = "".join(f"-- parameters: {sorted(p.items())}\n{' '.join(s.split())}\n"
                   for s, p in server.log)
    GOLDENS.check("catalog_other_database.mssql.sql", text)
    tables = next(s for s, _ in server.log if "sys.partitions" in s)
    columns, column_params = next((s, p) for s, p in server.log if "extended_properties" in s)
    keys = server.log[-1][0]
    assert "[hesa_i2].sys.indexes" in keys and "[hesa_i2].sys.index_columns" in keys
    assert re.findall(r"\b(?:FROM|JOIN)\s+([\w.\[\]]+)", tables) == [
        "[hesa_i2].sys.partitions", "[hesa_i2].sys.objects", "[hesa_i2].sys.schemas"]
    assert set(re.findall(r"\b(?:FROM|JOIN)\s+([\w.\[\]]+)", columns)) == {
        "[hesa_i2].sys.columns", "[hesa_i2].sys.types", "[hesa_i2].sys.objects",
        "[hesa_i2].sys.schemas", "[hesa_i2].sys.extended_properties"}
    assert column_params == {"schema": "p1234", "table": "hesa_2016"}
    assert "SCHEMA_NAME()" in columns  # never used: the schema is always bound here


def test_sql_server_misses_name_the_database_or_schema():
    catalog, server = srs_catalog()
    with pytest.raises(NotFound) as err:
        catalog.table("nosuchdb.p1234.leo_earnings")
    assert (err.value.rc, err.value.message) == (111, "database nosuchdb not found")
    assert not any("[nosuchdb]" in s for s, _ in server.log)  # never asked of the server
    with pytest.raises(NotFound) as err:
        catalog.table("hesa_i2.p9999.hesa_2016")
    assert err.value.message == "schema p9999 not found in database hesa_i2"
    with pytest.raises(NotFound) as err:
        catalog.table("hesa_2030")
    assert err.value.message == "table hesa_2030 not found in hesa_i2.p1234"
    assert err.value.hint == "did you mean hesa_2016?"
    with pytest.raises(NotFound) as err:
        srs_catalog(None)[0].table("leo_earnings")
    assert "no project is set" in err.value.message


def test_srs_listing_names_every_layout_place():
    catalog, _ = srs_catalog()
    assert {(t.name, t.schema) for t in catalog.tables()} == {
        ("leo_earnings", "LEO_i2.p1234"), ("learner_ae_id_to_pmr_lookup", "LEO_i2.p1234"),
        ("hesa_2016", "hesa_i2.p1234")}


def test_layouts_are_plain_data():
    assert Layout("x").home_of("anything") is None
