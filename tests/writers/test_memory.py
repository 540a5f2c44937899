"""The in-memory writer: values and value labels as Stata would hold them."""

from __future__ import annotations

import sqlalchemy as sa

from leostata.catalog import SqlType
from leostata.stata_types import MERGE_VALUE_LABEL, OutputColumn, ValueLabel
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter

SQL = "SELECT 1::TINYINT AS m, 0 AS yes, 7 AS z UNION ALL SELECT 3, 1, 8 ORDER BY m"


def labelled_outputs():
    yn = ValueLabel("yn", {0: "no", 1: "yes"})
    return [OutputColumn("m", "m", SqlType("tinyint", "int8"), value_label=MERGE_VALUE_LABEL),
            OutputColumn("yes", "yes", SqlType("integer", "int32"), value_label=yn),
            OutputColumn("z", "z", SqlType("integer", "int32"))]


def test_value_labels_are_kept_for_inspection():
    w = MemoryWriter()
    stream(SQL, sa.create_engine("duckdb:///:memory:"), labelled_outputs(), w)
    assert w.data == {"m": [1, 3], "yes": [0, 1], "z": [7, 8]}  # codes stay numbers
    assert w.variable_value_labels == {"m": "_merge", "yes": "yn"}
    assert w.value_labels == {
        "_merge": {1: "Master only (1)", 2: "Using only (2)", 3: "Matched (3)",
                   4: "Missing updated (4)", 5: "Nonmissing conflict (5)"},
        "yn": {0: "no", 1: "yes"}}
    lines = w.preview().splitlines()
    # types from the values (1/3, 0/1, 7/8 are bytes), as compress would leave them
    assert [ln.split() for ln in lines[3:6]] == [["m", "byte", "%8.0g", "_merge"],
                                                 ["yes", "byte", "%8.0g", "yn"],
                                                 ["z", "byte", "%8.0g"]]


def test_no_value_labels_without_them_and_none_after_abort():
    outs = [OutputColumn(o.name, o.source, o.sql_type) for o in labelled_outputs()]
    w = MemoryWriter()
    stream(SQL, sa.create_engine("duckdb:///:memory:"), outs, w)
    assert w.value_labels == {} and w.variable_value_labels == {}
    assert w.preview().splitlines()[3].split() == ["m", "byte", "%8.0g"]  # no label column
    w2 = MemoryWriter()
    stream(SQL, sa.create_engine("duckdb:///:memory:"), labelled_outputs(), w2)
    w2.abort()
    assert w2.value_labels == {} and w2.variable_value_labels == {}


def test_extended_missing_values_are_extended_missing_objects():
    """A flagged cell is ``SUPPRESSED`` (.s), an unflagged NULL None (.)."""
    from leostata.stata_types import SUPPRESSED
    from tests.writers.test_dta import MARKED_SQL, marked_outputs
    w = MemoryWriter()
    stream(MARKED_SQL, sa.create_engine("duckdb:///:memory:"), marked_outputs(), w)
    assert list(w.data) == ["b", "i", "l", "f", "d"]
    assert w.data["l"] == [70000, SUPPRESSED, None] and w.data["d"] == [2.25, SUPPRESSED, None]
    assert str(SUPPRESSED) == ".s"
