"""Golden T-SQL for SQL Server's catalog queries and leodescribe's value
counts: catalog views only (never a scan of a user table), row estimates from
sys.partitions, collations and MS_Description; values grouped byte-exact."""

import re

import sqlalchemy as sa

from leostata.catalog import (COLUMN_QUERIES, KEY_QUERIES, TABLE_QUERIES, ColumnInfo,
                              choose_key, normalize_type)
from leostata.sql import offline_dialect
from leostata.translate.aggregate import frequencies_select
from tests.golden_files import Goldens

GOLDENS = Goldens("catalog", {"tables.mssql.sql", "columns.mssql.sql", "values.mssql.sql",
                              "keys.mssql.sql"})


def check_golden(name: str, sql: str) -> None:
    GOLDENS.check(f"{name}.mssql.sql", sql)


def sources(sql: str) -> set[str]:
    """Every object named after FROM or JOIN."""
    return set(re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", sql))


def test_table_listing_reads_catalog_views_and_partition_counts():
    sql = TABLE_QUERIES["mssql"]
    check_golden("tables", sql)
    assert sources(sql) <= {"sys.objects", "sys.schemas", "sys.partitions"}
    assert "p.index_id IN (0, 1)" in sql  # heap or clustered index: one count per row
    assert "COUNT(" not in sql.upper().replace("COUNT_BIG", "")


def test_column_listing_reads_types_collations_and_descriptions():
    sql = COLUMN_QUERIES["mssql"]
    check_golden("columns", sql)
    assert sources(sql) <= {"sys.columns", "sys.types", "sys.objects", "sys.schemas",
                            "sys.extended_properties"}
    assert "collation_name" in sql and "'MS_Description'" in sql
    assert "c.max_length / 2" in sql  # nvarchar lengths are stored in bytes


def test_key_listing_reads_unique_indexes_without_filters():
    sql = KEY_QUERIES["mssql"]
    check_golden("keys", sql)
    assert sources(sql) <= {"sys.indexes", "sys.index_columns", "sys.columns", "sys.objects",
                            "sys.schemas"}
    assert "i.has_filter = 0" in sql and "ic.is_included_column = 0" in sql


def test_the_primary_key_wins_then_a_unique_index_of_not_null_columns():
    cols = [ColumnInfo("a", normalize_type("int"), nullable=False),
            ColumnInfo("b", normalize_type("int"), nullable=True),
            ColumnInfo("c", normalize_type("int"), nullable=False)]
    pk = {(True, "pk"): [(2, "c"), (1, "a")], (False, "ux_b"): [(1, "b")]}
    assert choose_key(pk, cols) == ("a", "c")
    assert choose_key({(False, "ux_b"): [(1, "b")], (False, "ux_c"): [(1, "c")]}, cols) == ("c",)
    assert choose_key({(False, "ux_b"): [(1, "b")]}, cols) == ()  # NULLs need not be unique
    assert choose_key({}, cols) == ()


def test_value_counts_are_byte_exact_and_use_count_big():
    source = sa.select(sa.table("leo_earnings", sa.column("Main_Section")))
    stmt = frequencies_select(source, "Main_Section", normalize_type("varchar(100)"), "mssql", 20)
    sql = str(stmt.compile(dialect=offline_dialect("mssql"), compile_kwargs={"literal_binds": True}))
    check_golden("values", sql)
    assert "COUNT_BIG(*)" in sql and "TOP 20" in sql
    assert "COLLATE Latin1_General_100_BIN2" in sql and "+ CHAR(1)" in sql
