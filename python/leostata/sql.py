"""Plan -> one SQLAlchemy SELECT, and the SQL text shown to the user.

Public API::

    select_for(plan, dialect)          -> sqlalchemy.Select   what the loader executes
    merge_probes(plan, dialect)        -> [(merge, side, keys, Select)] merge()'s cardinality checks
    link_probe(plan, dialect)          -> (Link, Select) or None  the link's person counts
    weight_probe(plan, dialect)        -> Select or None      a weighted collapse's weight check
    row_source(plan, dialect)          -> sqlalchemy.Select   filtered rows, no ORDER BY
    to_sql(select_or_plan, dialect)    -> str                 literal SQL, for display
    sql_text(command_text, catalog, dialect_name=None) -> str `leostata sql`
    offline_dialect(name)              -> sqlalchemy Dialect  (SQL Server pinned to 2016)

``dialect`` is a dialect name (``mssql``, ``postgresql``, ``sqlite``,
``duckdb``) or a SQLAlchemy ``Dialect`` (an engine's: its server version
then drives SQL Server's feature gates).

Shape of the statement::

    SELECT <outputs>
    FROM <table>                                  -- or, with in/sample:
         (SELECT <needed columns>,
                 ROW_NUMBER() OVER (ORDER BY <Stata order>) AS leo_obs,
                 COUNT(*) OVER () AS leo_nobs,        -- only for in -k/...
                 <person key as a number> AS leo_person
          FROM <table>) AS leo_rows
    WHERE <if> AND <in: leo_obs between first and last> AND <sample hash>
    ORDER BY <in: leo_obs | sort(): Stata's order | else: the raw key columns>

With ``merge()`` the table is the derived table of the merged data
(``translate.join.merged_source``; several merges nest), read like any
table.  Each ``cohort()`` adds an ``EXISTS`` to the WHERE
(``translate.join.cohort_condition``).

**Row order** (``needs_stata_order``).  Stata's sort order (numbers with
missing last, strings by bytes with "" first: ``translate.base.order_keys``)
is an expression no index serves - on SQL Server ``(ISNULL(k,'') + CHAR(1))
COLLATE Latin1_General_100_BIN2`` - so the server sorts on it only when the
command needs it: ``in`` numbers the rows in it, and ``sort()`` asks for it
(``collapse()``'s first/last/firstnm/lastnm and by() order are computed in
``translate.aggregate`` and keep it too).  Merged data keep it as well, as
Stata's merge leaves the data in key order: the merged rows are a join's
output that no index holds in order, so the server sorts them either way,
and the binary order keeps a master row and a using-only row whose keys
differ only in case (equal under a case-insensitive collation) apart.  A
plain load of a table (neither ``in`` nor ``sort()`` nor ``merge()``, with
or without if, sample(), cohort()) is ordered on the raw key columns
(``ORDER BY Edukey, TaxYear``: the catalog's table key), which an index on
the key delivers without a sort.  A key unique under the columns' own
collation (a primary key or a unique index is) makes that a total order, so
repeated runs return the same rows in the same order (a key only the
metadata declares may have ties, as it could under Stata's order too; a SQL
Server uniqueidentifier key orders on its nvarchar reading,
``MSSQL_STRING_CASTS``).  It is the database's order, not Stata's
(case-insensitive collations; where missing sorts), and nothing marks the
loaded data as sorted (the writers declare no sort order).  A table without a key gets no ORDER BY at all, as before: the
rows come in whatever order the server returns them, and ``in`` is refused
there (``plan.plan_load``).

``in`` counts observations in the table's order *before* the if-condition,
as Stata's ``use ... if ... in ...`` does, so the numbering is computed over
every row and the ``if`` filters afterwards.  With ``collapse()`` the same
filtered rows feed ``translate.aggregate.collapse_select``; with ``count``
they are counted.

**Printed = executed.**  ``to_sql`` compiles the very statement the loader
runs - for a Plan, ``select_for`` plus the output casts ``stream`` applies
(``stream.server_casts``) - with bound values rendered inline by
SQLAlchemy.  The executed statement differs only in carrying ``?`` markers
(DB-API placeholders) where the printed one shows the values.

**Parameters.**  User values are bound parameters.  SQL Server accepts at
most 2,100 per statement.  Stata caps ``inlist()`` at 250 numbers or 10
strings, but an expression may hold up to 800 operators and several
inlist() calls, so past ``translate.base.MAX_PARAMS`` (2,000) values are
rendered inline instead (SQLAlchemy's ``literal_execute``: escaped by the
dialect's own literal renderer, in the printed and the executed SQL alike).
``select_for`` counts the parameters the driver will really receive (a
value used twice in the SQL is sent twice) and binds fewer when needed.
Inline values keep one statement - no temporary table, no extra round trip -
and keep the printed text equal to the executed one; values never reach SQL
as text without going through that renderer.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Optional, Union

import sqlalchemy as sa
from sqlalchemy import types as sat

from .catalog import ColumnInfo
from .errors import InternalError, LeostataError, caret
from .expr.nodes import Name, walk
from .expr.nodes import deep_recursion
from .plan import Plan, plan_load
from .translate.base import MAX_PARAMS

OBS, NOBS, PERSON = "leo_obs", "leo_nobs", "leo_person"

_SA_TYPES = {
    "bool": sat.Integer, "int8": sat.SmallInteger, "uint8": sat.SmallInteger,
    "int16": sat.SmallInteger, "int32": sat.Integer, "int64": sat.BigInteger,
    "decimal": sat.Numeric, "float32": sat.Float, "float64": sat.Float, "string": sat.String,
    "date": sat.Date, "datetime": sat.DateTime, "time": sat.Time, "binary": sat.LargeBinary,
}


def sa_type(col: ColumnInfo):
    """The SQLAlchemy type a column is referenced with."""
    return _SA_TYPES.get(col.sql_type.kind, sat.NullType)()


def offline_dialect(name: str):
    """A SQLAlchemy dialect for compiling without a connection.  SQL Server
    is pinned to ``translate.mssql.PINNED_VERSION`` (2016)."""
    from .translate import spec_for
    spec_for(name)  # refuses unknown names
    if name == "mssql":
        from sqlalchemy.dialects import mssql as ms
        from .translate.mssql import PINNED_VERSION
        d = ms.dialect()
        d.server_version_info = PINNED_VERSION
        d._setup_version_attributes()
        return d
    if name == "postgresql":
        from .connection import PGDialect_pyodbc
        return PGDialect_pyodbc()
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite
        return sqlite.dialect()
    import duckdb_engine
    return duckdb_engine.Dialect(paramstyle="named")


def _dialect(dialect):
    return offline_dialect(dialect) if isinstance(dialect, str) else dialect


# --- building the statement -------------------------------------------------------------


def _needed(plan: Plan) -> list[ColumnInfo]:
    """Every column the statement reads, in table order."""
    wanted: dict[str, ColumnInfo] = {}
    if plan.collapse is not None:
        for c in list(plan.collapse.by) + list(plan.collapse.sources()):
            wanted[c.name] = c
        for c in plan.collapse.order or []:
            wanted[c.name] = c
    elif not plan.count_only:
        for c in plan.columns:
            wanted[c.name] = c
    if plan.where is not None:
        for node in walk(plan.where):
            if isinstance(node, Name) and node.column is not None:
                wanted[node.column.name] = node.column
    if plan.in_range is not None or (plan.collapse is None and not plan.count_only):
        for c in plan.order_by:
            wanted[c.name] = c
    if plan.sample is not None:
        wanted[plan.sample.key.name] = plan.sample.key
    for cohort in plan.cohorts:
        for c in cohort.loaded_keys:
            wanted[c.name] = c
    if not wanted:  # a count with no condition still needs a column to select
        first = plan.table.columns[0]
        wanted[first.name] = first
    order = {c.name: i for i, c in enumerate(plan.table.columns)}
    return sorted(wanted.values(), key=lambda c: order.get(c.name, len(order)))


#: SQL Server string types that allow no COLLATE, + or = (uniqueidentifier
#: allows comparison only; text/ntext are deprecated LOB types): read them as
#: nvarchar/varchar first, so every string rule applies to them.
MSSQL_STRING_CASTS = {"uniqueidentifier": sat.NVARCHAR(36), "text": sat.VARCHAR(),
                      "ntext": sat.NVARCHAR()}  # no length: (max) on SQL Server


def _read_as_strings(table, needed: list[ColumnInfo], dialect_name: str, name: str = "leo_src"):
    """``table``, or on SQL Server a derived table casting the columns of
    ``MSSQL_STRING_CASTS`` types to ordinary strings (same column names)."""
    casts = {c.name: MSSQL_STRING_CASTS[c.sql_type.raw.lower()] for c in needed
             if dialect_name == "mssql" and c.sql_type.raw.lower() in MSSQL_STRING_CASTS}
    if not casts:
        return table
    cols = [sa.cast(table.c[c.name], casts[c.name]).label(c.name) if c.name in casts
            else table.c[c.name] for c in needed]
    return sa.select(*cols).subquery(name)


def _base_table(dialect_name: str, merges=(), tr=None):
    """``base(table, columns, alias)`` for ``translate.join``: a table's
    columns under their SQL names, as an aliased table (or SQL Server's
    string-cast derived table); the merged data of one of ``merges`` (the
    master of the next merge) as that merge's derived table."""
    from .translate.join import merged_source
    made_by = {id(m.merged): m for m in merges}

    def base(info, cols, alias):
        merge = made_by.get(id(info))
        if merge is not None:
            return merged_source(merge, [c.name for c in cols], tr, base, alias)
        table = sa.table(info.name, *[sa.column(c.name, sa_type(c)) for c in cols],
                         schema=info.schema)
        read = _read_as_strings(table, cols, dialect_name, alias)
        return table.alias(alias) if read is table else read
    return base


def merge_probes(plan: Plan, dialect) -> list[tuple[object, str, list[str], sa.Select]]:
    """The cardinality checks ``plan.merges`` declare, to run before the
    load: ``(merge, side, key names, statement)`` with side "master" or
    "using"; a statement returning a row means the side is not unique on its
    key (Stata: r(459)).  A later merge's master is the merged data before
    it.  Empty without a merge."""
    from .plan.varlist import stata_names
    from .translate import translator_for
    from .translate.join import uniqueness_probe, using_base
    d = _dialect(dialect)
    out = []
    for merge in plan.merges:
        tr = translator_for(d)
        base = _base_table(d.name, plan.merges, tr)
        using = using_base(base, merge, tr)
        for side, unique, table, cols in (
                ("master", merge.master_unique, merge.master, merge.master_keys),
                ("using", merge.using_unique, merge.using, merge.using_keys)):
            if unique:
                names = stata_names(table)
                read = base if side == "master" else (lambda _t, c, a: using(c, a))
                out.append((merge, side, [names[c.name] for c in cols],
                            uniqueness_probe(table, cols, d.name, read,
                                             tr if merge.link is not None else None)))
    return out


def link_probe(plan: Plan, dialect):
    """The one ``link`` of ``plan`` (in a merge() or a cohort()) and the
    statement counting its persons (``translate.link.link_counts``: one row
    persons, unmatched, matched, multiple), or None without a link."""
    from .translate import translator_for
    from .translate.join import other_has_key
    from .translate.link import link_counts
    d = _dialect(dialect)
    tr = translator_for(d)
    base = _base_table(d.name, plan.merges, tr)
    for merge in plan.merges:
        if merge.link is not None:
            link, loaded, where = merge.link, merge.master, merge.using_where
            break
    else:
        cohort = next((c for c in plan.cohorts if c.link is not None), None)
        if cohort is None:
            return None
        link, loaded, where = cohort.link, plan.table, cohort.where
    statement = link_counts(link, tr, base, lambda cols, alias: base(loaded, cols, alias),
                            other_has_key(link, tr, base, where))
    return link, statement


def _build(plan: Plan, dialect, *, for_output: bool, max_params: int = MAX_PARAMS):
    """(translator, row source, needed columns, WHERE conditions, ORDER BY terms)."""
    from .translate import translator_for
    d = _dialect(dialect)
    needed = _needed(plan)
    tr = translator_for(d)
    tr.max_params = max_params
    if plan.merge is not None:
        table = _base_table(d.name, plan.merges, tr)(plan.table, needed, "leo_merged")
    else:
        table = sa.table(plan.table.name, *[sa.column(c.name, sa_type(c)) for c in needed],
                         schema=plan.table.schema)
        table = _read_as_strings(table, needed, d.name)
    tr.columns = lambda col: table.c[col.name]

    helpers = []
    if plan.in_range is not None:
        if not plan.order_by:
            raise InternalError("in-range without a row order reached sql.select_for")
        helpers.append(sa.func.row_number().over(order_by=tr.order_keys(plan.order_by))
                       .label(OBS))
        if min(plan.in_range) < 0:
            helpers.append(tr.sql("count_all", type_=sat.BigInteger()).over().label(NOBS))
    if plan.sample is not None:
        helpers.append(tr.key_residue(plan.sample.key).label(PERSON))

    if helpers:
        src = sa.select(*[table.c[c.name] for c in needed], *helpers).subquery("leo_rows")
        tr.columns = lambda col: src.c[col.name]
    else:
        src = table

    conditions = []
    if plan.where is not None:
        where = tr.predicate(plan.where)
        if where is not None:
            conditions.append(where)
    if plan.cohorts:
        from .translate.join import cohort_condition
        loaded = tr.columns
        cohort_base = _base_table(d.name)
        conditions.extend(cohort_condition(c, tr, loaded, cohort_base, f"leo_c{i}")
                          for i, c in enumerate(plan.cohorts, 1))
    if plan.in_range is not None:
        conditions.extend(_in_conditions(tr, src, plan.in_range))
    if plan.sample is not None:
        conditions.append(tr.sample_predicate(src.c[PERSON], plan.sample.percent,
                                              plan.sample.seed))
    order = []
    if for_output:
        if plan.in_range is not None:
            order = [src.c[OBS]]
        elif needs_stata_order(plan):
            order = tr.order_keys(plan.order_by)
        else:  # a plain load: the key's raw columns, which an index on the key serves
            order = [tr.columns(c) for c in plan.order_by]
    return tr, src, needed, conditions, order


def needs_stata_order(plan: Plan) -> bool:
    """True when the rows of ``plan`` come in Stata's exact sort order:
    ``in`` numbers them in it, ``sort()`` asks for it, and merged data keep
    it (module doc); False for a plain load of a table, which the server
    orders on the raw key columns."""
    return plan.in_range is not None or bool(plan.options.get("sort")) or bool(plan.merges)


def _in_conditions(tr, src, in_range: tuple[int, int]) -> list:
    """Stata's ``in first/last`` on the row numbers; a negative number counts
    from the end (-1 = the last row, -k = row N - k + 1)."""
    obs, nobs = src.c[OBS], src.c.get(NOBS)
    first, last = in_range
    out = []
    if first > 1:
        out.append(obs >= tr.bind(first, sat.BigInteger()))
    elif first < 0:
        out.append(obs > nobs - tr.bind(-first, sat.BigInteger()))
    if last > 0:
        out.append(obs <= tr.bind(last, sat.BigInteger()))
    elif last < -1:
        out.append(obs <= nobs - tr.bind(-last - 1, sat.BigInteger()))
    return out


def row_source(plan: Plan, dialect, *, max_params: int = MAX_PARAMS) -> sa.Select:
    """The rows the plan keeps (if, in, sample applied), with every needed
    column under its SQL name, without ORDER BY (to be wrapped, e.g. by
    collapse or count)."""
    with _errors_at(plan), deep_recursion():
        tr, src, needed, conditions, _ = _build(plan, dialect, for_output=False,
                                                max_params=max_params)
        return sa.select(*[src.c[c.name] for c in needed]).where(*conditions)


def select_for(plan: Plan, dialect) -> sa.Select:
    """The SELECT for ``plan`` on ``dialect`` (see the module doc): the plan's
    outputs in the row order of the module doc (Stata's for in and sort(),
    the raw key's for a plain load); a collapse or a count when asked.  At most
    MAX_PARAMS values are bound parameters (see the module doc)."""
    d = _dialect(dialect)
    return within_parameters(lambda budget: _select(plan, d, budget), d)


def within_parameters(build: Callable[[int], sa.Select], dialect) -> sa.Select:
    """``build(budget)`` (a statement that binds at most ``budget`` of its
    values, inlining the rest) with the largest budget tried whose statement
    sends the driver at most MAX_PARAMS parameters: a value used twice in
    the SQL (or a row source used twice, as ``sdc``'s) is sent twice."""
    d = _dialect(dialect)
    budget = MAX_PARAMS
    for _ in range(5):
        stmt = build(budget)
        bound = bound_parameters(stmt, d)
        if bound <= MAX_PARAMS:
            return stmt
        budget = max(0, budget - (bound - MAX_PARAMS) - 16)
    return build(0)


def _select(plan: Plan, d, max_params: int) -> sa.Select:
    with _errors_at(plan), deep_recursion():
        if plan.collapse is not None:
            from .translate.aggregate import collapse_select
            return collapse_select(row_source(plan, d, max_params=max_params), plan.collapse,
                                   d.name)
        if plan.count_only:
            from .translate.aggregate import count_select
            return count_select(row_source(plan, d, max_params=max_params))
        tr, src, needed, conditions, order = _build(plan, d, for_output=True,
                                                    max_params=max_params)
        outputs = []
        for out in plan.outputs:
            col = src.c[out.source]
            outputs.append(col if out.name == out.source else col.label(out.name))
        return sa.select(*outputs).where(*conditions).order_by(*order)


def bound_parameters(stmt, dialect) -> int:
    """How many parameters the driver receives for ``stmt`` (a value used
    twice in the SQL counts twice, as it does for ``?`` placeholders)."""
    counting = type(dialect)(paramstyle="qmark")
    with deep_recursion():
        compiled = stmt.compile(dialect=counting, compile_kwargs={"render_postcompile": True})
    return len(compiled.positiontup or ())


@contextlib.contextmanager
def _errors_at(plan: Plan):
    """Put a caret under the part of the command a translation refusal is about."""
    try:
        yield
    except LeostataError as exc:
        pos = getattr(exc, "pos", None)
        if pos and plan.text and not (exc.hint or "").startswith("    "):
            exc.hint = caret(plan.text, *pos) + (f"\n{exc.hint}" if exc.hint else "")
        raise


def executed_statement(plan: Plan, dialect):
    """What the loader runs for ``plan``: ``select_for`` plus the output
    casts ``stream.stream`` applies by default (``stream.server_casts``)."""
    from .translate.casts import server_casts
    d = _dialect(dialect)
    if plan.count_only and plan.collapse is None:
        return select_for(plan, d)
    return server_casts(select_for(plan, d), plan.outputs, d.name)


# --- text -------------------------------------------------------------------------------


def _display_dialect(d):
    """``d`` for display: format-style DB-APIs double every ``%`` in the
    statement they are sent; the printed text shows it once."""
    if getattr(d, "paramstyle", None) in ("format", "pyformat"):
        shown = type(d)(paramstyle="named")
        shown.server_version_info = getattr(d, "server_version_info", None)
        return shown
    return d


def to_sql(stmt: Union[sa.Select, Plan], dialect) -> str:
    """The SQL text of ``stmt`` (a Select, or a Plan: the statement the loader
    executes) on ``dialect``, with every value rendered inline."""
    d = _dialect(dialect)
    if isinstance(stmt, Plan):
        stmt = executed_statement(stmt, d)
    with deep_recursion():
        compiled = stmt.compile(dialect=_display_dialect(d),
                                compile_kwargs={"literal_binds": True})
    return str(compiled)


def weight_probe(plan: Plan, dialect):
    """For a weighted collapse, the statement counting the filtered rows'
    negative and noninteger weights (``translate.aggregate.weight_check_select``,
    run before the load); None otherwise."""
    if plan.collapse is None or plan.collapse.weight is None:
        return None
    from .translate.aggregate import weight_check_select
    d = _dialect(dialect)
    return weight_check_select(row_source(plan, d), plan.collapse, d.name)


def sql_text(command_text: str, catalog, dialect_name: Optional[str] = None,
             graph=None) -> str:
    """``leostata sql``: the SQL for ``TABLE [varlist] [if] [in] [, options]``,
    names resolved in ``catalog`` (``graph``: the link graph, or a function
    giving it, for a ``link``), written for ``dialect_name`` (default: the
    catalog's own database, with its server version).  The checks that run
    before it (merge cardinality, a weighted collapse's weights, a link's person counts) follow as comments
    and their statements."""
    plan = plan_load(command_text, catalog, graph=graph)
    dialect = (catalog.engine.dialect if dialect_name is None or dialect_name == catalog.dialect
               else dialect_name)
    text = to_sql(plan, dialect)
    for merge, side, keys, probe in merge_probes(plan, dialect):
        text += (f"\n-- checked first: the {side} data of merge {merge.kind} unique on "
                 f"{' '.join(keys)} (a row means r(459))\n{to_sql(probe, dialect)}")
    weights = weight_probe(plan, dialect)
    if weights is not None:
        text += (f"\n-- checked first: negative and noninteger weights (r(402), r(401))\n"
                 f"{to_sql(weights, dialect)}")
    counted = link_probe(plan, dialect)
    if counted is not None:
        text += f"\n-- counted first: the persons of link {counted[0].path}\n{to_sql(counted[1], dialect)}"
    return text
