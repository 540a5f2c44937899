"""A ``CollapseSpec`` over a filtered row source -> the aggregated SELECT.

``collapse_select(source, spec, dialect_name)`` wraps the row source (a
``Select`` or subquery exposing the needed columns by their SQL names, with
if/in/sample already applied) and returns one SELECT that computes every
statistic on the server, one row per by() group, sorted as Stata sorts.
Dialects: ``mssql`` (SQL Server 2016+), ``postgresql``, ``sqlite``, ``duckdb``.
``count_select(source)`` returns the number of rows (``leoload ..., count``).

Shape of the query (three levels; the middle one only when needed)::

    SELECT <by keys>, <aggregates>            -- one row per group
    FROM (SELECT <base columns>, <windows>    -- ranks, group counts, means
          FROM (SELECT <by keys normalised>, <values>, <order keys>
                FROM (<source>) AS src
                [WHERE <every clist value> IS NOT NULL])   -- cw
               AS agg_base) AS agg_rows
    GROUP BY <by keys> ORDER BY <by keys, Stata's order>

Stata semantics and the SQL that keeps them:

* Percentiles (``p#``, ``median``, ``iqr``) by Stata's rule, not
  PERCENTILE_CONT.  On PostgreSQL and DuckDB (unweighted) from one ordered
  ``array_agg`` per group and variable, with integer positions
  (``translate.percentile``; 0.66x ``percentile_disc``'s time against 2.98x
  for the window form, bench/README.md); on SQL Server and SQLite, which
  have no ordered arrays, the window form below.  For the n nonmissing sorted values of a group and
  g = n*p/100: if g is an integer k the result is (x_k + x_{k+1})/2, else
  x_ceil(g).  Both cases are "the rows with 100*(i-1) <= n*p <= 100*i"
  (one row, or the two rows k and k+1), so each percentile is
  ``AVG(CASE WHEN 100*(rn-1) <= n*p AND n*p <= 100*rn THEN x END)`` with
  ``rn = ROW_NUMBER() OVER (PARTITION BY <by> ORDER BY x <missing last>)``
  and ``n = COUNT(x) OVER (PARTITION BY <by>)``: integer arithmetic only
  (no division, no floating point in the choice of rows), one sort per
  summarised variable, no rows fetched.  Missing values are ranked after
  every value, so they are never chosen.
* ``iqr`` = p75 - p25; when the result is a Stata ``float`` the two
  percentiles are first rounded to single precision, as collapse stores them
  in float variables before subtracting (SQLite has no single precision: a
  gap noted in ``SEMANTIC_GAPS``).
* ``mean`` = ``AVG(CAST(x AS DOUBLE PRECISION))``: never integer AVG.
  ``sum``/``rawsum`` = ``COALESCE(SUM(CAST(x AS DOUBLE PRECISION)), 0)``: 0
  for an all-missing group.  ``count`` = ``COUNT_BIG(x)`` on SQL Server
  (``COUNT`` is a 32-bit int there), ``COUNT(x)`` elsewhere.
* ``sd`` two-pass, as collapse computes it: the group mean by a window
  ``AVG``, then ``SQRT(SUM((x-m)*(x-m)) / (n-1))`` with ``n-1 = 0`` ->
  missing (n = 1); no reliance on STDEV/stddev_samp (SQLite has none).
  ``semean`` = ``(1/SQRT(n)) * sd``.  ``sebinomial`` = ``SQRT(m*(1-m)/n)``,
  missing when a value is not 0/1; ``sepoisson`` =
  ``SQRT(FLOOR(m*n + 0.5)) / n``, missing when a value is negative.
* ``percent`` = ``(COUNT(x) / SUM(COUNT(x)) OVER ()) * 100`` in double.
* ``min``/``max`` = ``MIN``/``MAX``; ``first``/``last``/``firstnm``/
  ``lastnm`` = the value on the row numbered 1 by ``ROW_NUMBER()`` over the
  explicit order (ascending / descending; for the ``nm`` versions the
  nonmissing rows are numbered separately).
* Values as Stata holds them: booleans as 0/1, decimals as double, dates as
  %td day numbers (days since 1960-01-01; before 0100-01-01 -> missing).
* by() groups: NULL keys form their own group; string keys are
  ``COALESCE(s, '')`` (Stata's missing string is "", so NULL and '' are one
  group) under a binary collation (``Latin1_General_100_BIN2`` on SQL
  Server, ``"C"`` on PostgreSQL/DuckDB, ``BINARY`` on SQLite), and on SQL
  Server also ``DATALENGTH`` (its ``=`` ignores trailing blanks; Stata does
  not).  Decimal keys are grouped as doubles, as Stata would hold them.
  Boolean keys are grouped as 0/1 and dates before 0100-01-01 (outside
  %td) join the missing group, as in Stata.
  Rows are ordered by the by() keys: numeric missing last
  (``k NULLS LAST``; on SQL Server, which sorts NULL first and has no NULLS
  LAST, ``CASE WHEN k IS NULL THEN 1 ELSE 0 END, k``), strings in byte order
  with "" first.
* Weights (``spec.weight``; the rules in ``plan.collapse``): the weight is
  read as a double ``_w`` and rows whose weight is missing or zero are left
  out at the base level (collapse marks its sample with the weight).  With
  ``wn = CASE WHEN x IS NOT NULL THEN w END`` (the weights of the
  nonmissing values) and n = COUNT(x): mean = SUM(w*x) / SUM(wn); sum =
  SUM(w*x), under aweights times n / SUM(wn) (the weights normalised to sum
  to n); count = n under aweights, else SUM(wn); percent = 100 SUM(wn) /
  SUM(SUM(wn)) OVER (); sd = SQRT(SUM(w*(x-m)^2) / (SUM(wn) - 1)) with
  m = the weighted group mean by a window, under aweights the sum of
  squares times n / SUM(wn) and the divisor n - 1, missing when the divisor
  is 0 or the ratio negative (iweights).  Percentiles with the weights
  normalised to sum to n, as collapse's ``_p`` does for every weight type:
  rows sorted by (x, w), C_i the running sum of w (``ROWS UNBOUNDED
  PRECEDING``), c_i = C_i n / SUM(wn) and c_{i-1} = (C_i - w_i) n / SUM(wn),
  g = n p / 100; the chosen row is the first with c_i - g > 1e-6 and the
  result is x_i when g - c_{i-1} > 1e-6, else (x_{i-1} + x_i) / 2 with
  x_{i-1} by LAG.  The 1e-6 is collapse's own tolerance; the running sums
  are computed in the same order as collapse's, the normalisation is
  applied to the sum (not to each weight), so a result can differ from
  Stata's only when a cumulative weight lies within rounding error (about
  1e-13) of g + 1e-6.
* No observations: the query returns zero rows (with no by(), it groups on a
  constant column of the base level, so an empty source gives no group);
  the loader raises r(2000) via ``collapse.require_observations``.

The returned SELECT carries ORDER BY: execute it as the final statement (SQL
Server refuses ORDER BY in a derived table).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..plan.collapse import ORDER_STATS, CollapseSpec, Weight
from ..errors import InternalError
from . import DIALECT_NAMES, SPECS, dates
from .fold import TD_MIN
from .percentile import ARRAY_DIALECTS, stata_percentile

#: What this module cannot do exactly, per dialect (shown by ``leostata sql``).
SEMANTIC_GAPS = {
    "sqlite": ["iqr of a float-typed result subtracts double percentiles (SQLite has no "
               "single precision); Stata subtracts the float-rounded p75 and p25"],
    "mssql": ["string by() keys are grouped and sorted by the server's code page order "
              "under Latin1_General_100_BIN2 (Stata: UTF-8 bytes); differs only for "
              "non-ASCII varchar text"],
}


class count_big(FunctionElement):
    """``COUNT_BIG(x)`` on SQL Server (bigint: no overflow at 2^31-1),
    ``count(x)`` elsewhere.  Usable with ``.over()``."""

    type = sa.BigInteger()
    name = "count_big"
    inherit_cache = True


@compiles(count_big)
def _count_default(element, compiler, **kw):
    return "count(%s)" % compiler.process(element.clauses, **kw)


@compiles(count_big, "mssql")
def _count_mssql(element, compiler, **kw):
    return "COUNT_BIG(%s)" % compiler.process(element.clauses, **kw)


# --- small builders ----------------------------------------------------------------------


def int_literal(n: int):
    """An integer constant written into the SQL (never user text)."""
    return sa.literal_column(str(int(n)), sa.BigInteger())


def as_double(x):
    """``x`` cast to the dialect's double precision float."""
    return sa.cast(x, sa.Double())


def _div(a, b):
    """Floating-point division ``a / b`` written as is (SQLAlchemy's ``/``
    adds ``+ 0.0`` on some dialects, turning it into decimal arithmetic)."""
    return as_double(a).op("/", return_type=sa.Double())(as_double(b))


def _missing_last(x):
    return sa.case((x.is_(None), int_literal(1)), else_=int_literal(0))


def check_dialect(name: str) -> str:
    """``name`` if it is one of DIALECT_NAMES; else an InternalError."""
    if name not in DIALECT_NAMES:
        raise InternalError(f"collapse: unknown SQL dialect {name!r} (expected one of "
                            f"{', '.join(DIALECT_NAMES)})")
    return name


def source_column(src, name: str):
    """The column ``name`` of the row source ``src``; else an InternalError."""
    try:
        return src.c[name]
    except KeyError:
        raise InternalError(f"collapse: the row source has no column {name!r}") from None


def td_days(expr, dialect: str):
    """A SQL date as a Stata %td day number (days since 1960-01-01), missing
    before 0100-01-01 (outside %td)."""
    days = dates.collapse_days(expr, dialect)
    return sa.case((days >= int_literal(TD_MIN), days))


def stata_value(expr, sql_type, dialect: str):
    """A source column's values as Stata holds them (numbers only)."""
    kind = sql_type.kind
    if kind == "bool":
        return sa.cast(expr, sa.Integer())
    if kind == "decimal":
        return as_double(expr)
    if kind == "date":
        return td_days(expr, dialect)
    return expr


def stata_key(expr, sql_type, dialect: str):
    """(group/sort key, SQL Server companion or None), with the key's values
    as Stata would hold them: strings with NULL = '', booleans as 0/1,
    decimals as double, dates before 0100 missing.

    SQL Server pads the shorter string with blanks before comparing, even
    under BIN2, so ``'a' = 'a '`` and ``'a<tab>'`` sorts before ``'a'``.  The
    companion ``(s + CHAR(1)) COLLATE BIN2`` cannot be padded into another
    value: grouping uses both, and the sort order uses the companion alone
    (as the ``if``/``sort()`` translation does)."""
    if sql_type.is_string:
        blanked = sa.func.coalesce(expr, sa.literal_column("''", sa.String()))
        collation = SPECS[dialect].collation
        key = blanked.collate(collation)  # binary: bytes, case
        exact = None
        if dialect == "mssql":
            exact = sa.collate(blanked.op("+")(sa.func.CHAR(int_literal(1))), collation)
        return key, exact
    if sql_type.kind == "decimal":
        return as_double(expr), None
    if sql_type.kind == "bool":
        return sa.cast(expr, sa.Integer()), None
    if sql_type.kind == "date":
        return sa.case((expr >= dates.collapse_first_date(dialect), expr)), None
    return expr, None


def key_columns(src, cols, prefix: str, dialect: str):
    """The labelled key columns of ``cols`` (``stata_key``): ``{prefix}{i}`` and,
    on SQL Server, its DATALENGTH companion ``{prefix}l{i}``; and each key as
    ``(name, length name or None, is_string)``."""
    labelled, keys = [], []
    for i, col in enumerate(cols):
        key, length = stata_key(source_column(src, col.name), col.sql_type, dialect)
        name, length_name = f"{prefix}{i}", (f"{prefix}l{i}" if length is not None else None)
        labelled.append(key.label(name))
        if length is not None:
            labelled.append(length.label(length_name))
        keys.append((name, length_name, col.sql_type.is_string))
    return labelled, keys


def sort_keys_in(cols, keys) -> list:
    """``keys`` (see ``key_columns``) as columns of a derived table ``cols``:
    ``[(column, length column or None, is_string)]``, as ``stata_order_terms`` takes."""
    return [(cols[name], cols[length] if length else None, s) for name, length, s in keys]


def grouping_columns(cols, keys) -> list:
    """The columns of ``keys`` in ``cols`` (with the length companions): what
    PARTITION BY and GROUP BY list."""
    return [cols[n] for name, length, _ in keys for n in (name, length) if n]


def stata_order_terms(keys, dialect: str, descending: bool = False) -> list:
    """Stata's sort order over ``[(column, companion or None, is_string)]``:
    numeric missing last (SQL Server has no NULLS LAST: a CASE flag goes
    first), strings by bytes ("" first, shorter first); or its exact reverse."""
    terms = []
    for col, exact, is_string in keys:
        if is_string:
            part = exact if exact is not None else col  # see stata_key
            terms.append(part.desc() if descending else part)
        elif dialect == "mssql":
            parts = [_missing_last(col), col]
            terms.extend(p.desc() if descending else p for p in parts)
        else:
            terms.append(col.desc().nulls_first() if descending else col.asc().nulls_last())
    return terms


# --- the queries --------------------------------------------------------------------------


def count_select(source) -> sa.Select:
    """``SELECT COUNT_BIG(*) AS N FROM (<source>)``: the number of rows the
    source returns (``leoload ..., count`` -> r(N))."""
    src = source.subquery("src") if isinstance(source, sa.Select) else source
    return sa.select(count_big(sa.literal_column("*")).label("N")).select_from(src)


def collapse_select(source, spec: CollapseSpec, dialect_name: str) -> sa.Select:
    """The aggregated SELECT for ``spec`` over ``source`` on ``dialect_name``.

    Output columns: the by() variables (labelled with their Stata names, in
    table order), then one column per clist target labelled with the target
    name: exactly ``spec.outputs()``.  Rows: one per group, in Stata's sort
    order; zero rows when the source (after ``cw``) has none.
    """
    d = check_dialect(dialect_name)
    src = source.subquery("src") if isinstance(source, sa.Select) else source
    sources = spec.sources()
    index = {c.name: j for j, c in enumerate(sources)}

    # -- level 1: keys, values, order keys; casewise deletion --------------------------------
    base_cols, by_keys = key_columns(src, spec.by, "_k", d)
    if not spec.by:
        base_cols.append(int_literal(1).label("_g"))
    values = []
    for j, col in enumerate(sources):
        v = stata_value(source_column(src, col.name), col.sql_type, d)
        values.append(v)
        base_cols.append(v.label(f"_v{j}"))
    uses_order = any(item.stat in ORDER_STATS for item in spec.items)
    order_keys = []
    if uses_order:
        order_cols, order_keys = key_columns(src, spec.order or [], "_o", d)
        base_cols.extend(order_cols)
    weight = spec.weight
    if weight is not None:
        w = weight_value(src, weight, d)
        base_cols.append(w.label("_w"))
    base_q = sa.select(*base_cols).select_from(src)
    if weight is not None:  # collapse's mark: no missing or zero weights
        base_q = base_q.where(w.is_not(None), w != as_double(int_literal(0)))
    if spec.cw:
        base_q = base_q.where(sa.and_(*(v.is_not(None) for v in values)))
    base = base_q.subquery("agg_base")

    # -- level 2: windows (ranks, group counts, group means) -----------------------------------
    B = base.c
    partition = grouping_columns(B, by_keys) or None
    ranked = sorted({index[i.source.name] for i in spec.items
                     if i.percentile is not None or i.stat == "iqr"})
    centred = sorted({index[i.source.name] for i in spec.items if i.stat in ("sd", "semean")})
    nm_first = sorted({index[i.source.name] for i in spec.items if i.stat == "firstnm"})
    nm_last = sorted({index[i.source.name] for i in spec.items if i.stat == "lastnm"})
    windows = []
    if weight is not None:
        windows.extend(_weighted_windows(B, ranked, centred, partition, d))
        ranked = centred = []
    elif d in ARRAY_DIALECTS:  # percentiles from one ordered array per group: no ranks
        ranked = []
    for j in ranked:
        v = B[f"_v{j}"]
        windows.append(sa.func.row_number().over(partition_by=partition,
                                                 order_by=stata_order_terms([(v, None, False)], d))
                       .label(f"_r{j}"))
        windows.append(count_big(v).over(partition_by=partition).label(f"_n{j}"))
    for j in centred:
        windows.append(sa.func.avg(as_double(B[f"_v{j}"])).over(partition_by=partition)
                       .label(f"_m{j}"))
    if uses_order:
        okeys = sort_keys_in(B, order_keys)
        asc, desc = stata_order_terms(okeys, d), stata_order_terms(okeys, d, descending=True)
        stats = {i.stat for i in spec.items}
        if "first" in stats:
            windows.append(sa.func.row_number().over(partition_by=partition, order_by=asc)
                           .label("_rf"))
        if "last" in stats:
            windows.append(sa.func.row_number().over(partition_by=partition, order_by=desc)
                           .label("_rl"))
        for j, label, terms in ([(j, f"_rfn{j}", asc) for j in nm_first]
                                + [(j, f"_rln{j}", desc) for j in nm_last]):
            part = (partition or []) + [_missing_last(B[f"_v{j}"])]
            windows.append(sa.func.row_number().over(partition_by=part, order_by=terms)
                           .label(label))
    rows = sa.select(*B, *windows).subquery("agg_rows") if windows else base
    R = rows.c

    # -- level 3: one row per group ---------------------------------------------------------
    out_cols = []
    for i in spec.by_output_order():
        out_cols.append(R[f"_k{i}"].label(spec.by_names[i]))
    asked: dict = {}  # per variable: every percentile asked of it
    for item in spec.items:
        wanted = asked.setdefault(index[item.source.name], set())
        wanted.update([item.percentile] if item.percentile is not None
                      else (25, 75) if item.stat == "iqr" else ())
    for item in spec.items:
        j = index[item.source.name]
        stat = _statistic(item, j, R, d, asked[j]) if weight is None else \
            _weighted_statistic(item, j, R, d, weight.kind)
        out_cols.append(stat.label(item.target))
    group = grouping_columns(R, by_keys) if spec.by else [R["_g"]]
    order = stata_order_terms(sort_keys_in(R, by_keys), d)
    stmt = sa.select(*out_cols).select_from(rows).group_by(*group)
    if order:
        stmt = stmt.order_by(*order)
    return stmt


def _percentile(p: int, j: int, R, dialect: str, among=()):
    """Stata's p-th percentile of ``_v{j}``: on PostgreSQL and DuckDB from
    the group's ordered array (``translate.percentile``), elsewhere the mean
    of the rows with ``100*(rn-1) <= n*p <= 100*rn`` (the module docstring)."""
    if dialect in ARRAY_DIALECTS:
        v = R[f"_v{j}"]
        return stata_percentile(v, count_big(v), p, as_double, dialect, among)
    rn, n, v = R[f"_r{j}"], R[f"_n{j}"], R[f"_v{j}"]
    chosen = sa.and_((rn - int_literal(1)) * int_literal(100) <= n * int_literal(p),
                     n * int_literal(p) <= rn * int_literal(100))
    return sa.func.avg(sa.case((chosen, as_double(v))))


def _sd(j: int, R):
    v, m = as_double(R[f"_v{j}"]), R[f"_m{j}"]
    dev = v - m
    ss = sa.func.sum(dev * dev)
    return sa.func.sqrt(_div(ss, sa.func.nullif(count_big(R[f"_v{j}"]) - int_literal(1),
                                                int_literal(0))))


def _statistic(item, j: int, R, dialect: str, among=()):
    """``item``'s statistic of ``_v{j}`` in its group; ``among``: every
    percentile the statement asks of that variable (``_percentile``)."""
    v = R[f"_v{j}"]
    stat = item.stat
    n = count_big(v)
    if stat == "mean":
        return sa.func.avg(as_double(v))
    if stat in ("sum", "rawsum"):
        return sa.func.coalesce(sa.func.sum(as_double(v)), as_double(int_literal(0)))
    if stat == "count":
        return n
    if stat == "percent":
        total = sa.func.sum(count_big(v)).over()
        return _div(n, sa.func.nullif(total, int_literal(0))) * int_literal(100)
    if stat == "min":
        return sa.func.min(v)
    if stat == "max":
        return sa.func.max(v)
    if item.percentile is not None:
        return _percentile(item.percentile, j, R, dialect, among)
    if stat == "iqr":
        p75, p25 = (_percentile(q, j, R, dialect, among) for q in (75, 25))
        if item.stata_type == "float" and dialect != "sqlite":
            p75, p25 = (as_double(sa.cast(p, sa.REAL())) for p in (p75, p25))
        return p75 - p25
    if stat == "sd":
        return _sd(j, R)
    if stat == "semean":
        return (_div(int_literal(1), sa.func.sqrt(as_double(sa.func.nullif(n, int_literal(0)))))
                * _sd(j, R))
    if stat == "sebinomial":
        m = sa.func.avg(as_double(v))
        bad = count_big(sa.case((sa.and_(v != int_literal(0), v != int_literal(1)),
                                 int_literal(1))))
        return sa.case((bad == int_literal(0),
                        sa.func.sqrt(_div(m * (int_literal(1) - m),
                                          sa.func.nullif(n, int_literal(0))))))
    if stat == "sepoisson":
        m = sa.func.avg(as_double(v))
        bad = count_big(sa.case((v < int_literal(0), int_literal(1))))
        # COALESCE: no NULL reaches FLOOR (SQLAlchemy's SQLite driver defines
        # floor() as a Python function that fails on NULL); n = 0 gives NULL below
        k = sa.func.floor(sa.func.coalesce(m * as_double(n), as_double(int_literal(0)))
                          + sa.literal_column("0.5"))
        return sa.case((bad == int_literal(0),
                        _div(sa.func.sqrt(k), sa.func.nullif(n, int_literal(0)))))
    if stat in ("first", "last"):
        rn = R["_rf" if stat == "first" else "_rl"]
        return sa.func.max(sa.case((rn == int_literal(1), v)))
    if stat in ("firstnm", "lastnm"):
        rn = R[f"_rfn{j}" if stat == "firstnm" else f"_rln{j}"]
        return sa.func.max(sa.case((sa.and_(rn == int_literal(1), v.is_not(None)), v)))
    raise InternalError(f"collapse: statistic {stat!r} has no SQL translation")  # pragma: no cover


# --- weights ---------------------------------------------------------------------------------


def weight_value(src, weight: Weight, dialect: str):
    """The weight column of ``src`` as a double, as Stata holds it."""
    col = weight.column
    return as_double(stata_value(source_column(src, col.name), col.sql_type, dialect))


def weight_check_select(source, spec: CollapseSpec, dialect_name: str) -> sa.Select:
    """``SELECT negative, noninteger``: how many rows of ``source`` (the
    filtered rows) have a negative / a noninteger weight, among those with
    a nonmissing, nonzero weight; ``collapse.weight_problems`` judges them.
    Run it before the collapse (on SQLite, ``floor`` is SQLAlchemy's
    Python function: no NULL reaches it, the WHERE removes them)."""
    d = check_dialect(dialect_name)
    src = source.subquery("src") if isinstance(source, sa.Select) else source
    w = weight_value(src, spec.weight, d)
    one, zero = int_literal(1), int_literal(0)
    negative = sa.func.coalesce(sa.func.sum(sa.case((w < as_double(zero), one), else_=zero)), zero)
    noninteger = sa.func.coalesce(
        sa.func.sum(sa.case((w != sa.func.floor(w), one), else_=zero)), zero)
    return (sa.select(negative.label("negative"), noninteger.label("noninteger"))
            .select_from(src).where(w.is_not(None), w != as_double(zero)))


_EPS = 1e-6  # collapse's _p tolerance


def _eps():
    return as_double(sa.literal_column(repr(_EPS)))


def _wn(R, j: int):
    """The weight of the rows whose ``_v{j}`` is nonmissing."""
    return sa.case((R[f"_v{j}"].is_not(None), R["_w"]))


def _weighted_windows(B, ranked: list, centred: list, partition, d: str) -> list:
    """Level-2 windows of a weighted collapse: for percentiles the running
    sum of weights ``_c{j}`` (rows by value then weight, missing last), the
    previous value ``_px{j}``, the group's n ``_n{j}`` and weight total
    ``_sw{j}``; for sd/semean the weighted group mean ``_m{j}``."""
    out = []
    w = B["_w"]
    for j in ranked:
        v = B[f"_v{j}"]
        order = stata_order_terms([(v, None, False), (w, None, False)], d)
        out.append(sa.func.sum(_wn(B, j)).over(partition_by=partition, order_by=order,
                                              rows=(None, 0)).label(f"_c{j}"))
        out.append(sa.func.lag(v).over(partition_by=partition, order_by=order)
                   .label(f"_px{j}"))
        out.append(count_big(v).over(partition_by=partition).label(f"_n{j}"))
        out.append(sa.func.sum(_wn(B, j)).over(partition_by=partition).label(f"_sw{j}"))
    for j in centred:
        v = B[f"_v{j}"]
        total = sa.func.sum(_wn(B, j)).over(partition_by=partition)
        out.append(_div(sa.func.sum(w * as_double(v)).over(partition_by=partition),
                        sa.func.nullif(total, as_double(int_literal(0)))).label(f"_m{j}"))
    return out


def _weighted_percentile(p: int, j: int, R):
    """collapse's weighted p-th percentile of ``_v{j}`` (module docstring)."""
    v, w, c = as_double(R[f"_v{j}"]), R["_w"], R[f"_c{j}"]
    n, total = as_double(R[f"_n{j}"]), R[f"_sw{j}"]
    g = _div(n * int_literal(p), int_literal(100))
    here = _div(c * n, total)
    before = _div((c - w) * n, total)
    chosen = sa.and_(R[f"_v{j}"].is_not(None), here - g > _eps(),
                     sa.not_(before - g > _eps()))
    value = sa.case((g - before > _eps(), v),
                    else_=_div(as_double(R[f"_px{j}"]) + v, int_literal(2)))
    return sa.func.max(sa.case((chosen, value)))


def _weighted_sd(j: int, R, kind: str):
    """sqrt(sum(w (x-m)^2) / (sum(w) - 1)); aweights normalised to sum to n;
    missing when the divisor is 0 or the ratio negative."""
    v, w, m = as_double(R[f"_v{j}"]), R["_w"], R[f"_m{j}"]
    ss = sa.func.sum(w * (v - m) * (v - m))
    total = sa.func.sum(_wn(R, j))
    if kind == "aweight":
        n = as_double(count_big(R[f"_v{j}"]))
        ss, divisor = _div(ss * n, total), n - as_double(int_literal(1))
    else:
        divisor = total - as_double(int_literal(1))
    ratio = _div(ss, sa.func.nullif(divisor, as_double(int_literal(0))))
    return sa.case((ratio >= as_double(int_literal(0)), sa.func.sqrt(ratio)))


def _weighted_statistic(item, j: int, R, dialect: str, kind: str):
    """One weighted statistic (the rules in ``plan.collapse``)."""
    v, w = R[f"_v{j}"], R["_w"]
    stat = item.stat
    zero = as_double(int_literal(0))
    n = count_big(v)
    total = sa.func.sum(_wn(R, j))
    weighted_sum = sa.func.sum(w * as_double(v))
    mean = _div(weighted_sum, sa.func.nullif(total, zero))
    if stat == "mean":
        return mean
    if stat == "sum":
        if kind == "aweight":
            weighted_sum = _div(weighted_sum * as_double(n), total)
        return sa.func.coalesce(weighted_sum, zero)
    if stat == "count":
        return n if kind == "aweight" else sa.func.coalesce(total, zero)
    if stat == "percent":
        share = sa.func.coalesce(total, zero)
        return _div(share, sa.func.nullif(sa.func.sum(share).over(), zero)) * int_literal(100)
    if item.percentile is not None:
        return _weighted_percentile(item.percentile, j, R)
    if stat == "iqr":
        p75, p25 = _weighted_percentile(75, j, R), _weighted_percentile(25, j, R)
        if item.stata_type == "float" and dialect != "sqlite":
            p75, p25 = (as_double(sa.cast(p, sa.REAL())) for p in (p75, p25))
        return p75 - p25
    if stat == "sd":
        return _weighted_sd(j, R, kind)
    if stat == "semean":  # aweights: n; fweights: sum(w)
        size = as_double(n) if kind == "aweight" else total
        return (_div(int_literal(1), sa.func.sqrt(sa.func.nullif(size, zero)))
                * _weighted_sd(j, R, kind))
    if stat == "sebinomial":  # fweights only
        bad = count_big(sa.case((sa.and_(v != int_literal(0), v != int_literal(1)),
                                 int_literal(1))))
        return sa.case((bad == int_literal(0),
                        sa.func.sqrt(_div(mean * (int_literal(1) - mean),
                                          sa.func.nullif(total, zero)))))
    if stat == "sepoisson":  # fweights only
        bad = count_big(sa.case((v < int_literal(0), int_literal(1))))
        k = sa.func.floor(sa.func.coalesce(mean * total, zero) + sa.literal_column("0.5"))
        return sa.case((bad == int_literal(0), _div(sa.func.sqrt(k), sa.func.nullif(total, zero))))
    # rawsum, min, max, first, last, firstnm, lastnm ignore the weight
    return _statistic(item, j, R, dialect)


def frequencies_select(source, column_name: str, sql_type, dialect_name: str,
                       top: int) -> sa.Select:
    """The ``top`` most frequent values of one column with their counts
    (``leodescribe TABLE, values(var)``): values grouped as Stata holds them
    (string NULL and '' together, byte-exact), most frequent first, ties in
    Stata's sort order."""
    dialect = check_dialect(dialect_name)
    src = source.subquery("src") if isinstance(source, sa.Select) else source
    key, length = stata_key(source_column(src, column_name), sql_type, dialect)
    n = count_big(sa.literal_column("*")).label("n")
    group = [key] + ([length] if length is not None else [])
    order = [n.desc()] + stata_order_terms([(key, length, sql_type.is_string)], dialect)
    return (sa.select(key.label("value"), n).select_from(src)
            .group_by(*group).order_by(*order).limit(top))


# The old private names, still imported by translate/sdc.py, join.py and link.py
# until they import the public ones above.
_check_dialect = check_dialect
_column = source_column
_double = as_double
_lit = int_literal
_grouping = grouping_columns
_key_columns = key_columns
_keys_in = sort_keys_in
_order_terms = stata_order_terms
_key = stata_key
