"""Export tables of leostata's synthetic DuckDB database as CSV, with DuckDB
itself: the independent side of the certification (setup.do runs this file
as a separate process; nothing of leostata is imported here).

Takes ``leocert_export.args`` in this file's folder: line 1 the DuckDB file,
then one table per line.  Writes into this file's folder ``<table>.csv`` for
each table (header line, comma-separated, NULL as an empty field),
``leocert_schema.csv`` (table, position, column, data_type, description:
DuckDB's own column types, and the descriptions the database stores in
``leostata_metadata``) and ``leocert_counts.csv`` (table, rows), and last
``leocert_export.ok``, only when everything before it succeeded -- the
marker setup.do checks, since Stata's ``shell`` sets no return code.
"""

from __future__ import annotations

import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARKER = os.path.join(HERE, "leocert_export.ok")


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_name(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def export(db: str, tables: list[str]) -> None:
    """Write the CSV files for ``tables`` of the DuckDB file ``db``."""
    import duckdb

    con = duckdb.connect(db, read_only=True)
    described = {(t, c): d for t, c, d in con.execute(
        "SELECT table_name, column_name, description FROM leostata_metadata").fetchall()}
    with open(os.path.join(HERE, "leocert_schema.csv"), "w", newline="", encoding="utf-8") as s, \
            open(os.path.join(HERE, "leocert_counts.csv"), "w", newline="",
                 encoding="utf-8") as n:
        schema, counts = csv.writer(s), csv.writer(n)
        schema.writerow(["table", "position", "column", "data_type", "description"])
        counts.writerow(["table", "rows"])
        for table in tables:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position", [table]).fetchall()
            if not columns:
                raise SystemExit(f"leocert_export: no table {table} in {db}")
            for position, (column, data_type) in enumerate(columns, start=1):
                schema.writerow([table, position, column, data_type,
                                 described.get((table, column)) or ""])
            out = os.path.join(HERE, f"{table}.csv")
            con.execute(f"COPY (SELECT * FROM {sql_name(table)}) TO {sql_string(out)} "
                        "(FORMAT CSV, HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
                        "DATEFORMAT '%Y-%m-%d')")
            rows, = con.execute(f"SELECT COUNT(*) FROM {sql_name(table)}").fetchone()
            counts.writerow([table, rows])
    con.close()


def main() -> None:
    if os.path.exists(MARKER):
        os.remove(MARKER)
    with open(os.path.join(HERE, "leocert_export.args"), encoding="utf-8") as f:
        lines = [line.strip() for line in f if line.strip()]
    export(lines[0], lines[1:])
    with open(MARKER, "w", encoding="utf-8") as f:
        f.write(f"{len(lines) - 1} tables exported\n")


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:  # say why; the missing marker stops setup.do
        print(f"leocert_export failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
