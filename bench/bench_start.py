"""What starting a command costs: each ``leostata`` command as a new process
against the same work in a warm process (issue 16 item 4, fast start).

Commands (``--commands``; each text is the one after ``--``):

* ``load_pg``: bench_aggregate_sql.py's pushed-down aggregate (``collapse`` by
  three keys over an earnings-shaped PostgreSQL table reached through
  psqlODBC), written to a .dta file: the issue's bound;
* ``sql_pg``: ``leostata sql`` of the same command on the same database;
* ``sql_synthetic``: ``leostata sql --dialect mssql`` of a median by tax year,
  names resolved in the embedded synthetic catalog (DuckDB);
* ``load_synthetic``: that median loaded from the synthetic database to a .dta.

Methods per command and checkout, every repetition interleaved and shuffled
in one run (``_common.interleaved``):

* ``command``: ``python -m leostata ...`` as a new process (interpreter start,
  imports, connect, catalog, query, write, interpreter exit);
* ``in_process``: a process that runs ``leostata.cli.main`` with the same
  arguments once (warm), then times a second call, the figure taken (connect,
  catalog, query and write: everything but start, imports and exit);
* ``python -c pass``, the interpreter's own start, for scale.

``command - in_process`` is the start cost the issue bounds (target: 0.3 s).
``--before DIR`` adds the same methods for another checkout's ``python``
folder (e.g. ``git archive COMMIT python | tar -x -C /tmp/before``), so both
run under the same load; ``--after DIR`` measures another folder than this
checkout's as "after".  The result cache is off in every child (each run
does the work).  Then, per command of this checkout, ``-X
importtime`` runs (median of ``--import-reps``) give the import time by
package and which of pandas, pyarrow and numpy the command imported; and
``--chain`` times importing the load's third-party packages one after the
other in a fresh process (each line: what that import adds).

The children compile and keep bytecode (in a private ``PYTHONPYCACHEPREFIX``,
warmed once), as a pip-installed package does, even when the calling shell
sets ``PYTHONDONTWRITEBYTECODE``.  PostgreSQL: the table lives in its own
database, ``leostata_bench_start``, which the other benches do not rewrite.

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_start.py --rows 200000 --reps 7 [--before /tmp/before/python]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile

from _common import HERE, NO_SERVER, interleaved, pg_odbc, pg_url, uncached_home, uptime

ROOT = os.path.join(HERE, "..")
DATABASE = "leostata_bench_start"
SYNTHETIC_COMMAND = "earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear)"
#: Third-party packages a PostgreSQL load imports, in the order it imports them.
CHAIN = ("sqlalchemy", "numpy", "sqlalchemy.dialects.postgresql", "pglast", "pyodbc",
         "pyarrow", "arrow_odbc", "pyarrow.compute")
WATCHED = ("pandas", "pyarrow", "numpy", "arrow_odbc", "pglast", "duckdb")

#: A child that times the second of two ``cli.main`` calls (the first warms).
IN_PROCESS = """
import json, sys, time
from leostata import cli
argv = json.loads(sys.argv[1])
if cli.main(argv) != 0:
    raise SystemExit("the command failed")
t0 = time.perf_counter()
cli.main(argv)
print(time.perf_counter() - t0)
"""

#: A child that reports which packages a command imported.
MODULES = """
import json, runpy, sys
sys.argv = ["leostata", *json.loads(sys.argv[1])]
try:
    runpy.run_module("leostata", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

#: A child that times importing CHAIN's packages one after the other.
CHAIN_TIMES = """
import importlib, json, sys, time
out = []
for name in json.loads(sys.argv[1]):
    t0 = time.perf_counter()
    importlib.import_module(name)
    out.append(time.perf_counter() - t0)
print(json.dumps(out))
"""


def pg_table(rows: int) -> str:
    """The URL of ``leostata_bench_start``, made when missing, with
    bench_earnings holding ``rows`` rows (kept when it has them)."""
    import pyodbc

    from bench_aggregate_sql import generate_on_server
    from _common import pg_table_rows
    if pg_odbc() is None:
        sys.exit(NO_SERVER)
    server = pyodbc.connect(pg_odbc(), autocommit=True).cursor()
    if not server.execute("SELECT count(*) FROM pg_database WHERE datname = ?", DATABASE).fetchone()[0]:
        server.execute(f"CREATE DATABASE {DATABASE}")
    server.connection.close()
    cursor = pyodbc.connect(pg_odbc(DATABASE), autocommit=True).cursor()
    if pg_table_rows(cursor, "bench_earnings") != rows:
        generate_on_server(cursor, rows)
    cursor.connection.close()
    return pg_url(DATABASE)


def child_env(python_dir: str, cache: str, home: str) -> dict:
    """The environment of a child running the checkout in ``python_dir``,
    with ``home`` as its LEOSTATA_HOME, the result cache off (``[cache]
    size_mb = 0``: every run does the work)."""
    uncached_home(home)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=python_dir, PYTHONPYCACHEPREFIX=cache, LEOSTATA_HOME=home)
    return env


def run(args: list[str], env: dict, text: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=text,
                          check=True)


def import_costs(argv: list[str], env: dict, reps: int) -> tuple[float, list]:
    """(total, [(package, seconds), ...] by decreasing seconds): the self
    time of every import of one command run, from ``-X importtime``, summed
    by top-level package (leostata's own modules as ``leostata``); medians
    of ``reps`` runs."""
    totals, by_package = [], collections.defaultdict(list)
    for _ in range(reps):
        err = run(["-X", "importtime", "-m", "leostata", *argv], env).stderr
        sums: dict = collections.Counter()
        for line in err.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, _total, name = line[len("import time:"):].split("|")
            sums[name.strip().split(".")[0]] += int(self_us) / 1e6
        totals.append(sum(sums.values()))
        for name, seconds in sums.items():
            by_package[name].append(seconds)
    ranked = sorted(((name, statistics.median(s + [0.0] * (reps - len(s))))
                     for name, s in by_package.items()), key=lambda p: -p[1])
    return statistics.median(totals), ranked


def imported(argv: list[str], env: dict) -> list[str]:
    """Which of WATCHED one run of the command imported."""
    mods = json.loads(run(["-c", MODULES, json.dumps(argv)], env).stderr.splitlines()[-1])
    tops = {m.split(".")[0] for m in mods}
    return [name for name in WATCHED if name in tops]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--import-reps", type=int, default=3)
    ap.add_argument("--commands", nargs="+",
                    default=["load_pg", "sql_pg", "sql_synthetic", "load_synthetic"])
    ap.add_argument("--after", metavar="DIR", default=os.path.join(ROOT, "python"),
                    help="the checkout measured as 'after' (default: this one's python folder)")
    ap.add_argument("--before", metavar="DIR", help="another checkout's python folder")
    ap.add_argument("--no-chain", dest="chain", action="store_false")
    args = ap.parse_args(argv)
    from bench_aggregate_sql import COMMAND
    work = tempfile.mkdtemp(prefix="bench_start_")
    out = os.path.join(work, "start.dta")
    url = pg_table(args.rows) if {"load_pg", "sql_pg"} & set(args.commands) else None
    commands = {
        "load_pg": ["load", "--url", url, "--out", out, "--", COMMAND],
        "sql_pg": ["sql", "--url", url, "--", COMMAND],
        "sql_synthetic": ["sql", "--dialect", "mssql", "--", SYNTHETIC_COMMAND],
        "load_synthetic": ["load", "--out", out, "--", SYNTHETIC_COMMAND],
    }
    commands = {name: commands[name] for name in args.commands}
    checkouts = {"after": os.path.abspath(args.after)}
    if args.before:
        checkouts["before"] = os.path.abspath(args.before)
    # each checkout: its own bytecode and synthetic database (built once)
    envs = {c: child_env(d, os.path.join(work, f"pyc_{c}"), os.path.join(work, f"home_{c}"))
            for c, d in checkouts.items()}

    def as_command(env, cmd):
        return lambda: run(["-m", "leostata", *cmd], env) and None

    def in_process(env, cmd):
        return lambda: float(run(["-c", IN_PROCESS, json.dumps(cmd)], env).stdout.split()[-1])

    methods = {"python": lambda: run(["-c", "pass"], envs["after"]) and None}
    for checkout, env in envs.items():
        for name, cmd in commands.items():
            methods[f"{name} command {checkout}"] = as_command(env, cmd)
            methods[f"{name} in_process {checkout}"] = in_process(env, cmd)
    for fn in methods.values():  # bytecode, the synthetic database, the server's cache
        fn()
    runs = interleaved(methods, args.reps, seed=11)
    inner = {name: statistics.median(runs.results[name]) for name in methods if " in_process " in name}

    print(f"rows {args.rows:,}, {args.reps} interleaved runs each; {uptime()} at the end, "
          f"1-min load {runs.load_range()} during the runs")
    print(f"python -c pass: {runs.median('python'):.3f} s\n")
    print("| command | checkout | command s | in-process s | start cost s |")
    print("|---|---|---:|---:|---:|")
    for name in commands:
        for checkout in checkouts:
            whole, warm = runs.median(f"{name} command {checkout}"), inner[f"{name} in_process {checkout}"]
            print(f"| {name} | {checkout} | {whole:.3f} | {warm:.3f} | {whole - warm:.3f} |")

    print(f"\nimports of each command (this checkout; -X importtime self time by package, "
          f"median of {args.import_reps} runs; importtime itself adds to them):")
    for name, cmd in commands.items():
        total, ranked = import_costs(cmd, envs["after"], args.import_reps)
        top = ", ".join(f"{p} {s:.3f}" for p, s in ranked[:8])
        print(f"  {name}: {total:.3f} s; imported {', '.join(imported(cmd, envs['after']))}\n"
              f"    {top}")
    if args.chain:
        chains = [json.loads(run(["-c", CHAIN_TIMES, json.dumps(CHAIN)], envs["after"]).stdout)
                  for _ in range(args.reps)]
        print(f"\nthird-party imports of load_pg, one after the other in a fresh process "
              f"(median of {args.reps}; each adds what the ones above did not import):")
        for j, name in enumerate(CHAIN):
            print(f"  {name:32s} {statistics.median(c[j] for c in chains):.3f}")
        print(f"  {'all':32s} {statistics.median(sum(c) for c in chains):.3f}")


if __name__ == "__main__":
    main()
