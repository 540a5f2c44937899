"""An in-memory, strict test double for Stata's ``sfi`` module.

Stata cannot run in CI, so the tests install this module as
``sys.modules["sfi"]`` (see ``tests/fakes/plugin.py``).  It models the part of
``sfi`` that leostata uses, from Stata's documented behaviour, and it is meant
to be **at least as strict as Stata**: where the documentation is silent the
double refuses rather than guesses, so production code cannot come to rely on
an unverified behaviour.

Sources (cited next to each rule):

* ``[api]``   Stata's Python API pages, https://stata.com/python/api16/ ...
  api19/ (Data, Frame, Macro, Scalar, SFIToolkit, Missing, ValueLabel,
  Characteristic, Datetime, BreakError).  The argument handling that runs in
  Python before Stata's C layer (index checks, ``store`` reshaping) is
  re-implemented here from those pages and from the description in
  ``stata.md`` §1 (no code copied).
* ``stata.md §n`` ../shared/research/stata.md (Stata 16 help files: data
  types, limits, reserved words, formats, missing values).
* ``(double)``   a decision of this double where Stata's behaviour is
  undocumented; it is always the stricter choice.  Listed in DECISIONS below.

Real ``sfi`` names are exported through ``__all__``.  Everything else at module
level is a *test hook* (``reset``, ``snapshot``, ``transcript`` ...); production
code must never call those.

DECISIONS where Stata is silent (all stricter than, or equal to, any plausible
Stata behaviour):

D1  ``None``/NaN/inf stored into a numeric variable -> error (stata.md §1.3:
    undocumented; the backend must convert to ``Missing.getValue()``).
D2  A value outside a storage type's nonmissing range -> ``ValueError``, never
    clamped or silently turned into missing (stata.md §2.1, §1.3), for both
    signs alike.  The only values >= 2**1023 accepted are the 27 exact missing
    codes ``Missing.getValue()``/``getValue('a')``..``('z')``, the documented
    way to store a missing value (stata.md §1.3); any other such value (1e308,
    a value between two codes, above ``.z``) is ``ValueError`` in every type,
    as its negative is.
D3  A non-integer stored into byte/int/long -> ``ValueError`` (Stata's
    ``replace`` would promote the type; ``sfi`` cannot).
D4  A Python int stored into a double that a double cannot hold exactly
    (|x| > 2**53 and inexact) -> ``ValueError`` (stata.md §2.1 bigint note).
    Floats stored into a *float* variable are rounded to float32, as Stata does.
D5  A string longer (in UTF-8 bytes) than a str# width, or containing NUL,
    -> ``ValueError`` (stata.md §2.2; Stata's behaviour is undocumented and it
    may truncate silently, which would lose data).
D6  ``bool`` and ``decimal.Decimal`` are not accepted as numeric values
    (``TypeError``): convert explicitly.
D7  ``store`` writes values one by one in row-major order and stops at the first
    bad value, leaving the earlier ones written (the C layer is not documented
    as atomic, so tests must not assume an error leaves memory untouched).
D8  ``store(..., selectvar=<var>)`` -> ``NotImplementedError`` (its semantics
    are not documented; leostata must not use it).
D9  ``addObs(nofill=True)``: the new cells are *unfilled*; reading one raises
    ``ValueError`` and ``unfilled_cells()`` lists them.
D10 Variable/dataset labels over 80 characters, characteristics over 67,784
    bytes -> ``ValueError`` (stata.md §2.3 limits; Stata may truncate).
D11 ``Frame.drop()`` of the current working frame and ``Frame.rename`` to an
    invalid/existing name -> ``FrameError`` (the 16 code ignores the C rc).
    A ``Frame`` object whose frame was renamed/dropped elsewhere raises
    ``FrameError("frame not found")`` on use ([api] Frame: "access ... lost").
D12 ``BreakError`` is *not* a subclass of ``SFIError`` (its base is not
    documented), so ``except SFIError`` cannot be relied on to catch it.  With
    ``_set_stata_version(16)`` (or 17) it does not exist at all.
D13 ``SFIToolkit.stata`` only runs an allow-list of commands; anything else is
    ``NotImplementedError``.  A command containing a macro reference
    (`` `name' `` or ``$name``) is ``ValueError``: Stata would expand it.
    A failing command raises ``_StataCommandError`` (not an ``SFIError``: the
    real class is undocumented, so catch ``Exception``).
D14 ``display``/``errprint`` without ``asis=True`` reject text whose braces are
    not SMCL directives (``{`` not followed by a letter, or unbalanced):
    Stata would silently mangle it (stata.md §1.7, Pitfall 22).
D15 ``Macro.getGlobal("c(changed)")`` returns "" (numeric c() values are read
    with ``Scalar.getValue``); ``Scalar.getValue`` of an unknown name -> None.
D16 ``Data.get`` with ``missingval=`` replaces numeric missing only; string
    missing ("") is returned as "".
D17 Value labels ([api] ValueLabel; stata.md §1.9 limits): names are str, a
    valid name of at most 32 characters and not a reserved word, else
    ``ValueError`` (``TypeError`` for a non-str); ``createLabel`` of a name
    already defined -> ``ValueError`` (``label define`` is r(110) then);
    ``setLabelValue`` needs ``createLabel`` first; values must be integers in
    the nonmissing ``long`` range (-2,147,483,647..2,147,483,620, what a .dta
    value-label table can hold apart from the missing codes) or .a-.z, never
    ``.``; the text a non-empty str (in Stata ``label define ... ""`` deletes
    a coding), without NUL, at most 32,000 bytes; at most 65,536 codings.
    ``setVarValueLabel`` needs the label defined first (``label values``
    accepts an undefined name; sfi's behaviour is undocumented) and a numeric
    variable ("may not label strings"); ``removeLabel`` of an undefined name
    -> ``ValueError`` (``label drop`` is r(111)).
D18 ``getAt`` returns float for numeric variables ([api]: "float or str");
    ``get`` returns int for byte/int/long (stata.md §1.2 transcript).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
import numbers
import os
import re
import struct
import tempfile

__all__ = [
    "Characteristic", "Data", "Datetime", "Frame", "FrameError", "Macro",
    "Missing", "Scalar", "SFIError", "SFIToolkit", "ValueLabel", "BreakError",
]

# ---------------------------------------------------------------------------
# Constants (stata.md §2.1-§2.4)
# ---------------------------------------------------------------------------

#: Missing codes (stata.md §1.8, dta_117): "." is 1.000X+3ff = 2**1023 and the
#: extended missing ".a" ... ".z" are 1.001X+3ff ... 1.01aX+3ff, i.e.
#:     code(k) = 2**1023 * (1 + k / 2**12),  k = 0 for ".", 1..26 for a..z.
#: Every value >= 2**1023 is missing; order: nonmissing < . < .a < ... < .z.
MISSING_BASE = 2.0 ** 1023
_MISSING_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_MISSING_CODES = [MISSING_BASE * (1 + k / 4096.0) for k in range(27)]
_MISSING_CODE_SET = frozenset(_MISSING_CODES)

#: Nonmissing ranges (stata.md §2.1 table).
BYTE_MIN, BYTE_MAX = -127, 100
INT_MIN, INT_MAX = -32767, 32740
LONG_MIN, LONG_MAX = -2147483647, 2147483620
FLOAT_MAX = float.fromhex("0x1.fffffep+126")          # 1.70141173319e38
DOUBLE_MAX = float.fromhex("0x1.fffffffffffffp+1022")  # 8.9884656743e307
_INT_RANGES = {"byte": (BYTE_MIN, BYTE_MAX), "int": (INT_MIN, INT_MAX),
               "long": (LONG_MIN, LONG_MAX)}
_NUMERIC_TYPES = ("byte", "int", "long", "float", "double")

MAX_STR_LEN = 2045               # str# maximum, bytes (stata.md §2.2)
MAX_STRL_BYTES = 2_000_000_000   # strL maximum (stata.md §2.2)
MAX_OBS = 2_147_483_619          # BE/SE observation limit (stata.md §2.3)
DEFAULT_MAXVARS = 5000           # SE/MP default maxvar (stata.md §2.3) (double)
MAX_FRAMES = 100                 # stata.md §2.3, §1.4
MAX_NAME_LEN = 32                # names (stata.md §2.4)
MAX_LOCAL_NAME_LEN = 31          # local macro names (stata.md §2.3)
MAX_LABEL_CHARS = 80             # variable and dataset labels (stata.md §2.3)
MAX_CHAR_BYTES = 67_784          # one characteristic (stata.md §1.11)
MAX_VALUE_LABEL_BYTES = 32_000   # one value-label text (stata.md §1.9)
MAX_VALUE_LABEL_CODINGS = 65_536

#: Reserved names (stata.md §2.4, r/reswords.sthlp); "str#" = str1, str2, ...
RESERVED_NAMES = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc "
    "_se _skip strL using with".split())
_STR_HASH_RE = re.compile(r"str[0-9]+\Z")

#: Default display formats (stata.md §2.2, f/format.sthlp).
_DEFAULT_FORMATS = {"byte": "%8.0g", "int": "%8.0g", "long": "%12.0g",
                    "float": "%9.0g", "double": "%10.0g", "strL": "%9s"}

_STATA_EPOCH = _dt.date(1960, 1, 1)
_TD_MIN, _TD_MAX = -679_350, 2_936_549   # %td domain (stata.md §2.5)


# ---------------------------------------------------------------------------
# Exceptions ([api] SFIError, FrameError, BreakError)
# ---------------------------------------------------------------------------

class SFIError(Exception):
    """Base class of sfi's own exceptions ([api] SFIError)."""


class FrameError(SFIError):
    """A Frame operation failed ([api] FrameError)."""


class _BreakErrorClass(Exception):
    """Raised by pollnow()/pollstd() after the Break key ([api19] BreakError).

    Deliberately *not* an SFIError subclass (D12)."""


_BreakErrorClass.__name__ = "BreakError"
_BreakErrorClass.__qualname__ = "BreakError"
BreakError = _BreakErrorClass


class _StataExit(SystemExit):
    """Raised by ``SFIToolkit.exit(rc)``: "Terminate execution and set the
    overall return code" ([api] SFIToolkit.exit).  A ``SystemExit`` so that
    ``except Exception`` in production code does not swallow it."""

    def __init__(self, rc: int):
        super().__init__(rc)
        self.rc = rc


class _StataCommandError(Exception):
    """A command run through ``SFIToolkit.stata`` failed with return code ``rc``
    (stata.md §1.7: a nonzero rc raises; the class is undocumented, D13)."""

    def __init__(self, rc: int, message: str):
        super().__init__(f"r({rc}); {message}")
        self.rc = rc


# ---------------------------------------------------------------------------
# In-memory Stata state
# ---------------------------------------------------------------------------

class _Unfilled:
    """Marker for a cell added with ``addObs(nofill=True)`` and never stored (D9)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "<unfilled>"

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self


_UNFILLED = _Unfilled()


class _Var:
    """One variable: storage type, metadata and its column of values.

    Numeric values are kept as Python floats (missing = its double code);
    string values as str."""

    __slots__ = ("name", "vtype", "width", "label", "fmt", "chars", "vlabel", "values")

    def __init__(self, name, vtype, width, nobs):
        self.name = name
        self.vtype = vtype            # byte int long float double str strL
        self.width = width            # str# width in bytes, else 0
        self.label = ""
        self.fmt = _DEFAULT_FORMATS.get(vtype, "%%%ds" % width)
        self.chars = {}
        self.vlabel = ""
        fill = "" if vtype in ("str", "strL") else MISSING_BASE
        self.values = [fill] * nobs

    @property
    def type_name(self):
        return "str%d" % self.width if self.vtype == "str" else self.vtype

    @property
    def is_string(self):
        return self.vtype in ("str", "strL")


class _Dataset:
    """The data of one frame."""

    def __init__(self, name, fid):
        self.name = name
        self.id = fid
        self.vars: list[_Var] = []
        self.nobs = 0
        self.label = ""                        # dataset label (label data)
        self.chars: dict[str, str] = {}        # _dta[] characteristics
        self.vlabels: dict[str, dict] = {}     # value labels of this dataset
        self.changed = 0                       # c(changed) for this frame

    def find(self, name):
        for i, v in enumerate(self.vars):
            if v.name == name:
                return i
        return -1

    def touch(self):
        self.changed = 1


class _State:
    def __init__(self):
        self.frames: dict[str, _Dataset] = {}
        self.next_id = 1
        self.cwf = "default"
        self.new_frame("default")
        self.globals: dict[str, str] = {}
        self.locals: dict[str, str] = {}
        # r(), e(), s(), return(): separate namespaces for macros and scalars
        self.results = {k: {"macro": {}, "scalar": {}} for k in ("r", "e", "s", "return")}
        self.scalars: dict[str, float] = {}
        self.str_scalars: dict[str, str] = {}
        self.transcript: list[tuple[str, str]] = []
        self.commands: list[str] = []
        self.break_after = None
        self.polls = 0
        self.rc = 0
        self.tempnames = 0
        self.maxvars = DEFAULT_MAXVARS
        self.version = 18

    def new_frame(self, name):
        ds = _Dataset(name, self.next_id)
        self.next_id += 1
        self.frames[name] = ds
        return ds

    @property
    def macro_limit(self):
        # SE/MP macro length = 129*maxvar + 200 (stata.md §2.3)
        return 129 * self.maxvars + 200


_state = _State()


def _cwf() -> _Dataset:
    return _state.frames[_state.cwf]


# ---------------------------------------------------------------------------
# Name checks (stata.md §2.4)
# ---------------------------------------------------------------------------

def _name_syntax_ok(name, maxlen=MAX_NAME_LEN, first_digit_ok=False):
    """1..maxlen chars; first a (Unicode) letter or "_", then letters, digits
    or "_"; at most 128 UTF-8 bytes (stata.md §2.4)."""
    if not isinstance(name, str) or not 1 <= len(name) <= maxlen:
        return False
    if len(name.encode("utf-8")) > 128:
        return False
    first = name[0]
    if not (first == "_" or first.isalpha() or (first_digit_ok and first.isdecimal())):
        return False
    return all(c == "_" or c.isalpha() or c.isdecimal() for c in name[1:])


def _is_reserved(name):
    return name in RESERVED_NAMES or bool(_STR_HASH_RE.match(name))


def _varname_problem(name):
    """Why ``name`` is not a valid new variable name, or None."""
    if not isinstance(name, str):
        return "variable name must be a str"
    if not _name_syntax_ok(name):
        return "%s invalid name" % name
    if _is_reserved(name):
        return "%s is a reserved word" % name
    return None


def _check_new_varname(ds, name):
    problem = _varname_problem(name)
    if problem:
        raise ValueError(problem)
    if ds.find(name) >= 0:
        raise ValueError("variable %s already defined" % name)


# ---------------------------------------------------------------------------
# Index resolution ([api] Data class docstring; stata.md §1.1)
# ---------------------------------------------------------------------------

def _all_of(values, kind):
    return all(isinstance(v, kind) for v in values)


def _var_index_single(ds, var):
    """int (range-checked, negative allowed) or one name."""
    nvar = len(ds.vars)
    if isinstance(var, int):
        if var < -nvar or var >= nvar:
            raise ValueError("%d: var out of range" % var)
        return var % nvar
    if isinstance(var, str):
        i = ds.find(var)
        if i < 0:
            raise ValueError("variable %s not found" % var)
        return i
    raise TypeError("unsupported operand type(s) for variable input")


def _var_index_all(ds, var):
    """int, whitespace-separated names, or an iterable that is all-int or all-str."""
    nvar = len(ds.vars)
    if isinstance(var, int):
        return [_var_index_single(ds, var)]
    if isinstance(var, str):
        return [_var_index_single(ds, v) for v in var.split()]
    if hasattr(var, "__iter__"):
        items = tuple(var)
        if _all_of(items, int):
            out = []
            for v in items:
                if v < -nvar or v >= nvar:
                    raise ValueError("%d: var out of range" % v)
                out.append(v % nvar)
            return out
        if _all_of(items, str):
            return [_var_index_single(ds, v) for v in items]
        raise TypeError("all values for variable input must be a string or an integer")
    raise TypeError("unsupported operand type(s) for variable input")


def _obs_index_all(ds, obs):
    """int, or an iterable of ints.  For a list, the real check is the strict
    ``-nobs < o < nobs`` (so -nobs itself is refused in a list) ([api] /
    stata.md §1.1) -- reproduced here."""
    nobs = ds.nobs
    if isinstance(obs, int):
        if obs < -nobs or obs >= nobs:
            raise ValueError("%d: obs out of range" % obs)
        return [obs % nobs]
    if hasattr(obs, "__iter__"):
        items = tuple(obs)
        if not _all_of(items, int):
            raise TypeError("all values for observation index must be an integer")
        if not all(-nobs < o < nobs for o in items):
            raise ValueError("obs out of range")
        return [o % nobs for o in items]
    raise TypeError("unsupported operand type(s) for variable input")


def _obs_single(ds, obs):
    if not isinstance(obs, int):
        raise TypeError("obs must be an integer")
    if obs < -ds.nobs or obs >= ds.nobs:
        raise ValueError("%d: obs out of range" % obs)
    return obs % ds.nobs


# ---------------------------------------------------------------------------
# Values: checking on store, converting on read
# ---------------------------------------------------------------------------

def _missing_index(x: float):
    """None for a nonmissing double, else 0 for "." or 1..26 for .a-.z.
    Values between two codes count as the lower one; above .z as .z."""
    if x < MISSING_BASE:
        return None
    k = int((x / MISSING_BASE - 1.0) * 4096.0)
    return min(k, 26)


def _to_float32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def _check_numeric(var: _Var, value, where: str) -> float:
    """The double of what Stata would hold after storing ``value`` in ``var``,
    or an error (D1-D4, D6)."""
    tname = var.type_name
    if value is None:
        raise TypeError("%s: None cannot be stored in %s variable %s; store "
                        "Missing.getValue() for missing (D1)" % (where, tname, var.name))
    if isinstance(value, bool) or isinstance(value, str) or not isinstance(value, numbers.Real):
        raise TypeError("%s: %r (%s) does not match the type of %s variable %s"
                        % (where, value, type(value).__name__, tname, var.name))
    exact_int = None
    if isinstance(value, numbers.Integral):
        exact_int = int(value)
        try:
            x = float(exact_int)
        except OverflowError:
            raise ValueError("%s: %r is out of range for %s variable %s"
                             % (where, value, tname, var.name)) from None
    else:
        x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("%s: %r cannot be stored in %s variable %s; store "
                         "Missing.getValue() for missing (D1)" % (where, value, tname, var.name))
    if x >= MISSING_BASE:                   # only the documented codes (D2)
        if x in _MISSING_CODE_SET:
            return x
        raise ValueError("%s: %r is out of range for %s variable %s: the only values "
                         ">= 2**1023 that store are the missing codes Missing.getValue() "
                         "and Missing.getValue('a')..('z') (D2)" % (where, value, tname, var.name))
    vt = var.vtype
    if vt in _INT_RANGES:
        lo, hi = _INT_RANGES[vt]
        if not x.is_integer():
            raise ValueError("%s: %r is not an integer; %s variable %s holds integers (D3)"
                             % (where, value, tname, var.name))
        if not lo <= x <= hi:
            raise ValueError("%s: %r is out of range for %s variable %s (nonmissing "
                             "range %d..%d) (D2)" % (where, value, tname, var.name, lo, hi))
        return x
    if vt == "float":
        try:
            f = _to_float32(x)
        except OverflowError:
            f = math.inf
        if abs(f) > FLOAT_MAX:
            raise ValueError("%s: %r is out of range for float variable %s "
                             "(|x| <= %r) (D2)" % (where, value, var.name, FLOAT_MAX))
        return f
    # double
    if x < -DOUBLE_MAX:
        raise ValueError("%s: %r is out of range for double variable %s (D2)"
                         % (where, value, var.name))
    if exact_int is not None and int(x) != exact_int:
        raise ValueError("%s: integer %r cannot be held exactly in double variable %s "
                         "(|x| > 2**53); store it as a string (D4)" % (where, value, var.name))
    return x


def _check_string(var: _Var, value, where: str) -> str:
    if not isinstance(value, str):
        raise TypeError("%s: %r (%s) does not match the type of %s variable %s"
                        % (where, value, type(value).__name__, var.type_name, var.name))
    try:
        nbytes = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError("%s: value is not valid UTF-8 text: %s" % (where, exc)) from None
    if var.vtype == "str":
        if nbytes > var.width:
            raise ValueError("%s: string of %d bytes does not fit %s variable %s "
                             "(widths are UTF-8 bytes) (D5)"
                             % (where, nbytes, var.type_name, var.name))
        if "\x00" in value:
            raise ValueError("%s: str# variable %s cannot hold NUL (use strL) (D5)"
                             % (where, var.name))
    elif nbytes > MAX_STRL_BYTES:
        raise ValueError("%s: string longer than the strL limit" % where)
    return value


def _check_value(var, value, where):
    if var.is_string:
        return _check_string(var, value, where)
    return _check_numeric(var, value, where)


def _read(ds, var: _Var, obs: int, as_float: bool, valuelabel: bool, missingval):
    v = var.values[obs]
    if v is _UNFILLED:
        raise ValueError("obs %d of variable %s was added with addObs(nofill=True) "
                         "and never stored (D9)" % (obs, var.name))
    if var.is_string:
        return v
    k = _missing_index(v)
    if valuelabel and var.vlabel and var.vlabel in ds.vlabels:
        key = _vl_key_of_code(v) if k is not None else (int(v) if v.is_integer() else None)
        text = ds.vlabels[var.vlabel].get(key)
        if text is not None:
            return text
    if k is not None:
        return v if missingval is _DEFAULT_MISSING else missingval
    if var.vtype in _INT_RANGES and not as_float:
        return int(v)
    return v


class _DefaultMissing:
    """Default of ``missingval``: return the numeric missing code ([api] Data.get)."""

    def __repr__(self):
        return "_DefaultMissing()"


_DEFAULT_MISSING = _DefaultMissing()


# ---------------------------------------------------------------------------
# Dataset operations shared by Data (current frame) and Frame (one frame)
# ---------------------------------------------------------------------------

def _add_var(ds, name, vtype, width=0):
    _check_new_varname(ds, name)
    if len(ds.vars) >= _state.maxvars:
        raise ValueError("no room to add more variables (maxvar %d)" % _state.maxvars)
    ds.vars.append(_Var(name, vtype, width, ds.nobs))
    ds.touch()


def _add_var_str(ds, name, length):
    # [api] addVarStr: "length ... If the length is greater than
    # getMaxStrLength(), then a variable of type strL will be created";
    # ValueError if "length is not a positive integer".
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        raise ValueError("length must be a positive integer, got %r" % (length,))
    if length > MAX_STR_LEN:
        _add_var(ds, name, "strL")
    else:
        _add_var(ds, name, "str", length)


def _add_obs(ds, n, nofill):
    if nofill is True:
        fill_unset = True
    elif nofill is False:
        fill_unset = False
    else:
        raise TypeError("nofill must be a boolean value")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("n must be an integer")
    if n < 0:
        raise ValueError("number of observations to add must be nonnegative")
    if ds.nobs + n > MAX_OBS:
        raise ValueError("observations exceed the limit of %d" % MAX_OBS)
    for var in ds.vars:
        fill = _UNFILLED if fill_unset else ("" if var.is_string else MISSING_BASE)
        var.values.extend([fill] * n)
    ds.nobs += n
    if n:
        ds.touch()


def _set_obs_total(ds, nobs):
    if isinstance(nobs, bool) or not isinstance(nobs, int):
        raise TypeError("nobs must be an integer")
    if nobs < 0:
        raise ValueError("nobs must be nonnegative")
    if nobs > MAX_OBS:
        raise ValueError("observations exceed the limit of %d" % MAX_OBS)
    if nobs > ds.nobs:
        _add_obs(ds, nobs - ds.nobs, False)
    elif nobs < ds.nobs:
        for var in ds.vars:
            del var.values[nobs:]
        ds.nobs = nobs
        ds.touch()


def _drop_vars(ds, indexes):
    for i in sorted(set(indexes), reverse=True):
        del ds.vars[i]
    if indexes:
        ds.touch()


def _select_obs(ds, vidx, oidx, selectvar):
    """Observation indexes after ``selectvar`` ([api] Data.get)."""
    if selectvar is None or selectvar == "":
        return oidx
    if selectvar == -1 and not isinstance(selectvar, bool):
        def complete(o):
            for i in vidx:
                var = ds.vars[i]
                v = var.values[o]
                if v is _UNFILLED:
                    _read(ds, var, o, False, False, _DEFAULT_MISSING)
                if (var.is_string and v == "") or (not var.is_string and v >= MISSING_BASE):
                    return False
            return True
        return [o for o in oidx if complete(o)]
    s = _var_index_single(ds, selectvar)
    svar = ds.vars[s]
    if svar.is_string:
        raise TypeError("selectvar %s must be numeric" % svar.name)
    keep = []
    for o in oidx:
        v = _read(ds, svar, o, True, False, _DEFAULT_MISSING)
        if v != 0:                      # missing != 0, so it is selected
            keep.append(o)
    return keep


def _get(ds, var, obs, selectvar, valuelabel, missingval):
    if valuelabel is not True and valuelabel is not False:
        raise TypeError("valuelabel must be a boolean value")
    vidx = list(range(len(ds.vars))) if var is None else _var_index_all(ds, var)
    oidx = list(range(ds.nobs)) if obs is None else _obs_index_all(ds, obs)
    oidx = _select_obs(ds, vidx, oidx, selectvar)
    rows = [[_read(ds, ds.vars[i], o, False, valuelabel, missingval) for i in vidx]
            for o in oidx]
    if len(vidx) == 1:                  # one variable -> flat list (stata.md §1.2)
        return [r[0] for r in rows]
    return rows


def _get_as_dict(ds, var, obs, selectvar, valuelabel, missingval):
    if valuelabel is not True and valuelabel is not False:
        raise TypeError("valuelabel must be a boolean value")
    vidx = list(range(len(ds.vars))) if var is None else _var_index_all(ds, var)
    oidx = list(range(ds.nobs)) if obs is None else _obs_index_all(ds, obs)
    oidx = _select_obs(ds, vidx, oidx, selectvar)
    if not oidx:
        return {}
    return {ds.vars[i].name: [_read(ds, ds.vars[i], o, False, valuelabel, missingval)
                              for o in oidx] for i in vidx}


def _listimize(x):
    if isinstance(x, str) or not hasattr(x, "__iter__"):
        return [x]
    return list(x)


def _store(ds, var, obs, val, selectvar):
    """[api] Data.store; shapes and messages as stata.md §1.3 steps 1-8."""
    if not (selectvar is None or selectvar == ""):
        if selectvar != -1:
            _var_index_single(ds, selectvar)     # range/name errors first
        raise NotImplementedError("store(..., selectvar=...) is not modelled (D8)")
    vidx = list(range(len(ds.vars))) if var is None else _var_index_all(ds, var)
    oidx = list(range(ds.nobs)) if obs is None else _obs_index_all(ds, obs)
    nvar, nobs = len(vidx), len(oidx)
    if nvar == 0 or nobs == 0:
        return None
    if isinstance(val, str) or not hasattr(val, "__iter__"):
        rows = [[val]]
    else:
        rows = [_listimize(v) for v in val]
    if nobs == 1 and len(rows) == nvar and all(len(r) == 1 for r in rows):
        rows = [[r[0] for r in rows]]
    if len(rows) != nobs:
        raise ValueError("length of value does not match number of observations")
    if not all(len(r) == nvar for r in rows):
        raise ValueError("inner dimensions do not match number of variables")
    for o, row in zip(oidx, rows):               # row-major, stops at first error (D7)
        for i, value in zip(vidx, row):
            target = ds.vars[i]
            target.values[o] = _check_value(target, value, "store obs %d" % o)
            ds.touch()
    return None


def _store_at(ds, var, obs, val):
    i = _var_index_single(ds, var)
    o = _obs_single(ds, obs)
    target = ds.vars[i]
    target.values[o] = _check_value(target, val, "storeAt obs %d" % o)
    ds.touch()


def _rename_var(ds, var, name):
    i = _var_index_single(ds, var)
    if ds.vars[i].name == name:
        return None
    _check_new_varname(ds, name)
    ds.vars[i].name = name
    ds.touch()
    return None


def _check_label_text(label, what):
    if not isinstance(label, str):
        raise TypeError("%s must be a str" % what)
    if len(label) > MAX_LABEL_CHARS:
        raise ValueError("%s of %d characters exceeds Stata's limit of %d (D10)"
                         % (what, len(label), MAX_LABEL_CHARS))


def _set_var_label(ds, var, label):
    i = _var_index_single(ds, var)
    _check_label_text(label, "variable label")
    ds.vars[i].label = label
    ds.touch()


# Stata display formats (stata.md §2.2, §2.5; f/format.sthlp), the subset
# the double recognises.  Anything else is "not a valid Stata format".
_NUM_FMT_RE = re.compile(r"%(-|~)?(0)?([1-9][0-9]*)\.([0-9]+)([efg])(c)?\Z")
_FC_FMT_RE = re.compile(r"%(-)?([1-9][0-9]*)\.([0-9]+)fc\Z")
_HEX_FMT_RE = re.compile(r"%(-)?([1-9][0-9]*)(x|H|L|8H|8L|16H|16L)\Z")
_STR_FMT_RE = re.compile(r"%(-|~)?([1-9][0-9]*)s\Z")
_DATE_FMT_RE = re.compile(r"%(-)?t([cCdwmqhybg])([A-Za-z0-9_:.,/ \-!+#]*)\Z")
_OLD_DATE_FMT_RE = re.compile(r"%(-)?d([A-Za-z0-9_:.,/ \-!+#]*)\Z")


def _fmt_kind(fmt):
    """'numeric', 'string' or '' (invalid)."""
    if not isinstance(fmt, str):
        return ""
    if _STR_FMT_RE.match(fmt):
        return "string" if int(_STR_FMT_RE.match(fmt).group(2)) <= MAX_STR_LEN else ""
    if (_NUM_FMT_RE.match(fmt) or _FC_FMT_RE.match(fmt) or _HEX_FMT_RE.match(fmt)
            or _DATE_FMT_RE.match(fmt) or _OLD_DATE_FMT_RE.match(fmt)):
        return "numeric"
    return ""


def _set_var_format(ds, var, fmt):
    i = _var_index_single(ds, var)
    kind = _fmt_kind(fmt)
    target = ds.vars[i]
    if not kind:
        raise ValueError("%r is not a valid Stata format" % (fmt,))
    if (kind == "string") != target.is_string:
        raise ValueError("format %s is not valid for %s variable %s"
                         % (fmt, target.type_name, target.name))
    target.fmt = fmt
    ds.touch()


# ---------------------------------------------------------------------------
# Data ([api] Data: static methods on the current working frame)
# ---------------------------------------------------------------------------

def _best_type(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("value must be numeric")
    x = float(value)
    if x.is_integer():
        for t in ("byte", "int", "long"):
            lo, hi = _INT_RANGES[t]
            if lo <= x <= hi:
                return t
    if abs(x) <= FLOAT_MAX and _to_float32(x) == x:
        return "float"
    return "double"


class Data:
    """The current Stata dataset, i.e. the current working frame ([api] Data).
    Variable and observation numbering begins at 0; negative indices count
    from the end."""

    def __init__(self):
        pass

    @staticmethod
    def addObs(n, nofill=False):
        return _add_obs(_cwf(), n, nofill)

    @staticmethod
    def addVarByte(name):
        return _add_var(_cwf(), name, "byte")

    @staticmethod
    def addVarDouble(name):
        return _add_var(_cwf(), name, "double")

    @staticmethod
    def addVarFloat(name):
        return _add_var(_cwf(), name, "float")

    @staticmethod
    def addVarInt(name):
        return _add_var(_cwf(), name, "int")

    @staticmethod
    def addVarLong(name):
        return _add_var(_cwf(), name, "long")

    @staticmethod
    def addVarStr(name, length):
        return _add_var_str(_cwf(), name, length)

    @staticmethod
    def addVarStrL(name):
        return _add_var(_cwf(), name, "strL")

    @staticmethod
    def dropVar(var):
        ds = _cwf()
        _drop_vars(ds, _var_index_all(ds, var))

    @staticmethod
    def get(var=None, obs=None, selectvar=None, valuelabel=False, missingval=_DEFAULT_MISSING):
        return _get(_cwf(), var, obs, selectvar, valuelabel, missingval)

    @staticmethod
    def getAsDict(var=None, obs=None, selectvar=None, valuelabel=False, missingval=_DEFAULT_MISSING):
        return _get_as_dict(_cwf(), var, obs, selectvar, valuelabel, missingval)

    @staticmethod
    def getAt(var, obs):
        ds = _cwf()
        i = _var_index_single(ds, var)
        return _read(ds, ds.vars[i], _obs_single(ds, obs), True, False, _DEFAULT_MISSING)

    @staticmethod
    def getBestType(value):
        return _best_type(value)

    @staticmethod
    def getFormattedValue(var, obs, bValueLabel):
        return _formatted_value(_cwf(), var, obs, bValueLabel)

    @staticmethod
    def getMaxStrLength():
        return MAX_STR_LEN

    @staticmethod
    def getMaxVars():
        return _state.maxvars

    @staticmethod
    def getObsTotal():
        return _cwf().nobs

    @staticmethod
    def getStrVarWidth(var):
        ds = _cwf()
        v = ds.vars[_var_index_single(ds, var)]
        return v.width if v.vtype == "str" else 0

    @staticmethod
    def getVarCount():
        return len(_cwf().vars)

    @staticmethod
    def getVarFormat(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].fmt

    @staticmethod
    def getVarIndex(name):
        if not isinstance(name, str):
            raise TypeError("unsupported operand type(s) for variable input")
        return _var_index_single(_cwf(), name)

    @staticmethod
    def getVarLabel(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].label

    @staticmethod
    def getVarName(index):
        # [api] getVarName: index must be an int (a str is a TypeError).
        if not isinstance(index, int):
            raise TypeError("unsupported operand type(s) for variable input")
        ds = _cwf()
        return ds.vars[_var_index_single(ds, index)].name

    @staticmethod
    def getVarType(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].type_name

    @staticmethod
    def isVarTypeStr(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].vtype == "str"

    @staticmethod
    def isVarTypeString(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].is_string

    @staticmethod
    def isVarTypeStrL(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].vtype == "strL"

    @staticmethod
    def keepVar(var):
        ds = _cwf()
        keep = set(_var_index_all(ds, var))
        _drop_vars(ds, [i for i in range(len(ds.vars)) if i not in keep])

    @staticmethod
    def renameVar(var, name):
        return _rename_var(_cwf(), var, name)

    @staticmethod
    def setObsTotal(nobs):
        return _set_obs_total(_cwf(), nobs)

    @staticmethod
    def setVarFormat(var, format):
        return _set_var_format(_cwf(), var, format)

    @staticmethod
    def setVarLabel(var, label):
        return _set_var_label(_cwf(), var, label)

    @staticmethod
    def store(var, obs, val, selectvar=None):
        return _store(_cwf(), var, obs, val, selectvar)

    @staticmethod
    def storeAt(var, obs, val):
        return _store_at(_cwf(), var, obs, val)


# ---------------------------------------------------------------------------
# Frame ([api] Frame; stata.md §1.4)
# ---------------------------------------------------------------------------

def _frame_name_ok(name):
    return _name_syntax_ok(name) and not _is_reserved(name)


class Frame:
    """A Stata frame.  Instance attributes ``name`` and ``id`` ([api] Frame).
    Python's sfi has no getCWF(): read the current frame's name with
    ``Macro.getGlobal("c(frame)")`` (stata.md §1.4)."""

    def __init__(self):
        self.name = ""
        self.id = -1

    def __repr__(self):
        return "Frame(name=%r, id=%r)" % (self.name, self.id)

    # -- class-level -------------------------------------------------------
    @classmethod
    def connect(cls, name):
        ds = _state.frames.get(name) if isinstance(name, str) else None
        if ds is None:
            raise FrameError("frame not found")
        f = cls()
        f.name, f.id = ds.name, ds.id
        return f

    @classmethod
    def create(cls, name):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        if (not _frame_name_ok(name) or name in _state.frames
                or len(_state.frames) >= MAX_FRAMES):
            raise FrameError("unable to create frame")
        ds = _state.new_frame(name)
        f = cls()
        f.name, f.id = ds.name, ds.id
        return f

    @staticmethod
    def getFrameAt(index):
        # Order of frames is not documented; the double uses creation order.
        names = list(_state.frames)
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError("index must be an integer")
        if not 0 <= index < len(names):
            raise ValueError("%d: frame index out of range" % index)
        return names[index]

    @staticmethod
    def getFrameCount():
        return len(_state.frames)

    # -- the underlying frame ------------------------------------------------
    def _ds(self) -> _Dataset:
        ds = _state.frames.get(self.name)
        if ds is None or ds.id != self.id:
            raise FrameError("frame not found")   # access lost (D11)
        return ds

    def changeToCWF(self):
        _state.cwf = self._ds().name

    def clone(self, newName):
        src = self._ds()
        if (not isinstance(newName, str) or not _frame_name_ok(newName)
                or newName in _state.frames or len(_state.frames) >= MAX_FRAMES):
            raise FrameError("failed to clone frame")
        new = _state.new_frame(newName)
        for attr in ("vars", "nobs", "label", "chars", "vlabels", "changed"):
            setattr(new, attr, copy.deepcopy(getattr(src, attr)))
        f = Frame()
        f.name, f.id = new.name, new.id
        return f

    def drop(self):
        ds = self._ds()
        if ds.name == _state.cwf:
            raise FrameError("cannot drop the current working frame (D11)")
        del _state.frames[ds.name]
        self.name = ""
        self.id = 0

    def rename(self, newName):
        ds = self._ds()
        if not isinstance(newName, str) or not _frame_name_ok(newName):
            raise FrameError("invalid frame name %r (D11)" % (newName,))
        if newName == ds.name:
            return None
        if newName in _state.frames:
            raise FrameError("frame %s already exists (D11)" % newName)
        _rename_frame(ds.name, newName)
        self.name, self.id = newName, ds.id
        return None

    # -- the same data methods as Data ----------------------------------------
    def addObs(self, n, nofill=False):
        return _add_obs(self._ds(), n, nofill)

    def addVarByte(self, name):
        return _add_var(self._ds(), name, "byte")

    def addVarDouble(self, name):
        return _add_var(self._ds(), name, "double")

    def addVarFloat(self, name):
        return _add_var(self._ds(), name, "float")

    def addVarInt(self, name):
        return _add_var(self._ds(), name, "int")

    def addVarLong(self, name):
        return _add_var(self._ds(), name, "long")

    def addVarStr(self, name, length):
        return _add_var_str(self._ds(), name, length)

    def addVarStrL(self, name):
        return _add_var(self._ds(), name, "strL")

    def dropVar(self, var):
        ds = self._ds()
        _drop_vars(ds, _var_index_all(ds, var))

    def get(self, var=None, obs=None, selectvar=None, valuelabel=False, missingval=_DEFAULT_MISSING):
        return _get(self._ds(), var, obs, selectvar, valuelabel, missingval)

    def getAsDict(self, var=None, obs=None, selectvar=None, valuelabel=False, missingval=_DEFAULT_MISSING):
        return _get_as_dict(self._ds(), var, obs, selectvar, valuelabel, missingval)

    def getAt(self, var, obs):
        ds = self._ds()
        i = _var_index_single(ds, var)
        return _read(ds, ds.vars[i], _obs_single(ds, obs), True, False, _DEFAULT_MISSING)

    def getFormattedValue(self, var, obs, bValueLabel):
        return _formatted_value(self._ds(), var, obs, bValueLabel)

    def getObsTotal(self):
        return self._ds().nobs

    def getStrVarWidth(self, var):
        ds = self._ds()
        v = ds.vars[_var_index_single(ds, var)]
        return v.width if v.vtype == "str" else 0

    def getVarCount(self):
        return len(self._ds().vars)

    def getVarFormat(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].fmt

    def getVarIndex(self, name):
        if not isinstance(name, str):
            raise TypeError("unsupported operand type(s) for variable input")
        return _var_index_single(self._ds(), name)

    def getVarLabel(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].label

    def getVarName(self, index):
        if not isinstance(index, int):
            raise TypeError("unsupported operand type(s) for variable input")
        ds = self._ds()
        return ds.vars[_var_index_single(ds, index)].name

    def getVarType(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].type_name

    def isVarTypeStr(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].vtype == "str"

    def isVarTypeString(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].is_string

    def isVarTypeStrL(self, var):
        ds = self._ds()
        return ds.vars[_var_index_single(ds, var)].vtype == "strL"

    def keepVar(self, var):
        ds = self._ds()
        keep = set(_var_index_all(ds, var))
        _drop_vars(ds, [i for i in range(len(ds.vars)) if i not in keep])

    def renameVar(self, var, name):
        return _rename_var(self._ds(), var, name)

    def setObsTotal(self, nobs):
        return _set_obs_total(self._ds(), nobs)

    def setVarFormat(self, var, format):
        return _set_var_format(self._ds(), var, format)

    def setVarLabel(self, var, label):
        return _set_var_label(self._ds(), var, label)

    def store(self, var, obs, val, selectvar=None):
        return _store(self._ds(), var, obs, val, selectvar)

    def storeAt(self, var, obs, val):
        return _store_at(self._ds(), var, obs, val)


def _rename_frame(old, new):
    frames = _state.frames
    ds = frames[old]
    ds.name = new
    # keep creation order
    _state.frames = {(new if k == old else k): v for k, v in frames.items()}
    if _state.cwf == old:
        _state.cwf = new


# ---------------------------------------------------------------------------
# Characteristic ([api] Characteristic; limits stata.md §1.11)
# ---------------------------------------------------------------------------

def _check_char(name, value):
    if not _name_syntax_ok(name):
        raise ValueError("%r invalid characteristic name" % (name,))
    if not isinstance(value, str):
        raise TypeError("characteristic value must be a str")
    if len(value.encode("utf-8")) > MAX_CHAR_BYTES:
        raise ValueError("characteristic %s exceeds %d bytes (D10)" % (name, MAX_CHAR_BYTES))


def _set_char(ds, chars, name, value):
    _check_char(name, value)
    if value == "":                     # an empty characteristic is deleted
        chars.pop(name, None)
    else:
        chars[name] = value
    ds.touch()


class Characteristic:
    """Characteristics of the current dataset ([api] Characteristic)."""

    def __init__(self):
        pass

    @staticmethod
    def getDtaChar(name):
        return _cwf().chars.get(name, "")

    @staticmethod
    def getVariableChar(var, name):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].chars.get(name, "")

    @staticmethod
    def setDtaChar(name, value):
        ds = _cwf()
        _set_char(ds, ds.chars, name, value)

    @staticmethod
    def setVariableChar(var, name, value):
        ds = _cwf()
        _set_char(ds, ds.vars[_var_index_single(ds, var)].chars, name, value)


# ---------------------------------------------------------------------------
# ValueLabel (minimal; [api] ValueLabel; stata.md §1.9)
# ---------------------------------------------------------------------------

def _vl_key(value):
    """Key of a value-label coding: an int, or 'a'..'z' for .a-.z (D17)."""
    if isinstance(value, bool):
        raise TypeError("value-label values must be integers")
    if isinstance(value, numbers.Integral):
        return _vl_in_range(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        k = _missing_index(x) if not math.isnan(x) else None
        if k is not None and x == _MISSING_CODES[k]:
            if k == 0:
                raise ValueError("may not label . (sysmiss)")
            return _MISSING_LETTERS[k - 1]
        if x.is_integer():
            return _vl_in_range(int(x))
    raise ValueError("value-label values must be integers or .a-.z, got %r" % (value,))


def _vl_in_range(v):
    if not LONG_MIN <= v <= LONG_MAX:
        raise ValueError("may not label %d: outside %d..%d (D17)" % (v, LONG_MIN, LONG_MAX))
    return v


def _vl_check_name(name):
    """A value-label name as Stata accepts it (D17), else TypeError/ValueError."""
    if not isinstance(name, str):
        raise TypeError("value-label name must be a str")
    if not _name_syntax_ok(name):
        raise ValueError("%s invalid name" % name)
    if _is_reserved(name):
        raise ValueError("%s invalid name: a reserved word" % name)
    return name


def _vl_key_of_code(x):
    k = _missing_index(x)
    return _MISSING_LETTERS[k - 1] if k else None


def _vl_value(key):
    return _MISSING_CODES[_MISSING_LETTERS.index(key) + 1] if isinstance(key, str) else key


def _vl_sorted(d):
    return sorted(d.items(), key=lambda kv: (isinstance(kv[0], str), kv[0]))


def _vl_get(name):
    labels = _cwf().vlabels.get(name)
    if labels is None:
        raise ValueError("value label %s not found" % name)
    return labels


class ValueLabel:
    """Value labels of the current dataset (minimal)."""

    def __init__(self):
        pass

    @staticmethod
    def createLabel(name):
        ds = _cwf()
        _vl_check_name(name)
        if name in ds.vlabels:
            raise ValueError("value label %s already defined (D17)" % name)
        ds.vlabels[name] = {}
        ds.touch()

    @staticmethod
    def getLabel(name, value):
        labels = _cwf().vlabels.get(name, {})
        try:
            return labels.get(_vl_key(value), "")
        except ValueError:              # e.g. sysmiss, which cannot be labelled
            return ""

    @staticmethod
    def getLabels(name):
        return [t for _, t in _vl_sorted(_cwf().vlabels.get(name, {}))]

    @staticmethod
    def getNames():
        return list(_cwf().vlabels)

    @staticmethod
    def getValueLabels(name):
        return {_vl_value(k): t for k, t in _vl_sorted(_cwf().vlabels.get(name, {}))}

    @staticmethod
    def getValues(name):
        return [_vl_value(k) for k, _ in _vl_sorted(_cwf().vlabels.get(name, {}))]

    @staticmethod
    def getVarValueLabel(var):
        ds = _cwf()
        return ds.vars[_var_index_single(ds, var)].vlabel

    @staticmethod
    def removeLabel(name):
        ds = _cwf()
        _vl_get(_vl_check_name(name))
        del ds.vlabels[name]
        ds.touch()

    @staticmethod
    def removeLabelValue(name, value):
        _vl_get(name).pop(_vl_key(value), None)
        _cwf().touch()

    @staticmethod
    def removeVarValueLabel(var):
        ds = _cwf()
        ds.vars[_var_index_single(ds, var)].vlabel = ""
        ds.touch()

    @staticmethod
    def setLabelValue(name, value, label):
        labels = _vl_get(_vl_check_name(name))
        if not isinstance(label, str):
            raise TypeError("label must be a str")
        if not label:
            raise ValueError("empty value-label text (D17: label define deletes the coding)")
        if "\x00" in label:
            raise ValueError("value-label text contains NUL (D17)")
        if len(label.encode("utf-8")) > MAX_VALUE_LABEL_BYTES:
            raise ValueError("value-label text exceeds %d bytes" % MAX_VALUE_LABEL_BYTES)
        key = _vl_key(value)
        if key not in labels and len(labels) >= MAX_VALUE_LABEL_CODINGS:
            raise ValueError("too many codings in value label %s" % name)
        labels[key] = label
        _cwf().touch()

    @staticmethod
    def setVarValueLabel(var, labelName):
        ds = _cwf()
        v = ds.vars[_var_index_single(ds, var)]
        if v.is_string:
            raise ValueError("may not label strings")
        _vl_check_name(labelName)
        if labelName not in ds.vlabels:
            raise ValueError("value label %s not found (D17: define it first)" % labelName)
        v.vlabel = labelName
        ds.touch()


# ---------------------------------------------------------------------------
# Missing ([api] Missing; stata.md §1.8)
# ---------------------------------------------------------------------------

class Missing:
    """Stata missing values.  ``Missing.a`` ... ``Missing.z`` are 'a' ... 'z'."""

    a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z = \
        _MISSING_LETTERS

    @staticmethod
    def getValue(val=None):
        if val is None:
            return _MISSING_CODES[0]
        if not isinstance(val, str) or len(val) != 1 or val not in _MISSING_LETTERS:
            raise ValueError("val must be one of 'a', 'b', ..., or 'z'")
        return _MISSING_CODES[_MISSING_LETTERS.index(val) + 1]

    @staticmethod
    def isMissing(val):
        if isinstance(val, bool) or not isinstance(val, numbers.Real):
            raise TypeError("val must be a number")
        return float(val) >= MISSING_BASE

    @staticmethod
    def parseIsMissing(s):
        if s == ".":
            return True
        if not isinstance(s, str):
            raise TypeError("s must be str")
        return len(s) == 2 and s[0] == "." and "a" <= s[1] <= "z"


# ---------------------------------------------------------------------------
# Macro ([api] Macro; stata.md §1.5)
# ---------------------------------------------------------------------------

_RESULT_RE = re.compile(r"(r|e|s|return|c)\((.*)\)\Z", re.S)


def _split_result(name):
    """('r'|'e'|'s'|'return'|'c', inner) for a result name, else (None, name)."""
    m = _RESULT_RE.match(name)
    if not m:
        return None, name
    if not _name_syntax_ok(m.group(2)):
        raise ValueError("invalid name %r" % name)
    return m.group(1), m.group(2)


def _check_vtype(vtype):
    if vtype not in ("visible", "hidden", "historical"):
        raise ValueError("vtype must be one of visible, hidden, or historical")


def _check_macro_value(value):
    if not isinstance(value, str):
        raise TypeError("macro value must be a str, got %s" % type(value).__name__)
    if len(value.encode("utf-8")) > _state.macro_limit:
        raise ValueError("macro of %d bytes exceeds the macro length limit %d"
                         % (len(value.encode("utf-8")), _state.macro_limit))


def _c_string(name):
    """c() values read as macros/strings (stata.md §1.5, c/creturn.sthlp)."""
    now = _dt.datetime.now()
    return {
        "frame": _state.cwf,
        "filename": "",
        "current_date": now.strftime("%d %b %Y").lstrip("0"),
        "current_time": now.strftime("%H:%M:%S"),
        "dirsep": "/",
        "os": "Unix",
        "pwd": os.getcwd(),
    }.get(name)


def _c_number(name):
    """c() values read with Scalar.getValue."""
    ds = _cwf()
    return {
        "changed": float(ds.changed),
        "rc": float(_state.rc),
        "N": float(ds.nobs),
        "k": float(len(ds.vars)),
        "maxvar": float(_state.maxvars),
        "maxstrvarlen": float(MAX_STR_LEN),
        "maxstrlvarlen": float(MAX_STRL_BYTES),
        "stata_version": float(_state.version),
        "version": float(_state.version),
        "pi": math.pi,
    }.get(name)


class Macro:
    """Global and local macros, r()/e()/s()/return() macros ([api] Macro)."""

    def __init__(self):
        pass

    @staticmethod
    def getGlobal(name):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        kind, inner = _split_result(name)
        if kind == "c":
            value = _c_string(inner)
            return "" if value is None else value       # D15
        if kind is not None:
            return _state.results[kind]["macro"].get(inner, "")
        return _state.globals.get(name, "")

    @staticmethod
    def getLocal(name):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        return _state.locals.get(name, "")

    @staticmethod
    def setGlobal(name, value, vtype="visible"):
        _check_vtype(vtype)
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        kind, inner = _split_result(name)
        _check_macro_value(value)
        if kind == "c":
            raise ValueError("c() values are read-only: %s" % name)
        if kind is not None:
            _state.results[kind]["macro"][inner] = value
            return None
        if not _name_syntax_ok(name):
            raise ValueError("invalid global macro name %r" % name)
        _state.globals[name] = value
        return None

    @staticmethod
    def setLocal(name, value):
        if not _name_syntax_ok(name, MAX_LOCAL_NAME_LEN, first_digit_ok=True):
            raise ValueError("invalid local macro name %r" % (name,))
        _check_macro_value(value)
        _state.locals[name] = value


# ---------------------------------------------------------------------------
# Scalar ([api] Scalar; stata.md §1.6)
# ---------------------------------------------------------------------------

def _check_scalar_value(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("scalar value must be a number, got %s" % type(value).__name__)
    x = float(value)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("scalar value must be finite; use Missing.getValue() for missing (D1)")
    return x


class Scalar:
    """Numeric and string scalars ([api] Scalar)."""

    def __init__(self):
        pass

    @staticmethod
    def getString(name):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        kind, inner = _split_result(name)
        if kind == "c":
            value = _c_string(inner)
            return "" if value is None else value
        if kind is not None:
            return ""                   # only global or c() string scalars
        return _state.str_scalars.get(name, "")

    @staticmethod
    def getValue(name):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        kind, inner = _split_result(name)
        if kind == "c":
            return _c_number(inner)
        if kind is not None:
            return _state.results[kind]["scalar"].get(inner)
        return _state.scalars.get(name)                  # None when absent (D15)

    @staticmethod
    def setString(name, value):
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        if _RESULT_RE.match(name) or not _name_syntax_ok(name):
            # setString is for global string scalars only (stata.md §1.6)
            raise ValueError("setString takes a global scalar name, not %r" % name)
        if not isinstance(value, str):
            raise TypeError("string scalar value must be a str")
        if len(value.encode("utf-8")) > MAX_STRL_BYTES:
            raise ValueError("string scalar exceeds %d bytes" % MAX_STRL_BYTES)
        _state.scalars.pop(name, None)
        _state.str_scalars[name] = value

    @staticmethod
    def setValue(name, value, vtype="visible"):
        _check_vtype(vtype)
        if not isinstance(name, str):
            raise TypeError("name must be a str")
        kind, inner = _split_result(name)
        x = _check_scalar_value(value)
        if kind == "c":
            raise ValueError("c() values are read-only: %s" % name)
        if kind == "s":
            raise ValueError("s() holds macros only: %s" % name)
        if kind is not None:
            _state.results[kind]["scalar"][inner] = x
            return None
        if not _name_syntax_ok(name):
            raise ValueError("invalid scalar name %r" % name)
        _state.str_scalars.pop(name, None)
        _state.scalars[name] = x
        return None


# ---------------------------------------------------------------------------
# Datetime ([api] Datetime; stata.md §1.10, §2.5)
# ---------------------------------------------------------------------------

def _date_fmt_type(fmt):
    """'d', 'c', 'C', 'w', 'm', 'q', 'h', 'y' ... or ValueError."""
    if not isinstance(fmt, str):
        raise ValueError("%r is not a valid Stata date format" % (fmt,))
    m = _DATE_FMT_RE.match(fmt)
    if m:
        return m.group(2)
    if _OLD_DATE_FMT_RE.match(fmt):
        return "d"
    raise ValueError("%r is not a valid Stata date format" % (fmt,))


def _sif(y, mo, d, hh, mi, ss, kind):
    days = (_dt.date(y, mo, d) - _STATA_EPOCH).days
    if kind == "d":
        return float(days) if _TD_MIN <= days <= _TD_MAX else MISSING_BASE
    if kind == "c":
        if not _TD_MIN <= days <= _TD_MAX:
            return MISSING_BASE
        return days * 86_400_000.0 + hh * 3_600_000.0 + mi * 60_000.0 + ss * 1000.0
    if y < 100:
        return MISSING_BASE
    if kind == "m":
        return float((y - 1960) * 12 + mo - 1)
    if kind == "q":
        return float((y - 1960) * 4 + (mo - 1) // 3)
    if kind == "h":
        return float((y - 1960) * 2 + (mo - 1) // 6)
    if kind == "y":
        return float(y)
    if kind == "w":
        week = min((_dt.date(y, mo, d) - _dt.date(y, 1, 1)).days // 7, 51)
        return float((y - 1960) * 52 + week)
    raise NotImplementedError("%%t%s is not modelled by the sfi double" % kind)


class Datetime:
    """Stata dates and datetimes: %td and %tc fully, %tw/%tm/%tq/%th/%ty for
    getSIF, %tC refused (stata.md §2.5: never use %tC for SQL datetimes)."""

    def __init__(self):
        pass

    @staticmethod
    def getSIF(dt, format):
        kind = _date_fmt_type(format)
        if kind in ("C", "b", "g"):
            raise NotImplementedError("%s is not modelled by the sfi double" % format)
        if isinstance(dt, _dt.datetime):
            if dt.tzinfo is not None and dt.utcoffset() is not None:
                dt = dt - dt.utcoffset()          # aware -> UTC ([api] getSIF)
            return _sif(dt.year, dt.month, dt.day, dt.hour, dt.minute,
                        dt.second + dt.microsecond / 1e6, kind)
        if isinstance(dt, _dt.date):
            return _sif(dt.year, dt.month, dt.day, 0, 0, 0, kind)
        raise ValueError("dt must be one of Python date or datetime")

    @staticmethod
    def getDatetime(value, format):
        kind = _date_fmt_type(format)
        if kind not in ("d", "c"):
            raise NotImplementedError("%s is not modelled by the sfi double" % format)
        x = float(value)
        if x >= MISSING_BASE:
            return None
        if kind == "d":
            if not x.is_integer() or not _TD_MIN <= x <= _TD_MAX:
                return None
            return _STATA_EPOCH + _dt.timedelta(days=int(x))
        return _dt.datetime(1960, 1, 1) + _dt.timedelta(milliseconds=x)

    @staticmethod
    def format(value, format):
        kind = _date_fmt_type(format)
        m = _DATE_FMT_RE.match(format)
        detail = m.group(3) if m else _OLD_DATE_FMT_RE.match(format).group(2)
        if kind not in ("d", "c") or detail:
            raise NotImplementedError("%s is not modelled by the sfi double" % format)
        value = Datetime.getDatetime(value, format)
        if value is None:
            return "."
        out = "%02d%s%04d" % (value.day, value.strftime("%b").lower(), value.year)
        if kind == "c":
            out += " %02d:%02d:%02d" % (value.hour, value.minute, value.second)
        return out


# ---------------------------------------------------------------------------
# SFIToolkit ([api] SFIToolkit; stata.md §1.7)
# ---------------------------------------------------------------------------

#: A few standard messages for SFIToolkit.error(rc) (Stata's rc table).
_RC_MESSAGES = {
    1: "--Break--",
    4: "no; dataset in memory has changed since last saved",
    100: "varlist required",
    109: "type mismatch",
    110: "already defined",
    111: "not found",
    120: "invalid %format",
    130: "expression too long",
    133: "unknown function",
    198: "invalid syntax",
    459: "something that should be true of your data is not",
    601: "file not found",
    900: "no room to add more variables",
    2000: "no observations",
}


def _check_bool(value, what):
    if value is not True and value is not False:
        raise TypeError("%s must be a boolean value" % what)


def _check_smcl(s):
    """D14: braces in SMCL text must be directives ``{name...}`` and balance."""
    depth = 0
    for idx, ch in enumerate(s):
        if ch == "{":
            nxt = s[idx + 1:idx + 2]
            if not (nxt.isalpha() or nxt == "*"):
                raise ValueError("text contains '{' that is not an SMCL directive; "
                                 "escape it as {c -(} / {c )-} or pass asis=True: %r" % s)
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise ValueError("unbalanced '}' in SMCL text; escape it as {c )-} "
                                 "or pass asis=True: %r" % s)
    if depth:
        raise ValueError("unbalanced '{' in SMCL text: %r" % s)


def _emit(kind, s, asis):
    if not isinstance(s, str):
        raise TypeError("s must be a str")
    _check_bool(asis, "asis")
    if not asis:
        _check_smcl(s)
    _state.transcript.append((kind, s))


def _formatted_value(ds, var, obs, bValueLabel):
    _check_bool(bValueLabel, "bValueLabel")
    i = _var_index_single(ds, var)
    o = _obs_single(ds, obs)
    v = ds.vars[i]
    value = _read(ds, v, o, True, bValueLabel, _DEFAULT_MISSING)
    if isinstance(value, str):
        if v.is_string:
            m = _STR_FMT_RE.match(v.fmt)
            width = int(m.group(2)) if m else len(value)
            left = bool(m and m.group(1) == "-")
            return value.ljust(width) if left else value.rjust(width)
        return value
    return SFIToolkit.formatValue(value, v.fmt)


def _format_number(value, fmt):
    m = _NUM_FMT_RE.match(fmt)
    fc = _FC_FMT_RE.match(fmt)
    if fc:
        left, width, dec, code, comma, zero = fc.group(1), int(fc.group(2)), int(fc.group(3)), "f", True, False
    elif m:
        left, zero, width, dec, code, comma = (m.group(1), m.group(2), int(m.group(3)),
                                               int(m.group(4)), m.group(5), bool(m.group(6)))
    else:
        raise NotImplementedError("format %s is not modelled by the sfi double" % fmt)
    x = float(value)
    k = _missing_index(x)
    if k is not None:
        text = "." if k == 0 else "." + _MISSING_LETTERS[k - 1]
    elif code == "f":
        text = format(x, (",." if comma else ".") + "%df" % dec)
    elif code == "e":
        text = format(x, ".%de" % dec)
    else:
        # %w.dg: Stata's general format; approximated by Python's "g" with as many
        # significant digits as fit the width (documented approximation).
        digits = dec if dec > 0 else max(1, width - 1)
        text = format(x, ".%dg" % digits)
        while len(text) > width and digits > 1:
            digits -= 1
            text = format(x, ".%dg" % digits)
    if left == "-":
        return text.ljust(width)
    if zero and k is None:
        return text.zfill(width)
    return text.rjust(width)


class SFIToolkit:
    """Core tools ([api] SFIToolkit)."""

    def __init__(self):
        pass

    # -- output (captured into the transcript) -----------------------------
    @staticmethod
    def display(s, asis=False):
        _emit("out", s, asis)

    @staticmethod
    def displayln(s, asis=False):
        _emit("out", s + "\n" if isinstance(s, str) else s, asis)

    @staticmethod
    def errprint(s, asis=False):
        _emit("err", s, asis)

    @staticmethod
    def errprintln(s, asis=False):
        _emit("err", s + "\n" if isinstance(s, str) else s, asis)

    @staticmethod
    def errprintDebug(s, asis=False):
        _check_bool(asis, "asis")
        return False                    # "set debug on" is never on here

    @staticmethod
    def errprintlnDebug(s, asis=False):
        _check_bool(asis, "asis")
        return False

    @staticmethod
    def error(rc):
        # "Output the standard Stata error message associated with return code
        # rc" -- it only prints; it does not stop (stata.md §1.7, Pitfall 21).
        if isinstance(rc, bool) or not isinstance(rc, int):
            raise TypeError("rc must be an integer")
        if rc < 0:
            raise ValueError("rc must be nonnegative")
        _state.transcript.append(("err", _RC_MESSAGES.get(rc, "unknown error") + "\n"))

    @staticmethod
    def exit(rc=0):
        if isinstance(rc, bool) or not isinstance(rc, int):
            raise TypeError("rc must be an integer")
        if rc < 0:
            raise ValueError("rc must be nonnegative")
        raise _StataExit(rc)

    # -- results -----------------------------------------------------------
    @staticmethod
    def rclear():
        _state.results["r"] = {"macro": {}, "scalar": {}}

    @staticmethod
    def eclear():
        _state.results["e"] = {"macro": {}, "scalar": {}}

    @staticmethod
    def sclear():
        _state.results["s"] = {"macro": {}, "scalar": {}}

    # -- polling / Break ([api19] BreakError; stata.md §6.3) --------------
    @staticmethod
    def pollnow():
        _poll()

    @staticmethod
    def pollstd():
        _poll()

    # -- running Stata commands (allow-list, D13) ---------------------------
    @staticmethod
    def stata(s, echo=False):
        _check_bool(echo, "echo")
        if not isinstance(s, str):
            raise TypeError("s must be a str")
        _state.commands.append(s)
        _run_command(s)

    # -- names and formats -------------------------------------------------
    @staticmethod
    def getCallerVersion():
        return float(_state.version)

    @staticmethod
    def getRealOfString(s):
        try:
            x = float(s.strip())
        except (ValueError, AttributeError):
            return MISSING_BASE
        return x if math.isfinite(x) and x < MISSING_BASE else MISSING_BASE

    @staticmethod
    def getTempFile():
        _state.tempnames += 1
        return os.path.join(tempfile.gettempdir(), "ST_%06d.tmp" % _state.tempnames)

    @staticmethod
    def getTempName():
        name = "__%06d" % _state.tempnames
        _state.tempnames += 1
        return name

    @staticmethod
    def getWorkingDir():
        return os.getcwd()

    @staticmethod
    def isFmt(fmt):
        return _fmt_kind(fmt) != ""

    @staticmethod
    def isNumFmt(fmt):
        return _fmt_kind(fmt) == "numeric"

    @staticmethod
    def isStrFmt(fmt):
        return _fmt_kind(fmt) == "string"

    @staticmethod
    def isValidName(name):
        return _name_syntax_ok(name)

    @staticmethod
    def isValidVariableName(name):
        return _varname_problem(name) is None

    @staticmethod
    def strToName(s, prefix=False):
        # "Each character in s that is not allowed in a Stata name is converted
        # to an underscore ... If the first character ... is a numeric character
        # and prefix is ... True, then the result is prefixed with an
        # underscore.  The result is truncated to 32 characters." ([api])
        _check_bool(prefix, "prefix")
        if not isinstance(s, str):
            raise TypeError("s must be a str")
        out = "".join(c if (c == "_" or c.isalpha() or c.isdecimal()) else "_" for c in s)
        if prefix and out[:1].isdecimal():
            out = "_" + out
        return out[:MAX_NAME_LEN]

    @staticmethod
    def makeVarName(s, retainCase=False):
        # "Attempt to form a valid variable name"; lowercase unless retainCase;
        # "" when no valid name results ([api]).  The exact algorithm is not
        # documented: invalid characters -> "_", a leading digit gets "_",
        # truncated to 32; "" if the result is still invalid (e.g. reserved).
        _check_bool(retainCase, "retainCase")
        if not isinstance(s, str):
            raise TypeError("s must be a str")
        name = SFIToolkit.strToName(s.strip(), True)
        if not retainCase:
            name = name.lower()
        return name if _varname_problem(name) is None else ""

    @staticmethod
    def formatValue(value, format):
        kind = _fmt_kind(format)
        if kind != "numeric":
            raise ValueError("%r is not a valid Stata numeric format" % (format,))
        if _DATE_FMT_RE.match(format) or _OLD_DATE_FMT_RE.match(format):
            return Datetime.format(value, format)
        return _format_number(value, format)


def _poll():
    _state.polls += 1
    if _state.break_after is None or _state.version < 18:
        return
    if _state.break_after <= 0:
        _state.break_after = None           # the Break press is consumed
        raise _BreakErrorClass("--Break--")
    _state.break_after -= 1


# ---------------------------------------------------------------------------
# The SFIToolkit.stata allow-list (D13)
# ---------------------------------------------------------------------------

_MACRO_REF_RE = re.compile(r"`(?!\")|\$[A-Za-z_{]")


def _unquote(text):
    """Stata's optional quotes: ``"text"`` or compound `` `"text"' ``."""
    text = text.strip()
    if text.startswith('`"') and text.endswith("\"'") and len(text) >= 4:
        return text[2:-2]
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _abbrev(word, full, minlen):
    """Stata command abbreviation: ``word`` is at least ``minlen`` chars of ``full``."""
    return minlen <= len(word) <= len(full) and full.startswith(word)


class _CommandFailed(Exception):
    def __init__(self, rc, message):
        super().__init__(message)
        self.rc = rc


def _run_command(s):
    if _MACRO_REF_RE.search(s.replace("\"'", "")):
        raise ValueError("command contains a macro reference that Stata would expand "
                         "(D13): %r" % s)
    rest = s.strip()
    capture = False
    while True:                     # prefixes
        word, _, tail = rest.partition(" ")
        if _abbrev(word, "capture", 3):
            capture = True
        elif _abbrev(word, "quietly", 3) or _abbrev(word, "noisily", 3):
            pass
        else:
            break
        rest = tail.strip()
    try:
        _dispatch(rest)
    except _CommandFailed as exc:
        if capture:
            _state.rc = exc.rc
            return
        _state.transcript.append(("err", str(exc) + "\n"))
        raise _StataCommandError(exc.rc, str(exc)) from None
    if capture:
        _state.rc = 0


def _dispatch(cmd):
    word, _, rest = cmd.partition(" ")
    rest = rest.strip()
    if _abbrev(word, "label", 2):
        sub, _, arg = rest.partition(" ")
        if _abbrev(sub, "data", 2):
            return _cmd_label_data(arg)
        if _abbrev(sub, "variable", 3):
            return _cmd_label_variable(arg)
    elif word in ("frame", "frames"):
        sub, _, arg = rest.partition(" ")
        args = arg.split()
        if sub == "rename":
            return _cmd_frame_rename(args)
        if sub == "drop":
            return _cmd_frame_drop(args)
        if _abbrev(sub, "change", 2):
            return _cmd_frame_change(args)
    elif word == "cwf":
        return _cmd_frame_change(rest.split())
    elif word == "char":
        return _cmd_char(rest)
    raise NotImplementedError("SFIToolkit.stata(%r) is not modelled by the sfi double "
                              "(allow-list: label data/variable, frame rename/drop/"
                              "change, cwf, char) (D13)" % cmd)


def _cmd_label_data(arg):
    text = _unquote(arg)
    if len(text) > MAX_LABEL_CHARS:
        raise _CommandFailed(198, "dataset label exceeds %d characters (D10)" % MAX_LABEL_CHARS)
    ds = _cwf()
    ds.label = text
    ds.touch()


def _cmd_label_variable(arg):
    name, _, text = arg.strip().partition(" ")
    ds = _cwf()
    i = ds.find(name)
    if i < 0:
        raise _CommandFailed(111, "variable %s not found" % name)
    text = _unquote(text)
    if len(text) > MAX_LABEL_CHARS:
        raise _CommandFailed(198, "variable label exceeds %d characters (D10)" % MAX_LABEL_CHARS)
    ds.vars[i].label = text
    ds.touch()


def _cmd_frame_rename(args):
    if len(args) != 2:
        raise _CommandFailed(198, "invalid syntax")
    old, new = args
    if old not in _state.frames:
        raise _CommandFailed(111, "frame %s not found" % old)
    if not _frame_name_ok(new):
        raise _CommandFailed(198, "%s invalid frame name" % new)
    if new in _state.frames:
        raise _CommandFailed(110, "frame %s already defined" % new)
    _rename_frame(old, new)


def _cmd_frame_drop(args):
    if not args:
        raise _CommandFailed(198, "invalid syntax")
    for name in args:
        if name not in _state.frames:
            raise _CommandFailed(111, "frame %s not found" % name)
        if name == _state.cwf:
            raise _CommandFailed(110, "frame %s is the current frame and cannot be dropped" % name)
    for name in args:
        del _state.frames[name]


def _cmd_frame_change(args):
    if len(args) != 1:
        raise _CommandFailed(198, "invalid syntax")
    if args[0] not in _state.frames:
        raise _CommandFailed(111, "frame %s not found" % args[0])
    _state.cwf = args[0]


_CHAR_RE = re.compile(r"(?:define\s+)?([^\s\[\]]+)\[([^\s\[\]]+)\]\s*(.*)\Z", re.S)


def _cmd_char(arg):
    m = _CHAR_RE.match(arg.strip())
    if not m:
        raise NotImplementedError("char %r is not modelled by the sfi double (D13)" % arg)
    owner, name, text = m.group(1), m.group(2), _unquote(m.group(3))
    ds = _cwf()
    if owner == "_dta":
        chars = ds.chars
    else:
        i = ds.find(owner)
        if i < 0:
            raise _CommandFailed(111, "variable %s not found" % owner)
        chars = ds.vars[i].chars
    try:
        _set_char(ds, chars, name, text)
    except (ValueError, TypeError) as exc:
        raise _CommandFailed(198, str(exc)) from None


# ---------------------------------------------------------------------------
# Test hooks (not part of sfi)
# ---------------------------------------------------------------------------

def reset():
    """A fresh Stata: one empty frame ``default`` (current), no macros, scalars
    or results, empty transcript and command log, no Break armed, version 18."""
    global _state, BreakError
    _state = _State()
    BreakError = _BreakErrorClass


def snapshot():
    """A deep, comparable copy of every frame (and which one is current)."""
    frames = {}
    for name, ds in _state.frames.items():
        frames[name] = {
            "label": ds.label,
            "chars": dict(ds.chars),
            "value_labels": copy.deepcopy(ds.vlabels),
            "changed": ds.changed,
            "nobs": ds.nobs,
            "vars": [{"name": v.name, "type": v.type_name, "label": v.label,
                      "format": v.fmt, "chars": dict(v.chars),
                      "value_label": v.vlabel, "values": list(v.values)}
                     for v in ds.vars],
        }
    return {"cwf": _state.cwf, "frames": frames}


def transcript(kind=None):
    """Everything printed through SFIToolkit, concatenated; ``kind`` = "out" or
    "err" restricts it to display*/errprint* output."""
    return "".join(t for k, t in _state.transcript if kind is None or k == kind)


def transcript_entries():
    """The printed pieces as (kind, text) tuples, kind "out" or "err"."""
    return list(_state.transcript)


def stata_commands():
    """Every command passed to SFIToolkit.stata, in order (the live list)."""
    return _state.commands


def poll_count():
    """How many times pollnow()/pollstd() were called since reset()."""
    return _state.polls


def _arm_break(after_polls=0):
    """Press Break: the next ``after_polls`` polls pass, the one after raises
    BreakError (once).  Has no effect when the Stata version is < 18."""
    if isinstance(after_polls, bool) or not isinstance(after_polls, int) or after_polls < 0:
        raise ValueError("after_polls must be a nonnegative int")
    _state.break_after = after_polls


def _set_changed(value, frame=None):
    """Set c(changed) of ``frame`` (default: the current frame) to 0 or 1."""
    _state.frames[frame or _state.cwf].changed = 1 if value else 0


def _set_maxvars(n):
    """Set what getMaxVars()/c(maxvar) report and enforce (default 5000)."""
    _state.maxvars = int(n)


def _set_stata_version(v):
    """Model another Stata version.  BreakError exists from 18 on ([api18],
    stata.md §1.7); below that the attribute is removed and Break is ignored."""
    global BreakError
    _state.version = int(v)
    if _state.version >= 18:
        BreakError = _BreakErrorClass
    else:
        globals().pop("BreakError", None)


def _end_rclass_program():
    """Emulate the end of an rclass program: r() is replaced by return()
    (stata.md §1.6, return.sthlp)."""
    _state.results["r"] = _state.results["return"]
    _state.results["return"] = {"macro": {}, "scalar": {}}


def local_macros():
    """A copy of the calling program's local macros."""
    return dict(_state.locals)


def dataset_label(frame=None):
    """The dataset label (``label data``) of ``frame`` (default: current)."""
    return _state.frames[frame or _state.cwf].label


def unfilled_cells(frame=None):
    """(varname, obs) of cells added with addObs(nofill=True) and never stored."""
    ds = _state.frames[frame or _state.cwf]
    return [(v.name, o) for v in ds.vars for o, x in enumerate(v.values) if x is _UNFILLED]
