"""Execute a SELECT, fetch in batches, convert column-wise, hand to a Writer.

Takes a SQLAlchemy ``Select`` (or SQL text, for ``leoquery``), an Engine and
the plan's ``OutputColumn``s; returns a ``LoadResult`` after a ``Writer`` has
received every batch.  Nothing here imports ``sfi``; the Stata writer lives in
``bridge``, the ``.dta`` writer in ``dta``, ``MemoryWriter`` below.

Pipeline pieces, each usable alone:

* ``server_casts(select, outputs, dialect)`` - the same SELECT with decimals
  cast to double, dates returned as %td day numbers, datetimes as %tc
  milliseconds and times as milliseconds since midnight, computed by the
  server (perf.md §3d: the driver then builds no ``Decimal``/``date``
  objects).  Column expressions are rewritten in place, so WHERE, GROUP BY
  and ORDER BY are untouched; a DISTINCT select is wrapped in an outer SELECT
  instead (and left alone if it also has an ORDER BY, which SQL Server would
  refuse in a subquery).  ``stream`` calls it unless ``casts=False``; the
  conversion below also handles uncast values (``Decimal``, ``date``...), so
  raw SQL needs no casts.
* ``check_size(...)`` - the safety guard before a non-aggregated fetch.
* ``stream(...)`` - execute, ``fetchmany`` from the DBAPI cursor (no
  SQLAlchemy ``Row`` per row), convert, update each column's ``Observed``,
  ``writer.write(batch)``; progress callback, Break poll, cancel + cleanup.
  For pyodbc engines (SQL Server, ``postgresql+pyodbc``) with arrow-odbc and
  pyarrow installed (``leostata[fast]``) the rows come column-wise through
  arrow-odbc instead (``fetch_arrow``; ``LoadResult.path`` says which path
  ran), converted to the same batches; anything it cannot serve exactly
  falls back to ``fetchmany``.

Writer protocol (``Writer``): ``begin(columns, meta)`` once, ``write(batch)``
per batch, then ``commit()`` (returns the number of observations) or
``abort()`` (after any error or Break; must leave the destination exactly as
before and must not raise).  ``columns`` are ``stata_types.ResultColumn``s
shared with ``stream``: stream updates ``col.observed`` before each
``write``; at ``commit`` a writer calls ``col.finalize()`` to get the final
storage type (exact ``str#``, promoted integers) and then materialises its
data.  Writers that must know final types before storing (both real ones)
keep batches in a ``Spool`` (memory up to a limit, then a temporary file), so
memory stays bounded by a few batches plus the destination.

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

import datetime as _dt
import decimal
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Protocol

import numpy as np
import sqlalchemy as sa

from . import stata_types as st
from .catalog import SqlType, normalize_type
from .errors import (DataInconsistency, InternalError, NoObservations, ResultTooLarge,
                     ServerError)
from .stata_types import ResultColumn
from .translate import dates

DEFAULT_MAXOBS = 10_000_000
#: Loads shorter than this show no progress line.
PROGRESS_AFTER = 2.0
PROGRESS_EVERY = 1.0
TD_EPOCH_ORDINAL = _dt.date(1960, 1, 1).toordinal()  # 715510
MS_PER_DAY = 86_400_000


# --- metadata passed to writers --------------------------------------------------


@dataclass
class DatasetMeta:
    """Dataset-level facts for a writer: the table (for the data label), the
    SQL text (``_dta[leo_sql]``), whether the database is the synthetic one,
    and extra ``_dta`` characteristics."""

    table: str = ""
    sql: str = ""
    synthetic: bool = False
    label: str | None = None
    chars: dict = field(default_factory=dict)

    def data_label(self) -> str:
        """At most 80 characters; names the table and says SYNTHETIC when so."""
        if self.label is not None:
            text = self.label
        elif self.table:
            text = f"leostata: {self.table}"
        else:
            text = "leostata query result"
        if self.synthetic:
            text = "SYNTHETIC (not real data) " + text
        return st.variable_label(text)[0]

    def dta_chars(self) -> dict:
        chars = dict(self.chars)
        if self.sql:
            chars["leo_sql"] = st.clip_char(self.sql)
        if self.table:
            chars["leo_table"] = st.clip_char(self.table)
        if self.synthetic:
            chars["leo_synthetic"] = ("1: synthetic LEO-shaped data generated by leostata; "
                                      "not real records")
        return chars


class Writer(Protocol):
    """Destination of a load (see the module docstring)."""

    def begin(self, columns: list[ResultColumn], meta: DatasetMeta | None = None) -> None: ...

    def write(self, batch: dict[str, np.ndarray]) -> None: ...

    def commit(self) -> int: ...

    def abort(self) -> None: ...


@dataclass
class LoadResult:
    """What a load did: observations, the final columns, the SQL sent,
    seconds, rows per second and notes for the user."""

    nobs: int
    columns: list[ResultColumn]
    sql: str
    seconds: float
    notes: list[str] = field(default_factory=list)
    #: how rows were fetched: "arrow-odbc" (columnar, fetch_arrow) or "dbapi"
    path: str = "dbapi"

    @property
    def k(self) -> int:
        return len(self.columns)

    @property
    def rate(self) -> float:
        return self.nobs / self.seconds if self.seconds > 0 else float("inf")

    def locals(self, table: str = "") -> dict[str, str]:
        """Values for ``bridge.set_result_locals`` (the ado posts them in r())."""
        return {"leo_N": str(self.nobs), "leo_k": str(self.k), "leo_table": table,
                "leo_sql": self.sql, "leo_notes": "; ".join(self.notes)}


# --- server-side casts --------------------------------------------------------------


def _lit(text: str):
    return sa.literal_column(text)


def _cast_expr(expr, sql_type: SqlType, dialect: str):
    """The expression returning ``expr`` in the form stream wants, or None to
    leave it alone."""
    kind, raw = sql_type.kind, (sql_type.raw or "").lower()
    if kind == "decimal":
        return sa.cast(expr, sa.Double())
    if kind == "bool" and dialect in ("postgresql", "duckdb", "mssql"):
        return sa.cast(expr, sa.Integer())
    if kind == "date":
        return dates.load_days(expr, dialect)
    if kind == "datetime":
        has_zone = "time zone" in raw and "without" not in raw or raw.startswith("timestamptz")
        return dates.load_ms(expr, dialect, has_zone=has_zone)
    if kind == "time":
        if dialect in ("postgresql", "duckdb"):
            return sa.cast(sa.extract("epoch", expr) * 1000, sa.Double())
        if dialect == "mssql":
            return sa.cast(sa.func.datediff_big(_lit("millisecond"),
                                                _lit("CAST('00:00:00' AS time)"), expr),
                           sa.Double())
        return None
    if kind == "unknown" and dialect in ("postgresql", "duckdb"):
        return sa.cast(expr, sa.String())
    return None


def _already_numeric(col, sql_type: SqlType) -> bool:
    """True when the SELECT already returns this column as Stata wants it:
    its SQLAlchemy type is numeric although the SQL type is a date, datetime,
    time, bool or decimal (e.g. collapse by() keys already as %td days)."""
    t = getattr(col, "type", None)
    if t is None or isinstance(t, sa.types.NullType):
        return False
    kind = sql_type.kind
    if kind in ("date", "datetime", "time", "bool"):
        return isinstance(t, (sa.Integer, sa.Numeric))
    if kind == "decimal":
        return isinstance(t, sa.Float)
    return False


def server_casts(select, outputs, dialect: str):
    """``select`` with server-side casts for ``outputs`` (same order as the
    selected columns); returns ``select`` unchanged when nothing needs a cast
    or the statement cannot be rewritten safely.  A column whose expression
    is already typed numeric in SQLAlchemy (``Integer``/``Float``, e.g. a
    date already turned into %td days by the collapse translator) is left
    alone.  ``dialect`` is the
    SQLAlchemy dialect name (``mssql``, ``postgresql``, ``duckdb``, ``sqlite``).
    The translation engineer may call this; ``stream`` does by default."""
    if not isinstance(select, sa.Select):
        return select
    cols = list(select.selected_columns)
    if len(cols) != len(outputs):
        return select
    new, changed = [], False
    for col, out in zip(cols, outputs):
        expr = None if _already_numeric(col, out.sql_type) else _cast_expr(col, out.sql_type,
                                                                             dialect)
        if expr is None:
            new.append(col)
        else:
            changed = True
            new.append(expr.label(col.key if col.key else out.name))
    if not changed:
        return select
    if not select._distinct:
        return select.with_only_columns(*new, maintain_column_froms=True)
    if select._order_by_clauses:
        return select  # wrapping would put ORDER BY in a subquery
    sub = select.subquery("leo_q")
    outer = []
    for col, out in zip(sub.c, outputs):
        expr = _cast_expr(col, out.sql_type, dialect)
        outer.append(col if expr is None else expr.label(col.key))
    return sa.select(*outer)


def sql_text(stmt, dialect) -> str:
    """The SQL text of ``stmt`` for display and ``_dta[leo_sql]`` (values
    inlined where SQLAlchemy can render them, else bound markers)."""
    if isinstance(stmt, str):
        return stmt
    try:
        return str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(stmt.compile(dialect=dialect))


# --- outputs for raw SQL (leoquery) -------------------------------------------------------

_PY_KINDS = {bool: "bool", int: "int64", float: "float64", decimal.Decimal: "decimal",
             str: "string", _dt.date: "date", _dt.datetime: "datetime", _dt.time: "time",
             bytes: "binary", bytearray: "binary", memoryview: "binary"}


def outputs_from_description(description) -> list:
    """``OutputColumn``s for a DBAPI ``cursor.description`` (raw SQL: the
    types come from the driver - Python classes for pyodbc, type names for
    DuckDB)."""
    from .plan import OutputColumn
    outs = []
    for d in description:
        name, code = d[0], d[1]
        if isinstance(code, type):
            kind = _PY_KINDS.get(code, "unknown")
            sql_type = SqlType(raw=code.__name__, kind=kind)
        else:
            sql_type = normalize_type(str(code))
            if sql_type.kind == "unknown" and str(code).upper() in ("NUMBER",):
                sql_type = SqlType(raw=str(code), kind="float64")
        outs.append(OutputColumn(name=str(name), source=str(name), sql_type=sql_type))
    return outs


# --- conversion of one fetched column ----------------------------------------------------


def _masked(values: np.ndarray, mask: np.ndarray | None) -> np.ma.MaskedArray:
    if mask is None or not mask.any():
        return np.ma.MaskedArray(values, mask=np.zeros(len(values), bool))
    return np.ma.MaskedArray(values, mask=mask)


def _ints(col: list, types: set) -> np.ma.MaskedArray | None:
    """Python ints/bools (with None) -> masked int64; None if they do not all
    fit int64 (caller falls back)."""
    n = len(col)
    if type(None) not in types:
        try:
            return _masked(np.fromiter(col, np.int64, n), None)
        except OverflowError:
            return None
    arr = np.array(col, dtype=object)
    mask = np.equal(arr, None)
    arr[mask] = 0
    try:
        return _masked(arr.astype(np.int64), mask)
    except OverflowError:
        return None


def _floats(col: list) -> np.ndarray:
    return np.array(col, dtype=np.float64)


def _encode(col: list, types: set) -> np.ndarray:
    if types <= {str, type(None)}:
        enc = [b"" if v is None else v.encode("utf-8") for v in col]
    else:
        enc = [_to_bytes(v) for v in col]
    longest = max(map(len, enc), default=0)
    if longest <= st.MAX_STR:
        return np.array(enc, dtype=f"S{max(longest, 1)}")
    out = np.empty(len(enc), dtype=object)
    out[:] = enc
    return out


def _to_bytes(v) -> bytes:
    if v is None:
        return b""
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", errors="replace").encode("utf-8")
    if isinstance(v, float) and math.isnan(v):
        return b""
    return str(v).encode("utf-8")


def _hex(col: list) -> np.ndarray:
    return _encode([None if v is None else "0x" + bytes(v).hex() for v in col], {str, type(None)})


def _date_days(v) -> Optional[int]:
    if v is None:
        return None
    if isinstance(v, _dt.datetime):
        v = v.date()
    elif isinstance(v, str):
        v = _dt.date.fromisoformat(v[:10])
    return v.toordinal() - TD_EPOCH_ORDINAL


def _datetime_ms(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        v = _dt.datetime.fromisoformat(v)
    if isinstance(v, _dt.datetime):
        if v.tzinfo is not None:
            v = (v - v.utcoffset()).replace(tzinfo=None)  # UTC, as sfi.Datetime.getSIF
        return float((v.toordinal() - TD_EPOCH_ORDINAL) * MS_PER_DAY
                     + ((v.hour * 60 + v.minute) * 60 + v.second) * 1000) + v.microsecond / 1000
    if isinstance(v, _dt.date):
        return float((v.toordinal() - TD_EPOCH_ORDINAL) * MS_PER_DAY)
    return float(v)


def _time_ms(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, str):
        v = _dt.time.fromisoformat(v)
    if isinstance(v, _dt.time):
        return float(((v.hour * 60 + v.minute) * 60 + v.second) * 1000) + v.microsecond / 1000
    if isinstance(v, _dt.timedelta):
        return v.total_seconds() * 1000
    return float(v)


_NUMBERS = {int, bool, float, decimal.Decimal, type(None)}
_BOOL_TEXT = {"1": 1, "0": 0, "t": 1, "f": 0, "true": 1, "false": 0, "y": 1, "n": 0}


def convert_column(col: list, rc: ResultColumn) -> np.ndarray:
    """One fetched column (a list of DBAPI values) -> the batch array for its
    family (module docstring).  May switch ``rc.family`` from ``int`` to
    ``float`` (fractions in an integer column).  Raises ``DataInconsistency``
    for text in a numeric column."""
    types = set(map(type, col))
    fam = rc.family
    if fam == "int":
        if types <= {int, bool, type(None)}:
            arr = _ints(col, types)
            if arr is not None:
                return arr
            return _digits_as_float_or_text(col, rc)
        if types <= _NUMBERS:
            f = _floats(col)
            finite = f[np.isfinite(f)]
            integral = np.all(finite == np.floor(finite))
            if integral and (len(finite) == 0 or np.abs(finite).max() <= st.EXACT_DOUBLE):
                mask = np.isnan(f)
                return _masked(np.where(mask, 0, f).astype(np.int64), mask)
            rc.family = "float"
            if rc.observed:
                rc.observed.family = "float"
            return f
        if rc.sql_type.kind == "bool" and types <= {str, type(None)}:
            # psqlODBC hands booleans over as text ('1'/'0') unless cast on the server
            try:
                flags = [None if v is None else _BOOL_TEXT[v.strip().lower()] for v in col]
            except KeyError:
                pass
            else:
                return _ints(flags, set(map(type, flags)))
        raise DataInconsistency(f"column {rc.source} ({rc.sql_type.raw}) holds text values; "
                                "cannot load it as a number",
                                hint="cast it in the SQL (leoquery) or fix the column type")
    if fam == "float":
        if types <= _NUMBERS:
            return _floats(col)
        raise DataInconsistency(f"column {rc.source} ({rc.sql_type.raw}) holds text values; "
                                "cannot load it as a number")
    if fam == "date":
        if types <= {int, type(None)}:
            arr = _ints(col, types)
        elif types <= _NUMBERS:
            f = _floats(col)
            mask = np.isnan(f)
            arr = _masked(np.where(mask, 0, np.floor(np.nan_to_num(f))).astype(np.int64), mask)
        else:
            days = [_date_days(v) for v in col]
            arr = _ints(days, set(map(type, days)))
        bad = ~np.ma.getmaskarray(arr) & ((arr.data < st.TD_MIN) | (arr.data > st.TD_MAX))
        if bad.any():
            if rc.observed:
                rc.observed.out_of_range += int(bad.sum())
            arr = _masked(arr.data.copy(), np.ma.getmaskarray(arr) | bad)
        return arr
    if fam == "datetime" or fam == "time":
        if types <= _NUMBERS:
            f = _floats(col)
        else:
            fn = _datetime_ms if fam == "datetime" else _time_ms
            f = np.fromiter((fn(v) for v in col), np.float64, len(col))
        return tc_in_range(f, rc) if fam == "datetime" else f
    if fam == "binary":
        return _hex(col)
    return _encode(col, types)


def tc_in_range(f: np.ndarray, rc: ResultColumn) -> np.ndarray:
    """%tc milliseconds outside Stata's datetime range become missing (NaN),
    counted in the column's ``Observed`` for the load's notes."""
    bad = np.isfinite(f) & ((f < st.TC_MIN) | (f > st.TC_MAX))
    if not bad.any():
        return f
    if rc.observed:
        rc.observed.out_of_range += int(bad.sum())
    return np.where(bad, np.nan, f)


def _digits_as_float_or_text(col: list, rc: ResultColumn) -> np.ndarray:
    """Integers beyond int64 (DuckDB hugeint/ubigint): keep them exact as text."""
    rc.family = "string"
    if rc.observed:
        rc.observed.family = "string"
    rc.notes.append("integers beyond the 64-bit range loaded as a string of digits")
    return _encode([None if v is None else str(v) for v in col], {str, type(None)})


def convert_rows(rows: list, columns: list[ResultColumn]) -> dict[str, np.ndarray]:
    """A ``fetchmany`` list of row tuples -> ``{name: batch array}``."""
    out = {}
    for j, rc in enumerate(columns):
        out[rc.name] = convert_column([r[j] for r in rows], rc)
    return out


# --- sizes ------------------------------------------------------------------------------


def row_width(columns: list[ResultColumn]) -> int:
    """Estimated bytes per observation in Stata (declared types; strings from
    their declared length, 32 bytes when unbounded)."""
    total = 0
    for c in columns:
        if c.family in ("string", "binary"):
            n = c.sql_type.length
            total += min(n, st.MAX_STR) if n else 32
        else:
            total += st.type_width(c.stata_type) if not c.stata_type.startswith("str") else 8
    return max(total, 1)


def batch_rows_for(columns: list[ResultColumn], *, values: int = 400_000,
                   bytes_target: int = 16 << 20) -> int:
    """Rows per ``fetchmany``: about ``values`` Python objects per batch and
    at most ``bytes_target`` bytes of row data, within [1,000, 100,000]."""
    k = max(len(columns), 1)
    by_values = values // k
    width = 0
    for c in columns:
        if c.family in ("string", "binary"):
            width += 64 + min(c.sql_type.length or 256, 8000)
        else:
            width += 32
    by_bytes = bytes_target // max(width, 1)
    return int(min(100_000, max(1_000, min(by_values, by_bytes))))


def available_memory() -> int | None:
    """Bytes of memory available to new allocations, or None if unknown."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/meminfo") as fh:
                for line in fh:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        if sys.platform == "win32":  # pragma: no cover - Windows only
            import ctypes

            class MEMORYSTATUSEX(ctypes.Structure):
                _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                            ("ullTotalPhys", ctypes.c_ulonglong),
                            ("ullAvailPhys", ctypes.c_ulonglong),
                            ("ullTotalPageFile", ctypes.c_ulonglong),
                            ("ullAvailPageFile", ctypes.c_ulonglong),
                            ("ullTotalVirtual", ctypes.c_ulonglong),
                            ("ullAvailVirtual", ctypes.c_ulonglong),
                            ("sullAvailExtendedVirtual", ctypes.c_ulonglong)]
            stat = MEMORYSTATUSEX()
            stat.dwLength = ctypes.sizeof(MEMORYSTATUSEX)
            ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(stat))
            return int(stat.ullAvailPhys)
    except Exception:
        return None
    return None


@dataclass
class SizeCheck:
    """The guard's estimate: ``rows`` (``exact`` when counted), ``bytes`` in
    Stata, and how it was obtained (``"catalog"``, ``"count"``, ``"skipped"``)."""

    rows: int | None
    exact: bool
    bytes: int | None
    source: str


def count_rows(engine, select) -> int:
    """Exact row count of ``select`` computed by the server."""
    if isinstance(select, sa.Select):
        stmt = sa.select(sa.func.count()).select_from(select.order_by(None).subquery("leo_c"))
    else:
        stmt = sa.text(f"SELECT COUNT(*) FROM ({select}) leo_c")
    try:
        with engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)
    except sa.exc.DBAPIError as exc:
        raise ServerError(f"the database could not count the rows: {_db_message(exc)}") from exc


def check_size(engine, select, columns: list[ResultColumn] | list, *,
               maxobs: int | None = None, force: bool = False,
               approx_rows: int | None = None, aggregated: bool = False,
               filtered: bool = True, available: int | None = None,
               memory_share: float = 0.8) -> SizeCheck:
    """Refuse a non-aggregated result beyond ``maxobs`` (default 10 million)
    observations or beyond ``memory_share`` of the available memory, unless
    ``force``.  Raises ``ResultTooLarge`` (rc 5105) with a hint.

    The estimate: the catalog's ``approx_rows`` when it already shows the
    result is small enough (no query), or when the result is the whole table
    (``filtered=False``: no if, in or sample); otherwise an exact ``COUNT(*)`` of the
    statement on the server (it scans, but transfers nothing).  Bytes are
    rows x the estimated Stata row width.  Aggregated results (collapse) and
    ``force`` skip the check."""
    if force or aggregated:
        return SizeCheck(approx_rows, False, None, "skipped")
    if columns and not isinstance(columns[0], ResultColumn):
        columns = st.result_columns(columns)
    maxobs = DEFAULT_MAXOBS if maxobs is None else int(maxobs)
    width = row_width(columns) if columns else 8
    avail = available if available is not None else available_memory()
    limit_rows = maxobs
    if avail:
        limit_rows = min(limit_rows, int(avail * memory_share // width))
    if approx_rows is not None and (approx_rows <= limit_rows or not filtered):
        rows, exact, source = int(approx_rows), False, "catalog"
    else:
        rows, exact, source = count_rows(engine, select), True, "count"
    size = rows * width
    about = "" if exact else "about "
    hint = ("filter with if or in, collapse() on the server, or take a sample with "
            "sample(#); or specify force")
    if rows > maxobs:
        raise ResultTooLarge(f"result too large: {about}{rows:,} observations; "
                             f"maxobs() is {maxobs:,}",
                             hint=hint + " or a larger maxobs()")
    if avail and size > avail * memory_share:
        raise ResultTooLarge(f"result too large: {about}{rows:,} observations need about "
                             f"{_mb(size)} but only {_mb(avail)} of memory is available",
                             hint=hint)
    return SizeCheck(rows, exact, size, source)


def _mb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


# --- progress ------------------------------------------------------------------------------


@dataclass
class ProgressInfo:
    rows: int
    seconds: float
    total: int | None = None
    done: bool = False

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def percent(self) -> float | None:
        if not self.total:
            return None
        return min(100.0, 100.0 * self.rows / self.total)

    def text(self) -> str:
        """``  1,250,000 rows (42%) in 5.1 s, 245,000 rows/s``."""
        pct = f" ({self.percent:.0f}%)" if self.percent is not None and not self.done else ""
        verb = "loaded" if self.done else "so far"
        return (f"  {self.rows:,} rows{pct} {verb} in {self.seconds:.1f} s, "
                f"{self.rate:,.0f} rows/s")


class Progress:
    """Calls ``callback(ProgressInfo)`` at most every ``every`` seconds once a
    load has run ``after`` seconds, and once more at the end if it ever did."""

    def __init__(self, callback: Callable[[ProgressInfo], Any] | None, total: int | None = None,
                 after: float = PROGRESS_AFTER, every: float = PROGRESS_EVERY,
                 clock: Callable[[], float] = time.perf_counter):
        self.callback, self.total, self.after, self.every = callback, total, after, every
        self.clock = clock
        self.start = clock()
        self.last = None
        self.reported = False

    def update(self, rows: int) -> None:
        if self.callback is None:
            return
        now = self.clock()
        elapsed = now - self.start
        if elapsed < self.after or (self.last is not None and now - self.last < self.every):
            return
        self.last = now
        self.reported = True
        self.callback(ProgressInfo(rows, elapsed, self.total))

    def finish(self, rows: int) -> None:
        if self.callback is not None and self.reported:
            self.callback(ProgressInfo(rows, self.clock() - self.start, self.total, done=True))


# --- the stream ----------------------------------------------------------------------------


#: SQLSTATEs of a statement cancelled by a time-out (PostgreSQL, ODBC).
_TIMEOUT_STATES = ("57014", "HYT00", "HYT01")


def _db_message(exc: Exception) -> str:
    """One line of the driver's message, secrets masked; a cancelled
    statement names the time-out setting."""
    from .config import mask_url
    orig = getattr(exc, "orig", None) or exc
    text = mask_url(" ".join(str(orig).split()))[:500]
    if any(f"'{state}'" in text or f"[{state}]" in text for state in _TIMEOUT_STATES):
        return ("the statement ran longer than LEOSTATA_QUERY_TIMEOUT allows and was "
                f"cancelled ({text})")
    return text


def stream(select, engine, outputs, writer: Writer, *, meta: DatasetMeta | None = None,
           batch_rows: int | None = None, progress: Callable[[ProgressInfo], Any] | None = None,
           poll: Callable[[], Any] | None = None, total: int | None = None,
           casts: bool = True, params: dict | None = None, columns: list | None = None,
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
    if casts and outputs is not None:
        stmt = server_casts(stmt, outputs, dialect.name)
    shown = sql_text(select, dialect)
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
                raise ServerError(f"the database reported an error: {_db_message(exc)}") from exc
            cursor = result.cursor
            if cursor is None or cursor.description is None:
                raise InternalError("the statement returned no result set")
            if outputs is None:
                outputs = outputs_from_description(cursor.description)
            if len(cursor.description) != len(outputs):
                raise InternalError(f"the query returned {len(cursor.description)} columns, "
                                    f"the plan expected {len(outputs)}")
            cols = columns if columns is not None else st.result_columns(outputs,
                                                                         table=meta.table)
            writer.begin(cols, meta)
            began = True
            size = batch_rows or batch_rows_for(cols)
            source = _batches(cursor, cols, size, native and dialect.name == "duckdb")
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
            raise ServerError(f"the database reported an error: {_db_message(exc)}") from exc
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
                                  f"{_db_message(exc)}") from exc
            if rb is None:
                return
            yield rb
    yield from arrow_batches(record_batches(), cols)


def _batches(cursor, cols, size: int, native: bool) -> Iterator[dict]:
    if native and not any(str(d[1]).upper() in _DUCKDB_WIDE_INTS for d in cursor.description):
        inner = _duckdb_connection(cursor)
        if inner is not None:
            yield from _duckdb_batches(inner, cols, size)
            return
    while True:
        try:
            rows = cursor.fetchmany(size)
        except Exception as exc:
            raise ServerError(f"the database reported an error while fetching: "
                              f"{_db_message(exc)}") from exc
        if not rows:
            return
        yield convert_rows(rows, cols)


#: DuckDB types its DataFrame conversion would turn into float64 (rounding):
#: such results take the fetchmany path, which keeps them exact.
_DUCKDB_WIDE_INTS = ("HUGEINT", "UHUGEINT", "UBIGINT", "BIGNUM", "VARINT")


def _duckdb_connection(cursor):
    """The duckdb connection behind duckdb_engine's cursor wrapper, if any."""
    inner = getattr(cursor, "_CursorWrapper__c", None)
    return inner if inner is not None and hasattr(inner, "fetch_df_chunk") else None


def _duckdb_batches(inner, cols, size: int) -> Iterator[dict]:
    """DuckDB: fetch chunks as pandas DataFrames (column-wise, no Python
    object per value for numbers) and convert them with NumPy."""
    vectors = max(1, size // 2048)
    while True:
        try:
            df = inner.fetch_df_chunk(vectors)
        except Exception as exc:
            raise ServerError(f"the database reported an error while fetching: "
                              f"{_db_message(exc)}") from exc
        if df is None or len(df) == 0:
            return
        out = {}
        for j, rc in enumerate(cols):
            out[rc.name] = _from_pandas(df.iloc[:, j], rc)
        yield out


def _from_pandas(series, rc: ResultColumn) -> np.ndarray:
    import pandas as pd
    fam = rc.family
    dtype = series.dtype
    if fam in ("int", "date") and pd.api.types.is_integer_dtype(dtype):
        mask = series.isna().to_numpy()
        vals = series.to_numpy(dtype=np.int64, na_value=0)  # UBIGINT never gets here
        arr = _masked(vals, mask)
        if fam == "date":
            bad = ~mask & ((vals < st.TD_MIN) | (vals > st.TD_MAX))
            if bad.any():
                rc.observed.out_of_range += int(bad.sum())
                arr = _masked(vals.copy(), mask | bad)
        return arr
    if fam in ("float", "datetime", "time") and (pd.api.types.is_float_dtype(dtype)
                                                  or pd.api.types.is_integer_dtype(dtype)):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if fam == "int" and pd.api.types.is_bool_dtype(dtype):
        mask = series.isna().to_numpy()
        return _masked(series.to_numpy(dtype=np.int64, na_value=0), mask)
    if fam in ("date", "datetime") and pd.api.types.is_datetime64_dtype(dtype):
        raw = series.to_numpy()
        mask = np.isnat(raw)
        if fam == "date":
            d = raw.astype("datetime64[D]").astype(np.int64) + 3653  # 1970 -> 1960
            bad = ~mask & ((d < st.TD_MIN) | (d > st.TD_MAX))
            if bad.any():
                rc.observed.out_of_range += int(bad.sum())
            return _masked(np.where(mask | bad, 0, d), mask | bad)
        msv = raw.astype("datetime64[us]").astype(np.int64) / 1000.0 + 315_619_200_000.0
        return np.where(mask, np.nan, msv)
    values = series.astype(object).where(series.notna(), None).tolist()
    return convert_column(values, rc)


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


# --- spooling for writers that need final types first --------------------------------------


class Spool:
    """Keeps a writer's batches until the final types are known: in memory up
    to ``memory_limit`` bytes, then in an anonymous temporary file (deleted on
    ``close`` or when the process ends).  Iterate it any number of times to
    get the batches back in order."""

    def __init__(self, memory_limit: int = 64 << 20, directory: str | None = None):
        self.memory_limit = memory_limit
        self.directory = directory
        self._mem: list[dict] = []
        self._mem_bytes = 0
        self._file = None
        self._index: list[list] = []  # per spilled batch: [(name, form, parts)]
        self.rows = 0
        self.batches = 0

    @staticmethod
    def _nbytes(arr) -> int:
        if isinstance(arr, np.ma.MaskedArray):
            return arr.data.nbytes + len(arr)
        if arr.dtype == object:
            return sum(len(v) for v in arr) + 8 * len(arr)
        return arr.nbytes

    def append(self, batch: dict[str, np.ndarray]) -> None:
        n = len(next(iter(batch.values()))) if batch else 0
        self.rows += n
        self.batches += 1
        if self._file is None:
            self._mem.append(batch)
            self._mem_bytes += sum(self._nbytes(a) for a in batch.values())
            if self._mem_bytes > self.memory_limit:
                self._file = tempfile.TemporaryFile(prefix="leostata-", suffix=".spool",
                                                    dir=self.directory)
                for b in self._mem:
                    self._spill(b)
                self._mem, self._mem_bytes = [], 0
        else:
            self._spill(batch)

    def _write(self, arr: np.ndarray) -> tuple:
        arr = np.ascontiguousarray(arr)
        off = self._file.tell()
        self._file.write(arr.tobytes())
        return (off, arr.dtype.str, len(arr))

    def _spill(self, batch: dict) -> None:
        entry = []
        self._file.seek(0, os.SEEK_END)
        for name, arr in batch.items():
            if isinstance(arr, np.ma.MaskedArray):
                entry.append((name, "ma", (self._write(arr.data),
                                           self._write(np.ma.getmaskarray(arr)))))
            elif arr.dtype == object:
                lens = np.fromiter((len(v) for v in arr), np.int64, len(arr))
                off = self._file.tell()
                self._file.write(b"".join(arr.tolist()))
                entry.append((name, "obj", (self._write(lens), off)))
            else:
                entry.append((name, "nd", self._write(arr)))
        self._index.append(entry)

    def _read(self, part: tuple) -> np.ndarray:
        off, dtype, n = part
        dt = np.dtype(dtype)
        self._file.seek(off)
        return np.frombuffer(self._file.read(dt.itemsize * n), dtype=dt, count=n)

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        if self._file is None:
            yield from self._mem
            return
        for entry in self._index:
            batch = {}
            for name, form, parts in entry:
                if form == "ma":
                    batch[name] = np.ma.MaskedArray(self._read(parts[0]), mask=self._read(parts[1]))
                elif form == "obj":
                    lens = self._read(parts[0])
                    self._file.seek(parts[1])
                    blob = self._file.read(int(lens.sum()))
                    ends = np.cumsum(lens)
                    out = np.empty(len(lens), dtype=object)
                    start = 0
                    for i, end in enumerate(ends.tolist()):
                        out[i] = blob[start:end]
                        start = end
                    batch[name] = out
                else:
                    batch[name] = self._read(parts)
            yield batch

    @property
    def on_disk(self) -> bool:
        return self._file is not None

    def close(self) -> None:
        self._mem = []
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None
                self._index = []


# --- helpers writers share -----------------------------------------------------------------


def as_float(arr: np.ndarray) -> np.ndarray:
    """Any numeric batch array -> float64 with NaN for missing."""
    if isinstance(arr, np.ma.MaskedArray):
        out = arr.data.astype(np.float64)
        mask = np.ma.getmaskarray(arr)
        if mask.any():
            out[mask] = np.nan
        return out
    return arr.astype(np.float64, copy=False)


def as_bytes(arr: np.ndarray) -> np.ndarray:
    """Any batch array -> bytes (``S#`` or object of bytes): integers as
    decimal digits (bigint beyond 2^53), NULL as b""."""
    if isinstance(arr, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(arr)
        digits = arr.data.astype("S20")
        if mask.any():
            digits[mask] = b""
        return digits
    if arr.dtype.kind == "f":
        out = np.array([b"" if math.isnan(v) else repr(v).encode() for v in arr.tolist()])
        return out if len(out) else np.array([], dtype="S1")
    return arr


# --- in-memory writer ---------------------------------------------------------------------


class MemoryWriter:
    """Keeps the whole result in memory as Python values: ``data[name]`` is a
    list with None for numeric missing and ``""`` for string missing (bigint
    beyond 2^53 as digit strings).  For tests and for the CLI's preview
    (``max_rows`` keeps only the first rows; ``nobs`` still counts all)."""

    def __init__(self, max_rows: int | None = None):
        self.max_rows = max_rows
        self.columns: list[ResultColumn] = []
        self.meta: DatasetMeta | None = None
        self._batches: list[dict] = []
        self._kept = 0
        self.nobs = 0
        self.data: dict[str, list] = {}
        self.committed = False
        self.aborted = False

    def begin(self, columns, meta=None):
        self.columns, self.meta = columns, meta or DatasetMeta()

    def write(self, batch):
        n = len(next(iter(batch.values()))) if batch else 0
        self.nobs += n
        if self.max_rows is None or self._kept < self.max_rows:
            keep = n if self.max_rows is None else min(n, self.max_rows - self._kept)
            self._batches.append({k: v[:keep] for k, v in batch.items()})
            self._kept += keep

    def commit(self):
        for c in self.columns:
            c.finalize()
        for c in self.columns:
            values: list = []
            for b in self._batches:
                values.extend(python_values(b[c.name], c))
            self.data[c.name] = values
        self._batches = []
        self.committed = True
        return self.nobs

    def abort(self):
        self._batches = []
        self.data = {}
        self.aborted = True

    def rows(self) -> list[tuple]:
        names = [c.name for c in self.columns]
        return list(zip(*(self.data[n] for n in names)))

    def preview(self, n: int = 10) -> str:
        """A describe-style summary and the first ``n`` rows, as text."""
        lines = [f"Observations: {self.nobs:,}", f"Variables:    {len(self.columns)}", ""]
        for c in self.columns:
            lines.append(f"  {c.name:<32} {c.stata_type:<8} {c.format:<12} {c.label}")
        lines.append("")
        names = [c.name for c in self.columns]
        lines.append("  ".join(names))
        for row in self.rows()[:n]:
            lines.append("  ".join("." if v is None else str(v) for v in row))
        return "\n".join(lines)


def python_values(arr: np.ndarray, col: ResultColumn) -> list:
    """A batch array as Python values for a column of final type
    ``col.stata_type``: numbers (int for byte/int/long and integral doubles of
    integer columns), None for missing, str for strings."""
    if col.is_string:
        b = as_bytes(arr)
        return [v.decode("utf-8", errors="replace") for v in b.tolist()]
    if isinstance(arr, np.ma.MaskedArray) and col.family in ("int", "date"):
        mask = np.ma.getmaskarray(arr)
        vals = arr.data.tolist()
        return [None if m else v for v, m in zip(vals, mask.tolist())]
    f = as_float(arr)
    return [None if math.isnan(v) else v for v in f.tolist()]
