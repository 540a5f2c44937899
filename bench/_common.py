"""What the benches share (issue 16 item 7): the PostgreSQL test server's
connection, the SQL this checkout writes for a command, and one timing loop
that runs every method's repetitions interleaved in a shuffled order, so
the machine's changing load falls on all methods alike.

Imported by the scripts beside it (``python bench/<script>.py`` puts this
folder first on ``sys.path``); stdlib only at import time.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Callable, Mapping

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(HERE, "..", "python")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

PG_ODBC_ENV = "LEOSTATA_TEST_PG_ODBC"
NO_SERVER = f'{PG_ODBC_ENV} is not set: eval "$(bash scripts/start-postgres.sh)"'


def pg_odbc(database: str | None = None) -> str | None:
    """The PostgreSQL test server's psqlODBC connection string (of
    ``database`` when given), reading results in declare/fetch blocks of
    50,000 rows (``UseDeclareFetch=1;Fetch=50000``, perf.md: psqlODBC must
    not buffer whole results); None when no server is set."""
    odbc = os.environ.get(PG_ODBC_ENV)
    if not odbc:
        return None
    drop = ("usedeclarefetch", "fetch=") + (("database=",) if database else ())
    parts = [p for p in odbc.split(";") if p and not p.lower().startswith(drop)]
    extra = [f"DATABASE={database}"] if database else []
    return ";".join(parts + extra + ["UseDeclareFetch=1", "Fetch=50000"])


def pg_url(database: str | None = None) -> str | None:
    """The SQLAlchemy URL of ``pg_odbc(database)``, or None."""
    odbc = pg_odbc(database)
    return None if odbc is None else \
        "postgresql+pyodbc:///?odbc_connect=" + urllib.parse.quote_plus(odbc)


def pg_cursor():
    """A bare pyodbc cursor (autocommit) on the test server, with the same
    connection string as leostata's URL, and that URL; exits with a hint
    when no server is set."""
    import pyodbc
    url = pg_url()
    if url is None:
        sys.exit(NO_SERVER)
    return pyodbc.connect(pg_odbc(), autocommit=True).cursor(), url


def pg_table_rows(cursor, table: str) -> int:
    """Rows of ``table`` on the server, 0 when it does not exist."""
    have = cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename = ?", table).fetchone()[0]
    return cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if have else 0


def leostata_sql(url: str, command: str) -> str:
    """The SQL this checkout writes for the leoload ``command`` against the
    database at ``url``."""
    from leostata.catalog import Catalog
    from leostata.connection import engine_for
    from leostata.plan import plan_load
    from leostata.sql import to_sql
    engine = engine_for(url)
    try:
        return to_sql(plan_load(command, Catalog(engine)), engine.dialect)
    finally:
        engine.dispose()


def timed(cursor, sql: str) -> tuple[float, list]:
    """(seconds, rows as tuples) of ``cursor.execute(sql).fetchall()``; any
    DB-API cursor, or a DuckDB connection."""
    t0 = time.perf_counter()
    rows = cursor.execute(sql).fetchall()
    return time.perf_counter() - t0, [tuple(r) for r in rows]


@dataclass
class Runs:
    """Each method's wall seconds and return values, in the order run, and
    the 1-min load average before the first run and after each."""
    seconds: dict[str, list[float]]
    results: dict[str, list]
    loads: list[float] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def load_range(self) -> str:
        return f"{min(self.loads):.1f}-{max(self.loads):.1f}"


def interleaved(methods: Mapping[str, Callable[[], object]], reps: int, seed) -> Runs:
    """Call each of ``methods`` (name -> no-argument callable) ``reps`` times,
    all calls in one order shuffled by ``seed``; returns the Runs."""
    order = [name for name in methods for _ in range(reps)]
    random.Random(seed).shuffle(order)
    runs = Runs({name: [] for name in methods}, {name: [] for name in methods},
                [os.getloadavg()[0]])
    for name in order:
        t0 = time.perf_counter()
        result = methods[name]()
        runs.seconds[name].append(time.perf_counter() - t0)
        runs.results[name].append(result)
        runs.loads.append(os.getloadavg()[0])
    return runs


def ratio_table(runs: Runs, reference: str, names=None) -> str:
    """A Markdown table of each method's median seconds and its ratio to the
    ``reference`` method's median."""
    base = runs.median(reference)
    lines = [f"| method | median s | x {reference} | runs (s) |", "|---|---:|---:|---|"]
    for name in names or runs.seconds:
        m = runs.median(name)
        each = ", ".join(f"{s:.3f}" for s in runs.seconds[name])
        lines.append(f"| {name} | {m:.3f} | {m / base:.2f} | {each} |")
    return "\n".join(lines)


def uptime() -> str:
    """The 1-, 5- and 15-minute load averages and the core count, as ``uptime``
    shows them."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def uncached_home(home: str | None = None) -> str:
    """A LEOSTATA_HOME (``home``, else a new temporary folder) whose config
    file turns the result cache off (``[cache] size_mb = 0``), so that every
    repetition of a benchmark does the work; returns its path.  Only
    bench_cache.py measures the cache itself."""
    home = home or tempfile.mkdtemp(prefix="leobench-home-")
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "leostata.ini"), "w", encoding="utf-8") as f:
        f.write("[cache]\nsize_mb = 0\n")
    return home
