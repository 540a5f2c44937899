"""Reference trees built by hand: a path to Stata's answer that shares no
code with leostata (issue 19, item 3).

tests/stata_reference/expr.py evaluates the tree leostata's own parser
built, with the column types leostata's catalog found, so a parser or
literal-folding bug (a ``td()`` one day off, a wrong precedence) moves the
SQL and the reference together and passes.  Here each case is written
twice by the test author: as the Stata text leostata compiles, and as a
tree of this module's own nodes (``Col``, ``Num``, ``Td`` ...).  Literals
are read here (``td(01jan2020)`` is counted from 01jan1960 with Python's
calendar), operator precedence is decided by whoever writes the tree (from
Stata's ``help operator``: ``!``, ``^``, unary ``-``, ``/ *``, ``- +``,
comparisons, ``&``, ``|``), and each column's storage type comes from the
SQL type in the table's DDL through Stata's documented limits
(tests/stata_reference/storage.py).  Nothing from ``leostata`` is imported;
only the function rules of tests/stata_reference/expr.py (pure Python,
written from Stata's help files) are shared with the other reference.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
from dataclasses import dataclass

from tests.stata_reference.expr import (ALIASES, FUNCTIONS, MISSING, Miss, as_double,
                                        compare, is_missing, truth)
from tests.stata_reference.storage import EPOCH, TD_DOMAIN, storage_type


# --- the nodes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Txt:
    value: str


@dataclass(frozen=True)
class Mis:
    code: str = ""


@dataclass(frozen=True)
class Td:
    """``td(text)``: read here, e.g. ``Td("29feb2020")``."""
    text: str


@dataclass(frozen=True)
class Tc:
    """``tc(text)``: e.g. ``Tc("01jan2020 10:00:00.5")``."""
    text: str


@dataclass(frozen=True)
class Op:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Fn:
    name: str
    args: tuple

    def __init__(self, name, *args):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "args", args)


# --- literals ----------------------------------------------------------------------------

MONTHS = {m: i + 1 for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split())}
_DAY = re.compile(r"(\d{1,2})([a-z]{3})(\d{4})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?")


def td_days(text: str) -> float:
    """Days from 01jan1960 to the day ``text`` (``ddmonyyyy``)."""
    day, month, year = _DAY.fullmatch(text.strip().lower()).groups()
    return float((dt.date(int(year), MONTHS[month], int(day)) - EPOCH).days)


def tc_ms(text: str) -> float:
    """Milliseconds from 01jan1960 00:00:00 to ``text`` (``ddmonyyyy hh:mm[:ss[.sss]]``)."""
    date, time = text.strip().split(None, 1)
    h, m, s, frac = _TIME.fullmatch(time).groups()
    ms = ((int(h) * 60 + int(m)) * 60 + int(s or 0)) * 1000 + int((frac or "0").ljust(3, "0"))
    return td_days(date) * 86_400_000 + ms


# --- columns as Stata holds them after a load -------------------------------------------------


def _float32(x: float) -> float:
    return struct.unpack("<f", struct.pack("<f", x))[0]


def load(value, sql_type: str):
    """A database value of a column declared ``sql_type`` as Stata holds it
    once loaded into the storage type Stata's limits give that SQL type."""
    stata = storage_type(sql_type)
    base = sql_type.upper().split("(")[0].strip()
    if stata == "str":
        return "" if value is None else value
    if value is None:
        return MISSING
    if base == "DATE":
        if not TD_DOMAIN[0] <= value <= TD_DOMAIN[1]:
            return MISSING
        return float((value - EPOCH).days)
    if base in ("TIMESTAMP", "DATETIME"):
        delta = value - dt.datetime(1960, 1, 1)
        return float(delta.days * 86_400_000 + delta.seconds * 1000
                     + delta.microseconds // 1000)
    if base == "BOOLEAN":
        return 1.0 if value else 0.0
    if stata == "float":
        return _float32(float(value))
    return float(value)


# --- evaluation ----------------------------------------------------------------------------


def evaluate(node, row: dict, sql_types: dict):
    """The value of ``node`` on ``row`` (SQL values by column name), the
    columns declared ``sql_types`` (column -> SQL type text)."""
    def ev(n):
        return evaluate(n, row, sql_types)

    if isinstance(node, Num):
        return float(node.value)
    if isinstance(node, Txt):
        return node.value
    if isinstance(node, Mis):
        return Miss(node.code)
    if isinstance(node, Td):
        return td_days(node.text)
    if isinstance(node, Tc):
        return tc_ms(node.text)
    if isinstance(node, Col):
        return load(row[node.name], sql_types[node.name])
    if isinstance(node, Not):
        return 0.0 if truth(ev(node.operand)) else 1.0
    if isinstance(node, Neg):
        v = ev(node.operand)
        return MISSING if is_missing(v) else as_double(-v)
    if isinstance(node, Fn):
        return FUNCTIONS[ALIASES.get(node.name, node.name)](*[ev(a) for a in node.args])
    if isinstance(node, Op):
        a, b = ev(node.left), ev(node.right)
        op = node.op
        if op == "&":
            return 1.0 if truth(a) and truth(b) else 0.0
        if op == "|":
            return 1.0 if truth(a) or truth(b) else 0.0
        if op in ("==", "!=", "<", ">", "<=", ">="):
            return 1.0 if compare(op, a, b) else 0.0
        if isinstance(a, str):
            return a + b
        if is_missing(a) or is_missing(b):
            return MISSING
        if op == "/":
            return MISSING if b == 0 else as_double(a / b)
        if op == "^":
            if (a < 0 and b != int(b)) or (a == 0 and b < 0):
                return MISSING
            try:
                return as_double(a ** b)
            except OverflowError:
                return MISSING
        return as_double({"+": a + b, "-": a - b, "*": a * b}[op])
    raise TypeError(node)


def keeps(node, row: dict, sql_types: dict) -> bool:
    return truth(evaluate(node, row, sql_types))


def same(got, want) -> bool:
    """A database value against the reference value."""
    if isinstance(want, str):
        return got == want
    if is_missing(want):
        return got is None
    return got is not None and math.isclose(float(got), want, rel_tol=1e-12, abs_tol=1e-300)
