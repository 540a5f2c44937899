"""leostata's aggregate SQL against a hand-written GROUP BY through the same
bare driver, and leostata end to end in process against its own SQL through
that driver (issue 16 item 1), on PostgreSQL over psqlODBC (pyodbc) or on
DuckDB (its own Python module).

The question (the issue's): ``leoload bench_earnings if TaxYear >= 201516,
collapse((mean) m=Earnings (count) n=Earnings) by(TaxYear Subject Sex)`` on
an earnings-shaped table the engine generates itself (3% missing earnings,
1% missing subjects).

Methods, repetitions of all of them interleaved and shuffled in one run
(``_common.interleaved``):

* ``handwritten``: ``SELECT ..., avg(e), count(e) ... GROUP BY 1, 2, 3 ORDER
  BY 1, 2, 3`` through the bare driver -- the speed limit (not Stata's
  rules: NULL and '' would be two groups, the order is the database's
  collation);
* ``leostata_sql``: the SQL this checkout writes for the command
  (``sql.to_sql``), through the same bare driver (``execute().fetchall()``);
* ``in_process``: ``leostata.load(COMMAND)`` in this warm process after one
  ``leostata.connect(url)`` (session, catalog, query, conversion to a
  DataFrame; interpreter start and imports excluded);
* ``in_session``: the same load through ``commands.load`` on one session kept
  open, as the Stata bridge keeps it between commands (catalog entry, query,
  conversion to a DataFrame);
* ``before``: the SQL of an earlier checkout, from ``--before FILE`` (write it
  with ``--print-sql`` from that checkout);
* with ``--fetch`` (PostgreSQL), where in_process's time goes: the same SQL
  read through leostata's arrow-odbc reader (``fetch.arrow_odbc.open_reader``)
  as a load does (``arrow_leostata_sql``), with transit buffers capped at
  8 MB instead of 64 MB (``arrow_leostata_sql_8mb``), and the hand-written
  SQL through it (``arrow_handwritten``, whose group keys keep their declared
  varchar(n) width); and ``session``, opening a leostata session and reading
  the table's catalog entry, as every load does;
* with ``--constructs``, what each guard of leostata's SQL costs: that SQL
  with one construct rewritten at a time (``CONSTRUCTS``), then all at once,
  through the bare driver.  ``mean_on_aggregate`` keeps Stata's answer (an
  exact integer sum divided once), and so does ``keys_without_collate``
  where the database's own collation compares bytes (DuckDB's default; a
  PostgreSQL database created with C or C.UTF-8, as the test server's); the
  others are timing only: without the coalesce a NULL key comes back as
  NULL and sorts last, not as Stata's "" first; without the missing test a
  missing TaxYear would no longer pass ``>= 201516`` (the generated table
  has none, so its cells stay the same).

Targets (issue 16): ``leostata_sql`` <= 1.15x ``handwritten``; ``in_process``
<= 1.1x ``leostata_sql``.  Before any time is shown, every leostata result
must equal the cells computed in Python from the fetched rows with exact
arithmetic (the mean as the correctly rounded quotient of the exact sum, as
Stata's double sum of integers gives below 2^53).  ``--explain`` prints the
engine's EXPLAIN ANALYZE of the SQL methods.

Usage (the repository's venv)::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_aggregate_sql.py --rows 1000000 --reps 21 [--explain] [--fetch] [--constructs]
    python bench/bench_aggregate_sql.py --before FILE
    python bench/bench_aggregate_sql.py --engine duckdb --rows 1000000 --reps 9
    python bench/bench_aggregate_sql.py --print-sql > FILE
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from fractions import Fraction

from _common import interleaved, leostata_sql, pg_cursor, pg_table_rows, ratio_table, timed, uptime

COMMAND = ("bench_earnings if TaxYear >= 201516, collapse((mean) m=Earnings (count) n=Earnings) "
           "by(TaxYear Subject Sex)")
HANDWRITTEN = ('SELECT "TaxYear", "Subject", "Sex", avg("Earnings"), count("Earnings") '
               'FROM bench_earnings WHERE "TaxYear" >= 201516 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')
CREATE = ('CREATE TABLE bench_earnings ("EDUKEY" bigint, "TaxYear" integer, '
          '"Subject" varchar(3), "Sex" varchar(1), "Earnings" integer)')
# TaxYear in 2010/11-2020/21, 30 subjects (1% NULL), sex, log-normal earnings (3% NULL);
# one text for both engines, {rows} filled by the caller
GENERATE = (
    "INSERT INTO bench_earnings SELECT g, 201011 + 101 * CAST(floor(random() * 11) AS integer), "
    "CASE WHEN random() < 0.01 THEN NULL "
    "ELSE 'S' || lpad(CAST(CAST(floor(random() * 30) AS integer) AS varchar), 2, '0') END, "
    "CASE WHEN random() < 0.5 THEN 'F' ELSE 'M' END, "
    "CASE WHEN random() < 0.03 THEN NULL ELSE CAST(round(exp(10 + 0.7 * sqrt(-2 * ln(1 - random())) "
    "* cos(2 * pi() * random()))) AS integer) END ")
# construct -> (what leostata writes, a cheaper text), as regular expressions over its SQL
CONSTRUCTS = {
    "mean_on_aggregate": [(r'avg\(CAST\((\w+\.\w+) AS DOUBLE PRECISION\)\)',
                           r'CAST(sum(\1) AS DOUBLE PRECISION) / NULLIF(count(\1), 0)')],
    "keys_without_collate": [(r"(coalesce\(src\.\"\w+\", ''\)) COLLATE \"C\"", r"\1")],
    "keys_without_coalesce_collate": [(r"coalesce\((src\.\"\w+\"), ''\) COLLATE \"C\"", r"\1")],
    "filter_without_missing_test": [(r' OR bench_earnings\."TaxYear" IS NULL', "")],
}
_KEEP: list = []  # engines whose connections the bare DuckDB methods use
DUCKDB_FOLDER = os.path.join(tempfile.gettempdir(), "leostata-bench")


def generate_on_server(cursor, rows: int) -> None:
    """bench_earnings with ``rows`` rows, made by PostgreSQL itself (seeded)
    -- quicker than sending the rows over ODBC."""
    cursor.execute("DROP TABLE IF EXISTS bench_earnings")
    cursor.execute(CREATE)
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(GENERATE + f"FROM generate_series(1, {int(rows)}) AS g")
    cursor.execute("ANALYZE bench_earnings")


def earnings_table(rows: int, reuse: bool):
    """A pyodbc cursor on the PostgreSQL test server (autocommit) and the
    SQLAlchemy URL of that server, with bench_earnings holding ``rows`` rows:
    kept when ``reuse`` and it already has them, else generated."""
    cursor, url = pg_cursor()
    if not (reuse and pg_table_rows(cursor, "bench_earnings") == rows):
        generate_on_server(cursor, rows)
    return cursor, url


def earnings_duckdb(rows: int, reuse: bool):
    """A bare DuckDB connection and the URL of a DuckDB file holding
    bench_earnings with ``rows`` rows, generated by DuckDB (kept when
    ``reuse`` and the file exists).  The connection is the duckdb module's
    own, taken from a read-only leostata engine that stays open, so that it
    and leostata's sessions share one database instance (DuckDB refuses a
    second instance of a file with another configuration in one process)."""
    import duckdb

    from leostata.connection import engine_for
    os.makedirs(DUCKDB_FOLDER, exist_ok=True)
    path = os.path.join(DUCKDB_FOLDER, f"bench_earnings_{rows}.duckdb")
    if not (reuse and os.path.exists(path)):
        if os.path.exists(path):
            os.remove(path)
        con = duckdb.connect(path)
        con.execute(CREATE)
        con.execute("SELECT setseed(0.42)")
        con.execute(GENERATE + f"FROM range(1, {int(rows) + 1}) AS t(g)")
        con.close()
    url = f"duckdb:///{path}"
    _KEEP.append(engine_for(url))
    return _KEEP[-1].raw_connection().driver_connection, url


def expected_cells(cursor) -> list[tuple]:
    """(TaxYear, Subject, Sex, mean, count) by Stata's rules, in Stata's order."""
    groups: dict = {}
    for year, subject, sex, e in cursor.execute(
            'SELECT "TaxYear", "Subject", "Sex", "Earnings" FROM bench_earnings '
            'WHERE "TaxYear" >= 201516').fetchall():
        g = groups.setdefault((year, subject or "", sex or ""), [0, 0])
        if e is not None:
            g[0] += e
            g[1] += 1
    return [(*k, float(Fraction(s, n)) if n else None, n)
            for k, (s, n) in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].encode(),
                                                                    kv[0][2].encode()))]


def frame_cells(frame) -> list[tuple]:
    """The DataFrame's rows as plain tuples (NaN as None)."""
    def plain(v):
        v = v.item() if hasattr(v, "item") else v
        return None if isinstance(v, float) and math.isnan(v) else v
    return [tuple(plain(v) for v in row) for row in frame.itertuples(index=False)]


def explain(cursor, engine: str, sql: str) -> str:
    """The engine's EXPLAIN ANALYZE text of ``sql``."""
    if engine == "duckdb":
        return cursor.execute("EXPLAIN ANALYZE " + sql).fetchall()[0][1]
    plan = cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql).fetchall()
    return "\n".join(r[0] for r in plan)


def construct_statements(sql: str) -> dict:
    """``--constructs``: name -> leostata's ``sql`` with that construct
    rewritten (every construct once, then all together); a construct whose
    text is not in ``sql`` is reported and left out."""
    import re
    out, together = {}, sql
    for name, rules in CONSTRUCTS.items():
        text = sql
        for old, new in rules:
            text, n = re.subn(old, new, text)
            together = re.sub(old, new, together)
            if not n:
                print(f"(--constructs: {name} is not in this checkout's SQL; left out)")
                break
        else:
            out[name] = text
    if len(out) > 1:
        out["all_rewritten"] = together
    return out


def fetch_methods(url: str, statements: dict) -> dict:
    """The ``--fetch`` methods (module docstring): name -> callable."""
    from leostata.connection import engine_for
    from leostata.fetch import arrow_odbc
    from leostata.session import open_session
    engine = engine_for(url)
    _KEEP.append(engine)
    odbc = arrow_odbc.connection_string(engine)

    def arrow(sql: str, max_bytes: int):
        def read():
            return list(arrow_odbc.open_reader(arrow_odbc.ArrowPlan(sql, odbc, []), 50_000,
                                               max_bytes))
        return read

    def session():
        opened = open_session(url, None, say=lambda _text: None)
        try:
            opened.catalog.table("bench_earnings")
        finally:
            opened.close()

    default = arrow_odbc.MAX_BYTES_PER_BATCH
    return {"arrow_leostata_sql": arrow(statements["leostata_sql"], default),
            "arrow_leostata_sql_8mb": arrow(statements["leostata_sql"], 8 << 20),
            "arrow_handwritten": arrow(statements["handwritten"], default),
            "session": session}


def in_session(url: str):
    """A load of COMMAND through ``commands.load`` on one session that stays
    open (the Stata bridge's way), into a DataFrame."""
    from leostata import commands
    from leostata.session import open_session
    from leostata.writers.frame import DataFrameWriter
    session = open_session(url, None, say=lambda _text: None)
    _KEEP.append(session)

    def load():
        writer = DataFrameWriter("pandas")
        commands.load(COMMAND, session, lambda _job: writer, show=lambda _: None,
                      say=lambda _: None)
        return writer.result
    return load


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=("postgresql", "duckdb"), default="postgresql")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--before", help="SQL text of an earlier checkout (from --print-sql)")
    ap.add_argument("--print-sql", action="store_true", help="print this checkout's SQL and stop")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each SQL method")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    ap.add_argument("--constructs", action="store_true",
                    help="also time leostata's SQL with one guard rewritten at a time")
    ap.add_argument("--fetch", action="store_true",
                    help="PostgreSQL: also time the arrow-odbc fetch and the session alone")
    args = ap.parse_args(argv)
    if args.fetch and args.engine != "postgresql":
        sys.exit("--fetch: PostgreSQL only (the arrow-odbc path serves pyodbc engines)")
    make = earnings_duckdb if args.engine == "duckdb" else earnings_table
    cursor, url = make(1000 if args.print_sql else args.rows, args.reuse or args.print_sql)
    sql = leostata_sql(url, COMMAND)
    if args.print_sql:
        print(sql)
        return
    import warnings

    import leostata
    from _common import uncached_home
    warnings.simplefilter("ignore")
    os.environ["LEOSTATA_HOME"] = uncached_home()  # in_process does the work each time
    leostata.connect(url)
    statements = {"handwritten": HANDWRITTEN, "leostata_sql": sql}
    if args.before:
        with open(args.before, encoding="utf-8") as f:
            statements["before"] = f.read()
    want = expected_cells(cursor)
    for name, text in statements.items():
        if name != "handwritten" and timed(cursor, text)[1] != want:
            sys.exit(f"{name}: cells differ from the exact reference")
    if args.constructs:
        for name, text in construct_statements(sql).items():
            same = timed(cursor, text)[1] == want
            print(f"{name}: {'Stata' if same else 'NOT Stata'}'s cells\n{text}")
            statements[name] = text
    if frame_cells(leostata.load(COMMAND)) != want:
        sys.exit("in_process: cells differ from the exact reference")
    if frame_cells(in_session(url)()) != want:
        sys.exit("in_session: cells differ from the exact reference")
    if args.explain:
        for name, text in statements.items():
            print(f"--- {name}\n{explain(cursor, args.engine, text)}")
    methods = {name: (lambda text=text: cursor.execute(text).fetchall())
               for name, text in statements.items()}
    methods["in_process"] = lambda: leostata.load(COMMAND)
    methods["in_session"] = in_session(url)
    if args.fetch:
        methods.update(fetch_methods(url, statements))
        for name in ("arrow_leostata_sql", "arrow_leostata_sql_8mb"):
            if sum(batch.num_rows for batch in methods[name]()) != len(want):
                sys.exit(f"{name}: not the {len(want)} cells")
    print(f"before: {uptime()}")
    runs = interleaved(methods, args.reps, seed=7)
    print(f"after: {uptime()}")
    print(f"{args.engine}, rows {args.rows:,}, {len(want)} cells, {args.reps} interleaved runs each, "
          f"1-min load average {runs.load_range()} during the runs")
    print(ratio_table(runs, "handwritten"))
    for name in ("in_process", "in_session"):
        print(f"{name} / leostata_sql: {runs.median(name) / runs.median('leostata_sql'):.2f}")


if __name__ == "__main__":
    main()
