"""What each user command does, shared by the Stata bridge and the CLI.

Takes command text and an open ``session.Session``; returns plain results.
No ``sfi`` here: the bridge supplies a Stata Writer and prints, the CLI
supplies a ``.dta`` or memory Writer.  The statement a command prints
(``showsql``, ``sqlonly``, r(sql)) is the statement it executes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import text as sql_text_clause

from . import sql
from .errors import (ExpressionTooLong, ServerError, StataSyntaxError, StatementRefused,
                     Untranslatable)
from .plan import Plan, plan_load
from .stream import DatasetMeta


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


def count(job: LoadJob, session) -> int:
    """Run a ``count`` job: the number of rows the if/in/sample keep."""
    with session.engine.connect() as conn:
        try:
            return int(conn.execute(job.statement).scalar() or 0)
        except Exception as exc:
            raise ServerError(f"the database reported an error: {_first_line(exc)}") from exc


_READ_ONLY = re.compile(r"^\s*(\(\s*)*(select|with)\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|truncate|grant|revoke|exec|execute|into|"
    r"declare|set|use|backup|restore|bulk|openrowset|opendatasource|dbcc|kill|shutdown|"
    r"reconfigure|waitfor|copy|attach|detach|pragma|vacuum|call|load|install)\b", re.IGNORECASE)


def check_read_only(query: str) -> str:
    """``leoquery``: accept one SELECT (or WITH ... SELECT) statement only.

    Refuses (r(5103)) anything else, several statements, and SELECT ... INTO.
    Words inside string literals and comments are ignored for the check.
    """
    stripped = _strip_literals(query).strip().rstrip(";").strip()
    if not stripped:
        raise StatementRefused("empty query")
    if ";" in stripped:
        raise StatementRefused("only one statement may be sent", hint="remove the ;")
    if not _READ_ONLY.match(stripped):
        raise StatementRefused("only SELECT statements are sent to the server")
    word = _WRITE_WORDS.search(stripped)
    if word:
        raise StatementRefused(f"statement refused: {word.group(1).upper()} is not allowed in a "
                               "read-only query")
    return query.strip().rstrip(";")


def query_statement(query: str):
    """The executable for a checked ``leoquery`` SELECT."""
    return sql_text_clause(check_read_only(query))


def _strip_literals(query: str) -> str:
    """``query`` with string literals, quoted identifiers and comments blanked."""
    pattern = r"'(?:[^']|'')*'|\"[^\"]*\"|\[[^\]]*\]|--[^\n]*|/\*.*?\*/"
    return re.sub(pattern, " x ", query, flags=re.DOTALL)


def _first_line(exc: Exception) -> str:
    from .config import mask_url
    return mask_url(str(getattr(exc, "orig", None) or exc).splitlines()[0][:300])

