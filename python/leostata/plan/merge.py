"""``merge()``: bring variables of another table onto the loaded one, in
Stata's ``merge`` terms, and the merged data as one table the rest of the
plan resolves names against.

Grammar (``merge()`` may be given several times: each merges onto the
result of the ones before it, as consecutive Stata ``merge`` commands do)::

    merge(1:1|m:1|1:m [KEY [KEY ...]] using TABLE [if exp]
          [, keepusing(varlist) keep(results) generate(newvar) nogenerate
             link[(refuse|drop|all)]])

    KEY      a variable of the loaded (master) table, or master=using when the
             key is called differently in the using table; with ``link`` at
             most one, or none (the link graph chooses: ``plan.link``)
    results  master (1), using (2), match (3), abbreviated mas, us, mat
    exp      a condition on TABLE's variables: the using data are TABLE's rows
             where it holds, as after ``use TABLE if exp``

Stata's rules (help merge), reproduced: the declared cardinality is checked
on the server before any row is fetched (``sql.merge_probes``; r(459) with
merge's wording); missing keys match each other (numeric ``.`` = ``.``;
strings NULL and "" are the same ""), strings match exactly (bytes, case,
trailing blanks); a variable on both sides keeps the master's values
(merge without ``update``), except in using-only observations, which hold
the using's; the default keeps master, using and match observations; the
indicator ``_merge`` is 1 master only, 2 using only, 3 matched (a byte).
The key keeps the master's name.  ``m:m`` is refused (Stata pairs
observations by their order within a key there, which SQL rows do not have).
A second ``merge()`` sees the first one's merged data as its master: its
keys and clashes resolve against those variables, its indicator needs a
name of its own (``_merge`` already defined is r(110), as in Stata), and a
master declared unique is checked on the merged data.

``build_merge`` returns a ``Merge`` and the merged table: a ``TableInfo``
whose columns are named by their Stata names (master's variables in table
order, then the using variables kept, then the indicator); ``Merge.sources``
says where each comes from.  Nothing here writes SQL (``translate.join`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Optional

from ..catalog import ColumnInfo, SqlType, TableInfo
from ..errors import (AlreadyDefined, StataSyntaxError, Untranslatable,
                      VariableTypeMismatch, located)
from .keys import IF_WORD, key_pairs, kind_word, other_table, using_condition
from .varlist import resolve_varlist, stata_names

KINDS = ("1:1", "m:1", "1:m")
MASTER, USING, MATCH = 1, 2, 3
RESULT_WORDS = {MASTER: ("master", 3), USING: ("using", 2), MATCH: ("match", 3)}
DEFAULT_GENERATE = "_merge"
INDICATOR_TYPE = SqlType(raw="tinyint", kind="int8")
INDICATOR_LABEL = "Matching result from merge"
SUBOPTIONS = ("keepusing", "keep", "generate", "nogenerate", "link")


@dataclass(frozen=True)
class Source:
    """Where one variable of the merged data comes from: the master's column,
    the using's column, or both (a key, or a variable on both sides: the
    master's value where the master has the row, the using's otherwise)."""

    master: Optional[ColumnInfo]
    using: Optional[ColumnInfo]


@dataclass
class Merge:
    """A validated ``merge()``: ``kind`` (1:1, m:1, 1:m), the two tables,
    ``keys`` as (master column, using column) pairs, ``keep`` (the result
    codes kept), ``generate`` (the indicator's name, None for nogenerate),
    ``sources`` (merged variable name -> Source; the indicator is absent)."""

    kind: str
    master: TableInfo
    using: TableInfo
    keys: list[tuple[ColumnInfo, ColumnInfo]]
    keep: frozenset
    generate: Optional[str]
    sources: dict[str, Source] = field(default_factory=dict)
    inner: Optional["Merge"] = None  # the merge whose merged data is this master
    merged: Optional[TableInfo] = None  # this merge's merged data
    link: Optional[object] = None  # plan.link.Link: keys matched through the link graph
    using_where: Optional[object] = None  # the using's if: its rows where it holds

    @property
    def master_keys(self) -> list[ColumnInfo]:
        """The master's key columns (with a link: its person key)."""
        return [self.link.loaded_key] if self.link is not None else [m for m, _ in self.keys]

    @property
    def using_keys(self) -> list[ColumnInfo]:
        """The using's key columns (with a link: its person key)."""
        return [self.link.other_key] if self.link is not None else [u for _, u in self.keys]

    @property
    def master_unique(self) -> bool:
        return self.kind in ("1:1", "1:m")

    @property
    def using_unique(self) -> bool:
        return self.kind in ("1:1", "m:1")

    def order_names(self) -> list[str]:
        """The merged data's row order when sort() is not given: the key,
        then the master table's key, then (1:m) the using table's key, each
        variable once and only when the merged data hold it."""
        m_names = stata_names(self.master)
        u_names = stata_names(self.using)
        out: list[str] = [m_names[m.name] for m in self.master_keys]
        if self.inner is not None:
            out.extend(self.inner.order_names())
        for k in self.master.key:
            out.append(m_names.get(k, k))
        if self.kind == "1:m":
            by_using = {s.using.name: n for n, s in self.sources.items() if s.using is not None}
            out.extend(by_using.get(k, u_names.get(k, k)) for k in self.using.key)
        seen: list[str] = []
        for n in out:
            if n in self.sources and n not in seen:
                seen.append(n)
        return seen


def merge_options(command, find_option) -> list:
    """The ``merge()`` options of ``command`` (``expr.command.Option``), in
    the order typed."""
    return [o for o in command.options if find_option(o.name, command.text, o.pos).name == "merge"]


def build_merges(options, master: TableInfo, catalog, text: str, graph=None) -> list[Merge]:
    """Each ``merge()`` in turn onto the result of the ones before -> the
    merges, in order; the last one's ``merged`` is the data loaded.
    ``graph()`` gives the link graph (called only for a ``link``)."""
    merges: list[Merge] = []
    for option in options:
        merge, master = build_merge(option, master, catalog, text,
                                    inner=merges[-1] if merges else None, graph=graph)
        merges.append(merge)
    return merges


def build_merge(option, master: TableInfo, catalog, text: str,
                inner: Optional[Merge] = None, graph=None) -> tuple[Merge, TableInfo]:
    """Parse ``merge(...)`` (``option``: its ``expr.command.Option``) against
    the master data (a table, or ``inner``'s merged data) and the catalog
    -> (Merge, merged TableInfo)."""
    from ..expr.command import split_positional_and_options
    if not option.args:
        raise located(StataSyntaxError, "option merge() required", text, option.pos,
                      "merge(m:1 key using table [, keepusing(varlist) keep(match)])")
    a, b = option.args_pos
    positional, ppos, subs = split_positional_and_options(text, a, b)
    cut = IF_WORD.search(positional)
    if cut:
        positional = positional[:cut.start()]
    words = [(m.group(0), (ppos[0] + m.start(), ppos[0] + m.end()))
             for m in re.finditer(r"\S+", positional)]
    kind, kpos = words[0]
    if kind in ("m:m", "M:M"):
        raise located(StataSyntaxError, "merge m:m not allowed", text, kpos,
                      "Stata's m:m pairs the k-th observation of a key in the master with the "
                      "k-th in the using, by their order - a result that depends on the sort "
                      "order and is almost never what is wanted (help merge says so); SQL rows "
                      "have no such order.  Declare m:1 or 1:m if one side is unique on the "
                      "key, or follow a lookup table with two merges in two steps")
    if kind.lower() not in KINDS:
        raise located(StataSyntaxError, f"{kind}: merge type must be 1:1, m:1 or 1:m", text, kpos,
                      "merge(m:1 key using table [, options])")
    kind = kind.lower()
    try:
        at = [w for w, _ in words].index("using")
    except ValueError:
        raise located(StataSyntaxError, "using required", text, ppos,
                      "merge(m:1 key using table [, options])") from None
    key_words = words[1:at]
    linked = next((sub for sub in subs if _suboption(sub, text) == "link"), None)
    if not key_words and linked is None:
        raise located(StataSyntaxError, "varlist required", text, kpos,
                      "name the key variables after the merge type: merge(m:1 Edukey using table)")
    using = other_table(words, at, catalog, text, "merge(m:1 key using table [, options])")
    keys = key_pairs(key_words, master, using, text, option="merge()", pair="master=using",
                     left_place="master", right_place="using data",
                     missing_hint=f"the using table {using.name} has no such variable; for a "
                                  "key named differently there, write master=using",
                     linked=linked is not None)

    keep = frozenset((MASTER, USING, MATCH))
    generate: Optional[str] = DEFAULT_GENERATE
    keepusing = None
    seen: set = set()
    for sub in subs:
        name = _suboption(sub, text)
        if name in seen:
            raise located(StataSyntaxError, f"merge(): option {name}() specified twice", text, sub.pos)
        seen.add(name)
        if name == "link":
            continue  # read below, once the keys are known
        if name == "nogenerate":
            if sub.args is not None:
                raise located(StataSyntaxError, "merge(): option nogenerate takes no argument",
                              text, sub.pos)
            generate = None
            continue
        if not sub.args:
            raise located(StataSyntaxError, f"merge(): option {name}() required", text, sub.pos)
        s, e = sub.args_pos
        if name == "keepusing":
            tokens = [(m.group(0), (s + m.start(), s + m.end()))
                      for m in re.finditer(r"\S+", text[s:e])]
            keepusing = resolve_varlist(tokens, using, text=text)
        elif name == "keep":
            keep = _results(text, s, e)
        elif name == "generate":
            from ..stata_types import is_valid_name
            gen = sub.args.strip()
            if not is_valid_name(gen):
                raise located(StataSyntaxError, f"{gen} invalid name", text, sub.args_pos)
            generate = gen
    if "generate" in seen and "nogenerate" in seen:
        raise located(StataSyntaxError, "merge(): options generate() and nogenerate may not be "
                      "combined", text, option.pos)

    link = None
    if linked is not None:
        from .link import build_link, read_rule
        root = master.name
        link = build_link(read_rule(linked, text), master, using, keys, catalog,
                          graph() if callable(graph) else graph, text, linked.pos,
                          loaded_name=root)
        keys = []  # the two person keys stay two variables; the link matches them
    using_where = None
    if cut:
        using_where = using_condition(text, ppos[0] + cut.end(), ppos[1], using,
                                      (ppos[0] + cut.start(), ppos[1]), "merge")
    merge = Merge(kind=kind, master=master, using=using, keys=keys, keep=keep, generate=generate,
                  inner=inner, link=link, using_where=using_where)
    merge.merged = _merged_table(merge, keepusing, text, option.pos)
    return merge, merge.merged


def _suboption(sub, text) -> str:
    typed = sub.name
    minimum = {"keepusing": 5, "keep": 4, "generate": 3, "nogenerate": 5, "link": 4}
    for name in SUBOPTIONS:
        if name.startswith(typed) and len(typed) >= minimum[name]:
            # keep/keepusing: "keep" is keep, "keepu..." keepusing
            if name == "keepusing" and typed == "keep":
                continue
            return name
    if typed in ("update", "replace"):
        raise located(StataSyntaxError, f"merge(): option {typed} not allowed", text, sub.pos,
                      "merge() keeps the master's values of a variable on both sides; "
                      "update/replace are not part of leostata yet")
    raise located(StataSyntaxError, f"merge(): option {typed} not allowed", text, sub.pos,
                  "merge() options: keepusing(varlist) keep(results) generate(newvar) "
                  "nogenerate link[(rule)]")


def _results(text: str, s: int, e: int) -> frozenset:
    """keep(results): master/1, using/2, match/3 (abbreviations: mas, us, mat)."""
    out = set()
    for m in re.finditer(r"\S+", text[s:e]):
        word, pos = m.group(0), (s + m.start(), s + m.end())
        code = None
        for value, (full, minimum) in RESULT_WORDS.items():
            if word == str(value) or (full.startswith(word) and len(word) >= minimum):
                code = value
        if code is None:
            if word in ("4", "5") or word.startswith("match_"):
                raise located(StataSyntaxError, f"keep({word}) not allowed", text, pos,
                              "results 4 and 5 (match_update, match_conflict) need update, "
                              "which merge() does not offer")
            raise located(StataSyntaxError, f"keep(): {word} invalid", text, pos,
                          "keep(master match), keep(match), ...: master (1), using (2), "
                          "match (3)")
        out.add(code)
    if not out:
        raise located(StataSyntaxError, "keep() required", text, (s, e))
    return frozenset(out)


def _merged_table(merge: Merge, keepusing, text: str, pos) -> TableInfo:
    """The merged data as a table: Stata names, types and descriptions."""
    master, using = merge.master, merge.using
    m_names, u_names = stata_names(master), stata_names(using)
    using_only = USING in merge.keep
    u_keys = {u.name for _, u in merge.keys}
    by_master_key = {m.name: u for m, u in merge.keys}
    cols: list[tuple[str, ColumnInfo, Source]] = []
    master_by_name = {m_names[c.name]: c for c in master.columns}
    for c in master.columns:
        name = m_names[c.name]
        other = by_master_key.get(c.name)
        if other is None:
            twin = next((u for u in using.columns if u_names[u.name] == name
                         and u.name not in u_keys), None)
            if twin is not None and (keepusing is None or twin in keepusing):
                if twin.sql_type.is_string != c.sql_type.is_string:
                    raise located(VariableTypeMismatch,
                                  f"variable {name} is {kind_word(c)} in master but "
                                  f"{kind_word(twin)} in using data", text, pos,
                                  "leave it out of the using variables with keepusing()")
                other = twin if using_only else None  # else: the master's values only
        sql_type = _wider(c.sql_type, other.sql_type) if other is not None and using_only \
            else c.sql_type
        cols.append((name, replace(c, name=name, sql_type=sql_type, nullable=True),
                     Source(c, other)))
    lowered = {n.lower(): n for n in master_by_name}
    for u in (keepusing if keepusing is not None else using.columns):
        name = u_names[u.name]
        if u.name in u_keys or name in master_by_name:
            continue  # the key, or on both sides: the master's variable
        if name.lower() in lowered:
            raise located(Untranslatable, f"merge(): using variable {name} and master variable "
                          f"{lowered[name.lower()]} differ only in case", text, pos,
                          "SQL databases do not tell the two names apart in one statement; "
                          "leave it out with keepusing()")
        lowered[name.lower()] = name
        cols.append((name, replace(u, name=name, nullable=True),
                     Source(None, u)))
    if merge.generate is not None:
        if merge.generate.lower() in lowered:
            raise located(AlreadyDefined, f"variable {merge.generate} already defined", text, pos,
                          "name the indicator with generate(newvar), or give nogenerate")
        cols.append((merge.generate, ColumnInfo(name=merge.generate, sql_type=INDICATOR_TYPE,
                                                nullable=False, description=INDICATOR_LABEL),
                     None))
    columns = []
    for i, (name, col, source) in enumerate(cols):
        columns.append(replace(col, position=i))
        if source is not None:
            merge.sources[name] = source
    person = m_names.get(master.person_key) if master.person_key else None
    return TableInfo(name=master.name, schema=master.schema, kind="merge",
                     description=master.description, approx_rows=None, columns=columns,
                     key=(), person_key=person)


_INT_RANK = {"bool": 0, "int8": 1, "uint8": 2, "int16": 3, "int32": 4, "int64": 5}


def _wider(a: SqlType, b: SqlType) -> SqlType:
    """A type holding the values of both (a variable filled from either side)."""
    if a == b:
        return a
    if a.is_string:
        if a.length is None or b.length is None:
            return SqlType(raw="varchar(max)", kind="string")
        return a if a.length >= b.length else b
    if a.kind in _INT_RANK and b.kind in _INT_RANK:
        return a if _INT_RANK[a.kind] >= _INT_RANK[b.kind] else b
    if a.kind == b.kind == "date":
        return a
    if {a.kind, b.kind} <= {"date", "datetime"}:
        return a if a.kind == "datetime" else b
    return SqlType(raw="float", kind="float64")
