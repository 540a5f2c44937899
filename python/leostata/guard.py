"""The size guard before a non-aggregated fetch: refuse a result beyond
``maxobs()`` or beyond the memory available, unless ``force``.

Takes the engine, the statement and its columns; returns a ``SizeCheck`` (the
estimate and how it was made) or raises ``ResultTooLarge`` (r(5105)).  Also
the batch size a fetch should use for a given row width.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import sqlalchemy as sa

from . import stata_types as st
from .connection import db_message
from .errors import ResultTooLarge, ServerError
from .stata_types import ResultColumn


DEFAULT_MAXOBS = 10_000_000


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
class RowLimit:
    """The guard's limits when it did not count first: ``maxobs``, and
    ``memory_share`` of the ``available`` bytes (None: unknown), checked on
    the rows as they arrive (``SizeCheck.guarded``)."""

    maxobs: int
    available: int | None
    memory_share: float


@dataclass
class SizeCheck:
    """The guard's estimate: ``rows`` (``exact`` when counted), ``bytes`` in
    Stata, and how it was obtained (``"catalog"``, ``"count"``, ``"skipped"``,
    or ``"streamed"``: not counted, ``limit`` is checked while the rows arrive)."""

    rows: int | None
    exact: bool
    bytes: int | None
    source: str
    limit: RowLimit | None = None

    def guarded(self, writer):
        """``writer`` itself, or (``"streamed"``) a writer that passes each batch
        on to it until the rows pass ``limit``, then raises ResultTooLarge
        before that batch reaches it (``stream`` then aborts ``writer``)."""
        return writer if self.limit is None else _LimitedWriter(writer, self.limit)


class _LimitedWriter:
    """A Writer in front of ``writer`` that refuses the batch taking the rows
    past ``limit`` (the row width from the columns ``begin`` is given)."""

    def __init__(self, writer, limit: RowLimit):
        self.writer, self.limit = writer, limit
        self.rows, self.width = 0, 8

    def check(self) -> None:
        self.writer.check()

    def begin(self, columns, meta=None) -> None:
        self.width = row_width(columns) if columns else 8
        self.writer.begin(columns, meta)

    def write(self, batch) -> None:
        self.rows += len(next(iter(batch.values()))) if batch else 0
        limit = self.limit
        _refuse_beyond(self.rows, self.width, limit.maxobs, limit.available,
                       limit.memory_share, "streamed")
        self.writer.write(batch)

    def commit(self) -> int:
        return self.writer.commit()

    def abort(self) -> None:
        self.writer.abort()


def count_rows(engine, select) -> int:
    """Exact row count of ``select`` computed by the server."""
    if isinstance(select, sa.Select):
        stmt = sa.select(sa.func.count()).select_from(select.order_by(None).subquery("leo_c"))
    else:
        text = select if isinstance(select, sa.TextClause) else sa.text(select)
        stmt = sa.select(sa.func.count()).select_from(text.columns().subquery("leo_c"))
    try:
        with engine.connect() as conn:
            return int(conn.execute(stmt).scalar() or 0)
    except sa.exc.DBAPIError as exc:
        raise ServerError(f"the database could not count the rows: {db_message(exc)}") from exc


def check_size(engine, select, columns: list[ResultColumn] | list, *,
               maxobs: int | None = None, force: bool = False,
               approx_rows: int | None = None, aggregated: bool = False,
               filtered: bool = True, available: int | None = None,
               memory_share: float = 0.8, count: bool = True) -> SizeCheck:
    """Refuse a non-aggregated result beyond ``maxobs`` (default 10 million)
    observations or beyond ``memory_share`` of the available memory, unless
    ``force``.  Raises ``ResultTooLarge`` (rc 5105) with a hint.

    The estimate: the catalog's ``approx_rows`` when it already shows the
    result is small enough (no query), or when the result is the whole table
    (``filtered=False``: no if, in or sample); otherwise an exact ``COUNT(*)`` of the
    statement on the server (it scans, but transfers nothing).  With
    ``count=False`` nothing is counted in that last case: the check returned
    (``"streamed"``) refuses while the rows arrive (``SizeCheck.guarded``), so
    the statement runs once.  Bytes are rows x the estimated Stata row width.
    Aggregated results (collapse) and ``force`` skip the check."""
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
    elif not count:
        return SizeCheck(None, False, None, "streamed", RowLimit(maxobs, avail, memory_share))
    else:
        rows, exact, source = count_rows(engine, select), True, "count"
    _refuse_beyond(rows, width, maxobs, avail, memory_share, source)
    return SizeCheck(rows, exact, rows * width, source)


def _refuse_beyond(rows: int, width: int, maxobs: int, avail: int | None,
                   memory_share: float, source: str) -> None:
    """Raise ResultTooLarge if ``rows`` observations of ``width`` bytes are
    more than ``maxobs`` or than ``memory_share`` of ``avail`` bytes hold.
    ``source`` says what ``rows`` is: ``"count"`` (exact), ``"catalog"`` (an
    estimate: "about"), ``"streamed"`` (the rows fetched so far: the result
    is said to have more than the limit it passed)."""
    about = "about " if source == "catalog" else ""
    hint = ("filter with if or in, collapse() on the server, or take a sample with "
            "sample(#); or specify force")
    if rows > maxobs:
        shown = f"more than {maxobs:,}" if source == "streamed" else f"{about}{rows:,}"
        raise ResultTooLarge(f"result too large: {shown} observations; "
                             f"maxobs() is {maxobs:,}",
                             hint=hint + " or a larger maxobs()")
    if avail and rows * width > avail * memory_share:
        if source == "streamed":
            fits = int(avail * memory_share // width)
            shown, need = f"more than {fits:,}", f"more than {_mb(fits * width)}"
        else:
            shown, need = f"{about}{rows:,}", f"about {_mb(rows * width)}"
        raise ResultTooLarge(f"result too large: {shown} observations need "
                             f"{need} but only {_mb(avail)} of memory is available",
                             hint=hint)


def _mb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"
