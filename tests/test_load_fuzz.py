"""Hostile ``leoload`` commands (issue 11, item 3): generated names (hostile
identifiers, quotes, brackets, semicolons, unicode), Stata string literals
(quotes, backslashes, ``'; DROP``, NUL, lone surrogates), numbers and options
(maxobs(), sample(), sort(), collapse() ... by(), count, sqlonly ...).

Every command is either refused with a ``LeostataError`` (a Stata-style
message and a return code from ``errors.RETURN_CODES``, never r(5199) "internal
error" and never another exception), or it compiles to SQL that is one read
for every reading we have (``hostile_sql.hidden_writes``; SQLite's compiler
under a read-only authorizer; DuckDB's own parser) in all four dialects, and
runs through ``leostata load`` on PostgreSQL, DuckDB and SQLite with every
table, the schema and the folders unchanged.

The table ``odd`` has column names that are not Stata names (``a;b``,
``it's``, ``x]y``, ``q"t``, ``DROP TABLE victim``, ``--c``, ``Zoë`` ...), so
the generated SQL has to quote them; its strings hold SQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, event, example, given, note, settings

from leostata import config
from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.errors import RETURN_CODES, LeostataError
from leostata.stata_types import stata_names
from tests.conftest import ENGINE_KINDS
from tests.hostile_sql import (Arena, assert_stata_style, duckdb_statements, hidden_writes,
                               leoload_commands, run_cli, sqlite_side_effects)
from tests.translate.leo_table import FakeCatalog, leo_table

DIALECTS = ("mssql", "postgresql", "sqlite", "duckdb")

#: odd's columns: SQL name, SQL type (every engine and SQLAlchemy read these)
ODD_COLUMNS = [
    ("id", "INTEGER"), ("pid", "VARCHAR(12)"), ("Last Name", "VARCHAR(20)"), ("a;b", "INTEGER"),
    ("it's", "VARCHAR(40)"), ("x]y", "DOUBLE PRECISION"), ('q"t', "VARCHAR(40)"),
    ("DROP TABLE victim", "INTEGER"), ("Zoë", "VARCHAR(20)"), ("--c", "INTEGER"),
    ("/*c*/", "INTEGER"), ("$$", "INTEGER"), ("[br]", "INTEGER"), ("select", "INTEGER"),
    ("d", "DATE"),
]
ODD_ROWS = [
    (1, "P1", "Smith", 1, "it's", 0.5, "'; DROP TABLE victim; --", 1, "Zoë", 1, 1, 1, 1, 1,
     dt.date(2020, 1, 1)),
    (2, "P1", "O'Neil", -2, "a\\b", 2.5, '"; DELETE FROM victim; --', 2, "CAFÉ", 0, 2, 3, 4, 5,
     dt.date(1960, 1, 1)),
    (3, "P2", "[x]", 3, "]; DROP TABLE victim; --", -1.0, "$$; DELETE FROM victim; $$", 3, "",
     -1, 3, 4, 5, 6, None),
    (4, None, "Lee", None, None, None, None, None, None, None, None, None, None, None, None),
    (5, "P3", "a%b_c", 5, "%", 1e10, "*/ DROP TABLE victim /*", 5, "ｘ", 5, 5, 5, 5, 5,
     dt.date(2000, 6, 15)),
    (6, "P4", "tab\there", 6, "x;y", 6.0, "\\'", 6, "Zoë", 6, 6, 6, 6, 6, dt.date(2021, 12, 31)),
]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


DDL = (
    "CREATE TABLE odd (" + ", ".join(f"{_quoted(n)} {t}" for n, t in ODD_COLUMNS) + ")",
    "CREATE TABLE victim (x INTEGER)",
    "CREATE TABLE leostata_metadata (table_name VARCHAR(64), column_name VARCHAR(64), "
    "description VARCHAR(200), person_key INTEGER, sort_key INTEGER)",
)
ROWS = {
    "odd": ODD_ROWS,
    "victim": [(1,), (2,), (3,)],
    "leostata_metadata": [("odd", "", "a table with hostile names", 0, 0),
                          ("odd", "id", "row id", 0, 1), ("odd", "pid", "person", 1, 0)],
}

ODD_NAMES = dict(zip(stata_names([n for n, _ in ODD_COLUMNS]),
                     ("str" if t.startswith("VARCHAR") else "num" for _, t in ODD_COLUMNS)))
LEO_NAMES = {c.name: c.stype for c in leo_table().columns}
#: The tables the commands name: {table: {Stata variable name: "str"/"num"}}.
TABLES = {"odd": ODD_NAMES, "victim": {"x": "num"}}


def _odd_table() -> TableInfo:
    cols = [ColumnInfo(n, normalize_type(t), position=i) for i, (n, t) in enumerate(ODD_COLUMNS)]
    return TableInfo(name="odd", columns=cols, key=("id",), person_key="pid")


CATALOG = FakeCatalog(_odd_table(), leo_table(),
                      TableInfo(name="victim", columns=[ColumnInfo("x", normalize_type("int"))]))
#: SQLite's in-memory oracle holds the same tables (LEO-shaped one included).
ORACLE_SCHEMA = ";\n".join(DDL[:2] + (
    "CREATE TABLE leo_earnings (" + ", ".join(
        f"{_quoted(c.name)} {c.sql_type.raw}" for c in leo_table().columns) + ")",))

EXAMPLES = [
    'odd if it_s == "\'; DROP TABLE victim; --"',
    'odd q_t if strpos(q_t, `"DELETE FROM "victim""\') > 0',
    "odd a_b x_y if a_b > 1 & x_y < .",
    'odd, collapse((mean) x_y (count) n=a_b) by(Zoe)',
    'odd if Last_Name == "]; DROP TABLE victim; --", sample(50, seed(3))',
    'odd in 2/4, sort(x_y) maxobs(3)',
    "odd a;b", "odd it's", "victim; DROP TABLE victim", "odd if it_s == \"\\\"",
    'odd if it_s == "\x00"', 'odd if it_s == "\ud800"', "odd _n", "odd if _n > 1",
    'odd if d > td(01jan2000) | strmatch(Zoe, "Z*")', "odd, sqlonly", "odd, count",
]


def assert_stata_error(exc: LeostataError) -> None:
    """A refusal Stata can show: known rc, not "internal error", a message."""
    note(f"refused: r({exc.rc}) {exc.render()!r}")
    assert exc.rc in RETURN_CODES and exc.rc != 5199, exc.render()
    assert isinstance(exc.render(), str) and exc.message.strip()


def _examples(texts):
    def decorate(fn):
        for text in texts:
            fn = example(command=text)(fn)
        return fn
    return decorate


@settings(max_examples=700, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(command=leoload_commands(TABLES | {"leo_earnings": LEO_NAMES}))
@_examples(EXAMPLES)
def test_commands_are_refused_with_an_rc_or_compile_to_one_read(command):
    from leostata.plan import plan_load
    from leostata.sql import to_sql
    note(repr(command))
    try:
        plan = plan_load(command, CATALOG)
    except LeostataError as exc:
        assert_stata_error(exc)
        event("refused by the planner")
        return
    event("planned")
    for dialect in DIALECTS:
        try:
            sql = to_sql(plan, dialect)
        except LeostataError as exc:
            assert_stata_error(exc)
            event(f"{dialect}: refused by the translator")
            continue
        note(f"{dialect}: {sql}")
        assert hidden_writes(sql, dialect) == []
        if dialect == "duckdb":
            assert duckdb_statements(sql) in (None, ["SELECT"])
        if dialect == "sqlite":
            assert sqlite_side_effects(sql, ORACLE_SCHEMA) == []


# --- on the engines -------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def leostata_home(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv(config.ENV_HOME, str(tmp_path_factory.mktemp("home")))
    mp.delenv(config.ENV_URL, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="module", params=ENGINE_KINDS)
def arena(request, tmp_path_factory, leostata_home):
    a = Arena(request.param, tmp_path_factory.mktemp(request.param), DDL, ROWS)
    yield a
    a.close()


def test_the_hostile_names_are_in_the_catalog(arena):
    # the engine's catalog must see odd's names as built (else the fuzz below is tame)
    code, out, err = run_cli("describe", "--url", arena.url, "odd")
    assert code == 0, err
    for name in ("Last_Name", "a_b", "DROP_TABLE_victim"):
        assert name in out


@pytest.mark.parametrize("command", EXAMPLES)
def test_hostile_command_runs_or_is_refused_cleanly(arena, command):
    code, out, err = run_cli("load", "--url", arena.url, "--rows", "3", "--", command)
    assert arena.changes() == {}
    assert_stata_style(code, err)
    assert "r(5199);" not in err, err


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(command=leoload_commands(TABLES))
def test_commands_change_nothing_on_the_engines(arena, command):
    note(repr(command))
    code, out, err = run_cli("load", "--url", arena.url, "--rows", "3", "--", command)
    note(err)
    event("ran" if code == 0 else "refused")
    assert arena.changes() == {}
    assert_stata_style(code, err)
    assert "r(5199);" not in err, err
