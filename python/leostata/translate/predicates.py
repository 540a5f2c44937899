"""Stata truth values as SQL: null means false, negation pushed to the leaves.

Takes SQLAlchemy conditions; returns ``P`` trees whose ``sql()`` is true
exactly when Stata's value is true (NULL counts as false, as in WHERE and
CASE WHEN) and whose ``negated()`` is Stata's complement, built at the leaves
(negation normal form).  Also the comparison tables: each operator's
complement, its mirror, and Stata's answer when an operand is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import InternalError


class P:
    """A Stata truth value as SQL.  ``sql()`` gives a condition that is true
    exactly when Stata's value is true (NULL counts as false, as in WHERE and
    CASE WHEN); ``negated()`` is the Stata complement, built at the leaves."""

    def sql(self):
        raise NotImplementedError

    def negated(self) -> "P":
        raise NotImplementedError


@dataclass(frozen=True)
class Const(P):
    value: bool

    def sql(self):
        return sa.true() if self.value else sa.false()

    def negated(self) -> P:
        return Const(not self.value)


TRUE, FALSE = Const(True), Const(False)


@dataclass(frozen=True)
class Atom(P):
    """A leaf: ``pos`` is true when Stata's value is 1, ``neg`` when it is 0
    (each may be NULL only where the answer is "no").  ``neg`` is None for
    a condition used only inside one half of a :class:`Pair`."""

    pos: Any
    neg: Any = None

    def sql(self):
        return self.pos

    def negated(self) -> P:
        if self.neg is None:
            raise InternalError("a one-sided condition was negated")
        return Atom(self.neg, self.pos)


@dataclass(frozen=True)
class All(P):
    parts: tuple

    def sql(self):
        return sa.and_(*(p.sql() for p in self.parts))

    def negated(self) -> P:
        return p_or(*(p.negated() for p in self.parts))


@dataclass(frozen=True)
class AnyOf(P):
    parts: tuple

    def sql(self):
        return sa.or_(*(p.sql() for p in self.parts))

    def negated(self) -> P:
        return p_and(*(p.negated() for p in self.parts))


def _join(kind: type, parts, identity: Const, absorbing: Const) -> P:
    """``parts`` joined by ``kind`` (All or AnyOf), flattened and simplified:
    ``identity`` parts dropped, an ``absorbing`` part decides alone."""
    out: list = []
    for p in parts:
        if p == absorbing:
            return absorbing
        if p == identity:
            continue
        out.extend(p.parts if isinstance(p, kind) else [p])
    return identity if not out else out[0] if len(out) == 1 else kind(tuple(out))


def p_and(*parts: P) -> P:
    return _join(All, parts, TRUE, FALSE)


def p_or(*parts: P) -> P:
    return _join(AnyOf, parts, FALSE, TRUE)


class Pair(P):
    """A leaf given as two conditions (each "null means false"): ``pos``
    holds when Stata's value is 1, ``neg`` when it is 0.  Built where the
    complement is not simply the opposite SQL (missing values)."""

    def __init__(self, pos: P, neg: P):
        self.pos, self.neg = pos, neg

    def sql(self):
        return self.pos.sql()

    def negated(self) -> P:
        return Pair(self.neg, self.pos)


#: Stata complement of each comparison (for two non-missing values).
COMPLEMENT = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
#: Swapped operands: ``a op b`` is ``b SWAP[op] a``.
SWAP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
#: Stata's answer when the left side is missing and the right is not, and so on.
LEFT_MISSING = {">": True, ">=": True, "!=": True, "<": False, "<=": False, "==": False}
RIGHT_MISSING = {"<": True, "<=": True, "!=": True, ">": False, ">=": False, "==": False}
BOTH_MISSING = {"==": True, "<=": True, ">=": True, "!=": False, "<": False, ">": False}

#: The SQLAlchemy method of each comparison, called on the left operand (so
#: the SQL is ``a op b`` whatever the class of ``b``).
SQL_OP = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__",
           ">": "__gt__", ">=": "__ge__"}


def sql_compare(op: str, a, b):
    return getattr(a, SQL_OP[op])(b)
