"""What starting a command costs: ``leostata load`` as a command against the
same work in a warm process (issue 16 item 4, fast start).

The question is bench_aggregate_sql.py's pushed-down aggregate (``collapse``
by three keys over an earnings-shaped PostgreSQL table reached through
psqlODBC), written to a .dta file.  Methods, repetitions interleaved and
shuffled in one run:

* ``command``: ``python -m leostata load --url URL --out F.dta -- COMMAND`` as a
  new process (interpreter start, imports, connect, catalog, query, write);
* ``in_process``: ``leostata.cli.main`` with the same arguments in this warm
  process (connect, catalog, query, write: everything but start and imports);
* ``python``: ``python -c pass``, the interpreter's own start, for scale.

``command - in_process`` is the start cost the issue bounds (target: 0.3 s).
Then one ``-X importtime`` run of the command lists the packages that cost
most to import.

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_start.py --rows 200000 --reps 7
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "python"))


def _sibling(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def import_costs(args: list[str], top: int = 12) -> list[tuple[str, float]]:
    """The ``top`` top-level imports of one command run by cumulative time
    (seconds), from ``python -X importtime``."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], env=_env(),
                          capture_output=True, text=True, check=True)
    costs = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, self_us, total_us, name = (part for part in [line.split(":", 1)[0],
                                                          *line.split(":", 1)[1].split("|")])
        if name.startswith(" ") and not name.startswith("  "):  # one blank: top level
            costs.append((name.strip(), int(total_us) / 1e6))
    return sorted(costs, key=lambda c: -c[1])[:top]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    args = ap.parse_args(argv)
    aggregate = _sibling("bench_aggregate_sql")
    cursor, url = aggregate.earnings_table(args.rows, args.reuse)
    cursor.connection.close()

    from leostata import cli
    out = os.path.join(tempfile.mkdtemp(), "start.dta")
    load_args = ["load", "--url", url, "--out", out, "--", aggregate.COMMAND]
    command = [sys.executable, "-m", "leostata", *load_args]

    def run_command():
        subprocess.run(command, env=_env(), check=True, stdout=subprocess.DEVNULL)

    def run_in_process():
        with open(os.devnull, "w") as sink:
            saved, sys.stdout = sys.stdout, sink
            try:
                if cli.main(load_args) not in (0, None):
                    raise SystemExit("the in-process load failed")
            finally:
                sys.stdout = saved

    def run_python():
        subprocess.run([sys.executable, "-c", "pass"], check=True)

    methods = {"command": run_command, "in_process": run_in_process, "python": run_python}
    for fn in methods.values():  # warm the server's cache and this process
        fn()
    runs = [name for name in methods for _ in range(args.reps)]
    random.Random(11).shuffle(runs)
    times: dict = {name: [] for name in methods}
    for name in runs:
        t0 = time.perf_counter()
        methods[name]()
        times[name].append(time.perf_counter() - t0)
    med = {name: statistics.median(t) for name, t in times.items()}
    print(f"rows {args.rows:,}, {args.reps} interleaved runs each, load average "
          f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    print("| method | median s |")
    print("|---|---:|")
    for name in methods:
        print(f"| {name} | {med[name]:.3f} |")
    print(f"\nstart cost (command - in_process): {med['command'] - med['in_process']:.3f} s")
    print("\ntop-level imports of the command (cumulative s):")
    for name, seconds in import_costs(["-m", "leostata", *load_args]):
        print(f"  {name:32s} {seconds:.3f}")


if __name__ == "__main__":
    main()
