"""DuckDB's columnar fetch: Arrow record batches converted by numpy
(``fetch.dbapi._duckdb_batches``, the default) against the DataFrame chunks
it replaced (``fetch.dbapi._duckdb_frames``), on the synthetic database.

Methods, repetitions interleaved and shuffled in one run, each a
``commands.load`` on one open session into a MemoryWriter:

* ``rows_arrow`` / ``rows_frames``: a row load (Edukey, TaxYear, Earnings of
  the earnings rows from 2015/16);
* ``collapse_arrow`` / ``collapse_frames``: a median and mean by tax year.

Before any time is shown, both paths must give the same batches' data.

Usage::

    python bench/bench_duckdb_fetch.py --persons 10000 --reps 9
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from _common import PYTHON_DIR, interleaved, ratio_table, uncached_home, uptime

COMMANDS = {
    "rows": "earnings Edukey TaxYear Earnings if TaxYear >= 201516",
    "collapse": "earnings if TaxYear >= 201516, collapse((p50) Earnings (mean) m=Earnings) "
                "by(TaxYear)",
}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args(argv)
    os.environ["LEOSTATA_HOME"] = uncached_home(tempfile.mkdtemp(prefix="leobench-duck-"))
    sys.path.insert(0, PYTHON_DIR)
    from leostata import commands, config
    from leostata.fetch import dbapi
    from leostata.session import ensure_synthetic, open_session
    from leostata.writers.memory import MemoryWriter
    path = ensure_synthetic(args.persons, config.SYNTH_SEED)
    session = open_session("duckdb:///" + path.as_posix())
    arrow = dbapi._duckdb_batches

    def method(text: str, fetch, keep: bool = False):
        """A load of ``text`` with ``fetch``; returns the writer only when
        ``keep`` (timed runs keep nothing: results piling up slow later runs)."""
        def load():
            dbapi._duckdb_batches = fetch
            try:
                writer = MemoryWriter()
                commands.load(text, session, lambda _job: writer, show=lambda _: None,
                              say=lambda _: None)
                return writer if keep else None
            finally:
                dbapi._duckdb_batches = arrow
        return load

    methods = {}
    for name, text in COMMANDS.items():
        methods[f"{name}_arrow"] = method(text, arrow)
        methods[f"{name}_frames"] = method(text, dbapi._duckdb_frames)
        a, b = method(text, arrow, True)(), method(text, dbapi._duckdb_frames, True)()
        if a.data != b.data:
            sys.exit(f"{name}: the two fetches differ")
        print(f"{name}: {a.nobs:,} rows, the same data on both paths")
    print(f"before: {uptime()}")
    runs = interleaved(methods, args.reps, seed=3)
    print(f"after: {uptime()}")
    print(f"duckdb synthetic, {args.persons:,} persons, {args.reps} interleaved runs each, "
          f"1-min load average {runs.load_range()} during the runs")
    for name in COMMANDS:
        print(ratio_table(runs, f"{name}_frames", [f"{name}_frames", f"{name}_arrow"]))
    session.close()


if __name__ == "__main__":
    main()
