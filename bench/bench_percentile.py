"""Stata-exact percentiles against the engine's native ``percentile_disc``
(issue 16 item 2): which exact SQL form is cheapest, on PostgreSQL over
psqlODBC, through one bare pyodbc connection.

The question: ``leoload bench_earnings if TaxYear >= 201516, collapse((p50)
m=Earnings) by(TaxYear Subject Sex)`` on bench_aggregate_sql.py's generated
table.  Methods (``cursor.execute(sql).fetchall()``, interleaved, shuffled):

* ``disc``: ``percentile_disc(0.5) WITHIN GROUP (ORDER BY e)`` -- the speed
  reference only: it is not Stata's rule (no average of x_k and x_k+1 when
  n*p/100 is a whole number k);
* ``leostata``: the SQL this checkout writes (since translate/percentile.py,
  the array form below; before it, ROW_NUMBER and COUNT windows over each
  group, then the rows the rule needs averaged: bench/README.md's 2.98x);
* ``array``: one ordered ``array_agg`` per group and exact integer positions:
  with n nonmissing values, k = n*p div 100; the result is
  (x_k + x_k+1)/2 when n*p mod 100 = 0, else x_k+1.  Stata's rule with its
  1e-6 fuzz is the same, because n*p/100 is either a whole number or at
  least 0.01 from one.

``leostata`` and ``array`` must equal Stata's rule computed in Python on the
fetched rows before any time is shown.  ``--explain`` prints EXPLAIN ANALYZE
of each.

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_percentile.py --rows 2000000 --reps 5 [--explain]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

P = 50
COMMAND = (f"bench_earnings if TaxYear >= 201516, collapse((p{P}) m=Earnings) "
           "by(TaxYear Subject Sex)")
WHERE = 'WHERE "TaxYear" >= 201516'
DISC = ('SELECT "TaxYear", "Subject", "Sex", percentile_disc(0.5) WITHIN GROUP '
        f'(ORDER BY "Earnings") FROM bench_earnings {WHERE} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3')
# group keys as Stata holds them (NULL string = ""), byte order, as leostata's SQL does
ARRAY = f'''SELECT "TaxYear", s, x,
  CASE WHEN n = 0 THEN NULL
       WHEN n * {P} % 100 = 0 THEN (a[n * {P} / 100]::float8 + a[n * {P} / 100 + 1]::float8) / 2
       ELSE a[n * {P} / 100 + 1]::float8 END
FROM (SELECT "TaxYear", coalesce("Subject", '') COLLATE "C" AS s,
             coalesce("Sex", '') COLLATE "C" AS x,
             array_agg("Earnings" ORDER BY "Earnings") FILTER (WHERE "Earnings" IS NOT NULL) AS a,
             count("Earnings") AS n
      FROM bench_earnings {WHERE} OR "TaxYear" IS NULL GROUP BY 1, 2, 3) AS g
ORDER BY 1, 2, 3'''


def _sibling(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stata_percentile(values: list, p: int):
    """Stata's p-th percentile of the nonmissing ``values`` ([D] collapse,
    stata.md §4.1), with integer positions."""
    xs = sorted(v for v in values if v is not None)
    n = len(xs)
    if n == 0:
        return None
    k, rest = divmod(n * p, 100)
    return (xs[k - 1] + xs[k]) / 2 if rest == 0 else float(xs[k])


def expected_cells(cursor) -> list[tuple]:
    groups: dict = {}
    for year, subject, sex, e in cursor.execute(
            f'SELECT "TaxYear", "Subject", "Sex", "Earnings" FROM bench_earnings {WHERE}'):
        groups.setdefault((year, subject or "", sex or ""), []).append(e)
    return [(*k, stata_percentile(v, P)) for k, v in
            sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].encode(), kv[0][2].encode()))]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each form")
    args = ap.parse_args(argv)
    aggregate = _sibling("bench_aggregate_sql")
    cursor, url = aggregate.earnings_table(args.rows, args.reuse)
    from leostata.catalog import Catalog
    from leostata.connection import engine_for
    from leostata.plan import plan_load
    from leostata.sql import to_sql
    engine = engine_for(url)
    try:
        leostata_sql = to_sql(plan_load(COMMAND, Catalog(engine)), engine.dialect)
    finally:
        engine.dispose()
    methods = {"disc": DISC, "leostata": leostata_sql, "array": ARRAY}
    want = expected_cells(cursor)
    for name in ("leostata", "array"):
        got = aggregate.timed(cursor, methods[name])[1]
        if got != want:
            bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w) if got else 0
            sys.exit(f"{name}: cells differ from Stata's rule ({len(got)} vs {len(want)} cells; "
                     f"first difference at {bad})")
    if args.explain:
        for name, sql in methods.items():
            plan = cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql).fetchall()
            print(f"--- {name}\n" + "\n".join(r[0] for r in plan))
    runs = [name for name in methods for _ in range(args.reps)]
    random.Random(5).shuffle(runs)
    times: dict = {name: [] for name in methods}
    for name in runs:
        times[name].append(aggregate.timed(cursor, methods[name])[0])
    limit = statistics.median(times["disc"])
    print(f"rows {args.rows:,}, {len(want)} cells, {args.reps} runs each, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| method | median s | x percentile_disc |")
    print("|---|---:|---:|")
    for name in methods:
        m = statistics.median(times[name])
        print(f"| {name} | {m:.3f} | {m / limit:.2f} |")


if __name__ == "__main__":
    main()
