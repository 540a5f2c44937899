"""Stata-exact percentiles against the engine's native ``percentile_disc``
(issue 16 item 2), on DuckDB (its own Python module) or PostgreSQL over
psqlODBC (bare pyodbc).

The question: ``leoload bench_earnings if TaxYear >= 201516, collapse((p50)
p50=Earnings (p25) p25=Earnings (p75) p75=Earnings) by(TaxYear Subject Sex)``
(``--percentiles`` chooses which) on bench_aggregate_sql.py's generated
table.  Methods, ``execute(sql).fetchall()`` on one bare connection,
repetitions interleaved and shuffled in one run (``_common.interleaved``):

* ``disc``: ``percentile_disc(p/100) WITHIN GROUP (ORDER BY e)`` for each
  percentile -- the speed reference only: it is not Stata's rule (no average
  of x_k and x_k+1 when n*p/100 is a whole number k);
* ``leostata_sql``: the SQL this checkout writes for the command (since
  translate/percentile.py, on both engines one ordered ``array_agg`` per
  group read at exact integer positions; bench/README.md has the window form
  it replaced);
* ``disc_exact``: a candidate exact form from the native aggregate, one call
  per group: ``percentile_disc`` (DuckDB: ``quantile_disc``) at the two
  fractions p/100 - 1e-12 and p/100 + 1e-12 of each percentile, read as
  Stata's rule: with n nonmissing values, (lo + hi)/2 when n*p mod 100 = 0,
  else hi.  Both engines return the value at 1-based position ceil(f*n)
  (the first value whose position reaches the fraction f).  n*p/100 is a
  whole number k or at least 0.01 from one, and the nudge moves f*n by
  n*1e-12, far above the float error (about n*2e-16) and below 0.01 while n
  < 10^10: so lo = x_k and hi = x_k+1 in the first case, hi = x_ceil(n*p/100)
  in the other.  Group keys as leostata writes them (Stata's "" and byte
  order).

Target (issue 16): ``leostata_sql`` <= 1.3x ``disc``.  ``leostata_sql`` and
``disc_exact`` must equal Stata's rule computed in Python on the fetched rows before any time is
shown.  ``--explain`` prints EXPLAIN ANALYZE of each.

Usage (the repository's venv)::

    python bench/bench_percentile.py --engine duckdb --rows 1000000 --reps 9 [--explain]
    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_percentile.py --rows 1000000 --reps 9 [--percentiles 50]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from _common import HERE, interleaved, leostata_sql, ratio_table, timed, uptime

WHERE = 'WHERE "TaxYear" >= 201516'


def _sibling(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def command(percentiles: list[int]) -> str:
    """The leoload command asking for the ``percentiles`` of Earnings."""
    stats = " ".join(f"(p{p}) p{p}=Earnings" for p in percentiles)
    return f"bench_earnings if TaxYear >= 201516, collapse({stats}) by(TaxYear Subject Sex)"


def disc_sql(percentiles: list[int]) -> str:
    """The native ``percentile_disc`` statement for the same groups."""
    calls = ", ".join(f'percentile_disc({p / 100}) WITHIN GROUP (ORDER BY "Earnings")'
                      for p in percentiles)
    return (f'SELECT "TaxYear", "Subject", "Sex", {calls} FROM bench_earnings {WHERE} '
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


NUDGE = 1e-12


def disc_exact_sql(engine: str, percentiles: list[int]) -> str:
    """The ``disc_exact`` statement (module docstring) for ``engine``."""
    fractions = ", ".join(f"{p / 100 - NUDGE!r}, {p / 100 + NUDGE!r}" for p in percentiles)
    if engine == "duckdb":
        native = f'quantile_disc("Earnings", [{fractions}])'
    else:
        native = f'percentile_disc(ARRAY[{fractions}]::float8[]) WITHIN GROUP (ORDER BY "Earnings")'
    cells = ", ".join(
        f"CASE WHEN n = 0 THEN NULL WHEN n * {p} % 100 = 0 "
        f"THEN (CAST(q[{2 * i + 1}] AS DOUBLE PRECISION) + CAST(q[{2 * i + 2}] AS DOUBLE PRECISION)) / 2 "
        f"ELSE CAST(q[{2 * i + 2}] AS DOUBLE PRECISION) END"
        for i, p in enumerate(percentiles))
    return (f"SELECT k0, k1, k2, {cells} FROM (SELECT \"TaxYear\" AS k0, "
            "coalesce(\"Subject\", '') COLLATE \"C\" AS k1, coalesce(\"Sex\", '') COLLATE \"C\" AS k2, "
            f'count("Earnings") AS n, {native} AS q FROM bench_earnings {WHERE} GROUP BY 1, 2, 3) AS g '
            "ORDER BY 1, 2, 3")


def stata_percentile(values: list, p: int):
    """Stata's p-th percentile of the nonmissing ``values`` ([D] collapse,
    stata.md §4.1): with n*p/100 a whole number k, (x_k + x_k+1)/2, else
    x_ceil(n*p/100); integer arithmetic, so no fuzz is needed."""
    xs = sorted(v for v in values if v is not None)
    n = len(xs)
    if n == 0:
        return None
    k, rest = divmod(n * p, 100)
    return (xs[k - 1] + xs[k]) / 2 if rest == 0 else float(xs[k])


def expected_cells(cursor, percentiles: list[int]) -> list[tuple]:
    """(TaxYear, Subject, Sex, each percentile) by Stata's rules, in Stata's order."""
    groups: dict = {}
    for year, subject, sex, e in cursor.execute(
            f'SELECT "TaxYear", "Subject", "Sex", "Earnings" FROM bench_earnings {WHERE}').fetchall():
        groups.setdefault((year, subject or "", sex or ""), []).append(e)
    return [(*k, *(stata_percentile(v, p) for p in percentiles)) for k, v in
            sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].encode(), kv[0][2].encode()))]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", choices=("postgresql", "duckdb"), default="duckdb")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--percentiles", type=int, nargs="+", default=[50, 25, 75])
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each form")
    args = ap.parse_args(argv)
    aggregate = _sibling("bench_aggregate_sql")
    make = aggregate.earnings_duckdb if args.engine == "duckdb" else aggregate.earnings_table
    cursor, url = make(args.rows, args.reuse)
    statements = {"disc": disc_sql(args.percentiles),
                  "leostata_sql": leostata_sql(url, command(args.percentiles)),
                  "disc_exact": disc_exact_sql(args.engine, args.percentiles)}
    want = expected_cells(cursor, args.percentiles)
    for name in ("leostata_sql", "disc_exact"):
        got = timed(cursor, statements[name])[1]
        if got != want:
            bad = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w),
                       min(len(got), len(want)))
            sys.exit(f"{name}: cells differ from Stata's rule ({len(got)} vs {len(want)} cells; "
                     f"first difference at {bad})")
    if args.explain:
        for name, sql in statements.items():
            print(f"--- {name}\n{aggregate.explain(cursor, args.engine, sql)}")
    methods = {name: (lambda sql=sql: cursor.execute(sql).fetchall())
               for name, sql in statements.items()}
    print(f"before: {uptime()}")
    runs = interleaved(methods, args.reps, seed=5)
    print(f"after: {uptime()}")
    print(f"{args.engine}, rows {args.rows:,}, percentiles {args.percentiles}, {len(want)} cells, "
          f"{args.reps} interleaved runs each, 1-min load average {runs.load_range()} during the runs")
    print(ratio_table(runs, "disc"))


if __name__ == "__main__":
    main()
