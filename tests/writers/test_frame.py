"""The DataFrame writer: value labels keep their codes, the labels go in
``attrs`` (pandas) or the schema metadata (Arrow)."""

from __future__ import annotations

import ast

import pytest
import sqlalchemy as sa

from leostata.catalog import SqlType
from leostata.stata_types import MERGE_VALUE_LABEL, OutputColumn, ValueLabel
from leostata.stream import stream
from leostata.writers.frame import DataFrameWriter

SQL = ("SELECT 1::TINYINT AS m, 0 AS a, 0 AS b, 7 AS z "
       "UNION ALL SELECT 3, 1, NULL, 8 ORDER BY m")
MERGE_TEXTS = {1: "Master only (1)", 2: "Using only (2)", 3: "Matched (3)",
               4: "Missing updated (4)", 5: "Nonmissing conflict (5)"}


def outputs(labelled=True):
    yn = ValueLabel("yn", {0: "no", 1: "yes"}) if labelled else None
    merge = MERGE_VALUE_LABEL if labelled else None
    int32 = SqlType("integer", "int32")
    return [OutputColumn("m", "m", SqlType("tinyint", "int8"), value_label=merge),
            OutputColumn("a", "a", int32, value_label=yn),
            OutputColumn("b", "b", int32, value_label=yn),
            OutputColumn("z", "z", int32)]


def load(to, labelled=True):
    w = DataFrameWriter(to=to)
    stream(SQL, sa.create_engine("duckdb:///:memory:"), outputs(labelled), w)
    return w.result


def test_pandas_keeps_codes_and_puts_labels_in_attrs():
    df = load("pandas")
    assert df["m"].tolist() == [1, 3] and str(df["m"].dtype) == "Int8"  # values 1, 3: byte
    assert df["a"].tolist() == [0, 1]
    assert df["b"].isna().tolist() == [False, True]
    assert df.attrs["value_labels"] == {"_merge": MERGE_TEXTS, "yn": {0: "no", 1: "yes"}}
    assert df.attrs["variable_value_labels"] == {"m": "_merge", "a": "yn", "b": "yn"}
    texts = df["m"].map(df.attrs["value_labels"][df.attrs["variable_value_labels"]["m"]])
    assert texts.tolist() == ["Master only (1)", "Matched (3)"]


def test_pandas_without_labels_has_empty_entries():
    df = load("pandas", labelled=False)
    assert df.attrs["value_labels"] == {} and df.attrs["variable_value_labels"] == {}


def test_arrow_metadata_has_the_labels():
    pytest.importorskip("pyarrow")
    table = load("arrow")
    meta = table.schema.metadata
    assert ast.literal_eval(meta[b"value_labels"].decode()) == {
        "_merge": MERGE_TEXTS, "yn": {0: "no", 1: "yes"}}
    assert ast.literal_eval(meta[b"variable_value_labels"].decode()) == {
        "m": "_merge", "a": "yn", "b": "yn"}
    assert table.column("m").to_pylist() == [1, 3]


def test_extended_missing_values_are_pandas_missing():
    """pandas has one missing value: .s (and .) arrive as pd.NA."""
    from tests.writers.test_dta import MARKED_SQL, marked_outputs
    w = DataFrameWriter()
    stream(MARKED_SQL, sa.create_engine("duckdb:///:memory:"), marked_outputs(), w)
    df = w.result
    assert list(df.columns) == ["b", "i", "l", "f", "d"]
    assert df["d"].isna().tolist() == [False, True, True]
