"""Parser for Stata expressions: tokens -> AST (``nodes``), and back to text.

``parse(text)`` takes an expression (or the slice ``text[start:end]`` of a
longer command) and returns the root :class:`~leostata.expr.nodes.Node`; node
positions are offsets in ``text``.  ``unparse(node)`` returns text that parses
back to the same tree, with only the parentheses the precedence table needs.

Precedence, tightest first, as documented in Stata's ``help operator``::

    !  ~          unary not                 10
    ^             power                      9
    -             unary minus                8
    /             division                   7
    *             multiplication             6
    -             subtraction                5
    +             addition                   4
    == != ~= < > <= >=   relational          3
    &             and                        2
    |             or                         1

Decisions:

- Every binary operator is left-associative, ``^`` included: Stata evaluates
  ``2^3^2`` as ``(2^3)^2 = 64`` (unlike Python or Fortran).
- ``/`` and ``*`` (and ``-`` and ``+``) are distinct levels, as the table
  lists them, so ``a*b/c`` is ``a*(b/c)`` and ``a+b-c`` is ``a+(b-c)``.  The
  tree fixes the evaluation order that SQL then follows.
- The six relational operators form one left-associative level:
  ``a < b == c`` is ``(a < b) == c``.
- A prefix operator takes as operand everything that binds at least as tightly
  as itself: ``-2^2`` is ``-(2^2)``, ``!x == 5`` is ``(!x) == 5``, ``-a*b`` is
  ``(-a)*b``.  A prefix operator may start any operand, so ``2^-2`` is
  ``2^(-2)`` and ``2^-2^2`` is ``2^(-(2^2))``.
- There is no unary ``+`` (Stata documents none).
- Function names are lower-cased.  ``td()``/``tc()`` become DateLiteral nodes
  (see ``tokens``).  ``x[...]`` (explicit subscripts) is refused, and so is
  ``_b[x]`` / ``_coef[x]`` / ``_se[x]`` (estimation results: Untranslatable).
- A parenthesised expression keeps its own node; its ``pos`` spans the
  parentheses.
- Stata's limits: at most 249 nested parentheses (calls included) and 800
  dyadic operators, else ExpressionTooLong (r(130)).  Trees deeper than those
  limits allow (only endless prefix chains get there) are refused the same way.
- The climbing is done with explicit stacks rather than recursion, so no
  input can exhaust Python's stack inside Stata's process; ``unparse`` and
  ``nodes.walk`` are iterative for the same reason.
"""

from __future__ import annotations

from dataclasses import replace
from typing import List, NamedTuple, Optional, Tuple

from ..errors import ExpressionTooLong, Untranslatable
from .nodes import (
    Binary, Call, DateLiteral, Missing, Name, Node, Number, String, Unary, children,
)
from .tokens import DATE, END, MISSING, NAME, NUMBER, OP, STRING, Token, syntax_error, tokenize

#: Binary operator -> precedence (higher binds tighter).
BINARY = {
    "|": 1, "&": 2,
    "==": 3, "!=": 3, "<": 3, ">": 3, "<=": 3, ">=": 3,
    "+": 4, "-": 5, "*": 6, "/": 7, "^": 9,
}
#: Prefix operator -> precedence.
PREFIX = {"-": 8, "!": 10}

#: Stata's system variables that take a subscript: estimation results
#: (help _variables), not other observations.
ESTIMATES = ("_b", "_coef", "_se")

MAX_NESTED_PARENTHESES = 249
MAX_DYADIC_OPERATORS = 800
#: Deepest tree accepted.  Stata's own limits allow a tree about this deep
#: (a left-deep chain of 800 operators inside 249 calls); the cap only stops
#: endless prefix chains such as ``- - - ... x``.  Code that walks a tree
#: recursively must allow for this depth.
MAX_TREE_DEPTH = MAX_DYADIC_OPERATORS + MAX_NESTED_PARENTHESES + 1


def parse(text: str, start: int = 0, end: Optional[int] = None) -> Node:
    """Parse the expression ``text[start:end]``; positions are offsets in ``text``.

    Raises StataSyntaxError (r(198)) with a caret under the offending token,
    ExpressionTooLong (r(130)) past Stata's limits, UnknownFunction (r(133))
    or Untranslatable (r(5104)) for unsupported date pseudo-functions.
    """
    return _Parser(text, tokenize(text, start, end)).parse()


class _Open(NamedTuple):
    """A pending operator or an open parenthesis on the operator stack.
    ``kind`` is "binary", "prefix", "group" or "call"; ``base`` is the
    operand-stack height when a group or call opened."""

    kind: str
    tok: Token
    prec: int = 0
    name: Optional[Token] = None
    base: int = 0


class _Parser:
    """Precedence climbing with explicit stacks.

    Tokens are read left to right, alternating between "operand expected" and
    "operator expected".  Operators wait on a stack; before a binary operator
    of precedence p is pushed, every waiting operator of precedence >= p is
    applied (so all binary operators are left-associative, and a prefix
    operator takes everything tighter than itself as its operand).  No
    recursion: Stata's limits (249 parentheses, 800 operators) cannot exhaust
    Python's stack, which matters inside Stata's process.
    """

    def __init__(self, text: str, tokens: List[Token]):
        self.text = text
        self.tokens = tokens
        self.operands: List[Tuple[Node, int]] = []  # (node, tree depth)
        self.ops: List[_Open] = []
        self.open_count = 0
        self.dyadic = 0

    def error(self, tok: Token, message: str = "invalid syntax", cls=None):
        kwargs = {"cls": cls} if cls else {}
        return syntax_error(self.text, tok.start, tok.end, message, **kwargs)

    def parse(self) -> Node:
        tokens = self.tokens
        if tokens[0].kind == END:
            raise self.error(tokens[0], "invalid syntax: expression expected")
        i = 0
        expect_operand = True
        while True:
            tok = tokens[i]
            i += 1
            if expect_operand:
                i, expect_operand = self.operand(tok, i)
                continue
            if tok.kind == END:
                break
            if tok.kind == OP and tok.value in BINARY:
                self.binary(tok)
                expect_operand = True
            elif tok.kind == OP and tok.value == ",":
                self.comma(tok)
                expect_operand = True
            elif tok.kind == OP and tok.value == ")":
                self.close(tok)
            else:
                raise self.error(tok, f"invalid syntax: '{tok.text}' unexpected")
        self.reduce(0)
        if self.ops:
            raise self.error(self.ops[-1].tok, "too few ')'")
        return self.operands[-1][0]

    # -- reading ----------------------------------------------------------
    def operand(self, tok: Token, i: int) -> Tuple[int, bool]:
        """Handle ``tok`` where an operand is expected; returns the next token
        index and whether an operand is still expected."""
        span = (tok.start, tok.end)
        nxt = self.tokens[min(i, len(self.tokens) - 1)]
        if tok.kind == OP and tok.value in PREFIX:
            self.ops.append(_Open("prefix", tok, PREFIX[tok.value]))
            return i, True
        if tok.kind == OP and tok.value == "(":
            self.open(_Open("group", tok, base=len(self.operands)))
            return i, True
        if tok.kind == NAME and nxt.kind == OP and nxt.value == "(":
            if self.tokens[i + 1].kind == OP and self.tokens[i + 1].value == ")":
                close = self.tokens[i + 1]
                self.push(Call(tok.text.lower(), (), pos=(tok.start, close.end)), 1)
                return i + 2, False
            self.open(_Open("call", nxt, name=tok, base=len(self.operands)))
            return i + 1, True
        if tok.kind == NAME and nxt.kind == OP and nxt.value == "[" and tok.text in ESTIMATES:
            raise self.error(
                tok,
                f"{tok.text}[] (the results of the last estimation) cannot be pushed down "
                "to the server; store the value in a local first",
                Untranslatable,
            )
        if tok.kind == NAME and nxt.kind == OP and nxt.value == "[":
            raise self.error(
                nxt,
                f"explicit subscripts are not supported: {tok.text}[...] refers to "
                "other observations, and rows on the server have no order",
            )
        if tok.kind == NAME:
            node: Node = Name(tok.text, pos=span)
        elif tok.kind == NUMBER:
            node = Number(tok.value, pos=span)
        elif tok.kind == MISSING:
            node = Missing(tok.value, pos=span)
        elif tok.kind == STRING:
            node = String(tok.value, pos=span)
        elif tok.kind == DATE:
            kind, value, inner = tok.value
            node = DateLiteral(kind, value, inner, pos=span)
        elif tok.kind == END:
            prev = self.tokens[i - 2]
            raise self.error(tok, f"invalid syntax: operand expected after '{prev.text}'")
        else:
            raise self.error(tok, f"invalid syntax: operand expected before '{tok.text}'")
        self.push(node, 1)
        return i, False

    def binary(self, tok: Token) -> None:
        self.dyadic += 1
        if self.dyadic > MAX_DYADIC_OPERATORS:
            raise self.error(
                tok,
                f"expression too long (more than {MAX_DYADIC_OPERATORS} operators)",
                ExpressionTooLong,
            )
        prec = BINARY[tok.value]
        self.reduce(prec)
        self.ops.append(_Open("binary", tok, prec))

    def open(self, entry: _Open) -> None:
        self.open_count += 1
        if self.open_count > MAX_NESTED_PARENTHESES:
            raise self.error(
                entry.tok,
                f"expression too long (more than {MAX_NESTED_PARENTHESES} nested parentheses)",
                ExpressionTooLong,
            )
        self.ops.append(entry)

    def comma(self, tok: Token) -> None:
        """An argument separator: only directly inside a call."""
        self.reduce(0)
        if not self.ops or self.ops[-1].kind != "call":
            raise self.error(tok, "invalid syntax: ',' unexpected")

    def close(self, tok: Token) -> None:
        """``)``: finish the innermost group or call."""
        self.reduce(0)
        if not self.ops:
            raise self.error(tok, "too many ')'")
        entry = self.ops.pop()
        self.open_count -= 1
        if entry.kind == "group":
            node, depth = self.operands.pop()
            self.push(replace(node, pos=(entry.tok.start, tok.end)), depth)
            return
        args = self.operands[entry.base :]
        del self.operands[entry.base :]
        node = Call(
            entry.name.text.lower(), tuple(a for a, _ in args),
            pos=(entry.name.start, tok.end),
        )
        self.push(node, 1 + max(d for _, d in args), entry.tok)

    # -- building ---------------------------------------------------------
    def reduce(self, prec: int) -> None:
        """Apply waiting operators of precedence >= ``prec`` (stopping at an
        open parenthesis)."""
        ops = self.ops
        while ops and ops[-1].kind in ("binary", "prefix") and ops[-1].prec >= prec:
            entry = ops.pop()
            right, rdepth = self.operands.pop()
            if entry.kind == "prefix":
                node: Node = Unary(entry.tok.value, right, pos=(entry.tok.start, right.pos[1]))
                self.push(node, rdepth + 1, entry.tok)
            else:
                left, ldepth = self.operands.pop()
                node = Binary(entry.tok.value, left, right, pos=(left.pos[0], right.pos[1]))
                self.push(node, max(ldepth, rdepth) + 1, entry.tok)

    def push(self, node: Node, depth: int, at: Optional[Token] = None) -> None:
        """Push an operand of tree depth ``depth``; ``at`` is the operator
        that built it, for the caret when the tree is too deep."""
        if depth > MAX_TREE_DEPTH:
            start, end = (at.start, at.end) if at else node.pos
            raise syntax_error(
                self.text, start, end,
                "expression too long (nested too deeply)", cls=ExpressionTooLong,
            )
        self.operands.append((node, depth))


# -- unparse -----------------------------------------------------------------

_ATOM = 100


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return BINARY[node.op]
    if isinstance(node, Unary):
        return PREFIX[node.op]
    return _ATOM


def unparse(node: Node) -> str:
    """Stata text for ``node`` that parses back to the same tree.

    Parenthesises a left operand that binds less tightly than its operator,
    a right operand that does not bind more tightly (all operators are
    left-associative), and the operand of a prefix operator that binds less
    tightly than it or is a different prefix operator (``!(-x)``).  Works
    bottom-up with an explicit stack, so deep trees need no recursion.
    """
    done: dict = {}
    stack = [(node, False)]
    while stack:
        current, ready = stack.pop()
        kids = children(current)
        if kids and not ready:
            stack.append((current, True))
            stack.extend((kid, False) for kid in kids)
            continue
        done[id(current)] = _render(current, [done[id(kid)] for kid in kids])
    return done[id(node)]


def _render(node: Node, parts: List[str]) -> str:
    """Text of ``node`` given the text of its children."""
    if isinstance(node, Number):
        return _number(node.value)
    if isinstance(node, Missing):
        return "." + node.code
    if isinstance(node, String):
        return f'`"{node.value}"\'' if '"' in node.value else f'"{node.value}"'
    if isinstance(node, DateLiteral):
        return f"{node.kind}({node.text})"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Call):
        return f"{node.name}({', '.join(parts)})"
    if isinstance(node, Unary):
        operand = node.operand
        bare = _precedence(operand) >= PREFIX[node.op] and not (
            isinstance(operand, Unary) and operand.op != node.op
        )
        return node.op + _wrap(parts[0], bare)
    if isinstance(node, Binary):
        prec = BINARY[node.op]
        left = _wrap(parts[0], _precedence(node.left) >= prec)
        right = _wrap(parts[1], _precedence(node.right) > prec)
        return f"{left}^{right}" if node.op == "^" else f"{left} {node.op} {right}"
    raise TypeError(f"cannot unparse {type(node).__name__}")


def _wrap(text: str, bare: bool) -> str:
    return text if bare else f"({text})"


def _number(value: float) -> str:
    """Shortest text that reads back as exactly ``value``."""
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))
