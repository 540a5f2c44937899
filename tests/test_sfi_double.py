"""The sfi double enforces Stata's documented rules (see tests/fakes/sfi.py).

Every test states the rule and its source; each would fail if the double
became more lenient than Stata (or than the decision D# recorded in the
double's docstring).
"""

from __future__ import annotations

import datetime as dt
import math
import struct
import sys
from decimal import Decimal

import pytest


@pytest.fixture
def sfi(fake_sfi):
    return fake_sfi


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# ---------------------------------------------------------------------------
# The fixture itself
# ---------------------------------------------------------------------------

def test_fixture_installs_module_as_sfi(sfi):
    import sfi as imported          # noqa: PLC0415 - the point is the import
    assert imported is sfi
    assert sys.modules["sfi"] is sfi


def test_fixture_removes_module_afterwards(sfi):
    # The fixture uses monkeypatch.setitem, which removes the key on teardown;
    # here we check it starts from a fresh state instead.
    assert sfi.Frame.getFrameCount() == 1
    assert sfi.Macro.getGlobal("c(frame)") == "default"
    assert sfi.Data.getVarCount() == 0 and sfi.Data.getObsTotal() == 0
    assert sfi.transcript() == "" and sfi.stata_commands() == []


def test_fixture_teardown_restores_sys_modules():
    # Runs without the fixture, after tests that used it: none may leave the
    # double installed (monkeypatch.setitem restores sys.modules on teardown).
    assert sys.modules.get("sfi") is None


def test_real_names_exported(sfi):
    for name in ("Characteristic", "Data", "Datetime", "Frame", "FrameError", "Macro",
                 "Missing", "Scalar", "SFIError", "SFIToolkit", "ValueLabel", "BreakError"):
        assert name in sfi.__all__ and hasattr(sfi, name)
    assert "reset" not in sfi.__all__ and "snapshot" not in sfi.__all__
    assert issubclass(sfi.FrameError, sfi.SFIError)


# ---------------------------------------------------------------------------
# Missing values (stata.md §1.8)
# ---------------------------------------------------------------------------

def test_missing_codes(sfi):
    assert sfi.Missing.getValue() == 2.0 ** 1023 == 8.98846567431158e307
    assert sfi.Missing.getValue("a") == 8.990660123939097e307
    assert sfi.Missing.getValue("z") == 9.045521364627034e307
    codes = [sfi.Missing.getValue()] + [sfi.Missing.getValue(c) for c in "abcdefghijklmnopqrstuvwxyz"]
    assert codes == sorted(codes) and len(set(codes)) == 27
    assert sfi.Missing.a == "a" and sfi.Missing.z == "z"


@pytest.mark.parametrize("bad", ["A", "aa", ".", "", 1])
def test_missing_getvalue_rejects(sfi, bad):
    with pytest.raises(ValueError, match="val must be one of"):
        sfi.Missing.getValue(bad)


def test_missing_is_and_parse(sfi):
    assert sfi.Missing.isMissing(2.0 ** 1023)
    assert sfi.Missing.isMissing(sfi.Missing.getValue("q"))
    assert not sfi.Missing.isMissing(float.fromhex("0x1.fffffffffffffp+1022"))
    assert sfi.Missing.parseIsMissing(".") and sfi.Missing.parseIsMissing(".k")
    assert not sfi.Missing.parseIsMissing(".A") and not sfi.Missing.parseIsMissing("..")
    with pytest.raises(TypeError):
        sfi.Missing.parseIsMissing(5)


# ---------------------------------------------------------------------------
# Storage-type ranges (stata.md §2.1; D2, D3)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("adder,lo,hi", [
    ("addVarByte", -127, 100),
    ("addVarInt", -32767, 32740),
    ("addVarLong", -2147483647, 2147483620),
])
def test_integer_type_boundaries(sfi, adder, lo, hi):
    getattr(sfi.Data, adder)("v")
    sfi.Data.addObs(2)
    sfi.Data.store("v", None, [lo, hi])
    assert sfi.Data.get("v") == [lo, hi]
    assert all(type(x) is int for x in sfi.Data.get("v"))
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.storeAt("v", 0, hi + 1)
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.storeAt("v", 0, lo - 1)
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.storeAt("v", 0, float(hi + 1))
    assert sfi.Data.get("v") == [lo, hi]        # never clamped


@pytest.mark.parametrize("adder", ["addVarByte", "addVarInt", "addVarLong"])
def test_integer_types_refuse_fractions(sfi, adder):
    getattr(sfi.Data, adder)("v")
    sfi.Data.addObs(1)
    with pytest.raises(ValueError, match="not an integer"):
        sfi.Data.storeAt("v", 0, 1.5)
    sfi.Data.storeAt("v", 0, 2.0)
    assert sfi.Data.getAt("v", 0) == 2.0


@pytest.mark.parametrize("adder", ["addVarByte", "addVarInt", "addVarLong", "addVarFloat", "addVarDouble"])
def test_every_missing_code_storable(sfi, adder):
    getattr(sfi.Data, adder)("v")
    sfi.Data.addObs(3)
    vals = [sfi.Missing.getValue(), sfi.Missing.getValue("a"), sfi.Missing.getValue("z")]
    sfi.Data.store("v", None, vals)
    assert sfi.Data.get("v") == vals
    assert sfi.Data.get("v", missingval=None) == [None, None, None]


# Every value a variable of each type cannot hold, for both signs (D2): the
# nonmissing range of stata.md §2.1, Python ints beyond a double, and the
# values >= 2**1023 that are not one of the 27 documented missing codes.
_CODES_STEP = 2.0 ** 1023 / 4096                     # the gap between two codes
_NOT_CODES = [
    1e308,                                           # above .z
    float.fromhex("0x1.fffffffffffffp+1023"),        # the largest double
    2.0 ** 1023 * 1.5,
    2.0 ** 1023 + _CODES_STEP / 2,                   # between . and .a
    2.0 ** 1023 + 3.5 * _CODES_STEP,                 # between .c and .d
    2.0 ** 1023 + 27 * _CODES_STEP,                  # just past .z
    math.nextafter(2.0 ** 1023, math.inf),
    math.nextafter(2.0 ** 1023 + 26 * _CODES_STEP, math.inf),
]
_BEYOND_DOUBLE = [2 ** 1024, 10 ** 400]              # Python ints no double holds
#: Signed values just outside each type's range (stata.md §2.1 table: the
#: ranges are not symmetric, -127..100 for byte), and values beyond it whose
#: negatives are out of range too (``BOTH_SIGNS``).
JUST_OUTSIDE = {
    "byte": [101, 127, 128, -128, -129], "int": [32741, 32767, 32768, -32768, -32769],
    "long": [2147483621, 2147483647, 2 ** 31, -2147483648, -(2 ** 31) - 1],
    "float": [], "double": [],
}
BOTH_SIGNS = {
    "byte": [1000, 1e10, 1.7e38, 8.98846567431157e307],
    "int": [1e10, 1.7e38], "long": [2 ** 53, 1.7e38],
    "float": [float.fromhex("0x1.0p+127"), 3e38, 1e39, 1e300,
              float.fromhex("0x1.fffffffffffffp+1022")],
    "double": [],        # every double below 2**1023 is in range
}
IN_RANGE_EDGES = {
    "byte": [100, -127], "int": [32740, -32767], "long": [2147483620, -2147483647],
    "float": [float.fromhex("0x1.fffffep+126"), -float.fromhex("0x1.fffffep+126")],
    "double": [float.fromhex("0x1.fffffffffffffp+1022"),
               -float.fromhex("0x1.fffffffffffffp+1022")],
}


@pytest.mark.parametrize("vtype", ["byte", "int", "long", "float", "double"])
def test_every_value_a_type_cannot_hold_raises_for_both_signs(sfi, vtype):
    getattr(sfi.Data, "addVar" + vtype.capitalize())("v")
    sfi.Data.addObs(1)
    sfi.Data.storeAt("v", 0, 0)
    for good in IN_RANGE_EDGES[vtype]:
        sfi.Data.storeAt("v", 0, good)
        assert sfi.Data.getAt("v", 0) == good and not sfi.Missing.isMissing(good)
    sfi.Data.storeAt("v", 0, 0)
    both = BOTH_SIGNS[vtype] + _NOT_CODES + _BEYOND_DOUBLE
    for signed in JUST_OUTSIDE[vtype] + both + [-v for v in both]:
        with pytest.raises(ValueError, match="out of range"):
            sfi.Data.storeAt("v", 0, signed)
        with pytest.raises(ValueError, match="out of range"):
            sfi.Data.store("v", 0, signed)
        assert sfi.Data.getAt("v", 0) == 0          # nothing written, nothing missing
    # the negatives of the missing codes are no codes: out of range too
    for code in [sfi.Missing.getValue()] + [sfi.Missing.getValue(c) for c in "amz"]:
        with pytest.raises(ValueError, match="out of range"):
            sfi.Data.storeAt("v", 0, -code)
        sfi.Data.storeAt("v", 0, code)                  # the code itself: documented
        assert sfi.Data.getAt("v", 0) == code and sfi.Missing.isMissing(code)


def test_1e308_in_a_byte_is_refused_not_made_missing(sfi):
    sfi.Data.addVarByte("b")
    sfi.Data.addObs(1)
    for value in (1e308, -1e308):
        with pytest.raises(ValueError, match="out of range"):
            sfi.Data.storeAt("b", 0, value)
    assert sfi.Data.get("b") == [sfi.Missing.getValue()]   # still addObs's "."


def test_float_rounds_to_float32(sfi):
    sfi.Data.addVarFloat("f")
    sfi.Data.addObs(3)
    sfi.Data.store("f", None, [0.1, 123456789, -1.5])
    got = sfi.Data.get("f")
    assert got[0] == f32(0.1) == 0.10000000149011612
    assert got[1] == 123456792.0          # data_types.sthlp example
    assert got[2] == -1.5
    assert all(type(x) is float for x in got)


def test_float_range(sfi):
    fmax = float.fromhex("0x1.fffffep+126")
    assert fmax == pytest.approx(1.70141173319e38)
    sfi.Data.addVarFloat("f")
    sfi.Data.addObs(1)
    sfi.Data.storeAt("f", 0, fmax)
    sfi.Data.storeAt("f", 0, -fmax)
    assert sfi.Data.getAt("f", 0) == -fmax
    for bad in (2.0 ** 127, -(2.0 ** 127), 3e38, 1e300, -1e300):
        with pytest.raises(ValueError, match="out of range"):
            sfi.Data.storeAt("f", 0, bad)
    assert sfi.Data.getAt("f", 0) == -fmax


def test_double_range(sfi):
    dmax = float.fromhex("0x1.fffffffffffffp+1022")
    sfi.Data.addVarDouble("d")
    sfi.Data.addObs(1)
    sfi.Data.storeAt("d", 0, dmax)
    assert sfi.Data.getAt("d", 0) == dmax and not sfi.Missing.isMissing(dmax)
    sfi.Data.storeAt("d", 0, -dmax)
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.storeAt("d", 0, -(2.0 ** 1023))
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.storeAt("d", 0, -1.7976931348623157e308)
    sfi.Data.storeAt("d", 0, 2 ** 53)                       # exact
    with pytest.raises(ValueError, match="exactly"):       # D4
        sfi.Data.storeAt("d", 0, 2 ** 53 + 1)
    assert sfi.Data.getAt("d", 0) == 2.0 ** 53


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), -float("inf")])
def test_numeric_refuses_none_nan_inf(sfi, bad):
    # stata.md §1.3 / Pitfall 2: convert to Missing.getValue() first (D1).
    sfi.Data.addVarDouble("d")
    sfi.Data.addObs(1)
    with pytest.raises((TypeError, ValueError), match="Missing.getValue"):
        sfi.Data.storeAt("d", 0, bad)
    with pytest.raises((TypeError, ValueError), match="Missing.getValue"):
        sfi.Data.store("d", None, [bad])


@pytest.mark.parametrize("bad", ["1", True, Decimal("1.5"), b"1"])
def test_numeric_refuses_non_numbers(sfi, bad):
    # [api] Data.store: TypeError if a value does not match the variable type (D6).
    sfi.Data.addVarDouble("d")
    sfi.Data.addObs(1)
    with pytest.raises(TypeError, match="does not match"):
        sfi.Data.storeAt("d", 0, bad)


@pytest.mark.parametrize("bad", [1, 1.0, None, b"x"])
def test_string_refuses_non_strings(sfi, bad):
    sfi.Data.addVarStr("s", 5)
    sfi.Data.addObs(1)
    with pytest.raises(TypeError, match="does not match"):
        sfi.Data.storeAt("s", 0, bad)


def test_numpy_scalars_accepted(sfi):
    np = pytest.importorskip("numpy")
    sfi.Data.addVarLong("l")
    sfi.Data.addVarDouble("d")
    sfi.Data.addObs(2)
    sfi.Data.store(["l", "d"], None, np.array([[1, 2.5], [3, 4.5]]))
    assert sfi.Data.get(["l", "d"]) == [[1, 2.5], [3, 4.5]]
    with pytest.raises(ValueError):
        sfi.Data.storeAt("d", 0, np.float64("nan"))


def test_get_best_type(sfi):
    assert sfi.Data.getBestType(100) == "byte"
    assert sfi.Data.getBestType(101) == "int"
    assert sfi.Data.getBestType(32741) == "long"
    assert sfi.Data.getBestType(2147483621) == "double"  # not exact in float32
    assert sfi.Data.getBestType(2 ** 31) == "float"       # exact in float32
    assert sfi.Data.getBestType(0.5) == "float"
    assert sfi.Data.getBestType(0.1) == "double"


# ---------------------------------------------------------------------------
# Strings (stata.md §2.2; D5)
# ---------------------------------------------------------------------------

def test_str_width_in_bytes(sfi):
    sfi.Data.addVarStr("s", 2)
    sfi.Data.addObs(1)
    assert sfi.Data.getVarType("s") == "str2" and sfi.Data.getStrVarWidth("s") == 2
    sfi.Data.storeAt("s", 0, "é")            # 2 bytes in UTF-8
    assert sfi.Data.getAt("s", 0) == "é"
    with pytest.raises(ValueError, match="3 bytes"):
        sfi.Data.storeAt("s", 0, "éa")       # 2 characters, 3 bytes
    with pytest.raises(ValueError, match="bytes"):
        sfi.Data.store("s", 0, "abc")
    assert sfi.Data.getAt("s", 0) == "é"


def test_str_max_width_and_strl(sfi):
    assert sfi.Data.getMaxStrLength() == 2045
    sfi.Data.addVarStr("a", 2045)
    sfi.Data.addVarStr("b", 2046)            # > getMaxStrLength() -> strL ([api])
    sfi.Data.addVarStrL("c")
    assert sfi.Data.getVarType("a") == "str2045"
    assert sfi.Data.getVarType("b") == "strL" and sfi.Data.getVarType("c") == "strL"
    assert sfi.Data.isVarTypeStr("a") and not sfi.Data.isVarTypeStrL("a")
    assert sfi.Data.isVarTypeStrL("b") and not sfi.Data.isVarTypeStr("b")
    assert all(sfi.Data.isVarTypeString(v) for v in "abc")
    sfi.Data.addObs(1)
    long_text = "é" * 5000
    sfi.Data.storeAt("c", 0, long_text)
    sfi.Data.storeAt("c", 0, long_text + "\x00bin")   # strL may hold NUL
    with pytest.raises(ValueError):
        sfi.Data.storeAt("a", 0, "x" * 2046)
    with pytest.raises(ValueError, match="NUL"):
        sfi.Data.storeAt("a", 0, "a\x00b")


@pytest.mark.parametrize("length", [0, -1, 1.5, "3", True, None])
def test_addvarstr_length_must_be_positive_int(sfi, length):
    with pytest.raises(ValueError, match="positive integer"):
        sfi.Data.addVarStr("s", length)
    assert sfi.Data.getVarCount() == 0


def test_new_string_and_numeric_vars_are_missing_filled(sfi):
    sfi.Data.addObs(2)
    sfi.Data.addVarStr("s", 3)
    sfi.Data.addVarInt("i")
    assert sfi.Data.get() == [["", sfi.Missing.getValue()], ["", sfi.Missing.getValue()]]


# ---------------------------------------------------------------------------
# Names (stata.md §2.4)
# ---------------------------------------------------------------------------

RESERVED = "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _se _skip strL using with".split()


@pytest.mark.parametrize("name", RESERVED + ["str1", "str80", "str2045"])
def test_reserved_names_rejected(sfi, name):
    with pytest.raises(ValueError, match="reserved"):
        sfi.Data.addVarDouble(name)
    assert not sfi.SFIToolkit.isValidVariableName(name)


@pytest.mark.parametrize("name", ["a" * 33, "1abc", "", "a b", "a-b", "a.b", "x$", 5])
def test_invalid_names_rejected(sfi, name):
    with pytest.raises(ValueError):
        sfi.Data.addVarByte(name)
    assert sfi.Data.getVarCount() == 0


@pytest.mark.parametrize("name", ["a" * 32, "_x", "x1", "Byte", "STRL", "str", "strx", "été", "__000001"])
def test_valid_names_accepted(sfi, name):
    sfi.Data.addVarByte(name)
    assert sfi.Data.getVarName(0) == name
    assert sfi.SFIToolkit.isValidVariableName(name)


def test_names_case_sensitive_and_unique(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addVarByte("X")
    with pytest.raises(ValueError, match="already defined"):
        sfi.Data.addVarStr("x", 3)
    with pytest.raises(ValueError, match="already defined"):
        sfi.Data.renameVar("X", "x")
    with pytest.raises(ValueError, match="reserved"):
        sfi.Data.renameVar("X", "_n")
    sfi.Data.renameVar("X", "y")
    assert [sfi.Data.getVarName(i) for i in range(2)] == ["x", "y"]


def test_maxvars(sfi):
    assert sfi.Data.getMaxVars() == 5000
    sfi._set_maxvars(3)
    for n in "abc":
        sfi.Data.addVarByte(n)
    with pytest.raises(ValueError, match="no room"):
        sfi.Data.addVarByte("d")


# ---------------------------------------------------------------------------
# Indices (stata.md §1.1)
# ---------------------------------------------------------------------------

@pytest.fixture
def three(sfi):
    for n in ("a", "b", "c"):
        sfi.Data.addVarDouble(n)
    sfi.Data.addObs(4)
    sfi.Data.store(None, None, [[r * 10 + c for c in range(3)] for r in range(4)])
    return sfi


def test_var_indices(three):
    sfi = three
    assert sfi.Data.getVarName(0) == "a" and sfi.Data.getVarName(-1) == "c"
    assert sfi.Data.getVarName(-3) == "a"
    for bad in (3, -4):
        with pytest.raises(ValueError, match=r"^%d: var out of range$" % bad):
            sfi.Data.getVarName(bad)
    with pytest.raises(TypeError):
        sfi.Data.getVarName("a")                    # int only ([api])
    with pytest.raises(ValueError, match=r"^variable zz not found$"):
        sfi.Data.getAt("zz", 0)
    assert sfi.Data.getVarIndex("b") == 1
    with pytest.raises(ValueError, match="not found"):
        sfi.Data.getVarIndex("B")


def test_obs_indices(three):
    sfi = three
    assert sfi.Data.getAt("a", -1) == 30.0 and sfi.Data.getAt("a", -4) == 0.0
    for bad in (4, -5):
        with pytest.raises(ValueError, match=r"^%d: obs out of range$" % bad):
            sfi.Data.getAt("a", bad)
    assert sfi.Data.get("a", -4) == [0.0]             # single int: -nobs allowed
    with pytest.raises(ValueError, match="obs out of range"):
        sfi.Data.get("a", [-4])                      # list: strict -nobs < o
    assert sfi.Data.get("a", range(1, 3)) == [10.0, 20.0]
    with pytest.raises(TypeError):
        sfi.Data.get("a", [0, "1"])


def test_var_argument_forms(three):
    sfi = three
    assert sfi.Data.get("a c", 1) == [[10.0, 12.0]]          # whitespace split
    assert sfi.Data.get(["c", "a"], 1) == [[12.0, 10.0]]
    assert sfi.Data.get((0, -1), 1) == [[10.0, 12.0]]
    assert sfi.Data.get(iter(["b"]), 1) == [11.0]
    with pytest.raises(TypeError, match="all values for variable input"):
        sfi.Data.get(["a", 1])
    with pytest.raises(TypeError, match="unsupported operand"):
        sfi.Data.get(1.0)
    with pytest.raises(ValueError, match="variable q not found"):
        sfi.Data.get("a q")


def test_get_shapes_and_select(three):
    sfi = three
    assert sfi.Data.get("b") == [1.0, 11.0, 21.0, 31.0]         # flat for one var
    assert sfi.Data.get() == [[0.0, 1.0, 2.0], [10.0, 11.0, 12.0], [20.0, 21.0, 22.0], [30.0, 31.0, 32.0]]
    sfi.Data.storeAt("b", 1, sfi.Missing.getValue())
    sfi.Data.storeAt("a", 0, 0.0)
    assert sfi.Data.get("a b", selectvar=-1) == [[0.0, 1.0], [20.0, 21.0], [30.0, 31.0]]
    assert sfi.Data.get("c", selectvar="a") == [12.0, 22.0, 32.0]   # a != 0
    assert sfi.Data.get("c", selectvar="") == sfi.Data.get("c")
    assert sfi.Data.getAsDict("a c", [0, 1]) == {"a": [0.0, 10.0], "c": [2.0, 12.0]}
    with pytest.raises(TypeError):
        sfi.Data.get("a", valuelabel=1)


# ---------------------------------------------------------------------------
# store shapes (stata.md §1.3)
# ---------------------------------------------------------------------------

def test_store_shapes(sfi):
    for n in ("x", "y", "z"):
        sfi.Data.addVarLong(n)
    sfi.Data.addObs(3)
    sfi.Data.store("x", None, [1, 2, 3])                 # one var, many obs
    sfi.Data.store("x y z", 0, [7, 8, 9])                # one obs, many vars
    sfi.Data.store(["y", "z"], [1, 2], [[21, 31], [22, 32]])
    sfi.Data.store("z", 0, 5)                            # scalar
    sfi.Data.store("y", 0, (x for x in [4]))             # generator
    sfi.Data.store("x", [1, 2], range(5, 7))
    assert sfi.Data.get() == [[7, 4, 5], [5, 21, 31], [6, 22, 32]]


def test_store_shape_errors(sfi):
    sfi.Data.addVarLong("x")
    sfi.Data.addVarStr("s", 5)
    sfi.Data.addObs(3)
    before = sfi.snapshot()
    with pytest.raises(ValueError, match="^length of value does not match number of observations$"):
        sfi.Data.store("x", None, [1, 2])
    with pytest.raises(ValueError, match="^inner dimensions do not match number of variables$"):
        sfi.Data.store("x s", None, [[1, "a"], [2], [3, "c"]])
    with pytest.raises(ValueError, match="length of value"):
        sfi.Data.store("s", None, "abc")                 # a str is one value, never split
    assert sfi.snapshot() == before


def test_store_empty_selection_is_noop(sfi):
    sfi.Data.addVarLong("x")
    before = sfi.snapshot()
    sfi.Data.store("x", None, [1, 2, 3])                 # nobs == 0 -> return
    assert sfi.snapshot() == before


def test_store_partial_write_then_error(sfi):
    # D7: not atomic; earlier values remain.
    sfi.Data.addVarByte("x")
    sfi.Data.addObs(3)
    with pytest.raises(ValueError, match="out of range"):
        sfi.Data.store("x", None, [1, 2, 500])
    assert sfi.Data.get("x") == [1, 2, sfi.Missing.getValue()]


def test_store_selectvar_not_modelled(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addObs(1)
    with pytest.raises(NotImplementedError):
        sfi.Data.store("x", None, [1], selectvar="x")
    with pytest.raises(ValueError, match="not found"):
        sfi.Data.store("x", None, [1], selectvar="nope")


# ---------------------------------------------------------------------------
# Observations
# ---------------------------------------------------------------------------

def test_addobs_nofill(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addObs(2, nofill=True)
    assert sfi.unfilled_cells() == [("x", 0), ("x", 1)]
    with pytest.raises(ValueError, match="nofill"):
        sfi.Data.get("x")
    sfi.Data.store("x", None, [1, 2])
    assert sfi.unfilled_cells() == [] and sfi.Data.get("x") == [1, 2]
    with pytest.raises(TypeError, match="nofill must be a boolean"):
        sfi.Data.addObs(1, nofill=1)
    with pytest.raises(ValueError, match="limit"):
        sfi.Data.addObs(2_147_483_619)                   # checked before allocating


def test_set_obs_total(sfi):
    sfi.Data.addVarInt("x")
    sfi.Data.setObsTotal(3)
    sfi.Data.store("x", None, [1, 2, 3])
    sfi.Data.setObsTotal(2)
    assert sfi.Data.get("x") == [1, 2]
    sfi.Data.setObsTotal(3)
    assert sfi.Data.get("x") == [1, 2, sfi.Missing.getValue()]
    with pytest.raises(ValueError):
        sfi.Data.setObsTotal(2_147_483_620)


def test_drop_keep_vars(three):
    sfi = three
    sfi.Data.dropVar("b")
    assert [sfi.Data.getVarName(i) for i in range(sfi.Data.getVarCount())] == ["a", "c"]
    sfi.Data.keepVar([-1])
    assert sfi.Data.getVarCount() == 1 and sfi.Data.getVarName(0) == "c"
    assert sfi.Data.get("c") == [2.0, 12.0, 22.0, 32.0]


# ---------------------------------------------------------------------------
# Labels and formats (stata.md §2.2, §2.3; D10)
# ---------------------------------------------------------------------------

def test_default_formats(sfi):
    for adder in ("addVarByte", "addVarInt", "addVarLong", "addVarFloat", "addVarDouble"):
        getattr(sfi.Data, adder)("v_" + adder[6:].lower())
    sfi.Data.addVarStr("s", 18)
    sfi.Data.addVarStrL("l")
    assert [sfi.Data.getVarFormat(i) for i in range(7)] == [
        "%8.0g", "%8.0g", "%12.0g", "%9.0g", "%10.0g", "%18s", "%9s"]


def test_set_var_format(sfi):
    sfi.Data.addVarDouble("d")
    sfi.Data.addVarStr("s", 4)
    for fmt in ("%tc", "%td", "%tdCCYY-NN-DD", "%12.2f", "%-9.0g", "%10.2fc", "%15.0gc", "%9.3e"):
        sfi.Data.setVarFormat("d", fmt)
        assert sfi.Data.getVarFormat("d") == fmt
    sfi.Data.setVarFormat("s", "%-4s")
    for bad in ("%", "9.2f", "%9.2z", "%s", "", "%9.2fx"):
        with pytest.raises(ValueError, match="not a valid Stata format"):
            sfi.Data.setVarFormat("d", bad)
    with pytest.raises(ValueError, match="not valid for"):
        sfi.Data.setVarFormat("s", "%9.0g")
    with pytest.raises(ValueError, match="not valid for"):
        sfi.Data.setVarFormat("d", "%9s")


def test_variable_label_limit(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.setVarLabel("x", "é" * 80)          # 80 characters (not bytes) is fine
    assert sfi.Data.getVarLabel("x") == "é" * 80
    with pytest.raises(ValueError, match="80"):
        sfi.Data.setVarLabel("x", "a" * 81)
    assert sfi.Data.getVarLabel("x") == "é" * 80


def test_characteristics(sfi):
    sfi.Data.addVarByte("x")
    sfi.Characteristic.setDtaChar("leo_sql", "SELECT 1")
    sfi.Characteristic.setVariableChar("x", "leo_type", "tinyint")
    assert sfi.Characteristic.getDtaChar("leo_sql") == "SELECT 1"
    assert sfi.Characteristic.getVariableChar(0, "leo_type") == "tinyint"
    assert sfi.Characteristic.getDtaChar("nope") == ""
    with pytest.raises(ValueError, match="67784"):
        sfi.Characteristic.setDtaChar("big", "x" * 67_785)
    sfi.Characteristic.setDtaChar("big", "x" * 67_784)
    with pytest.raises(ValueError):
        sfi.Characteristic.setDtaChar("bad name", "x")
    with pytest.raises(ValueError, match="not found"):
        sfi.Characteristic.setVariableChar("y", "a", "b")
    sfi.Characteristic.setDtaChar("leo_sql", "")          # empty deletes
    assert "leo_sql" not in sfi.snapshot()["frames"]["default"]["chars"]


def test_value_labels(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addVarStr("s", 3)
    sfi.Data.addObs(3)
    sfi.Data.store("x", None, [1, 2, sfi.Missing.getValue("a")])
    with pytest.raises(ValueError):
        sfi.ValueLabel.setLabelValue("yn", 1, "yes")       # D17: createLabel first
    sfi.ValueLabel.createLabel("yn")
    sfi.ValueLabel.setLabelValue("yn", 1, "yes")
    sfi.ValueLabel.setLabelValue("yn", sfi.Missing.getValue("a"), "n/a")
    with pytest.raises(ValueError):
        sfi.ValueLabel.setLabelValue("yn", 1.5, "x")
    sfi.ValueLabel.setVarValueLabel("x", "yn")
    with pytest.raises(ValueError, match="may not label strings"):
        sfi.ValueLabel.setVarValueLabel("s", "yn")
    assert sfi.Data.get("x", valuelabel=True) == ["yes", 2, "n/a"]
    assert sfi.ValueLabel.getLabel("yn", 1) == "yes" and sfi.ValueLabel.getLabel("yn", 3) == ""
    assert sfi.ValueLabel.getVarValueLabel("x") == "yn"
    assert sfi.ValueLabel.getValueLabels("yn") == {1: "yes", sfi.Missing.getValue("a"): "n/a"}


@pytest.mark.parametrize("name, error", [
    ("1x", ValueError), ("", ValueError), ("a b", ValueError), ("if", ValueError),
    ("str5", ValueError), ("_n", ValueError), ("x" * 33, ValueError), (None, TypeError),
    (1, TypeError)])
def test_value_label_names_are_stata_names(sfi, name, error):
    # D17; stata.md §1.9 (name <= 32 chars), §2.4 (names, reserved words)
    with pytest.raises(error):
        sfi.ValueLabel.createLabel(name)
    sfi.Data.addVarByte("x")
    sfi.ValueLabel.createLabel("ok")
    with pytest.raises(error):
        sfi.ValueLabel.setVarValueLabel("x", name)
    with pytest.raises(error):
        sfi.ValueLabel.setLabelValue(name, 1, "a")
    assert sfi.ValueLabel.getNames() == ["ok"]


def test_value_label_defined_once_and_32_character_names(sfi):
    sfi.ValueLabel.createLabel("_" + "a" * 31)
    with pytest.raises(ValueError, match="already defined"):  # label define: r(110)
        sfi.ValueLabel.createLabel("_" + "a" * 31)
    assert sfi.ValueLabel.getNames() == ["_" + "a" * 31]


def test_value_label_values_are_integers_in_the_long_range(sfi):
    # D17: nonmissing long range or .a-.z; never . (stata.md §1.9)
    sfi.ValueLabel.createLabel("v")
    sfi.ValueLabel.setLabelValue("v", -2_147_483_647, "low")
    sfi.ValueLabel.setLabelValue("v", 2_147_483_620, "high")
    for bad in (2_147_483_621, -2_147_483_648, 2 ** 40, sfi.Missing.getValue(), 0.5,
                float("nan")):
        with pytest.raises(ValueError):
            sfi.ValueLabel.setLabelValue("v", bad, "x")
    with pytest.raises(TypeError):
        sfi.ValueLabel.setLabelValue("v", True, "x")
    assert sfi.ValueLabel.getValues("v") == [-2_147_483_647, 2_147_483_620]
    assert sfi.ValueLabel.getLabel("v", 2 ** 40) == ""


def test_value_label_texts(sfi):
    # D17: a non-empty str without NUL of at most 32,000 bytes (stata.md §1.9)
    sfi.ValueLabel.createLabel("t")
    sfi.ValueLabel.setLabelValue("t", 1, "é" * 16_000)  # 32,000 bytes
    for bad in ("", "a\x00b", "é" * 16_000 + "a"):
        with pytest.raises(ValueError):
            sfi.ValueLabel.setLabelValue("t", 2, bad)
    with pytest.raises(TypeError):
        sfi.ValueLabel.setLabelValue("t", 2, 7)
    assert sfi.ValueLabel.getValueLabels("t") == {1: "é" * 16_000}


def test_value_label_codings_limit(sfi):
    sfi.ValueLabel.createLabel("many")
    for i in range(65_536):
        sfi.ValueLabel.setLabelValue("many", i, "x")
    sfi.ValueLabel.setLabelValue("many", 0, "replaced")  # an existing coding may change
    with pytest.raises(ValueError, match="too many codings"):
        sfi.ValueLabel.setLabelValue("many", 65_536, "x")
    assert sfi.ValueLabel.getLabel("many", 0) == "replaced"


def test_value_label_attached_by_name_or_0_based_index(sfi):
    sfi.Data.addVarByte("a")
    sfi.Data.addVarInt("b")
    sfi.Data.addVarDouble("c")
    with pytest.raises(ValueError, match="not found"):  # D17: define it first
        sfi.ValueLabel.setVarValueLabel("a", "yn")
    sfi.ValueLabel.createLabel("yn")
    sfi.ValueLabel.setVarValueLabel(0, "yn")
    sfi.ValueLabel.setVarValueLabel(-1, "yn")
    with pytest.raises(ValueError):
        sfi.ValueLabel.setVarValueLabel(3, "yn")
    with pytest.raises(ValueError):
        sfi.ValueLabel.setVarValueLabel("nosuch", "yn")
    assert [sfi.ValueLabel.getVarValueLabel(v) for v in ("a", "b", "c")] == ["yn", "", "yn"]
    assert sfi.ValueLabel.getVarValueLabel(1) == ""
    sfi.ValueLabel.removeVarValueLabel("c")
    assert sfi.ValueLabel.getVarValueLabel(2) == ""
    with pytest.raises(ValueError):  # label drop of an undefined label: r(111)
        sfi.ValueLabel.removeLabel("nosuch")
    sfi.ValueLabel.removeLabel("yn")
    assert sfi.ValueLabel.getNames() == []


def test_value_labels_belong_to_the_current_frame(sfi):
    # [api] ValueLabel: "... in the current dataset"; a frame keeps its labels
    fr = sfi.Frame.create("other")
    fr.addVarByte("x")
    fr.changeToCWF()
    sfi.ValueLabel.createLabel("yn")
    sfi.ValueLabel.setLabelValue("yn", 1, "yes")
    sfi.ValueLabel.setVarValueLabel("x", "yn")
    sfi.Frame.connect("default").changeToCWF()
    assert sfi.ValueLabel.getNames() == [] and sfi.ValueLabel.getValueLabels("yn") == {}
    sfi.ValueLabel.createLabel("yn")  # another frame: the name is free
    fr.rename("renamed")
    fr.changeToCWF()
    assert sfi.ValueLabel.getValueLabels("yn") == {1: "yes"}
    assert sfi.ValueLabel.getVarValueLabel("x") == "yn"
    snap = sfi.snapshot()["frames"]
    assert snap["renamed"]["value_labels"] == {"yn": {1: "yes"}}
    assert snap["default"]["value_labels"] == {"yn": {}}


# ---------------------------------------------------------------------------
# Frames (stata.md §1.4)
# ---------------------------------------------------------------------------

def test_default_frame_and_create(sfi):
    assert sfi.Frame.getFrameCount() == 1 and sfi.Frame.getFrameAt(0) == "default"
    f = sfi.Frame.create("leo")
    assert f.name == "leo" and sfi.Frame.getFrameCount() == 2
    with pytest.raises(sfi.FrameError, match="unable to create frame"):
        sfi.Frame.create("leo")
    for bad in ("1x", "a b", "", "a" * 33, "in"):
        with pytest.raises(sfi.FrameError):
            sfi.Frame.create(bad)
    with pytest.raises(sfi.FrameError, match="frame not found"):
        sfi.Frame.connect("nope")
    g = sfi.Frame.connect("leo")
    assert (g.name, g.id) == (f.name, f.id)


def test_frame_limit_100(sfi):
    for i in range(99):
        sfi.Frame.create("f%d" % i)
    assert sfi.Frame.getFrameCount() == 100
    with pytest.raises(sfi.FrameError):
        sfi.Frame.create("one_too_many")
    with pytest.raises(sfi.FrameError):
        sfi.Frame.connect("f0").clone("clone_too_many")


def test_frame_data_is_separate_and_cwf(sfi):
    f = sfi.Frame.create("other")
    f.addVarStr("name", 10)
    f.addObs(1)
    f.store("name", 0, "hello")
    assert sfi.Data.getVarCount() == 0                   # Data = current frame only
    assert f.get("name") == ["hello"] and f.getVarType(0) == "str10"
    f.changeToCWF()
    assert sfi.Macro.getGlobal("c(frame)") == "other"
    assert sfi.Data.get("name") == ["hello"]
    with pytest.raises(sfi.FrameError, match="current working frame"):
        f.drop()
    sfi.Frame.connect("default").changeToCWF()
    f.drop()
    assert (f.name, f.id) == ("", 0) and sfi.Frame.getFrameCount() == 1
    with pytest.raises(sfi.FrameError):
        f.getVarCount()


def test_frame_clone_rename(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addObs(1)
    sfi.Data.storeAt("x", 0, 7)
    sfi.Characteristic.setDtaChar("c", "v")
    d = sfi.Frame.connect("default")
    c = d.clone("copy")
    assert c.get("x") == [7]
    c.storeAt("x", 0, 8)
    assert sfi.Data.get("x") == [7]                      # deep copy
    with pytest.raises(sfi.FrameError, match="failed to clone"):
        d.clone("copy")
    c.rename("copy2")
    assert c.name == "copy2" and sfi.Frame.connect("copy2").get("x") == [8]
    with pytest.raises(sfi.FrameError):
        c.rename("default")
    with pytest.raises(sfi.FrameError):
        c.rename("bad name")
    d.rename("main")                                     # renaming the cwf is allowed
    assert sfi.Macro.getGlobal("c(frame)") == "main"
    assert sfi.snapshot()["frames"]["copy2"]["chars"] == {"c": "v"}


def test_frame_object_loses_access_after_rename_elsewhere(sfi):
    f = sfi.Frame.create("tmp")
    sfi.SFIToolkit.stata("frame rename tmp tmp2")
    with pytest.raises(sfi.FrameError, match="frame not found"):
        f.getObsTotal()
    assert sfi.Frame.connect("tmp2").getObsTotal() == 0


def test_frame_methods_mirror_data(sfi):
    data_methods = {m for m in vars(sfi.Data) if not m.startswith("_")}
    frame_methods = {m for m in vars(sfi.Frame) if not m.startswith("_")}
    # Data-only statics in the real API ([api] Frame has no limits methods).
    assert data_methods - frame_methods == {"getBestType", "getMaxStrLength", "getMaxVars"}


# ---------------------------------------------------------------------------
# snapshot / reset / c(changed)
# ---------------------------------------------------------------------------

def test_snapshot_detects_every_kind_of_change(three):
    sfi = three
    before = sfi.snapshot()
    sfi.Data.get()                                       # reads change nothing
    sfi.Data.getAsDict()
    assert sfi.snapshot() == before
    changes = [
        lambda: sfi.Data.storeAt("a", 0, 1.0),
        lambda: sfi.Data.setVarLabel("a", "A"),
        lambda: sfi.Data.setVarFormat("a", "%5.1f"),
        lambda: sfi.Characteristic.setVariableChar("a", "k", "v"),
        lambda: sfi.Frame.create("new"),
        lambda: sfi.SFIToolkit.stata('label data "x"'),
        lambda: sfi.Data.addObs(1),
        lambda: sfi.Data.renameVar("a", "aa"),
    ]
    for change in changes:
        sfi.reset()
        for n in ("a", "b", "c"):
            sfi.Data.addVarDouble(n)
        sfi.Data.addObs(4)
        sfi.Data.store(None, None, [[r * 10 + c for c in range(3)] for r in range(4)])
        assert sfi.snapshot() == before
        change()
        assert sfi.snapshot() != before


def test_snapshot_is_deep(sfi):
    sfi.Data.addVarByte("x")
    sfi.Data.addObs(1)
    snap = sfi.snapshot()
    snap["frames"]["default"]["vars"][0]["values"][0] = 5
    assert sfi.snapshot()["frames"]["default"]["vars"][0]["values"][0] == sfi.Missing.getValue()


def test_changed_flag(sfi):
    assert sfi.Scalar.getValue("c(changed)") == 0
    sfi.Data.addVarByte("x")
    assert sfi.Scalar.getValue("c(changed)") == 1
    sfi._set_changed(0)
    sfi.Data.get()
    assert sfi.Scalar.getValue("c(changed)") == 0
    sfi.Data.addObs(1)
    assert sfi.Scalar.getValue("c(changed)") == 1
    sfi._set_changed(0)
    f = sfi.Frame.create("other")
    f.addVarByte("y")                                    # another frame's flag
    assert sfi.Scalar.getValue("c(changed)") == 0
    f.changeToCWF()
    assert sfi.Scalar.getValue("c(changed)") == 1
    assert sfi.Macro.getGlobal("c(changed)") == ""        # D15
    with pytest.raises(ValueError, match="read-only"):
        sfi.Scalar.setValue("c(changed)", 0)


def test_reset(sfi):
    sfi.Data.addVarByte("x")
    sfi.Frame.create("f").changeToCWF()
    sfi.Macro.setGlobal("g", "1")
    sfi.Macro.setLocal("l", "1")
    sfi.SFIToolkit.display("hi")
    sfi.reset()
    assert sfi.snapshot() == {"cwf": "default", "frames": {"default": {
        "label": "", "chars": {}, "value_labels": {}, "changed": 0, "nobs": 0, "vars": []}}}
    assert sfi.Macro.getGlobal("g") == "" and sfi.Macro.getLocal("l") == ""
    assert sfi.transcript() == ""


# ---------------------------------------------------------------------------
# Macro and Scalar (stata.md §1.5, §1.6)
# ---------------------------------------------------------------------------

def test_macros(sfi):
    assert sfi.Macro.getLocal("using") == "" and sfi.Macro.getGlobal("nope") == ""
    sfi.Macro.setLocal("leo_rc", "0")
    sfi.Macro.setLocal("0", "args")                      # positional locals exist
    assert sfi.Macro.getLocal("leo_rc") == "0" and sfi.local_macros()["0"] == "args"
    sfi.Macro.setGlobal("r(table)", "dbo.t")
    sfi.Macro.setGlobal("return(sql)", "SELECT")
    assert sfi.Macro.getGlobal("r(table)") == "dbo.t"
    assert sfi.Macro.getGlobal("return(sql)") == "SELECT" and sfi.Macro.getGlobal("r(sql)") == ""
    sfi._end_rclass_program()                            # r() <- return()
    assert sfi.Macro.getGlobal("r(sql)") == "SELECT" and sfi.Macro.getGlobal("r(table)") == ""
    with pytest.raises(TypeError):
        sfi.Macro.setLocal("n", 5)
    with pytest.raises(ValueError):
        sfi.Macro.setLocal("a" * 32, "x")                # locals: 31 chars
    with pytest.raises(ValueError, match="vtype"):
        sfi.Macro.setGlobal("r(x)", "1", vtype="secret")
    with pytest.raises(ValueError, match="read-only"):
        sfi.Macro.setGlobal("c(frame)", "x")
    with pytest.raises(ValueError, match="length limit"):
        sfi.Macro.setLocal("big", "x" * (129 * 5000 + 201))


def test_scalars(sfi):
    assert sfi.Scalar.getValue("nope") is None
    sfi.Scalar.setValue("r(N)", 12)
    sfi.Scalar.setValue("return(N)", 3, vtype="hidden")
    assert sfi.Scalar.getValue("r(N)") == 12.0 and sfi.Scalar.getValue("return(N)") == 3.0
    sfi.Scalar.setString("s", "text")
    assert sfi.Scalar.getString("s") == "text"
    with pytest.raises(ValueError):
        sfi.Scalar.setString("r(s)", "x")                # global string scalars only
    with pytest.raises(TypeError):
        sfi.Scalar.setValue("x", "1")
    with pytest.raises(ValueError):
        sfi.Scalar.setValue("x", float("nan"))
    assert sfi.Scalar.getValue("c(maxstrvarlen)") == 2045
    sfi.SFIToolkit.rclear()
    assert sfi.Scalar.getValue("r(N)") is None


# ---------------------------------------------------------------------------
# SFIToolkit (stata.md §1.7)
# ---------------------------------------------------------------------------

def test_transcript(sfi):
    sfi.SFIToolkit.display("a")
    sfi.SFIToolkit.displayln("{txt}b")
    sfi.SFIToolkit.errprint("c")
    sfi.SFIToolkit.errprintln("{err}d")
    assert sfi.transcript() == "a{txt}b\nc{err}d\n"
    assert sfi.transcript("out") == "a{txt}b\n" and sfi.transcript("err") == "c{err}d\n"
    assert sfi.transcript_entries()[2] == ("err", "c")
    with pytest.raises(TypeError, match="asis"):
        sfi.SFIToolkit.display("x", asis=1)
    with pytest.raises(TypeError):
        sfi.SFIToolkit.display(5)


def test_smcl_braces_checked(sfi):
    # D14; stata.md Pitfall 22.
    with pytest.raises(ValueError, match="SMCL"):
        sfi.SFIToolkit.displayln("WHERE x IN {1,2}")
    with pytest.raises(ValueError, match="SMCL"):
        sfi.SFIToolkit.errprintln("a } b")
    with pytest.raises(ValueError, match="SMCL"):
        sfi.SFIToolkit.display("{bf:open")
    sfi.SFIToolkit.displayln("WHERE x IN {1,2}", asis=True)
    sfi.SFIToolkit.displayln("WHERE x IN {c -(}1,2{c )-}")
    assert sfi.transcript().count("\n") == 2


def test_error_prints_and_exit_raises(sfi):
    sfi.SFIToolkit.error(111)                            # prints only
    assert "not found" in sfi.transcript("err")
    with pytest.raises(ValueError):
        sfi.SFIToolkit.error(-1)
    with pytest.raises(sfi._StataExit) as info:
        try:
            sfi.SFIToolkit.exit(198)
        except Exception:                                # noqa: BLE001 - must not catch it
            pytest.fail("exit() was caught by except Exception")
    assert info.value.rc == 198
    with pytest.raises(ValueError):
        sfi.SFIToolkit.exit(-1)


def test_break_arming(sfi):
    assert issubclass(sfi.BreakError, Exception)
    assert not issubclass(sfi.BreakError, sfi.SFIError)   # D12
    for _ in range(5):
        sfi.SFIToolkit.pollstd()                         # nothing armed: never raises
    sfi._arm_break(after_polls=2)
    sfi.SFIToolkit.pollnow()
    sfi.SFIToolkit.pollstd()
    with pytest.raises(sfi.BreakError):
        sfi.SFIToolkit.pollstd()
    sfi.SFIToolkit.pollnow()                             # the press was consumed
    assert sfi.poll_count() == 9


def test_break_absent_before_stata_18(sfi):
    sfi._set_stata_version(16)
    assert not hasattr(sfi, "BreakError")
    sfi._arm_break(0)
    sfi.SFIToolkit.pollnow()                             # cannot be interrupted
    sfi.reset()
    assert hasattr(sfi, "BreakError")


def test_names_tools(sfi):
    assert sfi.SFIToolkit.strToName("Last Name") == "Last_Name"
    assert sfi.SFIToolkit.strToName("1st") == "1st"
    assert sfi.SFIToolkit.strToName("1st", True) == "_1st"
    assert len(sfi.SFIToolkit.strToName("x" * 40)) == 32
    assert sfi.SFIToolkit.makeVarName("Job Title") == "job_title"
    assert sfi.SFIToolkit.makeVarName("Job Title", retainCase=True) == "Job_Title"
    assert sfi.SFIToolkit.makeVarName("in") == ""         # reserved -> ""
    assert sfi.SFIToolkit.makeVarName("2x") == "_2x"
    a, b = sfi.SFIToolkit.getTempName(), sfi.SFIToolkit.getTempName()
    assert a != b and sfi.SFIToolkit.isValidVariableName(a)
    assert sfi.SFIToolkit.isNumFmt("%9.0g") and sfi.SFIToolkit.isStrFmt("%10s")
    assert not sfi.SFIToolkit.isFmt("%q")


def test_format_value(sfi):
    assert sfi.SFIToolkit.formatValue(3.14159, "%9.2f") == "     3.14"
    assert sfi.SFIToolkit.formatValue(1234567.5, "%12.1fc") == " 1,234,567.5"
    assert sfi.SFIToolkit.formatValue(3, "%-5.0f") == "3    "
    assert sfi.SFIToolkit.formatValue(sfi.Missing.getValue("b"), "%5.0f") == "   .b"
    assert sfi.SFIToolkit.formatValue(0, "%td") == "01jan1960"
    with pytest.raises(ValueError):
        sfi.SFIToolkit.formatValue(1, "%9s")


# ---------------------------------------------------------------------------
# SFIToolkit.stata allow-list (D13)
# ---------------------------------------------------------------------------

def test_stata_allow_list(sfi):
    sfi.Data.addVarByte("x")
    sfi.Frame.create("tmp")
    cmds = [
        'label data "LEO extract"',
        'label variable x `"a "quoted" label"\'',
        "char _dta[leo_sql] SELECT * FROM t",
        "char x[leo_type] tinyint",
        "frame rename tmp tmp2",
        "frame change tmp2",
        "cwf default",
        "frame drop tmp2",
    ]
    for c in cmds:
        sfi.SFIToolkit.stata(c)
    assert sfi.stata_commands() == cmds
    assert sfi.dataset_label() == "LEO extract"
    assert sfi.Data.getVarLabel("x") == 'a "quoted" label'
    assert sfi.Characteristic.getDtaChar("leo_sql") == "SELECT * FROM t"
    assert sfi.Characteristic.getVariableChar("x", "leo_type") == "tinyint"
    assert sfi.Frame.getFrameCount() == 1


@pytest.mark.parametrize("cmd", ["generate y = 1", "drop _all", "frame create x", "clear", "char list"])
def test_stata_unmodelled_commands(sfi, cmd):
    with pytest.raises(NotImplementedError):
        sfi.SFIToolkit.stata(cmd)
    assert sfi.stata_commands() == [cmd]                 # still recorded


@pytest.mark.parametrize("cmd", ['label data "cost $amount"', "label data `x'", 'label data `"`y\'"\''])
def test_stata_refuses_macro_references(sfi, cmd):
    with pytest.raises(ValueError, match="macro reference"):
        sfi.SFIToolkit.stata(cmd)


def test_stata_errors_and_capture(sfi):
    with pytest.raises(sfi._StataCommandError) as info:
        sfi.SFIToolkit.stata("frame drop default")       # the current frame
    assert info.value.rc == 110
    assert not isinstance(info.value, sfi.SFIError)
    with pytest.raises(sfi._StataCommandError) as info:
        sfi.SFIToolkit.stata("label variable nope \"x\"")
    assert info.value.rc == 111
    sfi.SFIToolkit.stata("capture frame change nope")
    assert sfi.Scalar.getValue("c(rc)") == 111
    sfi.SFIToolkit.stata("capture noisily frame change default")
    assert sfi.Scalar.getValue("c(rc)") == 0
    with pytest.raises(sfi._StataCommandError):
        sfi.SFIToolkit.stata('label data "%s"' % ("x" * 81))


# ---------------------------------------------------------------------------
# Datetime (stata.md §1.10, §2.5)
# ---------------------------------------------------------------------------

def test_getsif(sfi):
    D = sfi.Datetime
    assert D.getSIF(dt.date(1960, 1, 1), "%td") == 0.0
    assert D.getSIF(dt.date(2000, 1, 1), "%td") == 14610.0
    assert D.getSIF(dt.date(1959, 12, 31), "%tdCCYY-NN-DD") == -1.0
    assert D.getSIF(dt.datetime(1960, 1, 1, 0, 0, 1), "%tc") == 1000.0
    assert D.getSIF(dt.date(1960, 1, 2), "%tc") == 86_400_000.0
    assert D.getSIF(dt.datetime(2007, 11, 29, 9, 15), "%tc") == 1511946900000.0   # f_tc.ihlp
    aware = dt.datetime(1960, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert D.getSIF(aware, "%tc") == 0.0                 # converted to UTC
    assert D.getSIF(dt.date(99, 12, 31), "%td") == sfi.Missing.getValue()   # before 0100
    assert D.getSIF(dt.date(1960, 3, 1), "%tm") == 2.0
    with pytest.raises(NotImplementedError):
        D.getSIF(dt.datetime(2000, 1, 1), "%tC")
    with pytest.raises(ValueError):
        D.getSIF(dt.date(2000, 1, 1), "%9.0g")
    with pytest.raises(ValueError, match="date or datetime"):
        D.getSIF("2000-01-01", "%td")


def test_datetime_roundtrip(sfi):
    D = sfi.Datetime
    assert D.getDatetime(14610, "%td") == dt.date(2000, 1, 1)
    assert D.getDatetime(1000, "%tc") == dt.datetime(1960, 1, 1, 0, 0, 1)
    assert D.getDatetime(sfi.Missing.getValue(), "%td") is None
    assert D.format(14610, "%td") == "01jan2000"
    assert D.format(1511946900000, "%tc") == "29nov2007 09:15:00"
