"""Rows/s and peak memory of leostata's whole load path (SELECT -> stream ->
.dta Writer) against a plain pyodbc ``fetchmany`` loop and against
``pandas.read_sql`` + ``DataFrame.to_stata``, over PostgreSQL + psqlODBC.
The ``leostata_arrow_*`` methods take the arrow-odbc columnar path
(``fetch.arrow_odbc``), the plain ``leostata_*`` ones the pyodbc path (forced);
``arrow_odbc_raw`` is arrow-odbc's fetch alone (perf.md's anchor).

Each method runs in its own subprocess; peak memory is that child's
``ru_maxrss`` (from ``os.wait4``), baseline its RSS after imports.  The table
(10 columns shaped like LEO earnings, as in shared/research/perf.md) is built
on the server with ``generate_series``.

Usage (PostgreSQL from scripts/start-postgres.sh):

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_load.py --rows 1000000 5000000 [--reps 1]

Prints a Markdown table; not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from _common import NO_SERVER, interleaved, pg_odbc, pg_url

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

METHODS = ("leostata_arrow_dta", "leostata_arrow_fetch_only", "arrow_odbc_raw", "leostata_dta",
           "leostata_fetch_only", "pyodbc_fetchmany", "pandas_read_sql_to_stata")


def odbc_string() -> str:
    """The test server's block-fetching psqlODBC string (``_common.pg_odbc``)."""
    return pg_odbc() or sys.exit(NO_SERVER)


def url() -> str:
    return pg_url() or sys.exit(NO_SERVER)


def table_name(rows: int) -> str:
    return f"bench_earnings_{rows}"


def build(rows: int) -> None:
    import sqlalchemy as sa
    from leostata.connection import engine_for
    eng = engine_for(url(), readonly=False)
    name = table_name(rows)
    with eng.begin() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass(:n)"), {"n": name}).scalar()
        if exists and conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar() == rows:
            return
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
        conn.execute(sa.text("SELECT setseed(0.42)"))
        conn.execute(sa.text(f"""
            CREATE TABLE {name} AS
            SELECT (g / 6)::bigint AS person_id,
                   (2005 + g % 17)::smallint AS tax_year,
                   ('E' || lpad(((g / 40) % 1000000)::text, 10, '0'))::varchar(12) AS employer_ref,
                   chr(65 + ((g * 7) % 21))::char(1) AS sic_section,
                   ('E1200000' || (g % 10)::text)::varchar(9) AS region_code,
                   CASE WHEN g % 20 = 0 THEN NULL
                        ELSE round(exp(9.9 + random() - 0.5)::numeric, 2) END::numeric(12,2) AS earnings,
                   (g % 366)::smallint AS days_employed,
                   DATE '2005-04-06' + (g % 17) * 365 AS start_date,
                   DATE '2005-04-06' + (g % 17) * 365 + 364 AS end_date,
                   CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END::char(1) AS sex
            FROM generate_series(1, {rows}) AS g"""))
        conn.execute(sa.text(f"ANALYZE {name}"))
    eng.dispose()


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- the methods (run in a child) -----------------------------------------------------


def run_leostata(rows: int, out: str, write: bool, arrow: bool = False) -> int:
    """leostata's load; ``arrow``: the arrow-odbc columnar path (leostata
    picks it when arrow-odbc is installed), else the pyodbc path, forced."""
    import sqlalchemy as sa
    from leostata.catalog import Catalog
    from leostata.connection import engine_for
    from leostata.writers.dta import DtaWriter
    from leostata.stata_types import OutputColumn
    from leostata.fetch import arrow_odbc
    from leostata.stream import stream
    from leostata.translate.casts import server_casts
    from leostata.writers.memory import MemoryWriter
    if not arrow:
        arrow_odbc.available = lambda: False

    class Discard(MemoryWriter):  # fetch + convert only
        def write(self, batch):
            self.nobs += len(next(iter(batch.values())))

        def commit(self):
            return self.nobs

    eng = engine_for(url())
    info = Catalog(eng).table(table_name(rows))
    outs = [OutputColumn(c.name, c.name, c.sql_type) for c in info.columns]
    table = sa.table(info.name, *[sa.column(c.name) for c in info.columns])
    writer = DtaWriter(out) if write else Discard()
    # the statement as sql.executed_statement builds it: with the server-side casts
    res = stream(server_casts(sa.select(table), outs, eng.dialect.name), eng, outs, writer)
    if res.path != ("arrow-odbc" if arrow else "dbapi"):
        raise SystemExit(f"unexpected fetch path {res.path}")
    return res.nobs


def run_arrow_raw(rows: int, out: str) -> int:
    """arrow-odbc alone (perf.md's anchor): record batches, nothing else."""
    from arrow_odbc import read_arrow_batches_from_odbc
    n = 0
    for batch in read_arrow_batches_from_odbc(query=f"SELECT * FROM {table_name(rows)}",
                                              connection_string=odbc_string(),
                                              batch_size=50_000, max_text_size=8000):
        n += batch.num_rows
    return n


def run_pyodbc(rows: int, out: str) -> int:
    import pyodbc
    conn = pyodbc.connect(odbc_string())
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {table_name(rows)}")
    n = 0
    while True:
        batch = cur.fetchmany(50_000)
        if not batch:
            break
        n += len(batch)
    conn.close()
    return n


def run_pandas(rows: int, out: str) -> int:
    import pandas as pd
    from leostata.connection import engine_for
    eng = engine_for(url())
    df = pd.read_sql(f"SELECT * FROM {table_name(rows)}", eng)
    # what a pandas user must do before to_stata: Decimal -> float, dates ->
    # datetime64, pandas 3 str columns -> object
    df["earnings"] = df["earnings"].astype("float64")
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    for c in ("employer_ref", "sic_section", "region_code", "sex"):
        df[c] = df[c].astype(object)
    df.to_stata(out, version=118, write_index=False,
                convert_dates={"start_date": "td", "end_date": "td"})
    return len(df)


def child(method: str, rows: int) -> None:
    # imports are not timed (as in perf.md): load what every method needs first
    import numpy, pandas, pyodbc, sqlalchemy  # noqa: F401
    import leostata.catalog, leostata.connection, leostata.writers.dta, leostata.stream  # noqa: F401
    if method.startswith(("leostata_arrow", "arrow")):
        import arrow_odbc, pyarrow  # noqa: F401
    base = rss_mb()
    out = os.path.join(tempfile.gettempdir(), f"leobench-{os.getpid()}.dta")
    t = time.perf_counter()
    if method == "leostata_arrow_dta":
        n = run_leostata(rows, out, True, arrow=True)
    elif method == "leostata_arrow_fetch_only":
        n = run_leostata(rows, out, False, arrow=True)
    elif method == "arrow_odbc_raw":
        n = run_arrow_raw(rows, out)
    elif method == "leostata_dta":
        n = run_leostata(rows, out, True)
    elif method == "leostata_fetch_only":
        n = run_leostata(rows, out, False)
    elif method == "pyodbc_fetchmany":
        n = run_pyodbc(rows, out)
    else:
        n = run_pandas(rows, out)
    secs = time.perf_counter() - t
    size = os.path.getsize(out) if os.path.exists(out) else 0
    if os.path.exists(out):
        os.remove(out)
    print(json.dumps({"method": method, "rows": n, "seconds": secs, "base_mb": base,
                      "file_mb": size / 2**20}))


def measure(method: str, rows: int) -> dict:
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, __file__, "--child", method, "--rows", str(rows)],
                            stdout=subprocess.PIPE, env=env, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{method} at {rows} rows failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    ap.add_argument("--child")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rows[0])
        return
    print("| rows | method | n | wall s (median) | rows/s | vs pyodbc fetchmany | peak RSS MB | peak - base MB | .dta MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for rows in args.rows:
        build(rows)
        runs = interleaved({m: (lambda m=m: measure(m, rows)) for m in args.methods},
                           args.reps, seed=rows)
        results = runs.results
        med = {}
        for m, rs in results.items():
            rs.sort(key=lambda r: r["seconds"])
            med[m] = rs[len(rs) // 2]
        ref = med.get("pyodbc_fetchmany", {}).get("seconds")
        for m in args.methods:
            r = med[m]
            ratio = f"{r['seconds'] / ref:.2f}x" if ref else "-"
            print(f"| {rows:,} | {m} | {len(results[m])} | {r['seconds']:.1f} | "
                  f"{r['rows'] / r['seconds']:,.0f} | {ratio} | {r['peak_mb']:.0f} | "
                  f"{r['peak_mb'] - r['base_mb']:.0f} | {r['file_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
