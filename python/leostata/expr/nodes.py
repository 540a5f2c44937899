"""The expression tree: frozen dataclasses with source positions.

The parser builds these from Stata expression text; ``plan`` resolves ``Name``
nodes against the catalog and fills ``stype`` ("num" or "str") on every node;
``translate`` turns the typed tree into SQLAlchemy.  ``pos`` is the
``(start, end)`` character span of the node in the text it was parsed from,
used to put a caret under the offending text in error messages.

Operators are stored in canonical form: ``~`` and ``!`` are both ``"!"``;
``~=`` and ``!=`` are both ``"!="``.
"""

from __future__ import annotations

import contextlib
import sys

from dataclasses import dataclass, field
from typing import Any, Optional, Tuple

Pos = Tuple[int, int]

ARITHMETIC = ("+", "-", "*", "/", "^")
RELATIONAL = ("==", "!=", "<", ">", "<=", ">=")
LOGICAL = ("&", "|")


@dataclass(frozen=True)
class Node:
    """Base class; every node has a span and, after planning, a Stata type."""

    pos: Pos = field(default=(0, 0), compare=False, kw_only=True)
    stype: Optional[str] = field(default=None, compare=False, kw_only=True)


@dataclass(frozen=True)
class Number(Node):
    """A numeric literal such as ``5``, ``1e3``, ``.5``."""

    value: float


@dataclass(frozen=True)
class Missing(Node):
    """``.`` (code ``""``) or an extended missing ``.a``-``.z`` (code ``"a"``...)."""

    code: str = ""


@dataclass(frozen=True)
class String(Node):
    """A string literal, ``"..."`` or compound-quoted; ``value`` is unquoted."""

    value: str


@dataclass(frozen=True)
class DateLiteral(Node):
    """``td(01jan2020)`` (kind ``"td"``, value in days since 01jan1960) or
    ``tc(...)`` (kind ``"tc"``, value in ms since 01jan1960 00:00:00)."""

    kind: str
    value: float
    text: str


@dataclass(frozen=True)
class Name(Node):
    """A variable name as typed.  ``column`` is set by ``plan`` to the catalog
    column it resolves to (abbreviations expanded)."""

    name: str
    column: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class Unary(Node):
    """``-x`` (op ``"-"``) or ``!x`` (op ``"!"``)."""

    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """``left op right`` with op in ARITHMETIC, RELATIONAL or LOGICAL."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    """A function call; ``name`` is lower-cased as Stata function names are."""

    name: str
    args: Tuple[Node, ...]


def children(node: Node) -> Tuple[Node, ...]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node):
    """Yield ``node`` and every node below it, parents first (left to right).

    Iterative: Stata's limits allow trees about 1,050 levels deep (800
    operators inside 249 calls), deeper than Python's recursion limit."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


@contextlib.contextmanager
def deep_recursion(limit: int = 20_000):
    """Allow recursion deep enough for Stata's largest expressions (about
    1,050 levels: 800 operators inside 249 calls) while the block runs."""
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        if old < limit:
            sys.setrecursionlimit(old)
