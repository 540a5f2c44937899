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
import json
import statistics
import sys

from _common import interleaved, leostata_sql, pg_cursor, pg_table_rows, timed, uptime

PLAIN = "bench_keyed"
STATA_ORDER = "bench_keyed, sort(Edukey TaxYear)"


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
    cursor, url = pg_cursor()
    if not (args.reuse and pg_table_rows(cursor, "bench_keyed") == args.rows):
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

    def fetch_then_explain(sql):
        return timed(cursor, sql)[0], server_side(cursor, sql)

    print(f"before: {uptime()}")
    runs = interleaved({name: (lambda sql=sql: fetch_then_explain(sql)) for name, sql in methods.items()},
                       args.reps, seed=7)
    print(f"after: {uptime()}")
    times = {name: [r[0] for r in rs] for name, rs in runs.results.items()}
    server = {name: [r[1][0] for r in rs] for name, rs in runs.results.items()}
    nodes = {name: rs[-1][1][1] for name, rs in runs.results.items()}
    base = statistics.median(times["raw_key"])
    base_server = statistics.median(server["raw_key"])
    print(f"rows {args.rows:,}{', clustered on the key' if args.cluster else ', heap in random order'}, "
          f"{args.reps} runs each, 1-min load average {runs.load_range()}")
    print("| method | top plan node | median s (fetchall) | x raw_key | median s (server) "
          "| x raw_key |")
    print("|---|---|---:|---:|---:|---:|")
    for name in methods:
        m, s = statistics.median(times[name]), statistics.median(server[name])
        print(f"| {name} | {nodes[name]} | {m:.3f} | {m / base:.2f} | {s:.3f} | "
              f"{s / base_server:.2f} |")


if __name__ == "__main__":
    main()
