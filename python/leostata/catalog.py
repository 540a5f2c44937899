"""The catalog: tables, columns, SQL types and descriptions, read from the
database's own catalog views (never by scanning table data, never by
whole-schema reflection).

Takes a SQLAlchemy Engine; returns ``TableInfo``/``ColumnInfo`` records that
``plan`` resolves names against.  Descriptions come from the
``leostata_metadata`` table when the database has one (the synthetic database
does; see ``synth``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Optional

#: Tables leostata keeps inside a database for itself; never listed.
METADATA_TABLE = "leostata_metadata"
INFO_TABLE = "leostata_info"
INTERNAL_TABLES = (METADATA_TABLE, INFO_TABLE)

#: Normalised SQL type kinds.  Every raw type a database reports maps to one.
KINDS = (
    "bool", "int8", "uint8", "int16", "int32", "int64", "decimal", "float32",
    "float64", "string", "date", "datetime", "time", "binary", "unknown",
)


@dataclass(frozen=True)
class SqlType:
    """A SQL column type: the raw text the database reports and its kind.

    ``length`` is the declared maximum length of a string type in characters
    (None when unbounded); ``precision``/``scale`` describe decimals.
    """

    raw: str
    kind: str
    length: Optional[int] = None
    precision: Optional[int] = None
    scale: Optional[int] = None

    @property
    def is_string(self) -> bool:
        return self.kind == "string"

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("bool", "int8", "uint8", "int16", "int32", "int64",
                             "decimal", "float32", "float64")

    @property
    def is_integer(self) -> bool:
        return self.kind in ("bool", "int8", "uint8", "int16", "int32", "int64")


@dataclass(frozen=True)
class ColumnInfo:
    """One column, in table order (``position`` is 0-based)."""

    name: str
    sql_type: SqlType
    nullable: bool = True
    position: int = 0
    description: str = ""
    collation: Optional[str] = None

    @property
    def stype(self) -> str:
        """Stata expression type: ``"str"`` for strings, ``"num"`` otherwise
        (dates are %td numbers in Stata)."""
        return "str" if self.sql_type.is_string else "num"


@dataclass
class TableInfo:
    """A table or view with its columns (loaded on demand) and key."""

    name: str
    schema: Optional[str] = None
    kind: str = "table"  # "table" or "view"
    description: str = ""
    approx_rows: Optional[int] = None
    columns: list[ColumnInfo] = field(default_factory=list)
    key: tuple[str, ...] = ()
    person_key: Optional[str] = None

    def column(self, name: str) -> Optional[ColumnInfo]:
        for c in self.columns:
            if c.name == name:
                return c
        return None


_TYPE_PATTERNS: list[tuple[str, str]] = [
    (r"^(bit|boolean|bool)$", "bool"),
    (r"^(tinyint|utinyint)$", "uint8"),
    (r"^(int1)$", "int8"),
    (r"^(smallint|int2|smallserial)$", "int16"),
    (r"^(int|integer|int4|serial|mediumint)$", "int32"),
    (r"^(bigint|int8|bigserial|hugeint)$", "int64"),
    (r"^(decimal|numeric|money|smallmoney)\b", "decimal"),
    (r"^(real|float4)$", "float32"),
    (r"^(float|float8|double|double precision)\b", "float64"),
    (r"^(n?varchar|n?char|character varying|character|text|ntext|string|"
     r"bpchar|clob|uniqueidentifier|uuid|sysname|name)\b", "string"),
    (r"^date$", "date"),
    (r"^(datetime|datetime2|smalldatetime|datetimeoffset|timestamp|"
     r"timestamptz|timestamp with(out)? time zone)\b", "datetime"),
    (r"^time\b", "time"),
    (r"^(binary|varbinary|image|blob|bytea)\b", "binary"),
]


#: Where a database spells a type differently from SQL Server: DuckDB's FLOAT is
#: 4 bytes and its TINYINT is signed; SQLite stores every REAL in 8 bytes.
DIALECT_KINDS: dict[str, dict[str, str]] = {
    "sqlite": {"real": "float64", "float": "float64", "float4": "float64"},  # 8 bytes
    "duckdb": {"float": "float32", "float4": "float32", "tinyint": "int8", "int1": "int8",
               "ubigint": "int64", "uinteger": "int64", "usmallint": "int32"},
}


@functools.lru_cache(maxsize=4096)
def normalize_type(raw: str, length: int | None = None, precision: int | None = None,
                   scale: int | None = None, dialect: str | None = None) -> SqlType:
    """Map a database's type text (``varchar(14)``, ``DECIMAL(5,3)``,
    ``character varying``, ``INTEGER``...) to a ``SqlType``.

    Lengths and precision written in the text win over the arguments; a length
    of -1 or 0 means unbounded (``varchar(max)``).
    """
    text = raw.strip().lower()
    base = re.sub(r"\s*\(.*\)\s*$", "", text).strip()
    args = re.findall(r"\(([^)]*)\)", text)
    if args:
        parts = [p.strip() for p in args[0].split(",")]
        if parts and parts[0] == "max":
            length = None
        elif parts and parts[0].isdigit():
            if re.match(r"^(decimal|numeric)", base):
                precision = int(parts[0])
                scale = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            else:
                length = int(parts[0])
    kind = DIALECT_KINDS.get(dialect or "", {}).get(base, "unknown")
    for pattern, k in _TYPE_PATTERNS if kind == "unknown" else ():
        if re.match(pattern, base):
            kind = k
            break
    if kind == "decimal" and base in ("money", "smallmoney"):
        precision, scale = (19, 4) if base == "money" else (10, 4)
    if kind == "string" and base in ("text", "ntext", "clob", "string"):
        length = length if length and length > 0 else None
    if length is not None and length <= 0:
        length = None
    if kind == "string" and base in ("uniqueidentifier", "uuid"):
        length = 36
    return SqlType(raw=raw.strip(), kind=kind,
                   length=length if kind in ("string", "binary") else None,
                   precision=precision if kind == "decimal" else None,
                   scale=scale if kind == "decimal" else None)


# --- catalog queries, one set per dialect -----------------------------------
# Each returns rows of (name, kind, approx_rows) for tables and
# (name, raw_type, nullable, position, length, precision, scale, collation,
# description) for columns.  ``:schema`` is bound; None means the connection's
# default schema.

TABLE_QUERIES = {
    "duckdb": """
        SELECT t.table_name, CASE WHEN t.table_type = 'VIEW' THEN 'view' ELSE 'table' END,
               d.estimated_size
        FROM information_schema.tables t
        LEFT JOIN duckdb_tables() d
          ON d.table_name = t.table_name AND d.schema_name = t.table_schema
             AND d.database_name = t.table_catalog
        WHERE t.table_catalog = current_database()
          AND t.table_schema = coalesce(:schema, current_schema())
        ORDER BY t.table_name""",
    "sqlite": """
        SELECT m.name, m.type, NULL
        FROM sqlite_master m
        WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
        ORDER BY m.name""",
    "postgresql": """
        SELECT c.relname, CASE WHEN c.relkind IN ('v', 'm') THEN 'view' ELSE 'table' END,
               CASE WHEN c.reltuples >= 0 THEN CAST(c.reltuples AS BIGINT) END
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
          AND n.nspname = coalesce(:schema, current_schema())
        ORDER BY c.relname""",
    "mssql": """
        SELECT o.name, CASE WHEN o.type = 'V' THEN 'view' ELSE 'table' END,
               (SELECT SUM(p.rows) FROM sys.partitions p
                WHERE p.object_id = o.object_id AND p.index_id IN (0, 1))
        FROM sys.objects o
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
        ORDER BY o.name""",
}

COLUMN_QUERIES = {
    "duckdb": """
        SELECT table_name, column_name, data_type, is_nullable = 'YES', ordinal_position - 1,
               character_maximum_length, numeric_precision, numeric_scale, NULL, NULL
        FROM information_schema.columns
        WHERE table_catalog = current_database()
          AND table_schema = coalesce(:schema, current_schema())
          AND (:table IS NULL OR table_name = :table)
        ORDER BY table_name, ordinal_position""",
    "sqlite": """
        SELECT m.name, p.name, p.type, p."notnull" = 0, p.cid, NULL, NULL, NULL, NULL, NULL
        FROM sqlite_master m JOIN pragma_table_info(m.name) p
        WHERE m.type IN ('table', 'view') AND (:table IS NULL OR m.name = :table)
        ORDER BY m.name, p.cid""",
    "postgresql": """
        SELECT c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN 0 ELSE 1 END,
               a.attnum - 1, NULL, NULL, NULL, co.collname,
               pg_catalog.col_description(c.oid, a.attnum)
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
        WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
          AND n.nspname = coalesce(:schema, current_schema())
          AND (CAST(:table AS text) IS NULL OR c.relname = :table)
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum""",
    "mssql": """
        SELECT o.name, c.name, t.name, c.is_nullable, c.column_id - 1,
               CASE WHEN c.max_length = -1 THEN NULL
                    WHEN t.name IN ('nchar', 'nvarchar') THEN c.max_length / 2
                    ELSE c.max_length END,
               c.precision, c.scale, c.collation_name,
               CAST(ep.value AS nvarchar(4000))
        FROM sys.columns c
        JOIN sys.types t ON t.user_type_id = c.user_type_id
        JOIN sys.objects o ON o.object_id = c.object_id
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        LEFT JOIN sys.extended_properties ep
          ON ep.major_id = c.object_id AND ep.minor_id = c.column_id
             AND ep.class = 1 AND ep.name = 'MS_Description'
        WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
          AND (:table IS NULL OR o.name = :table)
        ORDER BY o.name, c.column_id""",
}

#: SQLite keeps row counts only in sqlite_stat1, written by ANALYZE (first number).
SQLITE_STATS_QUERY = "SELECT tbl, MAX(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl"

METADATA_QUERY = (
    "SELECT table_name, column_name, description, person_key, sort_key "
    f"FROM {METADATA_TABLE}"
)


class Catalog:
    """Tables and columns of one database, read lazily and cached.

    ``Catalog(engine, schema=None)``; ``tables()`` lists ``TableInfo`` without
    columns; ``table(name)`` resolves a user-typed table name and returns it
    with its columns, key and descriptions.
    """

    def __init__(self, engine, schema: str | None = None, metadata_files: list | None = None):
        self.engine = engine
        self.schema = schema
        self.metadata_files = list(metadata_files or [])
        self._file_index = None
        self.dialect = engine.dialect.name
        if self.dialect not in TABLE_QUERIES:
            from .errors import ConnectionFailed
            raise ConnectionFailed(f"databases of type {self.dialect} are not supported "
                                   "(use SQL Server, PostgreSQL, DuckDB or SQLite)")
        self._tables: dict[str, TableInfo] | None = None
        self._metadata: dict[tuple[str, str], tuple] | None = None
        self._loaded: set[str] = set()

    # -- listing ---------------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        """Every user table and view (internal leostata tables excluded)."""
        if self._tables is None:
            from sqlalchemy import text
            with self.engine.connect() as conn:
                rows = conn.execute(text(TABLE_QUERIES[self.dialect]),
                                    self._params()).fetchall()
                names = {r[0] for r in rows}
                if self.dialect == "sqlite" and "sqlite_stat1" in self._sqlite_masters(conn):
                    stats = dict(conn.execute(text(SQLITE_STATS_QUERY)).fetchall())
                    rows = [(n, k, stats.get(n)) for n, k, _ in rows]
            self._tables = {}
            for name, kind, approx in rows:
                if name in INTERNAL_TABLES:
                    continue
                self._tables[name] = TableInfo(name=name, schema=self.schema, kind=kind,
                                               approx_rows=int(approx) if approx is not None else None)
            if METADATA_TABLE in names:
                self._load_metadata()
                for info in self._tables.values():
                    meta = self._metadata.get((info.name, ""))
                    if meta:
                        info.description = meta[0] or ""
        return list(self._tables.values())

    def table(self, name: str) -> TableInfo:
        """The table the user means by ``name``, with columns loaded.

        Matches exactly, then case-insensitively, then with the ``leo_`` prefix
        the SRS views carry (``earnings`` -> ``leo_earnings``).  Raises
        ``NotFound`` (r(111)) with a suggestion otherwise.
        """
        tables = {t.name: t for t in self.tables()}
        info = self._match(name, tables)
        if info.name not in self._loaded:
            self._load_columns(info)
        return info

    def _match(self, name: str, tables: dict[str, TableInfo]) -> TableInfo:
        if "." in name:  # schema.table: the schema is the one this catalog reads
            name = name.rsplit(".", 1)[1]
        if name in tables:
            return tables[name]
        lowered = {k.lower(): v for k, v in tables.items()}
        for candidate in (name.lower(), "leo_" + name.lower()):
            if candidate in lowered:
                return lowered[candidate]
        from .errors import NotFound
        hint = suggest(name, list(tables))
        raise NotFound(f"table {name} not found",
                       hint=f"did you mean {hint}?" if hint else "type leodescribe to list the tables")

    # -- columns -----------------------------------------------------------------
    def _load_columns(self, info: TableInfo | None) -> None:
        """Load the columns of ``info`` (or of every table when None) in one query."""
        from sqlalchemy import text
        with self.engine.connect() as conn:
            rows = conn.execute(text(COLUMN_QUERIES[self.dialect]),
                                {**self._params(), "table": info.name if info else None}).fetchall()
        meta = self._metadata or {}
        files = self.file_index()
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row[1:])
        for table_name, table_rows in grouped.items():
            target = self._tables.get(table_name) if self._tables is not None else None
            if target is None or (info is not None and target is not info):
                continue
            columns, sort_key = [], []
            for name, raw, nullable, position, length, precision, scale, collation, desc in table_rows:
                m = meta.get((table_name, name))
                if m and m[1]:
                    target.person_key = name
                if m and m[2]:
                    sort_key.append((int(m[2]), name))
                columns.append(ColumnInfo(
                    name=name, sql_type=normalize_type(raw or "", length, precision, scale, self.dialect),
                    nullable=bool(int(nullable)), position=int(position),
                    description=(m[0] if m and m[0] else desc) or files.describe(table_name, name),
                    collation=collation))
            target.columns = columns
            target.key = tuple(n for _, n in sorted(sort_key))
            self._loaded.add(table_name)

    def file_index(self):
        """Descriptions from the user's metadata files (read once)."""
        if self._file_index is None:
            from .metadata import MetadataIndex, read_metadata_file
            rows = [r for path in self.metadata_files for r in read_metadata_file(path)]
            self._file_index = MetadataIndex(rows)
        return self._file_index

    def load_all(self) -> list[TableInfo]:
        """Every table with its columns (one catalog query; cached)."""
        tables = self.tables()
        if len(self._loaded) < len(tables):
            self._load_columns(None)
        return tables

    def search(self, words: str) -> list["SearchHit"]:
        """Tables and columns whose name or description contains the words.

        Case-insensitive; every word must match somewhere in the hit's table
        name, column name or description.  Ranked: name matches before
        description matches, exact names first.
        """
        terms = [w.lower() for w in words.split() if w.strip()]
        hits: list[SearchHit] = []
        if not terms:
            return hits
        for table in self.load_all():
            items = [(table, None)] + [(table, c) for c in table.columns]
            for tbl, col in items:
                name = (col.name if col else tbl.name).lower()
                desc = (col.description if col else tbl.description).lower()
                where = f"{tbl.name.lower()} {name} {desc}"
                if not all(t in where for t in terms):
                    continue
                score = sum(3 * (t == name) + 2 * (t in name) + (t in desc) for t in terms)
                hits.append(SearchHit(tbl.name, col.name if col else "",
                                      col.description if col else tbl.description, score))
        hits.sort(key=lambda h: (-h.score, h.table, h.column))
        return hits

    def _load_metadata(self) -> None:
        from sqlalchemy import text
        with self.engine.connect() as conn:
            rows = conn.execute(text(METADATA_QUERY)).fetchall()
        self._metadata = {(r[0], r[1] or ""): (r[2], r[3], r[4]) for r in rows}

    @staticmethod
    def _sqlite_masters(conn) -> set[str]:
        from sqlalchemy import text
        return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}

    def _params(self) -> dict:
        return {} if self.dialect == "sqlite" else {"schema": self.schema}


@dataclass(frozen=True)
class SearchHit:
    """One search result: the table, the column ("" for the table itself),
    its description and a relevance score."""

    table: str
    column: str
    description: str
    score: int


def suggest(name: str, candidates: list[str]) -> str | None:
    """The closest candidate to ``name`` (case-insensitive), if any is close."""
    import difflib
    lowered = {c.lower(): c for c in candidates}
    best = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[best[0]] if best else None
