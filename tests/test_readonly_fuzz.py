"""Hostile ``leoquery`` texts (issue 11, item 3 and "Done when").

1. Regression: every bypass issue 11 names (and a few cousins) is refused by
   ``readonly.check_query`` in each dialect where it means something, and run
   through the whole CLI (``leostata query --url ...``) on PostgreSQL, DuckDB
   and SQLite it leaves every table's rows, the schema and the watched folder
   as they were.  The same bypasses with the checker switched off (it accepts
   everything) must still change nothing: the driver's second line alone.
   Plain reads are accepted, survive the check unchanged, are printed by
   ``--sqlonly`` as sent, and return the right rows.
2. Fuzzing (hypothesis, tests/hostile_sql.py): texts composed from separators,
   every dialect's quoting, comments, glued keywords, look-alikes and control
   characters around write payloads.  Cheaply, without a database, in all four
   dialects: each text is refused with r(5103) or the statement the checker
   would send is one harmless read for an independent reading of the text
   (``hostile_sql.hidden_writes``; SQLite's own compiler with an authorizer;
   DuckDB's own parser).  On the engines, for accepted texts only: the CLI
   changes nothing, and neither does the accepted statement sent on a
   *writable* connection (the checker alone, without the driver's defences).

The engines are one database per kind for the module (``conftest.make_db``);
after each case the state is compared with the baseline and restored if it
changed, so a failing case cannot poison the next one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, event, example, given, note, settings
from leostata import config
from leostata.errors import StatementRefused

from tests.conftest import ENGINE_KINDS
from tests.hostile_sql import (
    WATCH,
    Arena,
    assert_stata_style,
    bind,
    disguised_selects,
    duckdb_statements,
    hidden_writes,
    hostile_queries,
    queries_for_engines,
    run_cli,
    sqlite_side_effects,
)

DIALECTS = ("mssql", "postgresql", "sqlite", "duckdb")
ALL = DIALECTS
PG, DUCK, LITE, MS = ("postgresql",), ("duckdb",), ("sqlite",), ("mssql",)

#: A folder that nothing creates: file targets of the database-free checks.
NOWHERE = "/nonexistent/leostata-watch"


def check_query(text: str, dialect: str) -> str:
    from leostata import readonly  # issue 11's checker
    return readonly.check_query(text, dialect)


def verdict(text: str, dialect: str) -> str | None:
    """None when ``text`` is refused as it must be (StatementRefused, r(5103),
    with a message); else the statement the checker would send."""
    try:
        sql = check_query(text, dialect)
    except StatementRefused as exc:
        assert exc.rc == 5103
        assert isinstance(exc.message, str) and exc.message.strip()
        return None
    assert isinstance(sql, str) and sql.strip(), f"check_query returned {sql!r}"
    return sql


# --- the tables -------------------------------------------------------------------------------

PEOPLE = [  # id, "Last Name", grp, score, note, dept
    (1, "Smith", "a", 3, ";DELETE FROM victim;--", 10),
    (2, "O'Neil", "b", 1, "[x]", 20),
    (3, "Lee", "a", 4, "/* c */", 10),
    (4, "Ng", "b", 2, None, 30),
    (5, "Roe", "c", 5, "plain", 20),
]
DEPT = [(10, "Sales"), (20, "R&D"), (30, "Ops")]
VICTIM = [(1,), (2,), (3,)]
DDL = (('CREATE TABLE people (id INTEGER, "Last Name" VARCHAR(20), grp VARCHAR(5), '
        "score INTEGER, note VARCHAR(40), dept INTEGER)"),
       "CREATE TABLE dept (id INTEGER, name VARCHAR(20))",
       "CREATE TABLE victim (x INTEGER)")
ROWS = {"people": PEOPLE, "dept": DEPT, "victim": VICTIM}
#: The same tables in SQLite's in-memory oracle.
ORACLE_SCHEMA = ";\n".join(DDL)


@pytest.fixture(scope="module", autouse=True)
def leostata_home(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv(config.ENV_HOME, str(tmp_path_factory.mktemp("home")))
    mp.delenv(config.ENV_URL, raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="module", params=ENGINE_KINDS)
def arena(request, tmp_path_factory, leostata_home):
    a = Arena(request.param, tmp_path_factory.mktemp(request.param), DDL, ROWS, dblink=True)
    yield a
    a.close()


@pytest.fixture
def clean(arena):
    """``arena``, checked (and restored) before the test, so a test never starts dirty."""
    arena.changes()
    return arena


def assert_refused_by_cli(code: int, out: str, err: str) -> None:
    assert code == 1 and err.rstrip().endswith("r(5103);"), (code, out, err)


# --- 1. regression: issue 11's bypasses -----------------------------------------------------------


@dataclass(frozen=True)
class Bypass:
    id: str
    text: str
    refused_in: tuple  #: dialects where check_query must refuse it


BYPASSES = [
    # named in issue 11
    Bypass("array-bracket-delete", "SELECT ARRAY[']'];COMMIT;BEGIN TRANSACTION READ WRITE;"
           "DELETE FROM victim;COMMIT;SELECT ARRAY['[']", ALL),
    Bypass("array-bracket-copy", f"SELECT ARRAY[']'];COPY victim TO '{WATCH}/leak.csv';"
           "SELECT ARRAY['[']", ALL),
    Bypass("quoted-dblink_exec", "SELECT \"dblink_exec\"('@DBLINK@', 'DELETE FROM @VICTIM@')", PG),
    Bypass("dblink_exec", "SELECT dblink_exec('@DBLINK@', 'DELETE FROM @VICTIM@')", PG),
    Bypass("pg_terminate_backend", "SELECT pg_terminate_backend(pg_backend_pid())", PG),
    Bypass("pg_advisory_lock", "SELECT pg_advisory_lock(11)", PG),
    Bypass("pg_reload_conf", "SELECT pg_reload_conf()", PG),
    Bypass("txid_current", "SELECT txid_current()", PG),
    Bypass("read_csv", "SELECT * FROM read_csv('/etc/passwd')", ALL),
    Bypass("read_text", "SELECT * FROM read_text('/etc/passwd')", ALL),
    Bypass("glob", "SELECT * FROM glob('/etc/*')", ALL),
    Bypass("1DROP", "SELECT 1DROP TABLE victim", MS),
    Bypass("1INTO", "SELECT pwned=1INTO dbo.pwned", ALL),
    Bypass("DENY", "DENY SELECT ON victim TO public", ALL),
    Bypass("DISABLE-TRIGGER", "DISABLE TRIGGER ALL ON victim", ALL),
    Bypass("SAVE-TRAN", "SAVE TRAN s", ALL),
    Bypass("WHILE", "WHILE (SELECT COUNT(*) FROM victim) > 0 DELETE TOP (1) FROM victim", ALL),
    Bypass("NEXT-VALUE-FOR", "SELECT NEXT VALUE FOR dbo.seq", ALL),
    Bypass("fn_xe_file_target_read_file", "SELECT * FROM sys.fn_xe_file_target_read_file("
           "'\\\\host\\share\\x.xel', NULL, NULL, NULL)", ALL),
    Bypass("TABLOCKX", "SELECT * FROM victim WITH (TABLOCKX)", MS),
    Bypass("SELECT-INTO", "SELECT * INTO pwned FROM victim", ALL),
    Bypass("FOR-UPDATE", "SELECT * FROM victim FOR UPDATE", ALL),
    # the same families
    Bypass("quoted-dblink", "SELECT * FROM \"dblink\"('@DBLINK@', "
           "'DELETE FROM @VICTIM@ RETURNING x') AS t(x int)", ALL),
    Bypass("E-string", "SELECT E'\\''; COMMIT; BEGIN TRANSACTION READ WRITE; DELETE FROM victim; "
           "COMMIT; SELECT ''", ALL),
    Bypass("dollar-quote", "SELECT $$ ' $$ ; COMMIT; BEGIN READ WRITE; DELETE FROM victim; "
           "COMMIT; SELECT ' '", ALL),
    Bypass("nested-comment", "SELECT 1 AS a /* /* */ ' */ ; COMMIT; BEGIN READ WRITE; "
           "DELETE FROM victim; COMMIT; SELECT 2 --'", ALL),
    Bypass("line-comment-cr", "SELECT x FROM victim -- \r; DELETE FROM victim", PG + DUCK + MS),
    Bypass("no-separator-delete", "SELECT 1 DELETE FROM victim", MS),
    Bypass("no-separator-update", "SELECT x FROM victim UPDATE victim SET x = 0", MS),
    Bypass("1e1INTO", "SELECT 1e1INTO pwned", ALL),
    Bypass("data-modifying-cte", "WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM d", ALL),
    Bypass("INTO-TEMP", "SELECT x INTO TEMP pwned FROM victim", ALL),
    Bypass("FOR-SHARE", "SELECT x FROM victim FOR SHARE", ALL),
    Bypass("FOR-NO-KEY-UPDATE", "SELECT x FROM victim FOR NO KEY UPDATE", ALL),
    Bypass("UPDLOCK", "SELECT x FROM victim WITH (UPDLOCK, HOLDLOCK)", MS),
    Bypass("old-style-hint", "SELECT x FROM victim (TABLOCKX)", MS),
    Bypass("nextval", "SELECT nextval('victim_seq')", PG + DUCK),
    Bypass("set_config", "SELECT set_config('default_transaction_read_only', 'off', false)", PG),
    Bypass("pg_read_file", "SELECT pg_read_file('/etc/passwd')", PG),
    Bypass("lo_export", f"SELECT lo_export(lo_from_bytea(0, 'x'), '{WATCH}/lo')", PG),
    Bypass("query_to_xml", "SELECT query_to_xml('DELETE FROM victim RETURNING x', true, true, '')",
           PG),
    Bypass("read_parquet", f"SELECT * FROM read_parquet('{WATCH}/x.parquet')", ALL),
    Bypass("duckdb-file-as-table", "SELECT * FROM '/etc/passwd'", DUCK),
    Bypass("duckdb-query-function", "SELECT * FROM query('DELETE FROM victim')", ALL),
    Bypass("load_extension", f"SELECT load_extension('{WATCH}/ext')", LITE),
    Bypass("OPENROWSET", "SELECT * FROM OPENROWSET('SQLNCLI', 'Server=x;', 'DELETE FROM victim')",
           ALL),
    Bypass("OPENQUERY", "SELECT * FROM OPENQUERY(srv, 'DELETE FROM victim')", ALL),
    Bypass("xp_cmdshell", "EXEC xp_cmdshell 'dir'", ALL),
    Bypass("two-selects", "SELECT 1; SELECT 2", ALL),
    Bypass("comment-then-newline", "SELECT 1 -- x\n; DELETE FROM victim", ALL),
    Bypass("PRAGMA", "PRAGMA query_only = 0", ALL),
    Bypass("ATTACH", f"ATTACH DATABASE '{WATCH}/att.sqlite' AS att", ALL),
    Bypass("VACUUM-INTO", f"VACUUM INTO '{WATCH}/vac.sqlite'", ALL),
    Bypass("COPY", f"COPY victim TO '{WATCH}/leak.csv'", ALL),
    Bypass("NUL-separator", "SELECT x FROM victim\x00; DELETE FROM victim", ALL),
]


def _placeholders(text: str) -> str:
    return bind(text, NOWHERE).replace("@DBLINK@", "dbname=x").replace("@VICTIM@", "victim")


@pytest.mark.parametrize("bypass, dialect", [
    pytest.param(b, d, id=f"{b.id}-{d}") for b in BYPASSES for d in b.refused_in])
def test_bypass_is_refused_by_the_checker(bypass, dialect):
    with pytest.raises(StatementRefused) as err:
        check_query(_placeholders(bypass.text), dialect)
    assert err.value.rc == 5103


@pytest.mark.parametrize("bypass, dialect", [
    pytest.param(b, d, id=f"{b.id}-{d}") for b in BYPASSES for d in b.refused_in])
def test_bypass_is_refused_by_the_check_only_mode(bypass, dialect):
    code, out, err = run_cli("query", "--dialect", dialect, "--sqlonly", "--",
                             _placeholders(bypass.text))
    assert_refused_by_cli(code, out, err)
    assert out == ""


@pytest.mark.parametrize("bypass", [pytest.param(b, id=b.id) for b in BYPASSES])
def test_bypass_through_the_cli_changes_nothing(clean, bypass):
    code, out, err = run_cli("query", "--url", clean.url, "--", clean.render(bypass.text))
    assert clean.changes() == {}
    assert_stata_style(code, err)
    if clean.dialect in bypass.refused_in:
        assert_refused_by_cli(code, out, err)


@pytest.mark.sends_writes
@pytest.mark.parametrize("bypass", [pytest.param(b, id=b.id) for b in BYPASSES])
def test_driver_alone_keeps_the_bypass_from_writing(clean, bypass, monkeypatch):
    # defence in depth: with the checker out of the way (it accepts everything),
    # the read-only engine itself must still stop the write
    from leostata import readonly
    if "@DBLINK@" in bypass.text and clean.kind == "postgres" and not clean.dblink_here:
        pytest.skip("the dblink extension lives in another schema of this database")
    checked = []

    def accept_everything(text, dialect):
        checked.append(text)
        return text

    monkeypatch.setattr(readonly, "check_query", accept_everything)
    code, _, err = run_cli("query", "--url", clean.url, "--", clean.render(bypass.text))
    assert clean.changes() == {}
    assert_stata_style(code, err)
    assert checked, "the text did not go through readonly.check_query"


def test_every_bypass_is_seen_by_the_independent_reading():
    # the fuzz oracle below must see what each bypass hides, in some dialect
    blind = [b.id for b in BYPASSES
             if not any(hidden_writes(_placeholders(b.text), d) for d in DIALECTS)]
    assert blind == []


# --- 1b. plain reads: accepted, the right rows ------------------------------------------------------


@dataclass(frozen=True)
class Read:
    id: str
    text: object  #: one text for every dialect, or {dialect: text}
    rows: list | None  #: expected rows (None: SQL Server only, not executed)

    def for_dialect(self, dialect: str) -> str | None:
        return self.text.get(dialect) if isinstance(self.text, dict) else self.text


READS = [
    Read("where", "SELECT id, score FROM people WHERE score > 2 ORDER BY id",
         [(1, 3), (3, 4), (5, 5)]),
    Read("join", "SELECT p.id, d.name FROM people p JOIN dept d ON d.id = p.dept "
         "WHERE p.grp = 'a' ORDER BY p.id", [(1, "Sales"), (3, "Sales")]),
    Read("group-by", "SELECT grp, COUNT(*) AS n, SUM(score) AS total FROM people "
         "GROUP BY grp ORDER BY grp", [("a", 2, 7), ("b", 2, 3), ("c", 1, 5)]),
    Read("having", "SELECT grp FROM people GROUP BY grp HAVING COUNT(*) > 1 ORDER BY grp",
         [("a",), ("b",)]),
    Read("window", "SELECT id, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY score DESC) AS rn, "
         "SUM(score) OVER (ORDER BY id) AS running FROM people ORDER BY id",
         [(1, 2, 3), (2, 2, 4), (3, 1, 8), (4, 1, 10), (5, 1, 15)]),
    Read("cte", "WITH high AS (SELECT id, score FROM people WHERE score >= 3) "
         "SELECT COUNT(*) AS n, MAX(score) AS best FROM high", [(3, 5)]),
    Read("union", "SELECT id FROM people WHERE grp = 'a' UNION SELECT x FROM victim ORDER BY id",
         [(1,), (2,), (3,)]),
    Read("except", "SELECT x FROM victim EXCEPT SELECT id FROM people WHERE grp = 'a'", [(2,)]),
    Read("subquery", "SELECT id FROM people WHERE dept IN (SELECT id FROM dept "
         "WHERE name = 'R&D') ORDER BY id", [(2,), (5,)]),
    Read("quoted-names", {d: 'SELECT "Last Name" AS ln FROM people WHERE "id" = 2'
                          for d in ("postgresql", "sqlite", "duckdb")}
         | {"mssql": "SELECT [Last Name] AS ln FROM people WHERE [id] = 2"}, [("O'Neil",)]),
    Read("quoted-reserved-alias", {d: 'SELECT id, CASE WHEN score > 2 THEN \'hi\' ELSE \'lo\' '
                                   'END AS "select" FROM people WHERE id <= 2 ORDER BY id'
                                   for d in ("postgresql", "sqlite", "duckdb")}
         | {"mssql": "SELECT id, CASE WHEN score > 2 THEN 'hi' ELSE 'lo' END AS [select] "
                     "FROM people WHERE id <= 2 ORDER BY id"}, [(1, "hi"), (2, "lo")]),
    Read("literals-with-sql", "SELECT id, 'a;b' AS s1, 'x -- y' AS s2, '[z]' AS s3, "
         "'it''s' AS s4, '/* no */' AS s5 FROM people WHERE id = 1",
         [(1, "a;b", "x -- y", "[z]", "it's", "/* no */")]),
    Read("literal-is-a-payload", "SELECT id FROM people WHERE note = ';DELETE FROM victim;--'",
         [(1,)]),
    Read("brackets-in-literals", "SELECT id FROM people WHERE note = '[x]' OR note = '/* c */' "
         "ORDER BY id", [(2,), (3,)]),
    Read("double-quote-in-literal", "SELECT 'say \"hi\"' AS s FROM victim WHERE x = 1",
         [('say "hi"',)]),
    Read("colon-in-literal", "SELECT id, 'key :id' AS s FROM people WHERE id = 5",
         [(5, "key :id")]),
    Read("unicode-literal", {d: "SELECT 'Zoë ∑' AS s FROM victim WHERE x = 1"
                             for d in ("postgresql", "sqlite", "duckdb")}
         | {"mssql": "SELECT N'Zoë ∑' AS s FROM victim WHERE x = 1"}, [("Zoë ∑",)]),
    Read("trailing-semicolon", "SELECT COUNT(*) AS n FROM victim;", [(3,)]),
    Read("lower-case-lines", "select\n  x\nfrom victim\nwhere x between 2 and 3\norder by x",
         [(2,), (3,)]),
    Read("parenthesised", {d: "(SELECT x FROM victim WHERE x = 3)"  # SQLite has no (SELECT)
                           for d in ("postgresql", "duckdb", "mssql")}, [(3,)]),
    Read("mssql-top", {"mssql": "SELECT TOP (2) [id], [Last Name] FROM [dbo].[people] "
                                "ORDER BY [id]"}, None),
    Read("mssql-quoted-identifier", {"mssql": 'SELECT "Last Name" FROM people'}, None),
    Read("mssql-national-string", {"mssql": "SELECT N'it''s ]' AS s"}, None),
]

READ_CASES = [pytest.param(r, d, id=f"{r.id}-{d}") for r in READS for d in DIALECTS
              if r.for_dialect(d) is not None]


@pytest.mark.parametrize("read, dialect", READ_CASES)
def test_plain_read_is_accepted(read, dialect):
    sql = check_query(read.for_dialect(dialect), dialect)
    assert isinstance(sql, str) and sql.strip()
    assert check_query(sql, dialect) == sql  # what is sent passes the check unchanged
    assert hidden_writes(sql, dialect) == []


@pytest.mark.parametrize("read, dialect", READ_CASES)
def test_check_only_mode_prints_the_statement_it_would_send(read, dialect):
    text = read.for_dialect(dialect)
    code, out, err = run_cli("query", "--dialect", dialect, "--sqlonly", "--", text)
    assert code == 0, err
    assert out.strip() == check_query(text, dialect).strip()


def test_check_only_mode_needs_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    code, out, err = run_cli("query", "--dialect", "mssql", "--sqlonly", "--",
                             "SELECT [x] FROM [t] WHERE [s] = N'a;b'")
    assert code == 0, err
    assert not config.synthetic_path().exists()  # not built, not opened


def _normal(value, numeric_text: bool = False):
    """A value as compared: numbers as float, missing as None; with
    ``numeric_text``, a string that spells a number as that number."""
    import math
    if isinstance(value, str):
        if numeric_text and re.fullmatch(r"-?\d+(\.\d*)?", value):
            return float(value)
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _dta_rows(path, numeric_text: bool = False) -> list[tuple]:
    import pandas as pd
    frame = pd.read_stata(path, convert_categoricals=False)
    return [tuple(_normal(v, numeric_text) for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("read", [pytest.param(r, id=r.id) for r in READS if r.rows is not None])
def test_plain_read_returns_the_right_rows_through_the_cli(clean, read, tmp_path):
    text = read.for_dialect(clean.dialect)
    if text is None:
        pytest.skip(f"{read.id} is not {clean.dialect} SQL")
    out_file = tmp_path / "result.dta"
    code, _, err = run_cli("query", "--url", clean.url, "--out", str(out_file), "--", text)
    assert_stata_style(code, err)
    assert code == 0, err
    # values, not storage types: SQLite's cursor names no column types, and the
    # numbers arrive as strings there (test_query_numbers_are_numbers)
    got = _dta_rows(out_file, numeric_text=clean.kind == "sqlite")
    assert got == [tuple(_normal(v) for v in row) for row in read.rows]
    assert clean.changes() == {}


def test_query_numbers_are_numbers(clean, tmp_path):
    out_file = tmp_path / "result.dta"
    code, _, err = run_cli("query", "--url", clean.url, "--out", str(out_file), "--",
                           "SELECT id, score FROM people WHERE id = 4")
    assert code == 0, err
    assert _dta_rows(out_file) == [(4.0, 2.0)]


# --- 2. fuzzing ------------------------------------------------------------------------------------

ISSUE_TEXTS = [b.text for b in BYPASSES[:22]]


def assert_harmless(sql: str, dialect: str) -> None:
    """The statement the checker would send is one read for every reading we have."""
    note(f"{dialect} accepted; it would send {sql!r}")
    assert hidden_writes(sql, dialect) == []
    if dialect == "sqlite":
        assert sqlite_side_effects(sql, ORACLE_SCHEMA) == []
    if dialect == "duckdb":
        assert duckdb_statements(sql) in (None, ["SELECT"])
    assert check_query(sql, dialect) == sql


def _examples(texts):
    def decorate(fn):
        for text in texts:
            fn = example(text=text)(fn)
        return fn
    return decorate


@settings(max_examples=1000, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=hostile_queries())
@_examples(ISSUE_TEXTS)
def test_hostile_texts_are_refused_or_harmless_in_every_dialect(text):
    text = _placeholders(text)
    note(repr(text))
    for dialect in DIALECTS:
        sql = verdict(text, dialect)
        event(f"{dialect}: {'refused' if sql is None else 'accepted'}")
        if sql is not None:
            assert_harmless(sql, dialect)


@settings(max_examples=500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=disguised_selects())
def test_disguised_reads_are_refused_or_harmless_in_every_dialect(text):
    text = _placeholders(text)
    note(repr(text))
    for dialect in DIALECTS:
        sql = verdict(text, dialect)
        event(f"{dialect}: {'refused' if sql is None else 'accepted'}")
        if sql is not None:
            assert_harmless(sql, dialect)


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(text=queries_for_engines)
@_examples(ISSUE_TEXTS[:2])
def test_accepted_texts_change_nothing_on_the_engines(arena, text):
    text = arena.render(text)
    note(repr(text))
    sql = verdict(text, arena.dialect)
    event("refused" if sql is None else "accepted and executed")
    if sql is None:
        return
    note(f"accepted; sends {sql!r}")
    code, _, err = run_cli("query", "--url", arena.url, "--rows", "2", "--", text)
    assert arena.changes() == {}, "through the CLI"
    assert_stata_style(code, err)
    arena.run_unguarded(sql)
    assert arena.changes() == {}, "the checked statement on a writable connection"
