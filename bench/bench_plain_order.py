"""A plain row load ordered on the raw key against Stata's computed order,
through the same bare driver (pyodbc over psqlODBC to PostgreSQL), issue 16
item 3.

The table (made by PostgreSQL itself, seeded): ``bench_keyed`` with a
primary key (``Edukey`` varchar, ``TaxYear`` integer), an integer and a
string column; rows inserted in random order, so the heap is not already in
key order (``--cluster`` rewrites it in key order first, as SQL Server keeps
a table whose primary key is clustered).  The command: ``leoload
bench_keyed`` (every row, every column).

Methods, each a plain ``cursor.execute(sql).fetchall()`` on one pyodbc
connection, repetitions interleaved and shuffled:

* ``raw_key``: the SQL this checkout writes for the plain load (``ORDER BY
  "Edukey", "TaxYear"``: the primary key's index serves it);
* ``stata_order``: the SQL of ``sort(Edukey TaxYear)`` - byte for byte what a
  plain load sent before this change (``"Edukey" COLLATE "C"``, a missing-last
  flag for TaxYear: a Sort of the whole table).

Before any time is shown, both must return the same rows (as a multiset) as
``SELECT * FROM bench_keyed``, and ``raw_key`` the same list in two runs.  The
server-side time alone (``EXPLAIN (ANALYZE, TIMING OFF)``'s execution time)
and the top plan node are printed too.

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_plain_order.py --rows 1000000 --reps 5
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

PLAIN = "bench_keyed"
STATA_ORDER = "bench_keyed, sort(Edukey TaxYear)"


def _collapse_bench():
    spec = importlib.util.spec_from_file_location("bench_collapse",
                                                  os.path.join(HERE, "bench_collapse.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_on_server(cursor, rows: int) -> None:
    """``rows`` rows, about 8 tax years per person, in random physical order."""
    cursor.execute("DROP TABLE IF EXISTS bench_keyed")
    cursor.execute('CREATE TABLE bench_keyed ("Edukey" varchar(14) NOT NULL, '
                   '"TaxYear" integer NOT NULL, "Earnings" integer, "Region" varchar(20), '
                   'PRIMARY KEY ("Edukey", "TaxYear"))')
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(
        "INSERT INTO bench_keyed SELECT 'E' || lpad(((g - 1) / 8)::text, 12, '0'), "
        "201011 + 101 * ((g - 1) % 8), "
        "CASE WHEN random() < 0.03 THEN NULL ELSE (1000 + random() * 60000)::int END, "
        "CASE WHEN random() < 0.02 THEN NULL ELSE 'Region ' || floor(random() * 9)::int END "
        f"FROM generate_series(1, {int(rows)}) AS g ORDER BY random()")
    cursor.execute("VACUUM ANALYZE bench_keyed")


def leostata_sql(url: str, command: str) -> str:
    """The SQL this checkout writes for ``command`` against the table at ``url``."""
    from leostata.catalog import Catalog
    from leostata.connection import engine_for
    from leostata.plan import plan_load
    from leostata.sql import to_sql
    engine = engine_for(url)
    try:
        return to_sql(plan_load(command, Catalog(engine)), engine.dialect)
    finally:
        engine.dispose()


def timed(cursor, sql: str) -> tuple[float, list]:
    t0 = time.perf_counter()
    rows = cursor.execute(sql).fetchall()
    return time.perf_counter() - t0, [tuple(r) for r in rows]


def server_side(cursor, sql: str) -> tuple[float, str]:
    """(execution seconds on the server, top plan node) from EXPLAIN ANALYZE."""
    text = cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {sql}").fetchone()[0]
    plan = json.loads(text)[0]
    node = plan["Plan"]["Node Type"]
    if plan["Plan"].get("Plans"):
        node += " <- " + plan["Plan"]["Plans"][0]["Node Type"]
    return plan["Execution Time"] / 1000, node


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_keyed table")
    ap.add_argument("--cluster", action="store_true",
                    help="CLUSTER the table on its primary key first (the heap in key order, "
                         "as SQL Server stores a table with a clustered primary key)")
    args = ap.parse_args(argv)
    import pyodbc
    url = _collapse_bench().pg_url()
    odbc = os.environ.get("LEOSTATA_TEST_PG_ODBC")
    if url is None:
        sys.exit("LEOSTATA_TEST_PG_ODBC is not set: eval \"$(bash scripts/start-postgres.sh)\"")
    conn = pyodbc.connect(odbc, autocommit=True)
    cursor = conn.cursor()
    have = cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'bench_keyed'"
                          ).fetchone()[0]
    rows = cursor.execute("SELECT count(*) FROM bench_keyed").fetchone()[0] if have else 0
    if not (args.reuse and rows == args.rows):
        generate_on_server(cursor, args.rows)
    if args.cluster:
        cursor.execute("CLUSTER bench_keyed USING bench_keyed_pkey")
        cursor.execute("ANALYZE bench_keyed")
    methods = {"raw_key": leostata_sql(url, PLAIN), "stata_order": leostata_sql(url, STATA_ORDER)}
    for name, sql in methods.items():
        print(f"-- {name}\n{sql}")
    everything = sorted(timed(cursor, "SELECT * FROM bench_keyed")[1], key=repr)
    first = {}
    for name, sql in methods.items():
        first[name] = timed(cursor, sql)[1]
        if sorted(first[name], key=repr) != everything:
            sys.exit(f"{name}: not the rows of the table")
    if timed(cursor, methods["raw_key"])[1] != first["raw_key"]:
        sys.exit("raw_key: two runs returned the rows in different orders")
    runs = [name for name in methods for _ in range(args.reps)]
    random.Random(7).shuffle(runs)
    times: dict = {name: [] for name in methods}
    server: dict = {name: [] for name in methods}
    nodes = {}
    loads = [os.getloadavg()[0]]
    for name in runs:
        times[name].append(timed(cursor, methods[name])[0])
        seconds, nodes[name] = server_side(cursor, methods[name])
        server[name].append(seconds)
        loads.append(os.getloadavg()[0])
    base = statistics.median(times["raw_key"])
    base_server = statistics.median(server["raw_key"])
    print(f"rows {args.rows:,}{', clustered on the key' if args.cluster else ', heap in random order'}, "
          f"{args.reps} runs each, 1-min load average "
          f"{min(loads):.1f}-{max(loads):.1f}")
    print("| method | top plan node | median s (fetchall) | x raw_key | median s (server) "
          "| x raw_key |")
    print("|---|---|---:|---:|---:|---:|")
    for name in methods:
        m, s = statistics.median(times[name]), statistics.median(server[name])
        print(f"| {name} | {nodes[name]} | {m:.3f} | {m / base:.2f} | {s:.3f} | "
              f"{s / base_server:.2f} |")


if __name__ == "__main__":
    main()
