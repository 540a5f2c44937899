"""Golden T-SQL for every collapse statistic (SQL Server 2016+, compiled
offline), with the guards asserted on the text: COUNT_BIG, a cast to double
precision before AVG and SUM, a binary collation (and DATALENGTH) on string
by() keys, Stata's percentile rule by ROW_NUMBER/COUNT_BIG windows (never
PERCENTILE_CONT), no STDEV, no SQLAlchemy ``+ 0.0`` division.

The files live in tests/golden/aggregate/<case>.mssql.sql and are rewritten
only when ``LEOSTATA_UPDATE_GOLDEN=1`` (tests/golden_files.py; refused under
CI)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql, postgresql, sqlite

from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.plan.collapse import build_spec
from leostata.expr.command import parse_clist
from leostata.translate.aggregate import collapse_select, count_select
from tests.golden_files import Goldens

COLUMNS = [("EDUKEY", "varchar(14)"), ("TaxYear", "int"), ("Earnings", "int"),
           ("Sex", "varchar(1)"), ("Subject", "nvarchar(50)"), ("Region", "varchar(20)"),
           ("StartDate", "date"), ("Amount", "decimal(12,2)"), ("Ratio", "real"),
           ("Flag", "bit"), ("Hours", "smallint")]
INFO = TableInfo("leo_earnings", columns=[
    ColumnInfo(n, normalize_type(t), position=i) for i, (n, t) in enumerate(COLUMNS)])
TABLE = sa.Table("leo_earnings", sa.MetaData(), *(sa.Column(n) for n, _ in COLUMNS))
C = {c.name: c for c in INFO.columns}

STATS = ["mean", "median", "p1", "p99", "sd", "semean", "sebinomial", "sepoisson", "sum",
         "rawsum", "count", "percent", "min", "max", "iqr", "first", "last", "firstnm",
         "lastnm"]

#: case -> (clist, by, cw, order, filter)
CASES = {f"stat_{s}": (f"({s}) {'Flag' if s == 'sebinomial' else 'Earnings'}",
                       ["TaxYear", "Sex"], False,
                       ["EDUKEY"] if s in ("first", "last", "firstnm", "lastnm") else None, None)
         for s in STATS}
CASES.update({
    "issue_example": ("(p50) Earnings (p25) lq=Earnings (count) n=Earnings", ["TaxYear"], False,
                      None, lambda t: t.c.TaxYear >= 201516),
    "quartiles_by_three_keys": ("(p25) lq=Earnings (p50) med=Earnings (p75) uq=Earnings "
                                "(count) n=Earnings", ["Subject", "Sex", "TaxYear"], False, None,
                                None),
    "iqr_of_float": ("(iqr) Ratio (iqr) h=Hours", ["Region"], False, None, None),
    "date_source": ("(min) first_start=StartDate (median) StartDate (mean) m=StartDate",
                    ["Region"], False, None, None),
    "decimal_and_bit_sources": ("(mean) Amount (sum) s=Amount (mean) Flag (max) mx=Flag",
                                ["Region"], False, None, None),
    "no_by": ("(mean) Earnings (count) n=Earnings (percent) pc=Earnings", [], False, None,
              None),
    "casewise": ("(mean) Earnings (sum) Amount (p50) Hours", ["TaxYear"], True, None, None),
    "mixed_orders": ("(firstnm) f=Earnings (lastnm) l=Earnings (first) fh=Hours",
                     ["Region"], False, ["Subject", "TaxYear"], None),
})


def mssql_dialect():
    d = mssql.dialect()
    d.server_version_info = (13, 0, 1601)  # SQL Server 2016 RTM: the oldest target
    return d


def compile_sql(stmt, dialect) -> str:
    text = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def build(case: str):
    clist, by, cw, order, where = CASES[case]
    spec = build_spec(parse_clist(clist), [C[b] for b in by], cw,
                      [C[o] for o in order] if order else None, INFO)
    source = sa.select(TABLE)
    if where is not None:
        source = source.where(where(TABLE))
    return spec, collapse_select(source, spec, "mssql")


GOLDENS = Goldens("aggregate", {f"{c}.mssql.sql" for c in [*CASES, "count"]})


def check_golden(name: str, sql: str) -> None:
    GOLDENS.check(f"{name}.mssql.sql", sql, f"T-SQL for {name}")


def assert_guards(spec, sql: str) -> None:
    stats = {i.stat for i in spec.items}
    assert "PERCENTILE" not in sql.upper() and "STDEV" not in sql.upper()
    assert "+ 0.0" not in sql
    assert not re.search(r"\bcount\(", sql), "COUNT (32-bit int) instead of COUNT_BIG"
    if stats & {"count", "percent"} or any(i.percentile or i.stat == "iqr" for i in spec.items):
        assert "COUNT_BIG(" in sql
    # AVG and SUM only ever see doubles (or COUNT_BIG, for percent's total)
    for fn in ("avg", "sum"):
        for m in re.finditer(fn + r"\(", sql):
            arg = sql[m.end():m.end() + 300].split("\n")[0]
            assert re.match(r"\(?CAST\(|CASE WHEN .*? THEN CAST\(|COUNT_BIG\(", arg), \
                f"{fn}( without a double cast: {arg[:80]}"
    for i, col in enumerate(spec.by):
        if col.sql_type.is_string:
            assert f"COLLATE Latin1_General_100_BIN2 AS _k{i}" in sql
            # the padding-proof companion: 'a' and 'a ' apart, 'a' before 'a<tab>'
            assert f"+ CHAR(1)) COLLATE Latin1_General_100_BIN2 AS _kl{i}" in sql
    if any(i.percentile or i.stat == "iqr" for i in spec.items):
        assert "row_number() OVER (PARTITION BY" in sql or "row_number() OVER (ORDER BY" in sql
        assert re.search(r"\(agg_rows\._r\d+ - 1\) \* 100 <= agg_rows\._n\d+ \* \d+", sql)
    if spec.by:  # Stata's order: numeric missing last
        assert "ORDER BY " in sql


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_tsql(case):
    spec, stmt = build(case)
    sql = compile_sql(stmt, mssql_dialect())
    assert_guards(spec, sql)
    check_golden(case, sql)


@pytest.mark.parametrize("bad", ["SELECT avg(agg_rows._v0) AS m", "SELECT sum(agg_rows._v0) AS s",
                                 "SELECT count(agg_rows._v0) AS n"])
def test_the_guards_catch_unguarded_sql(bad):
    spec, _ = build("no_by")
    with pytest.raises(AssertionError):
        assert_guards(spec, bad + " COUNT_BIG(")


def test_golden_count():
    sql = compile_sql(count_select(sa.select(TABLE).where(TABLE.c.TaxYear >= 201516)),
                      mssql_dialect())
    assert sql.startswith("SELECT COUNT_BIG(*) AS [N]")
    check_golden("count", sql)
    check_golden("count", sql)


def test_issue_example_names_types_labels():
    spec, _ = build("issue_example")
    assert [(o.name, o.label, o.stata_type) for o in spec.outputs()] == [
        ("TaxYear", "", None), ("Earnings", "(p 50) Earnings", "double"),
        ("lq", "(p 25) Earnings", "double"), ("n", "(count) Earnings", "long")]


def test_float_iqr_rounds_percentiles_to_real_first():
    _, stmt = build("iqr_of_float")
    sql = compile_sql(stmt, mssql_dialect())
    assert sql.count("AS REAL)") == 2  # Ratio (float result); Hours is long -> double


@pytest.mark.parametrize("dialect, collation", [(postgresql.dialect(), 'COLLATE "C"'),
                                                (sqlite.dialect(), 'COLLATE "BINARY"')])
def test_other_dialects_compile_with_binary_collation(dialect, collation):
    spec = build_spec(parse_clist("(p50) Earnings"), [C["Subject"]], table=INFO)
    name = "postgresql" if "postgres" in dialect.name else dialect.name
    sql = compile_sql(collapse_select(sa.select(TABLE), spec, name), dialect)
    assert collation in sql and "DATALENGTH" not in sql and "count(" in sql
