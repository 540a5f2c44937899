"""progress: when lines are shown and what they say, on a fake clock (no
sleeping): nothing for a short load, a handful of lines for a long one,
percent with a count where a total is known, a count otherwise."""

from __future__ import annotations

import pytest

from leostata.progress import PROGRESS_AFTER, Progress, ProgressInfo


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_load(seconds: float, rate: float, *, total: int | None = None,
             batch_seconds: float = 0.05) -> list[ProgressInfo]:
    """A load of ``seconds`` at ``rate`` rows/s, one update per batch of
    ``batch_seconds``; the lines the callback received."""
    clock, seen = Clock(), []
    tracker = Progress(seen.append, total, clock=clock)
    start, rows = clock.now, 0
    steps = int(round(seconds / batch_seconds))
    for i in range(1, steps + 1):
        clock.now = start + i * batch_seconds
        rows = int(i * batch_seconds * rate)
        tracker.update(rows)
    tracker.finish(rows)
    return seen


@pytest.mark.parametrize("seconds", [0.1, 1.0, 2.0, PROGRESS_AFTER - 0.06])
def test_a_short_load_shows_nothing_at_all(seconds):
    assert run_load(seconds, 50_000, total=int(seconds * 50_000)) == []
    assert run_load(seconds, 50_000) == []


def test_a_five_minute_load_adds_a_handful_of_lines_not_one_a_second():
    seen = run_load(300, 10_000)
    assert 4 <= len(seen) <= 8, [round(p.seconds) for p in seen]
    times = [p.seconds for p in seen[:-1]]
    assert times[0] == pytest.approx(3.0, abs=0.06)
    # each line comes when the elapsed time has at least tripled
    assert all(b >= 3 * a - 0.06 for a, b in zip(times, times[1:]))
    assert seen[-1].done and seen[-1].rows == 3_000_000
    assert not any(p.done for p in seen[:-1])


def test_an_hour_long_load_still_shows_only_a_few_lines():
    seen = run_load(3600, 1_000, batch_seconds=1.0)
    assert len(seen) <= 10


def test_with_a_total_each_quarter_is_shown():
    total = 3_000_000
    seen = run_load(300, 10_000, total=total)
    percents = [p.percent for p in seen if not p.done]
    for quarter in (25, 50, 75):
        assert any(quarter <= pct < quarter + 1 for pct in percents), (quarter, percents)
    assert len(seen) <= 10
    assert seen[-1].done


def test_the_text_has_a_percent_and_a_count_or_a_count_alone():
    line = ProgressInfo(1_250_000, 12.0, 5_000_000).text()
    assert line == "  1,250,000 of 5,000,000 rows (25%) so far, 12 s, 104,167 rows/s"
    line = ProgressInfo(1_250_000, 12.0, 5_000_000, approximate=True).text()
    assert "of about 5,000,000 rows (25%)" in line
    assert ProgressInfo(700, 4.0).text() == "  700 rows so far, 4.0 s, 175 rows/s"
    # an estimate that was too low: no percent above 100, the count alone
    over = ProgressInfo(6_000_000, 75.0, 5_000_000, approximate=True)
    assert over.percent is None and over.text().startswith("  6,000,000 rows so far, 1 min 15 s")
    done = ProgressInfo(5_000_000, 3725.0, 5_000_000, done=True).text()
    assert done == "  5,000,000 rows loaded in 1 h 02 min, 1,342 rows/s"


def test_an_estimate_too_low_does_not_stall_or_repeat_lines():
    seen = run_load(120, 10_000, total=100_000)  # the estimate is a twelfth of the rows
    assert 3 <= len(seen) <= 8
    assert all(p.percent is None for p in seen if p.rows > 100_000)


def test_no_callback_is_never_called_and_finish_without_lines_is_silent():
    clock = Clock()
    tracker = Progress(None, clock=clock)
    clock.now += 100
    tracker.update(10)
    tracker.finish(10)
    seen: list = []
    quiet = Progress(seen.append, clock=clock)
    quiet.update(5)
    quiet.finish(5)
    assert seen == []
