"""SQL type -> Stata type/format rules, names and labels (stata_types)."""

from __future__ import annotations

import struct

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


def test_bigint_follows_values_under_declared_types():
    big = SqlType("bigint", "int64")
    assert st.final_type(big, obs_ints("int", 1, 100), declared=True)[0] == "long"
    assert st.final_type(big, obs_ints("int", 2_147_483_620), declared=True)[0] == "long"
    assert st.final_type(big, obs_ints("int", 2_147_483_621), declared=True)[:2] == (
        "double", "%12.0g")
    assert st.final_type(big, obs_ints("int", 2 ** 53), declared=True)[:2] == ("double", "%20.0g")
    stype, fmt, notes = st.final_type(big, obs_ints("int", 2 ** 53 + 1, -5), declared=True)
    assert stype == "str16" and fmt == "%16s" and notes
    assert st.final_type(big, obs_ints("int", None), declared=True)[0] == "long"  # all missing


def test_declared_type_wins_but_values_still_promote():
    small = SqlType("smallint", "int16")
    assert st.final_type(small, obs_ints("int", 1, 2), declared=True)[0] == "long"
    stype, _, notes = st.final_type(small, obs_ints("int", 1, 2_147_483_621), declared=True)
    assert stype == "double" and notes  # beyond smallint (SQLite): promoted, said so
    sqlite_int = SqlType("INTEGER", "int32")
    assert st.final_type(sqlite_int, obs_ints("int", 1), declared=True)[:2] == ("double", "%12.0g")
    stype, _, notes = st.final_type(sqlite_int, obs_ints("int", 2 ** 53 + 1), declared=True)
    assert stype.startswith("str") and notes  # SQLite INTEGER can hold 64 bits


# Stata's ranges ([D] data types): byte -127..100, int -32,767..32,740,
# long -2,147,483,647..2,147,483,620; integers beyond long: double while exact.
@pytest.mark.parametrize("raw", ["bit", "tinyint", "smallint", "int", "bigint", "?"])
@pytest.mark.parametrize("values,want,fmt", [
    ((0, 1), "byte", "%8.0g"), ((-127, 100), "byte", "%8.0g"), ((101,), "int", "%8.0g"),
    ((-128,), "int", "%8.0g"), ((32_740, -32_767), "int", "%8.0g"),
    ((32_741,), "long", "%12.0g"), ((-32_768,), "long", "%12.0g"),
    ((2_147_483_620, -2_147_483_647), "long", "%12.0g"),
    ((2_147_483_621,), "double", "%12.0g"), ((-2_147_483_648,), "double", "%20.0g"),
    ((2 ** 53,), "double", "%20.0g"), ((None, None), "byte", "%8.0g"), ((None, 7), "byte", "%8.0g"),
])
def test_integer_columns_take_the_smallest_type_holding_their_values(raw, values, want, fmt):
    sql = normalize_type(raw) if raw != "?" else SqlType("?", "unknown")
    assert st.final_type(sql, obs_ints("int", *values))[:2] == (want, fmt)


def test_integers_beyond_2_53_load_as_digits_by_values_too():
    stype, fmt, notes = st.final_type(SqlType("bigint", "int64"), obs_ints("int", 2 ** 53 + 1))
    assert stype == "str16" and fmt == "%16s" and notes


def test_a_late_batch_promotes_the_column():
    o = st.Observed("int")
    for batch in ([0, 1], [1, 100], [-5, 70_000]):  # fits byte, byte, then needs long
        o.update(np.ma.MaskedArray(np.array(batch, np.int64), mask=[False, False]))
        assert o.lo == min(o.lo, *batch)
    assert st.final_type(SqlType("int", "int32"), o)[0] == "long"


def obs_floats(*values):
    o = st.Observed("float")
    o.update(np.array([np.nan if v is None else v for v in values], np.float64))
    return o


@pytest.mark.parametrize("raw", ["float", "real", "decimal(9,2)"])
@pytest.mark.parametrize("values,want", [
    ((50.0, 100.0), "byte"),              # integral: as compress would make them
    ((1.0, 40_000.0, None), "long"),
    ((3e9 + 1,), "double"),               # integral beyond long, not a float exactly
    ((3e9,), "float"),                    # 3e9 = 5,859,375 * 2^9: exactly a float
    ((2.0 ** 40,), "float"),              # integral beyond long, exactly a float
    ((0.5, 0.25, -1.75), "float"),        # exactly representable as floats
    ((0.1,), "double"),                   # 0.1 as a float is 0.100000001490116...
    ((0.5, 0.1), "double"),
    ((16_777_217.5,), "double"),
    ((3.4e38,), "double"),                # beyond float's largest value
    ((None,), "byte"),                    # all missing: as compress leaves it
])
def test_non_integer_columns_are_float_only_when_no_value_changes(raw, values, want):
    stype, fmt, _ = st.final_type(normalize_type(raw), obs_floats(*values))
    assert stype == want and fmt == st.DEFAULT_FORMATS[want]
    for v in values:  # the promise behind the rule: the value survives the type
        if v is not None and want == "float":
            assert float(np.float32(v)) == v
        elif v is not None and want in st.INT_RANGES:
            lo, hi = st.INT_RANGES[want]
            assert v == int(v) and lo <= v <= hi


def test_float_decisions_span_batches():
    o = obs_floats(0.5, 2.0)
    o.update(np.array([0.1]))  # a later batch that a float would change
    assert st.final_type(SqlType("float", "float64"), o)[0] == "double"
    o = obs_floats(1.0, 2.0)
    o.update(np.array([2.5]))
    assert st.final_type(SqlType("float", "float64"), o)[0] == "float"


def test_an_integer_column_that_turns_float_mid_stream_keeps_its_earlier_batches_exact():
    o = obs_ints("int", 16_777_217)  # exact as a double, not as a float
    o.family = "float"  # stream switches the family when fractions arrive (SQLite)
    o.update(np.array([0.5]))
    assert st.final_type(SqlType("INTEGER", "int32"), o)[0] == "double"


def test_dates_take_the_smallest_integer_type_and_keep_td():
    days = obs_ints("date", 0, 21_000)  # 01jan1960, 30jun2017
    assert st.final_type(SqlType("date", "date"), days)[:2] == ("int", "%td")
    later = obs_ints("date", 40_000)  # 06jul2069
    assert st.final_type(SqlType("date", "date"), later)[:2] == ("long", "%td")
    assert st.final_type(SqlType("date", "date"), days, declared=True)[:2] == ("long", "%td")


@pytest.mark.parametrize("family,fmt", [("datetime", "%tc"), ("time", "%tcHH:MM:SS")])
def test_datetimes_stay_double(family, fmt):
    o = st.Observed(family)
    o.update(np.array([0.0, 1000.0]))
    assert st.final_type(SqlType("datetime2", family), o)[:2] == ("double", fmt)


def test_declaredtypes_reaches_the_result_columns():
    outs = [OutputColumn("a", "a", SqlType("int", "int32")),
            OutputColumn("b", "b", SqlType("int", "int32"), declared_types=True)]
    cols = st.result_columns(outs)
    for c in cols:
        c.observed.update(np.ma.MaskedArray(np.array([1, 0], np.int64), mask=[False, False]))
        c.finalize()
    assert [(c.stata_type, c.format) for c in cols] == [("byte", "%8.0g"), ("double", "%12.0g")]


def test_forced_types():
    t = SqlType("int", "int32")
    assert st.final_type(t, obs_ints("int", 1, 5), forced_type="double")[:2] == (
        "double", "%12.0g")  # a forced type wins over the values
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
    assert cut and len(label) <= 80 and label.endswith("...")
    assert label == " ".join(["word"] * 15) + "..."  # 74 + 3: the last whole word that fits
    cols = st.result_columns([OutputColumn("first name", "first name",
                                           SqlType("varchar(9)", "string", 9), long_text)],
                             table="leo_npd")
    c = cols[0]
    assert c.name == "first_name" and c.label == label
    assert c.chars["leo_sqlname"] == "first name" and c.chars["leo_sqltype"] == "varchar(9)"
    assert c.chars["leo_description"] == long_text.strip() and c.chars["leo_table"] == "leo_npd"
    assert st.clip_char("é" * 40_000).encode() <= b"\xff" * st.MAX_CHAR
    # the renamed column says so in a characteristic and a Stata note, not in its label
    assert "first name" not in c.label
    assert c.chars["note0"] == "1" and "SQL name first name" in c.chars["note1"]
    assert c.chars["leo_provenance"] == c.chars["note1"]


@pytest.mark.parametrize("text,want", [
    ("short label", "short label"),
    ("a " * 39 + "bb", "a " * 39 + "bb"),                      # exactly 80: kept whole
    ("x" * 76 + " yyyy", "x" * 76 + "..."),                    # cut at the blank
    ("x" * 77 + " yyyy", "x" * 77 + "..."),                    # the blank just after room
    ("x" * 78 + " yyyy", "x" * 77 + "..."),                    # one word too long: cut inside
    ("Tie for main section (1/0) " + "z" * 60, "Tie for main section (1/0)..."),
    ("first, second, " + "z" * 80, "first, second..."),       # no dangling comma
    ("line one\nline\ttwo", "line one line two"),
])
def test_labels_shorten_at_a_word_boundary(text, want):
    label, cut = st.variable_label(text)
    assert label == want and len(label) <= st.MAX_LABEL
    assert cut == (want != " ".join(text.split()))


def test_provenance_notes_go_to_characteristics_and_notes():
    out = OutputColumn("KS4_FSM", "KS4_FSM", SqlType("tinyint", "uint8"), "Eligible for FSM",
                       notes=("name as in the SRS extract; SQL type assumed",))
    c = st.result_columns([out])[0]
    assert c.label == "Eligible for FSM"
    assert c.chars["leo_provenance"] == "name as in the SRS extract; SQL type assumed"
    assert c.chars["note1"] == "name as in the SRS extract; SQL type assumed"
    assert c.chars["note0"] == "1" and "note2" not in c.chars
    plain = st.result_columns([OutputColumn("x", "x", SqlType("int", "int32"), "X")])[0]
    assert not any(k.startswith("note") or k == "leo_provenance" for k in plain.chars)


def test_valid_names_keep_themselves_even_after_an_invalid_twin():
    # "Last Name" would become Last_Name; the real Last_Name column keeps its name
    assert st.stata_names(["Last Name", "Last_Name", "in", "x"]) == [
        "Last_Name_2", "Last_Name", "in_", "x"]


# --- value labels -------------------------------------------------------------------------

LONG_LO, LONG_HI = -2_147_483_647, 2_147_483_620  # Stata's nonmissing long range


def test_value_label_holds_its_codings_sorted_and_immutably():
    vl = st.ValueLabel("yn", {1: "yes", 0: "no", -3: "n/a"})
    assert vl.name == "yn"
    assert vl.codings == ((-3, "n/a"), (0, "no"), (1, "yes"))
    assert vl.values() == [-3, 0, 1] and vl.texts() == ["n/a", "no", "yes"]
    copy = vl.mapping()
    copy[5] = "five"
    assert vl.mapping() == {-3: "n/a", 0: "no", 1: "yes"}
    with pytest.raises(AttributeError):
        vl.name = "other"
    assert vl == st.ValueLabel("yn", [(0, "no"), (-3, "n/a"), (1, "yes")])
    assert hash(vl) == hash(st.ValueLabel("yn", [(1, "yes"), (0, "no"), (-3, "n/a")]))
    assert vl != st.ValueLabel("yn", {0: "no", 1: "yes"})
    assert st.ValueLabel("big", {np.int64(LONG_LO): "low", LONG_HI: "high"}).values() == [
        LONG_LO, LONG_HI]


def test_extended_missing_codes_are_the_dta_formats_and_sfis():
    """.a-.z after ., per type (the .dta format: integers count up from the
    type's ., float/double in steps of 2^11 / 2^40 in the bits); the double
    is what the sfi double's Missing.getValue(letter) holds."""
    from tests.fakes import sfi
    a, s, z = st.ExtendedMissing("a"), st.SUPPRESSED, st.ExtendedMissing("z")
    assert (a.index, s.index, z.index, str(s)) == (1, 19, 26, ".s")
    assert [s.stored(t) for t in ("byte", "int", "long")] == [120, 32_760, 2_147_483_640]
    assert s.stored("float") == 0x7F00_9800 and s.stored("double") == 0x7FE0_1300_0000_0000
    assert struct.unpack("<d", struct.pack("<Q", s.stored("double")))[0] == s.double
    assert struct.unpack("<f", struct.pack("<I", a.stored("float")))[0] > st.FLOAT_MAX
    for e in st.EXTENDED_MISSING:
        assert e.double == sfi.Missing.getValue(e.letter) > st.MISSING_DOUBLE
    for bad in ("S", ".s", "", "ab"):
        with pytest.raises(st.InternalError):
            st.ExtendedMissing(bad)


def test_with_letters_writes_codes_only_where_marked():
    letters = np.array([0, 19, 0, 1], dtype=np.uint8)
    longs = st.with_letters(np.array([5, 0, 2_147_483_621, 0], dtype="<i4"), "long", letters)
    assert longs.tolist() == [5, 2_147_483_640, 2_147_483_621, 2_147_483_622]
    doubles = st.with_letters(np.array([1.5, 0.0, 2.0, 0.0]), "double", letters)
    assert doubles.tolist()[0::2] == [1.5, 2.0]
    assert doubles[1] == st.SUPPRESSED.double and doubles[3] == st.ExtendedMissing("a").double
    unmarked = np.array([1, 2], dtype="i1")
    assert st.with_letters(unmarked, "byte", None) is unmarked


def test_value_labels_may_label_extended_missing_but_not_sysmiss():
    vl = st.ValueLabel("sdc", {st.SUPPRESSED: "suppressed", 3: "three",
                               st.ExtendedMissing("a"): "a"})
    assert vl.values() == [3, st.ExtendedMissing("a"), st.SUPPRESSED]  # numbers, then .a-.z
    assert vl.mapping()[st.SUPPRESSED] == "suppressed"
    for bad in (st.MISSING_DOUBLE, 2.5, None):
        with pytest.raises(st.StataSyntaxError):
            st.ValueLabel("x", {bad: "no"})


@pytest.mark.parametrize("name", ["1x", "", "a b", "é", "if", "in", "str5", "_n", "x" * 33,
                                  None, 3])
def test_value_label_name_must_be_a_stata_name(name):
    with pytest.raises(st.StataSyntaxError) as err:
        st.ValueLabel(name, {1: "a"})
    assert err.value.rc == 198


def test_value_label_name_of_32_characters_is_accepted():
    assert st.ValueLabel("_" + "a" * 31, {1: "a"}).name == "_" + "a" * 31


@pytest.mark.parametrize("value", [True, 1.0, 1.5, "1", None, LONG_HI + 1, LONG_LO - 1,
                                   2 ** 31, -(2 ** 31), float("nan")])
def test_value_label_values_are_integers_in_the_long_range(value):
    with pytest.raises(st.StataSyntaxError) as err:
        st.ValueLabel("v", [(value, "text")])
    assert err.value.rc == 198


@pytest.mark.parametrize("codings", [
    {}, [(1, "a"), (1, "b")], {1: ""}, {1: None}, {1: 7}, {1: "a\x00b"},
    {1: "é" * 16_000 + "a"},  # 32,001 UTF-8 bytes
    [(1, "a", "extra")], [1],
])
def test_value_label_codings_are_checked(codings):
    with pytest.raises(st.StataSyntaxError):
        st.ValueLabel("v", codings)


def test_value_label_limits_are_stata_limits():
    assert st.ValueLabel("v", {1: "é" * 16_000}).mapping()[1] == "é" * 16_000  # 32,000 bytes
    assert len(st.ValueLabel("v", {i: "x" for i in range(65_536)}).codings) == 65_536
    with pytest.raises(st.StataSyntaxError):
        st.ValueLabel("v", {i: "x" for i in range(65_537)})


def test_merge_indicator_label_is_merges():
    # Stata 17+ merge: label define _merge 1 "Master only (1)" ... 5 "Nonmissing conflict (5)"
    assert st.MERGE_VALUE_LABEL.name == "_merge"
    assert st.MERGE_VALUE_LABEL.mapping() == {
        1: "Master only (1)", 2: "Using only (2)", 3: "Matched (3)",
        4: "Missing updated (4)", 5: "Nonmissing conflict (5)"}


INT8 = SqlType("tinyint", "int8")


def test_result_columns_carry_value_labels_and_share_them():
    yn = st.ValueLabel("yn", {0: "no", 1: "yes"})
    outs = [OutputColumn("a", "a", INT8, value_label=yn), OutputColumn("b", "b", INT8),
            OutputColumn("c", "c", INT8, value_label=st.ValueLabel("yn", {1: "yes", 0: "no"}))]
    cols = st.result_columns(outs)
    assert [c.value_label for c in cols] == [yn, None, yn]
    assert st.value_labels(cols) == {"yn": yn}
    assert st.value_labels(outs) == {"yn": yn}
    assert OutputColumn("a", "a", INT8).value_label is None


def test_two_labels_of_one_name_are_r110():
    outs = [OutputColumn("a", "a", INT8, value_label=st.ValueLabel("yn", {0: "no", 1: "yes"})),
            OutputColumn("b", "b", INT8, value_label=st.ValueLabel("yn", {0: "no"}))]
    with pytest.raises(st.AlreadyDefined) as err:
        st.result_columns(outs)
    assert err.value.rc == 110 and "label yn already defined" in err.value.message


@pytest.mark.parametrize("sql_type, forced", [
    (SqlType("varchar(5)", "string"), None), (SqlType("varbinary(4)", "binary"), None),
    (INT8, "str3")])
def test_strings_may_not_carry_value_labels(sql_type, forced):
    out = OutputColumn("s", "s", sql_type, stata_type=forced, value_label=st.MERGE_VALUE_LABEL)
    with pytest.raises(st.InternalError, match="may not label strings"):
        st.result_columns([out])


def test_a_labelled_column_promoted_to_a_string_is_refused():
    col = st.result_columns([OutputColumn("b", "b", SqlType("bigint", "int64"),
                                          value_label=st.MERGE_VALUE_LABEL)])[0]
    col.observed.update(np.ma.MaskedArray(np.array([2 ** 60], np.int64), mask=[False]))
    with pytest.raises(st.InternalError, match="may not label strings"):
        col.finalize()
