"""Batches kept until a writer knows the final types: in memory up to a
limit, then in an anonymous temporary file.
"""

from __future__ import annotations

import os
import tempfile
from typing import Iterator

import numpy as np


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
