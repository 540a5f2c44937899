"""``collapse(clist) by(varlist) [cw]``: Stata's collapse rules, without SQL.

Takes the clist items (from ``expr.command.parse_clist``, or already built
``CollapseItem``s), the by() and order columns and the table; returns a
validated :class:`CollapseSpec` that knows the result's columns (names,
variable labels, storage types, display formats).  ``translate.aggregate``
turns a spec into the aggregated SELECT.  Nothing here knows about dialects.

The rules are those of Stata's ``collapse.ado`` (version 6.2.1) and
``help collapse``, summarised in shared/research/stata.md §4.1:

* statistics: ``mean`` (the default), ``median`` (= ``p50``), ``p1``-``p99``,
  ``sd``, ``semean``, ``sebinomial``, ``sepoisson``, ``sum``, ``rawsum``,
  ``count``, ``percent``, ``max``, ``min``, ``iqr``, ``first``, ``last``,
  ``firstnm``, ``lastnm``.  ``semean``/``sebinomial``/``sepoisson`` may be
  abbreviated to ``sem``/``seb``/``sep``; the others are spelled in full and
  in lower case, as collapse's option parsing requires.  Anything else is
  ``(stat) invalid statistic``, r(198).
* ``(stat) x`` keeps the name ``x``; ``(stat) new=old`` names it ``new``.
  Two targets with one name: ``name conflict``, r(198).  A by() variable as
  a target: ``x may not be both target and by()``, r(198).
* variable label ``"(stat) source"``, where a percentile's stat is written
  ``p 50`` (collapse stores ``median`` and ``p50`` as ``p 50``), so
  ``(median) x`` and ``(p50) x`` are both labelled ``(p 50) x``.
* the display format of the source is copied to every target.
* storage types: mean, sd, semean, sebinomial, sepoisson, p#, iqr: ``float``,
  or ``double`` when the source is ``double`` or ``long``; sum, rawsum and
  percent: ``double``; count: ``long``; min, max, first, last, firstnm,
  lastnm: the source's type.  A source's Stata type and format are the ones
  a plain load gives it (``stata_types.declared_type``: SQL ``int`` is a
  Stata ``double``, ``smallint`` a ``long``, dates ``long`` with ``%td``).
* result variables: the by() variables first, in the order they have in the
  table (collapse keeps them where they were in the data), then the targets
  in clist order.  Rows are sorted by the by() variables in by() order.

What leostata refuses (each with a message saying why): string sources
(``type mismatch``, r(109), as Stata's arithmetic on a string would give);
datetime/time/binary sources (r(5104)); ``first``/``last``/``firstnm``/
``lastnm`` without an explicit row order, because a SQL table has none
(r(5104)); a by() variable that is also a clist source
(collapse renames its sources, so Stata cannot find the by() variable:
r(111)).

Weights (``[aweight|fweight|iweight|pweight=column]``, default aweight),
as collapse.ado computes them: rows whose weight is missing or zero are
left out of every statistic (collapse marks its sample with the weight);
``mean`` = sum(w x)/sum(w); ``sum`` = sum(w x), with aweights first
normalised to sum to the group's number of nonmissing values; ``rawsum``
ignores the weight; ``count`` = the number of nonmissing values under
aweights, else sum(w) (then a ``double``); ``percent`` = 100 sum(w) / the
overall sum(w); ``sd`` = sqrt(sum(w (x-m)^2) / (sum(w) - 1)) with
aweights normalised (divisor n - 1); ``semean`` = sd / sqrt(n) (aweights)
or sd / sqrt(sum(w)) (fweights); ``sebinomial``/``sepoisson`` with
fweights, n = sum(w); percentiles (and ``iqr``) with the weights
normalised to sum to n, on cumulative weights (see ``translate.aggregate``);
min, max, first, last, firstnm, lastnm ignore the weight.  Refused as
collapse refuses them (``(sd) not allowed with pweights``, r(135)): sd and
semean with pweights, semean with iweights, sebinomial and sepoisson with
aweights, iweights and pweights.  The weight exp must be one numeric
column (r(5104) otherwise).  Negative f/aweights (r(402)) and noninteger
fweights (r(401)) are data checks: ``weight_problems`` reads the answer of
``translate.aggregate.weight_check_select``.

No observations: Stata stops with r(2000) when no observation is left after
if/in (and, with ``cw``, after casewise deletion).  The aggregated query then
returns zero rows, with or without by() (see ``translate.aggregate``), so
the loader calls :func:`require_observations` with the row count.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Sequence

from ..catalog import ColumnInfo, SqlType, TableInfo
from ..errors import (InternalError, LeostataError, NoObservations, NotFound,
                     StataSyntaxError, TypeMismatch, Untranslatable, caret)
from ..stata_types import OutputColumn

#: Statistics spelled in full (collapse's ``syntax [, mean median sd ...]``).
FULL_STATS = ("mean", "median", "sd", "sum", "rawsum", "count", "max", "min",
              "iqr", "first", "firstnm", "last", "lastnm", "percent")
#: Statistics with a minimal abbreviation (``SEMean`` -> ``sem``...).
ABBREVIATED_STATS = (("semean", 3), ("sebinomial", 3), ("sepoisson", 3))
#: Statistics that depend on the order of the rows.
ORDER_STATS = ("first", "last", "firstnm", "lastnm")
_ORDER_WORDS = {"first": "first observation", "last": "last observation",
                "firstnm": "first nonmissing value", "lastnm": "last nonmissing value"}
#: float unless the source is double or long.
FLOAT_OR_DOUBLE_STATS = ("mean", "sd", "semean", "sebinomial", "sepoisson", "iqr")
#: Source kinds whose values Stata holds as plain numbers leostata can aggregate.
AGGREGATABLE_KINDS = ("bool", "int8", "uint8", "int16", "int32", "int64", "decimal",
                      "float32", "float64", "date")

#: SQL types of the aggregated columns (what the SELECT returns).
DOUBLE_SQL = SqlType(raw="DOUBLE PRECISION", kind="float64")
BIGINT_SQL = SqlType(raw="BIGINT", kind="int64")
INT_SQL = SqlType(raw="INTEGER", kind="int32")

#: Weight types, and the statistics collapse refuses with each (collapse.ado's
#: ``_sd``, ``_semean``, ``_sebinomial``, ``_sepoisson``: r(135)).
WEIGHT_KINDS = ("aweight", "fweight", "iweight", "pweight")
REFUSED_WITH_WEIGHT = {
    "pweight": ("sd", "semean", "sebinomial", "sepoisson"),
    "iweight": ("semean", "sebinomial", "sepoisson"),
    "aweight": ("sebinomial", "sepoisson"),
    "fweight": (),
}
#: Statistics whose weighted rule normalises aweights to the group's n.
NORMALISED_STATS = ("sum", "sd", "semean")

_P_STAT = re.compile(r"^p([0-9]+)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


# --- statistics ------------------------------------------------------------------


def normalize_stat(word: str) -> tuple[str, str]:
    """``(canonical, label word)`` for a statistic as typed inside ``( )``.

    ``"median"`` -> ``("p50", "p 50")``; ``"p25"`` -> ``("p25", "p 25")``;
    ``"sem"`` -> ``("semean", "semean")``; ``"mean"`` -> ``("mean", "mean")``.
    Anything else raises ``StataSyntaxError`` ``(word) invalid statistic``.
    """
    w = str(word).strip()
    if w == "median":
        return "p50", "p 50"
    if w in FULL_STATS:
        return w, w
    for full, minimum in ABBREVIATED_STATS:
        if len(w) >= minimum and full.startswith(w):
            return full, full
    m = _P_STAT.match(w)
    if m and 1 <= int(m.group(1)) <= 99:
        return f"p{int(m.group(1))}", f"p {m.group(1)}"
    raise StataSyntaxError(f"({w}) invalid statistic")


def percentile_of(stat: str) -> Optional[int]:
    """``50`` for ``"p50"``, None for a statistic that is not a percentile."""
    m = _P_STAT.match(stat)
    return int(m.group(1)) if m else None


# --- Stata types of sources and results -----------------------------------------------


def source_stata_type(sql_type: SqlType) -> tuple[str, str]:
    """(storage type, display format) a plain load gives a column of
    ``sql_type``; collapse copies the format and, for min/max/first/last,
    the type."""
    from ..stata_types import declared_type
    return declared_type(sql_type)


def result_stata_type(stat: str, source_type: str, weight: Optional[str] = None) -> str:
    """Storage type of a collapse result (collapse.ado's ``local ty``);
    ``weight`` the weight type (None: unweighted)."""
    if stat in ("sum", "rawsum", "percent"):
        return "double"
    if stat == "count":
        return "double" if weight in ("fweight", "iweight", "pweight") else "long"
    if stat in ("min", "max") or stat in ORDER_STATS:
        return source_type
    # mean sd semean sebinomial sepoisson p# iqr
    return "double" if source_type in ("double", "long") else "float"


def value_sql_type(sql_type: SqlType) -> SqlType:
    """SQL type of a source's *values* as the aggregation reads them: booleans
    as integers, dates as %td day numbers, decimals as double."""
    kind = sql_type.kind
    if kind in ("bool", "date"):
        return INT_SQL
    if kind == "decimal":
        return DOUBLE_SQL
    return sql_type


# --- the spec -----------------------------------------------------------------------


@dataclass(frozen=True)
class CollapseItem:
    """One target of the clist: ``(stat) target=source``.

    ``stat`` may be given as typed (``"median"``, ``"p25"``, ``"sem"``); it is
    stored canonical (``"p50"``, ``"p25"``, ``"semean"``).  ``source_name``
    is the Stata name of the source (the label shows it; default the SQL
    name); ``stat_word`` the statistic as collapse writes it in the label
    (``"p 50"``); ``pos`` the item's span in the command text, if known.
    """

    stat: str
    target: str
    source: ColumnInfo
    source_name: str = ""
    stat_word: str = ""
    pos: Optional[tuple[int, int]] = field(default=None, compare=False)
    weight: Optional[str] = None  # the weight type, None unweighted

    def __post_init__(self):
        canonical, word = normalize_stat(self.stat)
        if not self.stat_word:
            object.__setattr__(self, "stat_word", word)
        object.__setattr__(self, "stat", canonical)
        if not self.source_name:
            object.__setattr__(self, "source_name", self.source.name)

    @property
    def percentile(self) -> Optional[int]:
        return percentile_of(self.stat)

    @property
    def label(self) -> str:
        """collapse's variable label, ``"(stat) source"``."""
        return f"({self.stat_word}) {self.source_name}"

    @property
    def source_type(self) -> tuple[str, str]:
        return source_stata_type(self.source.sql_type)

    @property
    def stata_type(self) -> str:
        return result_stata_type(self.stat, self.source_type[0], self.weight)

    @property
    def format(self) -> str:
        return self.source_type[1]

    @property
    def sql_type(self) -> SqlType:
        """SQL type of the aggregated column."""
        if self.stat == "count":
            return DOUBLE_SQL if self.stata_type == "double" else BIGINT_SQL
        if self.stat in ("min", "max") or self.stat in ORDER_STATS:
            return value_sql_type(self.source.sql_type)
        return DOUBLE_SQL


@dataclass(frozen=True)
class Weight:
    """A collapse weight: ``kind`` one of ``WEIGHT_KINDS``, ``column`` the
    numeric column holding it, ``name`` its Stata name, ``pos`` the clause's
    span in the command text (if known)."""

    kind: str
    column: ColumnInfo
    name: str = ""
    pos: Optional[tuple[int, int]] = field(default=None, compare=False)


@dataclass
class CollapseSpec:
    """A validated collapse: items in clist order, by() columns in by() order
    (duplicates removed), casewise deletion, the row order for first/last
    (None: no order) and the weight (None: unweighted).  ``by_names`` are
    the Stata names of the by() columns (default: their SQL names)."""

    items: list[CollapseItem]
    by: list[ColumnInfo] = field(default_factory=list)
    cw: bool = False
    order: Optional[list[ColumnInfo]] = None
    by_names: list[str] = field(default_factory=list)
    weight: Optional[Weight] = None

    def __post_init__(self):
        seen, by = set(), []
        for col in self.by:
            if col.name not in seen:
                seen.add(col.name)
                by.append(col)
        self.by = by
        if len(self.by_names) != len(self.by):
            self.by_names = [c.name for c in self.by]

    def sources(self) -> list[ColumnInfo]:
        """The distinct columns the collapse reads as values: the clist
        sources in order of first use, then the weight column (when weighted
        and not a source already)."""
        seen: dict[str, ColumnInfo] = {}
        for item in self.items:
            seen.setdefault(item.source.name, item.source)
        if self.weight is not None:
            seen.setdefault(self.weight.column.name, self.weight.column)
        return list(seen.values())

    def by_output_order(self) -> list[int]:
        """Indexes into ``by`` in the order the result holds them (table order)."""
        return sorted(range(len(self.by)), key=lambda i: (self.by[i].position, i))

    def outputs(self) -> list[OutputColumn]:
        """The result's columns: by() variables (table order), then targets in
        clist order.  ``source`` is the column's label in the SELECT."""
        out = []
        for i in self.by_output_order():
            col, name = self.by[i], self.by_names[i]
            sql_type = DOUBLE_SQL if col.sql_type.kind == "decimal" else col.sql_type
            out.append(OutputColumn(name=name, source=name, sql_type=sql_type,
                                    label=col.description or ""))
        for item in self.items:
            out.append(OutputColumn(name=item.target, source=item.target,
                                    sql_type=item.sql_type, label=item.label,
                                    stata_type=item.stata_type, format=item.format))
        return out


def require_observations(row_count: int) -> None:
    """Raise r(2000) when a collapse query returned no rows (Stata's
    ``no observations``: nothing left after if/in/cw)."""
    if row_count == 0:
        raise NoObservations("no observations")


# --- building a spec -------------------------------------------------------------------

Resolver = Callable[[str, Optional[tuple]], list]


def build_spec(clist_items: Iterable, by_columns: Sequence[ColumnInfo] = (), cw: bool = False,
               order_columns: Optional[Sequence[ColumnInfo]] = None,
               table: Optional[TableInfo] = None, *, weight: object = None,
               resolve: Optional[Resolver] = None,
               stata_name: Optional[Callable[[ColumnInfo], str]] = None,
               text: Optional[str] = None) -> CollapseSpec:
    """Validate a clist against Stata's collapse rules; return the spec.

    ``clist_items``: ``expr.command.ClistItem``s (``stat``, ``target``,
    ``source`` token, ``pos``, ``stat_pos``), ``(stat, target, source[, pos])``
    tuples, or ``CollapseItem``s.  A source is a ``ColumnInfo`` or a varlist
    token (name, abbreviation, wildcard ``*?~``, range ``a-b``) resolved by
    ``resolve(token, pos) -> [ColumnInfo]`` (default: against ``table``'s
    columns by their Stata names).  ``by_columns``/``order_columns`` are
    resolved already.  ``weight``: a :class:`Weight`, or ``(kind, source)``
    with the source a column or a name resolved like the clist's (None:
    unweighted).
    ``stata_name(col)`` gives a column's Stata name (default: the Stata
    names ``stata_types.stata_names`` gives ``table``'s columns, else the SQL
    name).  ``text``: the command text, for carets under the offending item.

    Errors, in Stata's order: invalid statistic and unknown variable (as the
    clist is read), empty clist, by()-target clash, name conflict; then type
    mismatch; then leostata's refusals (order, source kinds); then the
    statistics collapse refuses with the weight type (r(135)).
    """
    name_of = stata_name or _default_names(table)
    if resolve is None:
        resolve = _default_resolver(table, name_of, text)

    items: list[CollapseItem] = []
    for raw in clist_items:
        items.extend(_items_from(raw, resolve, name_of, text))
    if not items:
        raise StataSyntaxError("invalid syntax", hint="collapse: clist required")

    by = list(by_columns)
    by_names = [name_of(c) for c in by]
    targets = [i.target for i in items]
    for b in by_names:  # collapse's bynottar
        if b in targets:
            bad = items[targets.index(b)]
            raise _at(StataSyntaxError, f"{b} may not be both target and by()", bad.pos, text)
    for i, a in enumerate(items):  # collapse's uniqueness check
        for b in items[i + 1:]:
            if a.target == b.target:
                raise StataSyntaxError(
                    "error:\n"
                    f"       {a.target} = ({a.stat_word}) {a.source_name}\n"
                    f"       {b.target} = ({b.stat_word}) {b.source_name}\n"
                    "name conflict")
    for item in items:
        if item.source.sql_type.is_string:
            raise _at(TypeMismatch, "type mismatch", item.pos, text,
                      extra=f"collapse: clist must refer to numeric variables; "
                            f"{item.source_name} is a string ({item.source.sql_type.raw})")
    by_sources = {c.name for c in by}
    for item in items:
        if item.source.name in by_sources:
            raise _at(NotFound, f"variable {item.source_name} not found", item.pos, text,
                      extra=f"collapse renames the variables it summarises, so "
                            f"{item.source_name} cannot be both summarised and in by() "
                            f"(copy it under another name first)")
    for item in items:
        kind = item.source.sql_type.kind
        if kind not in AGGREGATABLE_KINDS:
            raise _at(Untranslatable,
                      f"({item.stat_word}) {item.source_name}: collapse of a {kind} column "
                      f"({item.source.sql_type.raw}) is not supported", item.pos, text,
                      extra="leostata collapses numbers and dates only")
    order = list(order_columns) if order_columns else None
    for item in items:
        if item.stat in ORDER_STATS and not order:
            raise _at(Untranslatable,
                      f"({item.stat}) needs an explicit row order", item.pos, text,
                      extra=f"({item.stat}) takes the {_ORDER_WORDS[item.stat]} of each group "
                            "in the order of the data, but a SQL table has no row order: "
                            "the answer would change from run to run.  Specify the order (a "
                            "unique key) or use (min)/(max)")
    if isinstance(weight, tuple):
        kind, source = weight
        (column,) = [source] if isinstance(source, ColumnInfo) else resolve(str(source), None)
        weight = Weight(kind, column, name_of(column))
    if weight is not None:
        items = _weighted_items(items, weight, text)
    return CollapseSpec(items=items, by=by, cw=bool(cw), order=order, by_names=by_names,
                        weight=weight)


def stata_error(rc: int, message: str, hint: Optional[str] = None) -> LeostataError:
    """An error with Stata's own return code ``rc`` (one of
    ``errors.RETURN_CODES``) for ``message``."""
    return LeostataError(message, rc=rc, hint=hint)


def _weighted_items(items: list[CollapseItem], weight: Weight, text) -> list[CollapseItem]:
    """The items with the weight type recorded; collapse's refusals of a
    statistic under a weight type (r(135)) and of a weight column that is
    not a number (r(5104): the weight exp must be one numeric column)."""
    from dataclasses import replace
    if weight.kind not in WEIGHT_KINDS:
        raise InternalError(f"collapse: unknown weight type {weight.kind!r}")
    kind = weight.column.sql_type.kind
    if weight.column.sql_type.is_string:
        raise _at(TypeMismatch, "type mismatch", weight.pos, text,
                  extra=f"the weight {weight.name or weight.column.name} is a string")
    if kind not in AGGREGATABLE_KINDS or kind == "date":
        raise _at(Untranslatable, f"weight {weight.name or weight.column.name}: a {kind} "
                  f"column ({weight.column.sql_type.raw}) is not supported as a weight",
                  weight.pos, text, extra="leostata weights by a numeric column")
    for item in items:
        if item.stat in REFUSED_WITH_WEIGHT[weight.kind]:
            hint = caret(text, *item.pos) if text is not None and item.pos else None
            raise stata_error(135, f"{item.stat} not allowed with {weight.kind}s", hint)
    return [replace(item, weight=weight.kind) for item in items]


def weight_problems(spec: CollapseSpec, negative: int, noninteger: int,
                    text: Optional[str] = None) -> None:
    """Collapse's data checks on the weight, from the counts
    ``translate.aggregate.weight_check_select`` returns (rows of the sample
    with a negative / a noninteger weight): negative f/aweights r(402),
    noninteger fweights r(401); negative pweights, and negative iweights
    with a percentile or iqr, are refused (r(5104)): leostata has no
    documented rule for them."""
    weight = spec.weight
    if weight is None:
        return
    hint = caret(text, *weight.pos) if text is not None and weight.pos else None
    if negative and weight.kind in ("fweight", "aweight"):
        raise stata_error(402, "negative weights encountered", hint)
    if noninteger and weight.kind == "fweight":
        raise stata_error(401, "may not use noninteger frequency weights", hint)
    if negative and weight.kind == "pweight":
        raise _at(Untranslatable, "negative pweights encountered", weight.pos, text,
                  extra="collapse's handling of negative sampling weights is not documented; "
                        "leostata refuses rather than guess")
    ranked = [i for i in spec.items if i.percentile is not None or i.stat == "iqr"]
    if negative and weight.kind == "iweight" and ranked:
        raise _at(Untranslatable, f"({ranked[0].stat_word}) with negative iweights",
                  ranked[0].pos, text,
                  extra="percentiles take cumulative weights, which negative weights make "
                        "non-monotone; leostata does not compute them")


def _items_from(raw, resolve: Resolver, name_of, text) -> list[CollapseItem]:
    if isinstance(raw, CollapseItem):
        return [raw]
    if isinstance(raw, tuple):
        stat, target, source = raw[0], raw[1], raw[2]
        pos = raw[3] if len(raw) > 3 else None
        stat_pos = None
    else:  # expr.command.ClistItem (duck-typed)
        stat, target, source = raw.stat, raw.target, raw.source
        pos, stat_pos = getattr(raw, "pos", None), getattr(raw, "stat_pos", None)
    try:
        canonical, word = normalize_stat(stat)
    except StataSyntaxError as exc:
        if text is not None and stat_pos is not None:
            raise StataSyntaxError(exc.message, hint=caret(text, *stat_pos)) from None
        raise
    if isinstance(source, ColumnInfo):
        columns = [source]
    else:
        columns = resolve(str(source), pos)
    if target is not None:
        if not _NAME.match(str(target)):
            raise _at(StataSyntaxError, f"{target} invalid name", pos, text)
        if len(columns) != 1:
            raise _at(StataSyntaxError, "too many variables specified", pos, text,
                      extra=f"{target}={source}: one source variable per new name")
        return [CollapseItem(canonical, str(target), columns[0], name_of(columns[0]), word, pos)]
    return [CollapseItem(canonical, name_of(c), c, name_of(c), word, pos) for c in columns]


def _at(cls, message: str, pos, text, extra: str | None = None) -> LeostataError:
    """``cls(message)`` with a caret under ``pos`` (when the text is known)
    and an explanatory line."""
    hints = []
    if text is not None and pos is not None:
        hints.append(caret(text, *pos))
    if extra:
        hints.append(extra)
    return cls(message, hint="\n".join(hints) if hints else None)


def _default_names(table: Optional[TableInfo]) -> Callable[[ColumnInfo], str]:
    if table is None or not table.columns:
        return lambda c: c.name
    from ..stata_types import stata_names
    mapping = dict(zip((c.name for c in table.columns),
                       stata_names([c.name for c in table.columns])))
    return lambda c: mapping.get(c.name, c.name)


def _default_resolver(table: Optional[TableInfo], name_of, text) -> Resolver:
    """Stata varlist resolution against the table's columns by Stata name:
    exact name, unique abbreviation, wildcards ``*``/``?``/``~``, ranges."""

    def resolve(token: str, pos) -> list:
        if table is None:
            raise _at(NotFound, f"variable {token} not found", pos, text)
        cols = list(table.columns)
        names = [name_of(c) for c in cols]
        if "-" in token:
            a, b = token.split("-", 1)
            ia, ib = _one(a, names, pos), _one(b, names, pos)
            if ia > ib:
                raise _at(StataSyntaxError, f"{token}: invalid range (variables out of order)",
                          pos, text)
            return cols[ia:ib + 1]
        if any(ch in token for ch in "*?~"):
            pattern = token.replace("~", "*")
            hits = [c for c, n in zip(cols, names) if fnmatch.fnmatchcase(n, pattern)]
            if not hits:
                raise _at(NotFound, f"variable {token} not found", pos, text)
            if "~" in token and len(hits) > 1:
                raise _at(StataSyntaxError, f"{token} ambiguous abbreviation", pos, text)
            return hits
        return [cols[_one(token, names, pos)]]

    def _one(name: str, names: list[str], pos) -> int:
        if name in names:
            return names.index(name)
        hits = [i for i, n in enumerate(names) if n.startswith(name)]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise _at(NotFound, f"{name} ambiguous abbreviation", pos, text)
        raise _at(NotFound, f"variable {name} not found", pos, text)

    return resolve
