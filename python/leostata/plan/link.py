"""``link``: follow the LEO link graph (``leostata.links``) from the person key
of the loaded data to the person key of another table, inside ``merge()``
or ``cohort()``::

    merge(m:1 [key[=key]] using TABLE, link[(refuse|drop|all)] ...)
    cohort([key[=key]] using TABLE [if exp], link[(refuse|drop|all)])

Without keys, the graph chooses the key columns of both tables (the pair
with the fewest lookups; a tie is refused); with ``a=b`` the graph gives the
key type of each column.  The lookups between them (PMR -> AE_ID -> EDUKEY,
RECORDID -> AE_ID -> EDUKEY) give the pairs (loaded key, other key) a
person's rows can be matched through.

What a match means: a loaded row matches the rows of the other table whose
key one of its person's pairs reaches.  A person the lookups do not reach
(or with a missing key) matches nothing -- unlike a plain merge key, missing
does not match missing through a link.  Only the keys present in the other
table (in its rows where the cohort's ``if`` holds) count as reached, so a
person "links to more than one key" only when the join would really give
it more than one partner.  Then the rule decides:

* ``refuse`` (the default): stop before anything is fetched, saying how many
  persons link to more than one key (r(459));
* ``drop``: such persons are treated as not reached (their rows stay
  master-only in a merge, outside a cohort);
* ``all``: keep every pair; in a merge the person's rows repeat once per key
  reached (a warning says for how many persons).

Counted on the server before the load, reported and returned in r():
persons of the loaded data (distinct keys), reached once, not reached, and
reached more than once.  One link per command, so r() means one thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..catalog import ColumnInfo, TableInfo
from ..errors import NotFound, StataSyntaxError, Untranslatable, located

DEFAULT_RULE = "refuse"
RULE_WORDS = ("refuse", "drop", "all")


@dataclass(frozen=True)
class LinkStep:
    """One lookup walked: its ``table`` joins the current key on ``source``
    and gives the next key in ``target``."""

    table: TableInfo
    source: ColumnInfo
    target: ColumnInfo


@dataclass(frozen=True)
class Link:
    """A validated ``link``: from ``loaded_key`` (a column of the loaded or
    master data) through ``steps`` to ``other_key`` (a column of
    ``other_table``, the using or cohort table), under ``rule``; ``path`` is
    the chain as text."""

    rule: str
    loaded_key: ColumnInfo
    other_key: ColumnInfo
    other_table: TableInfo
    steps: tuple[LinkStep, ...]
    path: str


def read_rule(sub, text: str) -> str:
    """``link`` or ``link(rule)`` -> the rule (r(198) for another word)."""
    if sub.args is None or not sub.args.strip():
        return DEFAULT_RULE
    word = sub.args.strip().lower()
    if word not in RULE_WORDS:
        raise located(StataSyntaxError, f"link({sub.args.strip()}) invalid", text, sub.args_pos,
                      "link(refuse), link(drop) or link(all): what to do with a person who "
                      "links to more than one key (see help leoload, Link paths)")
    return word


def build_link(rule: str, loaded: TableInfo, other: TableInfo, keys, catalog, graph,
               text: str, pos, loaded_name: Optional[str] = None) -> Link:
    """The link from ``loaded`` to ``other`` (``keys``: [] or one
    (loaded column, other column) pair) through ``graph`` (a
    ``links.LinkGraph``); lookup tables resolved in ``catalog``.
    ``loaded_name`` is the table the graph knows the loaded data by."""
    if graph is None:
        raise located(Untranslatable, "link: no link graph available", text, pos)
    table_name = loaded_name or loaded.name
    try:
        if keys:
            if len(keys) != 1:
                raise located(StataSyntaxError, "link takes one key", text, pos,
                              "a link follows one person key: name it as loaded=other, or "
                              "name none and let the link graph choose")
            (lcol, ocol), = keys
            from_key = graph.key_of(table_name, lcol.name)
            to_key = graph.key_of(other.name, ocol.name)
            for col, key, name in ((lcol, from_key, table_name), (ocol, to_key, other.name)):
                if key is None:
                    raise NotFound(f"link: the link graph does not say which person key "
                                   f"{col.name} of {name} carries",
                                   hint="leodescribe, links lists the graph; a site file "
                                        "(LEOSTATA_LINKS) can add the column")
            steps = graph.path(from_key, to_key)
        else:
            route = graph.route(table_name, other.name, [c.name for c in loaded.columns],
                                [c.name for c in other.columns])
            lcol = _column(loaded, route.from_column, table_name)
            ocol = _column(other, route.to_column, other.name)
            from_key, to_key, steps = route.from_key, route.to_key, list(route.steps)
    except (NotFound, Untranslatable) as exc:
        raise located(type(exc), exc.message, text, pos, exc.hint) from None
    if lcol.sql_type.is_string != ocol.sql_type.is_string and not steps:
        raise located(Untranslatable, f"link: {lcol.name} and {ocol.name} differ in type", text,
                      pos)
    resolved = []
    for step in steps:
        table = _lookup_table(catalog, step, text, pos)
        resolved.append(LinkStep(table, _column(table, step.from_column, table.name),
                                 _column(table, step.to_column, table.name)))
    chain = " -> ".join([from_key] + [s.to_key for s in steps]) if steps else from_key
    return Link(rule=rule, loaded_key=lcol, other_key=ocol, other_table=other,
                steps=tuple(resolved),
                path=f"{lcol.name} ({chain}) {ocol.name}")


def _column(table: TableInfo, name: str, shown: str) -> ColumnInfo:
    col = table.column(name)
    if col is None:
        col = next((c for c in table.columns if c.name.lower() == name.lower()), None)
    if col is None:
        raise NotFound(f"link: the link graph names column {name} of {shown}, which has no "
                       "such column", hint="a site file (LEOSTATA_LINKS) can correct the graph")
    return col


def _lookup_table(catalog, step, text, pos) -> TableInfo:
    """The lookup table of ``step``: its graph name, else its further names."""
    for name in (step.lookup, *step.also):
        if any(c in name for c in "*?"):
            continue
        try:
            return catalog.table(name)
        except NotFound:
            continue
    raise located(NotFound, f"link: lookup table {step.lookup} not found", text, pos,
                  "the link graph names a lookup this database does not have; a site file "
                  "(LEOSTATA_LINKS) can name it")
