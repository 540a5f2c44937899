"""The local result cache: a rerun of an identical request is answered from
disk instead of the database.

A request is identified (``request_key``) by a sha256 over leostata's
version, the dialect, the connection's identity (its URL with every
credential masked: server, port, database, DSN, user name; never a password,
and nothing of the URL is written to the cache), the SQL text and bound
parameters, the result columns as planned (labels, value labels, forced
types), the dataset facts, and a catalog-state token (``catalog_state``)
read from the database in one round trip:

* SQL Server: per table and view of the connected database and of each
  database the site layout names, ``sys.objects.modify_date`` and the row
  count of ``sys.partitions`` (heap or clustered index);
* PostgreSQL: per table, view and materialized view of the schemas on the
  search path and of those the layout or a leoquery names, and of every
  relation their views read (through views of views): its ``pg_class`` row
  (oid, relfilenode, the row version ``xmin``: DDL, TRUNCATE, ANALYZE), its
  view rule's ``xmin`` and the rows inserted, updated and deleted that
  ``pg_stat_all_tables`` counts; and the server's WAL position (the replay
  position on a standby), which any write moves at once (the counters reach
  other sessions up to about ten seconds late): more misses than needed,
  never a stale answer from a write the WAL records.  Not cached at all
  with ``track_counts`` off or a foreign table among the watched relations;
* DuckDB and SQLite: the inode, size and modification time (ns) of the
  database file and of its write-ahead log (no query); an in-memory
  database is never cached.

Honest limits: SQL Server timestamps no DML, so an in-place UPDATE (or a
DELETE and INSERT of as many rows) that changes neither a row count nor a
definition is not seen until the entry is older than ``config.cache_max_age``
(24 hours by default); on PostgreSQL an unlogged table's rows are not in the
WAL (its counters still are, late), and a table of another schema that a
leoload reads through a function, not a view, is not watched; a view whose
definition reads the clock looks unchanged (a leoquery that reads it itself
is never cached: ``VOLATILE_FUNCTIONS``).  ``nocache`` always asks the database.

An entry is two files in ``cache_dir()``: ``KEY.json`` (the manifest: the
result columns without pickle, the dataset facts, the batch index) and the
raw batches (``writers.spool.write_batch``: the data under masked positions
kept).  A miss records the batches that reach the writer (``Recorder``) in
a part file that becomes the entry only after the writer committed; a hit
(``Stored.replay``) hands the same batches and columns to the writer
(begin/write/commit), so the result is byte-identical.  The folder is kept
under ``config.cache_limit()`` bytes by evicting the least recently used
entries.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from . import config
from .version import __version__
from .writers import FROM_CACHE as CACHE_PATH  # LoadResult.path of a load the cache answered

#: Bumped when the entry format changes (older entries are then misses).
FORMAT = 1
#: Part files and unnamed data files older than this are leftovers (of a
#: process that ended while recording), removed by ``Cache.evict``.
STALE_PART_SECONDS = 3600


class Unusable(Exception):
    """A cache entry that cannot be replayed (removed meanwhile, damaged):
    the load asks the database instead."""


def cache_dir() -> Path:
    """The cache folder: ``cache`` under the user's data folder."""
    return config.data_dir() / "cache"


def answered(result) -> bool:
    """True when the cache answered the load ``result`` (r(cached))."""
    return bool(getattr(result, "cached", False))


# -- the catalog state ------------------------------------------------------------------------

def mssql_state_sql(databases=()) -> str:
    """The T-SQL of SQL Server's catalog state: one row per table and view of
    the connected database and of each of ``databases``."""
    def one(db: Optional[str]) -> str:
        prefix = "" if db is None else "[" + db.replace("]", "]]") + "]."
        name = "DB_NAME()" if db is None else "N'" + db.replace("'", "''") + "'"
        return (f"SELECT {name} AS db, o.object_id, o.type, o.modify_date, "
                f"SUM(p.rows) AS row_count\n"
                f"FROM {prefix}sys.objects AS o\n"
                f"LEFT JOIN {prefix}sys.partitions AS p "
                f"ON p.object_id = o.object_id AND p.index_id IN (0, 1)\n"
                f"WHERE o.type IN ('U', 'V')\n"
                f"GROUP BY o.object_id, o.type, o.modify_date")
    parts = [one(None)] + [one(db) for db in sorted(set(databases), key=str.lower)]
    return "\nUNION ALL\n".join(parts) + "\nORDER BY db, object_id"


def postgres_state_sql(schemas=()) -> str:
    """The SQL of PostgreSQL's catalog state: one row per table, view,
    materialized view and foreign table of the schemas on the search path and
    of ``schemas``, and of every relation their views read (followed through
    views of views, in any schema)."""
    extra = ", ".join("'" + name.replace("'", "''") + "'" for name in sorted(set(schemas)))
    named = f" OR n.nspname IN ({extra})" if extra else ""
    return f"""\
WITH RECURSIVE watched(oid) AS (
  SELECT c.oid FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
    AND (n.nspname = ANY (pg_catalog.current_schemas(false)){named})
  UNION
  SELECT d.refobjid FROM watched AS w
  JOIN pg_catalog.pg_rewrite AS r ON r.ev_class = w.oid
  JOIN pg_catalog.pg_depend AS d ON d.objid = r.oid
   AND d.classid = 'pg_catalog.pg_rewrite'::regclass
   AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid <> w.oid
)
SELECT c.oid::bigint, c.relkind::text, c.relfilenode::bigint, c.xmin::text, r.xmin::text,
       s.n_tup_ins, s.n_tup_upd, s.n_tup_del,
       (CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
             ELSE pg_catalog.pg_current_wal_lsn() END)::text AS wal,
       pg_catalog.current_setting('track_counts') AS track_counts
FROM watched AS w
JOIN pg_catalog.pg_class AS c ON c.oid = w.oid
LEFT JOIN pg_catalog.pg_rewrite AS r ON r.ev_class = c.oid AND r.rulename = '_RETURN'
LEFT JOIN pg_catalog.pg_stat_all_tables AS s ON s.relid = c.oid
ORDER BY c.oid"""


#: The write-ahead log next to a database file, per dialect.
_WAL_SUFFIX = {"duckdb": ".wal", "sqlite": "-wal"}


def _file_state(path: Optional[str], dialect: str) -> Optional[str]:
    """Inode, size and mtime (ns) of the database file and its log; None for an
    in-memory database or a file that cannot be read."""
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    parts = []
    for name in (path, path + _WAL_SUFFIX[dialect]):
        try:
            info = os.stat(name)
        except FileNotFoundError:
            if name == path:
                return None
            parts.append("-")
            continue
        except OSError:
            return None
        parts.append(f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}")
    return f"{os.path.abspath(path)}|" + "|".join(parts)


def catalog_state(engine, places=()) -> Optional[str]:
    """A token that changes when the database's tables change (see the
    module docstring for the rule per dialect), or None when this database
    cannot be cached (in-memory, an unknown dialect, the query failed).
    ``places``: (database, schema) pairs the request may read besides the
    connection's defaults (the site layout's, a leoquery's qualified names)."""
    dialect = engine.dialect.name
    if dialect in _WAL_SUFFIX:
        return _file_state(engine.url.database, dialect)
    if dialect == "mssql":
        query = mssql_state_sql(db for db, _ in places if db)
    elif dialect == "postgresql":
        query = postgres_state_sql(schema for _, schema in places if schema)
    else:
        return None
    import sqlalchemy as sa
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(query)).all()
    except Exception:  # noqa: BLE001 - no state, no cache: the load itself reports errors
        return None
    if dialect == "postgresql" and any(row[1] == "f" or row[9] != "on" for row in rows):
        return None  # a foreign table, or no statistics counters: nothing to watch
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(tuple(row)).encode("utf-8"))
    return f"{len(rows)}:{digest.hexdigest()}"


# -- what a request may read ------------------------------------------------------------------

def layout_places(layout) -> tuple:
    """The (database, schema) pairs of a site layout's places (the real ones)."""
    from .errors import NotFound
    found = []
    for home in layout.homes():
        try:
            place = layout.real(home)
        except NotFound:  # no project set: the place's database, any schema
            place = home
        pair = (place.database, None if place.schema == "{project}" else place.schema)
        if pair not in found:
            found.append(pair)
    return tuple(found)


#: Functions whose value changes from one run of the same query to the next
#: (sqlglot's names for them, and the dialects' own spellings it keeps as
#: anonymous functions): a leoquery calling one is never answered by the cache.
VOLATILE_FUNCTIONS = frozenset({
    "rand", "randn", "uuid", "currentdate", "currentdatetime", "currenttime",
    "currenttimestamp", "currentuser", "newid", "newsequentialid", "random", "now",
    "getdate", "getutcdate", "sysdatetime", "sysutcdatetime", "sysdatetimeoffset",
    "clock_timestamp", "statement_timestamp", "transaction_timestamp", "timeofday",
    "gen_random_uuid", "uuid_generate_v4", "txid_current", "crypt_gen_random",
    "setseed", "nextval", "currval", "lastval"})


def query_places(query: str, dialect: str) -> Optional[tuple]:
    """The (database, schema) pairs a checked leoquery names (``db.schema.t``);
    None when the result cache must not answer it: the text does not parse
    (only a statement that ``query_statement`` checked reaches here in a
    command), or it calls a function whose value changes between runs
    (``VOLATILE_FUNCTIONS``: random numbers, the clock, new ids)."""
    import sqlglot
    from sqlglot import exp

    from .readonly import SQLGLOT_DIALECTS
    try:
        tree = sqlglot.parse_one(query.replace("\\:", ":"), read=SQLGLOT_DIALECTS[dialect])
    except sqlglot.errors.SqlglotError:
        return None
    for func in tree.find_all(exp.Func):
        name = func.name if isinstance(func, exp.Anonymous) else type(func).__name__
        if name.lower() in VOLATILE_FUNCTIONS:
            return None
    if any(lit.is_string and lit.this.strip().lower() == "now"  # SQLite's date('now'),
           for lit in tree.find_all(exp.Literal)):               # PostgreSQL's 'now'::date
        return None
    places = set()
    for t in tree.find_all(exp.Table):
        if _system_relation(t):
            return None
        if t.db or t.catalog:
            places.add((_folded(t.args.get("catalog"), dialect),
                        _folded(t.args.get("db"), dialect)))
    return tuple(sorted(places, key=repr))


#: Schemas of the database's own catalog, and name prefixes of its system
#: tables and views (live state the catalog-state token does not watch).
SYSTEM_SCHEMAS = frozenset({"pg_catalog", "information_schema", "sys", "pg_toast"})
SYSTEM_PREFIXES = ("pg_", "sys", "dm_", "sqlite_", "duckdb_")


def _system_relation(table) -> bool:
    """True when ``table`` (sqlglot) is one of the database's own catalog or
    statistics relations (pg_stat_activity, sys.dm_exec_sessions, sqlite_master)."""
    schema = (table.db or "").lower()
    return schema in SYSTEM_SCHEMAS or table.name.lower().startswith(SYSTEM_PREFIXES)


def _folded(identifier, dialect: str) -> Optional[str]:
    """A schema or database name as the catalog stores it: PostgreSQL folds an
    unquoted name to lower case (a quoted one keeps its case)."""
    if identifier is None or not identifier.name:
        return None
    if dialect == "postgresql" and not identifier.args.get("quoted"):
        return identifier.name.lower()
    return identifier.name


# -- the request key --------------------------------------------------------------------------

def connection_identity(engine) -> str:
    """The connection's URL with every credential masked (``config.mask_url``)."""
    return config.mask_url(engine.url.render_as_string(hide_password=True))


def statement_text(statement, engine) -> str:
    """The SQL text and bound parameters ``statement`` executes with on ``engine``."""
    if isinstance(statement, str):
        return statement
    compiled = statement.compile(dialect=engine.dialect)
    params = sorted((k, repr(v)) for k, v in (compiled.params or {}).items())
    return str(compiled) + "\n" + repr(params)


def request_key(engine, statement, columns, meta, state: str) -> str:
    """The sha256 (hex) identifying a request (see the module docstring)."""
    planned = None if columns is None else [column_state(c) for c in columns]
    parts = {"format": FORMAT, "leostata": __version__, "dialect": engine.dialect.name,
             "connection": connection_identity(engine), "state": state,
             "sql": statement_text(statement, engine), "columns": planned,
             "meta": meta_state(meta)}
    text = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_for(engine, statement, columns, meta, places=()) -> tuple:
    """(the ``Cache``, the request's key), or (None, None) when the request
    cannot be cached: the cache is off (size 0) or the database has no
    catalog state (``catalog_state``; ``places`` as there)."""
    store = Cache()
    if store.limit <= 0:
        return None, None
    state = catalog_state(engine, places)
    if state is None:
        return None, None
    return store, request_key(engine, statement, columns, meta, state)


# -- columns and dataset facts as JSON ----------------------------------------------------------

def _value_state(label) -> Optional[dict]:
    from .stata_types import ExtendedMissing
    if label is None:
        return None
    return {"name": label.name,
            "codings": [[{"missing": v.letter} if isinstance(v, ExtendedMissing) else v, t]
                        for v, t in label.codings]}


def _value_label(state: Optional[dict]):
    from .stata_types import ExtendedMissing, ValueLabel
    if state is None:
        return None
    return ValueLabel(state["name"], [(ExtendedMissing(v["missing"]) if isinstance(v, dict)
                                       else v, t) for v, t in state["codings"]])


def column_state(col) -> dict:
    """A ``ResultColumn`` (with its ``Observed``) as JSON-able data."""
    from dataclasses import asdict, fields
    out = {f.name: getattr(col, f.name) for f in fields(col)
           if f.name not in ("sql_type", "observed", "value_label", "chars", "notes")}
    out["sql_type"] = asdict(col.sql_type)
    out["observed"] = None if col.observed is None else asdict(col.observed)
    out["value_label"] = _value_state(col.value_label)
    out["chars"] = dict(col.chars)
    out["notes"] = list(col.notes)
    return out


def column_from_state(state: dict):
    """The ``ResultColumn`` ``column_state`` described."""
    from .catalog import SqlType
    from .stata_types import Observed, ResultColumn
    data = dict(state)
    data["sql_type"] = SqlType(**state["sql_type"])
    data["observed"] = None if state["observed"] is None else Observed(**state["observed"])
    data["value_label"] = _value_label(state["value_label"])
    return ResultColumn(**data)


def meta_state(meta) -> dict:
    return {"table": meta.table, "sql": meta.sql, "synthetic": meta.synthetic,
            "label": meta.label, "chars": dict(meta.chars)}


def _within(entry, size: int) -> bool:
    """True when every array of the batch ``entry`` (``write_batch``'s index
    entry) lies inside a data file of ``size`` bytes (an object column's
    joined bytes: their start)."""
    def raw(part) -> bool:
        offset, dtype, n = part
        return 0 <= offset and offset + np.dtype(dtype).itemsize * n <= size

    checks = {"nd": lambda p: raw(p), "ma": lambda p: raw(p[0]) and raw(p[1]),
              "obj": lambda p: raw(p[0]) and 0 <= p[1] <= size}
    try:
        return all(checks[form](parts) for _name, form, parts in entry)
    except (KeyError, TypeError, ValueError):
        return False


def touch(path: Path) -> None:
    """Mark the entry whose manifest is ``path`` as used now.  The time is
    set explicitly from the fine-grained clock: a file's own mtime comes from
    the kernel's coarse clock, so two entries used milliseconds apart could
    otherwise tie and be evicted in the wrong order."""
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:
        pass


# -- entries ------------------------------------------------------------------------------------

@dataclass
class Stored:
    """A cache entry found for a key: its manifest and data file."""

    manifest: dict
    data: Path

    @property
    def nobs(self) -> int:
        return int(self.manifest["nobs"])

    def columns(self) -> list:
        """The stored result columns (``ResultColumn``); raises Unusable when
        the manifest cannot describe them."""
        try:
            return [column_from_state(c) for c in self.manifest["columns"]]
        except Exception as exc:  # noqa: BLE001 - any damage: the entry is not used
            raise Unusable(str(exc)) from exc

    def replay(self, writer, meta, poll: Optional[Callable[[], object]] = None):
        """Hand the stored columns and batches to ``writer`` (begin, write,
        commit; abort on any error or Break) and return the ``LoadResult``
        of the load, ``path`` = ``CACHE_PATH``.  ``meta`` gets the stored SQL.
        Raises Unusable, before the writer is touched, when the entry cannot
        be read (removed meanwhile, damaged): the caller then asks the
        database.  Batches are read from the file one at a time."""
        from .writers import LoadResult
        from .writers.spool import read_batch
        t0 = time.perf_counter()
        cols = self.columns()
        try:
            batches, sql = list(self.manifest["batches"]), str(self.manifest["meta"]["sql"])
            fh = open(self.data, "rb")
        except Exception as exc:  # noqa: BLE001 - removed or damaged: not used
            raise Unusable(str(exc)) from exc
        try:
            size = os.fstat(fh.fileno()).st_size
            if not all(_within(entry, size) for entry in batches):
                raise Unusable("the cached data file is shorter than its manifest says")
        except BaseException:
            fh.close()
            raise

        def read_at(offset: int, length: int) -> bytes:
            fh.seek(offset)
            return fh.read(length)

        meta.sql = sql
        began = False
        try:
            if poll:
                poll()
            writer.begin(cols, meta)
            began = True
            for i, entry in enumerate(batches):
                if poll and i:  # Break between batches, as during a load
                    poll()
                writer.write(read_batch(read_at, entry))
            n = writer.commit()
        except BaseException:
            if began:
                try:
                    writer.abort()
                except Exception:  # abort must not hide the original error
                    pass
            raise
        finally:
            fh.close()
        touch(self.manifest_path)  # recently used: evicted last
        notes = [f"{c.name}: {note}" for c in cols for note in c.notes]
        return LoadResult(nobs=n if isinstance(n, int) else self.nobs, columns=cols,
                          sql=meta.sql, seconds=time.perf_counter() - t0, notes=notes,
                          path=CACHE_PATH)

    @property
    def manifest_path(self) -> Path:
        return self.data.parent / (self.manifest["key"] + ".json")


def private_folder(path: Path) -> None:
    """Make ``path`` (and its parents), readable by its owner only: cached
    results are copies of the data loaded."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.chmod(path, 0o700)
    except OSError:
        pass


class Cache:
    """The cache folder ``directory`` kept under ``limit`` bytes."""

    def __init__(self, directory: Optional[Path] = None, limit: Optional[int] = None,
                 max_age: Optional[float] = None):
        self.directory = Path(directory) if directory is not None else cache_dir()
        self.limit = config.cache_limit() if limit is None else int(limit)
        self.max_age = config.cache_max_age() if max_age is None else float(max_age)

    def lookup(self, key: str) -> Optional[Stored]:
        """The entry stored for ``key``, or None: none, older than
        ``max_age`` seconds, or damaged (those two are removed); a file that
        cannot be opened now (another process holds it) is a miss, kept."""
        manifest_path = self.directory / f"{key}.json"
        try:
            with open(manifest_path, encoding="utf-8") as fh:
                manifest = json.load(fh)
        except OSError:
            return None
        except ValueError:
            self._remove(manifest_path)
            return None
        try:
            data = self.directory / manifest["data"]
            if (manifest.get("format") != FORMAT or manifest.get("key") != key
                    or not isinstance(manifest["nobs"], int)
                    or not isinstance(manifest["columns"], list)
                    or not isinstance(manifest["batches"], list)
                    or not isinstance(manifest["meta"]["sql"], str)
                    or data.stat().st_size != manifest["bytes"]):
                raise ValueError("not this entry")
            stale = time.time() - float(manifest["created"]) > self.max_age
        except (OSError, ValueError, KeyError, TypeError):
            self._remove(manifest_path)
            return None
        if stale:
            self._remove(manifest_path, data)
            return None
        return Stored(manifest, data)

    def forget(self, key: str) -> None:
        """Remove the entry for ``key`` (an entry that could not be replayed)."""
        manifest_path = self.directory / f"{key}.json"
        try:
            with open(manifest_path, encoding="utf-8") as fh:
                data = self.directory / json.load(fh)["data"]
        except Exception:  # noqa: BLE001
            data = None
        self._remove(manifest_path, *([data] if data else []))

    def recorder(self, key: str, writer) -> "Recorder":
        return Recorder(self, key, writer)

    def entries(self) -> list[tuple[Path, Path, int, float]]:
        """(manifest, data file, bytes of both, last use) of every entry, oldest first."""
        out = []
        try:
            manifests = list(self.directory.glob("*.json"))
        except OSError:
            return []
        for m in manifests:
            try:
                with open(m, encoding="utf-8") as fh:
                    data = self.directory / json.load(fh)["data"]
                size = m.stat().st_size + data.stat().st_size
                out.append((m, data, size, m.stat().st_mtime_ns))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return sorted(out, key=lambda e: e[3])

    def usage(self) -> tuple[int, int]:
        """(entries, bytes) in the cache folder."""
        entries = self.entries()
        return len(entries), sum(e[2] for e in entries)

    def evict(self) -> None:
        """Remove the least recently used entries until the folder is under
        the limit, and leftovers: data no manifest names, stale part files."""
        entries = self.entries()
        total = sum(e[2] for e in entries)
        for manifest, data, size, _ in entries:
            if total <= self.limit:
                break
            self._remove(manifest, data)
            total -= size
        named = {e[1].name for e in entries}
        now = time.time()
        try:
            leftovers = [p for p in self.directory.iterdir()
                         if p.suffix in (".bin", ".part") and p.name not in named]
        except OSError:
            return
        for path in leftovers:  # another process may be recording: only old ones
            try:
                if now - path.stat().st_mtime > STALE_PART_SECONDS:
                    self._remove(path)
            except OSError:
                continue

    def clear(self) -> tuple[int, int]:
        """Remove every entry; returns (entries, bytes) removed."""
        entries = self.entries()
        for manifest, data, _, _ in entries:
            self._remove(manifest, data)
        return len(entries), sum(e[2] for e in entries)

    @staticmethod
    def _remove(*paths: Path) -> None:
        for path in paths:
            try:
                os.remove(path)
            except OSError:
                pass


class Recorder:
    """A Writer that passes everything to ``writer`` and records the batches
    in a part file; after ``writer.commit()`` succeeded the part file becomes
    the entry for ``key``.  Recording never fails the load: on any file error
    (or past the cache's limit) it stops and leaves no entry; an abort
    removes the part file."""

    def __init__(self, cache: Cache, key: str, writer):
        self.cache, self.key, self.writer = cache, key, writer
        self.columns: list = []
        self.meta = None
        self._part: Optional[Path] = None
        self._fh = None
        self._index: list = []
        self._rows = 0

    def check(self) -> None:
        self.writer.check()

    def begin(self, columns, meta=None):
        self.writer.begin(columns, meta)
        self.columns, self.meta = columns, meta
        try:
            private_folder(self.cache.directory)
            self._part = self.cache.directory / f"{self.key}-{uuid.uuid4().hex}.part"
            self._fh = os.fdopen(os.open(self._part, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                                         | getattr(os, "O_BINARY", 0), 0o600), "wb")
        except OSError:
            self._stop()

    def write(self, batch):
        if self._fh is not None:
            from .writers.spool import write_batch
            try:
                self._index.append(write_batch(self._fh, batch))
                self._rows += len(next(iter(batch.values()))) if batch else 0
                if self._fh.tell() > self.cache.limit:
                    self._stop()
            except OSError:
                self._stop()
        self.writer.write(batch)

    def commit(self) -> int:
        columns = [column_state(c) for c in self.columns]  # as the writer receives them
        try:
            n = self.writer.commit()
        except BaseException:
            self._stop()
            raise
        if self._fh is not None:
            self._store(columns, n)
        return n

    def abort(self) -> None:
        try:
            self.writer.abort()
        finally:
            self._stop()

    def _store(self, columns: list, n) -> None:
        from .writers import DatasetMeta
        directory = self.cache.directory
        try:
            self._fh.close()
            self._fh = None
            data = self._part.with_suffix(".bin")
            os.replace(self._part, data)
            self._part = data
            manifest = {"format": FORMAT, "key": self.key, "data": data.name,
                        "bytes": data.stat().st_size, "created": time.time(),
                        "nobs": n if isinstance(n, int) else self._rows, "columns": columns,
                        "meta": meta_state(self.meta or DatasetMeta()),
                        "batches": self._index}
            text = json.dumps(manifest, ensure_ascii=True, allow_nan=True)
            temp = directory / f"{self.key}-{uuid.uuid4().hex}.json.part"
            with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
                           encoding="utf-8") as fh:
                fh.write(text)
            os.replace(temp, directory / f"{self.key}.json")
            touch(directory / f"{self.key}.json")
            self._part = None
            self.cache.evict()
        except Exception:  # noqa: BLE001 - recording never fails a load that succeeded
            self._stop()

    def _stop(self) -> None:
        """Stop recording and remove what was recorded."""
        if self._fh is not None:
            try:
                self._fh.close()
            except OSError:
                pass
            self._fh = None
        if self._part is not None:
            Cache._remove(self._part)
            self._part = None
