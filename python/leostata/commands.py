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


_READ_ONLY = re.compile(r"^\s*(\(\s*)*(select|with)\b", re.IGNORECASE)
_WRITE_WORDS = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|truncate|grant|revoke|exec|execute|into|"
    r"declare|set|use|backup|restore|bulk|openrowset|opendatasource|openquery|opendatasource|"
    r"dbcc|kill|shutdown|reconfigure|waitfor|copy|attach|detach|pragma|vacuum|call|load|install|"
    r"begin|commit|rollback|savepoint|lock|listen|notify|prepare|deallocate|"
    r"dblink\w*|lo_\w+|setval|nextval|pg_read\w*|pg_ls_dir|pg_sleep\w*|xp_\w+|sp_\w+)\b",
    re.IGNORECASE)


def check_read_only(query: str) -> str:
    """``leoquery``: accept one SELECT (or WITH ... SELECT) statement only.

    The text is scanned as the server's lexer would see it: string literals
    (``'...'`` with ``''``), quoted identifiers (``"..."``, ``[...]``).
    Refused (r(5103)), because each can hide a second statement from a
    checker: comments, ``$`` (PostgreSQL dollar quoting), ``E'...'`` escape
    strings and backslashes inside strings, a ``;`` before the end,
    unterminated quotes; then anything but SELECT/WITH first, and any word
    that writes, changes the session or reaches outside (``INTO``,
    ``COMMIT``, ``OPENQUERY``, ``dblink``...), outside literals.
    """
    code = _code_outside_literals(query).strip()
    code = code[:-1].rstrip() if code.endswith(";") else code
    if not code:
        raise StatementRefused("empty query")
    if ";" in code:
        raise StatementRefused("only one statement may be sent", hint="remove the ;")
    if not _READ_ONLY.match(code):
        raise StatementRefused("only SELECT statements are sent to the server")
    word = _WRITE_WORDS.search(code)
    if word:
        raise StatementRefused(f"statement refused: {word.group(1).upper()} is not allowed in a "
                               "read-only query")
    return query.strip().rstrip(";").rstrip()


def query_statement(query: str):
    """The executable for a checked ``leoquery`` SELECT."""
    return sql_text_clause(check_read_only(query))


_CLOSERS = {"'": "'", '"': '"', "[": "]"}


def _code_outside_literals(query: str) -> str:
    """``query`` with every literal and quoted identifier replaced by ``x``;
    raises ``StatementRefused`` for what could hide a statement."""
    out, i, n = [], 0, len(query)
    while i < n:
        ch = query[i]
        two = query[i:i + 2]
        if two in ("--", "/*"):
            raise StatementRefused("comments are not accepted in leoquery",
                                   hint="remove -- and /* */ comments")
        if ch == "$":
            raise StatementRefused("$ is not accepted in leoquery (PostgreSQL dollar quoting)")
        if ch in _CLOSERS:
            if ch == "'" and i > 0 and query[i - 1] in "eE" and (i < 2 or not query[i - 2].isalnum()):
                raise StatementRefused("E'...' escape strings are not accepted in leoquery")
            close = _CLOSERS[ch]
            j = i + 1
            while True:
                k = query.find(close, j)
                if k < 0:
                    raise StatementRefused("unterminated quote in the query")
                if query[k + 1:k + 2] == close:  # doubled: an escaped quote
                    j = k + 2
                    continue
                break
            if ch == "'" and "\\" in query[i:k]:
                raise StatementRefused("backslashes inside strings are not accepted in leoquery")
            out.append(" x ")
            i = k + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _first_line(exc: Exception) -> str:
    from .config import mask_url
    return mask_url(str(getattr(exc, "orig", None) or exc).splitlines()[0][:300])

