"""Execute a SELECT, fetch in batches, hand each batch to a Writer.

Takes an executable (a SQLAlchemy ``Select`` as ``sql.executed_statement``
built it, or the SQL text ``leoquery`` checked), an Engine, the plan's
``OutputColumn``s (None for raw SQL: taken from the cursor description) and a
``writers.Writer``; returns a ``writers.LoadResult`` after the writer has
committed.  ``stream`` executes, fetches (``fetchmany`` from the DBAPI cursor
- no SQLAlchemy ``Row`` per row -, DuckDB's chunked DataFrame fetch, or, for
pyodbc engines (arrow-odbc is installed by default), columnar batches through arrow-odbc,
``fetch``; ``LoadResult.path`` says which ran), converts (``convert``),
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

A column can also carry Stata's extended missing values .a-.z: the batch
then holds ``batch[st.letters_key(name)]``, a uint8 array of
``ExtendedMissing.index`` (0 where the column's own value stands), made
here from the flag columns the plan marks (``OutputColumn.marks``: the
suppressed statistics of ``sdc``), which are not loaded themselves.

A column's family can change once mid-stream (``int`` -> ``float`` when an
integer column turns out to hold fractions, which only SQLite allows); writers
convert earlier batches when they materialise.
"""

from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import sqlalchemy as sa

from . import stata_types as st
from .connection import db_message
from .convert import as_float
from .errors import InternalError, NoObservations, ServerError
from .fetch import open_source
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


def _letters(flag, value: st.ExtendedMissing) -> np.ndarray:
    """A flag column's batch (1 = marked) as a ``letters_key`` array."""
    return np.where(as_float(flag) == 1, value.index, 0).astype(np.uint8)


def stream(select, engine, outputs, writer: Writer, *, meta: DatasetMeta | None = None,
           batch_rows: int | None = None, progress: Callable[[ProgressInfo], Any] | None = None,
           poll: Callable[[], Any] | None = None, total: int | None = None,
           params: dict | None = None, columns: list | None = None,
           native: bool = True, progress_after: float = PROGRESS_AFTER,
           require_rows: bool = False, small: bool = False) -> LoadResult:
    """Run ``select`` on ``engine`` and hand the result to ``writer``.

    ``select``: a SQLAlchemy ``Select`` (or any executable) or SQL text.
    ``outputs``: the plan's ``OutputColumn``s in select order; None for raw SQL
    (taken from the cursor description).  ``poll()`` is called before the
    query and between batches and may raise ``BreakPressed``; ``progress``
    receives ``ProgressInfo`` on loads longer than ~2 s (``total`` gives the
    percentage; ``progress_after`` seconds before the first call).  On
    Break or any error the statement is cancelled, the connection
    discarded, ``writer.abort()`` called, and the exception
    re-raised (database errors as ``ServerError``, rc 5102).  ``native``
    lets DuckDB deliver batches column-wise (``fetch_df_chunk``).
    ``require_rows``: an empty result is r(2000) "no observations" (collapse),
    raised before the writer commits, so the destination is left as it was.
    ``small``: the result is an aggregate (one row per group): the columnar
    fetch allocates small transit buffers (``fetch.arrow_odbc.SMALL_RESULT_BYTES``).
    """
    t0 = time.perf_counter()
    stmt = sa.text(select) if isinstance(select, str) else select
    meta = meta or DatasetMeta()
    shown = meta.sql or _shown(select, engine.dialect)
    meta.sql = shown
    tracker = Progress(progress, total, after=progress_after)
    nobs = 0
    began = False
    source = None
    try:
        if poll:
            poll()
        source = open_source(stmt, engine, outputs, params=params, batch_rows=batch_rows,
                             native=native, small=small)
        outputs, path = source.outputs, source.path
        if source.width != len(outputs):
            raise InternalError(f"the query returned {source.width} columns, "
                                f"the plan expected {len(outputs)}")
        fetched = columns if columns is not None else st.result_columns(outputs,
                                                                        table=meta.table)
        flags = [(c.name, out.marks) for c, out in zip(fetched, outputs) if out.marks]
        cols = [c for c, out in zip(fetched, outputs) if not out.marks]
        writer.begin(cols, meta)
        began = True
        for batch in source.batches(fetched, batch_rows or batch_rows_for(fetched)):
            if poll:
                poll()
            n = len(next(iter(batch.values()))) if batch else 0
            for c in cols:
                c.observed.update(batch[c.name])
            for flag, (target, value) in flags:
                batch[st.letters_key(target)] = _letters(batch.pop(flag), value)
            writer.write(batch)
            nobs += n
            tracker.update(nobs)
        if poll:
            poll()
        source.close(cancel=False)
        source = None
        if require_rows and nobs == 0:
            raise NoObservations("no observations")
        n = writer.commit()
        tracker.finish(nobs)
    except BaseException as exc:
        if source is not None:
            source.close(cancel=True)
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
