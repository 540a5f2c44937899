"""Progress of a long load, as Stata's long-running commands show it: a
handful of lines, not one a second; nothing for a load that ends within
``PROGRESS_AFTER`` seconds.

Takes a callback and the rows fetched so far (``Progress.update``); calls the
callback with a ``ProgressInfo`` (rows, seconds, rate, the total where one is
known: its percent, "about" when the total is an estimate).

When a line is shown: the first once the load has run ``after`` seconds;
then each time the elapsed time has grown ``factor`` times since the last
line (3 s, 9 s, 27 s, 81 s, 4 min, 12 min, ...: a five-minute load adds
about six lines, an hour-long one eight); and, where a total is known, each
time the load passes another quarter of it (25%, 50%, 75%).  A final line
(``done``) follows only if a line was shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable


#: Loads shorter than this show no progress at all.
PROGRESS_AFTER = 3.0

#: A further line once the elapsed time has grown this many times.
PROGRESS_FACTOR = 3.0

#: With a known total, a line each time the load passes another this many percent.
PROGRESS_STEP = 25


def _duration(seconds: float) -> str:
    """``4.2 s``, ``27 s``, ``5 min 3 s``, ``1 h 02 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


@dataclass
class ProgressInfo:
    """One progress report: ``rows`` so far after ``seconds``; ``total`` the
    expected rows (None when unknown), ``approximate`` when it is the
    database's estimate; ``done`` for the final report."""

    rows: int
    seconds: float
    total: int | None = None
    done: bool = False
    approximate: bool = False

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def percent(self) -> float | None:
        """Percent of ``total``; None when there is no total or the rows
        already exceed it (an estimate that was too low)."""
        if not self.total or self.rows > self.total:
            return None
        return 100.0 * self.rows / self.total

    def text(self) -> str:
        """``  1,250,000 of about 5,000,000 rows (25%) so far, 12 s, 104,000 rows/s``;
        without a total ``  1,250,000 rows so far, ...``; at the end
        ``  5,000,000 rows loaded in 48 s, 104,000 rows/s``."""
        rate = f"{self.rate:,.0f} rows/s"
        if self.done:
            return f"  {self.rows:,} rows loaded in {_duration(self.seconds)}, {rate}"
        pct = self.percent
        if pct is None:
            return f"  {self.rows:,} rows so far, {_duration(self.seconds)}, {rate}"
        about = "about " if self.approximate else ""
        return (f"  {self.rows:,} of {about}{self.total:,} rows ({pct:.0f}%) so far, "
                f"{_duration(self.seconds)}, {rate}")


class Progress:
    """Calls ``callback(ProgressInfo)`` on the schedule in the module
    docstring: the first line after ``after`` seconds, a further one when the
    elapsed time has grown ``factor`` times or (with a ``total``) another
    ``step`` percent has passed, and one at the end if any was shown.
    ``every`` is the least gap between two lines (seconds).  ``clock``
    returns seconds (tests pass a fake one)."""

    def __init__(self, callback: Callable[[ProgressInfo], Any] | None, total: int | None = None,
                 after: float = PROGRESS_AFTER, every: float = 1.0,
                 clock: Callable[[], float] = time.perf_counter,
                 factor: float = PROGRESS_FACTOR, step: int = PROGRESS_STEP):
        self.callback, self.total, self.after, self.every = callback, total, after, every
        self.factor, self.step = factor, step
        self.clock = clock
        self.start = clock()
        self.last: float | None = None  # elapsed seconds at the last line
        self.next_time = after
        self.next_percent = step
        self.reported = False

    def _due(self, rows: int, elapsed: float) -> bool:
        if elapsed < self.after:
            return False
        if self.last is None:
            return True
        if elapsed - self.last < self.every:
            return False
        if elapsed >= self.next_time:
            return True
        if self.total and rows <= self.total and self.next_percent < 100:  # 100%: the end
            return 100.0 * rows / self.total >= self.next_percent
        return False

    def update(self, rows: int) -> None:
        """Rows fetched so far; shows a line when one is due."""
        if self.callback is None:
            return
        elapsed = self.clock() - self.start
        if not self._due(rows, elapsed):
            return
        self.last = elapsed
        self.next_time = max(elapsed * self.factor, elapsed + self.every)
        if self.total:
            done = 100.0 * min(rows, self.total) / self.total
            self.next_percent = (int(done // self.step) + 1) * self.step
        self.reported = True
        self.callback(ProgressInfo(rows, elapsed, self.total))

    def finish(self, rows: int) -> None:
        """The final line, only if a line was shown."""
        if self.callback is not None and self.reported:
            self.callback(ProgressInfo(rows, self.clock() - self.start, self.total, done=True))
