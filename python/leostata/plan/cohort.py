"""``cohort()``: keep the rows whose key appears in another table, under a
condition there -- a semi-join, so rows are never duplicated.

Grammar (``cohort()`` may be given several times; a row must be in each)::

    cohort(KEY [KEY ...] using TABLE [if exp] [, link[(refuse|drop|all)]])

    KEY   a variable of the loaded data (after any merge()), or
          loaded=cohort when the key is called differently in TABLE; with
          ``link`` at most one, or none (the link graph chooses: ``plan.link``)
    exp   a condition on TABLE's variables, with leoload's if rules

What it means in Stata's own terms: with ``c.dta`` made by
``use TABLE if exp`` / ``keep KEYS`` / ``duplicates drop``, the rows loaded
are those ``merge m:1 KEYS using c, keep(match) nogenerate`` would keep.
So keys match as ``merge`` matches them (missing matches missing, strings
exactly), the loaded variables are unchanged and no variable is added.  It
restricts the rows as ``if`` does: after ``merge()``, before ``collapse()``,
and ``in`` still counts the rows before it.

``build_cohort`` returns a ``Cohort``; ``translate.join.cohort_condition``
writes its ``EXISTS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import ColumnInfo, TableInfo
from ..errors import NotFound, StataSyntaxError, VariableTypeMismatch, located
from .merge import IF_WORD, check_key_type, using_condition
from .varlist import Names, stata_names

GRAMMAR = "cohort(key using table [if exp] [, link])"


@dataclass
class Cohort:
    """A validated ``cohort()``: ``table`` (the cohort's table), ``keys`` as
    (loaded column, cohort column) pairs, ``where`` (the typed condition on
    ``table``, or None)."""

    table: TableInfo
    keys: list[tuple[ColumnInfo, ColumnInfo]]
    where: Optional[object] = None
    link: Optional[object] = None  # plan.link.Link: keys matched through the link graph

    @property
    def loaded_keys(self) -> list[ColumnInfo]:
        """The loaded data's key columns (with a link: its person key)."""
        return [self.link.loaded_key] if self.link is not None else [k for k, _ in self.keys]


def cohort_options(command, find_option) -> list:
    """The ``cohort()`` options of ``command``, in the order typed."""
    return [o for o in command.options
            if find_option(o.name, command.text, o.pos).name == "cohort"]


def build_cohort(option, loaded: TableInfo, catalog, text: str, graph=None) -> Cohort:
    """Parse ``cohort(...)`` against the loaded data and the catalog;
    ``graph()`` gives the link graph (called only for a ``link``)."""
    from ..expr.command import split_positional_and_options
    if not option.args:
        raise located(StataSyntaxError, "option cohort() required", text, option.pos, GRAMMAR)
    _, (a, b), subs = split_positional_and_options(text, *option.args_pos)
    linked = None
    for sub in subs:
        if not ("link".startswith(sub.name) and len(sub.name) >= 4) or linked is not None:
            raise located(StataSyntaxError, f"cohort(): option {sub.name} not allowed", text,
                          sub.pos, "cohort(key using table [if exp] [, link[(rule)]])")
        linked = sub
    body = text[a:b]
    cut = IF_WORD.search(body)
    head_end = a + cut.start() if cut else b
    words = [(m.group(0), (a + m.start(), a + m.end()))
             for m in re.finditer(r"\S+", text[a:head_end])]
    names = [w for w, _ in words]
    if "using" not in names:
        raise located(StataSyntaxError, "using required", text, option.args_pos, GRAMMAR)
    at = names.index("using")
    if at == 0 and linked is None:
        raise located(StataSyntaxError, "varlist required", text, words[0][1],
                      "name the key variables first: cohort(Edukey using table if ...)")
    if len(words) != at + 2:
        where = words[at + 2][1] if len(words) > at + 2 else words[at][1]
        raise located(StataSyntaxError, "one using table required", text, where, GRAMMAR)
    cname, cpos = words[at + 1]
    try:
        table = catalog.table(cname)
    except NotFound as exc:
        raise located(NotFound, exc.message, text, cpos, exc.hint) from None

    l_lookup, c_lookup = Names(loaded), Names(table)
    loaded_names = stata_names(loaded)
    keys: list[tuple[ColumnInfo, ColumnInfo]] = []
    for word, pos in words[:at]:
        lword, eq, cword = word.partition("=")
        if not lword or (eq and not cword):
            raise located(StataSyntaxError, f"{word}: key must be a name or loaded=cohort",
                          text, pos)
        lcol = l_lookup.one(lword, text, pos)
        try:
            ccol = c_lookup.one(cword or lword, text, pos)
        except NotFound:
            raise located(NotFound, f"variable {cword or lword} not found in {table.name}", text,
                          pos, "for a key named differently there, write loaded=cohort") from None
        if any(lcol == k for k, _ in keys):
            raise located(StataSyntaxError, f"{word}: key named twice", text, pos)
        if lcol.sql_type.is_string != ccol.sql_type.is_string and linked is None:
            raise located(VariableTypeMismatch,
                          f"key variable {loaded_names[lcol.name]} is "
                          f"{'string' if lcol.sql_type.is_string else 'numeric'} in the loaded "
                          f"data but {'string' if ccol.sql_type.is_string else 'numeric'} in "
                          f"{table.name}", text, pos, "a string key cannot match a numeric one")
        check_key_type(lcol, text, pos, "cohort()")
        check_key_type(ccol, text, pos, "cohort()")
        keys.append((lcol, ccol))

    where = None
    if cut:
        where = using_condition(text, a + cut.end(), b, table, (a + cut.start(), b), "cohort")
    link = None
    if linked is not None:
        from .link import build_link, read_rule
        link = build_link(read_rule(linked, text), loaded, table, keys, catalog,
                          graph() if callable(graph) else graph, text, linked.pos)
        keys = []
    return Cohort(table=table, keys=keys, where=where, link=link)
