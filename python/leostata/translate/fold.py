"""Stata's rules on constants, in Python: arithmetic, comparison, ``mdy()``,
the date parts, ``round()``, ``mod()``, ``sign()``, ``real()``, ``substr()``
and the string functions.

Takes Python numbers, strings and :class:`Ext` missing values; returns what
Stata computes (``.`` for what Stata holds as missing).  The translator folds
literal expressions with these, and the tests use them as the reference of
Stata's rules.
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
from dataclasses import dataclass
from typing import Union

from ..errors import InternalError
from .constructs import ASCII_LOWER, ASCII_UPPER

DOUBLE_MAX = float.fromhex("0x1.fffffffffffffp+1022")  # largest nonmissing double
TD_MIN, TD_MAX = -679_350, 2_936_549  # 01jan0100, 31dec9999 in %td days
TC_MIN, TC_MAX = TD_MIN * 86_400_000, (TD_MAX + 1) * 86_400_000 - 1
EXP_MAX = 709.089565712824  # largest x with exp(x) <= DOUBLE_MAX
EXP_ZERO = -745.1332191019411  # exp(x) is 0.0 in double below this
EPOCH = _dt.date(1960, 1, 1)


@dataclass(frozen=True)
class Ext:
    """A Stata missing value as a constant: ``code`` "" is ``.``, "a" is ``.a``."""

    code: str = ""

    @property
    def rank(self) -> int:
        return 0 if not self.code else ord(self.code) - ord("a") + 1


SYSMISS = Ext("")


def stata_number(value: float) -> Union[float, Ext]:
    """``value`` as Stata holds a double: non-finite or too large -> ``.``."""
    if isinstance(value, Ext):
        return SYSMISS
    if value is None or math.isnan(value) or abs(value) > DOUBLE_MAX:
        return SYSMISS
    return float(value)


def fold_arithmetic(op: str, a, b):
    """Stata's ``a op b`` on constants (missing in, missing out)."""
    if isinstance(a, Ext) or isinstance(b, Ext):
        return SYSMISS
    try:
        if op == "+":
            return stata_number(a + b)
        if op == "-":
            return stata_number(a - b)
        if op == "*":
            return stata_number(a * b)
        if op == "/":
            return SYSMISS if b == 0 else stata_number(a / b)
        if op == "^":
            if a < 0 and b != math.floor(b):
                return SYSMISS
            if a == 0 and b < 0:
                return SYSMISS
            return stata_number(math.pow(a, b))
    except (OverflowError, ValueError, ZeroDivisionError):
        return SYSMISS
    raise InternalError(f"not an arithmetic operator: {op}")


def _order_key(v):
    """Stata's order of numbers and missing values."""
    return (1, v.rank) if isinstance(v, Ext) else (0, v)


_PY_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
               ">": operator.gt, ">=": operator.ge}


def fold_compare(op: str, a, b) -> bool:
    return _PY_COMPARE[op](_order_key(a), _order_key(b))


def fold_compare_str(op: str, a: str, b: str) -> bool:
    return _PY_COMPARE[op](a.encode("utf-8"), b.encode("utf-8"))


def mdy_days(m, d, y):
    """Stata's ``mdy(M, D, Y)`` on constants: %td days or ``.``."""
    if any(isinstance(v, Ext) for v in (m, d, y)):
        return SYSMISS
    if any(v != math.floor(v) for v in (m, d, y)) or not 100 <= y <= 9999:
        return SYSMISS
    try:
        return float(_dt.date(int(y), int(m), int(d)).toordinal() - EPOCH.toordinal())
    except ValueError:
        return SYSMISS


def _td_date(e):
    """The calendar day of %td number ``e`` (its floor), None outside
    01jan0100-31dec9999 or for missing."""
    if isinstance(e, Ext) or not TD_MIN <= math.floor(e) <= TD_MAX:
        return None
    return EPOCH + _dt.timedelta(days=math.floor(e))


def _doy(day: _dt.date) -> int:
    return day.timetuple().tm_yday


#: Stata's date parts of a calendar day (``dow``: 0 = Sunday).
DATE_PARTS = {
    "year": lambda day: day.year,
    "month": lambda day: day.month,
    "day": lambda day: day.day,
    "dow": lambda day: day.isoweekday() % 7,
    "doy": _doy,
    "week": lambda day: min(52, 1 + (_doy(day) - 1) // 7),
    "quarter": lambda day: 1 + (day.month - 1) // 3,
    "halfyear": lambda day: 1 + (day.month - 1) // 6,
}


def date_part(part: str, e):
    """Stata's ``year(e)``, ``dow(e)``, ... on a constant: a number or ``.``."""
    day = _td_date(e)
    return SYSMISS if day is None else float(DATE_PARTS[part](day))


def py_mod(x, y):
    """Stata's ``mod(x, y)`` = ``x - y*floor(x/y)`` in double; ``.`` when
    either is missing or y is 0 (or x/y is beyond the largest double)."""
    if isinstance(x, Ext) or isinstance(y, Ext) or y == 0:
        return SYSMISS
    q = stata_number(x / y)
    if isinstance(q, Ext):
        return SYSMISS
    return stata_number(x - y * math.floor(q))


def py_sign(x):
    if isinstance(x, Ext):
        return SYSMISS
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def py_round(x, y=1.0):
    """Stata's round(x, y) on constants (see the module doc)."""
    if isinstance(x, Ext) or isinstance(y, Ext):
        return SYSMISS
    if y == 0:
        return x
    return stata_number(y * math.floor(x / y + 0.5))


def py_real(text: str):
    """Stata's real() on a constant (see the module doc)."""
    import re
    t = text.strip(" ")
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
        return SYSMISS
    return stata_number(float(t))


def py_substr(data, n1, n2):
    """Stata's substr() rules on Python text/bytes (constant folding)."""
    if isinstance(n1, Ext):
        return data[:0]
    n1 = int(n1)
    size = len(data)
    start = n1 if n1 >= 1 else size + n1 + 1 if n1 <= -1 else 0
    length = size if isinstance(n2, Ext) else int(n2)
    if start < 1 or start > size or length <= 0:
        return data[:0]
    return data[start - 1:start - 1 + length]


PY_STR = {
    "lower_ascii": lambda s: s.translate(str.maketrans(ASCII_UPPER, ASCII_LOWER)),
    "upper_ascii": lambda s: s.translate(str.maketrans(ASCII_LOWER, ASCII_UPPER)),
    "trim": lambda s: s.strip(" "),
    "ltrim": lambda s: s.lstrip(" "),
    "rtrim": lambda s: s.rstrip(" "),
}
