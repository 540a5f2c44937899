"""Stata's expression rules in plain Python: the oracle for the translation tests.

Written from Stata's documentation (shared/research/stata.md §3: help
missing, operator, the function help files), independently of leostata's
translator - it never builds SQL and imports nothing from
``leostata.translate``.  It evaluates a *typed* expression tree (from
``plan.check_expression``) on one row as Stata holds it in memory:

* numbers are Python floats; missing values are :class:`Miss` objects
  (``.`` and ``.a``-``.z``), larger than every number and ordered
  ``. < .a < ... < .z``;
* strings are Python ``str``; the missing string is ``""``.

``evaluate(node, row)`` -> float | Miss | str, where ``row`` maps SQL column
names to the values a database holds (None for NULL, ``datetime.date`` for
dates, ...); ``load_value`` turns those into what a load gives Stata
(dates -> %td days, NULL -> missing).  ``keeps(node, row)`` is Stata's
``if`` (true for nonzero, including missing).

This reference shares leostata's parser (the tree) and catalog (column
types); tests/stata_reference/handbuilt.py is the path that shares neither,
for the cases of tests/translate/test_handbuilt_reference.py.

Where Stata's documentation is silent, the choice leostata made is taken
(and marked UNVERIFIED in translate/base.py): ``round(x,y) =
y*floor(x/y+0.5)``, ``strpos(s,"") = 0``, integer parts of substr()
positions, real()'s accepted grammar.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from leostata.expr.nodes import Binary, Call, DateLiteral, Missing, Name, Number, String, Unary

MAX_DOUBLE = float.fromhex("0x1.fffffffffffffp+1022")  # c(maxdouble)
EPOCH = dt.date(1960, 1, 1)
FIRST_DAY, LAST_DAY = dt.date(100, 1, 1), dt.date(9999, 12, 31)


@dataclass(frozen=True)
class Miss:
    """A Stata missing value: code "" is ``.``, "a" is ``.a``."""

    code: str = ""

    def __repr__(self):
        return "." + self.code


MISSING = Miss("")
ALIASES = {"mi": "missing", "lower": "strlower", "upper": "strupper", "trim": "strtrim",
           "ltrim": "strltrim", "rtrim": "strrtrim", "log": "ln"}


def is_missing(v) -> bool:
    return isinstance(v, Miss)


def rank(v):
    """Stata's numeric order: numbers, then ., .a, ..., .z."""
    if isinstance(v, Miss):
        return (1, 0 if not v.code else ord(v.code) - 96)
    return (0, v)


def as_double(value) -> float | Miss:
    """A computed result as Stata stores it: nonfinite or beyond
    c(maxdouble) -> ``.``."""
    if isinstance(value, Miss) or value is None:
        return MISSING
    value = float(value)
    if math.isnan(value) or abs(value) > MAX_DOUBLE:
        return MISSING
    return value


def load_value(value, kind: str):
    """A database value as a load gives it to Stata."""
    if kind == "string":
        return "" if value is None else value
    if value is None:
        return MISSING
    if kind == "date":
        if not FIRST_DAY <= value <= LAST_DAY:
            return MISSING
        return float((value - EPOCH).days)
    if kind == "datetime":
        delta = value - dt.datetime(1960, 1, 1)
        return float(delta.days * 86_400_000 + delta.seconds * 1000
                     + delta.microseconds // 1000)
    if kind == "bool":
        return 1.0 if value else 0.0
    return float(value)


def truth(v) -> bool:
    """Stata's truth: nonzero, and missing counts as true."""
    return isinstance(v, Miss) or v != 0


def to_bytes(s: str) -> bytes:
    """Stata's bytes of a string (a piece of a character cut by substr()
    is kept as a lone byte: Python's surrogateescape)."""
    return s.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def compare(op: str, a, b) -> bool:
    if isinstance(a, str):
        ka, kb = to_bytes(a), to_bytes(b)
    else:
        ka, kb = rank(a), rank(b)
    return {"==": ka == kb, "!=": ka != kb, "<": ka < kb, ">": ka > kb,
            "<=": ka <= kb, ">=": ka >= kb}[op]


def evaluate(node, row: dict):
    """The value of a typed expression on ``row`` (see module doc)."""
    if isinstance(node, Number):
        return float(node.value)
    if isinstance(node, Missing):
        return Miss(node.code)
    if isinstance(node, String):
        return node.value
    if isinstance(node, DateLiteral):
        return float(node.value)
    if isinstance(node, Name):
        col = node.column
        return load_value(row[col.name], col.sql_type.kind)
    if isinstance(node, Unary):
        v = evaluate(node.operand, row)
        if node.op == "!":
            return 0.0 if truth(v) else 1.0
        return MISSING if is_missing(v) else as_double(-v)
    if isinstance(node, Binary):
        return _binary(node, row)
    if isinstance(node, Call):
        name = ALIASES.get(node.name, node.name)
        return FUNCTIONS[name](*[evaluate(a, row) for a in node.args])
    raise TypeError(node)


def keeps(node, row: dict) -> bool:
    return truth(evaluate(node, row))


def _binary(node: Binary, row: dict):
    op = node.op
    a, b = evaluate(node.left, row), evaluate(node.right, row)
    if op == "&":
        return 1.0 if truth(a) and truth(b) else 0.0
    if op == "|":
        return 1.0 if truth(a) or truth(b) else 0.0
    if op in ("==", "!=", "<", ">", "<=", ">="):
        return 1.0 if compare(op, a, b) else 0.0
    if isinstance(a, str):  # string +
        return a + b
    if is_missing(a) or is_missing(b):
        return MISSING
    if op == "+":
        return as_double(a + b)
    if op == "-":
        return as_double(a - b)
    if op == "*":
        return as_double(a * b)
    if op == "/":
        return MISSING if b == 0 else as_double(a / b)
    if op == "^":
        if (a < 0 and b != int(b)) or (a == 0 and b < 0):
            return MISSING
        try:
            return as_double(a ** b)
        except OverflowError:
            return MISSING
    raise ValueError(op)


# --- functions, from their help files ---------------------------------------------------


def _missing(*args):
    return 1.0 if any(a == "" if isinstance(a, str) else is_missing(a) for a in args) else 0.0


def _inlist(z, *items):
    return 1.0 if any(compare("==", z, i) for i in items) else 0.0


def _inrange(z, a, b):
    if isinstance(z, str):  # "." is read as "": "" bounds are open
        if z == "":
            return 0.0
        lo_ok = a == "" or to_bytes(a) <= to_bytes(z)
        hi_ok = b == "" or to_bytes(z) <= to_bytes(b)
        return 1.0 if lo_ok and hi_ok else 0.0
    if is_missing(z):
        return 0.0
    if is_missing(a) and is_missing(b):
        return 1.0
    if is_missing(a):
        return 1.0 if z <= b else 0.0
    if is_missing(b):
        return 1.0 if a <= z else 0.0
    return 1.0 if a <= z <= b else 0.0


def _cond(x, a, b, c=None):
    if is_missing(x):
        return a if c is None else c
    return a if x != 0 else b


def _substring(data, n1, n2):
    if is_missing(n1):
        return data[:0]
    n1 = int(n1)
    size = len(data)
    start = n1 if n1 >= 1 else size + n1 + 1 if n1 <= -1 else 0
    length = size if is_missing(n2) else int(n2)
    if start < 1 or start > size or length <= 0:
        return data[:0]
    return data[start - 1:start - 1 + length]


def _substr(s, n1, n2):
    return from_bytes(_substring(to_bytes(s), n1, n2))


def _usubstr(s, n1, n2):
    return _substring(s, n1, n2)


def _strpos(s1, s2):
    return 0.0 if s2 == "" else float(to_bytes(s1).find(to_bytes(s2)) + 1)


def _ustrpos(s1, s2):
    return 0.0 if s2 == "" else float(s1.find(s2) + 1)


_UP, _LOW = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"


def _strmatch(s, pattern):
    rx = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return 1.0 if re.fullmatch(rx, s, re.DOTALL) else 0.0


def _real(s):
    t = s.strip(" ")
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
        return MISSING
    return as_double(float(t))


def _date(d):
    if is_missing(d):
        return None
    day = math.floor(d)
    try:
        date = EPOCH + dt.timedelta(days=day)
    except OverflowError:
        return None
    return date if FIRST_DAY <= date <= LAST_DAY else None


def _part(name):
    def f(d):
        date = _date(d)
        return MISSING if date is None else float(getattr(date, name))
    return f


def _day_of_week(date):
    # help f_dow: 0 = Sunday, ..., 6 = Saturday; 01jan1960 (%td 0) was a Friday
    return ((date - EPOCH).days + 5) % 7


def _day_of_year(date):
    return (date - dt.date(date.year, 1, 1)).days + 1


_DATE_PARTS = {
    "dow": _day_of_week,
    "doy": _day_of_year,
    # help f_week: weeks of 7 days from 01jan; the 52nd takes the last 8 or 9 days
    "week": lambda date: min(52, (_day_of_year(date) - 1) // 7 + 1),
    "quarter": lambda date: (date.month + 2) // 3,
    "halfyear": lambda date: 1 if date.month <= 6 else 2,
}


def _calendar(name):
    def f(d):
        date = _date(d)
        return MISSING if date is None else float(_DATE_PARTS[name](date))
    return f


def _mod(x, y):
    # help f_mod: mod(x,y) = x - y*floor(x/y); mod(x,0) = .
    if is_missing(x) or is_missing(y) or y == 0:
        return MISSING
    q = as_double(x / y)
    if is_missing(q):
        return MISSING
    return as_double(x - y * math.floor(q))


def _sign(x):
    if is_missing(x):
        return MISSING
    return 0.0 if x == 0 else math.copysign(1.0, x)


def _mdy(m, d, y):
    if any(is_missing(v) for v in (m, d, y)) or any(v != int(v) for v in (m, d, y)):
        return MISSING
    if not 100 <= y <= 9999:
        return MISSING
    try:
        return float((dt.date(int(y), int(m), int(d)) - EPOCH).days)
    except ValueError:
        return MISSING


def _unary(fn, domain=lambda x: True):
    def f(x):
        if is_missing(x) or not domain(x):
            return MISSING
        try:
            return as_double(fn(x))
        except OverflowError:
            return MISSING
    return f


def _round(x, y=1.0):
    if is_missing(x) or is_missing(y):
        return MISSING
    if y == 0:
        return x
    return as_double(y * math.floor(x / y + 0.5))


def _extreme(pick):
    def f(*args):
        vals = [a for a in args if not is_missing(a)]
        return pick(vals) if vals else MISSING
    return f


FUNCTIONS = {
    "missing": _missing,
    "inlist": _inlist,
    "inrange": _inrange,
    "cond": _cond,
    "substr": _substr,
    "usubstr": _usubstr,
    "strpos": _strpos,
    "ustrpos": _ustrpos,
    "strlen": lambda s: float(len(to_bytes(s))),
    "ustrlen": lambda s: float(len(s)),
    "strlower": lambda s: s.translate(str.maketrans(_UP, _LOW)),
    "strupper": lambda s: s.translate(str.maketrans(_LOW, _UP)),
    "strtrim": lambda s: s.strip(" "),
    "strltrim": lambda s: s.lstrip(" "),
    "strrtrim": lambda s: s.rstrip(" "),
    "strmatch": _strmatch,
    "real": _real,
    "year": _part("year"),
    "month": _part("month"),
    "day": _part("day"),
    "mdy": _mdy,
    "dow": _calendar("dow"),
    "doy": _calendar("doy"),
    "week": _calendar("week"),
    "quarter": _calendar("quarter"),
    "halfyear": _calendar("halfyear"),
    "mod": _mod,
    "sign": _sign,
    "dofc": _unary(lambda x: math.floor(x / 86_400_000)),
    "int": _unary(math.trunc),
    "floor": _unary(math.floor),
    "ceil": _unary(math.ceil),
    "abs": _unary(abs),
    "sqrt": _unary(math.sqrt, lambda x: x >= 0),
    "ln": _unary(math.log, lambda x: x > 0),
    "log10": _unary(math.log10, lambda x: x > 0),
    "exp": _unary(math.exp),
    "round": _round,
    "min": _extreme(min),
    "max": _extreme(max),
}
