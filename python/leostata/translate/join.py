"""``merge()`` and ``cohort()`` in SQL: the merged data as one derived table,
the probes that check the declared cardinality on the server, and the
cohort's EXISTS.

``merged_source(merge, names, tr, base)`` returns a subquery ``leo_merged``
exposing the merged variables ``names`` under their Stata names, so the rest
of the statement (if, sample, sort, collapse, count) reads it as it reads a
table.  ``base(table, columns, alias)`` reads a table's columns; for the
master of a second ``merge()`` (the first one's merged data) it is itself a
``merged_source``, so several merges nest.  Shape (each branch only when
keep() asks for it)::

    SELECT <master vars>, <using vars>, CASE WHEN leo_u.leo_in_using IS NULL
           THEN 1 ELSE 3 END AS _merge                  -- master and matched rows
    FROM master AS leo_m
    LEFT OUTER JOIN (SELECT <using vars>, 1 AS leo_in_using FROM using) AS leo_u
      ON <keys match>                                   -- INNER JOIN for keep(match)
    [WHERE leo_u.leo_in_using IS NULL]                  -- keep(master) alone
    UNION ALL
    SELECT <the using's values>, 2 AS _merge            -- using-only rows
    FROM using AS leo_u2
    LEFT OUTER JOIN (SELECT <keys>, 1 AS leo_in_master FROM master) AS leo_m2
      ON <keys match> WHERE leo_m2.leo_in_master IS NULL

Unmatched rows are found with a LEFT JOIN and an IS NULL test on a marker
column (an anti-join to every optimizer), so the missing side's variables
are real, typed columns holding NULL, never untyped NULL literals.  The keys
match as ``Translator.key_match`` says (Stata's merge: missing matches
missing, strings exact).  In using-only rows the key and the variables on
both sides hold the using's values, as in Stata.

``uniqueness_probe(table, cols, dialect, base)``: ``SELECT 1 ... GROUP BY
<key as Stata holds it> HAVING COUNT(*) > 1`` with at most one row, the same
grouping collapse's by() uses (``aggregate._key``: NULL and "" one key,
strings by bytes; on SQL Server also blank-padding-proof).

``cohort_condition(cohort, tr, loaded, base)``: ``EXISTS (SELECT 1 FROM
<cohort table> AS leo_c WHERE <keys match> AND <its if>)``, a semi-join: a
row is kept once however many cohort rows match it.

Known gap: dates outside Stata's %td range (before 0100) are matched as the
dates they are, where Stata would have read them all as missing.
"""

from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from ..expr.nodes import Name, walk
from ..plan.merge import MASTER, MATCH, USING, Merge
from .aggregate import _key
from .base import _int
from .link import TO, link_pairs, match_pairs, present, strict, unique_columns

IN_USING, IN_MASTER = "leo_in_using", "leo_in_master"
LINKED = "leo_link"  # with a link: the using key the master row's person reaches


def _condition(merge: Merge, tr, m, u):
    if merge.link is not None:  # the pair's other key, never a missing one
        return tr.key_match(strict(merge.link.other_key, LINKED), m.c[LINKED],
                            strict(merge.link.other_key), u.c[merge.link.other_key.name])
    return sa.and_(*[tr.key_match(mc, m.c[mc.name], uc, u.c[uc.name]) for mc, uc in merge.keys])


def _master(merge: Merge, tr, base: Callable, cols: list, alias: str):
    """The master's ``cols``; with a link, each row with the other key its
    person reaches (``leo_link``; NULL when none; a row per key reached
    under the rule ``all``)."""
    if merge.link is None:
        return base(merge.master, cols, alias)
    link = merge.link
    m0 = base(merge.master, unique_columns(cols + [link.loaded_key]), f"{alias}0")
    pairs = link_pairs(link, tr, base, other_has_key(link, tr, base, merge.using_where))
    frm = m0.outerjoin(pairs, match_pairs(link, tr, m0.c[link.loaded_key.name], pairs))
    return sa.select(*[m0.c[c.name] for c in cols], pairs.c[TO].label(LINKED)) \
        .select_from(frm).subquery(alias)


def other_has_key(link, tr, base: Callable, where=None, alias: str = "leo_o"):
    """``reached(col, sql)``: EXISTS a row of the other table with key ``sql``
    (and ``where``, the cohort's condition, holding there)."""
    def reached(col, sql):
        o = _read_with(base, link.other_table, [link.other_key], where, alias)
        conditions = [tr.key_match(col, sql, strict(link.other_key), o.c[link.other_key.name])]
        if where is not None:
            condition = _predicate_on(tr, where, o)
            if condition is not None:
                conditions.append(condition)
        return sa.exists(sa.select(_int(1)).select_from(o).where(*conditions))
    return reached


def using_base(base: Callable, merge: Merge, tr) -> Callable:
    """``using(columns, alias)``: the using table's columns, its rows where
    ``merge.using_where`` holds (``using T if exp``) when there is one."""
    where = merge.using_where

    def using(cols, alias):
        if where is None:
            return base(merge.using, cols, alias)
        t = _read_with(base, merge.using, cols, where, f"{alias}_w")
        condition = _predicate_on(tr, where, t)
        stmt = sa.select(*[t.c[c.name] for c in cols]).select_from(t)
        return (stmt.where(condition) if condition is not None else stmt).subquery(alias)
    return using


def _read_with(base: Callable, table, cols: list, where, alias: str):
    """``table``'s ``cols`` and the columns ``where`` names (each once)."""
    named = [n.column for n in walk(where) if isinstance(n, Name) and n.column is not None] \
        if where is not None else []
    need: dict = {}
    for c in list(cols) + named:
        need.setdefault(c.name, c)
    return base(table, list(need.values()), alias)


def _predicate_on(tr, where, table):
    """``where`` translated with its columns read from ``table``."""
    outer = tr.columns
    tr.columns = lambda col: table.c[col.name]
    try:
        return tr.predicate(where)
    finally:
        tr.columns = outer


def merged_source(merge: Merge, names: list[str], tr, base: Callable,
                  alias: str = "leo_merged") -> sa.Subquery:
    """The merged variables ``names`` (Stata names; the indicator included
    when asked) as the subquery ``alias``.  ``base(table, columns, alias)``
    gives a table's needed columns under their SQL names."""
    sources = merge.sources
    using = using_base(base, merge, tr)
    m_need = unique_columns(merge.master_keys
                     + [sources[n].master for n in names if n in sources and sources[n].master])
    u_need = unique_columns(merge.using_keys
                     + [sources[n].using for n in names if n in sources and sources[n].using])
    keep, indicator = merge.keep, merge.generate in names
    branches = []
    if MASTER in keep or MATCH in keep:
        m = _master(merge, tr, base, m_need, "leo_m")
        inner = MASTER not in keep
        if inner:
            u = using(u_need, "leo_u")
            frm = m.join(u, _condition(merge, tr, m, u))
        else:
            u0 = using(u_need, "leo_u0")
            u = sa.select(*[u0.c[c.name] for c in u_need], _int(1).label(IN_USING)).subquery("leo_u")
            frm = m.outerjoin(u, _condition(merge, tr, m, u))
        cols = []
        for n in names:
            if n == merge.generate and indicator:
                if inner:
                    code = _int(3)
                elif MATCH in keep:
                    code = sa.case((u.c[IN_USING].is_(None), _int(1)), else_=_int(3))
                else:
                    code = _int(1)
                cols.append(code.label(n))
                continue
            s = sources[n]
            cols.append((m.c[s.master.name] if s.master is not None else u.c[s.using.name]).label(n))
        stmt = sa.select(*cols).select_from(frm)
        if not inner and MATCH not in keep:
            stmt = stmt.where(u.c[IN_USING].is_(None))
        branches.append(stmt)
    if USING in keep:
        u = using(u_need, "leo_u2")
        m_keys = unique_columns(merge.master_keys + [s.master for n, s in sources.items()
                                              if n in names and s.master is not None
                                              and s.using is None])
        m0 = _master(merge, tr, base, m_keys, "leo_m0")
        marked = [m0.c[c.name] for c in m_keys] + ([m0.c[LINKED]] if merge.link else [])
        m = sa.select(*marked, _int(1).label(IN_MASTER)).subquery("leo_m2")
        cols = []
        for n in names:
            if n == merge.generate and indicator:
                cols.append(_int(2).label(n))
                continue
            s = sources[n]
            cols.append((u.c[s.using.name] if s.using is not None else m.c[s.master.name]).label(n))
        branches.append(sa.select(*cols).select_from(u.outerjoin(m, _condition(merge, tr, m, u)))
                        .where(m.c[IN_MASTER].is_(None)))
    body = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    return body.subquery(alias)


def cohort_condition(cohort, tr, loaded: Callable, base: Callable, alias: str = "leo_c"):
    """``EXISTS`` a row of ``cohort.table`` matching the loaded row's keys
    (``loaded(ColumnInfo) -> column``) and satisfying the cohort's if; with
    a link, EXISTS a pair from the row's key to a key of such a row."""
    if cohort.link is not None:
        link = cohort.link
        pairs = link_pairs(link, tr, base, other_has_key(link, tr, base, cohort.where, alias),
                           f"{alias}_pairs")
        match = match_pairs(link, tr, loaded(link.loaded_key), pairs)
        return sa.exists(sa.select(_int(1)).select_from(pairs).where(match))
    c = _read_with(base, cohort.table, [cc for _, cc in cohort.keys], cohort.where, alias)
    conditions = [tr.key_match(lc, loaded(lc), cc, c.c[cc.name]) for lc, cc in cohort.keys]
    if cohort.where is not None:
        where = _predicate_on(tr, cohort.where, c)
        if where is not None:
            conditions.append(where)
    return sa.exists(sa.select(_int(1)).select_from(c).where(*conditions))


def uniqueness_probe(table, cols, dialect: str, base: Callable, tr=None) -> sa.Select:
    """One row when ``cols`` do not identify the rows of ``table`` uniquely
    (Stata's keys: see the module doc), none otherwise.  ``base(table,
    columns, alias)`` reads the table.  With ``tr``, rows whose key is
    missing are left out (a link's key: missing matches nothing there)."""
    t = base(table, cols, "leo_t")
    if tr is not None:
        t = (sa.select(*[t.c[c.name] for c in cols]).select_from(t)
             .where(*[present(tr, c, t.c[c.name]) for c in cols]).subquery("leo_tp"))
    labelled = []
    for i, col in enumerate(cols):
        key, exact = _key(t.c[col.name], col.sql_type, dialect)
        labelled.append(key.label(f"leo_k{i}"))
        if exact is not None:
            labelled.append(exact.label(f"leo_kl{i}"))
    keys = sa.select(*labelled).select_from(t).subquery("leo_keys")
    return (sa.select(_int(1).label("leo_duplicate")).select_from(keys)
            .group_by(*keys.c).having(sa.func.count() > _int(1)).limit(1))
