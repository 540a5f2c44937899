"""sql.py: the printed SQL is the executed SQL; SQL Server's 2,100-parameter
limit; the offline dialects; ``sql_text`` (the CLI's ``leostata sql``)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from leostata import stream
from leostata.writers.memory import MemoryWriter
from leostata.plan import plan_load
from leostata.sql import executed_statement, offline_dialect, select_for, sql_text, to_sql
from leostata.translate.base import MAX_PARAMS
from leostata.translate.mssql import PINNED_VERSION
from tests.stata_reference import expr as ref
from tests.translate.hostile import ROWS, TABLE, build
from tests.translate.leo_table import catalog

COMMANDS = [
    f'{TABLE} id s x if x > 1 & s != "abc" | strmatch(s, "a%*") in 2/25, sort(s)',
    f"{TABLE} id d if d >= td(01jan2000) & inlist(i, 0, 1, 2, .)",
    f"{TABLE} if real(t) > 1 | year(d) == 2020, sample(50, seed(7))",
    f"{TABLE} id b dt in -10/l",
]


def _literal(value, dialect) -> str:
    """A value as SQLAlchemy renders it inline on ``dialect``."""
    return str(sa.literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def inline(statement: str, parameters, dialect) -> str:
    """The executed statement with its parameters written in, as the
    printed SQL shows them (markers: ``?``, ``$n`` or ``%(name)s``)."""
    if isinstance(parameters, dict):
        text = re.sub(r"%\((\w+)\)s", lambda m: _literal(parameters[m.group(1)], dialect),
                      statement)
    elif re.search(r"\$\d", statement):
        text = re.sub(r"\$(\d+)", lambda m: _literal(parameters[int(m.group(1)) - 1], dialect),
                      statement)
    else:
        values = iter(parameters or ())  # a ? inside a quoted literal is not a marker
        text = re.sub(r"'(?:[^']|'')*'|\?", lambda m: m.group(0) if m.group(0) != "?"
                      else _literal(next(values), dialect), statement)
    if dialect.paramstyle in ("format", "pyformat"):
        text = text.replace("%%", "%")
    return text


@pytest.fixture
def hostile(any_db):
    engine, catalog_, table = build(any_db)
    yield engine, catalog_
    engine.dispose()


@pytest.mark.parametrize("command", COMMANDS)
def test_printed_sql_is_the_executed_sql(hostile, command):
    """Run the plan the way ``leoload`` does (``commands.prepare_load``:
    ``executed_statement`` streamed without further casts), capture what
    reaches the driver, and compare it with ``to_sql`` - then run the printed
    text itself and get the same rows."""
    engine, catalog_ = hostile
    plan = plan_load(command, catalog_)
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        writer = MemoryWriter()
        stream.stream(executed_statement(plan, engine.dialect), engine, plan.outputs, writer)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = seen[-1]
    printed = to_sql(plan, engine.dialect)
    assert inline(statement, parameters, engine.dialect) == printed
    with engine.connect() as conn:
        raw = [tuple(r) for r in conn.exec_driver_sql(printed).fetchall()]
        bound = [tuple(r) for r in conn.execute(executed_statement(plan, engine.dialect))]
    assert len(raw) == writer.nobs
    assert raw == bound


def test_values_are_bound_parameters():
    stmt = select_for(plan_load('leo_earnings if Region == "O\'Brien; DROP TABLE x" & '
                                'TaxYear > 201516', catalog()), "mssql")
    compiled = stmt.compile(dialect=offline_dialect("mssql"))
    assert "O'Brien" not in str(compiled) and "201516" not in str(compiled)
    assert "O'Brien; DROP TABLE x" in compiled.params.values()
    assert "'O''Brien; DROP TABLE x'" in to_sql(stmt, "mssql")


def _many_values(count: int, per_list: int = 249) -> str:
    """``inlist(i, ...) | inlist(i, ...) | ...`` with ``count`` values in all."""
    lists, n = [], 0
    while n < count:
        chunk = list(range(n, min(n + per_list, count)))
        lists.append("inlist(i, " + ", ".join(str(v) for v in chunk) + ")")
        n += len(chunk)
    return " | ".join(lists)


def test_sql_server_parameter_limit_is_respected():
    """2,490 values (Stata allows 249 per inlist; ten of them): at most
    MAX_PARAMS are bound, the rest inline, in the printed and executed SQL."""
    from sqlalchemy.dialects.mssql.pyodbc import MSDialect_pyodbc
    table = catalog().table("leo_earnings")
    where = _many_values(2490).replace("inlist(i,", "inlist(TaxYear,")
    stmt = select_for(plan_load(f"leo_earnings Edukey if {where}", catalog()), "mssql")
    d = MSDialect_pyodbc(paramstyle="qmark")
    d.server_version_info = PINNED_VERSION
    executed = str(stmt.compile(dialect=d, compile_kwargs={"render_postcompile": True}))
    assert MAX_PARAMS - 249 < executed.count("?") <= MAX_PARAMS < 2100
    printed = to_sql(stmt, "mssql")
    assert "?" not in printed and "2489" in printed
    assert table is not None


def test_long_lists_return_the_right_rows(hostile):
    engine, catalog_ = hostile
    where = _many_values(2490) + " | inlist(i, 2147483000, -7)"
    plan = plan_load(f"{TABLE} id if {where}", catalog_)
    with engine.connect() as conn:
        got = [r[0] for r in conn.execute(select_for(plan, engine.dialect))]
    assert got == [r["id"] for r in ROWS if ref.keeps(plan.where, r)]


def test_offline_sql_server_is_pinned_to_2016():
    d = offline_dialect("mssql")
    assert d.server_version_info == PINNED_VERSION == (13, 0)
    assert d._supports_offset_fetch
    with pytest.raises(Exception) as info:
        offline_dialect("oracle")
    assert getattr(info.value, "rc", None) == 5101


def test_sql_text_for_the_cli(hostile):
    engine, catalog_ = hostile
    own = sql_text(f"{TABLE} id if x > 1", catalog_)
    assert own.startswith("SELECT hostile.id") and "x > 1 OR hostile.x IS NULL" in own
    tsql = sql_text(f"{TABLE} id if s == \"a\"", catalog_, "mssql")
    assert "(hostile.s + CHAR(1)) COLLATE Latin1_General_100_BIN2" in tsql


def test_count_and_collapse_use_the_same_row_source():
    count = to_sql(plan_load("leo_earnings if TaxYear > 201516, count", catalog()), "mssql")
    assert "COUNT_BIG(*)" in count and "[TaxYear] > 201516" in count
    collapsed = to_sql(plan_load("leo_earnings if TaxYear > 201516, collapse((mean) Earnings) "
                                 "by(Region)", catalog()), "postgresql")
    assert '"TaxYear" > 201516' in collapsed and "AVG(" in collapsed.upper()


def test_deep_expressions_compile():
    """Stata allows 800 operators and 249 nested parentheses: translating
    and compiling must not run out of recursion."""
    where = " + ".join(["KS4_APS"] * 800) + " > 1"
    sql = to_sql(plan_load(f"leo_earnings Edukey if {where}", catalog()), "postgresql")
    assert sql.count("KS4_APS") >= 800
    nested = "abs(" * 240 + "KS4_APS" + ")" * 240
    sql = to_sql(plan_load(f"leo_earnings Edukey if {nested} > 1", catalog()), "mssql")
    assert sql.count("ABS(") == 2 * 240  # x > 1 OR x IS NULL


def test_values_used_twice_are_counted_twice():
    """``KS4_APS / k > 1`` is ``x / k > 1 OR x / k IS NULL``: k is sent twice.
    select_for counts what the driver receives and binds fewer values."""
    from leostata.sql import bound_parameters
    lists = _many_values(1800).replace("inlist(i,", "inlist(TaxYear,")
    divisions = " | ".join(f"KS4_APS / {k}.5 > 1" for k in range(150))
    plan = plan_load(f"leo_earnings Edukey if {lists} | {divisions}", catalog())
    stmt = select_for(plan, "mssql")
    assert bound_parameters(stmt, offline_dialect("mssql")) <= MAX_PARAMS
    printed = to_sql(stmt, "mssql")
    assert "1799" in printed and "/ 149.5" in printed


def test_translation_refusals_point_at_the_function():
    text = 'leo_earnings Edukey if TaxYear > 1 & strlen(Region) > 3'
    with pytest.raises(Exception) as info:
        select_for(plan_load(text, catalog()), "mssql")
    err = info.value
    assert err.rc == 5104
    assert err.hint.startswith(f"    {text}\n" + " " * (4 + text.index("strlen")) + "^" * 14)
    assert "use ustrlen()" in err.hint


def test_sql_server_string_types_without_collation_are_read_as_nvarchar_first():
    """uniqueidentifier/text/ntext allow no COLLATE, + or = in T-SQL: the
    statement reads them through CAST so every string rule applies."""
    from leostata.catalog import ColumnInfo, TableInfo, normalize_type
    from leostata.plan import plan_load as plan
    from leostata.sql import to_sql as show
    cols = [ColumnInfo("id", normalize_type("int"), position=0),
            ColumnInfo("g", normalize_type("uniqueidentifier"), position=1),
            ColumnInfo("n", normalize_type("ntext"), position=2)]
    table = TableInfo("guids", columns=cols, key=("id",))

    class OneTable:
        dialect = "mssql"

        def table(self, name):
            return table

    sql = show(plan('guids id g if g == "abc" & n != ""', OneTable()), "mssql")
    assert "CAST(guids.g AS NVARCHAR(36)) AS g" in sql
    assert "CAST(guids.n AS NVARCHAR(max)) AS n" in sql
    assert "guids.g +" not in sql and "guids.g COLLATE" not in sql
    # other databases read the columns as they are
    assert "CAST(" not in show(plan('guids id g if g == "abc"', OneTable()), "postgresql")
