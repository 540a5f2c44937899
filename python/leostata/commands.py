"""What each user command does, shared by the Stata bridge and the CLI.

Takes command text and an open ``session.Session``; returns plain results.
No ``sfi`` here: the bridge supplies a Stata Writer and prints, the CLI
supplies a ``.dta`` or memory Writer.  The statement a command prints
(``showsql``, ``sqlonly``, r(sql)) is the statement it executes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text as sql_text_clause

from . import readonly, sql
from .errors import ExpressionTooLong, ServerError, StataSyntaxError, Untranslatable
from .plan import Plan, plan_load
from .writers import DatasetMeta


@dataclass
class LoadJob:
    """A planned ``leoload``: the plan, the exact statement to execute and its
    SQL text for the session's database."""

    plan: Plan
    statement: object
    sql: str
    table: str
    synthetic: bool

    @property
    def aggregated(self) -> bool:
        return self.plan.collapse is not None or self.plan.count_only

    @property
    def filtered(self) -> bool:
        """False when the result is the whole table (the catalog's row
        estimate then sizes it without a COUNT on the server)."""
        p = self.plan
        return p.where is not None or p.in_range is not None or p.sample is not None

    @property
    def require_rows(self) -> bool:
        """Stata's collapse stops with r(2000) when no observations are left."""
        return self.plan.collapse is not None

    def meta(self) -> DatasetMeta:
        return DatasetMeta(table=self.table, sql=self.sql, synthetic=self.synthetic)

    def option(self, name: str, default=None):
        return self.plan.options.get(name, default)


def prepare_load(command_text: str, session) -> LoadJob:
    """Parse and plan ``TABLE [varlist] [if] [in] [, options]`` against the
    session's catalog and build the statement to run."""
    plan = plan_load(command_text, session.catalog)
    if plan.options.get("sdc"):
        from . import __version__
        raise StataSyntaxError(f"option sdc not available: disclosure-control checks are not "
                               f"part of leostata {__version__} yet",
                               hint="check aggregated output against your SRS's output rules")
    if session.synthetic and session.catalog.dialect != "mssql":
        check_runs_on_sql_server(plan)
    if plan.in_range is not None:
        check_in_range(plan, table_rows(session, plan.table))
    dialect = session.engine.dialect
    statement = sql.executed_statement(plan, dialect)
    return LoadJob(plan, statement, sql.to_sql(statement, dialect), plan.table.name,
                   session.synthetic)


def check_runs_on_sql_server(plan: Plan) -> None:
    """On the synthetic database, refuse what SQL Server (the SRS) would
    refuse, so a do-file that runs on synthetic data runs in the safe room."""
    try:
        sql.to_sql(plan, "mssql")
    except (Untranslatable, ExpressionTooLong) as exc:
        raise type(exc)(f"{exc.message}\n(leostata refuses this on the synthetic database too: "
                        "the SRS runs SQL Server, and a do-file that runs here must run there)",
                        hint=exc.hint) from None


def table_rows(session, table) -> int:
    """The exact number of rows in ``table`` (a COUNT on the server)."""
    import sqlalchemy as sa

    from .translate.aggregate import count_select
    source = sa.select(sa.literal_column("1")).select_from(
        sa.table(table.name, schema=session.catalog.schema))
    with session.engine.connect() as conn:
        try:
            return int(conn.execute(count_select(source)).scalar() or 0)
        except Exception as exc:
            raise ServerError(f"the database reported an error: {_first_line(exc)}") from exc


def check_in_range(plan: Plan, nobs: int) -> None:
    """Stata's rule for ``in f/l``: both ends, counted from the end when
    negative, must fall in 1.._N with f <= l; otherwise r(198)."""
    first, last = (v if v > 0 else nobs + 1 + v for v in plan.in_range)
    if not (1 <= first <= last <= nobs):
        raise StataSyntaxError("Obs. nos. out of range",
                               hint=f"table {plan.table.name} has {nobs:,} observations")


def count(job: LoadJob, session) -> int:
    """Run a ``count`` job: the number of rows the if/in/sample keep."""
    with session.engine.connect() as conn:
        try:
            return int(conn.execute(job.statement).scalar() or 0)
        except Exception as exc:
            raise ServerError(f"the database reported an error: {_first_line(exc)}") from exc


def query_statement(query: str, dialect: str):
    """The executable for a ``leoquery`` text on ``dialect``: the statement
    ``readonly.check_query`` regenerated from the checked tree, with every
    ``:`` escaped so SQLAlchemy reads none as a bind parameter (not even
    inside a string literal, where ``text()`` would)."""
    return sql_text_clause(readonly.check_query(query, dialect).replace(":", "\\:"))


def _first_line(exc: Exception) -> str:
    from .config import mask_url
    return mask_url(str(getattr(exc, "orig", None) or exc).splitlines()[0][:300])

