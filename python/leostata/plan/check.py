"""Type-checking of ``if`` expressions against a table.

Takes the parsed expression and the table; returns a typed copy (every name
resolved to its column, every node's ``stype`` "num" or "str"), typing each
function call from ``functions.FUNCTIONS``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Optional

from ..catalog import TableInfo
from ..errors import (ExpressionTooLong, StataSyntaxError, TypeMismatch,
                      UnknownFunction, Untranslatable, located)
from ..expr.nodes import (Binary, Call, DateLiteral, Missing, Name, Node, Number, String, Unary,
                          deep_recursion)
from ..functions import A, N, canonical, lookup
from .varlist import NOT_PUSHED_DOWN, SYSTEM_NAMES, Names, not_a_variable


#: Stata's argument limits for inlist(): reals, strings (help inlist()).
INLIST_MAX_REAL, INLIST_MAX_STRING = 250, 10


#: Column kinds that can take part in an expression (dates are %td numbers,
#: datetimes %tc numbers, booleans 0/1).
EXPRESSION_KINDS = ("bool", "int8", "uint8", "int16", "int32", "int64", "decimal", "float32",
                    "float64", "string", "date", "datetime")


def check_expression(node: Node, table: TableInfo, *, text: Optional[str] = None) -> Node:
    """A copy of ``node`` with every ``Name.column`` resolved against ``table``
    and every ``stype`` filled ("num" or "str").

    Raises NotFound r(111) for an unknown or ambiguous name, TypeMismatch
    r(109) for a string where a number is needed (or the reverse),
    UnknownFunction r(133), StataSyntaxError r(198) for a wrong number of
    arguments, ExpressionTooLong r(130) past inlist()'s limits, and
    Untranslatable r(5104) for columns whose SQL type has no Stata value in
    an expression (binary, time, unknown).

    Stata's system variables: ``_pi`` and ``_cons`` become the numbers pi and 1;
    ``_n``, ``_N``, ``_rc`` and ``_b``/``_coef``/``_se`` have values only inside
    Stata and are refused with Untranslatable r(5104), naming them; ``_all``,
    ``_pred`` and ``_skip`` are StataSyntaxError r(198) "X not allowed".
    """
    checker = _Checker(Names(table), text)
    with deep_recursion():
        return checker.check(node)


class _Checker:
    def __init__(self, names: Names, text: Optional[str]):
        self.names = names
        self.text = text

    def mismatch(self, node: Node, hint: Optional[str] = None):
        return located(TypeMismatch, "type mismatch", self.text, node.pos, hint)

    def check(self, node: Node) -> Node:
        if isinstance(node, (Number, Missing, DateLiteral)):
            return replace(node, stype="num")
        if isinstance(node, String):
            return replace(node, stype="str")
        if isinstance(node, Name):
            if node.name in SYSTEM_NAMES:
                return self.system_name(node)
            col = self.names.one(node.name, self.text, node.pos)
            if col.sql_type.kind not in EXPRESSION_KINDS:
                raise located(Untranslatable,
                             f"variable {node.name} ({col.sql_type.raw}) cannot be used in an "
                             "expression", self.text, node.pos,
                             "leostata compares numbers, dates and strings only")
            return replace(node, column=col, stype=col.stype)
        if isinstance(node, Unary):
            operand = self.check(node.operand)
            if operand.stype != "num":
                raise self.mismatch(node, f"'{node.op}' needs a number")
            return replace(node, operand=operand, stype="num")
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            return self.call(node)
        raise TypeError(f"not an expression node: {node!r}")

    def system_name(self, node: Name) -> Node:
        """``_pi`` and ``_cons`` are numbers; ``_n``, ``_N``, ``_rc``, ``_b`` ... have
        values only inside Stata (Untranslatable r(5104)); ``_all``, ``_pred`` and
        ``_skip`` are no values at all (r(198))."""
        if node.name == "_pi":
            return Number(math.pi, pos=node.pos, stype="num")
        if node.name == "_cons":
            return Number(1.0, pos=node.pos, stype="num")
        if node.name in NOT_PUSHED_DOWN:
            what, hint = NOT_PUSHED_DOWN[node.name]
            raise located(Untranslatable, f"{what} cannot be pushed down to the server",
                         self.text, node.pos, hint)
        raise not_a_variable(node.name, self.names, self.text, node.pos, " in an expression")

    def binary(self, node: Binary) -> Node:
        left, right = self.check(node.left), self.check(node.right)
        op = node.op
        if op in ("&", "|") or op in ("-", "*", "/", "^"):
            if left.stype != "num" or right.stype != "num":
                raise self.mismatch(node, f"'{op}' needs numbers on both sides")
            stype = "num"
        elif op == "+":
            if left.stype != right.stype:
                raise self.mismatch(node, "'+' adds two numbers or joins two strings")
            stype = left.stype
        else:  # relational
            if left.stype != right.stype:
                raise self.mismatch(node, f"'{op}' compares two numbers or two strings")
            stype = "num"
        return replace(node, left=left, right=right, stype=stype)

    def call(self, node: Call) -> Node:
        name = canonical(node.name)
        entry = lookup(name)
        if entry is None:
            raise located(UnknownFunction, f"unknown function {node.name}()", self.text, node.pos)
        sig = entry.signature
        args = [self.check(a) for a in node.args]
        n = len(args)
        most = sig.most if sig.most is not None else (None if sig.rest else len(sig.args))
        if n < sig.minimum or (most is not None and n > most):
            want = (f"{sig.minimum}" if most == sig.minimum else
                    f"at least {sig.minimum}" if most is None else f"{sig.minimum} to {most}")
            raise located(StataSyntaxError, "invalid syntax", self.text, node.pos,
                         f"{node.name}() takes {want} argument{'' if want.endswith(' 1') or want == '1' else 's'}, "
                         f"not {n}")
        for i, arg in enumerate(args):
            want = sig.args[i] if i < len(sig.args) else sig.rest
            if want != A and arg.stype != want:
                raise self.mismatch(arg, f"argument {i + 1} of {node.name}() must be a "
                                         f"{'number' if want == N else 'string'}")
        stype = sig.result
        if sig.same_from is not None:
            group = args[sig.same_from:]
            first = group[0]
            for arg in group[1:]:
                if arg.stype != first.stype:
                    raise self.mismatch(arg, f"the arguments of {node.name}() must be all "
                                             "numbers or all strings")
            if stype == "arg":
                stype = first.stype
        if name == "inlist":
            limit = INLIST_MAX_STRING if args[0].stype == "str" else INLIST_MAX_REAL
            if n > limit:
                raise located(ExpressionTooLong, "expression too long", self.text, node.pos,
                             f"inlist() takes at most {limit} arguments with "
                             f"{'strings' if limit == INLIST_MAX_STRING else 'numbers'} "
                             f"(Stata's limit), not {n}; split it into several inlist()")
        return replace(node, args=tuple(args), stype=stype)
