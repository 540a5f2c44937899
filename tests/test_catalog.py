"""catalog.py: tables, columns, types and descriptions from each database's
own catalog views, on DuckDB, SQLite and PostgreSQL over ODBC."""

import pytest
from sqlalchemy import (CHAR, BigInteger, Column, Date, DateTime, Integer, MetaData, Numeric,
                        SmallInteger, String, Table, Text, text)

from leostata.catalog import INTERNAL_TABLES, Catalog, normalize_type
from leostata.errors import NotFound


def build_fixture_tables(engine):
    md = MetaData()
    Table("leo_earnings", md,
          Column("Edukey", String(14), nullable=False),
          Column("TaxYear", Integer),
          Column("Earnings", Integer),
          Column("Big", BigInteger),
          Column("Small", SmallInteger),
          Column("Amount", Numeric(10, 2)),
          Column("Started", Date),
          Column("Stamp", DateTime),
          Column("Note", Text),
          Column("Code", CHAR(3)))
    meta = Table("leostata_metadata", md,
                 Column("table_name", String(128), nullable=False),
                 Column("column_name", String(128), nullable=False),
                 Column("description", String(1000)),
                 Column("documented", SmallInteger),
                 Column("person_key", SmallInteger),
                 Column("sort_key", SmallInteger))
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE VIEW hesa_2005 AS SELECT * FROM leo_earnings WHERE 1 = 0"))
        conn.execute(meta.insert(), [  # executemany: every row names every column
            dict(table_name="leo_earnings", column_name="", description="PAYE earnings per tax year",
                 person_key=None, sort_key=None),
            dict(table_name="leo_earnings", column_name="Edukey", description="person key",
                 person_key=1, sort_key=1),
            dict(table_name="leo_earnings", column_name="TaxYear", description="tax year, 200405 = 2004/05",
                 person_key=None, sort_key=2),
        ])


@pytest.fixture
def catalog(any_db):
    writer = any_db.writer()
    build_fixture_tables(writer)
    writer.dispose()
    engine = any_db.reader()
    yield Catalog(engine)
    engine.dispose()


def test_lists_tables_and_views_without_internal_tables(catalog):
    kinds = {t.name: t.kind for t in catalog.tables()}
    assert kinds == {"leo_earnings": "table", "hesa_2005": "view"}
    assert not set(kinds) & set(INTERNAL_TABLES)


def test_table_description_comes_from_the_metadata_table(catalog):
    info = {t.name: t for t in catalog.tables()}["leo_earnings"]
    assert info.description == "PAYE earnings per tax year"


def test_columns_in_order_with_types_and_nullability(catalog):
    table = catalog.table("leo_earnings")
    assert [c.name for c in table.columns] == [
        "Edukey", "TaxYear", "Earnings", "Big", "Small", "Amount", "Started", "Stamp", "Note", "Code"]
    kinds = {c.name: c.sql_type.kind for c in table.columns}
    assert kinds == {"Edukey": "string", "TaxYear": "int32", "Earnings": "int32", "Big": "int64",
                     "Small": "int16", "Amount": "decimal", "Started": "date",
                     "Stamp": "datetime", "Note": "string", "Code": "string"}
    assert [c.position for c in table.columns] == list(range(10))
    assert table.column("Edukey").nullable is False
    assert table.column("TaxYear").nullable is True
    amount = table.column("Amount").sql_type
    assert (amount.precision, amount.scale) == (10, 2)


def test_declared_string_lengths_where_the_engine_keeps_them(catalog):
    edukey = catalog.table("leo_earnings").column("Edukey").sql_type
    if catalog.dialect == "duckdb":  # DuckDB drops varchar(n) lengths
        assert edukey.length is None
    else:
        assert edukey.length == 14


def test_descriptions_person_key_and_sort_key_from_metadata(catalog):
    table = catalog.table("leo_earnings")
    assert table.column("TaxYear").description == "tax year, 200405 = 2004/05"
    assert table.person_key == "Edukey"
    assert table.key == ("Edukey", "TaxYear")


@pytest.mark.parametrize("typed", ["leo_earnings", "LEO_EARNINGS", "earnings", "Earnings",
                                   "{default}.leo_earnings", "{default}.EARNINGS"])
def test_table_names_resolve_like_the_srs_views(catalog, typed):
    with catalog.engine.connect() as conn:
        default = ("main" if catalog.dialect == "sqlite"
                   else conn.execute(text("SELECT current_schema()")).scalar())
    assert catalog.table(typed.format(default=default)).name == "leo_earnings"


def test_a_schema_that_is_not_there_is_r111_never_the_default_one(catalog):
    with pytest.raises(NotFound) as err:
        catalog.table("nosuchschema.earnings")
    assert err.value.rc == 111
    assert err.value.render() == "schema nosuchschema not found"


def test_unknown_table_is_r111_with_a_suggestion(catalog):
    with pytest.raises(NotFound) as err:
        catalog.table("earnigs")
    assert err.value.rc == 111
    assert err.value.render() == "table earnigs not found\ndid you mean leo_earnings?"


@pytest.mark.parametrize("raw, kind, length, precision, scale", [
    ("varchar(14)", "string", 14, None, None),
    ("NVARCHAR(max)", "string", None, None, None),
    ("character varying(43)", "string", 43, None, None),
    ("decimal(5,3)", "decimal", None, 5, 3),
    ("money", "decimal", None, 19, 4),
    ("tinyint", "uint8", None, None, None),
    ("bit", "bool", None, None, None),
    ("datetime2", "datetime", None, None, None),
    ("timestamp without time zone", "datetime", None, None, None),
    ("double precision", "float64", None, None, None),
    ("real", "float32", None, None, None),
    ("uniqueidentifier", "string", 36, None, None),
    ("geography", "unknown", None, None, None),
])
def test_normalize_type(raw, kind, length, precision, scale):
    t = normalize_type(raw)
    assert (t.kind, t.length, t.precision, t.scale) == (kind, length, precision, scale)


def test_load_all_reads_every_table_in_one_go(catalog):
    tables = {t.name: t for t in catalog.load_all()}
    assert [c.name for c in tables["hesa_2005"].columns][:2] == ["Edukey", "TaxYear"]
    assert tables["leo_earnings"].key == ("Edukey", "TaxYear")


def test_search_finds_columns_by_description_and_name_case_insensitively(catalog):
    hits = catalog.search("TAX year")
    assert ("leo_earnings", "TaxYear") in [(h.table, h.column) for h in hits]
    assert all("tax" in f"{h.table} {h.column} {h.description}".lower() for h in hits)
    assert catalog.search("edukey")[0].column == "Edukey"
    assert catalog.search("no-such-word") == []


@pytest.mark.parametrize("raw, dialect, kind", [
    ("FLOAT", "duckdb", "float32"), ("FLOAT", None, "float64"), ("float", "mssql", "float64"),
    ("TINYINT", "duckdb", "int8"), ("tinyint", "mssql", "uint8"), ("UBIGINT", "duckdb", "int64"),
])
def test_types_spelled_differently_per_dialect(raw, dialect, kind):
    assert normalize_type(raw, dialect=dialect).kind == kind


# --- the table's key from the database ------------------------------------------------------

def test_the_key_comes_from_the_primary_key_else_a_unique_not_null_index(any_db):
    from sqlalchemy import Index, PrimaryKeyConstraint, UniqueConstraint
    md = MetaData()
    Table("with_pk", md, Column("a", Integer, nullable=False), Column("b", String(3), nullable=False),
          Column("v", Integer), PrimaryKeyConstraint("b", "a"))
    Table("with_unique", md, Column("u", Integer, nullable=False), Column("n", Integer),
          Column("w", Integer, nullable=False), Column("v", Integer),
          UniqueConstraint("n", name="ux_n"), UniqueConstraint("w", name="ux_w"))
    Table("nullable_unique", md, Column("n", Integer), Column("v", Integer))
    Table("plain", md, Column("v", Integer))
    writer = any_db.writer()
    md.create_all(writer)
    with writer.begin() as conn:  # a unique index on a NOT NULL column (not a constraint)
        Index("ix_u", md.tables["with_unique"].c.u, unique=True).create(conn)
        Index("ix_nn", md.tables["nullable_unique"].c.n, unique=True).create(conn)
        conn.execute(md.tables["with_pk"].insert(), [dict(a=2, b="x", v=1), dict(a=1, b="y", v=2),
                                                     dict(a=1, b="x", v=3)])
    writer.dispose()
    engine = any_db.reader()
    try:
        cat = Catalog(engine)
        assert cat.table("with_pk").key == ("b", "a")  # the key's own column order
        unique = cat.table("with_unique").key
        # the first unique index by name on NOT NULL columns (ix_u); DuckDB lists unique
        # constraints only (ux_w), SQLite reads primary keys only
        assert unique == {"sqlite": (), "duckdb": ("w",)}.get(any_db.kind, ("u",))
        assert cat.table("nullable_unique").key == ()  # NULLs need not be unique
        assert cat.table("plain").key == ()
    finally:
        engine.dispose()


def test_in_and_first_follow_the_primary_key_without_sort(any_db, tmp_path, monkeypatch):
    from leostata import commands
    from leostata.session import open_session
    from leostata.stream import stream
    from leostata.writers.memory import MemoryWriter
    from sqlalchemy import PrimaryKeyConstraint
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    md = MetaData()
    t = Table("events", md, Column("k", Integer, nullable=False, autoincrement=False), Column("v", Integer),
              PrimaryKeyConstraint("k"))
    writer = any_db.writer()
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(t.insert(), [dict(k=k, v=10 * k) for k in (5, 3, 9, 1, 7)])
    writer.dispose()
    session = open_session(any_db.url)
    try:
        def load(command):
            job = commands.prepare_load(command, session)
            out = MemoryWriter()
            stream(job.statement, session.engine, job.plan.outputs, out, meta=job.meta())
            return out.data
        assert load("events k in 2/3")["k"] == [3, 5]
        assert load("events, collapse((first) f=v (last) l=v)") == {"f": [10], "l": [90]}
        assert load("events k")["k"] == [1, 3, 5, 7, 9]
    finally:
        session.close()
