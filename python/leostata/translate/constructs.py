"""leostata's own SQLAlchemy constructs: SQL that differs between databases.

One construct, :class:`Sql`, covers every such place.  ``Sql(key, *args,
type_=..., consts=...)`` is an expression whose text is looked up, when the
statement is compiled, in the ``SQL`` table of the dialect it is compiled
for (``translate/<dialect>.py``): either a format string with ``{0}``,
``{1}``... for the compiled arguments (and ``{name}`` for Python constants
given in ``consts``), or a function ``(args: list[str], consts: dict) -> str``
for the few shapes a format string cannot express (varargs, nested
REPLACE...).  So each database's differences stay data in its own module,
and the same expression tree compiles to each dialect's text.

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


_NEEDS_PARENS = (elements.BinaryExpression, elements.UnaryExpression,
                 elements.BooleanClauseList, elements.ClauseList)


def _arg(compiler, arg, **kw) -> str:
    if isinstance(arg, _NEEDS_PARENS):
        return f"({compiler.process(arg, **kw)})"
    return compiler.process(arg, **kw)


@compiles(Sql)
def _compile_sql(element: Sql, compiler, **kw) -> str:
    spec = entry(compiler.dialect.name, element.key_name)
    args = [_arg(compiler, a, **kw) for a in element.clauses]
    if callable(spec):
        return spec(args, element.consts)
    return spec.format(*args, **element.consts)
