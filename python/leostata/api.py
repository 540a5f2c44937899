"""The Python face of leostata: the Stata commands' grammar, pandas results.

Takes the same text as the Stata commands (what follows the command name)
and returns DataFrames; the work is done by the same delivery path as Stata
and the command line (``commands.load``/``query``/``deliver``), so options
(``maxobs()``, ``sample()``, ``count``, ``sqlonly``, ``collapse()``...) mean
the same everywhere.  Exported by the package root::

    import leostata
    leostata.connect()                         # the embedded synthetic database
    df = leostata.load("earnings if TaxYear >= 201516, "
                       "collapse((p50) Earnings) by(TaxYear)")
    n = leostata.load("benefit if Out_of_work_benefit == 1, count")   # an int
    text = leostata.to_sql("earnings TaxYear if Earnings > 0", dialect="mssql")
    rows = leostata.query("SELECT TaxYear, COUNT(*) AS n FROM leo_earnings GROUP BY TaxYear")
    tables = leostata.describe()                # or describe("earnings")

Errors are ``leostata.LeostataError`` subclasses carrying Stata's message
(``str(err)``, ``err.render()`` with the caret and hint) and return code
(``err.rc``), one class per code (``errors.RETURN_CODES``); a driver error is
``ServerError`` (r(5102)), never a bare traceback.  Loads from the synthetic
database warn (``SyntheticDataWarning``) and say so in ``df.attrs``.
"""

from __future__ import annotations

import sys
import warnings
from typing import Optional

from . import config
from .writers.frame import DataFrameWriter

_state = {"url": None, "schema": None}


class SyntheticDataWarning(UserWarning):
    """The data come from leostata's generated, LEO-shaped database."""


def connect(url: Optional[str] = None, *, schema: Optional[str] = None,
            synthetic: bool = False) -> str:
    """Choose the database for this Python session (``leoset``): a
    SQLAlchemy URL, or the embedded synthetic database (``synthetic=True``,
    or no URL: ``LEOSTATA_URL`` > the config file > synthetic, as in Stata).
    Returns the setting with secrets masked; connects to check it."""
    _state["url"] = config.synthetic_url(config.SYNTH_PERSONS, config.SYNTH_SEED) \
        if synthetic else url
    _state["schema"] = schema
    session = _session()
    try:
        return session.setting.shown
    finally:
        session.close()


def load(command: str, *, to: str = "pandas"):
    """``leoload COMMAND``: a DataFrame (``to="arrow"``: a pyarrow Table);
    with ``count`` the number of rows (int); with ``sqlonly`` the SQL (str)."""
    from . import commands
    session = _session()
    writer = DataFrameWriter(to)
    shown: list[str] = []
    try:
        job, outcome = commands.load(command, session, lambda _job: writer, show=shown.append,
                                     say=_note)
    finally:
        session.close()
    if outcome.count is None and outcome.result is None:
        return outcome.sql  # sqlonly: the SQL is the result
    for text in shown:  # showsql
        print(text)
    _warn_synthetic(job.synthetic)
    return outcome.count if outcome.count is not None else writer.result


def query(sql: str, *, maxobs: Optional[int] = None, to: str = "pandas"):
    """``leoquery "SQL"``: one read-only SELECT, checked for the database's
    dialect as in Stata (r(5103) otherwise); a DataFrame."""
    from . import commands
    statement = commands.query_statement_for(sql, _state["url"], _state["schema"])
    session = _session()
    writer = DataFrameWriter(to)
    try:
        commands.query(statement, session, writer, maxobs=maxobs, say=_note)
    finally:
        session.close()
    _warn_synthetic(session.synthetic)
    return writer.result


def to_sql(command: str, *, dialect: Optional[str] = None) -> str:
    """``leostata sql``: the SQL a ``leoload`` command would run, written for
    ``dialect`` (``mssql``, ``postgresql``, ``sqlite``, ``duckdb``; default:
    the connected database)."""
    from . import commands
    from .sql import sql_text
    session = _session()
    try:
        return sql_text(command, session.catalog, dialect,
                        graph=lambda: commands.link_graph(session))
    finally:
        session.close()


def describe(table: Optional[str] = None, *, search: Optional[str] = None):
    """``leodescribe``: the tables (no argument), the columns of ``table``,
    or the variables matching ``search`` words, as a DataFrame."""
    import pandas as pd

    from .stata_types import declared_type, stata_names
    session = _session()
    try:
        catalog = session.catalog
        if table is None and search is None:
            return pd.DataFrame([(t.name, t.kind, t.approx_rows, t.description)
                                 for t in catalog.tables()],
                                columns=["table", "kind", "approx_rows", "description"])
        if search is not None:  # the ranked hits of leodescribe, search()
            return pd.DataFrame([(h.table, h.column, h.description) for h in catalog.search(search)],
                                columns=["table", "variable", "description"])
        info = catalog.table(table)
        names = stata_names([c.name for c in info.columns])
        return pd.DataFrame([(name, c.name, c.sql_type.raw, declared_type(c.sql_type)[0],
                              c.description) for name, c in zip(names, info.columns)],
                            columns=["variable", "sql_name", "sql_type", "stata_type",
                                     "description"])
    finally:
        session.close()


def _session():
    from .session import open_session
    return open_session(_state["url"], _state["schema"], say=_note)


def _note(text: str) -> None:
    print(text, file=sys.stderr)


def _warn_synthetic(synthetic: bool) -> None:
    if synthetic:
        warnings.warn("SYNTHETIC data (leostata's generated LEO-shaped database), not real "
                      "records", SyntheticDataWarning, stacklevel=3)
