"""guard: the size check before a non-aggregated fetch, and batch sizes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leostata import stata_types as st
from leostata.catalog import SqlType
from leostata.errors import ResultTooLarge
from leostata.guard import batch_rows_for, check_size, row_width
from leostata.stata_types import OutputColumn
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter
from tests.statement_log import capture
from tests.test_stream import setup


def test_size_guard(any_db):
    engine, outs, table, rows, _ = setup(any_db, 300)
    cols = st.result_columns(outs)
    with pytest.raises(ResultTooLarge) as info:
        check_size(engine, sa.select(table), cols, maxobs=100, approx_rows=300, filtered=False)
    assert info.value.rc == 5105
    text = info.value.render()
    assert "about 300 observations" in text and "maxobs() is 100" in text
    assert "sample(#)" in text and "collapse()" in text and "force" in text
    # filtered: counted exactly on the server
    sel = sa.select(table).where(table.c.pid < 50)
    ok = check_size(engine, sel, cols, maxobs=100, approx_rows=300)
    assert ok.rows == 50 and ok.exact and ok.source == "count"
    with pytest.raises(ResultTooLarge, match="300 observations"):
        check_size(engine, sa.select(table), cols, maxobs=100)  # no estimate: count
    with pytest.raises(ResultTooLarge, match="memory"):
        check_size(engine, sa.select(table), cols, approx_rows=300, available=1000)
    assert check_size(engine, sa.select(table), cols, maxobs=1, force=True).source == "skipped"
    assert check_size(engine, sa.select(table), cols, maxobs=1, aggregated=True).source == "skipped"


def test_batch_rows_bounds():
    many = st.result_columns([OutputColumn(f"c{i}", f"c{i}", SqlType("int", "int32"))
                              for i in range(2000)])
    assert batch_rows_for(many) == 1000
    one = st.result_columns([OutputColumn("c", "c", SqlType("int", "int32"))])
    assert batch_rows_for(one) == 100_000
    wide = st.result_columns([OutputColumn("s", "s", SqlType("varchar(max)", "string"))])
    assert 1000 <= batch_rows_for(wide) < 100_000


def test_not_counting_sends_nothing_and_leaves_the_limit_to_the_stream(any_db):
    """count=False: where the guard would count, no statement reaches the
    database; the catalog's estimate still refuses before anything runs."""
    engine, outs, table, _, _ = setup(any_db, 300)
    cols = st.result_columns(outs)
    with capture() as got:
        size = check_size(engine, sa.select(table), cols, maxobs=100, count=False)
    assert got == [] and (size.source, size.rows, size.exact) == ("streamed", None, False)
    assert size.limit.maxobs == 100
    with capture() as got:
        counted = check_size(engine, sa.select(table), cols, maxobs=300)
    assert (counted.source, counted.rows) == ("count", 300)
    assert len([s for s in got if "people" in s.sql]) == 1
    with pytest.raises(ResultTooLarge, match="about 300 observations; maxobs\\(\\) is 100"):
        check_size(engine, sa.select(table), cols, maxobs=100, approx_rows=300,
                   filtered=False, count=False)
    assert check_size(engine, sa.select(table), cols, approx_rows=50,
                      count=False).source == "catalog"
    writer = MemoryWriter()
    assert counted.guarded(writer) is writer  # counted: nothing left to check


@pytest.mark.parametrize("batch_rows", [30, 1000])
def test_the_streamed_limit_refuses_the_batch_that_passes_maxobs(any_db, batch_rows):
    """The statement runs once; the rows reach the writer only up to maxobs(),
    then r(5105) and the writer is aborted, nothing committed."""
    engine, outs, table, _, _ = setup(any_db, 300)
    size = check_size(engine, sa.select(table), st.result_columns(outs), maxobs=100,
                      count=False)
    writer = MemoryWriter()
    with capture() as got, pytest.raises(ResultTooLarge) as info:
        stream(sa.select(table), engine, outs, size.guarded(writer), batch_rows=batch_rows)
    assert info.value.rc == 5105
    assert info.value.message == "result too large: more than 100 observations; maxobs() is 100"
    assert "force" in info.value.hint and "a larger maxobs()" in info.value.hint
    assert writer.nobs <= 100 and writer.aborted and not writer.committed and writer.data == {}
    assert len([s for s in got if "people" in s.sql]) == 1
    # exactly at the limit: loaded
    size = check_size(engine, sa.select(table), st.result_columns(outs), maxobs=300,
                      count=False)
    writer = MemoryWriter()
    stream(sa.select(table), engine, outs, size.guarded(writer), batch_rows=batch_rows)
    assert writer.committed and writer.nobs == 300 and len(writer.data["pid"]) == 300


def test_the_streamed_memory_check_uses_the_real_row_width(any_db):
    """Memory that holds 300 rows of 8 bytes (the old lower bound for raw SQL)
    but not 300 rows of people's real width: refused while streaming."""
    engine, outs, table, _, _ = setup(any_db, 300)
    available = int(300 * 8 / 0.8)
    size = check_size(engine, sa.select(table), [], available=available, count=False)
    writer = MemoryWriter()
    with pytest.raises(ResultTooLarge, match="result too large: more than [0-9,]+ observations "
                       "need more than [0-9]+ MB but only 0 MB of memory is available") as info:
        stream(sa.select(table), engine, outs, size.guarded(writer), batch_rows=30)
    assert info.value.rc == 5105 and writer.aborted and not writer.committed
    width = row_width(writer.columns)
    assert width > 8 and writer.nobs * width <= available * 0.8
