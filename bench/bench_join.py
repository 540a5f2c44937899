"""Merge + collapse questions on the synthetic LEO database, pushed down in
one ``leoload`` command, against loading the needed columns and merging and
collapsing in pandas: time and peak memory side by side (issue 13, Tests).

``--question region`` (the default): median, mean and count of ``Earnings``
by tax year and region of residence, for the earnings rows that have a
residence record for the same person and tax year (one plain merge)::

    leo_earnings, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR)
        keep(match)) collapse((p50) p50=Earnings (mean) mean=Earnings
        (count) n=Earnings) by(TaxYear GOR)

``--question graduate``: the graduate-earnings question, through the link
path EDUKEY -> AE_ID -> PMR (two LINK lookups) onto the 2015/16 HESA view::

    leo_earnings if TaxYear == 202021, merge(m:1 using hesa_2016 if
        HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, link(drop) keepusing(cah2
        HE_SEXID) keep(match)) collapse((p50) Earnings (count) n=Earnings)
        by(cah2 HE_SEXID)

Its pandas side reads ``Edukey, Earnings`` of leo_earnings ``WHERE TaxYear =
202021`` (a plain numeric filter in the SELECT, as a pandas user would
write it), the five needed columns of the whole ``hesa_2016`` view (its
string condition applied in pandas with Stata's rules) and both lookups
whole (two columns each), then applies the documented ``link(drop)`` rule
(python/leostata/plan/link.py): qualifying HESA rows with a PMR, unique per
PMR (asserted: the m:1); pairs EDUKEY -> PMR through the lookups, missing
keys (NULL or "" EDUKEY/PMR, NULL AE_ID) matching nothing, kept only for
PMRs of the qualifying rows, distinct; persons reaching exactly one PMR
kept; merged onto the earnings rows; Stata's p50 and count by (cah2,
HE_SEXID) with "" for a missing string.

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
* ``pandas_read_sql``: ``pandas.read_sql`` of the needed columns (plain
  SELECTs through the same SQLAlchemy driver as leostata), then the merges
  and the statistics in pandas/NumPy with Stata's rules (missing string key
  = "", groups with a missing string kept, Stata's p50);
* ``pandas_duckdb_df`` (DuckDB only): the same, the SELECTs read with
  DuckDB's own ``.df()`` (pandas' best case).

Before any time is printed, every run's cells (the by() keys, then the
statistics) are checked equal to the pandas reference (keys, p50 and n
exactly; mean to 1e-12 relative, sums in another order).  The link counts
leoload prints (graduate question) are taken from the pushed runs' stderr and
must be the same in every run.

The DuckDB file is built once per persons/seed and cached in ``--data``
(default ``$TMPDIR/leostata-bench``); ``--pg`` copies the question's tables
(and ``leostata_info``, so the synthetic link graph applies; for the
graduate question also the view ``hesa_2016`` on ``hesa_student``) into a
PostgreSQL database ``leostata_bench_<persons>_<seed>`` on the server of
``scripts/start-postgres.sh`` (psql ``\\copy``) and runs the same methods
over psqlODBC.  Usage::

    PYTHONPATH=python python bench/bench_join.py --persons 100000 1000000 --reps 3 [--pg]
        [--question graduate]

Prints Markdown tables; not a timed test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(HERE, "..", "python")
sys.path.insert(0, PYTHON_DIR)

REGION_COMMAND = ("leo_earnings, merge(1:1 Edukey TaxYear using leo_geography, keepusing(GOR) "
                  "keep(match)) collapse((p50) p50=Earnings (mean) mean=Earnings (count) n=Earnings) "
                  "by(TaxYear GOR)")
GRADUATE_COMMAND = ('leo_earnings if TaxYear == 202021, merge(m:1 using hesa_2016 if HE_XQLEV601 == "3" '
                    '& HE_XPQUAL01 == 1, link(drop) keepusing(cah2 HE_SEXID) keep(match)) '
                    "collapse((p50) Earnings (count) n=Earnings) by(cah2 HE_SEXID)")
EARNINGS_SQL = 'SELECT "Edukey", "TaxYear", "Earnings" FROM leo_earnings'
GEOGRAPHY_SQL = 'SELECT "Edukey", "TaxYear", "GOR" FROM leo_geography'
GRADUATE_EARNINGS_SQL = 'SELECT "Edukey", "Earnings" FROM leo_earnings WHERE "TaxYear" = 202021'
GRADUATE_HESA_SQL = ('SELECT "HE_PUPILMATCHINGREFANONYMOUS", "HE_XQLEV601", "HE_XPQUAL01", cah2, '
                     '"HE_SEXID" FROM hesa_2016')
EDUKEY_LOOKUP_SQL = 'SELECT "AE_ID", "EDUKEY" FROM learner_ae_id_to_edukey_lookup'
PMR_LOOKUP_SQL = 'SELECT "AE_ID", "PUPILMATCHINGREFANONYMOUS" FROM learner_ae_id_to_pmr_lookup'
#: the HESA year of the graduate question's view (hesa_2016 = 2015/16)
GRADUATE_HESA_YEAR = 2016

#: per question: the command; the result's columns, each "nkey" / "skey" (a
#: numeric / string by() variable; a missing string is ""), "value" (p50),
#: "count" (n), all compared exactly, or "mean" (to MEAN_RELATIVE_TOLERANCE); the SELECTs of the pandas side; the tables the
#: PostgreSQL copy needs; the views it creates on them
QUESTIONS = {
    "region": dict(command=REGION_COMMAND,
                   columns=(("TaxYear", "nkey"), ("GOR", "skey"), ("p50", "value"),
                            ("mean", "mean"), ("n", "count")),
                   selects=(EARNINGS_SQL, GEOGRAPHY_SQL),
                   tables=("leo_earnings", "leo_geography"), views=()),
    "graduate": dict(command=GRADUATE_COMMAND,
                     columns=(("cah2", "skey"), ("HE_SEXID", "skey"), ("Earnings", "value"),
                              ("n", "count")),
                     selects=(GRADUATE_EARNINGS_SQL, GRADUATE_HESA_SQL, EDUKEY_LOOKUP_SQL,
                              PMR_LOOKUP_SQL),
                     tables=("leo_earnings", "hesa_student", "learner_ae_id_to_edukey_lookup",
                             "learner_ae_id_to_pmr_lookup"),
                     views=((f"hesa_{GRADUATE_HESA_YEAR}",
                             f'SELECT * FROM hesa_student WHERE "year" = {GRADUATE_HESA_YEAR}'),)),
}
for _name, _question in QUESTIONS.items():
    _question["name"] = _name
METHODS = ("pushed_api", "pushed_api_256mb", "pushed_cli", "pandas_read_sql", "pandas_duckdb_df")
DUCKDB_ONLY = ("pushed_api_256mb", "pandas_duckdb_df")
#: DuckDB runs in the client's process: its memory is the client's; this
#: setting bounds it (DuckDB spills to disk beyond it)
DUCKDB_MEMORY_LIMIT = "256MB"
#: the pandas methods, in order of preference as the reference of cells and ratios
REFERENCES = ("pandas_read_sql", "pandas_duckdb_df")
MEAN_RELATIVE_TOLERANCE = 1e-12
#: the line leoload prints for a link (commands.LinkCounts.line)
LINK_LINE_START = "link "


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
    results in 50,000-row declare/fetch blocks (``_common.pg_odbc``)."""
    from _common import NO_SERVER
    from _common import pg_odbc as block_fetching
    return block_fetching(database) or sys.exit(NO_SERVER)


def pg_url(database: str) -> str:
    """The SQLAlchemy URL of ``pg_odbc(database)``."""
    from _common import NO_SERVER
    from _common import pg_url as block_fetching
    return block_fetching(database) or sys.exit(NO_SERVER)


def psql(database: str, sql: str) -> str:
    """Run one psql command on the test server; returns its output."""
    fields = dict(p.split("=", 1) for p in pg_odbc(database).split(";") if "=" in p)
    out = subprocess.run(["psql", "-h", fields["SERVER"], "-p", fields["PORT"], "-U", fields["UID"],
                          "-d", database, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def pg_database(duckdb_file: str, persons: int, seed: int, question: dict) -> str:
    """Copy the question's tables and ``leostata_info`` (all columns, the
    synthetic types) into the PostgreSQL database
    ``leostata_bench_<persons>_<seed>`` and (re)create the question's views;
    a table already there with the DuckDB file's row count is reused.
    Returns the database name."""
    import duckdb
    import sqlalchemy as sa
    from leostata import synth
    from leostata.catalog import INFO_TABLE
    from leostata.connection import engine_for
    name = f"leostata_bench_{persons}_{seed}"
    tables = (*question["tables"], INFO_TABLE)
    source = duckdb.connect(duckdb_file, read_only=True)
    want = {t: source.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    if psql("postgres", f"SELECT count(*) FROM pg_database WHERE datname = '{name}'") != "1":
        psql("postgres", f"CREATE DATABASE {name}")
    missing = []
    for table in tables:
        try:
            have = int(psql(name, f"SELECT count(*) FROM {table}"))
        except subprocess.CalledProcessError:
            have = None
        if have != want[table]:
            missing.append(table)
    views = question["views"]
    if missing:
        print(f"copying {', '.join(missing)} into PostgreSQL database {name}",
              file=sys.stderr, flush=True)
        for view, _ in views:   # a view would block dropping its table
            psql(name, f'DROP VIEW IF EXISTS "{view}"')
        for table in missing:
            psql(name, f'DROP TABLE IF EXISTS "{table}"')
        writer = engine_for(pg_url(name), readonly=False)
        md = sa.MetaData()
        for table in missing:
            (synth.INFO_DEF if table == INFO_TABLE else synth.TABLES[table].table).to_metadata(md)
        md.create_all(writer)
        writer.dispose()
        with tempfile.TemporaryDirectory() as folder:
            for table in missing:
                csv = os.path.join(folder, f"{table}.csv")
                source.execute(f"COPY {table} TO '{csv}' (HEADER, DELIMITER ',')")
                psql(name, f"\\copy {table} FROM '{csv}' WITH (FORMAT csv, HEADER true)")
                psql(name, f"ANALYZE {table}")
    for view, select in views:
        psql(name, f'CREATE OR REPLACE VIEW "{view}" AS {select}')
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


def cells_of(question: dict, columns: list) -> list:
    """The result as rows of the question's columns (``columns``: one
    sequence per column, in order): numbers as float or None, counts as int,
    string keys as str with missing as ""."""
    def num(x):
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)
    convert = {"nkey": num, "value": num, "mean": num, "count": int,
               "skey": lambda x: "" if x is None else str(x)}
    kinds = [kind for _, kind in question["columns"]]
    return [[convert[k](v) for k, v in zip(kinds, row)] for row in zip(*columns)]


def frame_cells(question: dict, df) -> list:
    """The cells of a result DataFrame (leostata's, or read from .dta)."""
    df = df.astype(object).where(df.notna(), None)
    return cells_of(question, [df[name] for name, _ in question["columns"]])


def stata_order(question: dict, cells: list) -> list:
    """``cells`` in collapse's order: by the keys, a numeric missing last,
    strings by their bytes."""
    keys = [i for i, (_, kind) in enumerate(question["columns"]) if kind.endswith("key")]

    def order(cell):
        out = []
        for i in keys:
            v = cell[i]
            out += [(0, v.encode())] if isinstance(v, str) else [(v is None, v or 0)]
        return out
    return sorted(cells, key=order)


def run_pushed_api(question: dict, url: str) -> list:
    import warnings

    import leostata
    warnings.simplefilter("ignore")  # the synthetic-data warning
    leostata.connect(url)
    return frame_cells(question, leostata.load(question["command"]))


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


def missing_string(series):
    """A string column as Stata sees it: NULL is the missing string ""."""
    return series.astype(object).where(series.notna(), "")


def collapse_frame(question: dict, frame, keys: list, statistics: list) -> list:
    """``collapse`` of ``Earnings`` in ``frame`` by the ``keys`` columns
    (none missing: strings already ""), the ``statistics`` among "p50",
    "mean", "count" in the question's column order; Stata's rules (p50 and
    mean of the nonmissing values, missing for a group with none; count of
    them); the cells in collapse's order."""
    import numpy as np
    values = frame["Earnings"].astype("float64").to_numpy()
    codes, uniques = frame.set_index(keys).index.factorize()
    assert (codes >= 0).all(), "a missing by() value would be dropped by factorize"
    codes = codes.astype(np.int64)
    groups = len(uniques)
    ok = ~np.isnan(values)
    n = np.bincount(codes[ok], minlength=groups)
    total = np.bincount(codes[ok], weights=values[ok], minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    computed = {"p50": stata_percentile(codes, values, groups, 50), "mean": mean, "count": n}
    key_columns = [[u[i] for u in uniques] for i in range(len(keys))]
    cells = cells_of(question, key_columns + [computed[s] for s in statistics])
    return stata_order(question, cells)


def region_pandas_cells(question: dict, earnings, geography) -> list:
    """Stata's ``merge 1:1 Edukey TaxYear, keep(match)`` and ``collapse (p50)
    (mean) (count) Earnings, by(TaxYear GOR)`` on two DataFrames."""
    for df in (earnings, geography):   # Stata's missing string is "": NULL and "" match
        df["Edukey"] = missing_string(df["Edukey"])
    geography["GOR"] = missing_string(geography["GOR"])
    merged = earnings.merge(geography, on=["Edukey", "TaxYear"], how="inner", validate="1:1")
    merged = merged.astype({"TaxYear": "float64"})
    return collapse_frame(question, merged, ["TaxYear", "GOR"], ["p50", "mean", "count"])


def graduate_pandas_cells(question: dict, earnings, hesa, edukey_lookup, pmr_lookup) -> list:
    """The graduate question by the documented ``link(drop)`` rule: the
    qualifying hesa_2016 rows (HE_XQLEV601 == "3" & HE_XPQUAL01 == 1, a PMR
    present; unique per PMR, asserted: the m:1), the distinct (EDUKEY, PMR)
    pairs the lookups give through AE_ID for those PMRs (a missing EDUKEY,
    PMR or AE_ID matches nothing), the persons reaching exactly one PMR, their
    earnings rows (already TaxYear 202021) matched to it (keep(match)), then
    ``collapse (p50) Earnings (count) n=Earnings, by(cah2 HE_SEXID)``."""
    import pandas as pd
    hesa = hesa.assign(PMR=missing_string(hesa["HE_PUPILMATCHINGREFANONYMOUS"]),
                       level=missing_string(hesa["HE_XQLEV601"]),
                       qual=pd.to_numeric(hesa["HE_XPQUAL01"]).astype("float64"),
                       cah2=missing_string(hesa["cah2"]),
                       HE_SEXID=missing_string(hesa["HE_SEXID"]))
    qualifying = hesa.loc[(hesa["level"] == "3") & (hesa["qual"] == 1) & (hesa["PMR"] != ""),
                          ["PMR", "cah2", "HE_SEXID"]]
    assert qualifying["PMR"].is_unique, "m:1: the qualifying HESA rows are not unique per PMR"
    edukeys = edukey_lookup.assign(EDUKEY=missing_string(edukey_lookup["EDUKEY"]))
    edukeys = edukeys.loc[(edukeys["EDUKEY"] != "") & edukeys["AE_ID"].notna(), ["AE_ID", "EDUKEY"]]
    pmrs = pmr_lookup.assign(PMR=missing_string(pmr_lookup["PUPILMATCHINGREFANONYMOUS"]))
    pmrs = pmrs.loc[(pmrs["PMR"] != "") & pmrs["AE_ID"].notna()
                    & pmrs["PMR"].isin(qualifying["PMR"]), ["AE_ID", "PMR"]]
    for df in (edukeys, pmrs):
        df["AE_ID"] = df["AE_ID"].astype("int64")
    pairs = edukeys.merge(pmrs, on="AE_ID")[["EDUKEY", "PMR"]].drop_duplicates()
    once = pairs[pairs.groupby("EDUKEY")["PMR"].transform("size") == 1]
    rows = earnings.assign(EDUKEY=missing_string(earnings["Edukey"]))[["EDUKEY", "Earnings"]]
    merged = (rows.merge(once, on="EDUKEY", how="inner", validate="m:1")
              .merge(qualifying, on="PMR", how="inner", validate="m:1"))
    return collapse_frame(question, merged, ["cah2", "HE_SEXID"], ["p50", "count"])


PANDAS_CELLS = {"region": region_pandas_cells, "graduate": graduate_pandas_cells}


def run_pandas_read_sql(question: dict, url: str) -> list:
    import pandas as pd
    from leostata.connection import engine_for
    engine = engine_for(url)
    with engine.connect() as conn:
        frames = [pd.read_sql(select, conn) for select in question["selects"]]
    engine.dispose()
    return PANDAS_CELLS[question["name"]](question, *frames)


def run_pandas_duckdb_df(question: dict, url: str) -> list:
    import duckdb
    con = duckdb.connect(url.removeprefix("duckdb:///"), read_only=True)
    frames = [con.execute(select).df() for select in question["selects"]]
    con.close()
    return PANDAS_CELLS[question["name"]](question, *frames)


def child(method: str, question: dict, url: str, out: str) -> None:
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
    cells = run(question, url)
    seconds = time.perf_counter() - start
    with open(out, "w") as fh:
        json.dump({"seconds": seconds, "base_mb": base, "hwm_mb": hwm_mb(), "cells": cells}, fh)


def dta_cells(question: dict, path: str) -> list:
    """The cells of the .dta file ``leostata load --out`` wrote."""
    import pandas as pd
    return frame_cells(question, pd.read_stata(path, convert_missing=False))


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


def measure(method: str, question: dict, url: str) -> dict:
    """One run of ``method`` in a fresh process: seconds, peak and base RSS,
    cells, and the link lines leoload printed (``link``, pushed methods)."""
    env = dict(os.environ, PYTHONPATH=PYTHON_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    from _common import uncached_home
    env["LEOSTATA_HOME"] = uncached_home()  # the result cache off: each run does the work
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out.dta" if method == "pushed_cli" else "out.json")
        if method == "pushed_cli":
            argv = [sys.executable, "-m", "leostata", "load", "--url", url, "--out", out, "--",
                    question["command"]]
        else:
            argv = [sys.executable, __file__, "--child", method, "--question", question["name"],
                    "--url", url, "--out", out]
        launcher = subprocess.run([sys.executable, "-S", "-I", __file__, "--launch", json.dumps(argv)],
                                  env=env, capture_output=True, text=True, check=True)
        run = json.loads(launcher.stdout.strip().splitlines()[-1])
        if run["exit"] != 0:
            raise RuntimeError(f"{method} failed:\n{launcher.stderr}")
        if method == "pushed_cli":
            result = {"seconds": run["wall"], "base_mb": None, "hwm_mb": None, "cells": dta_cells(question, out)}
        else:
            with open(out) as fh:
                result = json.load(fh)
    result["peak_mb"] = run["peak_mb"]
    result["link"] = [line for line in launcher.stderr.splitlines()
                      if line.startswith(LINK_LINE_START)]
    return result


def same_cells(question: dict, got: list, want: list) -> str:
    """'' when the cells agree (keys, order, counts and p50 exactly, mean to
    MEAN_RELATIVE_TOLERANCE), else the first difference."""
    if len(got) != len(want):
        return f"{len(got)} cells, want {len(want)}"
    kinds = [kind for _, kind in question["columns"]]
    for g, w in zip(got, want):
        for kind, a, b in zip(kinds, g, w):
            if kind != "mean":
                if a != b:
                    return f"cell {g} != {w}"
            elif (a is None) != (b is None) or (
                    a is not None and not math.isclose(a, b, rel_tol=MEAN_RELATIVE_TOLERANCE)):
                return f"mean in {g} != {w}"
    return ""


def median(xs: list) -> float:
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def bench(label: str, question: dict, url: str, methods: list, reps: int, rows: dict) -> None:
    """Run ``methods`` ``reps`` times each, interleaved in a shuffled order,
    check every run's cells against the pandas reference, print a table."""
    reference_method = next((m for m in REFERENCES if m in methods), None)
    if reference_method is None:  # never check leostata against itself
        raise SystemExit(f"{label}: --methods needs a pandas method ({', '.join(REFERENCES)})")
    from _common import interleaved  # here: the --launch process runs isolated (-I)
    runs = interleaved({m: (lambda m=m: measure(m, question, url)) for m in methods}, reps,
                       seed=label)
    results, loads = runs.results, runs.loads[1:]
    reference = results[reference_method][0]["cells"]
    for m, rs in results.items():
        for r in rs:
            diff = same_cells(question, r["cells"], reference)
            if diff:
                raise SystemExit(f"{label}: {m} disagrees with {reference_method}: {diff}")
    print(f"\n{label}: {len(reference)} cells, all {len(methods) * reps} runs agree with {reference_method}; "
          f"rows: {', '.join(f'{k} {v:,}' for k, v in rows.items())}; "
          f"1-min load average during the runs {min(loads):.2f}-{max(loads):.2f}")
    links = {tuple(r["link"]) for m in methods if m.startswith("pushed") for r in results[m]}
    if len(links) > 1:
        raise SystemExit(f"{label}: the pushed runs printed different link counts: {links}")
    for line in next(iter(links), ()):
        print(f"leoload: {line}")
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


def table_rows(duckdb_file: str, question: dict) -> dict:
    """Rows of the question's tables and views in the DuckDB file."""
    import duckdb
    con = duckdb.connect(duckdb_file, read_only=True)
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (*question["tables"], *(v for v, _ in question["views"]))}
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
    ap.add_argument("--question", choices=sorted(QUESTIONS), default="region")
    ap.add_argument("--child")
    ap.add_argument("--launch")
    ap.add_argument("--url")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.child, QUESTIONS[args.question], args.url, args.out)
        return
    if args.launch:
        launch(json.loads(args.launch), dict(os.environ))
        return
    question = QUESTIONS[args.question]
    print(f"leoload {question['command']}")
    print(f"{os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}")
    for persons in args.persons:
        path = duckdb_path(args.data, persons, args.seed)
        rows = table_rows(path, question)
        if not args.no_duckdb:
            bench(f"DuckDB, {persons:,} persons", question, "duckdb:///" + path, args.methods,
                  args.reps, rows)
        if args.pg:
            database = pg_database(path, persons, args.seed, question)
            methods = [m for m in args.methods if m not in DUCKDB_ONLY]
            bench(f"PostgreSQL over psqlODBC, {persons:,} persons", question, pg_url(database),
                  methods, args.reps, rows)

if __name__ == "__main__":
    main()
