"""Batch sources: execute a statement and hand back its result in batches,
one source per driver path, behind one small protocol (``BatchSource``).

``open_source(stmt, engine, outputs, ...)`` starts the columnar arrow-odbc
fetch for pyodbc engines when it can serve the statement exactly
(``arrow_odbc``, installed by default), else executes through SQLAlchemy and
fetches from the DBAPI cursor (``dbapi``; DuckDB's chunked fetch where
exact).  Each source knows its ``outputs`` and ``width``, yields batch dicts
(``stream``'s module docstring) for the final ``ResultColumn``s, and closes
(``cancel=True`` stops the statement and discards the connection).
"""

from __future__ import annotations

from typing import Iterator, Protocol

from . import arrow_odbc
from .dbapi import DbapiSource


class BatchSource(Protocol):
    path: str
    outputs: list

    @property
    def width(self) -> int: ...

    def batches(self, cols, size: int) -> Iterator[dict]: ...

    def close(self, *, cancel: bool) -> None: ...


def open_source(stmt, engine, outputs, *, params: dict | None = None,
                batch_rows: int | None = None, native: bool = True,
                small: bool = False) -> BatchSource:
    """The source for ``stmt`` on ``engine`` (see the module docstring);
    ``small``: the result is known to be small (an aggregate), so the columnar
    fetch allocates small transit buffers."""
    if outputs is not None and engine.dialect.driver == "pyodbc":
        source = arrow_odbc.open_source(stmt, engine, outputs, params, batch_rows, small)
        if source is not None:
            return source
    return DbapiSource(stmt, engine, outputs, params, native)
