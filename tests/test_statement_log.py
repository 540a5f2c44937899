"""tests/statement_log.py: the classifier (what counts as a read on each
dialect) and the recorder (every path a statement can take is recorded,
and a run with a non-read on a read-only engine fails)."""

from __future__ import annotations

import os
import sqlite3
import textwrap

import pytest
import sqlalchemy as sa
from leostata.connection import engine_for

from tests import statement_log as sl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# --- the classifier ---------------------------------------------------------------------------

READS = [
    ("duckdb", "SELECT 1"),
    ("duckdb", "SELECT x FROM t WHERE y > 3 ORDER BY x LIMIT 5"),
    ("duckdb", "(SELECT 1)"),
    ("duckdb", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("duckdb", "SELECT 1 UNION ALL SELECT 2"),
    ("duckdb", "SELECT range AS x FROM range(10)"),
    ("duckdb", "SELECT name FROM duckdb_settings()"),
    ("sqlite", "SELECT count(*) FROM t;"),
    ("sqlite", "SELECT a FROM t EXCEPT SELECT a FROM u"),
    ("sqlite", "SELECT name FROM sqlite_master WHERE name NOT LIKE 's~_%' ESCAPE '~'"),
    ("postgresql", "SELECT 1 + 1"),
    ("postgresql", "select pg_catalog.version()"),
    ("postgresql", "select current_schema()"),
    ("postgresql", "SELECT CAST('test plain returns' AS VARCHAR(60)) AS anon_1"),
    ("postgresql", "SELECT ARRAY[1, 2] AS a"),
    ("postgresql", "(SELECT 1) INTERSECT (SELECT 1) ORDER BY 1"),
    ("postgresql", "SELECT current_setting('transaction_read_only')"),
    ("mssql", "SELECT TOP 5 x FROM dbo.t"),
    ("mssql", "SELECT x FROM dbo.t WITH (NOLOCK)"),
    ("mssql", "WITH a AS (SELECT 1 AS x) SELECT x FROM a"),
    ("mssql", "SELECT COUNT_BIG(*) FROM sys.tables"),
]

NOT_READS = [
    # writes and DDL
    ("duckdb", "INSERT INTO t VALUES (1)"),
    ("duckdb", "CREATE TABLE t (x INT)"),
    ("duckdb", "DROP TABLE t"),
    ("duckdb", "UPDATE t SET x = 1"),
    ("sqlite", "DELETE FROM t"),
    ("sqlite", "CREATE VIEW v AS SELECT 1"),
    ("postgresql", "ALTER TABLE t ADD COLUMN y INT"),
    ("postgresql", "TRUNCATE t"),
    ("mssql", "MERGE INTO t USING u ON t.x = u.x WHEN MATCHED THEN DELETE;"),
    ("mssql", "DELETE FROM dbo.t"),
    # files
    ("duckdb", "COPY t TO '/tmp/x.csv'"),
    ("postgresql", "COPY t TO '/tmp/x'"),
    ("postgresql", "COPY t FROM PROGRAM 'id'"),
    ("duckdb", "ATTACH ':memory:' AS other"),
    # more than one statement, whatever the quoting games
    ("postgresql", ("SELECT ARRAY[']'];COMMIT;BEGIN TRANSACTION READ WRITE;DELETE FROM victim;"
                    "COMMIT;SELECT ARRAY['[']")),
    ("sqlite", "SELECT 1; DELETE FROM victim"),
    ("duckdb", "SELECT 1; SELECT 2"),
    # queries that write, lock or have side effects
    ("postgresql", "SELECT * INTO t2 FROM t"),
    ("mssql", "SELECT pwned=1INTO dbo.pwned"),
    ("postgresql", "SELECT * FROM t FOR UPDATE"),
    ("postgresql", "SELECT * FROM t FOR SHARE"),
    ("postgresql", "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"),
    ("mssql", "SELECT * FROM t WITH (TABLOCKX)"),
    ("mssql", "SELECT * FROM t WITH (UPDLOCK, NOLOCK)"),
    ("mssql", "SELECT NEXT VALUE FOR s"),
    ("mssql", "SELECT * FROM OPENROWSET('SQLNCLI', 'x', 'SELECT 1')"),
    ("mssql", r"SELECT * FROM sys.fn_xe_file_target_read_file('\\host\share\x', NULL, NULL, NULL)"),
    ("mssql", "SELECT 1DROP TABLE t"),
    ("postgresql", "SELECT nextval('s')"),
    ("postgresql", 'SELECT "dblink_exec"(\'dbname=x\', \'DELETE FROM t\')'),
    ("postgresql", "SELECT pg_catalog.pg_advisory_lock(1)"),
    ("postgresql", "SELECT pg_terminate_backend(1)"),
    ("postgresql", "SELECT set_config('search_path', 'x', false)"),
    ("postgresql", "SELECT txid_current()"),
    ("postgresql", "SELECT lo_import('/etc/passwd')"),
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')"),
    ("duckdb", "SELECT * FROM read_text('/etc/passwd')"),
    ("duckdb", "SELECT * FROM glob('/etc/*')"),
    ("duckdb", "SELECT * FROM query('DELETE FROM t')"),
    ("sqlite", "SELECT load_extension('x')"),
    ("sqlite", "SELECT writefile('/tmp/x', 'y')"),
    # session statements outside the list
    ("postgresql", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"),
    ("postgresql", "SET TRANSACTION READ WRITE"),
    ("postgresql", "SET statement_timeout = 0; DROP TABLE t"),
    ("postgresql", "SET search_path TO x; DROP TABLE t"),
    ("postgresql", "SET default_transaction_read_only = off"),
    ("postgresql", "SHOW server_version; DELETE FROM t"),
    ("postgresql", "BEGIN"),
    ("postgresql", "COMMIT"),
    ("postgresql", "EXPLAIN ANALYZE DELETE FROM t"),
    ("postgresql", "VACUUM"),
    ("sqlite", "PRAGMA query_only = OFF"),
    ("sqlite", "PRAGMA query_only = 0"),
    ("sqlite", "PRAGMA journal_mode = WAL"),
    ("sqlite", "PRAGMA main.table_info(\"t\"); DELETE FROM t"),
    ("sqlite", "ATTACH DATABASE '/tmp/x' AS x"),
    ("duckdb", "SET enable_external_access = true"),
    ("duckdb", "SET lock_configuration = false"),
    ("duckdb", "PRAGMA enable_profiling"),
    ("duckdb", "INSTALL httpfs"),
    ("duckdb", "LOAD httpfs"),
    ("mssql", "SET XACT_ABORT OFF"),
    ("mssql", "COMMIT"),
    ("mssql", "SAVE TRAN x"),
    ("mssql", "EXEC xp_cmdshell 'dir'"),
    ("mssql", "DENY SELECT ON t TO u"),
    ("mssql", "DISABLE TRIGGER tr ON t"),
    ("mssql", "WHILE 1 = 1 SELECT 1"),
    # a session statement of another dialect
    ("postgresql", "PRAGMA query_only = ON"),
    ("sqlite", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"),
    ("duckdb", "SET XACT_ABORT ON"),
    # nothing, or not SQL
    ("sqlite", ""),
    ("sqlite", "-- just a comment"),
    ("postgresql", "SELEC 1"),
]


@pytest.mark.parametrize("dialect,sql", READS)
def test_reads_are_accepted(dialect, sql):
    verdict = sl.classify(sql, dialect)
    assert verdict.read, verdict.reason


@pytest.mark.parametrize("dialect,sql", NOT_READS)
def test_everything_else_is_refused(dialect, sql):
    verdict = sl.classify(sql, dialect)
    assert not verdict.read, f"accepted as {verdict.reason}"


def test_every_listed_session_statement_is_accepted_on_its_dialects_only():
    lines = [ln.split("#", 1)[0].split(None, 1) for ln in sl.SESSION_STATEMENTS.splitlines()]
    lines = [ln for ln in lines if ln]
    assert len(lines) >= 10
    for dialects, statement in lines:
        example = statement.strip().replace("{int}", "30000").replace("{ident}", '"main"')
        for dialect in ("duckdb", "sqlite", "postgresql", "mssql"):
            assert sl.classify(example, dialect).read == (dialect in dialects.split(",")), \
                (dialect, example)


@pytest.mark.parametrize("sql", ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                                 "set session characteristics as transaction read only;",
                                 "  SET SESSION\n CHARACTERISTICS  AS TRANSACTION READ ONLY ;; "])
def test_session_statements_match_after_normalising_only(sql):
    assert sl.session_statement(sql, "postgresql")


@pytest.mark.parametrize("sql", ["SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, READ WRITE",
                                 "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY -- x",
                                 "/* */ SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
                                 "SET SESSION CHARACTERISTICS AS TRANSACTION READ",
                                 "SET statement_timeout = 1; SET statement_timeout = 2",
                                 "SET statement_timeout = -1",
                                 "SET search_path TO a, b",
                                 'SET search_path TO "a"; DROP TABLE t; --"'])
def test_session_statements_are_not_prefixes(sql):
    assert not sl.session_statement(sql, "postgresql")
    assert not sl.classify(sql, "postgresql").read


def test_quoted_identifier_holes_take_doubled_quotes_and_nothing_else():
    assert sl.session_statement('PRAGMA main.table_xinfo("we""ird; name")', "sqlite")
    assert not sl.session_statement('PRAGMA main.table_xinfo("a"); DELETE FROM t; ("b")', "sqlite")


def test_driver_api_calls_are_never_reads():
    assert not sl.classify("duckdb register('v')", "duckdb", api=True).read


def test_conn_settings_are_split_into_statements():
    odbc = "DRIVER={PostgreSQL Unicode};ConnSettings={SET search_path TO s;SET a = 1};UID=u"
    assert sl.conn_settings(odbc) == ["SET search_path TO s", "SET a = 1"]
    assert sl.conn_settings("connsettings=SET x TO 1;UID=u") == ["SET x TO 1"]
    assert sl.conn_settings("DRIVER={x};ConnSettings={SET a TO '}}'}") == ["SET a TO '}'"]
    assert sl.conn_settings("DRIVER={x};UID=u") == []
    assert sl.conn_settings(None) == []


# --- the recorder: every path --------------------------------------------------------------


class Keep:
    """A minimal stream Writer."""

    def begin(self, columns, meta=None):
        self.n = 0

    def write(self, batch):
        self.n += len(next(iter(batch.values()))) if batch else 0

    def commit(self):
        return self.n

    def abort(self):
        pass


def _sql(got, **fields):
    return [s.sql for s in got if all(getattr(s, k) == v for k, v in fields.items())]


def test_seams_are_installed():
    for seam in ("sqlalchemy events", "pyodbc", "sqlite3", "duckdb"):
        assert sl.SEAMS.get(seam) == "ok", (seam, sl.SEAMS)
    assert [v for k, v in sl.SEAMS.items() if k.startswith("leostata")] == ["ok"]


def test_sqlalchemy_and_connect_listener_statements_on_a_sqlite_reader(tmp_path):
    url = f"sqlite:///{tmp_path}/db.sqlite"
    with engine_for(url, readonly=False).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    reader = engine_for(url)
    with sl.capture() as got, reader.connect() as conn:
        conn.execute(sa.text("SELECT x FROM t"))
        conn.exec_driver_sql("SELECT 2")
    reader.dispose()
    assert "PRAGMA query_only = ON" in _sql(got, kind="reader", path="dbapi", dialect="sqlite")
    assert _sql(got, kind="reader", path="sqlalchemy") == ["SELECT x FROM t"]
    assert _sql(got, kind="reader", path="exec_driver_sql") == ["SELECT 2"]
    assert all(s.checked and s.verdict().read for s in got)


def test_writers_are_tagged_and_not_checked(tmp_path):
    with sl.capture() as got:
        writer = engine_for(f"sqlite:///{tmp_path}/db.sqlite", readonly=False)
        with writer.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        writer.dispose()
    assert _sql(got, kind="writer", path="exec_driver_sql") == ["CREATE TABLE t (x INTEGER)"]
    assert not any(s.checked for s in got)


def test_duckdb_reader_through_sqlalchemy_the_raw_connection_and_stream(tmp_path):
    from leostata.stream import stream
    url = f"duckdb:///{tmp_path}/db.duckdb"
    writer = engine_for(url, readonly=False)
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t AS SELECT range AS x FROM range(5000)")
    writer.dispose()
    reader = engine_for(url)
    with sl.capture() as got:
        with reader.connect() as conn:
            conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
            raw = conn.connection.driver_connection
            raw.execute("SELECT 42").fetchall()
            cursor = raw.cursor()
            cursor.execute("SELECT 43")
            cursor.fetchall()
            inner = raw._ConnectionWrapper__c  # the raw DuckDB connection (as stream uses it)
            inner.cursor().execute("SELECT 44").fetchall()
        result = stream("SELECT x FROM t", reader, None, Keep())
    reader.dispose()
    assert result.nobs == 5000
    assert "SELECT count(*) FROM t" in _sql(got, kind="reader", path="sqlalchemy")
    assert _sql(got, kind="reader", path="dbapi")[-3:] == ["SELECT 42", "SELECT 43", "SELECT 44"]
    assert _sql(got, kind="reader", path="sqlalchemy")[-1] == "SELECT x FROM t"
    assert all(s.dialect == "duckdb" for s in got if s.kind == "reader")


@pytest.mark.sends_writes  # registers a DataFrame on a read-only connection, on purpose
def test_duckdb_api_calls_are_recorded_as_not_reads(tmp_path):
    import pandas as pd
    url = f"duckdb:///{tmp_path}/db.duckdb"
    writer = engine_for(url, readonly=False)
    writer.connect().close()
    writer.dispose()
    reader = engine_for(url)
    with sl.capture() as got, reader.connect() as conn:
        raw = conn.connection.driver_connection
        raw.register("frame", pd.DataFrame({"a": [1]}))
        raw.unregister("frame")
    reader.dispose()
    api = [s for s in got if s.path == "api"]
    assert [s.sql for s in api] == ["duckdb register('frame')", "duckdb unregister('frame')"]
    assert all(s.kind == "reader" and s.checked and not s.verdict().read for s in api)


def test_unmanaged_engines_check_what_leostata_sends_and_not_the_tests_fixtures(tmp_path):
    from leostata.stream import stream
    engine = sa.create_engine(f"sqlite:///{tmp_path}/db.sqlite")
    with sl.capture() as got:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        stream("SELECT x FROM t", engine, None, Keep())
    engine.dispose()
    (fixture,) = [s for s in got if s.sql.startswith("CREATE")]
    assert (fixture.kind, fixture.origin, fixture.checked) == ("unmanaged", "test", False)
    (query,) = [s for s in got if s.sql == "SELECT x FROM t"]
    assert (query.kind, query.origin, query.checked) == ("unmanaged", "leostata", True)


def test_duckdb_opened_read_only_counts_as_a_reader(tmp_path):
    url = f"duckdb:///{tmp_path}/db.duckdb"
    writer = engine_for(url, readonly=False)
    writer.connect().close()
    writer.dispose()
    engine = sa.create_engine(url, connect_args={"read_only": True})
    with sl.capture() as got, engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert _sql(got, kind="reader", path="exec_driver_sql") == ["SELECT 1"]


def test_synth_build_is_a_writer_while_it_builds(tmp_path):
    from leostata import synth
    engine = sa.create_engine(f"duckdb:///{tmp_path}/s.duckdb")
    with sl.capture() as got:
        synth.build(engine, persons=20, seed=1)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    engine.dispose()
    writes = [s for s in got if s.sql.lstrip().upper().startswith(("CREATE", "INSERT"))]
    assert writes and all(s.kind == "writer" and not s.checked for s in writes)
    assert [s.kind for s in got if s.sql == "SELECT 1"] == ["unmanaged"]


def test_direct_driver_connections(tmp_path):
    with sl.capture() as got:
        conn = sqlite3.connect(str(tmp_path / "d.sqlite"))
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.cursor().executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
        conn.close()
    assert [(s.sql, s.kind, s.origin) for s in got] == [
        ("CREATE TABLE t (x INTEGER)", "direct", "test"),
        ("INSERT INTO t VALUES (?)", "direct", "test")]


def test_statements_are_attributed_to_the_running_test(request):
    recorder = request.config.stash[sl._PLUGIN].recorder
    with engine_for("sqlite://").connect() as conn:
        conn.exec_driver_sql("SELECT 'attributed'")
    entries = [(s.sql, nodeid) for s, nodeid, _ in recorder.entries[-10:]]
    assert ("SELECT 'attributed'", request.node.nodeid) in entries


def test_observed_engines_ignore_only_the_recorder(pg_db):
    from leostata.fetch import arrow_odbc as fetch_arrow
    engine = pg_db.reader()
    assert not fetch_arrow._observed(engine)
    sa.event.listen(engine, "before_cursor_execute", lambda *a: None)
    assert fetch_arrow._observed(engine)
    engine.dispose()


def test_postgres_over_odbc_connect_settings_and_queries(pg_db):
    reader = pg_db.reader()
    with sl.capture() as got, reader.connect() as conn:
        assert conn.execute(sa.text("SELECT 1 + 1")).scalar() == 2
    reader.dispose()
    assert all(s.kind == "reader" and s.dialect == "postgresql" for s in got)
    settings = _sql(got, path="odbc-connsettings")
    assert settings and settings[0].startswith("SET search_path TO t_")
    dbapi = _sql(got, path="dbapi")
    assert "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY" in dbapi
    assert "SHOW server_version" in dbapi
    assert "SELECT 1 + 1" in _sql(got, path="sqlalchemy")
    assert all(s.verdict().read for s in got), [s for s in got if not s.verdict().read]


def test_arrow_odbc_is_recorded(pg_db):
    pytest.importorskip("arrow_odbc")
    pytest.importorskip("pyarrow")
    from leostata.catalog import Catalog
    from leostata.stata_types import OutputColumn
    from leostata.stream import stream
    writer = pg_db.writer()
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE people (id INTEGER, name VARCHAR(20))")
        conn.exec_driver_sql("INSERT INTO people VALUES (1, 'a'), (2, 'b')")
    writer.dispose()
    reader = pg_db.reader()
    info = Catalog(reader).table("people")
    outs = [OutputColumn(c.name, c.name, c.sql_type) for c in info.columns]
    table = sa.table("people", *[sa.column(c.name) for c in info.columns])
    with sl.capture() as got:
        result = stream(sa.select(table), reader, outs, Keep())
    reader.dispose()
    assert result.path == "arrow-odbc" and result.nobs == 2
    arrow = [s for s in got if s.path == "arrow-odbc"]
    assert len(arrow) == 1 and "FROM people" in arrow[0].sql
    assert (arrow[0].kind, arrow[0].dialect) == ("reader", "postgresql")
    settings = _sql(got, path="odbc-connsettings", kind="reader")
    assert "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY" in settings


def test_pyodbc_direct_connection_is_recorded(pg_db):
    import pyodbc

    from tests.conftest import pg_odbc_string
    with sl.capture() as got:
        conn = pyodbc.connect(pg_odbc_string() + ";ConnSettings={SET application_name TO 'x'}")
        cur = conn.cursor()
        cur.execute("SELECT 3").fetchall()
        conn.execute("SELECT 4").fetchall()
        conn.close()
    assert [(s.sql, s.path, s.kind) for s in got] == [
        ("SET application_name TO 'x'", "odbc-connsettings", "direct"),
        ("SELECT 3", "dbapi", "direct"), ("SELECT 4", "dbapi", "direct")]


# --- the session check: a run with a non-read on a read-only engine fails ---------------------

INNER = '''
import pytest
import sqlalchemy as sa
from leostata.connection import engine_for

@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/x.sqlite"
    with engine_for(url, readonly=False).begin() as conn:
        conn.exec_driver_sql("CREATE TABLE victim (x INTEGER)")
    return url

def test_reads(url):
    with engine_for(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM victim").scalar() == 0
'''

WRITES = '''
def test_writes_through_a_reader(url):
    with pytest.raises(sa.exc.DatabaseError):  # the database refuses: still not allowed
        with engine_for(url).connect() as conn:
            conn.exec_driver_sql("INSERT INTO victim VALUES (1)")

@pytest.mark.sends_writes
def test_marked(url):
    with pytest.raises(sa.exc.DatabaseError):
        with engine_for(url).connect() as conn:
            conn.exec_driver_sql("DELETE FROM victim")
'''


def _run(pytester, monkeypatch, source):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([ROOT, os.path.join(ROOT, "python")]))
    monkeypatch.delenv(sl.DUMP_ENV, raising=False)  # the outer run's dump file
    pytester.makeconftest('pytest_plugins = ["tests.statement_log"]\n')
    pytester.makepyfile(test_inner=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--strict-markers")


def test_a_run_with_only_reads_passes(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, INNER)
    result.assert_outcomes(passed=1)
    assert result.ret == 0
    result.stdout.re_match_lines(
        [r"\d+ statements recorded on read-only engines, \d+ distinct, 0 refused"])


def test_a_non_read_on_a_reader_fails_the_run_and_names_the_test(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, INNER + WRITES)
    result.assert_outcomes(passed=3)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    section = out[out.index("NOT READS on read-only engines"):]
    assert "test_inner.py::test_writes_through_a_reader: reader sqlite engine" in section
    assert "'INSERT INTO victim VALUES (1)'" in section
    assert "DELETE FROM victim" not in section.split("statements recorded")[0]
    assert ", 1 refused" in out
    assert "test_inner.py::test_marked: 1" in out
