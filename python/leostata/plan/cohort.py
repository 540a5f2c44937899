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
from ..errors import StataSyntaxError, located
from .keys import IF_WORD, key_pairs, other_table, using_condition

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
    table = other_table(words, at, catalog, text, GRAMMAR)
    keys = key_pairs(words[:at], loaded, table, text, option="cohort()", pair="loaded=cohort",
                     left_place="the loaded data", right_place=table.name,
                     missing_hint="for a key named differently there, write loaded=cohort",
                     linked=linked is not None)

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
