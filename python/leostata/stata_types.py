"""SQL types -> Stata storage types, display formats and variable names.

Takes the catalog's ``SqlType`` (and, where the SQL type alone cannot decide,
what the loaded values turned out to be) and returns the Stata storage type
and display format; turns SQL column names into valid, unique Stata names and
descriptions into variable labels.  No I/O, no ``sfi``.

Type policy (design.md: "the smallest Stata type that holds the values
actually loaded, as ``compress`` would leave them"; ranges from stata.md §2.1
and [D] data types): the whole result is spooled before any writer
materialises it, so every value is known when the type is decided, once, in
``final_type`` (``ResultColumn.finalize``), for every writer alike.

========================  ===================================================
values loaded             Stata type (display format)
========================  ===================================================
integers -127..100        byte (%8.0g)
integers -32,767..32,740  int (%8.0g)
integers up to +-2^31-28  long (%12.0g) (-2,147,483,647..2,147,483,620)
integers up to +-2^53     double (%12.0g; %20.0g beyond the long range)
integers beyond +-2^53    str# of the digits (+ note): a double would round
non-integers              float (%9.0g) when every value is exactly a float
                          (32-bit), else double (%10.0g); never rounded
no value (all missing)    byte, as ``compress`` leaves an all-missing column
date                      the integer rule on the %td days (byte/int/long), %td
datetime / datetime2      double %tc (ms since 01jan1960, never %tC)
time                      double %tcHH:MM:SS (ms since midnight)
string                    str# (# = max UTF-8 bytes, 1..2045) else strL; %#s
binary                    str#/strL of hexadecimal text "0x..." (+ note)
unknown                   cast to text, then as string
========================  ===================================================

Integers are SQL integer columns and numbers of any SQL type (decimal,
float) whose every value is integral; SQL decimals reach the client as
doubles (cast on the server), so ``decimal(4,1)`` values 50.0 and 100.0 load
as byte, as ``compress`` would make them.

``declared`` (leoload's ``declaredtypes``) keeps the older mapping from the
SQL type alone, for types that do not depend on the sample
(``declared_type``):

========================  ===============  ==============================
SQL kind                  Stata type       display format
========================  ===============  ==============================
bool (bit)                byte             %8.0g
int8 (-128..127)          int              %8.0g   (-128 is not a byte)
uint8 (tinyint 0..255)    int              %8.0g   (byte stops at 100)
int16 (smallint)          long             %12.0g  (int stops at 32,740)
int32 (int)               double           %12.0g  (long stops at 2,147,483,620)
int64 (bigint)            by the values:   long %12.0g if they fit long,
                                           double %20.0g while |x| <= 2^53,
                                           else str# of the digits (+ note)
decimal / money           double           %10.0g  (cast to float on the server)
float32 (real)            float            %9.0g
float64 (float)           double           %10.0g
date                      long             %td     (days since 01jan1960)
========================  ===============  ==============================

Even then the values are checked: a value outside the chosen type (SQLite
stores any integer in an ``INTEGER`` column) promotes the column - long, then
double while exact, then a string - and is never clamped or rounded.
Strings are sized by the values (exact ``str#``) under both rules.  Dates
before 0100-01-01 or after 9999-12-31 (outside %td) load as missing, with a
note.  A forced ``stata_type``/``format`` on an ``OutputColumn`` (collapse
rules, merge's indicator) wins over both rules, except that a value that does
not fit the forced type still promotes it (never silently wrong).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import numbers
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

import numpy as np

from .catalog import SqlType, normalize_type
from .errors import AlreadyDefined, InternalError, StataSyntaxError


@dataclass(frozen=True, init=False)
class ValueLabel:
    """A Stata value label: ``ValueLabel(name, {value: text, ...})``.

    ``name`` is the label's name (as in ``label define name ...``);
    ``codings`` the (integer value, text) pairs in ascending order of value,
    as a tuple so the label is immutable and hashable.  Checked as Stata
    checks ``label define`` (r(198) otherwise): the name a valid Stata name
    (at most 32 characters, not a reserved word); 1 to 65,536 codings; each
    value an integer Stata can hold as a nonmissing ``long``
    (-2,147,483,647..2,147,483,620: the .dta value-label table stores values
    as 4-byte integers and the codes above are the missing values .-.z) or
    an ``ExtendedMissing`` .a-.z (sysmiss ``.`` may not be labelled); each
    text non-empty (defining "" deletes a coding in Stata), at most 32,000
    UTF-8 bytes, without NUL.  Codings sort as Stata sorts values: numbers,
    then .a-.z.
    """

    name: str
    codings: tuple

    def __init__(self, name: str, codings: Mapping[int, str] | Iterable[tuple[int, str]]):
        pairs = list(codings.items()) if isinstance(codings, Mapping) else list(codings)
        object.__setattr__(self, "name", _check_label_name(name))
        object.__setattr__(self, "codings", _check_codings(name, pairs))

    def mapping(self) -> dict:
        """The codings as a new ``{value: text}`` dict, in ascending order."""
        return dict(self.codings)

    def values(self) -> list[int]:
        return [v for v, _ in self.codings]

    def texts(self) -> list[str]:
        return [t for _, t in self.codings]


def _check_label_name(name) -> str:
    if not isinstance(name, str) or not is_valid_name(name):
        raise StataSyntaxError(f"{name} invalid name",
                               hint="a value-label name is a Stata name: 1 to 32 letters, "
                                    "digits or _, not starting with a digit, not a reserved word")
    return name


def _check_codings(name: str, pairs: list) -> tuple:
    if not pairs:
        raise StataSyntaxError(f"value label {name}: no codings",
                               hint="a value label needs at least one value and its text")
    if len(pairs) > MAX_VALUE_LABEL_CODINGS:
        raise StataSyntaxError(f"value label {name}: {len(pairs):,} codings",
                               hint=f"Stata allows at most {MAX_VALUE_LABEL_CODINGS:,} "
                                    "codings in one value label")
    out: dict[int, str] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise StataSyntaxError(f"value label {name}: {pair!r} is not a (value, text) pair")
        value, text = pair
        if isinstance(value, ExtendedMissing):
            pass
        elif isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise StataSyntaxError(f"may not label {value!r}",
                                   hint=f"value label {name}: values must be integers or .a-.z")
        elif not VALUE_LABEL_MIN <= int(value) <= VALUE_LABEL_MAX:
            raise StataSyntaxError(f"may not label {int(value)}",
                                   hint=f"value label {name}: values must lie in "
                                        f"{VALUE_LABEL_MIN:,}..{VALUE_LABEL_MAX:,}")
        if value in out:
            raise StataSyntaxError(f"value label {name}: {value} labelled twice")
        if not isinstance(text, str) or not text:
            raise StataSyntaxError(f"value label {name}: the text for {value} is empty "
                                   "or not a string")
        if "\x00" in text:
            raise StataSyntaxError(f"value label {name}: the text for {value} contains NUL")
        if len(text.encode("utf-8")) > MAX_VALUE_LABEL_TEXT:
            raise StataSyntaxError(f"value label {name}: the text for {value} is longer "
                                   f"than {MAX_VALUE_LABEL_TEXT:,} bytes")
        out[value if isinstance(value, ExtendedMissing) else int(value)] = text
    return tuple(sorted(out.items(), key=lambda kv: _stata_order(kv[0])))


def _stata_order(value) -> tuple:
    """Stata's sort order of a labelled value: numbers, then .a-.z."""
    return (1, value.index) if isinstance(value, ExtendedMissing) else (0, value)


@dataclass(frozen=True)
class OutputColumn:
    """One column of the result as Stata will receive it.

    ``name`` is the Stata variable name; ``source`` the SQL column (or
    expression) it comes from; ``sql_type`` its SQL type; ``label`` the variable
    label; ``stata_type``/``format`` force a storage type or display format
    (collapse rules) - None lets ``stata_types`` derive them; ``value_label``
    a ``ValueLabel`` to attach (numeric columns only); ``notes`` provenance
    notes (texts), attached as Stata ``notes`` (characteristics ``note1``...)
    and ``char[leo_provenance]``, never in the label; ``declared_types`` True
    types the column from its SQL type alone (leoload's ``declaredtypes``)
    instead of from the values loaded.  ``marks`` = (name, ``ExtendedMissing``)
    makes the column a flag that is not loaded: where it is 1, output
    ``name`` holds that missing value (``stream``: ``letters_key``).
    """

    name: str
    source: str
    sql_type: SqlType
    label: str = ""
    stata_type: Optional[str] = None
    format: Optional[str] = None
    value_label: Optional[ValueLabel] = None
    notes: tuple = ()
    declared_types: bool = False
    marks: Optional[tuple] = None

# --- Stata's limits (stata.md §2.1-§2.5) -------------------------------------
BYTE_MIN, BYTE_MAX = -127, 100
INT_MIN, INT_MAX = -32_767, 32_740
LONG_MIN, LONG_MAX = -2_147_483_647, 2_147_483_620
FLOAT_MAX = 1.70141173319e38
DOUBLE_MAX = 8.98846567431157e307  # largest nonmissing double (below 2^1023)
EXACT_DOUBLE = 2 ** 53  # every integer with |x| <= 2^53 is exact in a double
MAX_STR = 2045  # str# maximum, in bytes
MAX_NAME = 32
MAX_LABEL = 80
MAX_CHAR = 67_784  # bytes in one characteristic
MAX_VALUE_LABEL_TEXT = 32_000  # bytes in one value-label text
MAX_VALUE_LABEL_CODINGS = 65_536  # codings in one value label
TD_MIN, TD_MAX = -679_350, 2_936_549  # 01jan0100 .. 31dec9999 in %td days
TC_MIN, TC_MAX = -58_695_840_000_000, 253_717_919_999_999

#: Missing codes as stored in .dta files (and the double value of ``.``).
MISSING_BYTE, MISSING_INT, MISSING_LONG = 101, 32_741, 2_147_483_621
MISSING_FLOAT = float(np.float32(2.0 ** 127))
MISSING_DOUBLE = 2.0 ** 1023  # 8.98846567431158e+307, sfi.Missing.getValue()
#: Values a value label may code: the nonmissing ``long`` range.
VALUE_LABEL_MIN, VALUE_LABEL_MAX = LONG_MIN, LONG_MAX
MISSING_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: The storage codes of ``.`` per numeric type: .a-.z follow in steps of 1
#: (integers) or of 1/4096 of ``.`` (float, double: 2^11 / 2^40 in the bits).
_MISSING_BITS = {"float": ("<u4", 0x7F00_0000, 1 << 11),
                 "double": ("<u8", 0x7FE0_0000_0000_0000, 1 << 40)}
_MISSING_INTEGER = {"byte": MISSING_BYTE, "int": MISSING_INT, "long": MISSING_LONG}


@dataclass(frozen=True)
class ExtendedMissing:
    """One of Stata's extended missing values ``.a``-``.z`` (``letter``):
    greater than every number and than ``.``, in letter order.  ``index`` is
    1 for .a ... 26 for .z; ``double`` its value as sfi stores and reads it
    (``Missing.getValue(letter)``); ``stored(stype)`` its code in a .dta
    column of that type."""

    letter: str

    def __post_init__(self):
        if not (isinstance(self.letter, str) and len(self.letter) == 1
                and self.letter in MISSING_LETTERS):
            raise InternalError(f"no extended missing value .{self.letter}")

    def __str__(self) -> str:
        return "." + self.letter

    @property
    def index(self) -> int:
        return MISSING_LETTERS.index(self.letter) + 1

    @property
    def double(self) -> float:
        return MISSING_DOUBLE * (1 + self.index / 4096)

    def stored(self, stype: str) -> int:
        """The code (integers) or bit pattern (float, double) in ``stype``."""
        if stype in _MISSING_BITS:
            _, base, step = _MISSING_BITS[stype]
            return base + self.index * step
        return _MISSING_INTEGER[stype] + self.index


#: The value that marks a statistic suppressed by disclosure control (``sdc``).
SUPPRESSED = ExtendedMissing("s")
EXTENDED_MISSING = tuple(ExtendedMissing(c) for c in MISSING_LETTERS)


def letters_key(name: str) -> str:
    """The batch key of column ``name``'s extended missing values: a uint8
    array, 0 where the column's own value (or ``.``) stands, else the
    ``ExtendedMissing.index`` (``:`` is in no Stata name)."""
    return name + ":missing"


def with_letters(values: np.ndarray, stype: str, letters) -> np.ndarray:
    """``values`` (a column in final storage type ``stype``, ``.`` coded)
    with the extended missing codes where ``letters`` is nonzero; in place."""
    if letters is None or not letters.any():
        return values
    at = letters > 0
    index = letters[at].astype(np.uint64)
    if stype in _MISSING_BITS:
        view, base, step = _MISSING_BITS[stype]
        values.view(view)[at] = base + index * np.uint64(step)
    else:
        values[at] = _MISSING_INTEGER[stype] + index.astype(np.int64)
    return values

NUMERIC_TYPES = ("byte", "int", "long", "float", "double")
#: Integer storage types in widening order, with their ranges.
INT_RANGES = {"byte": (BYTE_MIN, BYTE_MAX), "int": (INT_MIN, INT_MAX),
              "long": (LONG_MIN, LONG_MAX)}

DEFAULT_FORMATS = {"byte": "%8.0g", "int": "%8.0g", "long": "%12.0g",
                   "float": "%9.0g", "double": "%10.0g", "strL": "%9s"}

RESERVED_NAMES = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc "
    "_se _skip strL using with".split())
_STR_NAME = re.compile(r"^str([1-9][0-9]{0,3})$")

#: How stream delivers a column's values (see stream.py "Batch arrays").
#:   int      int64 numpy.ma.MaskedArray (mask = NULL); bool and date too
#:   float    float64 with NaN for NULL; datetime/time (ms) too
#:   string   bytes: 'S#' array (UTF-8) or object array of bytes beyond 2045
FAMILY = {
    "bool": "int", "int8": "int", "uint8": "int", "int16": "int", "int32": "int",
    "int64": "int", "decimal": "float", "float32": "float", "float64": "float",
    "string": "string", "date": "date", "datetime": "datetime", "time": "time",
    "binary": "binary", "unknown": "string",
}


def declared_type(sql_type: SqlType) -> tuple[str, str]:
    """Stata (storage type, format) from the SQL type alone.

    Strings return ``("str1", "%1s")`` as a placeholder: their width comes
    from the values (``final_type``).  ``int64`` returns ``long``, the start of
    its values-based ladder.
    """
    kind = sql_type.kind
    if kind == "bool":
        return "byte", "%8.0g"
    if kind in ("int8", "uint8"):
        return "int", "%8.0g"
    if kind == "int16":
        return "long", "%12.0g"
    if kind == "int32":
        return "double", "%12.0g"
    if kind == "int64":
        return "long", "%12.0g"
    if kind == "decimal" or kind == "float64":
        return "double", "%10.0g"
    if kind == "float32":
        return "float", "%9.0g"
    if kind == "date":
        return "long", "%td"
    if kind == "datetime":
        return "double", "%tc"
    if kind == "time":
        return "double", "%tcHH:MM:SS"
    return "str1", "%1s"


def int_type_for(lo: int, hi: int) -> str:
    """The smallest Stata type holding every integer in [lo, hi] exactly:
    byte, int, long, double (|x| <= 2^53) or ``"str"`` (digits as text)."""
    for name, (tmin, tmax) in INT_RANGES.items():
        if tmin <= lo and hi <= tmax:
            return name
    if -EXACT_DOUBLE <= lo and hi <= EXACT_DOUBLE:
        return "double"
    return "str"


def str_type(max_bytes: int) -> str:
    """``str#`` for a maximum UTF-8 byte length (at least str1), else strL."""
    return f"str{max(1, int(max_bytes))}" if max_bytes <= MAX_STR else "strL"


def str_format(stata_type: str) -> str:
    if stata_type == "strL":
        return "%9s"
    return f"%{int(stata_type[3:])}s"


def is_string_type(stata_type: str) -> bool:
    return stata_type.startswith("str")


def type_width(stata_type: str) -> int:
    """Bytes per observation in a .dta row (strL: an 8-byte reference)."""
    widths = {"byte": 1, "int": 2, "long": 4, "float": 4, "double": 8, "strL": 8}
    if stata_type in widths:
        return widths[stata_type]
    return int(stata_type[3:])


def _rank(stata_type: str) -> int:
    order = {"byte": 0, "int": 1, "long": 2, "float": 3, "double": 4}
    return order.get(stata_type, 5)


# --- observed values -------------------------------------------------------------


#: Every integer with |x| <= 2^24 is exact in a 32-bit float.
FLOAT_INT = 2 ** 24


def _exact_in_float32(values: np.ndarray) -> bool:
    """True when every (finite) float64 value equals itself as a 32-bit float."""
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.all(values.astype(np.float32).astype(np.float64) == values))


@dataclass
class Observed:
    """What the loaded values of one column turned out to be; updated batch by
    batch (``update``), bounded memory.  ``stream`` fills it; writers read
    ``final_type`` when the result is complete."""

    family: str
    rows: int = 0
    nulls: int = 0
    lo: Optional[int] = None  # integer families: min / max of non-missing
    hi: Optional[int] = None
    max_bytes: int = 0  # string families: longest value in UTF-8 bytes
    abs_max: float = 0.0  # float families: largest finite |x|
    out_of_range: int = 0  # values that became missing (dates outside %td...)
    nonfinite: int = 0  # +-inf / values beyond Stata's double range -> missing
    flo: Optional[float] = None  # float families: min / max of finite values
    fhi: Optional[float] = None
    integral: bool = True  # every finite value an integer (float families)
    exact_float: bool = True  # every value exactly a 32-bit float (both families)

    def update(self, values: np.ndarray) -> None:
        """Record one batch of values in this column's family array form."""
        n = len(values)
        self.rows += n
        if n == 0:
            return
        if isinstance(values, np.ma.MaskedArray):
            mask = np.ma.getmaskarray(values)
            data = values.data
            nn = int(mask.sum())
            self.nulls += nn
            if nn < n:
                valid = data[~mask] if nn else data
                lo, hi = int(valid.min()), int(valid.max())
                self.lo = lo if self.lo is None else min(self.lo, lo)
                self.hi = hi if self.hi is None else max(self.hi, hi)
                self.abs_max = max(self.abs_max, float(max(abs(lo), abs(hi))))
                if self.exact_float and (lo < -FLOAT_INT or hi > FLOAT_INT):
                    self.exact_float = _exact_in_float32(valid.astype(np.float64)) and \
                        max(abs(lo), abs(hi)) <= EXACT_DOUBLE
        elif values.dtype.kind == "f":
            finite = np.isfinite(values)
            nan = np.isnan(values)
            self.nulls += int(nan.sum())
            if finite.any():
                vals = values[finite] if not finite.all() else values
                self.abs_max = max(self.abs_max, float(np.abs(vals).max()))
                lo, hi = float(vals.min()), float(vals.max())
                self.flo = lo if self.flo is None else min(self.flo, lo)
                self.fhi = hi if self.fhi is None else max(self.fhi, hi)
                if self.integral:
                    self.integral = bool(np.all(vals == np.floor(vals)))
                if self.exact_float:
                    self.exact_float = _exact_in_float32(vals)
            self.nonfinite += int((~finite & ~nan).sum())
        elif values.dtype.kind == "S":
            if values.dtype.itemsize > self.max_bytes:  # itemsize bounds the max
                longest = int(np.char.str_len(values).max())
                self.max_bytes = max(self.max_bytes, longest)
        elif values.dtype == object:  # bytes beyond str# (strL)
            self.max_bytes = max(self.max_bytes, max((len(v) for v in values), default=0))
        else:  # pragma: no cover - stream only delivers the forms above
            raise TypeError(f"unexpected batch array {values.dtype}")


@dataclass
class ResultColumn:
    """One result column as the writers see it.

    ``name`` is the valid Stata name; ``source`` the SQL name it came from;
    ``stata_type``/``format`` the type and format decided so far (final after
    ``finalize``); ``family`` how stream delivers its values; ``chars`` the
    characteristics to attach (original name, SQL type, full description,
    notes); ``forced`` True when the plan forced the type; ``value_label``
    the ``ValueLabel`` to attach, if any (numeric columns only).
    """

    name: str
    source: str
    sql_type: SqlType
    label: str = ""
    stata_type: str = "double"
    format: str = "%10.0g"
    family: str = "float"
    forced: bool = False
    chars: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    observed: Observed | None = None
    value_label: ValueLabel | None = None
    declared: bool = False

    @property
    def is_string(self) -> bool:
        return is_string_type(self.stata_type)

    def finalize(self) -> "ResultColumn":
        """Set ``stata_type``/``format`` from the observed values (see the
        module docstring); adds notes to ``notes`` and ``chars['leo_note']``."""
        stype, fmt, notes = final_type(self.sql_type, self.observed or Observed(self.family),
                                       forced_type=self.stata_type if self.forced else None,
                                       forced_format=self.format if self.forced else None,
                                   declared=self.declared)
        if self.value_label is not None and is_string_type(stype):
            raise InternalError(f"may not label strings: variable {self.name} came out as "
                                f"{stype} but carries value label {self.value_label.name}")
        self.stata_type, self.format = stype, fmt
        for note in notes:
            if note not in self.notes:
                self.notes.append(note)
        if self.notes:
            self.chars["leo_note"] = "; ".join(self.notes)
        return self


def final_type(sql_type: SqlType, obs: Observed, *, forced_type: str | None = None,
               forced_format: str | None = None,
               declared: bool = False) -> tuple[str, str, list[str]]:
    """(storage type, display format, notes) from the SQL type and the values
    (module docstring): the values decide unless ``declared`` (the SQL type
    decides, values still promote) or a ``forced_type`` (collapse rules)."""
    notes: list[str] = []
    family = obs.family
    if family in ("string", "binary"):
        stype = str_type(obs.max_bytes)
        if forced_type and is_string_type(forced_type) and forced_type != "strL" \
                and stype != "strL" and int(forced_type[3:]) >= obs.max_bytes:
            stype = forced_type
        elif forced_type == "strL":
            stype = "strL"
        if family == "binary":
            notes.append("binary value loaded as hexadecimal text")
        fmt = forced_format if forced_format and forced_format.endswith("s") else str_format(stype)
        return stype, fmt, notes
    if obs.out_of_range:
        notes.append(f"{obs.out_of_range} value(s) outside Stata's date range loaded as missing")
    if obs.nonfinite:
        notes.append(f"{obs.nonfinite} value(s) infinite or beyond Stata's double range "
                     "loaded as missing")
    by_values = not declared and forced_type is None
    if family == "datetime":
        return "double", "%tc", notes
    if family == "time":
        return "double", "%tcHH:MM:SS", notes
    if family == "float":
        if by_values:
            stype, fmt = _float_by_values(obs)
            if stype == "double" and sql_type.kind == "decimal" and (sql_type.precision or 0) > 15:
                notes.append(f"{sql_type.raw}: loaded as double (about 15-16 significant digits)")
            return stype, fmt, notes
        stype, fmt = declared_type(sql_type) if sql_type.kind not in ("unknown", "string") \
            else ("double", "%10.0g")
        if stype not in ("float", "double"):  # an integer SQL type that held fractions
            stype, fmt = "double", "%10.0g"
            notes.append("non-integer values in an integer column: loaded as double")
        if stype == "float" and obs.abs_max > FLOAT_MAX:
            stype, fmt = "double", "%10.0g"
        if sql_type.kind == "decimal" and (sql_type.precision or 0) > 15:
            notes.append(f"{sql_type.raw}: loaded as double (about 15-16 significant digits)")
        if forced_type in ("float", "double"):  # collapse rules win while values fit
            if not (forced_type == "float" and obs.abs_max > FLOAT_MAX):
                stype = forced_type
        if forced_format:
            fmt = forced_format
        return stype, fmt, notes
    # integer families: int, date
    lo = obs.lo if obs.lo is not None else 0
    hi = obs.hi if obs.hi is not None else 0
    if family == "date":
        if by_values:
            return int_type_for(lo, hi), forced_format or "%td", notes
        return "long", forced_format or "%td", notes
    if by_values:
        base = "byte"  # the values decide
    elif forced_type in NUMERIC_TYPES:
        base = forced_type
    elif sql_type.kind in ("bool", "int8", "uint8", "int16", "int32"):
        base = declared_type(sql_type)[0]  # the SQL type's range decides
    else:
        base = "long" if sql_type.kind == "int64" else "byte"  # bigint: long when they fit
    need = int_type_for(lo, hi)
    if need == "str":
        notes.append("integers beyond +-2^53 cannot be held exactly by a Stata double: "
                     "loaded as a string of digits")
        stype = str_type(max(len(str(lo)), len(str(hi))))
        return stype, str_format(stype), notes
    stype = base if _rank(base) >= _rank(need) else need
    if declared and forced_type is None and stype != base and sql_type.kind in (
            "bool", "int8", "uint8", "int16", "int32"):
        notes.append(f"values outside the range of {sql_type.raw or sql_type.kind}: "
                     f"loaded as {stype}")
    if stype == "float" and not (-FLOAT_INT <= lo and hi <= FLOAT_INT):
        stype = "double"  # a forced float must not round integers
    if forced_format and forced_type == stype:
        fmt = forced_format
    else:
        fmt = _integer_format(stype, lo, hi)
    return stype, fmt, notes


def _integer_format(stype: str, lo: int, hi: int) -> str:
    """Default display format of an integer-valued column of type ``stype``."""
    if stype == "double":
        return "%12.0g" if -LONG_MAX <= lo and hi <= 2 ** 31 else "%20.0g"
    return DEFAULT_FORMATS[stype]


def _float_by_values(obs: Observed) -> tuple[str, str]:
    """(type, format) of a non-integer family column as ``compress`` would
    leave it: integral values in the long range -> byte/int/long; every value
    exactly a 32-bit float (within float's range) -> float; else double.  An
    earlier integer batch (family switched mid-stream) counts as integral."""
    los = [v for v in (obs.lo, obs.flo) if v is not None]
    his = [v for v in (obs.hi, obs.fhi) if v is not None]
    if not los:
        return "byte", DEFAULT_FORMATS["byte"]  # no value: as compress leaves it
    lo, hi = min(los), max(his)
    if obs.integral and LONG_MIN <= lo and hi <= LONG_MAX:
        stype = int_type_for(int(lo), int(hi))
        return stype, DEFAULT_FORMATS[stype]
    if obs.exact_float and obs.abs_max <= FLOAT_MAX:
        return "float", DEFAULT_FORMATS["float"]
    return "double", DEFAULT_FORMATS["double"]


# --- names and labels --------------------------------------------------------------

_NAME_OK = re.compile(r"[A-Za-z0-9_]")


def is_valid_name(name: str) -> bool:
    """True for a valid Stata variable name that leostata would produce."""
    return (1 <= len(name) <= MAX_NAME
            and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None
            and not is_reserved(name))


def is_reserved(name: str) -> bool:
    if name in RESERVED_NAMES:
        return True
    m = _STR_NAME.match(name)
    return bool(m and 1 <= int(m.group(1)) <= MAX_STR)


def stata_name(sql_name: str, taken: Iterable[str] = ()) -> str:
    """A valid Stata variable name for ``sql_name``, unique among ``taken``.

    Accents are stripped (``é`` -> ``e``), every other character outside
    ``A-Z a-z 0-9 _`` becomes ``_`` (``"Last Name"`` -> ``Last_Name``, as
    ``odbc load`` does), a leading digit gets a ``v`` prefix, an empty name
    becomes ``v``, reserved words get a trailing ``_`` (``if`` -> ``if_``),
    the result is cut to 32 characters, and a clash with ``taken``
    (case-sensitive, as Stata names are) appends ``_2``, ``_3``...
    ``taken`` is not modified.
    """
    taken = set(taken)
    text = unicodedata.normalize("NFKD", str(sql_name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    name = "".join(ch if _NAME_OK.match(ch) else "_" for ch in text)
    if not name:
        name = "v"
    if name[0].isdigit():
        name = "v" + name
    name = name[:MAX_NAME]
    if is_reserved(name):
        suffixed = (name + "_")[:MAX_NAME]
        name = suffixed if not is_reserved(suffixed) else "v" + name[:31]
    if name not in taken:
        return name
    i = 2
    while True:
        suffix = f"_{i}"
        candidate = name[:MAX_NAME - len(suffix)] + suffix
        if candidate not in taken and not is_reserved(candidate):
            return candidate
        i += 1


def stata_names(sql_names: Iterable[str]) -> list[str]:
    """``stata_name`` over a list, all names unique.

    Names that are already valid Stata names keep themselves first, so the
    name a user sees in the catalog always means that column; only the
    invalid ones are renamed, around them (``"Last Name"`` becomes
    ``Last_Name_2`` when a column ``Last_Name`` exists)."""
    names = list(sql_names)
    kept: dict[int, str] = {}
    taken: set[str] = set()
    for i, n in enumerate(names):
        if is_valid_name(n) and n not in taken:
            kept[i] = n
            taken.add(n)
    out: list[str] = []
    for i, n in enumerate(names):
        name = kept.get(i) or stata_name(n, taken)
        taken.add(name)
        out.append(name)
    return out


def variable_label(text: str) -> tuple[str, bool]:
    """(label of at most 80 characters, shortened?).  Newlines and runs of
    blanks become one space.  A longer text is cut at the last word boundary
    that leaves room for ``...`` (which says the label was shortened; the
    full text goes to ``char[leo_description]``); a first word longer than
    that is cut inside the word."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= MAX_LABEL:
        return flat, False
    room = MAX_LABEL - 3
    head = flat[:room + 1]  # a blank just after the room still ends a word
    cut = head.rfind(" ")
    kept = flat[:cut].rstrip(" ,;:-(") if cut > 0 else flat[:room]
    return (kept or flat[:room]) + "...", True


def clip_char(text: str, limit: int = MAX_CHAR - 1) -> str:
    """``text`` cut to fit one characteristic (UTF-8 bytes, on a character
    boundary)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def note_chars(notes) -> dict[str, str]:
    """Characteristics that Stata's ``notes`` reads: ``note1``.. ``noteN``
    (each text clipped to a characteristic) and ``note0`` = N; {} for none."""
    texts = [clip_char(" ".join(str(n).split())) for n in notes if str(n).strip()]
    if not texts:
        return {}
    chars = {f"note{i}": t for i, t in enumerate(texts, 1)}
    chars["note0"] = str(len(texts))
    return chars


def result_columns(outputs, *, table: str | None = None) -> list[ResultColumn]:
    """``ResultColumn``s for the plan's ``OutputColumn``s: valid unique names,
    labels shortened to 80 characters at a word boundary, characteristics with
    the original name, SQL type, full description, source table and
    provenance (``char[leo_provenance]`` and Stata ``notes``: the output's
    ``notes`` and, when the Stata name differs, the SQL name), provisional
    types."""
    names = stata_names([o.name for o in outputs])
    cols = []
    for out, name in zip(outputs, names):
        st = out.sql_type
        family = FAMILY.get(st.kind, "string")
        stype, fmt = declared_type(st)
        if out.stata_type:
            stype = out.stata_type
        if out.format:
            fmt = out.format
        label, cut = variable_label(out.label)
        chars = {"leo_sqlname": clip_char(str(out.source or out.name)),
                 "leo_sqltype": clip_char(st.raw or st.kind)}
        if name != out.name:
            chars["leo_name"] = clip_char(out.name)
        if cut:
            chars["leo_description"] = clip_char(" ".join(str(out.label).split()))
        if table:
            chars["leo_table"] = clip_char(table)
        provenance = list(out.notes)
        if name != out.name:
            provenance.append(f"SQL name {out.name}: not a valid or unique Stata name")
        if provenance:
            chars["leo_provenance"] = clip_char("; ".join(provenance))
            chars.update(note_chars(provenance))
        if out.value_label is not None and (family in ("string", "binary")
                                            or is_string_type(stype)):
            raise InternalError(f"may not label strings: variable {name} ({st.raw or st.kind}) "
                                f"carries value label {out.value_label.name}")
        cols.append(ResultColumn(name=name, source=str(out.source or out.name), sql_type=st,
                                 label=label, stata_type=stype, format=fmt, family=family,
                                 forced=bool(out.stata_type), chars=chars,
                                 observed=Observed(family), value_label=out.value_label,
                                 declared=bool(out.declared_types)))
    value_labels(cols)  # one definition per label name, checked before any query runs
    return cols


def value_labels(columns) -> dict[str, ValueLabel]:
    """The distinct value labels that ``columns`` (``ResultColumn``s or
    ``OutputColumn``s) carry, by name, in order of first use.  Several
    variables may share one label; two different labels of the same name are
    r(110) ``label NAME already defined``, as ``label define`` says."""
    found: dict[str, ValueLabel] = {}
    for c in columns:
        vl = c.value_label
        if vl is None:
            continue
        seen = found.get(vl.name)
        if seen is None:
            found[vl.name] = vl
        elif seen != vl:
            raise AlreadyDefined(f"label {vl.name} already defined",
                                 hint=f"variable {c.name} carries a value label named "
                                      f"{vl.name} with other codings than an earlier variable")
    return found


#: The value label Stata's ``merge`` attaches to its indicator (``_merge``
#: or ``generate(newvar)``), with all five codes as ``merge`` defines them
#: (4 and 5 arise only with ``update``), in the wording of Stata 17 and
#: later (Stata 11-16 wrote them in lower case).
MERGE_VALUE_LABEL = ValueLabel("_merge", {1: "Master only (1)", 2: "Using only (2)",
                                          3: "Matched (3)", 4: "Missing updated (4)",
                                          5: "Nonmissing conflict (5)"})


# --- outputs for raw SQL (leoquery) -------------------------------------------------------

_PY_KINDS = {bool: "bool", int: "int64", float: "float64", decimal.Decimal: "decimal",
             str: "string", _dt.date: "date", _dt.datetime: "datetime", _dt.time: "time",
             bytes: "binary", bytearray: "binary", memoryview: "binary"}


def _kind_of_values(values) -> SqlType:
    """The SqlType of an untyped column from the Python values it holds."""
    types = {type(v) for v in values if v is not None}
    if types and types <= {int, bool}:
        return SqlType(raw="(values: integer)", kind="int64")
    if types and types <= {int, bool, float}:
        return SqlType(raw="(values: number)", kind="float64")
    if types and types <= {bytes, bytearray, memoryview}:
        return SqlType(raw="(values: bytes)", kind="binary")
    return SqlType(raw="(values: text)" if types else "(no values)", kind="string")


def outputs_from_description(description, rows=()) -> list:
    """``OutputColumn``s for a DBAPI ``cursor.description`` (raw SQL: the
    types come from the driver - Python classes for pyodbc, type names for
    DuckDB).  SQLite gives no type: the column's kind is read from its values
    in ``rows`` (the first rows fetched): integers, numbers, text or bytes."""
    outs = []
    for j, d in enumerate(description):
        name, code = d[0], d[1]
        if code is None:
            sql_type = _kind_of_values(r[j] for r in rows)
        elif isinstance(code, type):
            kind = _PY_KINDS.get(code, "unknown")
            sql_type = SqlType(raw=code.__name__, kind=kind)
        else:
            sql_type = normalize_type(str(code))
            if sql_type.kind == "unknown" and str(code).upper() in ("NUMBER",):
                sql_type = SqlType(raw=str(code), kind="float64")
        outs.append(OutputColumn(name=str(name), source=str(name), sql_type=sql_type))
    return outs
