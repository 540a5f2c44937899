"""``leodescribe`` / ``leostata describe``: what is in the extract, without
loading data.

Takes a ``Catalog`` (or a ``Session`` for value counts); returns a
``Described``: the text to show (plain, or SMCL with clickable links for
Stata) and the result locals the ado posts as r().  Value counts are
computed on the server and never show a count under the disclosure threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .stata_types import declared_type


@dataclass
class Described:
    text: str
    locals: dict = field(default_factory=dict)


def _esc(text: str, smcl: bool) -> str:
    """Text safe inside SMCL (braces are SMCL directives)."""
    if not smcl:
        return text
    return text.replace("{", "\x00").replace("}", "{c )-}").replace("\x00", "{c -(}")


def _link(command: str, shown: str, smcl: bool) -> str:
    return f"{{stata {command}:{shown}}}" if smcl else shown


def _rows_text(n) -> str:
    return f"{n:,}" if n is not None else "."


def format_tables(catalog, smcl: bool = False) -> Described:
    """Every table and view with its approximate rows and description."""
    tables = catalog.tables()
    width = max([len(t.name) for t in tables] + [10])
    lines = [f"{'table'.ljust(width)}  {'kind':5}  {'~rows':>11}  description",
             "-" * (width + 40)]
    for t in tables:
        name = _link(f"leodescribe {t.name}", t.name, smcl) + " " * (width - len(t.name))
        lines.append(f"{name}  {t.kind:5}  {_rows_text(t.approx_rows):>11}  "
                     f"{_esc(t.description, smcl)}")
    lines.append(f"{len(tables)} tables and views; row counts are the database's estimates")
    return Described("\n".join(lines), {"leo_N": str(len(tables)),
                                        "leo_tables": " ".join(t.name for t in tables)})


def format_table(catalog, name: str, varlist_tokens=None, smcl: bool = False) -> Described:
    """Columns of one table, as Stata's describe: name, SQL type, the Stata
    type it loads as, description.  ``varlist_tokens`` selects a subset."""
    from .plan import resolve_varlist, stata_names
    table = catalog.table(name)
    columns = resolve_varlist(varlist_tokens, table) if varlist_tokens else table.columns
    names = stata_names(table)  # what the user types and what Stata will hold
    width = max([len(names[c.name]) for c in columns] + [8])
    lines = [f"table {table.name} ({table.kind}; approx. rows {_rows_text(table.approx_rows)})"]
    if table.description:
        lines.append(f"  {_esc(table.description, smcl)}")
    if table.person_key or table.key:
        lines.append(f"  person key: {table.person_key or '.'}; row order: "
                     f"{' '.join(table.key) or 'none (use sort() with in)'}")
    lines += ["", f"{'variable'.ljust(width)}  {'SQL type':20}  {'Stata':8}  description",
              "-" * (width + 70)]
    for c in columns:
        stata_type = declared_type(c.sql_type)[0]
        if c.sql_type.is_string and c.sql_type.length is None:
            stata_type = "str#"  # width decided by the data when loaded
        var = names[c.name]
        shown = _link(f"leodescribe {table.name}, values({var})", var, smcl)
        note = "" if var == c.name else f"(SQL name: {c.name}) "
        lines.append(f"{shown}{' ' * (width - len(var))}  {c.sql_type.raw[:20]:20}  "
                     f"{stata_type:8}  {_esc(note + c.description, smcl)}")
    shown_names = [names[c.name] for c in columns]
    return Described("\n".join(lines), {"leo_table": table.name,
                                        "leo_varlist": " ".join(shown_names),
                                        "leo_k": str(len(shown_names)),
                                        "leo_N": str(table.approx_rows or "")})


def format_search(catalog, words: str, smcl: bool = False, limit: int = 50) -> Described:
    """Ranked hits for ``words`` across table names, variables and descriptions."""
    hits = catalog.search(words)
    if not hits:
        return Described(f"no table or variable matches {_esc(repr(words), smcl)}", {"leo_N": "0"})
    shown = hits[:limit]
    tw = max(len(h.table) for h in shown)
    cw = max([len(h.column) for h in shown] + [8])
    lines = [f"{'table'.ljust(tw)}  {'variable'.ljust(cw)}  description", "-" * (tw + cw + 40)]
    for h in shown:
        table = _link(f"leodescribe {h.table}", h.table, smcl) + " " * (tw - len(h.table))
        lines.append(f"{table}  {h.column.ljust(cw)}  {_esc(h.description, smcl)}")
    if len(hits) > limit:
        lines.append(f"({len(hits) - limit:,} more; add words to narrow the search)")
    return Described("\n".join(lines), {"leo_N": str(len(hits))})


def value_counts(session, table_name: str, var: str, top: int = 20) -> tuple[list, object]:
    """The ``top`` most frequent values of ``var`` (server-side) as
    ``[(value shown as Stata shows it, count)]`` and the column."""
    from .plan import resolve_varlist
    from .translate.aggregate import frequencies_select
    table = session.catalog.table(table_name)
    (column,) = resolve_varlist([var], table)
    source = sa.select(sa.table(table.name, sa.column(column.name),
                                schema=table.schema))
    stmt = frequencies_select(source, column.name, column.sql_type,
                              session.engine.dialect.name, top)
    with session.engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    return [(_shown(v, column.sql_type), int(n)) for v, n in rows], column


def _shown(value, sql_type) -> str:
    if value is None:
        return "."
    if sql_type.is_string:
        return f'"{value}"'
    if isinstance(value, date):
        return value.strftime("%d%b%Y").lower()
    if isinstance(value, str) and sql_type.kind == "date":  # SQLite keeps ISO text
        return date.fromisoformat(value[:10]).strftime("%d%b%Y").lower()
    if isinstance(value, (int, float)) and sql_type.kind == "date":
        return (date(1960, 1, 1) + timedelta(days=int(value))).strftime("%d%b%Y").lower()
    return f"{float(value):.10g}" if isinstance(value, float) else str(value)


def format_values(session, table_name: str, var: str, threshold: int, top: int = 20,
                  smcl: bool = False) -> Described:
    """Most frequent values with counts; a count under ``threshold`` is shown
    as ``<threshold`` and never exactly (disclosure control)."""
    rows, column = value_counts(session, table_name, var, top)
    width = max([len(v) for v, _ in rows] + [5])
    lines = [f"{column.name}: the {len(rows)} most frequent values (counts under "
             f"{threshold} shown as <{threshold})", "",
             f"{'value'.rjust(width)}  {'count':>12}", "-" * (width + 14)]
    hidden = 0
    for value, n in rows:
        if n < threshold:
            hidden += 1
        count = f"<{threshold}" if n < threshold else f"{n:,}"
        lines.append(f"{_esc(value, smcl).rjust(width)}  {count:>12}")
    return Described("\n".join(lines), {"leo_N": str(len(rows)), "leo_suppressed": str(hidden),
                                        "leo_table": table_name, "leo_varlist": column.name})
