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

Modules: ``model`` (Plan, Sample), ``varlist`` (names), ``check`` (typing
``if`` expressions; the functions come from ``leostata.functions``),
``options`` (the option table), ``collapse`` (collapse() specs), ``merge``
(merge(): the merged data as one table), ``cohort`` (cohort(): semi-joins); this module
puts them together in ``plan_load``.
Names are the Stata names of the columns (``stata_types.stata_names``: a
valid SQL name is its own Stata name), matched case-sensitively as Stata
does.  Errors carry Stata's return codes and a caret under the offending
text when the command text is known.
"""

from __future__ import annotations

from dataclasses import replace

from ..catalog import ColumnInfo, TableInfo
from ..errors import NotFound, StataSyntaxError, TypeMismatch, Untranslatable, caret, located
from ..stata_types import MERGE_VALUE_LABEL, OutputColumn, ValueLabel
from .check import EXPRESSION_KINDS, check_expression
from .cohort import Cohort, build_cohort, cohort_options
from .merge import Merge, build_merges, merge_options
from .model import Plan, Sample
from .options import OPTIONS, OptionSpec, find_option, read_options
from .varlist import SYSTEM_NAMES, Names, resolve_token, resolve_varlist, stata_names

__all__ = ["plan_load", "Plan", "Sample", "Merge", "Cohort", "OutputColumn", "OPTIONS", "OptionSpec", "find_option",
           "resolve_varlist", "check_expression", "stata_names", "SYSTEM_NAMES",
           "EXPRESSION_KINDS"]


def plan_load(command, catalog, graph=None) -> Plan:
    """``leoload TABLE [varlist] [if] [in] [, options]`` -> a validated Plan.

    ``command``: an ``expr.command.Command`` or the command text;
    ``catalog``: a ``Catalog`` (anything with ``table(name) -> TableInfo``);
    ``graph``: the link graph (``links.LinkGraph``) or a function giving it,
    needed only by a ``link`` in merge() or cohort().
    An empty varlist means every column.  ``in`` needs a row order: the
    ``sort()`` option, else the table's key from the catalog; without either
    it is refused (Untranslatable r(5104)).  ``sample()`` needs the table's
    person key.  ``collapse()`` is validated by ``collapse.build_spec``.
    ``merge()`` (``merge.build_merges``; several apply in turn) is read
    first: every other name then resolves against the merged variables, the
    default row order is the last merge's key, then the earlier merges'
    keys, then the tables' keys, and ``in`` is refused (r(198)).
    """
    if isinstance(command, str):
        from ..expr.command import parse_command
        command = parse_command(command)
    text = command.text
    try:
        table = catalog.table(command.table)
    except NotFound as exc:
        raise located(NotFound, exc.message, text, command.table_pos, exc.hint) from None
    merges = build_merges(merge_options(command, find_option), table, catalog, text, graph)
    merge = merges[-1] if merges else None
    if merge is not None:
        table = merge.merged
    names = stata_names(table)
    cohorts = [build_cohort(o, table, catalog, text, graph)
               for o in cohort_options(command, find_option)]
    linked = [x for x in merges + cohorts if x.link is not None]
    if len(linked) > 1:
        raise StataSyntaxError("link may be given in one merge() or cohort() per command",
                               hint="r() reports the persons one link matched; follow a second "
                                    "link in a second leoload")

    columns = resolve_varlist(command.varlist, table, text=text) or list(table.columns)
    where = None
    if command.if_expr is not None:
        where = check_expression(command.if_expr, table, text=text)
        if where.stype != "num":
            raise located(TypeMismatch, "type mismatch", text, command.if_pos,
                         "the if condition must be numeric (a string is neither true nor false)")
    options = read_options(command, table)
    if command.weight is not None and "collapse" not in options:
        from .collapse import stata_error
        raise stata_error(101, "weights not allowed",
                          caret(text, *command.weight.pos) + "\nleoload takes weights in "
                          "collapse() only")

    order_by = list(options.get("sort") or [])
    if not order_by and merge is not None:
        order_by = [table.column(n) for n in merge.order_names()]
    elif not order_by and table.key:
        order_by = [_key_column(table, k) for k in table.key]

    in_range = command.in_range
    if in_range is not None and merge is not None:
        raise located(StataSyntaxError, "in may not be combined with merge()", text,
                      command.in_pos,
                      "in would count either the master's observations before the merge or the "
                      "merged ones, and Stata users write both; select rows with if, or load and "
                      "then keep in #/# in Stata")
    if in_range is not None and not order_by:
        raise located(Untranslatable, f"in {_range_text(in_range)}: table {table.name} has no row order",
                     text, command.in_pos,
                     "a SQL table has no order of its own, so the observations "
                     f"numbered {_range_text(in_range)} would change from run to run; "
                     "add sort(varlist) to say which order to count in")

    sample = None
    if "sample" in options:
        percent, seed = options["sample"]
        if not table.person_key:
            pos = next(o.pos for o in command.options if find_option(o.name).name == "sample")
            raise located(Untranslatable, f"sample(): table {table.name} has no person key",
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
                options=options, text=text, merges=merges,
                cohorts=cohorts)
    indicators = {m.generate for m in merges if m.generate is not None}
    plan.outputs = []
    for c in columns:
        notes, codes = c.notes, c.value_labels
        value_label = MERGE_VALUE_LABEL if c.name in indicators else None
        if value_label is None and codes and not options.get("codesonly") and c.sql_type.is_numeric:
            from ..metadata import parse_value_labels
            label_name, pairs = parse_value_labels(codes, c.name)
            value_label = ValueLabel(label_name or names[c.name], pairs)
        plan.outputs.append(OutputColumn(name=names[c.name], source=c.name, sql_type=c.sql_type,
                                         label=c.description,
                                         stata_type="byte" if c.name in indicators else None,
                                         value_label=value_label, notes=notes))
    if "collapse" in options:
        plan.collapse = _collapse_spec(command, plan, names)
        # by() variables keep their value labels and notes, as collapse keeps them
        plain, by_names = {o.name: o for o in plan.outputs}, set(plan.collapse.by_names)
        plan.outputs = [replace(o, value_label=plain[o.name].value_label, notes=plain[o.name].notes)
                        if o.name in by_names and o.name in plain else o
                        for o in plan.collapse.outputs()]
    if options.get("declaredtypes"):
        plan.outputs = [replace(o, declared_types=True) for o in plan.outputs]
    return plan


def _collapse_spec(command, plan: Plan, names: dict):
    """Build the collapse spec (``collapse.build_spec``) from the options."""
    from .collapse import build_spec
    from ..expr.command import parse_clist
    opt = next(o for o in command.options if find_option(o.name).name == "collapse")
    items = parse_clist(command.text, *opt.args_pos)
    lookup = Names(plan.table)

    def resolve(token, pos):
        return resolve_token(token, pos, lookup, command.text)

    return build_spec(items, plan.options.get("by", []), bool(plan.options.get("cw")),
                      order_columns=plan.order_by or None, table=plan.table, resolve=resolve,
                      stata_name=lambda c: names.get(c.name, c.name), text=command.text,
                      weight=_collapse_weight(command, plan, resolve, names))


def _collapse_weight(command, plan: Plan, resolve, names: dict):
    """The collapse weight (``collapse.Weight``) of ``[wtype=column]``, or
    None.  ``[weight=]`` is collapse's default, aweight.  The exp must be one
    column (r(5104) otherwise); sdc is refused with weights (r(5104)): the
    disclosure checks count persons unweighted."""
    from ..expr.nodes import Name
    from .collapse import Weight
    given = command.weight
    if given is None:
        return None
    text = command.text
    if not isinstance(given.expr, Name):
        raise located(Untranslatable, f"[{given.typed}={given.exp_text}]: the weight must be "
                      "one variable", text, given.exp_pos,
                      "leostata weights by a column of the table; an expression as the weight "
                      "is not translated (generate it on the server side first, or collapse "
                      "in Stata)")
    if plan.options.get("sdc"):
        raise located(Untranslatable, "sdc may not be combined with weights", text, given.pos,
                      "the disclosure checks count persons and values unweighted, so they "
                      "would not judge the weighted statistics")
    (column,) = resolve(given.expr.name, given.exp_pos) or [None]
    return Weight(given.kind or "aweight", column, names.get(column.name, column.name),
                  given.pos)


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
