"""Catalog speed: describing and searching 300 tables x 200 columns.

Builds the catalog in a DuckDB and a SQLite file (with a leostata_metadata
table describing every column), then times, side by side in one run: the first
full load (one catalog query), a search after it, and describing one table.
Run: python bench/bench_catalog.py
"""

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from leostata.catalog import Catalog
from leostata.connection import engine_for

TABLES, COLUMNS = 300, 200


def build(url: str) -> None:
    engine = engine_for(url, readonly=False)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE leostata_metadata (table_name VARCHAR(128), column_name VARCHAR(128), "
                          "description VARCHAR(1000), documented SMALLINT, person_key SMALLINT, sort_key SMALLINT)"))
        for t in range(TABLES):
            cols = ", ".join(f"v{t}_{c} INTEGER" for c in range(COLUMNS))
            conn.execute(text(f"CREATE TABLE tab{t:03d} ({cols})"))
        rows = [{"t": f"tab{t:03d}", "c": f"v{t}_{c}", "d": f"measure {c} of topic {t % 17} earnings"}
                for t in range(TABLES) for c in range(COLUMNS)]
        conn.execute(text("INSERT INTO leostata_metadata (table_name, column_name, description) "
                          "VALUES (:t, :c, :d)"), rows)
    engine.dispose()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    print(f"{TABLES} tables x {COLUMNS} columns; seconds")
    print(f"{'engine':8} {'first load':>11} {'search':>8} {'describe':>9} {'hits':>6}")
    for kind, url in (("duckdb", f"duckdb:///{folder}/c.duckdb"), ("sqlite", f"sqlite:///{folder}/c.sqlite")):
        build(url)
        catalog = Catalog(engine_for(url))
        first, tables = timed(catalog.load_all)
        assert len(tables) == TABLES and all(len(t.columns) == COLUMNS for t in tables)
        search, hits = timed(lambda: catalog.search("topic 7 earnings"))
        describe, _ = timed(lambda: catalog.table("tab150"))
        print(f"{kind:8} {first:11.3f} {search:8.3f} {describe:9.4f} {len(hits):6d}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
