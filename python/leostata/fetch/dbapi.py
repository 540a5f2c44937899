"""The DBAPI fetch: execute through SQLAlchemy, then ``fetchmany`` from the
driver's cursor (no SQLAlchemy ``Row`` per row), or DuckDB's own columnar
fetch when the result has no type DuckDB's conversion would round: Arrow
record batches converted as the arrow-odbc path converts them
(``fetch.arrow_odbc.convert_arrow``, no pandas import), or chunked DataFrames
when a column's Arrow type is not one that conversion reads directly.
"""

from __future__ import annotations

import warnings
from typing import Iterator

import sqlalchemy as sa

from ..connection import db_message
from ..convert import _from_pandas, convert_rows
from ..errors import InternalError, ServerError
from ..stata_types import outputs_from_description


#: Rows read first to type the columns of raw SQL the driver gives no type for.
UNTYPED_PEEK_ROWS = 10_000


#: DuckDB types its DataFrame conversion would turn into float64 (rounding):
#: such results take the fetchmany path, which keeps them exact.
_DUCKDB_WIDE_INTS = ("HUGEINT", "UHUGEINT", "UBIGINT", "BIGNUM", "VARINT")


class DbapiSource:
    """An executed statement on a connection of its own: ``outputs`` (given,
    or read from the cursor description - SQLite's untyped columns from the
    values of the first rows)."""

    path = "dbapi"

    def __init__(self, stmt, engine, outputs, params: dict | None, native: bool):
        self._conn = engine.connect()
        self._result = self._cursor = None
        try:
            self._result = self._conn.execute(stmt, params or {})
        except sa.exc.DBAPIError as exc:
            self.close(cancel=True)
            raise ServerError(f"the database reported an error: {db_message(exc)}") from exc
        except BaseException:
            self.close(cancel=True)
            raise
        cursor = self._cursor = self._result.cursor
        if cursor is None or cursor.description is None:
            self.close(cancel=True)
            raise InternalError("the statement returned no result set")
        self._first = None
        if outputs is None:
            if any(d[1] is None for d in cursor.description):  # SQLite: types from values
                self._first = _fetch(cursor, UNTYPED_PEEK_ROWS)
            outputs = outputs_from_description(cursor.description, self._first or ())
        self.outputs = outputs
        self._native = (native and engine.dialect.name == "duckdb" and self._first is None
                        and hasattr(cursor, "fetch_df_chunk")  # duckdb_engine passes it on
                        and not any(str(d[1]).upper() in _DUCKDB_WIDE_INTS
                                    for d in cursor.description))

    @property
    def width(self) -> int:
        return len(self._cursor.description)

    def batches(self, cols, size: int) -> Iterator[dict]:
        if self._native:
            yield from _duckdb_batches(self._cursor, cols, size)
            return
        if self._first:
            yield convert_rows(self._first, cols)
        while True:
            rows = _fetch(self._cursor, size)
            if not rows:
                return
            yield convert_rows(rows, cols)

    def close(self, *, cancel: bool) -> None:
        """Close cursor and connection; on cancel, stop the running statement
        and discard the connection so no half-read result returns to the pool."""
        result, cursor, conn = self._result, self._cursor, self._conn
        self._result = self._cursor = self._conn = None
        if cancel and cursor is not None:
            try:
                cursor.cancel()
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


def _fetch(cursor, size: int) -> list:
    try:
        return cursor.fetchmany(size)
    except Exception as exc:
        raise ServerError(f"the database reported an error while fetching: "
                          f"{db_message(exc)}") from exc


def _arrow_read(t) -> bool:
    """True for the Arrow types ``convert_arrow`` reads from their buffers or
    from values the DBAPI path would also give (numbers, booleans, text,
    dates, timestamps without a time zone, decimals, times)."""
    import pyarrow.types as pt
    return ((pt.is_integer(t) and not pt.is_uint64(t)) or pt.is_floating(t)
            or pt.is_boolean(t) or pt.is_string(t) or pt.is_large_string(t)
            or pt.is_date32(t) or (pt.is_timestamp(t) and t.tz is None)
            or pt.is_decimal(t) or pt.is_time64(t))


def _duckdb_batches(inner, cols, size: int) -> Iterator[dict]:
    """DuckDB: Arrow record batches of ``size`` rows converted column-wise
    (``convert_arrow``); DataFrame chunks when a column's type is not one it
    reads (``_arrow_read``) or pyarrow is missing."""
    try:
        from .arrow_odbc import convert_arrow
        # DuckDB 1.4+ names it to_arrow_reader, earlier releases fetch_record_batch
        arrow = getattr(inner, "to_arrow_reader", None) or inner.fetch_record_batch
        with warnings.catch_warnings():  # "makes an extra copy": a note for DuckDB's users,
            warnings.simplefilter("ignore", UserWarning)  # not for Stata's (measured: bench/README)
            reader = arrow(size)
    except ImportError:
        yield from _duckdb_frames(inner, cols, size)
        return
    except Exception as exc:
        raise ServerError(f"the database reported an error while fetching: "
                          f"{db_message(exc)}") from exc
    direct = all(_arrow_read(f.type) for f in reader.schema)
    while True:
        try:
            rb = reader.read_next_batch()
        except StopIteration:
            return
        except Exception as exc:
            raise ServerError(f"the database reported an error while fetching: "
                              f"{db_message(exc)}") from exc
        if rb.num_rows == 0:
            continue
        if direct:
            yield {rc.name: convert_arrow(rb.column(j), rc) for j, rc in enumerate(cols)}
        else:
            yield _frame_batch(rb.to_pandas(), cols)


def _duckdb_frames(inner, cols, size: int) -> Iterator[dict]:
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
        yield _frame_batch(df, cols)


def _frame_batch(df, cols) -> dict:
    """A DuckDB DataFrame chunk -> the batch dict (NumPy per column)."""
    return {rc.name: _from_pandas(df.iloc[:, j], rc) for j, rc in enumerate(cols)}
