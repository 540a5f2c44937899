"""Batches kept until a writer knows the final types: in memory up to a
limit, then in an anonymous temporary file.

Also the one raw form of a batch on disk (``write_batch`` / ``read_batch``),
which the result cache (``leostata.cache``) uses too: each array as its raw
bytes (plain arrays and ``S#`` arrays as they are; masked integer arrays as
their data, the values under the mask included, and the mask; object arrays
of ``bytes`` as the lengths and the joined bytes), described by an index
entry of plain lists, strings and integers (JSON-able).
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable, Iterator

import numpy as np


def write_batch(out, batch: dict[str, np.ndarray]) -> list:
    """Append ``batch`` to the binary file ``out`` (at its current end);
    returns the index entry ``read_batch`` needs: ``[[name, form, parts]]``
    with byte offsets in ``out``."""
    def raw(arr: np.ndarray) -> list:
        arr = np.ascontiguousarray(arr)
        off = out.tell()
        out.write(arr.tobytes())
        return [off, arr.dtype.str, len(arr)]

    entry = []
    for name, arr in batch.items():
        if isinstance(arr, np.ma.MaskedArray):
            entry.append([name, "ma", [raw(arr.data), raw(np.ma.getmaskarray(arr))]])
        elif arr.dtype == object:
            lens = np.fromiter((len(v) for v in arr), np.int64, len(arr))
            parts = raw(lens)
            off = out.tell()
            out.write(b"".join(arr.tolist()))
            entry.append([name, "obj", [parts, off]])
        else:
            entry.append([name, "nd", raw(arr)])
    return entry


def read_batch(read_at: Callable[[int, int], bytes], entry: list) -> dict[str, np.ndarray]:
    """The batch ``entry`` (from ``write_batch``) describes, its bytes read
    with ``read_at(offset, size)``; arrays as ``write_batch`` received them."""
    def raw(part) -> np.ndarray:
        off, dtype, n = part
        dt = np.dtype(dtype)
        return np.frombuffer(read_at(off, dt.itemsize * n), dtype=dt, count=n)

    batch = {}
    for name, form, parts in entry:
        if form == "ma":
            batch[name] = np.ma.MaskedArray(raw(parts[0]), mask=raw(parts[1]))
        elif form == "obj":
            lens = raw(parts[0])
            blob = read_at(parts[1], int(lens.sum()))
            out = np.empty(len(lens), dtype=object)
            start = 0
            for i, end in enumerate(np.cumsum(lens).tolist()):
                out[i] = bytes(blob[start:end])
                start = end
            batch[name] = out
        else:
            batch[name] = raw(parts)
    return batch


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
        self._index: list[list] = []  # per spilled batch: write_batch's entry
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

    def _spill(self, batch: dict) -> None:
        self._file.seek(0, os.SEEK_END)
        self._index.append(write_batch(self._file, batch))

    def _read_at(self, offset: int, size: int) -> bytes:
        self._file.seek(offset)
        return self._file.read(size)

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        if self._file is None:
            yield from self._mem
            return
        for entry in self._index:
            yield read_batch(self._read_at, entry)

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
