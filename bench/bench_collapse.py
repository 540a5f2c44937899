"""Server-side collapse (median, p25, p75, count by group; Stata's percentile
rule in SQL) against fetching the rows and computing in pandas.

The table is earnings-shaped (one row per person and tax year: TaxYear,
Subject, Sex, Earnings with 3% missing, log-normal pounds with ties) and is
generated here with numpy (seeded), not by ``leostata.synth``.  Both sides
answer ``leoload bench_earnings if TaxYear >= 201516,
collapse((p50) med=Earnings (p25) lq=Earnings (p75) uq=Earnings
(count) n=Earnings) by(TaxYear Subject)``:

* server: ``collapse_select`` compiled for the engine, executed, cells fetched;
* fetch: ``SELECT TaxYear, Subject, Earnings ... WHERE TaxYear >= 201516``
  through the same SQLAlchemy engine into pandas (``pandas.read_sql``), then
  ``groupby().quantile([.25, .5, .75])`` and ``count()`` (pandas'
  interpolating quantile, not Stata's rule: a timing baseline only).

The server result is checked against Stata's rule computed with numpy on the
fetched rows (outside the timings).  Timings are the best of ``--reps`` runs.

Usage:

    python bench/bench_collapse.py --duckdb-rows 2000000 [--pg-rows 200000] [--reps 3]

PostgreSQL (over unixODBC + psqlODBC) runs when LEOSTATA_TEST_PG_ODBC is set
(``eval "$(bash scripts/start-postgres.sh)"``); ``--pg-rows 0`` skips it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import sqlalchemy as sa  # noqa: E402

from leostata.catalog import Catalog  # noqa: E402
from leostata.plan.collapse import build_spec  # noqa: E402
from leostata.connection import engine_for  # noqa: E402
from leostata.expr.command import parse_clist  # noqa: E402
from leostata.translate.aggregate import collapse_select  # noqa: E402

from _common import pg_url  # noqa: E402

TABLE = "bench_earnings"
CLIST = "(p50) med=Earnings (p25) lq=Earnings (p75) uq=Earnings (count) n=Earnings"
BY = ["TaxYear", "Subject"]
YEARS = [201314, 201415, 201516, 201617, 201718, 201819, 201920, 202021]
SUBJECTS = [f"S{k:02d}" for k in range(30)]


def make_frame(rows: int, seed: int = 20240601) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    subject = rng.integers(0, len(SUBJECTS), rows)
    earnings = np.round(np.exp(rng.normal(10.0 + subject * 0.01, 0.7, rows)))
    earnings = np.where(rng.random(rows) < 0.03, np.nan, earnings)
    return pd.DataFrame({
        "EDUKEY": np.arange(rows, dtype=np.int64),
        "TaxYear": np.array(YEARS, dtype=np.int32)[rng.integers(0, len(YEARS), rows)],
        "Subject": np.array(SUBJECTS, dtype=object)[subject],
        "Sex": np.where(rng.random(rows) < 0.5, "F", "M"),
        "Earnings": pd.array(earnings, dtype="Int32"),
    })


# --- loading the table into each engine ------------------------------------------------------


def load_duckdb(frame: pd.DataFrame, folder: str) -> str:
    import duckdb
    path = os.path.join(folder, "bench.duckdb")
    con = duckdb.connect(path)
    con.register("frame", frame)
    con.execute(f"CREATE TABLE {TABLE} AS SELECT EDUKEY::BIGINT AS EDUKEY, "
                "TaxYear::INTEGER AS TaxYear, Subject::VARCHAR AS Subject, "
                "Sex::VARCHAR AS Sex, Earnings::INTEGER AS Earnings FROM frame")
    con.close()
    return f"duckdb:///{path}"


def load_postgres(frame: pd.DataFrame) -> str:
    url = pg_url()
    eng = engine_for(url, readonly=False)
    with eng.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        conn.execute(sa.text(f'CREATE TABLE {TABLE} ("EDUKEY" bigint, "TaxYear" integer, '
                             '"Subject" varchar(3), "Sex" varchar(1), "Earnings" integer)'))
        chunk = 5000
        for start in range(0, len(frame), chunk):  # generated numbers and codes only
            part = frame.iloc[start:start + chunk]
            values = ",".join(
                f"({k},{y},'{s}','{x}',{'NULL' if pd.isna(e) else int(e)})"
                for k, y, s, x, e in part.itertuples(index=False))
            conn.execute(sa.text(f"INSERT INTO {TABLE} VALUES {values}"))
        conn.execute(sa.text(f"ANALYZE {TABLE}"))
    eng.dispose()
    return url


# --- the two methods ---------------------------------------------------------------------------


def server_side(engine, dialect: str, setup: str | None = None):
    info = Catalog(engine).table(TABLE)
    cols = {c.name: c for c in info.columns}
    spec = build_spec(parse_clist(CLIST), [cols[b] for b in BY], table=info)
    table = sa.table(TABLE, *(sa.column(c.name) for c in info.columns))
    source = sa.select(table).where(table.c.TaxYear >= 201516)
    stmt = collapse_select(source, spec, dialect)
    with engine.connect() as conn:
        if setup:
            conn.exec_driver_sql(setup)
        t0 = time.perf_counter()
        rows = conn.execute(stmt).fetchall()
    return time.perf_counter() - t0, rows


def fetch_side(engine):
    sql = sa.text(f'SELECT "TaxYear", "Subject", "Earnings" FROM {TABLE} WHERE "TaxYear" >= 201516')
    t0 = time.perf_counter()
    with engine.connect() as conn:
        frame = pd.read_sql(sql, conn)
    t1 = time.perf_counter()
    grouped = frame.groupby(BY, sort=True)["Earnings"]
    q = grouped.quantile([0.25, 0.5, 0.75]).unstack()
    n = grouped.count()
    t2 = time.perf_counter()
    return t2 - t0, t1 - t0, frame, q.join(n)


def stata_rule_check(frame: pd.DataFrame, rows) -> int:
    """Stata's percentile rule on the fetched rows with numpy; returns the
    number of groups compared (raises on any difference)."""
    expected = {}
    for (year, subject), part in frame.dropna(subset=["Earnings"]).groupby(BY):
        x = np.sort(part["Earnings"].to_numpy(dtype=float))
        n = len(x)
        out = []
        for p in (50, 25, 75):
            g = n * p / 100
            i = int(np.floor(g + 1e-6)) + 1  # first i with i - g > 1e-6
            out.append(x[i - 1] if (i == 1 or g - (i - 1) > 1e-6) else (x[i - 2] + x[i - 1]) / 2)
        expected[(int(year), subject)] = (*out, n)
    got = {(int(r[0]), r[1]): (float(r[2]), float(r[3]), float(r[4]), int(r[5])) for r in rows}
    assert got == expected, "server result differs from Stata's rule on the fetched rows"
    return len(got)


def run(name: str, url: str, dialect: str, rows: int, reps: int,
        setup: str | None = None) -> dict:
    engine = engine_for(url)
    server = [server_side(engine, dialect, setup) for _ in range(reps)]
    fetch = [fetch_side(engine) for _ in range(reps)]
    groups = stata_rule_check(fetch[0][2], server[0][1])
    engine.dispose()
    best_server = min(t for t, _ in server)
    best_fetch = min(f[0] for f in fetch)
    best_fetch_io = min(f[1] for f in fetch)
    return dict(engine=name, rows=rows, fetched=len(fetch[0][2]), groups=groups,
                server=best_server, fetch=best_fetch, fetch_io=best_fetch_io,
                ratio=best_fetch / best_server)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duckdb-rows", type=int, default=2_000_000)
    ap.add_argument("--pg-rows", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pg-work-mem", default="64MB",
                    help="also time PostgreSQL with this work_mem (the default 4MB sorts "
                         "on disk); '' to skip")
    args = ap.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        if args.duckdb_rows:
            url = load_duckdb(make_frame(args.duckdb_rows), folder)
            results.append(run("DuckDB", url, "duckdb", args.duckdb_rows, args.reps))
    if args.pg_rows and pg_url():
        url = load_postgres(make_frame(args.pg_rows))
        results.append(run("PostgreSQL (psqlODBC)", url, "postgresql", args.pg_rows, args.reps))
        if args.pg_work_mem:
            results.append(run(f"PostgreSQL (psqlODBC), work_mem={args.pg_work_mem}", url,
                               "postgresql", args.pg_rows, args.reps,
                               setup=f"SET work_mem = '{args.pg_work_mem}'"))
        eng = engine_for(pg_url(), readonly=False)
        with eng.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        eng.dispose()
    elif args.pg_rows:
        print("(PostgreSQL skipped: LEOSTATA_TEST_PG_ODBC not set)")
    print(f"collapse {CLIST} by({' '.join(BY)}) if TaxYear >= 201516; best of {args.reps}")
    print("| engine | table rows | rows fetched by the pandas way | groups | server-side collapse | "
          "fetch + pandas (of which fetch) | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['engine']} | {r['rows']:,} | {r['fetched']:,} | {r['groups']} | "
              f"{r['server']:.3f} s | {r['fetch']:.3f} s ({r['fetch_io']:.3f} s) | "
              f"{r['ratio']:.0f}x |")


if __name__ == "__main__":
    main()
