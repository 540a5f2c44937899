"""readonly.py: leoquery's allow-list over sqlglot's parse tree, per dialect.

Every refusal here is a text that a forbidden-word check let through, or a
construct the issue names; every acceptance checks the exact statement sent.
"""

import pytest
import sqlglot
from sqlglot import exp

from leostata import cli, readonly
from leostata.errors import StatementRefused

DIALECTS = ("mssql", "postgresql", "sqlite", "duckdb")


def refused(text: str, dialect: str) -> str:
    with pytest.raises(StatementRefused) as err:
        readonly.check_query(text, dialect)
    assert err.value.rc == 5103
    return err.value.render()


# --- refused on every dialect -------------------------------------------------------------

EVERYWHERE = [
    "DELETE FROM victim",
    "DROP TABLE victim",
    "UPDATE victim SET x = 1",
    "INSERT INTO victim VALUES (1)",
    "CREATE TABLE pwn (a INT)",
    "SELECT 1; SELECT 2",
    "SELECT 'a'; DROP TABLE victim",
    "SELECT * INTO copy FROM victim",
    "WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM d",
    "SELECT 'unterminated",
    "SELECT 1 AS a /* /* */ ' */ ; ROLLBACK; DELETE FROM victim; SELECT 2 --'",
    "SELECT x FROM victim\x00; DELETE FROM victim",
    "SELECT 1\x0b",
    "SELECT '\ud800'",
    "",
    " ; ",
    "SELECT dblink_exec('dbname=x', 'DELETE FROM victim')",
    'SELECT "dblink_exec"(\'dbname=x\', \'DELETE FROM victim\')',
    "SELECT * FROM OPENQUERY(srv, 'DELETE FROM victim')",
    "SELECT * FROM OPENROWSET('SQLNCLI', 'x', 'DELETE FROM victim')",
    "SELECT café FROM t",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("text", EVERYWHERE)
def test_writes_and_hidden_statements_are_refused_on_every_dialect(text, dialect):
    refused(text, dialect)


# --- refused per dialect (issue 11's list) ------------------------------------------------

PER_DIALECT = [
    ("postgresql", "SELECT ARRAY[']'];COMMIT;BEGIN TRANSACTION READ WRITE;DELETE FROM victim;"
                   "COMMIT;SELECT ARRAY['[']", "one statement"),
    ("duckdb", "SELECT ARRAY[']'];COPY victim TO '/tmp/leak.csv';SELECT ARRAY['[']",
     "one statement"),
    ("postgresql", "SELECT $$ ' $$ ; ROLLBACK; BEGIN READ WRITE; DELETE FROM victim; COMMIT; SELECT ' '",
     "one statement"),
    ("postgresql", "SELECT E'\\''; COMMIT; BEGIN READ WRITE; CREATE TABLE pwn(a int); COMMIT; SELECT ''",
     ""),
    ("postgresql", "SELECT 'a\\'; DELETE FROM victim; --'", "one statement"),
    ("postgresql", "SELECT E'a\\'b'", "escape string"),
    ("postgresql", "SELECT $$a$$", "dollar-quoted"),
    ("postgresql", "SELECT pg_terminate_backend(1)", "pg_terminate_backend()"),
    ("postgresql", "SELECT pg_advisory_lock(1)", "pg_advisory_lock()"),
    ("postgresql", "SELECT pg_reload_conf()", "pg_reload_conf()"),
    ("postgresql", "SELECT txid_current()", "txid_current()"),
    ("postgresql", "SELECT set_config('default_transaction_read_only', 'off', false)", "set_config()"),
    ("postgresql", "SELECT pg_read_file('/etc/passwd')", "pg_read_file()"),
    ("postgresql", "SELECT lo_import('/etc/passwd')", "lo_import()"),
    ("postgresql", "SELECT nextval('s')", "nextval()"),
    ("postgresql", "SELECT * FROM victim FOR UPDATE", "FOR UPDATE"),
    ("postgresql", "SELECT * FROM victim FOR SHARE", "FOR UPDATE / FOR SHARE"),
    ("postgresql", "SELECT x FROM generate_series(1, 3) AS x", "not a table"),
    ("postgresql", "SELECT pg_catalog.lower('a')", ""),
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", "not a table"),
    ("duckdb", "SELECT read_text('/etc/passwd')", "read_text()"),
    ("duckdb", "SELECT * FROM glob('/etc/*')", "not a table"),
    ("duckdb", "SELECT * FROM '/etc/passwd'", "not a plain name"),
    ("duckdb", "SELECT * FROM 'data.parquet'", "not a plain name"),
    ("duckdb", "SELECT current_setting('threads')", "current_setting()"),
    ("duckdb", "SELECT * FROM victim USING SAMPLE 10", ""),
    ("sqlite", "SELECT load_extension('x')", "load_extension()"),
    ("sqlite", "SELECT readfile('/etc/passwd')", "readfile()"),
    ("mssql", "SELECT 1DROP TABLE t", ""),
    ("mssql", "SELECT pwned=1INTO dbo.pwned", "INTO"),
    ("mssql", "DENY SELECT ON t TO u", ""),
    ("mssql", "DISABLE TRIGGER trg ON t", ""),
    ("mssql", "SAVE TRAN x", ""),
    ("mssql", "WHILE 1=1 SELECT 1", "only SELECT"),
    ("mssql", "SELECT NEXT VALUE FOR dbo.s", "next_value_for()"),
    ("mssql", "SELECT * FROM sys.fn_xe_file_target_read_file('\\\\host\\share\\x.xel', NULL, NULL, NULL)",
     "not a table"),
    ("mssql", "SELECT * FROM t WITH (TABLOCKX)", "table hint"),
    ("mssql", "SELECT * FROM t WITH (NOLOCK)", "table hint"),
    ("mssql", "SELECT * FROM t OPTION (MAXDOP 1)", ""),
    ("mssql", "SELECT @@VERSION", "variable"),
    ("mssql", "SELECT @x", "variable"),
    ("mssql", "EXEC('DELETE FROM victim')", "only SELECT"),
    ("mssql", "EXECUTE sp_configure", ""),
    ("mssql", "SELECT * FROM srv.db.dbo.t", "not a table"),
    ("mssql", "SELECT xp_cmdshell('dir')", "xp_cmdshell()"),
    ("mssql", "SELECT * FROM t CROSS APPLY OPENJSON(t.j)", ""),
    ("mssql", "BEGIN TRAN; SELECT 1", ""),
    ("mssql", "SELECT 1 WAITFOR DELAY '00:00:10'", ""),
]


@pytest.mark.parametrize("dialect,text,words", PER_DIALECT)
def test_issue_11_bypasses_are_refused(dialect, text, words):
    message = refused(text, dialect)
    assert words in message


def test_the_bracket_trick_is_read_as_arrays_on_postgresql_and_names_on_sql_server():
    text = "SELECT ARRAY[']'];DELETE FROM victim;SELECT ARRAY['[']"
    refused(text, "postgresql")  # three statements to the server's reading
    refused(text, "mssql")       # a parse error in T-SQL: still refused


# --- accepted: the exact statement sent ---------------------------------------------------

ACCEPTED = [
    ("postgresql", "select a, count(*) from s.t where b like 'x;--%' group by a having count(*) > 1 "
                   "order by 1 limit 3;",
     "SELECT a, COUNT(*) FROM s.t WHERE b LIKE 'x;--%' GROUP BY a HAVING COUNT(*) > 1 "
     "ORDER BY 1 LIMIT 3"),
    ("postgresql", "SELECT a, row_number() OVER (PARTITION BY b ORDER BY c) FROM t UNION ALL "
                   "SELECT 1, 2",
     "SELECT a, ROW_NUMBER() OVER (PARTITION BY b ORDER BY c) FROM t UNION ALL SELECT 1, 2"),
    ("postgresql", "WITH a AS (SELECT 1 AS x) SELECT x FROM a", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("postgresql", "(SELECT 1)", "(SELECT 1)"),
    ("postgresql", "SELECT 1 -- a comment ; DELETE FROM victim\n", "SELECT 1"),
    ("postgresql", "SELECT 1 /* */ ", "SELECT 1"),
    ("postgresql", "SELECT 'it''s; -- not a comment', \"we\"\"ird\" FROM t",
     "SELECT 'it''s; -- not a comment', \"we\"\"ird\" FROM t"),
    ("postgresql", "SELECT age(d), btrim(s) FROM t", "SELECT AGE(d), TRIM(s) FROM t"),
    ("mssql", "SELECT TOP 5 a, ISNULL(b, 0), LEN(c), DATALENGTH(c) FROM [dbo].[t] WHERE s = N'x' "
              "ORDER BY a",
     "SELECT TOP 5 a, ISNULL(b, 0), LEN(c), DATALENGTH(c) FROM [dbo].[t] WHERE s = N'x' ORDER BY a"),
    ("mssql", "SELECT [a]]b], [x y] FROM t", "SELECT [a]]b], [x y] FROM t"),
    ("mssql", "SELECT e.Edukey, AVG(CAST(e.Earnings AS FLOAT)) AS m FROM earnings AS e "
              "JOIN link AS l ON l.Edukey = e.Edukey GROUP BY e.Edukey",
     "SELECT e.Edukey, AVG(CAST(e.Earnings AS FLOAT)) AS m FROM earnings AS e "
     "JOIN link AS l ON l.Edukey = e.Edukey GROUP BY e.Edukey"),
    ("sqlite", "select \"we\"\"ird\" from t;", "SELECT \"we\"\"ird\" FROM t"),
    ("duckdb", "SELECT TaxYear, median(Earnings) FROM earnings GROUP BY TaxYear",
     "SELECT TaxYear, MEDIAN(Earnings) FROM earnings GROUP BY TaxYear"),
]


@pytest.mark.parametrize("dialect,text,sent", ACCEPTED)
def test_plain_queries_are_sent_as_regenerated_from_the_checked_tree(dialect, text, sent):
    assert readonly.check_query(text, dialect) == sent


@pytest.mark.parametrize("dialect", DIALECTS)
def test_what_is_sent_passes_the_check_again_unchanged(dialect):
    for _, text, _sent in ACCEPTED:
        try:
            once = readonly.check_query(text, dialect)
        except StatementRefused:
            continue  # another dialect's syntax
        assert readonly.check_query(once, dialect) == once


def test_an_unknown_dialect_is_refused():
    refused("SELECT 1", "oracle")


def test_every_allow_listed_name_is_a_sqlglot_class():
    """A name sqlglot renamed would silently narrow the list: keep it honest."""
    missing = [n for n in readonly.STRUCTURE + readonly.FUNCTIONS if not hasattr(exp, n)]
    assert missing == []


def test_no_allow_listed_function_writes_or_reaches_outside():
    """The named lists hold pure functions only: none of the vendors' families
    of file, session, lock, sequence or admin functions."""
    risky = ("pg_", "dblink", "lo_", "read", "write", "glob", "xp_", "sp_", "fn_", "open",
             "set", "nextval", "setval", "current_setting", "load", "copy", "lock", "sleep",
             "waitfor", "system", "query")
    for dialect, names in readonly.NAMED_FUNCTIONS.items():
        for name in names:
            assert not name.startswith(risky), (dialect, name)


def test_allowed_named_functions_are_not_modelled_by_sqlglot():
    """A named function sqlglot does model would be checked by class instead."""
    for dialect, names in readonly.NAMED_FUNCTIONS.items():
        read = readonly.SQLGLOT_DIALECTS[dialect]
        for name in names:
            tree = sqlglot.parse_one(f"SELECT {name}(a, b, c) FROM t", read=read)
            assert isinstance(tree.expressions[0], exp.Anonymous), (dialect, name)


# --- the check-only mode of the command line ----------------------------------------------

def test_sqlonly_prints_the_tsql_that_would_be_sent_without_connecting(capsys, monkeypatch):
    monkeypatch.setenv("LEOSTATA_URL", "mssql+pyodbc://nobody@nowhere.invalid/db?driver=x")
    assert cli.main(["query", "--dialect", "mssql", "--sqlonly", "--",
                     "SELECT TOP 3 [Edukey] FROM dbo.earnings"]) == 0
    assert capsys.readouterr().out.strip() == "SELECT TOP 3 [Edukey] FROM dbo.earnings"


def test_sqlonly_refuses_with_r5103(capsys):
    assert cli.main(["query", "--dialect", "mssql", "--sqlonly", "--",
                     "SELECT pwned=1INTO dbo.pwned"]) == 1
    err = capsys.readouterr().err
    assert "INTO" in err and err.strip().endswith("r(5103);")


def test_a_dialect_other_than_the_databases_needs_sqlonly(capsys):
    assert cli.main(["query", "--url", "sqlite:///:memory:", "--dialect", "mssql", "--",
                     "SELECT 1"]) == 1
    assert "r(198);" in capsys.readouterr().err
