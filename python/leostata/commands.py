"""What each user command does, shared by the Stata bridge and the CLI.

Takes command text and an open ``session.Session``; returns plain results.
No ``sfi`` here: the bridge supplies a Stata Writer and prints, the CLI
supplies a ``.dta`` or memory Writer.  The statement a command prints
(``showsql``, ``sqlonly``, r(sql)) is the statement it executes.

One delivery path for both faces (and the tests): ``load`` runs a
``leoload`` text (``sqlonly``, ``showsql``, ``count`` or a load) and
``query`` a ``leoquery`` SELECT; both load through ``deliver``: the writer's
destination check, the size guard (``maxobs()``, ``force``), ``stream`` into
the writer, then the notes.  A face only chooses the writer and how to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from sqlalchemy import text as sql_text_clause

from . import sql
from .errors import (DataInconsistency, ExpressionTooLong, ServerError, StataSyntaxError,
                     Untranslatable)
from .guard import check_size
from .plan import Plan, plan_load
from .stata_types import result_columns
from .stream import stream
from .writers import DatasetMeta, LoadResult, Writer

SYNTHETIC_DATA_NOTE = ("note: SYNTHETIC data (leostata's generated LEO-shaped database), "
                       "not real records")


@dataclass
class LoadJob:
    """A planned ``leoload``: the plan, the exact statement to execute and its
    SQL text for the session's database."""

    plan: Plan
    statement: object
    sql: str
    table: str
    synthetic: bool
    link: Optional["LinkCounts"] = None  # the link's persons, counted before the load
    sdc: Optional["SdcJob"] = None  # disclosure control (the sdc option)

    @property
    def aggregated(self) -> bool:
        return self.plan.collapse is not None or self.plan.count_only

    @property
    def filtered(self) -> bool:
        """False when the result is the whole table (the catalog's row
        estimate then sizes it without a COUNT on the server)."""
        p = self.plan
        return (p.where is not None or p.in_range is not None or p.sample is not None
                or bool(p.cohorts) or bool(p.merges))

    @property
    def cacheable(self) -> bool:
        """The result cache may answer: not ``nocache``, not ``sdc`` (whose
        check runs a second query after the load)."""
        return not self.option("nocache") and self.sdc is None

    @property
    def require_rows(self) -> bool:
        """Stata's collapse stops with r(2000) when no observations are left."""
        return self.plan.collapse is not None

    def meta(self) -> DatasetMeta:
        return DatasetMeta(table=self.table, sql=self.sql, synthetic=self.synthetic)

    def option(self, name: str, default=None):
        return self.plan.options.get(name, default)

    def delivery(self) -> "Delivery":
        return Delivery(self.statement, self.plan.outputs, self.meta(),
                        maxobs=self.option("maxobs"), force=bool(self.option("force")),
                        aggregated=self.aggregated, approx_rows=self.plan.table.approx_rows,
                        filtered=self.filtered, require_rows=self.require_rows)


@dataclass(frozen=True)
class LinkCounts:
    """A link's persons (distinct keys of the loaded data), counted on the
    server: reaching no key of the other table, one, more than one."""

    path: str
    rule: str
    persons: int
    unmatched: int
    matched: int
    multiple: int

    def line(self) -> str:
        """The report, in one line."""
        fate = {"refuse": "", "drop": " (treated as not matched: link(drop))",
                "all": " (their rows repeat, once per key: link(all))"}[self.rule]
        return (f"link {self.path}: {self.persons:,} persons; {self.matched:,} matched once, "
                f"{self.unmatched:,} not matched, {self.multiple:,} more than once{fate}")

    def locals(self) -> dict:
        return {"leo_link_persons": self.persons, "leo_link_unmatched": self.unmatched,
                "leo_link_matched": self.matched, "leo_link_multiple": self.multiple,
                "leo_link_path": self.path}


@dataclass
class Delivery:
    """What ``deliver`` loads: the statement, its output columns (None for
    raw SQL), the dataset facts, and the guard's inputs (``maxobs``,
    ``force``; ``aggregated`` results skip it; ``approx_rows`` and
    ``filtered`` let the catalog's estimate stand in for a COUNT;
    ``count_first=False``: no COUNT, the rows are refused as they arrive);
    ``cache`` lets the result cache answer and record it (``with_cache``)."""

    statement: object
    outputs: Optional[list]
    meta: DatasetMeta
    maxobs: Optional[int] = None
    force: bool = False
    aggregated: bool = False
    approx_rows: Optional[int] = None
    filtered: bool = True
    require_rows: bool = False
    count_first: bool = True
    cache: bool = False
    cache_places: tuple = ()  # (database, schema) the catalog state covers besides the defaults


def deliver(delivery: Delivery, engine, writer: Writer, *, say: Callable[[str], None],
            progress=None, poll=None, **stream_options) -> LoadResult:
    """Check the destination, guard the size, stream into ``writer``, say the
    notes; returns what the load did.  On any error or Break the writer is
    aborted and the destination left as it was.  ``stream_options``
    (``batch_rows``, ``progress_after``, ``native``) tune ``stream``."""
    writer.check()
    d = delivery
    columns = result_columns(d.outputs, table=d.meta.table) if d.outputs is not None else None
    store, key, hit = None, None, None
    if d.cache:
        from .cache import Unusable, store_for
        store, key = store_for(engine, d.statement, columns, d.meta, d.cache_places)
        hit = store.lookup(key) if store is not None else None
    if hit is not None:
        try:
            if _fits(hit, d, engine, columns):
                return _said(hit.replay(writer, d.meta, poll), d, say)
        except Unusable:  # removed or damaged meanwhile: ask the database
            store.forget(key)
    # the same guard for a plan and for raw SQL (leoquery): maxobs() defaults to
    # guard.DEFAULT_MAXOBS, force skips it; raw SQL has no catalog estimate and is
    # not counted first (that would run it twice): size.guarded(writer) refuses it
    # once the rows fetched pass the limit, with the row width of its real columns
    size = check_size(engine, d.statement, columns or [], maxobs=d.maxobs, force=d.force,
                      approx_rows=d.approx_rows, aggregated=d.aggregated,
                      filtered=d.filtered, count=d.count_first)
    # a total for the progress display only where it is the result's size: counted,
    # or the table's estimate for the whole table (never a filtered or collapsed one)
    whole = size.source == "catalog" and not d.filtered and not d.aggregated
    total = size.rows if size.source == "count" or whole else None
    exact = size.source == "count"
    target = size.guarded(writer)
    if store is not None:  # records what reaches the writer: an entry once it committed
        target = store.recorder(key, target)
    result = stream(d.statement, engine, d.outputs, target, meta=d.meta, poll=poll,
                    total=total, progress=_estimated(progress, exact), columns=columns,
                    require_rows=d.require_rows, small=d.aggregated, **stream_options)
    return _said(result, d, say)


def _said(result: LoadResult, delivery: Delivery, say: Callable[[str], None]) -> LoadResult:
    """``result`` after its notes were said."""
    for note in result.notes:
        say(f"note: {note}")
    if delivery.meta.synthetic:
        say(SYNTHETIC_DATA_NOTE)
    return result


def _estimated(progress, exact: bool):
    """``progress`` told whether its total is a count (``exact``) or the
    database's estimate (shown as "about")."""
    if progress is None or exact:
        return progress
    from dataclasses import replace
    return lambda info: progress(replace(info, approximate=info.total is not None))


@dataclass
class Outcome:
    """What a command did, for the face to report: ``sql`` shown or run,
    ``count`` (the count option), ``result`` of a load (None when nothing
    was loaded: sqlonly, count)."""

    sql: str
    count: Optional[int] = None
    result: Optional[LoadResult] = None
    sdc: Optional[object] = None  # sdc.Check: the disclosure-control outcome


def load(command_text: str, session, writer_for: Callable[[LoadJob], Writer], *,
         show: Callable[[str], None], say: Callable[[str], None], progress=None,
         poll=None) -> tuple[LoadJob, Outcome]:
    """``leoload TEXT``: plan it, then ``sqlonly`` (``show`` the SQL),
    ``showsql`` (show it, then go on), ``count`` (the number of rows) or a
    load through ``deliver`` into ``writer_for(job)``; notes go to ``say``."""
    job = prepare_load(command_text, session)
    if job.link is not None:
        say(job.link.line())
    if job.option("showsql") or job.option("sqlonly"):
        show(job.sql)
    if job.option("sqlonly"):
        return job, Outcome(job.sql)
    if job.plan.count_only:
        return job, Outcome(job.sql, count=count(job, session))
    result = deliver(with_cache(job.delivery(), session, use=job.cacheable), session.engine,
                     writer_for(job), say=say, progress=progress, poll=poll)
    checked = sdc_outcome(job, session, command_text, say) if job.sdc is not None else None
    return job, Outcome(job.sql, result=result, sdc=checked)


def query(statement, session, writer: Writer, *, maxobs: Optional[int] = None,
          force: bool = False, say: Callable[[str], None], progress=None,
          poll=None, nocache: bool = False) -> LoadResult:
    """``leoquery``: ``statement`` (from ``query_statement``, checked before
    connecting) loaded through ``deliver`` with leoload's size guard, run once:
    as soon as the rows fetched pass ``maxobs`` (default ``guard.DEFAULT_MAXOBS``)
    or what memory holds, the query is stopped and refused (r(5105)) and the
    writer aborted, unless ``force``; answered from the result cache unless
    ``nocache``."""
    meta = DatasetMeta(sql=str(statement), synthetic=session.synthetic)
    delivery = Delivery(statement, None, meta, maxobs=maxobs, force=force, count_first=False)
    from .cache import query_places
    places = None if nocache else query_places(str(statement), session.catalog.dialect)
    return deliver(with_cache(delivery, session, use=places is not None, places=places or ()),
                   session.engine, writer, say=say, progress=progress, poll=poll)


# -- the result cache (leostata.cache) --------------------------------------------------------


def with_cache(delivery: Delivery, session, *, use: bool, places: tuple = ()) -> Delivery:
    """``delivery`` with the result cache on when ``use``; the catalog state
    then also covers the session's schema, the places its site layout names
    and ``places`` ((database, schema) pairs)."""
    if use:
        from .cache import layout_places
        delivery.cache = True
        delivery.cache_places = (layout_places(session.catalog.layout)
                                 + ((None, session.setting.schema),) + tuple(places))
    return delivery


def _fits(hit, d: Delivery, engine, columns) -> bool:
    """True when the size guard passes for the stored result's size and its
    columns' width (else the load runs, and the guard refuses it as it would
    without the cache)."""
    from .errors import ResultTooLarge
    try:
        check_size(engine, d.statement, columns or hit.columns(), maxobs=d.maxobs,
                   force=d.force, approx_rows=hit.nobs, aggregated=d.aggregated,
                   filtered=False)
    except ResultTooLarge:
        return False
    return True


def prepare_load(command_text: str, session) -> LoadJob:
    """Parse and plan ``TABLE [varlist] [if] [in] [, options]`` against the
    session's catalog and build the statement to run."""
    plan = plan_load(command_text, session.catalog, graph=lambda: link_graph(session))
    if session.synthetic and session.catalog.dialect != "mssql":
        check_runs_on_sql_server(plan)
    if plan.in_range is not None:
        check_in_range(plan, table_rows(session, plan.table))
    link = None
    if not plan.options.get("sqlonly"):
        if plan.merge is not None:
            check_merge_keys(plan, session)
        if plan.collapse is not None and plan.collapse.weight is not None:
            check_weights(plan, session)
        link = count_link(plan, session)
    dialect = session.engine.dialect
    checked = prepare_sdc(plan, dialect) if plan.options.get("sdc") else None
    statement = checked.statement if checked else sql.executed_statement(plan, dialect)
    return LoadJob(plan, statement, sql.to_sql(statement, dialect), plan.table.name,
                   session.synthetic, link, checked)


@dataclass
class SdcJob:
    """Disclosure control of a collapse: the profile, the person key, the
    checked statement (the load) and the per-cell figures statement (run
    after it, for the report and the evidence)."""

    profile: object
    person: str
    statement: object
    figures: object
    evidence: Optional[str] = None  # sdc(evidence(filename)): the file; None: the profile's


def prepare_sdc(plan: Plan, dialect) -> SdcJob:
    """The ``sdc`` option (``plan.options.SdcRequest``: ``round`` and
    ``noround`` override the profile's rounding, ``evidence()`` names the
    evidence file): r(198) without collapse(), r(5104) without a person
    key, r(110) when a result variable is named like an added one, r(603)
    when the evidence file's folder does not exist, r(602) when the file
    exists without replace; the plan's outputs gain ``_sdc_n`` and ``_sdc``,
    each statistic the value label ``_sdc_s`` (``.s`` "suppressed") and a
    flag that marks it ``.s`` where it failed."""
    from dataclasses import replace

    from . import sdc
    from .catalog import SqlType
    from .errors import AlreadyDefined
    from .plan.collapse import BIGINT_SQL
    from .stata_types import SUPPRESSED, OutputColumn, ValueLabel
    from .translate.casts import server_casts
    from .translate.sdc import checked_select, figures_select
    if plan.collapse is None:
        raise StataSyntaxError("option sdc not available without collapse()",
                               hint="sdc checks aggregated output: the cells of collapse() by()")
    request = plan.options["sdc"]
    profile = sdc.load_profile()
    if request.round is not None:
        profile = replace(profile, round=request.round)
    evidence = sdc.evidence_target(request.evidence, request.replace)
    name = profile.person_key(plan.table.name, plan.table.person_key)
    person = next((c for c in plan.table.columns if name and c.name.lower() == name.lower()),
                  None)
    if person is None:
        raise Untranslatable(f"sdc: table {plan.table.name} has no person key"
                             + (f" (column {name} not found)" if name else ""),
                             hint="sdc counts distinct persons: name the person key column in "
                                  "the profile's [person_key] section (TABLE = COLUMN)")
    spec = plan.collapse
    flag_names = [sdc.flag_name(i) for i in range(len(spec.items))]
    for added in (sdc.PERSONS_VAR, sdc.OUTCOME_VAR, *flag_names):
        if any(o.name == added for o in plan.outputs):
            raise AlreadyDefined(f"variable {added} already defined",
                                 hint="sdc adds it: name the collapse result otherwise")
    # the person key joins the row source's columns (as an order column: read, not used)
    with_person = replace(plan, collapse=replace(spec, order=list(spec.order or []) + [person]))
    d = dialect.name
    label = ValueLabel(sdc.SUPPRESSED_LABEL, {SUPPRESSED: sdc.SUPPRESSED_TEXT})
    targets = {item.target for item in spec.items}
    plan.outputs = [replace(o, value_label=label) if o.name in targets and o.value_label is None
                    else o for o in plan.outputs] + [
        OutputColumn(sdc.PERSONS_VAR, sdc.PERSONS_VAR, BIGINT_SQL,
                     label="distinct persons in the cell (sdc)", stata_type="long"),
        OutputColumn(sdc.OUTCOME_VAR, sdc.OUTCOME_VAR,
                     SqlType(raw="VARCHAR(12)", kind="string", length=12),
                     label="disclosure check: ok or the first reason it failed")] + [
        OutputColumn(flag, flag, BIGINT_SQL, stata_type="byte", marks=(item.target, SUPPRESSED))
        for flag, item in zip(flag_names, spec.items)]

    def rows(budget: int):
        return sql.row_source(with_person, dialect, max_params=budget)

    statement = sql.within_parameters(lambda budget: server_casts(
        checked_select(rows(budget), spec, person.name, d, profile), plan.outputs, d), dialect)
    figures = sql.within_parameters(lambda budget: figures_select(
        rows(budget), spec, person.name, d, profile.nk_n), dialect)
    return SdcJob(profile, person.name, statement, figures, evidence)


def sdc_outcome(job: LoadJob, session, command_text: str, say: Callable[[str], None]):
    """After an ``sdc`` load: the figures fetched, every statistic judged
    (``sdc.check``), the report said, the evidence written when the profile
    asks; returns the ``sdc.Check``."""
    import datetime

    from . import sdc
    spec, nb = job.plan.collapse, len(job.plan.collapse.by)
    sources = spec.sources()
    rows = run_checked(session, job.sdc.figures, lambda r: r.all())
    width = len(sdc_figure_names())
    cells = []
    for row in rows:
        figures = {}
        for j, src in enumerate(sources):
            part = row[nb + 1 + j * width: nb + 1 + (j + 1) * width]
            figures[src.name] = sdc.SourceFigures(int(part[0] or 0), *(
                None if v is None else float(v) for v in part[1:]))
        cells.append(sdc.Cell(tuple(row[:nb]), int(row[nb] or 0), figures))
    stats = [sdc.Statistic(i.target, i.stat, i.source.name) for i in spec.items]
    checked = sdc.check(cells, stats, spec.by_names, job.sdc.profile)
    for line in checked.report():
        say(line)
    if job.sdc.profile.evidence or job.sdc.evidence is not None:
        dialect = session.engine.dialect
        record = sdc.evidence_record(
            checked, command=f"leoload {command_text}", sql=job.sql,
            figures_sql=sql.to_sql(job.sdc.figures, dialect), table=job.table,
            dialect=dialect.name,
            when=datetime.datetime.now().isoformat(timespec="seconds"))
        folder, name = job.sdc.profile.evidence_folder, ""
        if job.sdc.evidence:
            from pathlib import Path
            chosen = Path(job.sdc.evidence)
            folder, name = (str(chosen), "") if chosen.is_dir() else (str(chosen.parent),
                                                                      chosen.name)
        path = sdc.write_evidence(record, folder, name)
        say(f"sdc: evidence written to {path}")
    return checked


def sdc_figure_names() -> tuple:
    from .translate.sdc import FIGURES
    return FIGURES


def run_checked(session, statement, read: Callable):
    """``read(result)`` of ``statement`` run on the session's database; a
    database error is r(5102) with the driver's first line (no credentials)."""
    with session.engine.connect() as conn:
        try:
            return read(conn.execute(statement))
        except Exception as exc:
            raise ServerError(f"the database reported an error: {_first_line(exc)}") from exc


def link_graph(session):
    """The link graph for the session's database: the synthetic names when it
    is leostata's synthetic database (the embedded one, or one ``synth``
    built elsewhere: its ``leostata_info`` says so), the SRS names otherwise;
    a site file (``LEOSTATA_LINKS``) extends either."""
    from .links import load_graph
    return load_graph(session.synthetic or _built_by_synth(session))


def _built_by_synth(session) -> bool:
    import sqlalchemy as sa

    from .catalog import INFO_TABLE
    probe = (sa.select(sa.column("value")).select_from(sa.table(INFO_TABLE))
             .where(sa.column("key") == "synthetic"))
    try:
        with session.engine.connect() as conn:
            return conn.execute(probe).scalar() == "1"
    except Exception:  # noqa: BLE001 - no such table: not leostata's synthetic database
        return False


def count_link(plan: Plan, session) -> Optional[LinkCounts]:
    """The link's persons, counted on the server before anything is fetched;
    with ``link(refuse)`` (the default), r(459) when any person reaches
    more than one key."""
    probe = sql.link_probe(plan, session.engine.dialect)
    if probe is None:
        return None
    link, statement = probe
    row = run_checked(session, statement, lambda r: r.one())
    counts = LinkCounts(link.path, link.rule, *(int(v or 0) for v in row))
    if link.rule == "refuse" and counts.multiple:
        raise DataInconsistency(
            f"{counts.multiple:,} of {counts.persons:,} persons link to more than one "
            f"{link.other_key.name} of {link.other_table.name}",
            hint=f"link {link.path}; choose link(drop) to treat those persons as not matched, "
                 "or link(all) to keep every pair (their rows then repeat); see help leoload, "
                 "Link paths")
    return counts


def check_runs_on_sql_server(plan: Plan) -> None:
    """On the synthetic database, refuse what SQL Server (the SRS) would
    refuse, so a do-file that runs on synthetic data runs in the safe room."""
    try:
        sql.to_sql(plan, "mssql")
    except (Untranslatable, ExpressionTooLong) as exc:
        raise type(exc)(f"{exc.message}\n(leostata refuses this on the synthetic database too: "
                        "the SRS runs SQL Server, and a do-file that runs here must run there)",
                        hint=exc.hint) from None


def check_merge_keys(plan: Plan, session) -> None:
    """merge()'s declared cardinality, checked on the server before anything
    is fetched: the side declared unique (the using of m:1, the master of
    1:m, both of 1:1) must have one row per key, or r(459) with Stata's
    wording."""
    for merge, side, keys, probe in sql.merge_probes(plan, session.engine.dialect):
        duplicated = run_checked(session, probe, lambda r: r.first()) is not None
        if duplicated:
            table = merge.master if side == "master" else merge.using
            what = (f"table {table.name}" if side == "using" or merge.inner is None
                    else "the data merged so far")
            several = len(keys) > 1
            raise DataInconsistency(
                f"variable{'s' if several else ''} {' '.join(keys)} "
                f"do{'' if several else 'es'} not uniquely identify observations in the "
                f"{side} data",
                hint=f"{what} has more than one row for some values of the key, "
                     f"and merge {merge.kind} declares the {side} side unique: declare "
                     "the cardinality the data have (1:m, m:1), or merge on a key that "
                     "identifies the rows (m:m is not offered)")


def check_weights(plan: Plan, session) -> None:
    """Before a weighted collapse: the filtered rows' negative and
    noninteger weights counted on the server (``sql.weight_probe``) and
    judged as collapse would (r(402), r(401); ``collapse.weight_problems``)."""
    from .plan.collapse import weight_problems
    negative, noninteger = run_checked(session, sql.weight_probe(plan, session.engine.dialect),
                                       lambda r: r.one())
    weight_problems(plan.collapse, int(negative or 0), int(noninteger or 0), plan.text)


def table_rows(session, table) -> int:
    """The exact number of rows in ``table`` (a COUNT on the server)."""
    import sqlalchemy as sa

    from .translate.aggregate import count_select
    source = sa.select(sa.literal_column("1")).select_from(
        sa.table(table.name, schema=table.schema))
    return int(run_checked(session, count_select(source), lambda r: r.scalar()) or 0)


def check_in_range(plan: Plan, nobs: int) -> None:
    """Stata's rule for ``in f/l``: both ends, counted from the end when
    negative, must fall in 1.._N with f <= l; otherwise r(198)."""
    first, last = (v if v > 0 else nobs + 1 + v for v in plan.in_range)
    if not (1 <= first <= last <= nobs):
        raise StataSyntaxError("Obs. nos. out of range",
                               hint=f"table {plan.table.name} has {nobs:,} observations")


def count(job: LoadJob, session) -> int:
    """Run a ``count`` job: the number of rows the if/in/sample keep."""
    return int(run_checked(session, job.statement, lambda r: r.scalar()) or 0)


def query_statement(query: str, dialect: str):
    """The executable for a ``leoquery`` text on ``dialect``: the statement
    ``readonly.check_query`` regenerated from the checked tree, with every
    ``:`` escaped so SQLAlchemy reads none as a bind parameter (not even
    inside a string literal, where ``text()`` would).  (sqlglot is imported
    here, not when a load starts.)"""
    from . import readonly
    return sql_text_clause(readonly.check_query(query, dialect).replace(":", "\\:"))


def query_statement_for(query: str, url: Optional[str], schema: Optional[str] = None):
    """``query_statement`` for the database the setting ``url``/``schema``
    resolves to (as ``leoset``: option > LEOSTATA_URL > config > synthetic),
    checked before any connection is opened."""
    from . import config
    from .connection import dialect_of
    return query_statement(query, dialect_of(config.resolve(url, schema).url))


def _first_line(exc: Exception) -> str:
    from .config import mask_url
    return mask_url(str(getattr(exc, "orig", None) or exc).splitlines()[0][:300])

