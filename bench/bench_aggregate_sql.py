"""leostata's aggregate SQL against a hand-written GROUP BY, through the same
bare driver (pyodbc over psqlODBC to PostgreSQL), issue 16 item 1.

The question (the issue's): ``leoload bench_earnings if TaxYear >= 201516,
collapse((mean) m=Earnings (count) n=Earnings) by(TaxYear Subject Sex)`` on
an earnings-shaped table PostgreSQL generates itself (3% missing earnings,
1% missing subjects).

Methods, each a plain ``cursor.execute(sql).fetchall()`` on one pyodbc
connection, repetitions interleaved and shuffled:

* ``handwritten``: ``SELECT ..., avg(e), count(e) ... GROUP BY 1, 2, 3 ORDER
  BY 1, 2, 3`` -- the speed limit (not Stata's rules: NULL and '' would be two
  groups, the order is the database's collation);
* ``leostata``: the SQL this checkout writes for the command (``sql.to_sql``);
* ``before``: the SQL of an earlier checkout, from ``--before FILE`` (write it
  with ``--print-sql`` from that checkout).

Before any time is shown, every leostata-written result must equal the cells
computed in Python from the fetched rows with exact arithmetic (the mean as
the correctly rounded quotient of the exact sum, as Stata's double sum of
integers gives below 2^53).

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_aggregate_sql.py --rows 2000000 --reps 5 [--before FILE]
    python bench/bench_aggregate_sql.py --print-sql > FILE
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

COMMAND = ("bench_earnings if TaxYear >= 201516, collapse((mean) m=Earnings (count) n=Earnings) "
           "by(TaxYear Subject Sex)")
HANDWRITTEN = ('SELECT "TaxYear", "Subject", "Sex", avg("Earnings"), count("Earnings") '
               'FROM bench_earnings WHERE "TaxYear" >= 201516 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')


def _collapse_bench():
    spec = importlib.util.spec_from_file_location("bench_collapse",
                                                  os.path.join(HERE, "bench_collapse.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_on_server(cursor, rows: int) -> None:
    """The earnings-shaped table made by PostgreSQL itself (seeded): TaxYear
    in 2010/11-2020/21, 30 subjects (1% NULL), sex, log-normal earnings with
    3% NULL -- quicker than sending the rows over ODBC."""
    cursor.execute("DROP TABLE IF EXISTS bench_earnings")
    cursor.execute('CREATE TABLE bench_earnings ("EDUKEY" bigint, "TaxYear" integer, '
                   '"Subject" varchar(3), "Sex" varchar(1), "Earnings" integer)')
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(
        'INSERT INTO bench_earnings SELECT g, 201011 + 101 * floor(random() * 11)::int, '
        "CASE WHEN random() < 0.01 THEN NULL ELSE 'S' || lpad(floor(random() * 30)::int::text, 2, '0') END, "
        "CASE WHEN random() < 0.5 THEN 'F' ELSE 'M' END, "
        "CASE WHEN random() < 0.03 THEN NULL ELSE round(exp(10 + 0.7 * sqrt(-2 * ln(1 - random())) "
        "* cos(2 * pi() * random())))::int END "
        f"FROM generate_series(1, {int(rows)}) AS g")
    cursor.execute("ANALYZE bench_earnings")


def leostata_sql(url: str) -> str:
    """The SQL this checkout writes for COMMAND against the table at ``url``."""
    from leostata.catalog import Catalog
    from leostata.connection import engine_for
    from leostata.plan import plan_load
    from leostata.sql import to_sql
    engine = engine_for(url)
    try:
        return to_sql(plan_load(COMMAND, Catalog(engine)), engine.dialect)
    finally:
        engine.dispose()


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


def earnings_table(rows: int, reuse: bool):
    """A pyodbc cursor on the PostgreSQL test server (autocommit) and the
    SQLAlchemy URL of that server, with bench_earnings holding ``rows`` rows:
    kept when ``reuse`` and it already has them, else generated."""
    import pyodbc
    url = _collapse_bench().pg_url()
    if url is None:
        sys.exit("LEOSTATA_TEST_PG_ODBC is not set: eval \"$(bash scripts/start-postgres.sh)\"")
    cursor = pyodbc.connect(os.environ["LEOSTATA_TEST_PG_ODBC"], autocommit=True).cursor()
    have = cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'bench_earnings'"
                          ).fetchone()[0]
    present = cursor.execute("SELECT count(*) FROM bench_earnings").fetchone()[0] if have else 0
    if not (reuse and present == rows):
        generate_on_server(cursor, rows)
    return cursor, url


def timed(cursor, sql: str) -> tuple[float, list]:
    t0 = time.perf_counter()
    rows = cursor.execute(sql).fetchall()
    return time.perf_counter() - t0, [tuple(r) for r in rows]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--before", help="SQL text of an earlier checkout (from --print-sql)")
    ap.add_argument("--print-sql", action="store_true", help="print this checkout's SQL and stop")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    args = ap.parse_args(argv)
    import pyodbc
    bench = _collapse_bench()
    url = bench.pg_url()
    if url is None:
        sys.exit("LEOSTATA_TEST_PG_ODBC is not set: eval \"$(bash scripts/start-postgres.sh)\"")
    odbc = os.environ["LEOSTATA_TEST_PG_ODBC"]
    conn = pyodbc.connect(odbc, autocommit=True)
    cursor = conn.cursor()
    have = cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'bench_earnings'"
                          ).fetchone()[0]
    rows = cursor.execute("SELECT count(*) FROM bench_earnings").fetchone()[0] if have else 0
    if not (args.reuse and rows == args.rows) and not args.print_sql:
        generate_on_server(cursor, args.rows)
    elif args.print_sql and not have:
        generate_on_server(cursor, 1000)
    sql = leostata_sql(url)
    if args.print_sql:
        print(sql)
        return
    methods = {"handwritten": HANDWRITTEN, "leostata": sql}
    if args.before:
        with open(args.before, encoding="utf-8") as f:
            methods["before"] = f.read()
    want = expected_cells(cursor)
    for name, text in methods.items():
        if name == "handwritten":
            continue
        _, got = timed(cursor, text)
        if got != want:
            sys.exit(f"{name}: cells differ from the exact reference ({len(got)} vs {len(want)})")
    runs = [name for name in methods for _ in range(args.reps)]
    random.Random(7).shuffle(runs)
    times: dict = {name: [] for name in methods}
    for name in runs:
        times[name].append(timed(cursor, methods[name])[0])
    limit = statistics.median(times["handwritten"])
    print(f"rows {args.rows:,}, {len(want)} cells, {args.reps} runs each, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| method | median s | x handwritten |")
    print("|---|---:|---:|")
    for name in methods:
        m = statistics.median(times[name])
        print(f"| {name} | {m:.3f} | {m / limit:.2f} |")


if __name__ == "__main__":
    main()
