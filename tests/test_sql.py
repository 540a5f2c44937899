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
from tests.golden_files import Goldens
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


# --- row order: the server sorts only when the command needs Stata's order ---------------

#: a plain load (no in, sort() or merge()) in each shape the loader builds:
#: the table, with if, with sample() (a derived table), with cohort()
PLAIN_LOADS = [
    "leo_earnings",
    "leo_earnings Edukey Earnings if TaxYear >= 201516 & Region != \"London\"",
    "leo_earnings Edukey, sample(10, seed(3))",
    "leo_earnings Edukey if TaxYear > 1, cohort(Edukey using persons if SUBJECT == \"100\")",
    "leo_earnings Edukey, cohort(using pupils if GENDER == \"F\", link(all))",
]
#: a column of a table or derived table, as SQL Server prints it, and nothing else
_BARE_COLUMN = re.compile(r"\w+\.\[\w+\]")


def _order_by_text(sql: str) -> str:
    """The ORDER BY list ending the statement ``sql`` (which must have one)."""
    _, found, tail = sql.rpartition(" ORDER BY ")
    assert found, sql
    return tail.strip()


@pytest.mark.parametrize("command", PLAIN_LOADS)
def test_plain_loads_never_order_sql_server_on_a_computed_expression(command):
    """A plain load is ordered on the key's own columns, which an index on
    the key serves (issue 16, item 3): no ISNULL/CHAR(1)/COLLATE/CASE in
    SQL Server's ORDER BY.  Fails if Stata's computed order comes back."""
    from tests.test_join_golden import GRAPH, catalog as join_catalog
    plan = plan_load(command, join_catalog(), graph=GRAPH)
    stmt = select_for(plan, "mssql")
    terms = list(stmt._order_by_clause.clauses)
    assert len(terms) == len(plan.order_by) > 0
    assert all(isinstance(t, sa.sql.elements.ColumnClause) for t in terms), terms
    order = _order_by_text(to_sql(plan, "mssql"))
    names = [c.name for c in plan.order_by]
    assert all(_BARE_COLUMN.fullmatch(t.strip()) for t in order.split(",")), order
    assert [t.strip().split(".")[1].strip("[]") for t in order.split(",")] == names
    for computed in ("ISNULL", "CHAR(1)", "COLLATE", "CASE", "coalesce"):
        assert computed not in order


@pytest.mark.parametrize("command", [
    "leo_earnings Edukey, sort(Edukey TaxYear)", "leo_earnings Edukey in 1/100",
    "leo_earnings Edukey Region, sort(Region)",
    "leo_earnings Edukey Earnings SEXID, merge(m:1 Edukey using persons, keepusing(SEXID))"])
def test_sort_in_and_merged_data_keep_stata_order_on_sql_server(command):
    """sort(), in and merged data keep Stata's order (strings by bytes, ""
    first; numbers with missing last): the computed terms stay."""
    from tests.test_join_golden import catalog as join_catalog
    sql = to_sql(plan_load(command, join_catalog()), "mssql")
    order = _order_by_text(sql)
    if order == "leo_rows.leo_obs":  # in: the rows numbered in Stata's order
        order = sql.split("row_number() OVER (ORDER BY ", 1)[1].split(") AS leo_obs", 1)[0]
    assert "COLLATE Latin1_General_100_BIN2" in order and "CHAR(1)" in order


ORDER_CASES = {
    # the same rows three ways: a plain load, sort() on the key, in on the key
    "plain": "leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516",
    "sort": "leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516, sort(Edukey TaxYear)",
    "in": "leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516 in 1/1000",
}
ORDER_NOTES = {
    "plain": "-- plain load: ORDER BY the key's own columns; an index on (Edukey, TaxYear), such as\n"
             "-- a clustered primary key, holds the rows in this order: no Sort operator needed\n",
    "sort": "-- sort(): Stata's order, computed per row (NULL as \"\", binary bytes, missing last);\n"
            "-- no index holds it, so SQL Server sorts every kept row before returning one\n",
    "in": "-- in: the rows numbered in Stata's order (ROW_NUMBER over the computed terms,\n"
          "-- a Sort of the whole table), then ordered by that number\n",
}
ORDER_GOLDENS = Goldens("order", {f"{c}.mssql.sql" for c in ORDER_CASES})


@pytest.mark.parametrize("case", sorted(ORDER_CASES))
def test_golden_row_order_on_sql_server(case):
    """Plain load next to sort() and in: the T-SQL whose plans differ."""
    sql = to_sql(plan_load(ORDER_CASES[case], catalog()), "mssql")
    ORDER_GOLDENS.check(f"{case}.mssql.sql", ORDER_NOTES[case] + sql + "\n")


#: a two-column key: a string with case, blanks, non-ASCII and "" (not NULL:
#: a primary key column is NOT NULL), and a number; rows inserted out of order
KEYED_ROWS = [("b", 2), ("B", 1), ("a", 3), ("", 5), ("ab", 1), ("a", 1), ("Zoë", 2),
              ("a ", 1), ("b", -4), ("Z", 7), ("é", 0), ("A", 9), ("", -1), ("ab", 0)]


@pytest.fixture
def keyed(any_db):
    """Table ``keyed`` (k, n primary key, v) in ``any_db``; (engine, Catalog)."""
    from leostata.catalog import Catalog
    engine = any_db.writer()
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE keyed (k VARCHAR(10) NOT NULL, n INTEGER NOT NULL, "
                             "v DOUBLE PRECISION, PRIMARY KEY (k, n))")
        conn.execute(sa.text("INSERT INTO keyed VALUES (:k, :n, :v)"),
                     [{"k": k, "n": n, "v": i / 4 if i % 3 else None}
                      for i, (k, n) in enumerate(KEYED_ROWS)])
    engine.dispose()
    reader = any_db.reader()
    yield reader, Catalog(reader)
    reader.dispose()


def _load(engine, catalog_, command):
    plan = plan_load(command, catalog_)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select_for(plan, engine.dialect))]


def _stata_order(rows):
    """Stata's ``sort k n``: strings by their UTF-8 bytes ("" first), numbers ascending."""
    return sorted(rows, key=lambda r: (r[0].encode("utf-8"), r[1]))


def test_plain_load_returns_every_row_in_the_databases_key_order_every_time(keyed):
    engine, catalog_ = keyed
    assert catalog_.table("keyed").key == ("k", "n")
    runs = [_load(engine, catalog_, "keyed k n") for _ in range(3)]
    assert sorted(runs[0]) == sorted(KEYED_ROWS)          # the same rows as before
    assert runs[0] == runs[1] == runs[2]                  # in one order, run after run
    with engine.connect() as conn:                        # the database's order of the key
        own = [tuple(r) for r in conn.exec_driver_sql("SELECT k, n FROM keyed ORDER BY k, n")]
    assert runs[0] == own


def test_sort_and_in_still_follow_stata_order(keyed):
    engine, catalog_ = keyed
    stata = _stata_order(KEYED_ROWS)
    assert _load(engine, catalog_, "keyed k n, sort(k n)") == stata
    assert _load(engine, catalog_, "keyed k n in 3/6") == stata[2:6]
    assert _load(engine, catalog_, "keyed k n in -2/l") == stata[-2:]
