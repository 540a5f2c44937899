"""Synthetic database build time: 100,000 persons into DuckDB.

Times ``leostata.synth.build`` into a fresh DuckDB file (generation and
insertion together, as a user runs ``leostata synth``), and reports seconds,
total rows, rows per table and the file size.  Also times ``generate`` alone,
to separate generation from writing.
Run: python bench/bench_synth.py [--persons N] [--seed S] [--path FILE.duckdb]
"""

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from leostata import synth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--path", help="DuckDB file to write (default: a temporary file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.path or Path(folder) / "synth.duckdb")
        path.unlink(missing_ok=True)

        start = time.perf_counter()
        generated = sum(len(chunk) for _, chunk in synth.generate(args.persons, args.seed))
        generate_seconds = time.perf_counter() - start

        engine = sa.create_engine("duckdb:///" + str(path))
        start = time.perf_counter()
        counts = synth.build(engine, persons=args.persons, seed=args.seed)
        build_seconds = time.perf_counter() - start
        engine.dispose()
        size = path.stat().st_size

    total = sum(counts.values())
    assert total == generated
    print(f"synth.build: {args.persons:,} persons, seed {args.seed}, DuckDB, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"  build (generate + write): {build_seconds:.1f} s   generate only: {generate_seconds:.1f} s")
    print(f"  rows: {total:,}   file: {size / 1e6:.1f} MB   ({total / build_seconds:,.0f} rows/s)")
    print()
    print("| table | rows | rows per person |")
    print("|---|---:|---:|")
    for name, rows in counts.items():
        print(f"| {name} | {rows:,} | {rows / args.persons:.2f} |")


if __name__ == "__main__":
    main()
