"""writers/spool: batches in memory, then on disk, read back in order."""

from __future__ import annotations

import numpy as np

from leostata.writers.spool import Spool


def test_spool_memory_and_disk():
    batches = [{"a": np.ma.MaskedArray(np.arange(5, dtype=np.int64), mask=[0, 1, 0, 0, 0]),
                "b": np.array([b"x", b"yy", b"", b"z", b"w"]),
                "c": np.array([1.5, np.nan, 2, 3, 4]),
                "d": np.array([b"q" * 3000, b"", b"r", b"s", b"t"], dtype=object)}
               for _ in range(3)]
    for limit in (1 << 30, 10):
        sp = Spool(limit)
        for b in batches:
            sp.append(b)
        assert sp.on_disk == (limit == 10) and sp.rows == 15
        for _ in range(2):  # iterable more than once
            out = list(sp)
            assert len(out) == 3
            for got, want in zip(out, batches):
                assert got["a"].tolist() == want["a"].tolist()
                assert got["b"].tolist() == want["b"].tolist()
                np.testing.assert_array_equal(got["c"], want["c"])
                assert list(got["d"]) == list(want["d"])
        sp.close()
