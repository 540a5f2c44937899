"""guard: the size check before a non-aggregated fetch, and batch sizes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leostata import stata_types as st
from leostata.catalog import SqlType
from leostata.errors import ResultTooLarge
from leostata.guard import batch_rows_for, check_size
from leostata.stata_types import OutputColumn
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
