"""Execute a SELECT, fetch in batches, hand each batch to a Writer.

Takes an executable (a SQLAlchemy ``Select`` as ``sql.executed_statement``
built it, or the SQL text ``leoquery`` checked), an Engine, the plan's
``OutputColumn``s (None for raw SQL: taken from the cursor description) and a
``writers.Writer``; returns a ``writers.LoadResult`` after the writer has
committed.  ``stream`` executes, fetches (``fetchmany`` from the DBAPI cursor
- no SQLAlchemy ``Row`` per row -, DuckDB's chunked DataFrame fetch, or, for
pyodbc engines with ``leostata[fast]``, columnar batches through arrow-odbc,
``fetch_arrow``; ``LoadResult.path`` says which ran), converts (``convert``),
updates each column's ``Observed``, calls the writer, reports progress and
polls for Break; on any error or Break it cancels, cleans up and calls
``writer.abort()``.

Batch arrays (``batch[name]``), by ``col.family``:

* ``int``/``date`` (integers, bool, %td days): ``numpy.ma.MaskedArray`` of
  int64, mask True where SQL NULL;
* ``float``/``datetime``/``time`` (float, decimal, %tc ms): float64, NaN for NULL;
* ``string``/``binary``: UTF-8 ``bytes`` - an ``S#`` array when every value
  of the batch has at most 2045 bytes, else an object array of ``bytes``;
  NULL is ``b""``.

A column's family can change once mid-stream (``int`` -> ``float`` when an
integer column turns out to hold fractions, which only SQLite allows); writers
convert earlier batches when they materialise.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import sqlalchemy as sa

from . import stata_types as st
from .stata_types import outputs_from_description
from .connection import db_message
from .convert import _from_pandas, convert_rows
from .errors import InternalError, NoObservations, ServerError
from .guard import batch_rows_for
from .progress import PROGRESS_AFTER, Progress, ProgressInfo
from .writers import DatasetMeta, LoadResult, Writer


def _shown(stmt, dialect) -> str:
    """The SQL text of ``stmt`` for display and ``_dta[leo_sql]`` (values
    inlined where SQLAlchemy can render them, else bound markers)."""
    if isinstance(stmt, str):
        return stmt
    try:
        return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(stmt.compile(dialect=dialect))


def stream(select, engine, outputs, writer: Writer, *, meta: DatasetMeta | None = None,
           batch_rows: int | None = None, progress: Callable[[ProgressInfo], Any] | None = None,
           poll: Callable[[], Any] | None = None, total: int | None = None,
           params: dict | None = None, columns: list | None = None,
           native: bool = True, progress_after: float = PROGRESS_AFTER,
           require_rows: bool = False) -> LoadResult:
    """Run ``select`` on ``engine`` and hand the result to ``writer``.

    ``select``: a SQLAlchemy ``Select`` (or any executable) or SQL text.
    ``outputs``: the plan's ``OutputColumn``s in select order; None for raw SQL
    (taken from the cursor description).  ``poll()`` is called before the
    query and between batches and may raise ``BreakPressed``; ``progress``
    receives ``ProgressInfo`` on loads longer than ~2 s (``total`` gives the
    percentage; ``progress_after`` seconds before the first call).  On
    Break or any error the cursor is cancelled and closed, the connection
    discarded, ``writer.abort()`` called, and the exception
    re-raised (database errors as ``ServerError``, rc 5102).  ``native``
    lets DuckDB deliver batches column-wise (``fetch_df_chunk``).
    ``require_rows``: an empty result is r(2000) "no observations" (collapse),
    raised before the writer commits, so the destination is left as it was.
    """
    t0 = time.perf_counter()
    dialect = engine.dialect
    stmt = sa.text(select) if isinstance(select, str) else select
    shown = _shown(select, dialect)
    meta = meta or DatasetMeta()
    if not meta.sql:
        meta.sql = shown
    tracker = Progress(progress, total, after=progress_after)
    nobs = 0
    began = False
    conn = result = cursor = None
    arrow = source = None
    path = "dbapi"
    try:
        if poll:
            poll()
        if outputs is not None and dialect.driver == "pyodbc":
            arrow = _arrow_open(stmt, engine, outputs, params, batch_rows)
        if arrow is not None:
            path = "arrow-odbc"
            if arrow[0].num_columns != len(outputs):
                raise InternalError(f"the query returned {arrow[0].num_columns} columns, "
                                    f"the plan expected {len(outputs)}")
            cols = columns if columns is not None else st.result_columns(outputs,
                                                                         table=meta.table)
            writer.begin(cols, meta)
            began = True
            source = _arrow_batches(arrow, cols)
        else:
            conn = engine.connect()
            try:
                result = conn.execute(stmt, params or {})
            except sa.exc.DBAPIError as exc:
                raise ServerError(f"the database reported an error: {db_message(exc)}") from exc
            cursor = result.cursor
            if cursor is None or cursor.description is None:
                raise InternalError("the statement returned no result set")
            first = None
            if outputs is None:
                if any(d[1] is None for d in cursor.description):  # SQLite: types from values
                    first = _fetch(cursor, UNTYPED_PEEK_ROWS)
                outputs = outputs_from_description(cursor.description, first or ())
            if len(cursor.description) != len(outputs):
                raise InternalError(f"the query returned {len(cursor.description)} columns, "
                                    f"the plan expected {len(outputs)}")
            cols = columns if columns is not None else st.result_columns(outputs,
                                                                         table=meta.table)
            writer.begin(cols, meta)
            began = True
            size = batch_rows or batch_rows_for(cols)
            source = _batches(cursor, cols, size, native and dialect.name == "duckdb",
                              first=first)
        for batch in source:
            if poll:
                poll()
            n = len(next(iter(batch.values()))) if batch else 0
            for c in cols:
                c.observed.update(batch[c.name])
            writer.write(batch)
            nobs += n
            tracker.update(nobs)
        if poll:
            poll()
        source = arrow = None  # releases the arrow-odbc reader and its connection
        if conn is not None:
            _close(result, cursor, conn, cancel=False)
        conn = None
        if require_rows and nobs == 0:
            raise NoObservations("no observations")
        n = writer.commit()
        tracker.finish(nobs)
    except BaseException as exc:
        if source is not None and hasattr(source, "close"):
            try:
                source.close()
            except Exception:
                pass
        source = arrow = None
        if conn is not None:
            _close(result, cursor, conn, cancel=True)
        if began:
            try:
                writer.abort()
            except Exception:  # abort must not hide the original error
                pass
        if isinstance(exc, sa.exc.DBAPIError):
            raise ServerError(f"the database reported an error: {db_message(exc)}") from exc
        raise
    notes = [f"{c.name}: {note}" for c in cols for note in c.notes]
    return LoadResult(nobs=n if isinstance(n, int) else nobs, columns=cols, sql=shown,
                      seconds=time.perf_counter() - t0, notes=notes, path=path)


def _arrow_open(stmt, engine, outputs, params, batch_rows):
    """Start the columnar fetch (``fetch_arrow``): ``(first record batch -
    empty for an empty result -, reader iterator)``, or None to use the
    pyodbc path - arrow-odbc
    missing, the statement does not qualify, or arrow-odbc failed before
    delivering anything (the pyodbc path then reports any real error)."""
    from . import fetch_arrow
    try:
        p = fetch_arrow.plan(stmt, engine, outputs, params)
        if p is None:
            return None
        it = iter(fetch_arrow.open_reader(p, batch_rows or 50_000))
        first = next(it, None)
    except Exception:
        return None
    if first is None:
        import pyarrow as pa
        return (pa.RecordBatch.from_pylist([], schema=it.schema)
                if hasattr(it, "schema") else _NoBatch(len(outputs)), it)
    return first, it


class _NoBatch:
    def __init__(self, k):
        self.num_columns, self.num_rows = k, 0


def _arrow_batches(arrow, cols) -> Iterator[dict]:
    from .fetch_arrow import arrow_batches
    first, it = arrow

    def record_batches():
        if first.num_rows:
            yield first
        while True:
            try:
                rb = next(it, None)
            except Exception as exc:
                raise ServerError(f"the database reported an error while fetching: "
                                  f"{db_message(exc)}") from exc
            if rb is None:
                return
            yield rb
    yield from arrow_batches(record_batches(), cols)


#: Rows read first to type the columns of raw SQL the driver gives no type for.
UNTYPED_PEEK_ROWS = 10_000


def _fetch(cursor, size: int) -> list:
    try:
        return cursor.fetchmany(size)
    except Exception as exc:
        raise ServerError(f"the database reported an error while fetching: "
                          f"{db_message(exc)}") from exc


def _batches(cursor, cols, size: int, native: bool, first=None) -> Iterator[dict]:
    if first is not None:
        if first:
            yield convert_rows(first, cols)
    elif native and not any(str(d[1]).upper() in _DUCKDB_WIDE_INTS for d in cursor.description):
        inner = _duckdb_connection(cursor)
        if inner is not None:
            yield from _duckdb_batches(inner, cols, size)
            return
    while True:
        rows = _fetch(cursor, size)
        if not rows:
            return
        yield convert_rows(rows, cols)


#: DuckDB types its DataFrame conversion would turn into float64 (rounding):
#: such results take the fetchmany path, which keeps them exact.
_DUCKDB_WIDE_INTS = ("HUGEINT", "UHUGEINT", "UBIGINT", "BIGNUM", "VARINT")


def _duckdb_connection(cursor):
    """The object to fetch DuckDB chunks from, if any: duckdb_engine's cursor
    passes DuckDB's own methods (``fetch_df_chunk``) through to its
    connection, so the cursor itself, when it has them."""
    return cursor if hasattr(cursor, "fetch_df_chunk") else None


def _duckdb_batches(inner, cols, size: int) -> Iterator[dict]:
    """DuckDB: fetch chunks as pandas DataFrames (column-wise, no Python
    object per value for numbers) and convert them with NumPy."""
    vectors = max(1, size // 2048)
    while True:
        try:
            df = inner.fetch_df_chunk(vectors)
        except Exception as exc:
            raise ServerError(f"the database reported an error while fetching: "
                              f"{db_message(exc)}") from exc
        if df is None or len(df) == 0:
            return
        out = {}
        for j, rc in enumerate(cols):
            out[rc.name] = _from_pandas(df.iloc[:, j], rc)
        yield out


def _close(result, cursor, conn, *, cancel: bool) -> None:
    """Close cursor and connection; on cancel, stop the running statement and
    discard the connection so no half-read result returns to the pool."""
    if cancel and cursor is not None:
        for attempt in ("cancel",):
            fn = getattr(cursor, attempt, None)
            if fn is not None:
                try:
                    fn()
                except Exception:
                    pass
    for obj in (result, cursor):
        if obj is not None:
            try:
                obj.close()
            except Exception:
                pass
    if conn is not None:
        try:
            if cancel:
                conn.invalidate()
            conn.close()
        except Exception:
            pass
