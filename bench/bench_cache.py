"""A rerun answered by the result cache against the same load asking the
database (issue 16 item 5; target: a cached rerun of an aggregate answers in
under 0.1 s).

The question is bench_aggregate_sql.py's pushed-down aggregate (``collapse``
by three keys over an earnings-shaped PostgreSQL table reached through
psqlODBC), written to a .dta file.  Methods, repetitions interleaved and
shuffled in one run (``_common.interleaved``):

* ``fresh``: ``commands.load(COMMAND nocache)`` in this warm process with one
  open session, as the Stata bridge keeps it (catalog entry, query, .dta);
* ``cached``: the same command without ``nocache``: the catalog-state query,
  the key, then the stored batches written to the .dta;
* ``command_fresh`` / ``command_cached``: ``python -m leostata load --out F.dta``
  as a new process, with and without ``nocache``;
* ``catalog_state``: the catalog-state query alone (``cache.catalog_state``),
  which every load with the cache on sends before a miss runs the statement:
  what the cache adds to a load it cannot answer.

Before any time is shown: the cached load must say the cache answered, the
fresh one that it did not, and the two .dta files must hold the same data
(pandas' Stata reader) and the same bytes after the header's timestamp.

Usage::

    eval "$(bash scripts/start-postgres.sh)"
    python bench/bench_cache.py --rows 1000000 --reps 9 [--reuse]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

from _common import PYTHON_DIR, interleaved, ratio_table, uptime
from bench_aggregate_sql import COMMAND, earnings_table

#: The .dta header's timestamp ("dd Mon yyyy hh:mm") is the only part of the
#: file that may differ between two loads of the same data.
TIMESTAMP = (b"<timestamp>", b"</timestamp>")


def without_timestamp(data: bytes) -> bytes:
    start, end = data.index(TIMESTAMP[0]), data.index(TIMESTAMP[1])
    return data[:start] + data[end:]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench_earnings table")
    args = ap.parse_args(argv)
    home = tempfile.mkdtemp(prefix="leobench-cache-")
    os.environ["LEOSTATA_HOME"] = home  # a fresh cache folder, the default cap
    _cursor, url = earnings_table(args.rows, args.reuse)
    sys.path.insert(0, PYTHON_DIR)
    import pandas as pd

    from leostata import cache, commands
    from leostata.session import open_session
    from leostata.writers.dta import DtaWriter
    session = open_session(url)
    out = {name: os.path.join(home, f"{name}.dta") for name in ("fresh", "cached")}

    def load(name: str, text: str) -> bool:
        _job, outcome = commands.load(text, session, lambda _job: DtaWriter(out[name]),
                                      show=lambda _: None, say=lambda _: None)
        return outcome.result.cached

    env = dict(os.environ, PYTHONPATH=PYTHON_DIR)

    def command(text: str):
        argv = [sys.executable, "-m", "leostata", "load", "--url", url,
                "--out", os.path.join(home, "command.dta"), "--", text]
        return lambda: subprocess.run(argv, env=env, check=True, capture_output=True) and None

    nocache = COMMAND + " nocache"
    if load("fresh", nocache) or load("cached", COMMAND) or not load("cached", COMMAND):
        sys.exit("the cache did not answer (only) the rerun")
    a, b = (open(out[n], "rb").read() for n in ("fresh", "cached"))
    if without_timestamp(a) != without_timestamp(b):
        sys.exit("the cached .dta differs from the fresh one beyond its timestamp")
    pd.testing.assert_frame_equal(pd.read_stata(out["fresh"]), pd.read_stata(out["cached"]))
    methods = {"fresh": lambda: load("fresh", nocache),
               "cached": lambda: load("cached", COMMAND),
               "command_fresh": command(nocache), "command_cached": command(COMMAND),
               "catalog_state": lambda: cache.catalog_state(
                   session.engine, cache.layout_places(session.catalog.layout))}
    for fn in methods.values():  # bytecode, the server's buffers, the cache entry
        fn()
    print(f"before: {uptime()}")
    runs = interleaved(methods, args.reps, seed=5)
    print(f"after: {uptime()}")
    if any(runs.results["fresh"]) or not all(runs.results["cached"]):
        sys.exit("a fresh run was answered by the cache, or a cached one was not")
    print(f"postgresql, rows {args.rows:,}, {args.reps} interleaved runs each, "
          f"1-min load average {runs.load_range()} during the runs")
    print(ratio_table(runs, "fresh"))
    session.close()


if __name__ == "__main__":
    main()
