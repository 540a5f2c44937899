"""A merge + collapse question on the synthetic LEO database, pushed down in
one ``leoload`` command, against loading the needed columns and merging and
collapsing in pandas: time and peak memory side by side (issue 13, Tests).

The question (one merge, as leoload allows today): median, mean and count of
``Earnings`` by tax year and region of residence, for the earnings rows that
have a residence record for the same person and tax year::

    leo_earnings, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)
        keep(match)) collapse((p50) p50=Earnings (mean) mean=Earnings
        (count) n=Earnings) by(TaxYear GOR)

The graduate question itself (earnings by HESA subject and sex) needs three
joins (hesa_student -> PMR lookup -> AE_ID/EDUKEY lookup -> leo_earnings):
the synthetic database has no table unique per EDUKEY holding subject or
sex, so one merge cannot express it; this is the closest honest question
one merge can ask (see bench/README.md).

Methods (each run in its own subprocess, started by a small stdlib-only
launcher; peak memory is that child's ``ru_maxrss`` from ``os.wait4``, and
for the Python children also their own VmHWM; base is the RSS after imports):

* ``pushed_api``: ``leostata.connect(url)`` + ``leostata.load(command)`` in
  process, imports not timed;
* ``pushed_api_256mb`` (DuckDB only): the same with DuckDB's
  ``memory_limit=256MB`` in the URL (DuckDB runs inside the client process,
  so its working memory is the client's; with the limit it spills to disk);
* ``pushed_cli``: ``python -m leostata load --url URL --out F.dta -- command``
  (the whole process: interpreter start and imports included);
* ``pandas_read_sql``: ``pandas.read_sql`` of the needed columns of both
  tables (plain SELECTs through the same SQLAlchemy driver as leostata), then
  ``merge(validate="1:1")`` and the statistics in pandas/NumPy with Stata's
  rules (missing string key = "", groups with missing GOR kept, Stata's p50);
* ``pandas_duckdb_df`` (DuckDB only): the same, the SELECTs read with
  DuckDB's own ``.df()`` (pandas' best case).

Before any time is printed, every run's cells (TaxYear, GOR, p50, mean, n)
are checked equal to the pandas reference (p50 and n exactly; mean to 1e-12
relative, sums in another order).

The DuckDB file is built once per persons/seed and cached in ``--data``
(default ``$TMPDIR/leostata-bench``); ``--pg`` copies its two tables into a
PostgreSQL database ``leostata_bench_<persons>_<seed>`` on the server of
``scripts/start-postgres.sh`` (psql ``\\copy``) and runs the same methods
over psqlODBC.  Usage::

    PYTHONPATH=python python bench/bench_join.py --persons 100000 1000000 --reps 3 [--pg]

Prints Markdown tables; not a timed test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(HERE, "..", "python")
sys.path.insert(0, PYTHON_DIR)

COMMAND = ("leo_earnings, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR) "
           "keep(match)) collapse((p50) p50=Earnings (mean) mean=Earnings (count) n=Earnings) "
           "by(TaxYear GOR)")
EARNINGS_SQL = 'SELECT "Edukey", "TaxYear", "Earnings" FROM leo_earnings'
GEOGRAPHY_SQL = 'SELECT "Edukey", "TaxYear", "GOR" FROM leo_geography'
METHODS = ("pushed_api", "pushed_api_256mb", "pushed_cli", "pandas_read_sql", "pandas_duckdb_df")
DUCKDB_ONLY = ("pushed_api_256mb", "pandas_duckdb_df")
#: DuckDB runs in the client's process: its memory is the client's; this
#: setting bounds it (DuckDB spills to disk beyond it)
DUCKDB_MEMORY_LIMIT = "256MB"
#: the pandas methods, in order of preference as the reference of cells and ratios
REFERENCES = ("pandas_read_sql", "pandas_duckdb_df")
MEAN_RELATIVE_TOLERANCE = 1e-12


# --- the databases -------------------------------------------------------------------------


def duckdb_path(data: str, persons: int, seed: int) -> str:
    """The cached synthetic DuckDB file for ``persons``/``seed``, built if absent."""
    from leostata import synth
    os.makedirs(data, exist_ok=True)
    path = os.path.join(data, f"synth-{persons}-seed{seed}-g{synth.GENERATOR_VERSION}.duckdb")
    if os.path.exists(path):
        return path
    import sqlalchemy as sa
    building = path + ".building"
    for leftover in (building, building + ".wal"):
        if os.path.exists(leftover):
            os.remove(leftover)
    print(f"building the synthetic database: {persons:,} persons, seed {seed} -> {path}",
          file=sys.stderr, flush=True)
    start = time.perf_counter()
    engine = sa.create_engine("duckdb:///" + building)
    synth.build(engine, persons=persons, seed=seed)
    engine.dispose()
    os.replace(building, path)
    print(f"  built in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return path


def pg_odbc(database: str) -> str:
    """psqlODBC connection string for ``database`` on the test server, reading
    results in 50,000-row declare/fetch blocks (as bench_load does)."""
    odbc = os.environ.get("LEOSTATA_TEST_PG_ODBC")
    if not odbc:
        sys.exit("LEOSTATA_TEST_PG_ODBC is not set: eval \"$(bash scripts/start-postgres.sh)\"")
    parts = [p for p in odbc.split(";") if p and not p.lower().startswith(
        ("usedeclarefetch", "fetch=", "database="))]
    return ";".join(parts + [f"DATABASE={database}", "UseDeclareFetch=1", "Fetch=50000"])


def pg_url(database: str) -> str:
    return "postgresql+pyodbc:///?odbc_connect=" + urllib.parse.quote_plus(pg_odbc(database))


def psql(database: str, sql: str) -> str:
    """Run one psql command on the test server; returns its output."""
    fields = dict(p.split("=", 1) for p in pg_odbc(database).split(";") if "=" in p)
    out = subprocess.run(["psql", "-h", fields["SERVER"], "-p", fields["PORT"], "-U", fields["UID"],
                          "-d", database, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pg_database(duckdb_file: str, persons: int, seed: int) -> str:
    """Copy leo_earnings and leo_geography (all columns, the synthetic types)
    into the PostgreSQL database ``leostata_bench_<persons>_<seed>``; reused
    when its row counts match the DuckDB file.  Returns the database name."""
    import duckdb
    import sqlalchemy as sa
    from leostata import synth
    from leostata.connection import engine_for
    name = f"leostata_bench_{persons}_{seed}"
    source = duckdb.connect(duckdb_file, read_only=True)
    want = {t: source.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("leo_earnings", "leo_geography")}
    if psql("postgres", f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") == "1":
        try:
            have = {t: int(psql(name, f"SELECT count(*) FROM {t}")) for t in want}
        except subprocess.CalledProcessError:
            have = {}
        if have == want:
            return name
        psql("postgres", f"DROP DATABASE {name}")
    print(f"copying leo_earnings, leo_geography into PostgreSQL database {name}",
          file=sys.stderr, flush=True)
    psql("postgres", f"CREATE DATABASE {name}")
    writer = engine_for(pg_url(name), readonly=False)
    md = sa.MetaData()
    for table in want:
        synth.TABLES[table].table.to_metadata(md)
    md.create_all(writer)
    writer.dispose()
    with tempfile.TemporaryDirectory() as folder:
        for table in want:
            csv = os.path.join(folder, f"{table}.csv")
            source.execute(f"COPY {table} TO '{csv}' (HEADER, DELIMITER ',')")
            psql(name, f"\\copy {table} FROM '{csv}' WITH (FORMAT csv, HEADER true)")
            psql(name, f"ANALYZE {table}")
    source.close()
    return name


# --- the methods (each in a child process) ---------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def hwm_mb() -> float:
    """This process's RSS high-water mark (VmHWM), MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cells_of(tax_year, gor, p50, mean, n) -> list:
    """The result as [TaxYear, GOR, p50, mean, n] rows, missing as None."""
    def num(x):
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
    return [[num(t), "" if g is None else str(g), num(p), num(m), int(c)]
            for t, g, p, m, c in zip(tax_year, gor, p50, mean, n)]


def run_pushed_api(url: str) -> list:
    import warnings

    import leostata
    warnings.simplefilter("ignore")  # the synthetic-data warning
    leostata.connect(url)
    df = leostata.load(COMMAND)
    df = df.astype(object).where(df.notna(), None)
    return cells_of(df["TaxYear"], df["GOR"], df["p50"], df["mean"], df["n"])


def stata_percentile(codes, values, groups: int, p: int):
    """Stata's p-th percentile of ``values`` within each group code
    0..groups-1 (collapse's rule on the n nonmissing sorted values: with
    n*p/100 an integer k, (x_k + x_{k+1})/2, else x_ceil(n*p/100); integer
    arithmetic on n*p, so Stata's 1e-6 tolerance never comes into play);
    NaN for a group with no nonmissing value."""
    import numpy as np
    ok = ~np.isnan(values)
    codes, values = codes[ok], values[ok]
    order = np.lexsort((values, codes))
    codes, values = codes[order], values[order]
    n = np.bincount(codes, minlength=groups)
    start = np.cumsum(n) - n
    k = (n * p) // 100                  # x_k, 1-based, is values[start + k - 1]
    exact = (n * p) % 100 == 0
    result = np.full(groups, np.nan)
    has = n > 0
    upper = values[np.minimum(start + k, len(values) - 1)]   # x_{k+1}
    lower = values[np.maximum(start + k - 1, 0)]             # x_k
    result[has] = np.where(exact, (lower + upper) / 2, upper)[has]
    return result


def pandas_cells(earnings, geography) -> list:
    """Stata's ``merge 1:1 Edukey TaxYear, keep(match)`` and ``collapse (p50)
    (mean) (count) Earnings, by(TaxYear GOR)`` on two DataFrames."""
    import numpy as np
    for df in (earnings, geography):   # Stata's missing string is "": NULL and "" match
        df["Edukey"] = df["Edukey"].astype(object).where(df["Edukey"].notna(), "")
    geography["GOR"] = geography["GOR"].astype(object).where(geography["GOR"].notna(), "")
    merged = earnings.merge(geography, on=["Edukey", "TaxYear"], how="inner", validate="1:1")
    values = merged["Earnings"].astype("float64").to_numpy()
    keys = merged[["TaxYear", "GOR"]].astype({"TaxYear": "float64"})
    codes, uniques = keys.set_index(["TaxYear", "GOR"]).index.factorize()
    codes = codes.astype(np.int64)
    groups = len(uniques)
    ok = ~np.isnan(values)
    n = np.bincount(codes[ok], minlength=groups)
    total = np.bincount(codes[ok], weights=values[ok], minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    p50 = stata_percentile(codes, values, groups, 50)
    cells = cells_of([t for t, _ in uniques], [g for _, g in uniques], p50, mean, n)
    # Stata's order: TaxYear ascending, missing last; GOR by bytes
    return sorted(cells, key=lambda c: (c[0] is None, c[0] or 0, c[1].encode()))


def run_pandas_read_sql(url: str) -> list:
    import pandas as pd
    from leostata.connection import engine_for
    engine = engine_for(url)
    with engine.connect() as conn:
        earnings = pd.read_sql(EARNINGS_SQL, conn)
        geography = pd.read_sql(GEOGRAPHY_SQL, conn)
    engine.dispose()
    return pandas_cells(earnings, geography)


def run_pandas_duckdb_df(url: str) -> list:
    import duckdb
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    earnings = con.execute(EARNINGS_SQL).df()
    geography = con.execute(GEOGRAPHY_SQL).df()
    con.close()
    return pandas_cells(earnings, geography)


def child(method: str, url: str, out: str) -> None:
    # imports are not timed: load what every method needs first
    import numpy, pandas, sqlalchemy  # noqa: F401
    import leostata, leostata.api, leostata.commands, leostata.session  # noqa: F401
    import leostata.writers.frame, leostata.connection  # noqa: F401
    if url.startswith("duckdb"):
        import duckdb, duckdb_engine  # noqa: F401
    else:
        import pyodbc  # noqa: F401
    base = rss_mb()
    start = time.perf_counter()
    if method == "pushed_api_256mb":
        url += f"?memory_limit={DUCKDB_MEMORY_LIMIT}"
    run = {"pushed_api": run_pushed_api, "pushed_api_256mb": run_pushed_api,
           "pandas_read_sql": run_pandas_read_sql, "pandas_duckdb_df": run_pandas_duckdb_df}[method]
    cells = run(url)
    seconds = time.perf_counter() - start
    with open(out, "w") as fh:
        json.dump({"seconds": seconds, "base_mb": base, "hwm_mb": hwm_mb(), "cells": cells}, fh)


def dta_cells(path: str) -> list:
    """The cells of the .dta file ``leostata load --out`` wrote."""
    import pandas as pd
    df = pd.read_stata(path, convert_missing=False)
    df = df.astype(object).where(df.notna(), None)
    return cells_of(df["TaxYear"], df["GOR"], df["p50"], df["mean"], df["n"])


def launch(argv: list, env: dict) -> None:
    """Run ``argv`` and print its wall seconds and peak RSS (``ru_maxrss``,
    MB) as JSON; the stderr of a failed run goes to ours.  Runs in a small
    launcher process (stdlib only): Linux carries the parent's RSS at fork
    into a child's ``ru_maxrss``, so the big benchmark parent must not be
    the one that forks the measured process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    print(json.dumps({"exit": os.waitstatus_to_exitcode(status), "wall": time.perf_counter() - start,
                      "peak_mb": usage.ru_maxrss / 1024}))


def measure(method: str, url: str) -> dict:
    """One run of ``method`` in a fresh process: seconds, peak and base RSS, cells."""
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.setdefault("LEOSTATA_HOME", tempfile.mkdtemp(prefix="leobench-home-"))
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.dta" if method == "pushed_cli" else "out.json")
        if method == "pushed_cli":
            argv = [sys.executable, "-m", "leostata", "load", "--url", url, "--out", out, "--", COMMAND]
        else:
            argv = [sys.executable, __file__, "--child", method, "--url", url, "--out", out]
        launcher = subprocess.run([sys.executable, "-S", "-I", __file__, "--launch", json.dumps(argv)],
                                  env=env, capture_output=True, text=True, check=True)
        run = json.loads(launcher.stdout.strip().splitlines()[-1])
        if run["exit"] != 0:
            raise RuntimeError(f"{method} failed:\n{launcher.stderr}")
        if method == "pushed_cli":
            result = {"seconds": run["wall"], "base_mb": None, "hwm_mb": None, "cells": dta_cells(out)}
        else:
            with open(out) as fh:
                result = json.load(fh)
    result["peak_mb"] = run["peak_mb"]
    return result


def same_cells(got: list, want: list) -> str:
    """'' when the cells agree (keys, order, n and p50 exactly, mean to
    MEAN_RELATIVE_TOLERANCE), else the first difference."""
    if len(got) != len(want):
        return f"{len(got)} cells, want {len(want)}"
    for g, w in zip(got, want):
        if g[:2] != w[:2] or g[2] != w[2] or g[4] != w[4]:
            return f"cell {g} != {w}"
        if (g[3] is None) != (w[3] is None) or (
                g[3] is not None and not math.isclose(g[3], w[3], rel_tol=MEAN_RELATIVE_TOLERANCE)):
            return f"mean in {g} != {w}"
    return ""


def median(xs: list) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def bench(label: str, url: str, methods: list, reps: int, rows: dict) -> None:
    """Run ``methods`` ``reps`` times each, interleaved in a shuffled order,
    check every run's cells against the pandas reference, print a table."""
    reference_method = next((m for m in REFERENCES if m in methods), None)
    if reference_method is None:  # never check leostata against itself
        raise SystemExit(f"{label}: --methods needs a pandas method ({', '.join(REFERENCES)})")
    runs = [m for m in methods for _ in range(reps)]
    random.Random(label).shuffle(runs)
    results: dict[str, list] = {m: [] for m in methods}
    loads = []
    for m in runs:
        results[m].append(measure(m, url))
        loads.append(os.getloadavg()[0])
    reference = results[reference_method][0]["cells"]
    for m, rs in results.items():
        for r in rs:
            diff = same_cells(r["cells"], reference)
            if diff:
                raise SystemExit(f"{label}: {m} disagrees with {reference_method}: {diff}")
    print(f"\n{label}: {len(reference)} cells, all {len(runs)} runs agree with {reference_method}; "
          f"rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())}; "
          f"1-min load average during the runs {min(loads):.2f}-{max(loads):.2f}")
    ref_s = median([r["seconds"] for r in results[reference_method]])
    ref_mb = median([r["peak_mb"] for r in results[reference_method]])
    print(f"| method | runs | seconds (each run) | median s | × {reference_method} time "
          f"| peak RSS MB (median) | VmHWM in child MB | peak − base MB | × {reference_method} peak |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for m in methods:
        rs = results[m]
        secs = [r["seconds"] for r in rs]
        peak = median([r["peak_mb"] for r in rs])
        bases = [r["base_mb"] for r in rs if r["base_mb"] is not None]
        growth = f"{peak - median(bases):.0f}" if bases else "–"
        hwms = [r["hwm_mb"] for r in rs if r.get("hwm_mb") is not None]
        hwm = f"{median(hwms):.0f}" if hwms else "–"
        print(f"| {m} | {len(rs)} | {', '.join(f'{s:.2f}' for s in secs)} | {median(secs):.2f} | "
              f"{median(secs) / ref_s:.2f} | {peak:.0f} | {hwm} | {growth} | {peak / ref_mb:.2f} |",
              flush=True)


def table_rows(duckdb_file: str) -> dict:
    import duckdb
    con = duckdb.connect(duckdb_file, read_only=True)
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("leo_earnings", "leo_geography")}
    con.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "leostata-bench"),
                    help="folder of the cached synthetic databases")
    ap.add_argument("--pg", action="store_true", help="also on PostgreSQL (scripts/start-postgres.sh)")
    ap.add_argument("--no-duckdb", action="store_true", help="PostgreSQL only (with --pg)")
    ap.add_argument("--child")
    ap.add_argument("--launch")
    ap.add_argument("--url")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.url, args.out)
        return
    if args.launch:
        launch(json.loads(args.launch), dict(os.environ))
        return
    print(f"leoload {COMMAND}")
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}")
    for persons in args.persons:
        path = duckdb_path(args.data, persons, args.seed)
        rows = table_rows(path)
        if not args.no_duckdb:
            bench(f"DuckDB, {persons:,} persons", "duckdb:///" + path, args.methods, args.reps, rows)
        if args.pg:
            database = pg_database(path, persons, args.seed)
            methods = [m for m in args.methods if m not in DUCKDB_ONLY]
            bench(f"PostgreSQL over psqlODBC, {persons:,} persons", pg_url(database), methods,
                  args.reps, rows)


if __name__ == "__main__":
    main()
