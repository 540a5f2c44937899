"""leostata's own SQLAlchemy constructs: SQL that differs between databases.

One construct, :class:`Sql`, covers every such place.  ``Sql(key, *args,
type_=..., consts=...)`` is an expression whose text is looked up, when the
statement is compiled, in the ``SQL`` table of the dialect it is compiled
for (``translate/<dialect>.py``): either a format string with ``{0}``,
``{1}``... for the compiled arguments (and ``{name}`` for Python constants
given in ``consts``), or a function ``(args: list[str], consts: dict) -> str``
for the few shapes a format string cannot express (varargs, nested
REPLACE...).  Each table starts from ``COMMON_SQL`` (the entries most
databases write alike) and the date conversions of ``dates``.  So each
database's differences stay data in its own module, and the same expression
tree compiles to each dialect's text.

Rules for table entries: the text must be self-delimiting (a function call,
CASE ... END, or wrapped in parentheses), so it can be used as an operand
anywhere; arguments that are themselves operator expressions arrive already
in parentheses.

Everything else in a statement is SQLAlchemy's generic Core (CASE, CAST,
comparisons, IN, bind parameters), which SQLAlchemy's own dialect compilers
render.
"""

from __future__ import annotations

from typing import Callable, Mapping, Union

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import elements
from sqlalchemy.sql.functions import FunctionElement

Entry = Union[str, Callable[[list, dict], str]]

#: dialect name -> its SQL table (filled by the dialect modules).
TABLES: dict[str, Mapping[str, Entry]] = {}

ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ASCII_LOWER = ASCII_UPPER.lower()


def varargs(fn: str) -> Entry:
    """An entry for ``fn(a, b, ...)`` with any number of arguments."""
    return lambda args, consts: f"{fn}({', '.join(args)})"


#: Entries that three of the four databases, or PostgreSQL and DuckDB (whose
#: SQL follows PostgreSQL's), write alike.  Each dialect's table starts from
#: these and replaces the ones it writes differently; every other entry is
#: in the dialect tables only.
COMMON_SQL: dict[str, Entry] = {
    "bool_to_int": "CAST({0} AS INTEGER)",
    "nullif_zero": "NULLIF({0}, 0)",
    "coalesce_str": "COALESCE({0}, '')",
    "floor": "FLOOR({0})",
    "ceil": "CEIL({0})",
    "trunc": "TRUNC({0})",
    "abs": "ABS({0})",
    "sign": "SIGN({0})",
    "sqrt": "SQRT({0})",
    "ln": "LN({0})",
    "log10": "LOG10({0})",
    "exp": "EXP({0})",
    "power": "POWER({0}, {1})",
    "date_from_days": "(DATE '1960-01-01' + {0})",
    "make_date": "MAKE_DATE({0}, {1}, {2})",
    "date_const": "DATE '{v}'",
    "lower_ascii": f"TRANSLATE({{0}}, '{ASCII_UPPER}', '{ASCII_LOWER}')",
    "upper_ascii": f"TRANSLATE({{0}}, '{ASCII_LOWER}', '{ASCII_UPPER}')",
    "ltrim": "LTRIM({0}, ' ')",
    "rtrim": "RTRIM({0}, ' ')",
    "least": varargs("LEAST"),
    "greatest": varargs("GREATEST"),
    "count_all": "COUNT(*)",
}


class Sql(FunctionElement):
    """A dialect-specific SQL fragment named ``key`` (see the module doc)."""

    inherit_cache = False  # the key and constants are not part of a cache key
    _allow_label_resolve = False

    def __init__(self, key: str, *args, type_=None, consts: Mapping | None = None):
        self.key_name = key
        self.consts = dict(consts or {})
        super().__init__(*args)
        if type_ is not None:
            self.type = type_

    @property
    def name(self) -> str:  # used by SQLAlchemy only in repr/anonymous labels
        return f"leo_{self.key_name}"


class MissingEntry(KeyError):
    """Raised when a dialect's table has no entry for a key (a bug: the
    translator checks availability before building the construct)."""


def entry(dialect: str, key: str) -> Entry:
    table = TABLES.get(dialect)
    if table is None or key not in table:
        raise MissingEntry(f"no SQL for {key!r} on {dialect}")
    return table[key]


def has_entry(dialect: str, key: str) -> bool:
    return key in TABLES.get(dialect, {})


#: Elements whose SQL delimits itself (a name, a value, a call, CAST,
#: CASE, parentheses); anything else is put in parentheses when used inside
#: a template or under COLLATE.
SELF_DELIMITING = (elements.ColumnClause, elements.BindParameter, FunctionElement,
                   elements.Cast, elements.Case, elements.Grouping, elements.Null,
                   elements.Label, elements.TextClause)


def is_atomic(element) -> bool:
    return isinstance(element, SELF_DELIMITING)


def _arg(compiler, arg, **kw) -> str:
    text = compiler.process(arg, **kw)
    return text if is_atomic(arg) else f"({text})"


@compiles(Sql)
def _compile_sql(element: Sql, compiler, **kw) -> str:
    spec = entry(compiler.dialect.name, element.key_name)
    args = [_arg(compiler, a, **kw) for a in element.clauses]
    if callable(spec):
        return spec(args, element.consts)
    return spec.format(*args, **element.consts)


# --- size of the SQL an expression compiles to ---------------------------------------------

_REPEATS: dict = {}


def repeats(dialect: str, element: Sql) -> list[int]:
    """How many times each argument of ``element`` appears in its text."""
    key = (dialect, element.key_name, len(element.clauses))
    if key not in _REPEATS:
        spec = entry(dialect, element.key_name)
        marks = [f"\x00{i}\x00" for i in range(len(element.clauses))]
        text = spec(marks, element.consts) if callable(spec) else spec.format(
            *marks, **element.consts)
        _REPEATS[key] = [max(text.count(m), 1) for m in marks]
    return _REPEATS[key]


def sql_size(element, dialect: str, _memo: dict | None = None) -> int:
    """The number of SQL terms ``element`` renders to on ``dialect``.  A
    shared sub-expression is rendered at each use, and a construct whose
    text names an argument twice renders it twice, so nesting such
    constructs grows the text geometrically; this counts it without
    rendering."""
    memo = {} if _memo is None else _memo
    found = memo.get(id(element))
    if found is not None:
        return found
    if isinstance(element, Sql):
        size = 1 + sum(r * sql_size(a, dialect, memo)
                       for r, a in zip(repeats(dialect, element), element.clauses))
    else:
        size = 1 + sum(sql_size(c, dialect, memo) for c in element.get_children())
    memo[id(element)] = size
    return size


def case_depth(element, dialect: str, _memo: dict | None = None) -> int:
    """How deeply CASE expressions nest in ``element`` (SQL Server allows 10)."""
    memo = {} if _memo is None else _memo
    found = memo.get(id(element))
    if found is not None:
        return found
    own = 1 if isinstance(element, elements.Case) else 0
    if isinstance(element, Sql):
        spec = entry(dialect, element.key_name)
        text = spec if isinstance(spec, str) else spec(["x"] * len(element.clauses),
                                                        element.consts)
        own = text.upper().count("CASE WHEN")
        children = list(element.clauses)
    else:
        children = list(element.get_children())
    depth = own + max((case_depth(c, dialect, memo) for c in children), default=0)
    memo[id(element)] = depth
    return depth
