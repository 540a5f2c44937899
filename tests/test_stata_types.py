"""SQL type -> Stata type/format rules, names and labels (stata_types)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as hs

from leostata import stata_types as st
from leostata.catalog import SqlType, normalize_type
from leostata.stata_types import OutputColumn


def obs_ints(family, *values):
    o = st.Observed(family)
    data = np.array([v if v is not None else 0 for v in values], np.int64)
    o.update(np.ma.MaskedArray(data, mask=[v is None for v in values]))
    return o


@pytest.mark.parametrize("raw,stype,fmt", [
    ("bit", "byte", "%8.0g"),
    ("tinyint", "int", "%8.0g"),
    ("smallint", "long", "%12.0g"),
    ("int", "double", "%12.0g"),
    ("decimal(12,2)", "double", "%10.0g"),
    ("money", "double", "%10.0g"),
    ("real", "float", "%9.0g"),
    ("float", "double", "%10.0g"),
    ("date", "long", "%td"),
    ("datetime2", "double", "%tc"),
    ("time", "double", "%tcHH:MM:SS"),
])
def test_declared_types(raw, stype, fmt):
    assert st.declared_type(normalize_type(raw)) == (stype, fmt)


@pytest.mark.parametrize("lo,hi,want", [
    (-127, 100, "byte"), (0, 101, "int"), (-128, 0, "int"),
    (-32_767, 32_740, "int"), (0, 32_741, "long"), (-32_768, 0, "long"),
    (-2_147_483_647, 2_147_483_620, "long"), (0, 2_147_483_621, "double"),
    (-2_147_483_648, 0, "double"), (-(2 ** 53), 2 ** 53, "double"),
    (0, 2 ** 53 + 1, "str"), (-(2 ** 53) - 1, 0, "str"),
])
def test_int_ladder_boundaries(lo, hi, want):
    assert st.int_type_for(lo, hi) == want


def test_bigint_follows_values():
    big = SqlType("bigint", "int64")
    assert st.final_type(big, obs_ints("int", 1, 100))[0] == "long"
    assert st.final_type(big, obs_ints("int", 2_147_483_620))[0] == "long"
    assert st.final_type(big, obs_ints("int", 2_147_483_621))[:2] == ("double", "%12.0g")
    assert st.final_type(big, obs_ints("int", 2 ** 53))[:2] == ("double", "%20.0g")
    stype, fmt, notes = st.final_type(big, obs_ints("int", 2 ** 53 + 1, -5))
    assert stype == "str16" and fmt == "%16s" and notes
    assert st.final_type(big, obs_ints("int", None))[0] == "long"  # all missing


def test_declared_type_wins_but_values_still_promote():
    small = SqlType("smallint", "int16")
    assert st.final_type(small, obs_ints("int", 1, 2))[0] == "long"  # not int: stable schema
    sqlite_int = SqlType("INTEGER", "int32")
    stype, _, notes = st.final_type(sqlite_int, obs_ints("int", 2 ** 53 + 1))
    assert stype.startswith("str") and notes  # SQLite INTEGER can hold 64 bits


def test_values_decide_without_integer_sql_type():
    raw = SqlType("?", "unknown")
    assert st.final_type(raw, obs_ints("int", 100))[0] == "byte"
    assert st.final_type(raw, obs_ints("int", 101))[0] == "int"
    assert st.final_type(raw, obs_ints("int", 32_741))[0] == "long"


def test_forced_types():
    t = SqlType("int", "int32")
    assert st.final_type(t, obs_ints("int", 1, 5), forced_type="long",
                         forced_format="%9.0g")[:2] == ("long", "%9.0g")
    # a forced type too small for the values is promoted, never clamped
    assert st.final_type(t, obs_ints("int", 1, 500), forced_type="byte")[0] == "int"
    o = st.Observed("float")
    o.update(np.array([1.5, np.nan]))
    assert st.final_type(SqlType("float", "float64"), o, forced_type="float")[0] == "float"


def test_strings_sized_in_utf8_bytes():
    o = st.Observed("string")
    o.update(np.array(["é".encode() * 1022 + b"a", b""]))
    assert st.final_type(SqlType("nvarchar(max)", "string"), o)[:2] == ("str2045", "%2045s")
    o.update(np.array([b"x" * 2046], dtype=object))
    assert st.final_type(SqlType("nvarchar(max)", "string"), o)[0] == "strL"
    empty = st.Observed("string")
    empty.update(np.array([b"", b""]))
    assert st.final_type(SqlType("varchar(5)", "string"), empty)[0] == "str1"


@pytest.mark.parametrize("sql,want", [
    ("Last Name", "Last_Name"), ("2019 pay", "v2019_pay"), ("", "v"), ("if", "if_"),
    ("int", "int_"), ("_n", "_n_"), ("str10", "str10_"), ("strL", "strL_"),
    ("Int", "Int"), ("str", "str"), ("größe", "gro_e"), ("café", "cafe"),
    ("a" * 40, "a" * 32),
])
def test_stata_name(sql, want):
    assert st.stata_name(sql) == want
    assert st.is_valid_name(want)


def test_unique_names():
    names = st.stata_names(["x", "x", "X", "a b", "a_b", "y" * 40, "y" * 33])
    # the valid a_b keeps its name; the invalid "a b" is renamed around it
    assert names == ["x", "x_2", "X", "a_b_2", "a_b", "y" * 32, "y" * 30 + "_2"]
    assert st.stata_name("x", {"x", "x_2"}) == "x_3"


@given(hs.lists(hs.text(max_size=50), min_size=1, max_size=20))
def test_names_always_valid_and_unique(raw):
    names = st.stata_names(raw)
    assert len(set(names)) == len(names)
    assert all(st.is_valid_name(n) for n in names)


def test_labels_and_characteristics():
    long_text = "word " * 40
    label, cut = st.variable_label(long_text)
    assert cut and len(label) == 80 and label.endswith("...")
    cols = st.result_columns([OutputColumn("first name", "first name",
                                           SqlType("varchar(9)", "string", 9), long_text)],
                             table="leo_npd")
    c = cols[0]
    assert c.name == "first_name" and c.label == label
    assert c.chars["leo_sqlname"] == "first name" and c.chars["leo_sqltype"] == "varchar(9)"
    assert c.chars["leo_description"] == long_text.strip() and c.chars["leo_table"] == "leo_npd"
    assert st.clip_char("é" * 40_000).encode() <= b"\xff" * st.MAX_CHAR


def test_valid_names_keep_themselves_even_after_an_invalid_twin():
    # "Last Name" would become Last_Name; the real Last_Name column keeps its name
    assert st.stata_names(["Last Name", "Last_Name", "in", "x"]) == [
        "Last_Name_2", "Last_Name", "in_", "x"]
