"""User-supplied metadata files (``leoset metadata "file"``).

The SRS ships variable descriptions separately from the data (and HESA has
none), so researchers bring their own: a CSV or XLSX file shaped like the LEO
variable request form, with columns *table*, *variable*, *description* and,
optionally, *type* and *years*.  Takes a file path; returns ``MetaRow``s that
``catalog`` merges into the descriptions it reads from the database (filling
gaps only: the database's own metadata wins).

Table names in a file match like user-typed names (case-insensitive, with or
without a ``schema.`` prefix and the ``leo_`` view prefix) and may use ``*`` and
``?`` wildcards (``hesa_*`` covers every per-year HESA view).
"""

from __future__ import annotations

import csv
import fnmatch
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
}


@dataclass(frozen=True)
class MetaRow:
    table: str
    variable: str
    description: str
    type: str = ""
    years: str = ""


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
                                cells.get("type", ""), cells.get("years", "")))
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
    """Descriptions from files, looked up by (table, column); built once."""

    def __init__(self, rows: list[MetaRow]):
        self.exact: dict[tuple[str, str], str] = {}
        self.patterns: list[MetaRow] = []
        for row in rows:
            if any(ch in row.table for ch in "*?"):
                self.patterns.append(row)
            else:
                key = (row.table.strip().lower().rsplit(".", 1)[-1], row.variable.lower())
                self.exact.setdefault(key, row.description)

    def describe(self, table: str, column: str) -> str:
        t, c = table.lower(), column.lower()
        for key in ((t, c), (t[4:], c) if t.startswith("leo_") else None):
            if key and key in self.exact:
                return self.exact[key]
        for row in self.patterns:
            if row.variable.lower() == c and table_matches(row.table, table):
                return row.description
        return ""

    def __len__(self) -> int:
        return len(self.exact) + len(self.patterns)
