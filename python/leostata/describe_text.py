"""``leodescribe`` / ``leostata describe``: what is in the extract, without
loading data, shown as Stata's ``describe`` and ``lookfor`` show data.

Takes a ``Catalog`` (or a ``Session`` for value counts); returns a
``Described``: the text to show (plain, or SMCL with clickable links for
Stata) and the result locals the ado posts as r().  Each variable is shown
as a load would make it (``plan_load`` and ``result_columns``, the load's own
path): storage type, display format, value label, variable label, and the
SQL type.  Storage types are the declared mapping (values are not read): a
load may store integers more compactly, as ``compress`` would, unless
``declaredtypes``; a string the database declares no length for is
``str#``.  Value counts are computed on the server and never show a count
under the disclosure threshold.

r() means one thing each: ``r(N)`` observations of the table described
(the database's estimate), ``r(k)`` its variables, ``r(varlist)`` the
variables described or found, ``r(table)`` the table, ``r(tables)`` the
tables listed or holding what was found, ``r(ntables)`` how many tables
were listed, ``r(r)`` the values listed by values(), ``r(suppressed)``
those shown only as below the threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from .errors import StataSyntaxError
from .stata_types import MAX_STR, result_columns, str_format, str_type


@dataclass
class Described:
    text: str
    locals: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Variable:
    """One variable as a load would make it: Stata ``name``, ``storage``
    type, display ``format``, ``value_label`` name ("" for none), variable
    ``label``, the ``sql_type`` text and ``notes`` (the SQL name when the
    Stata name had to change, the load's notes); ``search_text`` the texts
    ``search()`` looks in, each on its own (names, full description), lower case."""

    name: str
    storage: str
    format: str
    value_label: str
    label: str
    sql_type: str
    notes: tuple = ()
    search_text: tuple = ()


#: Characteristics of a loaded variable that leodescribe shows as notes: where
#: the name or the description came from (``leo_provenance``, which names the
#: SQL name when the Stata name had to change), and the load's notes.
NOTE_CHARS = ("leo_provenance", "leo_note")

#: What ``str#`` stands for, said under a listing that shows it.
STR_NOTE = ("str#: the database declares no length; a load stores the longest value "
            "loaded (strL beyond 2,045 bytes)")
TYPES_NOTE = ("Storage types are the declared ones: a load stores integers as compress "
              "would, so possibly smaller, unless declaredtypes")


def _esc(text: str, smcl: bool) -> str:
    """Text safe inside SMCL (braces are SMCL directives)."""
    if not smcl:
        return text
    return text.replace("{", "\x00").replace("}", "{c )-}").replace("\x00", "{c -(}")


def _link(command: str, shown: str, smcl: bool) -> str:
    return f"{{stata {command}:{shown}}}" if smcl else shown


def _rows_text(n) -> str:
    return f"{n:,}" if n is not None else "."


def observations_text(table) -> str:
    """``approx. 19,472`` (the database's estimate) or why it is not known."""
    if table.approx_rows is not None:
        return f"approx. {table.approx_rows:,}"
    return (f"not known: the database keeps no estimate for this {table.kind} "
            f"(leoload {table.name}, count counts them)")


# --- variables as a load makes them --------------------------------------------------------


def _storage(column) -> tuple[str, str]:
    """(storage type, format) a load would give ``column`` (a
    ``ResultColumn``): the declared mapping; strings from their declared
    length (binary: hexadecimal text, 0x and two digits a byte), ``str#``
    where there is none."""
    if column.family not in ("string", "binary"):
        return column.stata_type, column.format
    n = column.sql_type.length
    if n is None:
        return "str#", "%#s"
    width = 2 + 2 * n if column.family == "binary" else n
    stype = str_type(width) if width <= MAX_STR else "strL"
    return stype, str_format(stype)


def variables(catalog, table_name: str, varlist_tokens=None) -> tuple[object, list[Variable]]:
    """The table (``TableInfo``) and its variables (all, or those
    ``varlist_tokens`` names, resolved as leoload resolves them: wildcards,
    ranges, abbreviations) as a load would make them."""
    from .expr.command import parse_command
    from .plan import plan_load
    text = " ".join([table_name, *(varlist_tokens or [])])
    command = parse_command(text)
    if command.if_expr is not None or command.in_range is not None or command.options:
        raise StataSyntaxError("leodescribe takes a table and a varlist only",
                               hint="leodescribe TABLE [varlist]")
    plan = plan_load(command, catalog)
    out = []
    for c in result_columns(plan.outputs, table=plan.table.name):
        storage, fmt = _storage(c)
        notes = [c.chars[k] for k in NOTE_CHARS if c.chars.get(k)]
        if c.source != c.name and not any(c.source in n for n in notes):
            notes.insert(0, f"SQL name: {c.source}")
        full = c.chars.get("leo_description", c.label)
        out.append(Variable(c.name, storage, fmt, c.value_label.name if c.value_label else "",
                            c.label, c.sql_type.raw or c.sql_type.kind, tuple(notes),
                            tuple(dict.fromkeys(x.lower() for x in (c.name, c.source, full)))))
    return plan.table, out


def _widths(rows: list[Variable]) -> dict:
    return {"name": max([len(v.name) for v in rows] + [12]) + 2,
            "storage": max([len(v.storage) for v in rows] + [7]) + 2,
            "format": max([len(v.format) for v in rows] + [7]) + 2,
            "value": max([len(v.value_label) for v in rows] + [5]) + 2,
            "sql": min(max([len(v.sql_type) for v in rows] + [8]), 24) + 2}


def _header(w: dict) -> list[str]:
    total = sum(w.values()) + 30
    first = ("Variable".ljust(w["name"]) + "Storage".ljust(w["storage"])
             + "Display".ljust(w["format"]) + "Value".ljust(w["value"]) + "SQL")
    second = ("name".ljust(w["name"]) + "type".ljust(w["storage"]) + "format".ljust(w["format"])
              + "label".ljust(w["value"]) + "type".ljust(w["sql"]) + "Variable label")
    return ["-" * total, first.rstrip(), second, "-" * total]


def _variable_lines(v: Variable, w: dict, table: str, smcl: bool) -> list[str]:
    """The row of ``v`` (its name a link to its values when ``table``), then
    its notes, under the label."""
    shown = _link(f"leodescribe {table}, values({v.name})", v.name, smcl) if table else v.name
    sql = v.sql_type if len(v.sql_type) <= w["sql"] - 2 else v.sql_type[:w["sql"] - 3] + "~"
    line = (shown + " " * (w["name"] - len(v.name)) + v.storage.ljust(w["storage"])
            + v.format.ljust(w["format"]) + v.value_label.ljust(w["value"])
            + sql.ljust(w["sql"]) + _esc(v.label, smcl))
    indent = " " * (sum(w.values()))
    return [line.rstrip()] + [indent + _esc(f"({note})", smcl) for note in v.notes]


def _footnotes(rows: list[Variable]) -> list[str]:
    out = [TYPES_NOTE]
    if any(v.storage == "str#" for v in rows):
        out.append(STR_NOTE)
    return out


# --- the listing, one table, a search --------------------------------------------------------


def format_tables(catalog, smcl: bool = False) -> Described:
    """Every table and view with its approximate rows and description."""
    tables = catalog.tables()
    width = max([len(t.name) for t in tables] + [10])
    lines = [f"{'table'.ljust(width)}  {'kind':5}  {'approx. obs':>12}  description",
             "-" * (width + 40)]
    for t in tables:
        name = _link(f"leodescribe {t.name}", t.name, smcl) + " " * (width - len(t.name))
        lines.append(f"{name}  {t.kind:5}  {_rows_text(t.approx_rows):>12}  "
                     f"{_esc(t.description, smcl)}".rstrip())
    lines.append(f"{len(tables)} tables and views; observations are the database's estimates "
                 "(. where it keeps none)")
    return Described("\n".join(lines), {"leo_ntables": str(len(tables)),
                                        "leo_tables": " ".join(t.name for t in tables)})


def format_table(catalog, name: str, varlist_tokens=None, smcl: bool = False) -> Described:
    """One table as Stata's ``describe`` shows data: a header (observations,
    variables, keys), then each variable (or those ``varlist_tokens``
    names) with storage type, display format, value label, SQL type and
    variable label."""
    table, rows = variables(catalog, name, varlist_tokens)
    lines = [f"Table {table.name} ({table.kind})"
             + (f": {_esc(table.description, smcl)}" if table.description else ""),
             f"  Observations:  {observations_text(table)}",
             f"     Variables:  {len(table.columns):,}"]
    if table.person_key:
        lines.append(f"    Person key:  {table.person_key}")
    if table.key:
        lines.append(f"     Row order:  {' '.join(table.key)} (the order rows load in)")
    w = _widths(rows)
    lines += _header(w)
    for v in rows:
        lines += _variable_lines(v, w, table.name, smcl)
    lines.append("-" * (sum(w.values()) + 30))
    lines += _footnotes(rows)
    return Described("\n".join(lines), {
        "leo_table": table.name, "leo_varlist": " ".join(v.name for v in rows),
        "leo_k": str(len(table.columns)),
        "leo_N": "" if table.approx_rows is None else str(table.approx_rows)})


_TERM = re.compile(r'`"(.*?)"\'|"([^"]*)"|(\S+)')


def search_terms(words: str) -> list[str]:
    """The terms of ``search()``, as ``lookfor`` reads them: each word, or a
    phrase in double (or compound) quotes; lower case, each once."""
    terms: list[str] = []
    for m in _TERM.finditer(words or ""):
        term = " ".join(next(g for g in m.groups() if g is not None).split()).lower()
        if term and term not in terms:
            terms.append(term)
    return terms


def tables_together(tables, smcl: bool = False) -> str:
    """Table names in one phrase: three or more that differ only in a
    consecutive number run as ``hesa_2005 ... hesa_2020 (16 views)``, the
    others named one by one."""
    groups: dict = {}
    for t in tables:
        m = re.fullmatch(r"(.*?)(\d+)", t.name)
        key = (m.group(1), len(m.group(2))) if m else (t.name, None)
        groups.setdefault(key, []).append(t)
    parts = []
    for (_prefix, digits), members in groups.items():
        numbers = [int(t.name[len(t.name) - digits:]) for t in members] if digits else []
        run = (len(members) >= 3 and
               sorted(numbers) == list(range(min(numbers), min(numbers) + len(numbers))))
        if not run:
            parts += [_link(f"leodescribe {t.name}", t.name, smcl) for t in members]
            continue
        ordered = sorted(members, key=lambda t: int(t.name[len(t.name) - digits:]))
        kinds = {t.kind for t in members}
        what = "views" if kinds == {"view"} else "tables" if kinds == {"table"} else \
            "tables and views"
        first, last = ordered[0].name, ordered[-1].name
        parts.append(f"{_link(f'leodescribe {first}', first, smcl)} ... "
                     f"{_link(f'leodescribe {last}', last, smcl)} ({len(members)} {what})")
    return ", ".join(parts)


def format_search(catalog, words: str, smcl: bool = False) -> Described:
    """Variables whose name or label contains any of the terms (``lookfor``:
    words or quoted phrases, case-insensitive), across every table; a
    variable several tables or views repeat alike (same name, types and
    label) is listed once, with the tables named together.  Tables whose
    name or description matches are named at the end."""
    terms = search_terms(words)
    if not terms:
        raise StataSyntaxError("search() requires words", hint="leodescribe, search(words)")
    found: dict = {}  # Variable (as shown) -> the tables holding it: tables, then views
    tables_hit = []
    every = catalog.load_all()
    for table in [t for t in every if t.kind == "table"] + [t for t in every if t.kind != "table"]:
        if any(t in text.lower() for t in terms for text in (table.name, table.description)):
            tables_hit.append(table)
        hits = [c for c in table.columns
                if any(t in text.lower() for t in terms for text in (c.name, c.description))]
        if not hits:
            continue
        _, rows = variables(catalog, table.name)
        for v in rows:
            if any(t in text for t in terms for text in v.search_text):
                found.setdefault(v, []).append(table)
    sections: dict = {}
    for v, holders in found.items():
        sections.setdefault(tuple(t.name for t in holders), (holders, []))[1].append(v)
    shown = " ".join(f'"{t}"' if " " in t else t for t in terms)
    if not sections and not tables_hit:
        return Described(f"no variable or table matches {_esc(shown, smcl)}",
                         {"leo_varlist": "", "leo_tables": ""})
    lines = []
    rows = [v for _, vs in sections.values() for v in vs]
    if rows:
        w = _widths(rows)
        lines += _header(w)
        for holders, vs in sections.values():
            lines.append(f"in {tables_together(holders, smcl)}:")
            for v in vs:  # the name links to its values in the first table holding it
                lines += _variable_lines(v, w, holders[0].name, smcl)
        lines.append("-" * (sum(w.values()) + 30))
        lines += _footnotes(rows)
    if tables_hit:
        lines.append(f"tables and views whose name or description matches: "
                     f"{tables_together(tables_hit, smcl)}")
    varlist = list(dict.fromkeys(v.name for v in rows))
    holding = list(dict.fromkeys(t.name for holders, _ in sections.values() for t in holders))
    return Described("\n".join(lines), {"leo_varlist": " ".join(varlist),
                                        "leo_tables": " ".join(holding)})


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
    return Described("\n".join(lines), {"leo_r": str(len(rows)), "leo_suppressed": str(hidden),
                                        "leo_table": table_name, "leo_varlist": column.name})
