"""A ``link`` (``plan.link.Link``) in SQL: the pairs (loaded key, other key)
the lookups give, the rule applied, and the persons counted.

``link_pairs(link, tr, base, reached)`` is a derived table ``leo_pairs`` with
columns ``leo_from`` (the loaded data's key, as Stata holds it) and
``leo_to`` (the other table's key), one row per distinct pair::

    SELECT <l1.source> AS leo_from, <lN.target> AS leo_to
    FROM lookup1 AS leo_l1 JOIN lookup2 AS leo_l2 ON <l1.target = l2.source> ...
    WHERE <both ends present> AND EXISTS (<other table has leo_to>)
    GROUP BY <leo_from>, <leo_to>          -- exact keys (aggregate._key)

Keys match exactly (bytes, case, trailing blanks) and a missing key
(NULL, "", .) reaches nothing.  ``reached(to_column)`` is the condition
"the other table holds this key" (for a cohort, in its rows where its if
holds): a pair counts only when it leads somewhere.  With the rule
``drop`` only the persons with one pair remain.

``link_counts(link, tr, base, loaded, reached)``: one row, the persons
(distinct present keys) of the loaded data, and how many reach no key, one
key, more than one.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import sqlalchemy as sa

from ..catalog import ColumnInfo
from .aggregate import _key
from .base import _int

FROM, TO, N = "leo_from", "leo_to", "leo_n"


def strict(col: ColumnInfo, name: str | None = None) -> ColumnInfo:
    """``col`` as a key that never matches when missing (NULL is no key)."""
    return dataclasses.replace(col, name=name or col.name, nullable=False)


def present(tr, col: ColumnInfo, sql):
    """The key ``sql`` is not missing (not NULL; for strings not "")."""
    if col.sql_type.is_string:
        return tr.is_empty(tr.column_str(col, sql)).negated().sql()
    return sql.is_not(None)


def _keyed(sql, col: ColumnInfo, dialect: str, name: str) -> list:
    """The exact key columns of ``sql`` labelled ``name`` (and ``name_x``,
    SQL Server's blank-padding-proof companion)."""
    key, exact = _key(sql, col.sql_type, dialect)
    out = [key.label(name)]
    if exact is not None:
        out.append(exact.label(f"{name}_x"))
    return out


def _same(a, b, name: str) -> list:
    """Equal exact keys ``name`` in derived tables ``a`` and ``b``."""
    terms = [a.c[name] == b.c[name]]
    if f"{name}_x" in a.c:
        terms.append(a.c[f"{name}_x"] == b.c[f"{name}_x"])
    return terms


def link_pairs(link, tr, base: Callable, reached: Callable, alias: str = "leo_pairs"):
    """The pairs (see the module doc) as the derived table ``alias``."""
    d = tr.dialect
    if link.steps:
        tables = [base(s.table, unique_columns([s.source, s.target]), f"leo_l{i}")
                  for i, s in enumerate(link.steps, 1)]
        first, last = link.steps[0], link.steps[-1]
        start, end = tables[0].c[first.source.name], tables[-1].c[last.target.name]
        frm = tables[0]
        for (prev, pstep), (cur, step) in zip(zip(tables, link.steps), zip(tables[1:],
                                                                         link.steps[1:])):
            frm = frm.join(cur, tr.key_match(strict(pstep.target), prev.c[pstep.target.name],
                                             strict(step.source), cur.c[step.source.name]))
        conditions = [present(tr, first.source, start), present(tr, last.target, end)]
        from_col, to_col = first.source, last.target
    else:  # the same key on both sides: each present key reaches itself
        t = base(link.other_table, [link.other_key], "leo_l1")
        start = end = t.c[link.other_key.name]
        frm, conditions = t, [present(tr, link.other_key, start)]
        from_col = to_col = link.other_key
    keyed_from = _keyed(start, from_col, d, FROM)
    keyed_to = _keyed(end, to_col, d, TO)
    inner = (sa.select(*keyed_from, *keyed_to).select_from(frm)
             .where(*conditions, reached(strict(to_col, TO), end))
             .group_by(*[c.element for c in keyed_from + keyed_to]))
    pairs = inner.subquery(f"{alias}_all")
    if link.rule != "drop":
        return pairs
    counted = _per_person(pairs, f"{alias}_n")
    one = (sa.select(*[pairs.c[c.name] for c in keyed_from + keyed_to])
           .select_from(pairs.join(counted, sa.and_(*_same(pairs, counted, FROM))))
           .where(counted.c[N] == _int(1)))
    return one.subquery(alias)


def _per_person(pairs, alias: str):
    """Pairs per loaded key: columns leo_from(, leo_from_x), leo_n."""
    cols = [pairs.c[FROM]] + ([pairs.c[f"{FROM}_x"]] if f"{FROM}_x" in pairs.c else [])
    return sa.select(*cols, sa.func.count().label(N)).group_by(*cols).subquery(alias)


def match_pairs(link, tr, loaded_sql, pairs):
    """The loaded row's key (``loaded_sql``) is the pairs' ``leo_from``."""
    return tr.key_match(link.loaded_key, loaded_sql, strict(link.loaded_key, FROM),
                        pairs.c[FROM])


def link_counts(link, tr, base: Callable, loaded: Callable, reached: Callable) -> sa.Select:
    """One row: persons, not reached, reached once, reached more than once
    (``loaded(columns, alias)`` reads the loaded data)."""
    d = tr.dialect
    counting = dataclasses.replace(link, rule="all")
    pairs = link_pairs(counting, tr, base, reached, "leo_cpairs")
    per = _per_person(pairs, "leo_per")
    src = loaded([link.loaded_key], "leo_p0")
    key = src.c[link.loaded_key.name]
    keyed = _keyed(key, link.loaded_key, d, FROM)
    persons = (sa.select(*keyed).select_from(src).where(present(tr, link.loaded_key, key))
               .group_by(*[c.element for c in keyed]).subquery("leo_persons"))
    n = per.c[N]
    frm = persons.outerjoin(per, sa.and_(*_same(persons, per, FROM)))

    def tally(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, _int(1)), else_=_int(0))),
                                _int(0))
    return sa.select(tr.sql("count_all", type_=sa.BigInteger()).label("persons"),
                     tally(n.is_(None)).label("unmatched"),
                     tally(n == _int(1)).label("matched"),
                     tally(n > _int(1)).label("multiple")).select_from(frm)


def unique_columns(cols: list) -> list:
    """``cols`` without repeats (the same ColumnInfo object), in order."""
    out: list = []
    for c in cols:
        if not any(c is o for o in out):
            out.append(c)
    return out
