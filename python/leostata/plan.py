"""Request + catalog -> a validated, dialect-free ``Plan``.

Takes the parsed command (``expr.command.Command``, or its text) and the
``Catalog``; resolves the table, the variable list (wildcards, ranges,
abbreviations) and the names inside the ``if`` expression, type-checks the
expression (every node gets ``stype`` "num" or "str"), reads the options
through one option table, and returns a ``Plan``.  Nothing here knows about
SQL dialects; ``translate``/``sql`` turn a Plan into a SELECT.

Public API::

    resolve_varlist(tokens, table, *, text=None) -> list[ColumnInfo]
    check_expression(node, table, *, text=None)  -> Node   (typed copy)
    plan_load(command, catalog)                  -> Plan
    OPTIONS                                      the leoload option table
    SIGNATURES, ALIASES                          Stata functions known to leostata

Names are the Stata names of the columns (``stata_types.stata_names``: a
valid SQL name is its own Stata name), matched case-sensitively as Stata
does.  Errors carry Stata's return codes and a caret under the offending
text when the command text is known.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Iterable, Optional

from .catalog import ColumnInfo, SqlType, TableInfo, suggest
from .errors import (ExpressionTooLong, NotFound, StataSyntaxError, TypeMismatch, UnknownFunction,
                     Untranslatable)
from .expr.nodes import Binary, Call, DateLiteral, Missing, Name, Node, Number, String, Unary

# --- the plan -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputColumn:
    """One column of the result as Stata will receive it.

    ``name`` is the Stata variable name; ``source`` the SQL column (or
    expression) it comes from; ``sql_type`` its SQL type; ``label`` the variable
    label; ``stata_type``/``format`` force a storage type or display format
    (collapse rules) - None lets ``stata_types`` derive them.
    """

    name: str
    source: str
    sql_type: SqlType
    label: str = ""
    stata_type: Optional[str] = None
    format: Optional[str] = None


@dataclass(frozen=True)
class Sample:
    """``sample(# [, seed(#)])``: keep ``percent`` % of persons by ``key``."""

    percent: float
    seed: int
    key: ColumnInfo


@dataclass
class Plan:
    """Everything needed to build the SELECT, validated against the catalog.

    ``columns``: the selected columns in varlist order; ``where``: the typed
    if-expression; ``in_range``: ``(first, last)`` Stata observation numbers
    (negative = counted from the end, -1 = last); ``order_by``: the row order
    (``sort()`` or the table's key; empty when the table has neither);
    ``options``: every option given, by its full name, parsed (see
    ``OPTIONS``); ``outputs``: the result columns, in order.
    """

    table: TableInfo
    columns: list[ColumnInfo]
    where: Optional[Node] = None
    in_range: Optional[tuple[int, int]] = None  # 1-based first, last; negative from the end
    order_by: list[ColumnInfo] = field(default_factory=list)
    sample: Optional[Sample] = None
    collapse: Optional[object] = None  # collapse.CollapseSpec
    count_only: bool = False
    options: dict = field(default_factory=dict)
    outputs: list[OutputColumn] = field(default_factory=list)
    text: str = ""  # the command text, for messages


# --- the option table ---------------------------------------------------------------------

FLAG, INTEGER, VARLIST, CLIST, SAMPLE, FRAME = "flag", "integer", "varlist", "clist", "sample", "frame"


@dataclass(frozen=True)
class OptionSpec:
    """One ``leoload`` option: its full ``name``, the ``minimum`` number of
    leading characters that must be typed (what Stata's help underlines),
    the ``kind`` of argument it takes, and a one-line ``help``."""

    name: str
    minimum: int
    kind: str
    help: str

    def matches(self, typed: str) -> bool:
        return len(typed) >= self.minimum and self.name.startswith(typed)


#: The option table of ``leoload``.  Later issues add rows here (joins);
#: ``plan_load`` parses each kind the same way.  Destructive options
#: (clear, force) cannot be abbreviated, as in Stata.
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("clear", 5, FLAG, "replace the data in memory"),
    OptionSpec("frame", 5, FRAME, "frame(name [, replace]): load into a frame"),
    OptionSpec("collapse", 4, CLIST, "collapse(clist): aggregate on the server"),
    OptionSpec("by", 2, VARLIST, "by(varlist): groups for collapse()"),
    OptionSpec("cw", 2, FLAG, "casewise deletion for collapse()"),
    OptionSpec("sample", 4, SAMPLE, "sample(# [, seed(#)]): keep # percent of persons"),
    OptionSpec("sort", 4, VARLIST, "sort(varlist): row order (also the order `in` counts in)"),
    OptionSpec("count", 5, FLAG, "count the rows only"),
    OptionSpec("maxobs", 3, INTEGER, "maxobs(#): refuse results of more than # rows"),
    OptionSpec("force", 5, FLAG, "load even past maxobs()"),
    OptionSpec("showsql", 4, FLAG, "show the SQL before running it"),
    OptionSpec("sqlonly", 4, FLAG, "show the SQL and run nothing"),
    OptionSpec("sdc", 3, FLAG, "statistical disclosure control checks on the output"),
)

#: Options that only make sense with collapse().
_COLLAPSE_ONLY = ("by", "cw")
#: Seeds as Stata's ``set seed`` takes them.
MAX_SEED = 2_147_483_647
DEFAULT_SEED = 0


# --- Stata functions known to leostata ------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """How a Stata function is typed.  ``args``: the types of the leading
    arguments ("num", "str", or "any"); ``rest``: the type of any further
    arguments (None: no more); ``least``: the minimum number of arguments;
    ``result``: "num", "str" or "arg" (the type of argument ``same_from``).
    ``same_from``: arguments from this index on must share one type."""

    args: tuple[str, ...]
    result: str
    least: Optional[int] = None
    rest: Optional[str] = None
    most: Optional[int] = None
    same_from: Optional[int] = None

    @property
    def minimum(self) -> int:
        return len(self.args) if self.least is None else self.least


N, S, A = "num", "str", "any"

#: Stata's function names -> their typing.  Translation decides per database
#: whether a function can be pushed down (``translate`` FUNCTIONS/UNSUPPORTED);
#: a name not here is "unknown function" (r(133)).
SIGNATURES: dict[str, Signature] = {
    # missing values, lists, conditions
    "missing": Signature((A,), N, rest=A),
    "inlist": Signature((A, A), N, rest=A, same_from=0),
    "inrange": Signature((A, A, A), N, same_from=0),
    "cond": Signature((N, A, A, A), "arg", least=3, same_from=1),
    # strings
    "substr": Signature((S, N, N), S),
    "usubstr": Signature((S, N, N), S),
    "strpos": Signature((S, S), N),
    "ustrpos": Signature((S, S, N), N, least=2),
    "strlen": Signature((S,), N),
    "ustrlen": Signature((S,), N),
    "strlower": Signature((S,), S),
    "strupper": Signature((S,), S),
    "strtrim": Signature((S,), S),
    "strltrim": Signature((S,), S),
    "strrtrim": Signature((S,), S),
    "strmatch": Signature((S, S), N),
    "real": Signature((S,), N),
    # dates
    "year": Signature((N,), N),
    "month": Signature((N,), N),
    "day": Signature((N,), N),
    "mdy": Signature((N, N, N), N),
    "dofc": Signature((N,), N),
    # numbers
    "int": Signature((N,), N),
    "round": Signature((N, N), N, least=1),
    "floor": Signature((N,), N),
    "ceil": Signature((N,), N),
    "abs": Signature((N,), N),
    "min": Signature((N,), N, rest=N),
    "max": Signature((N,), N, rest=N),
    "sqrt": Signature((N,), N),
    "ln": Signature((N,), N),
    "log10": Signature((N,), N),
    "exp": Signature((N,), N),
    # Stata functions leostata types but never pushes down (see translate.base.UNSUPPORTED)
    "regexm": Signature((S, S), N),
    "regexr": Signature((S, S, S), S),
    "regexs": Signature((N,), S),
    "ustrregexm": Signature((S, S, N), N, least=2),
    "ustrlower": Signature((S, S), S, least=1),
    "ustrupper": Signature((S, S), S, least=1),
    "stritrim": Signature((S,), S),
    "string": Signature((N, S), S, least=1),
    "strofreal": Signature((N, S), S, least=1),
    "date": Signature((S, S, N), N, least=2),
    "clock": Signature((S, S, N), N, least=2),
    "runiform": Signature((N, N), N, least=0),
    "rnormal": Signature((N, N), N, least=0),
    "sum": Signature((N,), N),
    "char": Signature((N,), S),
    "word": Signature((S, N), S),
    "subinstr": Signature((S, S, S, N), S),
    "strreverse": Signature((S,), S),
    "dow": Signature((N,), N),
    "doy": Signature((N,), N),
    "quarter": Signature((N,), N),
    "halfyear": Signature((N,), N),
    "week": Signature((N,), N),
    "mod": Signature((N, N), N),
    "sign": Signature((N,), N),
    "float": Signature((N,), N),
}

#: Older spellings Stata still accepts -> the canonical function.
ALIASES: dict[str, str] = {
    "mi": "missing", "lower": "strlower", "upper": "strupper", "trim": "strtrim",
    "ltrim": "strltrim", "rtrim": "strrtrim", "log": "ln",
}

#: Stata's argument limits for inlist(): reals, strings (help inlist()).
INLIST_MAX_REAL, INLIST_MAX_STRING = 250, 10


def canonical(name: str) -> str:
    """The canonical name of Stata function ``name`` (``mi`` -> ``missing``)."""
    return ALIASES.get(name, name)


# --- errors with carets ------------------------------------------------------------------------


def _error(cls, message: str, text: Optional[str], pos=None, hint: Optional[str] = None):
    """``cls(message)`` with a caret under ``text[pos]`` (and ``hint`` after it)."""
    from .errors import caret
    lines = []
    if text is not None and pos is not None and pos != (0, 0):
        lines.append(caret(text, pos[0], pos[1]))
    if hint:
        lines.append(hint)
    error = cls(message, hint="\n".join(lines) or None)
    if pos is not None:
        error.pos = pos
    return error


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


# --- names ---------------------------------------------------------------------------------


def stata_names(table: TableInfo) -> dict[str, str]:
    """SQL column name -> the Stata name a load gives it."""
    from .stata_types import stata_names as _names
    cols = [c.name for c in table.columns]
    return dict(zip(cols, _names(cols)))


class _Names:
    """A table's columns by Stata name, in table order."""

    def __init__(self, table: TableInfo):
        mapping = stata_names(table)
        self.columns = list(table.columns)
        self.names = [mapping[c.name] for c in self.columns]

    def one(self, name: str, text=None, pos=None) -> ColumnInfo:
        """Exact name, else the unique abbreviation (Stata's varabbrev)."""
        if name in self.names:
            return self.columns[self.names.index(name)]
        hits = [i for i, n in enumerate(self.names) if n.startswith(name)]
        if len(hits) == 1:
            return self.columns[hits[0]]
        if len(hits) > 1:
            shown = " ".join(self.names[i] for i in hits[:6])
            raise _error(NotFound, f"{name} ambiguous abbreviation", text, pos,
                         f"it abbreviates {shown}{' ...' if len(hits) > 6 else ''}")
        close = suggest(name, self.names)
        raise _error(NotFound, f"variable {name} not found", text, pos,
                     f"did you mean {close}?" if close else None)


#: Stata's system variables and the other reserved names that start with ``_``
#: [S16:_/_variables.sthlp, r/reswords.sthlp] -> what the name is, for messages.
#: No column can have one of these names (``stata_types`` renames ``_n`` to ``_n_``).
SYSTEM_NAMES = {
    "_n": "_n is Stata's observation number, not a variable",
    "_N": "_N is Stata's number of observations, not a variable",
    "_b": "_b[] holds the coefficients of the last estimation, not a variable",
    "_coef": "_coef[] holds the coefficients of the last estimation, not a variable",
    "_se": "_se[] holds the standard errors of the last estimation, not a variable",
    "_cons": "_cons is Stata's name for the constant term, not a variable",
    "_pi": "_pi is the number pi, not a variable",
    "_rc": "_rc is the return code of the last capture, not a variable",
    "_pred": "_pred is a name Stata reserves; no variable can have it",
    "_skip": "_skip is a name Stata reserves; no variable can have it",
    "_all": "_all means all variables in a varlist; it is not one variable",
}

#: How the system variables that have a value in an expression are refused there:
#: (what it is, how to do without it).  ``_pi`` and ``_cons`` are constants and are
#: kept (help _variables: "_cons is always equal to the number 1 when used directly";
#: "_pi contains the value of pi to machine precision").
_NOT_PUSHED_DOWN = {
    "_n": ("_n (the observation number)",
           "rows in a SQL table have no order, so they have no observation numbers; "
           "select observations by number with in #/# (with sort()), or load first "
           "and use _n in Stata"),
    "_N": ("_N (the number of observations)",
           "run leoload with the count option first and use r(N), or load first and "
           "use _N in Stata"),
    "_rc": ("_rc (the return code of Stata's last capture)",
            "copy it into a local first (local rc = _rc) and write `rc' instead"),
    "_b": ("_b[] (the results of the last estimation)",
           "store the value first (local b = _b[x]) and write `b' instead"),
    "_coef": ("_coef[] (the results of the last estimation)",
              "store the value first (local b = _coef[x]) and write `b' instead"),
    "_se": ("_se[] (the results of the last estimation)",
            "store the value first (local se = _se[x]) and write `se' instead"),
}


def _not_a_variable(name: str, names: _Names, text, pos, where: str = "") -> Exception:
    """r(198) "_n not allowed" for a reserved ``_`` name used as a variable."""
    hint = SYSTEM_NAMES[name]
    if name + "_" in names.names:
        hint += f"; the table's column {name} is loaded as {name}_"
    return _error(StataSyntaxError, f"{name} not allowed{where}", text, pos, hint)


def _token_and_pos(token) -> tuple[str, Optional[tuple[int, int]]]:
    if isinstance(token, str):
        return token, None
    return token[0], tuple(token[1]) if token[1] is not None else None


def _split_varlist(tokens) -> list:
    """Normalise a varlist: strings or (token, pos) pairs; a spaced range
    ``a - b`` (three tokens) becomes one ``a-b`` token."""
    items = [_token_and_pos(t) for t in tokens]
    out: list = []
    i = 0
    while i < len(items):
        tok, pos = items[i]
        if tok == "-" and out and i + 1 < len(items):
            first, fpos = out.pop()
            last, lpos = items[i + 1]
            span = (fpos[0], lpos[1]) if fpos and lpos else None
            out.append((f"{first}-{last}", span))
            i += 2
            continue
        out.append((tok, pos))
        i += 1
    return out


def resolve_varlist(tokens: Iterable, table: TableInfo, *, text: Optional[str] = None
                    ) -> list[ColumnInfo]:
    """Stata varlist tokens -> the table's columns, in the order given.

    ``tokens``: strings or ``(token, (start, end))`` pairs (``VarToken``).
    Each token is a name (exact, or a unique abbreviation), a pattern with
    ``*`` (any characters), ``?`` (one character) or ``~`` (like ``*`` but
    only one variable may match), or a range ``a-b`` (the columns from a to
    b in table order).  ``_all`` means every column.  A column named twice is
    kept once, at its first place.  Raises NotFound r(111) ("variable X not
    found" with a did-you-mean; "X ambiguous abbreviation") and StataSyntaxError
    r(198) for a range written backwards and for Stata's other reserved ``_``
    names ("_n not allowed": ``_n``, ``_N``, ``_b``, ``_cons``, ``_pi`` ... are
    never variables, so they are not read as abbreviations either).
    """
    names = _Names(table)
    out: list[ColumnInfo] = []
    for token, pos in _split_varlist(tokens):
        for col in _resolve_token(token, pos, names, text):
            if col not in out:
                out.append(col)
    return out


def _resolve_token(token: str, pos, names: _Names, text) -> list[ColumnInfo]:
    if token == "_all":  # help varlist: "the keyword _all to mean all variables"
        return list(names.columns)
    if token in SYSTEM_NAMES:
        raise _not_a_variable(token, names, text, pos)
    if "-" in token:
        first, last = token.split("-", 1)
        if any(ch in first + last for ch in "*?~"):
            raise _error(StataSyntaxError, f"{token}: wildcards are not allowed in a range",
                         text, pos)
        for end in (first, last):
            if end in SYSTEM_NAMES:
                raise _not_a_variable(end, names, text, pos, " in a range")
        a, b = names.one(first, text, pos), names.one(last, text, pos)
        ia, ib = names.columns.index(a), names.columns.index(b)
        if ia > ib:
            raise _error(StataSyntaxError, f"{token}: invalid range (variables out of order)",
                         text, pos, f"{first} comes after {last} in the table")
        return names.columns[ia:ib + 1]
    if any(ch in token for ch in "*?~"):
        pattern = re.compile("".join(
            ".*" if ch in "*~" else "." if ch == "?" else re.escape(ch) for ch in token),
            re.DOTALL)
        hits = [c for c, n in zip(names.columns, names.names) if pattern.fullmatch(n)]
        if not hits:
            raise _error(NotFound, f"variable {token} not found", text, pos)
        if "~" in token and len(hits) > 1:
            raise _error(NotFound, f"{token} ambiguous abbreviation", text, pos)
        return hits
    return [names.one(token, text, pos)]


# --- type checking -------------------------------------------------------------------------

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
    checker = _Checker(_Names(table), text)
    with deep_recursion():
        return checker.check(node)


class _Checker:
    def __init__(self, names: _Names, text: Optional[str]):
        self.names = names
        self.text = text

    def mismatch(self, node: Node, hint: Optional[str] = None):
        return _error(TypeMismatch, "type mismatch", self.text, node.pos, hint)

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
                raise _error(Untranslatable,
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
        if node.name in _NOT_PUSHED_DOWN:
            what, hint = _NOT_PUSHED_DOWN[node.name]
            raise _error(Untranslatable, f"{what} cannot be pushed down to the server",
                         self.text, node.pos, hint)
        raise _not_a_variable(node.name, self.names, self.text, node.pos, " in an expression")

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
        sig = SIGNATURES.get(name)
        if sig is None:
            raise _error(UnknownFunction, f"unknown function {node.name}()", self.text, node.pos)
        args = [self.check(a) for a in node.args]
        n = len(args)
        most = sig.most if sig.most is not None else (None if sig.rest else len(sig.args))
        if n < sig.minimum or (most is not None and n > most):
            want = (f"{sig.minimum}" if most == sig.minimum else
                    f"at least {sig.minimum}" if most is None else f"{sig.minimum} to {most}")
            raise _error(StataSyntaxError, "invalid syntax", self.text, node.pos,
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
                raise _error(ExpressionTooLong, "expression too long", self.text, node.pos,
                             f"inlist() takes at most {limit} arguments with "
                             f"{'strings' if limit == INLIST_MAX_STRING else 'numbers'} "
                             f"(Stata's limit), not {n}; split it into several inlist()")
        return replace(node, args=tuple(args), stype=stype)


# --- options --------------------------------------------------------------------------------


def find_option(typed: str, text: Optional[str] = None, pos=None) -> OptionSpec:
    """The option ``typed`` names (full name or allowed abbreviation);
    StataSyntaxError r(198) "option X not allowed" otherwise."""
    for spec in OPTIONS:
        if spec.matches(typed):
            return spec
    for spec in OPTIONS:
        if spec.name.startswith(typed) and typed:
            raise _error(StataSyntaxError, f"option {typed} not allowed", text, pos,
                         f"abbreviate {spec.name}() to at least "
                         f"{spec.name[:spec.minimum]}")
    raise _error(StataSyntaxError, f"option {typed} not allowed", text, pos,
                 "leoload options: " + " ".join(s.name for s in OPTIONS))


def _varlist_tokens(text: str, start: int, end: int) -> list:
    """Whitespace-separated tokens of ``text[start:end]`` with their spans."""
    return [(m.group(0), (start + m.start(), start + m.end()))
            for m in re.finditer(r"\S+", text[start:end])]


def _parse_options(command, table: TableInfo) -> dict:
    """Command options -> {full name: parsed value} (see OPTIONS)."""
    from .expr.command import split_positional_and_options
    text = command.text
    values: dict = {}
    for opt in command.options:
        spec = find_option(opt.name, text, opt.pos)
        if spec.name in values:
            raise _error(StataSyntaxError, f"option {spec.name}() specified twice", text, opt.pos)
        if spec.kind == FLAG:
            if opt.args is not None:
                raise _error(StataSyntaxError, f"option {spec.name}() not allowed", text, opt.pos,
                             f"{spec.name} takes no argument")
            values[spec.name] = True
            continue
        if not opt.args:
            raise _error(StataSyntaxError, f"option {spec.name}() required", text, opt.pos,
                         spec.help)
        a, b = opt.args_pos
        if spec.kind == INTEGER:
            values[spec.name] = _integer(opt.args, spec.name, 0, None, text, opt.args_pos)
        elif spec.kind == VARLIST:
            values[spec.name] = resolve_varlist(_varlist_tokens(text, a, b), table, text=text)
        elif spec.kind == CLIST:
            values[spec.name] = opt.args
        elif spec.kind == SAMPLE:
            number, npos, subs = split_positional_and_options(text, a, b)
            percent = _number(number, "sample", text, npos)
            if not 0 < percent <= 100:
                raise _error(StataSyntaxError, "sample(): # must be greater than 0 and at most 100",
                             text, npos)
            seed = DEFAULT_SEED
            for sub in subs:
                if not ("seed".startswith(sub.name) and len(sub.name) >= 4):
                    raise _error(StataSyntaxError, f"option {sub.name} not allowed", text,
                                 sub.pos, "sample(# [, seed(#)])")
                seed = _integer(sub.args or "", "seed", 0, MAX_SEED, text, sub.args_pos or sub.pos)
            values[spec.name] = (percent, seed)
        elif spec.kind == FRAME:
            name, npos, subs = split_positional_and_options(text, a, b)
            from .stata_types import is_valid_name
            if not is_valid_name(name):
                raise _error(StataSyntaxError, f"{name or '()'} invalid frame name", text, npos)
            replace_ = False
            for sub in subs:
                if sub.name != "replace" or sub.args is not None:
                    raise _error(StataSyntaxError, f"option {sub.name} not allowed", text,
                                 sub.pos, "frame(name [, replace])")
                replace_ = True
            values[spec.name] = {"name": name, "replace": replace_}
        else:  # pragma: no cover - a row added to OPTIONS without a parser
            raise StataSyntaxError(f"option {spec.name}() is not handled")
    for name in _COLLAPSE_ONLY:
        if name in values and "collapse" not in values:
            raise _error(StataSyntaxError, f"option {name}() requires collapse()", text,
                         next(o.pos for o in command.options if find_option(o.name).name == name))
    return values


def _number(raw: str, what: str, text, pos) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _error(StataSyntaxError, f"{what}(): '{raw}' found where number expected",
                     text, pos) from None
    if not math.isfinite(value):
        raise _error(StataSyntaxError, f"{what}(): '{raw}' found where number expected", text, pos)
    return value


def _integer(raw: str, what: str, low: int, high: Optional[int], text, pos) -> int:
    if not re.fullmatch(r"\s*-?[0-9]+\s*", raw or ""):
        raise _error(StataSyntaxError, f"{what}(): '{raw}' found where integer expected",
                     text, pos)
    value = int(raw)
    if value < low or (high is not None and value > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise _error(StataSyntaxError, f"{what}(): # must be at least {low}{upper}", text, pos)
    return value


# --- the plan -------------------------------------------------------------------------------


def plan_load(command, catalog) -> Plan:
    """``leoload TABLE [varlist] [if] [in] [, options]`` -> a validated Plan.

    ``command``: an ``expr.command.Command`` or the command text;
    ``catalog``: a ``Catalog`` (anything with ``table(name) -> TableInfo``).
    An empty varlist means every column.  ``in`` needs a row order: the
    ``sort()`` option, else the table's key from the catalog; without either
    it is refused (Untranslatable r(5104)).  ``sample()`` needs the table's
    person key.  ``collapse()`` is validated by ``collapse.build_spec``.
    """
    if isinstance(command, str):
        from .expr.command import parse_command
        command = parse_command(command)
    text = command.text
    try:
        table = catalog.table(command.table)
    except NotFound as exc:
        raise _error(NotFound, exc.message, text, command.table_pos, exc.hint) from None
    names = stata_names(table)

    columns = resolve_varlist(command.varlist, table, text=text) or list(table.columns)
    where = None
    if command.if_expr is not None:
        where = check_expression(command.if_expr, table, text=text)
        if where.stype != "num":
            raise _error(TypeMismatch, "type mismatch", text, command.if_pos,
                         "the if condition must be numeric (a string is neither true nor false)")
    options = _parse_options(command, table)

    order_by = list(options.get("sort") or [])
    if not order_by and table.key:
        order_by = [_key_column(table, k) for k in table.key]

    in_range = command.in_range
    if in_range is not None and not order_by:
        raise _error(Untranslatable, f"in {_range_text(in_range)}: table {table.name} has no row order",
                     text, command.in_pos,
                     "a SQL table has no order of its own, so the observations "
                     f"numbered {_range_text(in_range)} would change from run to run; "
                     "add sort(varlist) to say which order to count in")

    sample = None
    if "sample" in options:
        percent, seed = options["sample"]
        if not table.person_key:
            pos = next(o.pos for o in command.options if find_option(o.name).name == "sample")
            raise _error(Untranslatable, f"sample(): table {table.name} has no person key",
                         text, pos, "leostata samples persons: the catalog names no person "
                                    "key for this table")
        key = _key_column(table, table.person_key)
        if key.sql_type.kind not in ("int8", "uint8", "int16", "int32", "int64", "string") and not (
                key.sql_type.kind == "decimal" and (key.sql_type.scale or 0) == 0):
            raise Untranslatable(f"sample(): the person key {key.name} ({key.sql_type.raw}) "
                                 "is neither an integer nor a string")
        sample = Sample(percent=percent, seed=seed, key=key)

    plan = Plan(table=table, columns=columns, where=where, in_range=in_range,
                order_by=order_by, sample=sample, count_only=bool(options.get("count")),
                options=options, text=text)
    plan.outputs = [OutputColumn(name=names[c.name], source=c.name, sql_type=c.sql_type,
                                 label=c.description) for c in columns]
    if "collapse" in options:
        plan.collapse = _collapse_spec(command, plan, names)
        plan.outputs = list(plan.collapse.outputs())
    return plan


def _collapse_spec(command, plan: Plan, names: dict):
    """Build the collapse spec (``collapse.build_spec``) from the options."""
    from .collapse import build_spec
    from .expr.command import parse_clist
    opt = next(o for o in command.options if find_option(o.name).name == "collapse")
    items = parse_clist(command.text, *opt.args_pos)
    lookup = _Names(plan.table)

    def resolve(token, pos):
        return _resolve_token(token, pos, lookup, command.text)

    return build_spec(items, plan.options.get("by", []), bool(plan.options.get("cw")),
                      order_columns=plan.order_by or None, table=plan.table, resolve=resolve,
                      stata_name=lambda c: names.get(c.name, c.name), text=command.text)


def _key_column(table: TableInfo, name: str) -> ColumnInfo:
    col = table.column(name)
    if col is None:
        raise NotFound(f"the catalog names {name} as a key of {table.name}, but the table has "
                       "no such column")
    return col


def _range_text(in_range: tuple[int, int]) -> str:
    def one(v: int) -> str:
        return "l" if v == -1 else str(v)
    first, last = in_range
    return one(first) if first == last else f"{one(first)}/{one(last)}"
