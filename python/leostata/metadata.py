"""User-supplied metadata files (``leoset metadata "file"``).

The SRS ships variable descriptions separately from the data (and HESA has
none), so researchers bring their own: a CSV or XLSX file shaped like the LEO
variable request form, with columns *table*, *variable*, *description* and,
optionally, *type*, *years*, *notes* (provenance, attached as Stata notes) and
*value labels* (a code list in ``label define`` form, ``[name:] 1 "text" 2
"text"``, attached to the variable as a value label).  Takes a file path; returns ``MetaRow``s that
``catalog`` merges into the descriptions it reads from the database (filling
gaps only: the database's own metadata wins).

Table names in a file match like user-typed names (case-insensitive, with or
without a ``schema.`` prefix and the ``leo_`` view prefix) and may use ``*`` and
``?`` wildcards (``hesa_*`` covers every per-year HESA view).
"""

from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import FileNotFound, StataSyntaxError

#: Accepted header spellings (lower-cased, spaces and underscores removed).
HEADERS = {
    "table": {"table", "tablename", "dataset", "datatable", "sheet"},
    "variable": {"variable", "variablename", "column", "columnname", "field", "fieldname"},
    "description": {"description", "variabledescription", "label", "definition"},
    "type": {"type", "datatype", "sqltype"},
    "years": {"years", "yearsavailable", "coverage"},
    "notes": {"notes", "note", "provenance"},
    "value_labels": {"valuelabels", "valuelabel", "codes", "codelist"},
}


@dataclass(frozen=True)
class MetaRow:
    table: str
    variable: str
    description: str
    type: str = ""
    years: str = ""
    notes: str = ""
    value_labels: str = ""


def read_metadata_file(path: str | Path) -> list[MetaRow]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX metadata file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFound(f"file {path} not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        records = _xlsx_records(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        with open(path, newline="", encoding="utf-8-sig") as fh:
            records = list(csv.reader(fh))
    else:
        raise StataSyntaxError(f"metadata file {path.name}: use a .csv or .xlsx file")
    if not records:
        return []
    columns = _header_positions(records[0], path.name)
    rows = []
    for record in records[1:]:
        cells = {k: (str(record[i]).strip() if i < len(record) and record[i] is not None else "")
                 for k, i in columns.items()}
        if cells.get("variable") and cells.get("description"):
            rows.append(MetaRow(cells.get("table", ""), cells["variable"], cells["description"],
                                cells.get("type", ""), cells.get("years", ""),
                                cells.get("notes", ""), cells.get("value_labels", "")))
    return rows


def _xlsx_records(path: Path) -> list[list]:
    import openpyxl
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _header_positions(header: list, filename: str) -> dict[str, int]:
    found = {}
    for i, cell in enumerate(header):
        key = str(cell or "").lower().replace(" ", "").replace("_", "")
        for name, spellings in HEADERS.items():
            if key in spellings and name not in found:
                found[name] = i
    missing = [n for n in ("table", "variable", "description") if n not in found]
    if missing:
        raise StataSyntaxError(f"metadata file {filename}: no column for {', '.join(missing)}",
                               hint="expected a header row with table, variable and description")
    return found


def table_matches(pattern: str, table: str) -> bool:
    """Does a file's table name (possibly ``LEO.Earnings`` or ``hesa_*``) mean ``table``?"""
    pattern = pattern.strip().lower().rsplit(".", 1)[-1]
    table = table.lower()
    if not pattern:
        return False
    return any(fnmatch.fnmatchcase(table, p) for p in (pattern, "leo_" + pattern))


class MetadataIndex:
    """Descriptions (and notes, code lists) from files, looked up by (table,
    column); built once."""

    def __init__(self, rows: list[MetaRow]):
        self.exact: dict[tuple[str, str], str] = {}
        self.rows: dict[tuple[str, str], MetaRow] = {}
        self.patterns: list[MetaRow] = []
        for row in rows:
            if any(ch in row.table for ch in "*?"):
                self.patterns.append(row)
            else:
                key = (row.table.strip().lower().rsplit(".", 1)[-1], row.variable.lower())
                self.exact.setdefault(key, row.description)
                self.rows.setdefault(key, row)

    def row(self, table: str, column: str) -> MetaRow | None:
        """The file's row for ``table``/``column`` (exact names first, then
        wildcard table names), or None."""
        t, c = table.lower(), column.lower()
        for key in ((t, c), (t[4:], c) if t.startswith("leo_") else None):
            if key and key in self.rows:
                return self.rows[key]
        for row in self.patterns:
            if row.variable.lower() == c and table_matches(row.table, table):
                return row
        return None

    def describe(self, table: str, column: str) -> str:
        row = self.row(table, column)
        return row.description if row is not None else ""

    def __len__(self) -> int:
        return len(self.exact) + len(self.patterns)


# --- notes and code lists ------------------------------------------------------------------

_LABEL_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")
_CODING = re.compile(r'\s*(-?[0-9]+)\s+"([^"]*)"')


def parse_value_labels(text: str, where: str = "") -> tuple[str | None, list[tuple[int, str]]]:
    """A code list in ``label define`` form -> (label name or None, [(value,
    text), ...]).  ``text`` is ``[name:] # "text" [# "text" ...]``; r(198)
    for anything else (``where`` names the column in the message)."""
    text = str(text or "").strip()
    m = _LABEL_NAME.match(text)
    name = m.group(1) if m else None
    rest = text[m.end():] if m else text
    pairs, pos = [], 0
    for c in _CODING.finditer(rest):
        if c.start() != pos:
            break
        pairs.append((int(c.group(1)), c.group(2)))
        pos = c.end()
    if not pairs or rest[pos:].strip():
        raise StataSyntaxError(f"value labels{' of ' + where if where else ''}: {text!r} "
                               "is not a code list",
                               hint='write them as label define does: [name:] 1 "text" 2 "text"')
    return name, pairs


@dataclass(frozen=True)
class ColumnExtras:
    """What the metadata says about a column beyond its description:
    ``notes`` (provenance texts) and ``value_labels`` (a code list in
    ``label define`` form, "" when none)."""

    notes: tuple = ()
    value_labels: str = ""


EXTRAS_QUERY = "SELECT table_name, column_name, provenance, value_labels FROM leostata_metadata"


def database_extras(engine) -> dict[tuple[str, str], ColumnExtras]:
    """Notes and code lists from the database's ``leostata_metadata`` table,
    by (table, column).  {} when the database has no such table or an older
    one without these columns (a synthetic database built before them)."""
    import sqlalchemy as sa
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text(EXTRAS_QUERY)).fetchall()
    except sa.exc.DBAPIError:
        return {}
    return {(r[0], r[1]): ColumnExtras(tuple(t for t in [r[2]] if t), r[3] or "")
            for r in rows if r[1] and (r[2] or r[3])}


def column_extras(database: dict, files: MetadataIndex | None, table: str,
                  column: str) -> ColumnExtras:
    """The extras of ``table``/``column``: the database's metadata first,
    then a metadata file's (which fills what the database leaves empty)."""
    found = database.get((table, column), ColumnExtras())
    row = files.row(table, column) if files is not None else None
    if row is None:
        return found
    notes = found.notes or tuple(t for t in [row.notes] if t)
    return ColumnExtras(notes, found.value_labels or row.value_labels)
