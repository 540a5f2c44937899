"""The SQL of disclosure control: per-cell figures and the checked collapse.

``figures_select(source, spec, person, dialect, nk_n)`` returns one row per
collapse cell (the same by() keys as ``aggregate.collapse_select``: the
same ``_key`` normalisation, so cells match exactly), in the same order::

    SELECT <by keys>, _sdc_n,                     -- distinct persons
           per source j: _sn{j} persons with a value, _st{j} total,
           _s1{j} largest, _s2{j} second, _stn{j} sum of the nk_n largest,
           _sa{j} largest |value|, _sm{j} smallest value
    FROM (SELECT <keys>, <person>, _t{j}, ROW_NUMBER() OVER
                 (PARTITION BY <keys> ORDER BY _t{j} DESC, missing last) AS _r{j}
          FROM (SELECT <keys>, <person>, SUM(v{j}) AS _t{j}, COUNT(v{j}),
                       MAX(ABS(v{j})), MIN(v{j})    -- one row per person and cell
                FROM (<source>) WHERE <person> IS NOT NULL [AND cw]
                GROUP BY <keys>, <person>))
    GROUP BY <keys>

Rows whose person key is missing count as no person (conservative: fewer
persons, a smaller total).  ``checked_select(...)`` is the collapse itself
joined (on the keys, missing = missing) to those figures before grouping:
each statistic is NULL where ``sdc.statistic_reason`` would fail it (the
same rules, written as SQL: ``_reasons``), optionally rounded half away from
zero, and columns follow: ``_sdc_n`` (distinct persons), ``_sdc`` ("ok"
or the cell's first reason), then per statistic its flag
``sdc.flag_name(i)``, 1 where it failed (the load turns those NULLs into
``.s``: ``OutputColumn.marks``).  Comparisons multiply instead of
dividing (``topn * 100 * den >= total * num`` for k = num/den percent):
exact for values whose products a double holds exactly (integers below
2^53 / (100 * den)).

Rounding ``x`` to base ``b``: ``q = FLOOR(|x| / b)``, ``rem = |x| - q*b``,
``q + 1`` when ``2*rem >= b``, the sign put back: exact for doubles (the
remainder is computed exactly; an over-estimated ``q`` gives a negative
``rem`` and the right answer).
"""

from __future__ import annotations

from fractions import Fraction

import sqlalchemy as sa

from .. import sdc as rules
from ..plan.collapse import CollapseSpec
from .aggregate import (_check_dialect, _column, _double, _grouping, _key_columns, _keys_in,
                        _lit, _order_terms, collapse_select, count_big, stata_value)

PERSON = "_sdc_p"


def _source(source):
    return source.subquery("src") if isinstance(source, sa.Select) else source


def _figures(source, spec: CollapseSpec, person: str, d: str, nk_n: int):
    """(cell-level subquery ``sdc_cells``, key spec) with the columns in the
    module docstring, the keys as ``_k{i}`` (and ``_kl{i}``)."""
    src = _source(source)
    base_cols, keys = _key_columns(src, spec.by, "_k", d)
    if not spec.by:
        base_cols.append(_lit(1).label("_g"))
    base_cols.append(_column(src, person).label(PERSON))
    values = []
    for j, col in enumerate(spec.sources()):
        v = stata_value(_column(src, col.name), col.sql_type, d)
        values.append(v)
        base_cols.append(v.label(f"_v{j}"))
    base_q = sa.select(*base_cols).select_from(src).where(_column(src, person).is_not(None))
    if spec.cw:
        base_q = base_q.where(sa.and_(*(v.is_not(None) for v in values)))
    base = base_q.subquery("sdc_base")
    B = base.c
    group = _grouping(B, keys) or [B["_g"]]
    per_person = [*group, B[PERSON]]
    for j in range(len(values)):
        v = B[f"_v{j}"]
        per_person += [sa.func.sum(_double(v)).label(f"_t{j}"),
                       count_big(v).label(f"_c{j}"),
                       sa.func.max(sa.func.abs(_double(v))).label(f"_a{j}"),
                       sa.func.min(_double(v)).label(f"_m{j}")]
    persons = (sa.select(*per_person).select_from(base).group_by(*group, B[PERSON])
               .subquery("sdc_persons"))
    P = persons.c
    partition = _grouping(P, keys) or [P["_g"]]
    ranks = []
    for j in range(len(values)):
        t = P[f"_t{j}"]
        order = [sa.case((t.is_(None), _lit(1)), else_=_lit(0)), t.desc()]
        ranks.append(sa.func.row_number().over(partition_by=partition, order_by=order)
                     .label(f"_r{j}"))
    ranked = sa.select(*P, *ranks).subquery("sdc_ranked")
    R = ranked.c
    cell_group = _grouping(R, keys) or [R["_g"]]
    out = list(cell_group)
    out.append(count_big(R[PERSON]).label(rules.PERSONS_VAR))
    for j in range(len(values)):
        t, r = R[f"_t{j}"], R[f"_r{j}"]
        out += [sa.func.sum(sa.case((R[f"_c{j}"] > _lit(0), _lit(1)), else_=_lit(0)))
                .label(f"_sn{j}"),
                sa.func.sum(t).label(f"_st{j}"),
                sa.func.max(sa.case((r == _lit(1), t))).label(f"_s1{j}"),
                sa.func.max(sa.case((r == _lit(2), t))).label(f"_s2{j}"),
                sa.func.sum(sa.case((r <= _lit(nk_n), t))).label(f"_stn{j}"),
                sa.func.max(R[f"_a{j}"]).label(f"_sa{j}"),
                sa.func.min(R[f"_m{j}"]).label(f"_sm{j}")]
    cells = sa.select(*out).select_from(ranked).group_by(*cell_group).subquery("sdc_cells")
    return cells, keys


#: Figure columns of source j, in ``SourceFigures`` order.
FIGURES = ("_sn", "_st", "_s1", "_s2", "_stn", "_sa", "_sm")


def figures_select(source, spec: CollapseSpec, person: str, dialect_name: str,
                   nk_n: int) -> sa.Select:
    """One row per cell: the by() keys under their Stata names (in by()
    order), ``_sdc_n``, then each source's ``FIGURES``; in the collapse's
    row order."""
    d = _check_dialect(dialect_name)
    cells, keys = _figures(source, spec, person, d, nk_n)
    C = cells.c
    cols = [C[f"_k{i}"].label(spec.by_names[i]) for i in range(len(spec.by))]
    cols.append(C[rules.PERSONS_VAR])
    for j in range(len(spec.sources())):
        cols += [C[f"{f}{j}"] for f in FIGURES]
    stmt = sa.select(*cols).select_from(cells)
    order = _order_terms(_keys_in(C, keys), d)
    return stmt.order_by(*order) if order else stmt


def _same(a, b):
    """``a = b`` with missing equal to missing (NULL keys form a group)."""
    return sa.or_(a == b, sa.and_(a.is_(None), b.is_(None)))


def _reasons(item, j: int, F, profile: rules.Profile) -> list:
    """``[(reason, condition)]`` for one statistic, in ``REASON_ORDER``: the
    SQL of ``sdc.statistic_reason`` over the figures ``F(name)`` (cell-level
    values of the joined figures)."""
    n = sa.func.coalesce(F(f"_sn{j}"), _lit(0))
    stat, out = item.stat, []
    out.append(("n", n < _lit(profile.min_persons)))
    if stat in rules.MINMAX_STATS and profile.block_minmax:
        out.append(("min/max", sa.true()))
    if stat in rules.FIRST_LAST_STATS and profile.block_first_last:
        out.append(("first/last", sa.true()))
    if stat in rules.DOF_STATS:
        out.append(("dof", n - _lit(1) < _lit(profile.min_dof)))
    if stat not in rules.COUNT_STATS and profile.zeros_disclosive:
        out.append(("zero", F(f"_sa{j}") == _lit(0)))
    if stat in rules.LINEAR_STATS:
        total, top1 = F(f"_st{j}"), F(f"_s1{j}")
        top2 = sa.func.coalesce(F(f"_s2{j}"), _double(_lit(0)))
        out.append(("negative", F(f"_sm{j}") < _lit(0)))
        k = Fraction(profile.nk_k)
        out.append(("dominance", sa.and_(
            total > _lit(0),
            F(f"_stn{j}") * _lit(100 * k.denominator) >= total * _lit(k.numerator))))
        p = Fraction(profile.p_ratio)
        out.append(("p-ratio", sa.and_(
            top1 > _lit(0),
            (total - top1 - top2) * _lit(100 * p.denominator) < top1 * _lit(p.numerator))))
    return out


def round_half_away(x, base: int):
    """``x`` (double) to the nearest multiple of ``base``, ties away from zero
    (see the module docstring); NULL stays NULL."""
    b = _lit(base)
    a = sa.func.abs(_double(x))
    # COALESCE: no NULL reaches FLOOR (SQLAlchemy's SQLite floor() fails on NULL)
    q = sa.func.floor(sa.func.coalesce(a, _double(_lit(0))) / _double(b))
    rem = a - q * b
    r = sa.case((rem * _lit(2) >= b, q + _lit(1)), else_=q) * b
    return sa.case((x.is_(None), None), (x < _lit(0), -r), else_=r)


def checked_select(source, spec: CollapseSpec, person: str, dialect_name: str,
                   profile: rules.Profile) -> sa.Select:
    """The collapse with disclosure control: the outputs of
    ``collapse_select`` (failing statistics NULL, passing ones rounded when
    the profile says so), then ``_sdc_n`` and ``_sdc``; same rows, same
    order.  The collapse, grouped with the figures joined, is a derived
    table ``sdc_checked``; the checks read its columns by name."""
    d = _check_dialect(dialect_name)
    stmt = collapse_select(source, spec, d)
    # the FROM the columns name (get_final_froms() would compile the statement on
    # SQLAlchemy's default dialect, which has no SQL for leostata's constructs)
    (rows,) = stmt.columns_clause_froms
    cells, keys = _figures(source, spec, person, d, profile.nk_n)
    C = cells.c
    key_names = [n for name, length, _ in keys for n in (name, length) if n]
    on = [_same(rows.c[n], C[n]) for n in key_names]
    joined = rows.outerjoin(cells, sa.and_(*on) if on else sa.true())
    sources = spec.sources()
    figure_names = [rules.PERSONS_VAR] + [f"{f}{j}" for j in range(len(sources))
                                          for f in FIGURES]
    inner_cols = (list(stmt.selected_columns) + [rows.c[n] for n in key_names]
                  + [sa.func.max(C[n]).label(n) for n in figure_names])
    checked = (stmt.with_only_columns(*inner_cols, maintain_column_froms=False)
               .select_from(joined).order_by(None).subquery("sdc_checked"))
    K = checked.c

    def F(name):
        return K[name]

    index = {c.name: j for j, c in enumerate(sources)}
    out = [K[spec.by_names[i]] for i in spec.by_output_order()]
    any_reason: dict = {}
    flags: list = []
    for item in spec.items:
        j = index[item.source.name]
        reasons = _reasons(item, j, F, profile)
        for reason, cond in reasons:
            any_reason.setdefault(reason, {}).setdefault(j if reason != "min/max" and
                                                         reason != "first/last" else -1, cond)
        value = K[item.target]
        base = rules.rounding_base(item.stat, item.source_name, profile)
        if base is not None:
            rounded = round_half_away(value, base)
            value = sa.cast(rounded, sa.BigInteger()) if item.stat == "count" else rounded
        fails = sa.or_(*(cond for _, cond in reasons))
        out.append(sa.case((fails, None), else_=value).label(item.target))
        flags.append(sa.case((fails, _lit(1)), else_=_lit(0)).label(rules.flag_name(len(flags))))
    persons = sa.func.coalesce(K[rules.PERSONS_VAR], _lit(0))
    if profile.round:
        persons = sa.cast(round_half_away(persons, profile.count_base), sa.BigInteger())
    out.append(persons.label(rules.PERSONS_VAR))
    whens = [(sa.or_(*any_reason[r].values()),
              sa.literal_column(f"'{profile.reason_text(r)}'"))
             for r in rules.REASON_ORDER if r in any_reason]
    out.append(sa.case(*whens, else_=sa.literal_column("'ok'")).label(rules.OUTCOME_VAR))
    result = sa.select(*out, *flags).select_from(checked)
    order = _order_terms(_keys_in(K, keys), d)
    return result.order_by(*order) if order else result
