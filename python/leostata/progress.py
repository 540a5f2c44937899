"""Progress of a long load: at most one line a second once it has run two.

Takes a callback and the rows fetched so far; calls the callback with a
``ProgressInfo`` (rows, seconds, rate, percent of a known total).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable


#: Loads shorter than this show no progress line.
PROGRESS_AFTER = 2.0


PROGRESS_EVERY = 1.0


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
