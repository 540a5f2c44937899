"""fetch.dbapi on DuckDB: the columnar fetch (Arrow record batches through
convert_arrow, or DataFrame chunks for the types it does not read) gives the
batches the row-by-row fetchmany path gives."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from leostata.fetch import arrow_odbc, dbapi
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter

#: One column of each type the Arrow conversion reads, NULLs included.
READ = ("SELECT range AS i, CAST(range AS SMALLINT) AS small, "
        "CASE WHEN range % 5 = 0 THEN NULL ELSE range * 0.25 END AS f, "
        "CASE WHEN range % 3 = 0 THEN NULL ELSE 'v' || range || 'é' END AS s, "
        "DATE '1955-01-01' + CAST(range AS INTEGER) AS d, "
        "TIMESTAMP '1959-12-31 23:59:59.5' + to_microseconds(range * 1000) AS ts, "
        "CAST(range AS DECIMAL(10,2)) / 3 AS m, range % 2 = 0 AS b, "
        "CASE WHEN range % 7 = 0 THEN NULL ELSE range END AS gap "
        "FROM range(6000)")


def both(sql, tmp_path, monkeypatch):
    """(columnar writer, fetchmany writer, calls of convert_arrow, of _from_pandas)."""
    eng = sa.create_engine(f"duckdb:///{tmp_path}/n.duckdb")
    arrow_calls, frame_calls = [], []
    real_arrow, real_frame = arrow_odbc.convert_arrow, dbapi._from_pandas
    monkeypatch.setattr(arrow_odbc, "convert_arrow",
                        lambda a, rc: arrow_calls.append(rc.name) or real_arrow(a, rc))
    monkeypatch.setattr(dbapi, "_from_pandas",
                        lambda s, rc: frame_calls.append(rc.name) or real_frame(s, rc))
    a, b = MemoryWriter(), MemoryWriter()
    stream(sql, eng, None, a, native=True, batch_rows=1000)
    stream(sql, eng, None, b, native=False, batch_rows=1000)
    eng.dispose()
    return a, b, arrow_calls, frame_calls


def test_arrow_batches_equal_the_row_fetch(tmp_path, monkeypatch):
    a, b, arrow_calls, frame_calls = both(READ, tmp_path, monkeypatch)
    assert a.data == b.data and a.nobs == b.nobs == 6000
    assert [c.stata_type for c in a.columns] == [c.stata_type for c in b.columns]
    assert frame_calls == [] and len(arrow_calls) % 9 == 0 and len(arrow_calls) > 9  # batches
    assert a.data["ts"][0] == (dt.datetime(1959, 12, 31, 23, 59, 59, 500000)
                               - dt.datetime(1960, 1, 1)).total_seconds() * 1000
    assert a.data["s"][1] == "v1é" and a.data["s"][0] == "" and a.data["gap"][0] is None


def test_a_type_the_arrow_conversion_does_not_read_takes_dataframes(tmp_path, monkeypatch):
    sql = ("SELECT range AS i, TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_seconds(range) AS tz "
           "FROM range(1500)")
    try:
        a, b, arrow_calls, frame_calls = both(sql, tmp_path, monkeypatch)
    except Exception as exc:  # leostata may refuse the type itself on both paths
        pytest.skip(f"TIMESTAMPTZ is not loaded at all: {exc}")
    assert a.data == b.data and a.nobs == 1500
    assert arrow_calls == [] and frame_calls and len(frame_calls) % 2 == 0
