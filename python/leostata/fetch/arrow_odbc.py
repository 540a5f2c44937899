"""The columnar fetch through ``arrow-odbc`` for pyodbc engines (installed by
default with leostata; pyodbc stays the fallback).

``fetch.open_source`` uses it when ``arrow_odbc`` and ``pyarrow`` are importable, the
engine's driver is pyodbc (``mssql+pyodbc``, our ``postgresql+pyodbc``) and
the statement qualifies; otherwise (and whenever ``plan`` returns None) the
pyodbc ``fetchmany`` path runs as before.  perf.md measured arrow-odbc at
~2.5x pyodbc's rows/s with far less memory.

Fallback to pyodbc when:

* arrow-odbc / pyarrow cannot be imported (a site that removed them);
* the statement is raw SQL (``outputs`` None) or not a SQLAlchemy statement;
* a bound parameter is not an ASCII ``str`` (arrow-odbc passes every
  parameter as VARCHAR, which would not be faithful for floats, dates or
  non-ASCII text on SQL Server); Python ``int`` values are rendered as SQL
  integer literals instead (exact);
* a string column has no declared length or one beyond ``MAX_TEXT`` bytes, or
  a binary column is selected (pyodbc fetches long values without a limit;
  arrow-odbc needs a bound and would fail on longer values);
* no ODBC connection string can be derived from ``engine.url``, the pyodbc
  connect takes keyword arguments, or (PostgreSQL read-only engines) the
  read-only session setting cannot be added to ``ConnSettings``;
* the engine's SQL is observed (``echo``, ``before/after_cursor_execute``
  listeners), since arrow-odbc bypasses SQLAlchemy;
* arrow-odbc fails before the first batch (connect, prepare, execute); the
  pyodbc path then runs the statement again and reports any real error.

Values longer than a buffer are never truncated silently: arrow-odbc raises,
which ends the load with ``ServerError`` like any fetch error.

``arrow_batches`` converts each record batch to exactly the batch dict the
pyodbc path produces (see ``stream``'s module docstring), reusing
``convert.convert_column`` for any type combination without a vectorised rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import sqlalchemy as sa

from .. import stata_types as st
from ..stata_types import ResultColumn

#: max_text_size (bytes) given to arrow-odbc, and the longest declared string
#: length (characters; psqlODBC/msodbcsql buffers scale for UTF-8) it serves.
MAX_TEXT = 8000
MAX_DECLARED = 2000
#: transit buffer bound per batch (arrow-odbc allocates two when fetching concurrently)
MAX_BYTES_PER_BATCH = 64 << 20
#: the bound for a result known to be small (an aggregate: one row per group).
#: arrow-odbc sizes its buffers for batch rows x the widest value each column
#: may hold, which for a text group key is MAX_TEXT bytes: 64 MB allocated for
#: a few hundred cells cost about 70 ms on PostgreSQL, 8 MB about 12 ms
#: (bench/README.md, issue 16 item 1); wide results then come in more batches.
SMALL_RESULT_BYTES = 8 << 20
TD_OFFSET_1970 = 3653  # days from 1960-01-01 to 1970-01-01
MS_OFFSET_1970 = TD_OFFSET_1970 * 86_400_000

READ_ONLY_SQL = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"


def available() -> bool:
    """True when arrow-odbc and pyarrow can be imported."""
    try:
        import arrow_odbc  # noqa: F401
        import pyarrow  # noqa: F401
    except Exception:
        return False
    return True


@dataclass
class ArrowPlan:
    query: str
    connection_string: str
    parameters: list
    #: the longest text value the result can hold, in bytes: 4 bytes a
    #: character (UTF-8; UTF-16 pairs where the encoding is wide) of the
    #: longest declared string output; arrow-odbc bounds its text buffers by it
    #: where the driver reports a larger size (an expression such as Stata's
    #: coalesce(key, '') group key has no declared length).  A longer value is
    #: an error in arrow-odbc, never a silent truncation.
    max_text: int = MAX_TEXT


def plan(stmt, engine, outputs, params: dict | None) -> ArrowPlan | None:
    """The arrow-odbc query, connection string and parameters for ``stmt``,
    or None when the pyodbc path must be used (module docstring)."""
    dialect = engine.dialect
    if getattr(dialect, "driver", None) != "pyodbc" or outputs is None:
        return None
    if not isinstance(stmt, (sa.Select, sa.TextClause, sa.CompoundSelect)):
        return None
    if _observed(engine):
        return None
    longest = 1
    for out in outputs:
        kind = out.sql_type.kind
        if kind == "binary":
            return None
        if kind == "string":
            n = out.sql_type.length
            if not n or n > MAX_DECLARED:
                return None
            longest = max(longest, n)
    if not available():
        return None
    conn_str = connection_string(engine)
    if conn_str is None:
        return None
    try:
        stmt = _inline_ints(stmt, params or {})
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        values = compiled.construct_params(params or None)
        names = compiled.positiontup or []
        args = [values[name] for name in names]
    except Exception:
        return None
    if any(type(v) is not str or not v.isascii() for v in args):
        return None
    return ArrowPlan(str(compiled), conn_str, args, min(MAX_TEXT, 4 * longest))


def _observed(engine) -> bool:
    """True when something watches the SQL the engine executes (``echo`` or
    a cursor-execute listener, e.g. SQL logging or a test capturing it):
    arrow-odbc bypasses SQLAlchemy, so such engines keep the pyodbc path."""
    from ..connection import STATEMENT_GUARDS
    try:
        ours = sum(sa.event.contains(engine.engine, "before_cursor_execute", guard)
                   for guard in STATEMENT_GUARDS)  # leostata's own guards need no watching
        return bool(getattr(engine, "echo", False)
                    or len(engine.dispatch.before_cursor_execute) > ours
                    or engine.dispatch.after_cursor_execute)
    except Exception:
        return True


def _inline_ints(stmt, params: dict):
    """``stmt`` with integer bound values (e.g. the ``* 1000`` of the %tc
    server cast, ``id > 5``) rendered as SQL integer literals: exact, and
    arrow-odbc could only pass them as VARCHAR.  Values overridden by
    ``params`` stay bound."""
    from sqlalchemy.sql.elements import BindParameter
    from sqlalchemy.sql.visitors import replacement_traverse

    def repl(el):
        if (isinstance(el, BindParameter) and not el.expanding and el.callable is None
                and el.key not in params and type(el.value) is int):
            return el.render_literal_execute()
        return None

    return replacement_traverse(stmt, {}, repl)


def connection_string(engine) -> str | None:
    """The ODBC connection string pyodbc would use for ``engine`` (what
    SQLAlchemy's pyodbc connector builds from the URL: ``odbc_connect``, a DSN
    or host/database/driver/trusted_connection), or None if unsure."""
    dialect = engine.dialect
    try:
        args, kwargs = dialect.create_connect_args(engine.url)
    except Exception:
        return None
    if kwargs or len(args) != 1 or not isinstance(args[0], str) or not args[0].strip():
        return None
    conn_str = args[0]
    if dialect.name == "postgresql" and _read_only(engine):
        conn_str = _add_conn_setting(conn_str, READ_ONLY_SQL)
    return conn_str


def _read_only(engine) -> bool:
    from ..connection import _postgres_read_only
    try:
        return sa.event.contains(engine, "connect", _postgres_read_only)
    except Exception:
        return True


def _split(conn_str: str) -> list[tuple[str, str]] | None:
    """``key=value`` pairs of an ODBC string (values may be ``{...}``)."""
    pairs, i, n = [], 0, len(conn_str)
    while i < n:
        if conn_str[i] in "; ":
            i += 1
            continue
        eq = conn_str.find("=", i)
        if eq < 0:
            return None
        key = conn_str[i:eq]
        j = eq + 1
        if j < n and conn_str[j] == "{":
            end = conn_str.find("}", j)
            if end < 0 or (end + 1 < n and conn_str[end + 1] == "}"):
                return None  # escaped braces: do not guess
            value, i = conn_str[j:end + 1], end + 1
        else:
            end = conn_str.find(";", j)
            end = n if end < 0 else end
            value, i = conn_str[j:end], end
        pairs.append((key.strip(), value))
    return pairs


def _add_conn_setting(conn_str: str, sql: str) -> str | None:
    """``conn_str`` with ``sql`` appended to psqlODBC's ``ConnSettings``."""
    pairs = _split(conn_str)
    if pairs is None:
        return None
    out, done = [], False
    for key, value in pairs:
        if key.lower() == "connsettings":
            inner = value[1:-1] if value.startswith("{") else value
            if "}" in inner:
                return None
            value = "{" + (inner.rstrip("; ") + ";" if inner.strip() else "") + sql + "}"
            done = True
        out.append(f"{key}={value}")
    if not done:
        out.append("ConnSettings={" + sql + "}")
    return ";".join(out)


def open_reader(p: ArrowPlan, batch_rows: int, max_bytes: int | None = None):
    """Execute ``p`` through arrow-odbc, its transit buffers bounded by
    ``max_bytes`` per batch (default ``MAX_BYTES_PER_BATCH``); returns its
    batch reader."""
    from arrow_odbc import read_arrow_batches_from_odbc
    return read_arrow_batches_from_odbc(
        query=p.query, connection_string=p.connection_string, batch_size=int(batch_rows),
        parameters=p.parameters or None, max_text_size=p.max_text, max_binary_size=MAX_TEXT,
        max_bytes_per_batch=max_bytes or MAX_BYTES_PER_BATCH, map_schema=_wide_floats)


def _wide_floats(schema):
    """Fetch every floating column as float64: psqlODBC reports float8 as
    SQL_FLOAT with a precision arrow-odbc maps to float32 (pyodbc always
    fetches C doubles)."""
    import pyarrow as pa
    import pyarrow.types as pt
    return pa.schema([f.with_type(pa.float64()) if pt.is_floating(f.type) else f
                      for f in schema], metadata=schema.metadata)


def arrow_batches(record_batches, cols: list[ResultColumn]) -> Iterator[dict]:
    """Arrow record batches -> batch dicts (identical to the pyodbc path's)."""
    for rb in record_batches:
        if rb.num_rows == 0:
            continue
        if rb.num_columns != len(cols):
            from ..errors import InternalError
            raise InternalError(f"the query returned {rb.num_columns} columns, "
                                f"the plan expected {len(cols)}")
        yield {rc.name: convert_arrow(rb.column(j), rc) for j, rc in enumerate(cols)}


# Arrow buffers are read with numpy directly: pyarrow's own to_numpy() for a
# copy imports pandas (0.2 s of a command's start, bench/bench_start.py), and so
# does any Python scalar pyarrow converts (fill_null(0), fill_null("")): nulls
# are set in numpy, and date32/timestamp values read through a zero-copy view.

def _mask(a) -> np.ndarray:
    """True where ``a`` is null (from the validity bitmap, LSB first)."""
    if a.null_count == 0:
        return np.zeros(len(a), bool)
    bits = np.frombuffer(a.buffers()[0], dtype=np.uint8)
    valid = np.unpackbits(bits, bitorder="little")[a.offset:a.offset + len(a)]
    return valid == 0


#: numpy's dtype for the Arrow numeric types read straight from their buffer
#: (no pyarrow cast: that would import pyarrow.compute, 0.03 s of a start).
_NUMPY_OF = {"int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
             "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
             "halffloat": np.float16, "float": np.float32, "double": np.float64}


def _fixed(a, pa_type, dtype) -> np.ndarray:
    """``a`` converted to the fixed-width ``pa_type``, nulls as 0, as a
    writable numpy copy of ``dtype`` (like the pyodbc path): numeric buffers
    read and converted by numpy, other types cast by pyarrow first."""
    source = _NUMPY_OF.get(str(a.type))
    if source is None:
        a = a.cast(pa_type, safe=False)
        source = dtype
    width = np.dtype(source).itemsize
    vals = np.frombuffer(a.buffers()[1], dtype=source, count=len(a),
                         offset=a.offset * width).astype(dtype)  # astype copies
    if a.null_count:
        vals[_mask(a)] = 0
    return vals


def _int64(a) -> np.ndarray:
    import pyarrow as pa
    return _fixed(a, pa.int64(), np.int64)


def _date_range(vals: np.ndarray, mask: np.ndarray, rc: ResultColumn) -> np.ma.MaskedArray:
    bad = ~mask & ((vals < st.TD_MIN) | (vals > st.TD_MAX))
    if bad.any():
        if rc.observed:
            rc.observed.out_of_range += int(bad.sum())
        return np.ma.MaskedArray(vals.copy(), mask=mask | bad)
    return np.ma.MaskedArray(vals, mask=mask)


def convert_arrow(a, rc: ResultColumn) -> np.ndarray:
    """One Arrow column -> the batch array ``stream.convert_column`` would
    give for the same values fetched by pyodbc."""
    import pyarrow as pa
    import pyarrow.types as pt
    from ..convert import convert_column, tc_in_range
    t = a.type
    fam = rc.family
    integer = pt.is_integer(t) and not pt.is_uint64(t)
    if fam == "int" and integer:
        return np.ma.MaskedArray(_int64(a), mask=_mask(a))
    if fam == "date" and (integer or pt.is_date32(t)):
        vals = _int64(a.view(pa.int32()) if pt.is_date32(t) else a)
        mask = _mask(a)
        if pt.is_date32(t):
            vals = vals + TD_OFFSET_1970
            vals[mask] = 0
        return _date_range(vals, mask, rc)
    if fam in ("float", "datetime", "time") and (integer or pt.is_floating(t)):
        f = _fixed(a, pa.float64(), np.float64)
        if a.null_count:
            f[_mask(a)] = np.nan
        return tc_in_range(f, rc) if fam == "datetime" else f
    if fam == "datetime" and pt.is_timestamp(t) and t.tz is None:
        us = _int64(a.view(pa.int64()) if t.unit == "us"
                    else a.cast(pa.timestamp("us"), safe=False).view(pa.int64()))
        secs = np.floor_divide(us, 1_000_000)
        f = (secs * 1000 + MS_OFFSET_1970).astype(np.float64) + (us - secs * 1_000_000) / 1000
        if a.null_count:
            f[_mask(a)] = np.nan
        return tc_in_range(f, rc)
    if fam == "string" and (pt.is_string(t) or pt.is_large_string(t)):
        return _strings(a)
    return convert_column(a.to_pylist(), rc)


def _strings(a) -> np.ndarray:
    """UTF-8 bytes with NULL as b"": ``S#`` (# = longest, at least 1) when
    every value fits ``st.MAX_STR``, else an object array of bytes."""
    import pyarrow.types as pt
    n = len(a)
    bufs = a.buffers()
    offset_type = np.int64 if pt.is_large_string(a.type) else np.int32
    size = np.dtype(offset_type).itemsize
    offsets = np.frombuffer(bufs[1], dtype=offset_type, count=n + 1,
                            offset=a.offset * size).astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    starts, lens = offsets[:-1], np.diff(offsets)
    if a.null_count:  # a null slot may span bytes (Arrow allows it): it is ""
        lens = np.where(_mask(a), 0, lens)
    longest = int(lens.max()) if n else 0
    if longest > st.MAX_STR:
        out = np.empty(n, dtype=object)
        out[:] = [bytes(data[s:s + k]) for s, k in zip(starts.tolist(), lens.tolist())]
        return out
    width = max(longest, 1)
    flat = np.zeros(n * width, dtype=np.uint8)
    total = int(lens.sum())
    if total:
        rows = np.repeat(np.arange(n, dtype=np.int64), lens)
        within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        flat[rows * width + within] = data[np.repeat(starts, lens) + within]
    return flat.view(f"S{width}")


# --- the batch source ---------------------------------------------------------------------


class ArrowSource:
    """A started arrow-odbc fetch: the first record batch (empty for an
    empty result) and the reader it came from."""

    path = "arrow-odbc"

    def __init__(self, outputs, first, reader):
        self.outputs, self._first, self._reader = outputs, first, reader

    @property
    def width(self) -> int:
        return self._first.num_columns

    def batches(self, cols, size: int) -> Iterator[dict]:
        from ..connection import db_message
        from ..errors import ServerError
        first, reader = self._first, self._reader

        def record_batches():
            if first.num_rows:
                yield first
            while True:
                try:
                    rb = next(reader, None)
                except Exception as exc:
                    raise ServerError(f"the database reported an error while fetching: "
                                      f"{db_message(exc)}") from exc
                if rb is None:
                    return
                yield rb
        yield from arrow_batches(record_batches(), cols)

    def close(self, *, cancel: bool) -> None:
        self._first = self._reader = None  # releases the reader and its connection


class _NoBatch:
    def __init__(self, k):
        self.num_columns, self.num_rows = k, 0


def open_source(stmt, engine, outputs, params, batch_rows,
                small: bool = False) -> ArrowSource | None:
    """Start the columnar fetch, or None to use the DBAPI path: arrow-odbc
    missing, the statement does not qualify, or arrow-odbc failed before
    delivering anything (the DBAPI path then reports any real error)."""
    try:
        p = plan(stmt, engine, outputs, params)
        if p is None:
            return None
        reader = iter(open_reader(p, batch_rows or 50_000,
                                  SMALL_RESULT_BYTES if small else None))
        first = next(reader, None)
    except Exception:
        return None
    if first is None:
        import pyarrow as pa
        first = (pa.RecordBatch.from_pylist([], schema=reader.schema)
                 if hasattr(reader, "schema") else _NoBatch(len(outputs)))
    return ArrowSource(outputs, first, reader)
