"""The values a Stata expression translates to: ``Num`` (a number, NULL
where Stata has missing) and ``Str`` (a string, never NULL: NULL already read
as '').  Each carries its SQL, whether it may be NULL, and the Python value of
a literal so constants fold (``fold``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

_NOT_CONST = object()


@dataclass(frozen=True)
class Num:
    """A numeric value.  ``sql`` is NULL where Stata has missing (None for a
    constant until it is bound); ``const``: the Python value of a literal
    (float or Ext); ``pred``: set when the number is the 0/1 of a predicate;
    ``unit``: "number", or "date"/"datetime" when ``sql`` is a SQL date /
    timestamp whose Stata value is its %td / %tc number; ``is_float``:
    ``sql`` is already floating point (no cast before arithmetic);
    ``bound``: the largest magnitude the value can have (None: unknown, up
    to the largest double), and ``tiny`` the smallest nonzero one (None:
    the smallest normal double), so arithmetic that can neither overflow
    nor underflow needs no guard."""

    sql: Any = None
    nullable: bool = True
    const: Any = _NOT_CONST
    pred: Any = None
    unit: str = "number"
    is_float: bool = True
    bound: Optional[float] = None
    tiny: Optional[float] = None

    @property
    def is_const(self) -> bool:
        return self.const is not _NOT_CONST


@dataclass(frozen=True)
class Str:
    """A string value: ``sql`` is never NULL (NULL already read as '');
    ``raw`` is the bare column when the value is a column (``nullable``
    says whether it may be NULL); ``const`` the text of a literal."""

    sql: Any = None
    raw: Any = None
    nullable: bool = False
    const: Optional[str] = None

    @property
    def is_const(self) -> bool:
        return self.const is not None
