"""A LEO-shaped table in an in-memory catalog: the fixture of the plan and
golden-SQL tests (no database needed)."""

from __future__ import annotations

from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.errors import NotFound

COLUMNS = [
    # name, SQL type, nullable, description
    ("Edukey", "varchar(12)", False, "pupil identifier"),
    ("TaxYear", "int", True, "tax year, e.g. 201516"),
    ("Earnings", "decimal(18,2)", True, "annual earnings"),
    ("EmpStart", "date", True, "employment start date"),
    ("KS4_APS", "float", True, "KS4 average point score"),
    ("KS4_Level2", "int", True, "KS4 level 2 reached"),
    ("KS4_English", "nvarchar(2)", True, "English grade"),
    ("Region", "varchar(10)", True, "region name"),
    ("Sex", "char(1)", True, "sex"),
    ("FSM", "bit", True, "free school meals"),
    ("Updated", "datetime2", True, "last update"),
    ("Photo", "varbinary(100)", True, "not a number, not a string"),
]


def leo_table(name: str = "leo_earnings", key=("Edukey", "TaxYear"),
              person_key: str | None = "Edukey") -> TableInfo:
    cols = [ColumnInfo(n, normalize_type(t), nullable=nl, position=i, description=d)
            for i, (n, t, nl, d) in enumerate(COLUMNS)]
    return TableInfo(name=name, columns=cols, key=tuple(key), person_key=person_key)


class FakeCatalog:
    """``table(name)`` over fixed TableInfos (the ``Catalog`` interface plan
    uses), for a given dialect name."""

    def __init__(self, *tables: TableInfo, dialect: str = "mssql"):
        self.tables = {t.name: t for t in tables} or {"leo_earnings": leo_table()}
        self.dialect = dialect

    def table(self, name: str) -> TableInfo:
        if name in self.tables:
            return self.tables[name]
        from leostata.catalog import suggest
        hint = suggest(name, list(self.tables))
        raise NotFound(f"table {name} not found", hint=f"did you mean {hint}?" if hint else None)


def catalog() -> FakeCatalog:
    return FakeCatalog(leo_table(), leo_table("leo_nokey", key=(), person_key=None))
