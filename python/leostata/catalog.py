"""The catalog: tables, columns, SQL types and descriptions, read from the
database's own catalog views (never by scanning table data, never by
whole-schema reflection).

Takes a SQLAlchemy Engine (and optionally a site ``Layout``); returns
``TableInfo``/``ColumnInfo`` records that ``plan`` resolves names against.
Descriptions come from the ``leostata_metadata`` table when the database has
one (the synthetic database does; see ``synth``).

Table names resolve by one rule (``Catalog.table``):

* ``name``: the place is the one the site layout's ``[tables]`` gives the
  name, else the connection's default schema; in that place the name matches
  exactly, then case-insensitively; failing both, ``leo_name`` is tried the
  same way (in the place the layout gives ``leo_name``).
* ``schema.name`` and ``database.schema.name``: the place named, or the real
  place a layout ``[places]`` line gives it (through which only the tables
  ``[tables]`` puts there are seen); the database and schema match exactly,
  then case-insensitively; the name matches as above, in that place only.
* A name that does not resolve is r(111) naming what was not found: the
  database, the schema, or the table in its place.  Never another place.
* ``TableInfo.schema`` carries the qualifier: ``"schema"``, or
  ``"database.schema"`` on SQL Server and DuckDB (which render it as
  ``[db].[schema].[table]``); PostgreSQL reads only the database it is
  connected to (a three-part name must name that one); SQLite's attached
  databases are schemas, so three-part names are refused there (r(5104)).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Optional

from .layout import NO_LAYOUT, Layout, Place

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
    """One column, in table order (``position`` is 0-based); ``notes``
    (provenance texts) and ``value_labels`` (a code list in ``label define``
    form, "" when none) come from the metadata (``metadata.column_extras``)."""

    name: str
    sql_type: SqlType
    nullable: bool = True
    position: int = 0
    description: str = ""
    collation: Optional[str] = None
    notes: tuple = ()
    value_labels: str = ""

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
        WHERE t.table_catalog = coalesce(:database, current_database())
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
        WHERE table_catalog = coalesce(:database, current_database())
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

#: Each table's primary key and unique indexes: (table, is primary key, index
#: name, column, position in the key), the row order of ``in``, ``(first)``
#: and plain loads when the metadata names none.  Partial and expression
#: indexes are left out (they do not identify every row).  DuckDB lists
#: PRIMARY KEY and UNIQUE constraints (not a CREATE UNIQUE INDEX); SQLite
#: the primary key only.
KEY_QUERIES = {
    "duckdb": """
        SELECT table_name, constraint_type = 'PRIMARY KEY', constraint_name,
               UNNEST(constraint_column_names), UNNEST(range(len(constraint_column_names)))
        FROM duckdb_constraints()
        WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE')
          AND database_name = coalesce(:database, current_database())
          AND schema_name = coalesce(:schema, current_schema())
          AND (:table IS NULL OR table_name = :table)""",
    "sqlite": """
        SELECT m.name, 1, 'primary key', p.name, p.pk
        FROM sqlite_master m JOIN pragma_table_info(m.name) p
        WHERE m.type = 'table' AND p.pk > 0 AND (:table IS NULL OR m.name = :table)""",
    "postgresql": """
        SELECT c.relname, i.indisprimary, ic.relname, a.attname, k.ord
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND n.nspname = coalesce(:schema, current_schema())
          AND (CAST(:table AS text) IS NULL OR c.relname = :table)""",
    "mssql": """
        SELECT o.name, i.is_primary_key, i.name, c.name, ic.key_ordinal
        FROM sys.indexes i
        JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        JOIN sys.objects o ON o.object_id = i.object_id
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        WHERE i.is_unique = 1 AND i.has_filter = 0 AND ic.is_included_column = 0
          AND o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
          AND (:table IS NULL OR o.name = :table)""",
}


def choose_key(indexes: dict, columns: list) -> tuple[str, ...]:
    """The row order a table's own keys give: ``indexes`` maps (is primary,
    index name) to [(position, column)]; the primary key, else the first
    unique index (by name) whose columns are all NOT NULL (NULLs need not
    be unique); () when there is none."""
    nullable = {c.name: c.nullable for c in columns}
    for (primary, name), cols in sorted(indexes.items(), key=lambda kv: (not kv[0][0], kv[0][1])):
        names = tuple(c for _, c in sorted(cols))
        if primary or not any(nullable.get(c, True) for c in names):
            return names
    return ()


#: SQLite keeps row counts only in sqlite_stat1, written by ANALYZE (first number).
SQLITE_STATS_QUERY = "SELECT tbl, MAX(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl"

METADATA_QUERY = (
    "SELECT table_name, column_name, description, person_key, sort_key "
    f"FROM {METADATA_TABLE}"
)

#: The databases a qualified name may name (PostgreSQL: only the one connected to;
#: SQLite has none: its attached databases are schemas).
DATABASE_QUERIES = {
    "duckdb": "SELECT database_name FROM duckdb_databases() ORDER BY database_name",
    "postgresql": "SELECT current_database()",
    "mssql": "SELECT name FROM sys.databases ORDER BY name",
}

#: The connection's current database and default schema (SQLite: main).
DEFAULT_QUERIES = {
    "duckdb": "SELECT current_database(), current_schema()",
    "postgresql": "SELECT current_database(), current_schema()",
    "mssql": "SELECT DB_NAME(), SCHEMA_NAME()",
    "sqlite": None,
}

#: The schemas of a database (``:database`` bound on DuckDB; None: the current one).
SCHEMA_QUERIES = {
    "duckdb": """
        SELECT schema_name FROM information_schema.schemata
        WHERE catalog_name = coalesce(:database, current_database())
        ORDER BY schema_name""",
    "sqlite": "SELECT name FROM pragma_database_list ORDER BY name",
    "postgresql": "SELECT nspname FROM pg_catalog.pg_namespace ORDER BY nspname",
    "mssql": "SELECT s.name FROM sys.schemas s ORDER BY s.name",
}


def query_for_place(sql: str, dialect: str, place: Place, quote) -> str:
    """``sql`` (a query of this module) rewritten to read ``place``: on SQL
    Server a place in another database reads that database's catalog views
    (``[db].sys.objects``...); on SQLite a named schema (an attached database)
    reads its own ``sqlite_master``.  ``quote`` quotes one identifier."""
    if dialect == "mssql" and place.database is not None:
        return re.sub(r"\bsys\.", quote(place.database) + ".sys.", sql)
    if dialect == "sqlite" and place.schema is not None:
        return (sql.replace("sqlite_master m", f"{quote(place.schema)}.sqlite_master m")
                   .replace("pragma_table_info(m.name)", "pragma_table_info(m.name, :schema)"))
    return sql


def split_table_name(name: str) -> list[str]:
    """``table``, ``schema.table`` or ``database.schema.table`` as its parts;
    raises StataSyntaxError (r(198)) for anything else."""
    parts = name.split(".")
    if len(parts) > 3 or not all(re.match(r"^\w+$", p) for p in parts):
        from .errors import StataSyntaxError
        raise StataSyntaxError(f"'{name}' invalid table name",
                               hint="write table, schema.table or database.schema.table")
    return parts


def _pick(name: str, names) -> Optional[str]:
    """``name`` among ``names``: exactly, else the one name equal ignoring case."""
    names = list(names)
    if name in names:
        return name
    same = [n for n in names if n.lower() == name.lower()]
    return same[0] if len(same) == 1 else None


def _candidates(name: str) -> tuple[str, ...]:
    """The names tried for a typed table name: itself, then with ``leo_``."""
    return (name, "leo_" + name)


class Catalog:
    """Tables and columns of one database, read lazily and cached.

    ``Catalog(engine, schema=None, metadata_files=None, layout=None)``;
    ``tables()`` lists the tables an unqualified name reaches, without
    columns; ``table(name)`` resolves a user-typed table name (see the module
    docstring for the rule) and returns it with its columns, key and
    descriptions.
    """

    def __init__(self, engine, schema: str | None = None, metadata_files: list | None = None,
                 layout: Layout | None = None):
        self.engine = engine
        self.schema = schema
        self.metadata_files = list(metadata_files or [])
        self.layout = layout or NO_LAYOUT
        self._file_index = None
        self.dialect = engine.dialect.name
        if self.dialect not in TABLE_QUERIES:
            from .errors import ConnectionFailed
            raise ConnectionFailed(f"databases of type {self.dialect} are not supported "
                                   "(use SQL Server, PostgreSQL, DuckDB or SQLite)")
        self._quote = engine.dialect.identifier_preparer.quote_identifier
        self._places: dict[Place, dict[str, TableInfo]] = {}
        self._place_of: dict[int, Place] = {}
        self._located: dict[Place, Place] = {}
        self._databases: list[str] | None = None
        self._schemas: dict[Optional[str], list[str]] = {}
        self._metadata: dict[tuple[str, str], tuple] | None = None
        self._extras: dict | None = None  # (table, column) -> metadata.ColumnExtras
        self._loaded: set[tuple[Place, str]] = set()

    # -- listing ---------------------------------------------------------------
    def tables(self) -> list[TableInfo]:
        """Every user table and view an unqualified name reaches (internal
        leostata tables excluded): those of the default schema that the
        layout puts nowhere else, then those of each place the layout names
        (a database or schema this connection does not have, such as a source
        the project was not given, is left out; naming a table there is r(111))."""
        from .errors import NotFound
        out = [t for t in self._listing(Place()).values() if self._lives_here(t.name, Place())]
        for home in self.layout.homes():
            real = self.layout.real(home)  # no project set: an error, not an empty list
            try:
                real = self._locate(real)
            except NotFound:
                continue
            if real == Place():
                continue
            out += [t for t in self._listing(real).values() if self._lives_here(t.name, real)]
        return out

    def _lives_here(self, name: str, place: Place) -> bool:
        """True when an unqualified ``name`` is looked for in ``place``."""
        from .errors import NotFound
        try:
            return self._home(name) == place
        except NotFound:
            return False

    def _home(self, name: str) -> Place:
        """The real place an unqualified ``name`` is looked for in."""
        home = self.layout.home_of(name)
        return Place() if home is None else self._locate(self.layout.real(home, name))

    def _listing(self, place: Place) -> dict[str, TableInfo]:
        """The tables of a located ``place`` by name (one catalog query; cached)."""
        if place in self._places:
            return self._places[place]
        from sqlalchemy import text
        sql = query_for_place(TABLE_QUERIES[self.dialect], self.dialect, place, self._quote)
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), self._params(sql, place)).fetchall()
            names = {r[0] for r in rows}
            if (self.dialect == "sqlite" and place == Place()
                    and "sqlite_stat1" in self._sqlite_masters(conn)):
                stats = dict(conn.execute(text(SQLITE_STATS_QUERY)).fetchall())
                rows = [(n, k, stats.get(n)) for n, k, _ in rows]
        listing: dict[str, TableInfo] = {}
        for name, kind, approx in rows:
            if name in INTERNAL_TABLES:
                continue
            info = TableInfo(name=name, schema=self._qualifier(place), kind=kind,
                             approx_rows=int(approx) if approx is not None else None)
            listing[name] = info
            self._place_of[id(info)] = place
        if place == Place() and METADATA_TABLE in names:
            self._load_metadata()
            for info in listing.values():
                meta = self._metadata.get((info.name, ""))
                if meta:
                    info.description = meta[0] or ""
        self._places[place] = listing
        return listing

    def _qualifier(self, place: Place) -> Optional[str]:
        """``TableInfo.schema`` for a located place (None: the default)."""
        if place == Place():
            return self.schema
        if place.database is None:
            return place.schema
        return f"{place.database}.{place.schema}"

    # -- resolving names -----------------------------------------------------------
    def table(self, name: str) -> TableInfo:
        """The table the user means by ``name`` (``table``, ``schema.table`` or
        ``database.schema.table``), with columns loaded.

        Raises ``NotFound`` (r(111)) naming the database, schema or table not
        found, with a suggestion; never reads another place instead.
        """
        parts = split_table_name(name)
        if len(parts) == 1:
            info = self._unqualified(parts[0])
        else:
            typed = Place(*parts[:-1]) if len(parts) == 3 else Place(None, parts[0])
            info = self._qualified(typed, parts[-1])
        place = self._place_of[id(info)]
        if (place, info.name) not in self._loaded:
            self._load_columns(place, info)
        return info

    def _unqualified(self, name: str) -> TableInfo:
        first: Optional[tuple[Place, dict]] = None
        for candidate in _candidates(name):
            place = self._home(candidate)
            listing = {n: t for n, t in self._listing(place).items()
                       if self._lives_here(n, place)}
            found = self._find(candidate, listing)
            if found is not None:
                return found
            first = first or (place, listing)
        where = "" if first[0] == Place() else f" in {first[0].shown()}"
        raise self._not_found(f"table {name} not found{where}", name, first[1])

    def _qualified(self, typed: Place, name: str) -> TableInfo:
        from .errors import NotFound
        index = self.layout.alias(typed)
        if index is None:
            same_db = [named for named, _ in self.layout.places
                       if typed.database and (named.database or "").lower() == typed.database.lower()]
            if same_db and self.layout.project is not None:
                raise NotFound(f"schema {typed.schema} not found in database {typed.database}",
                               hint=f"the project schema set is {self.layout.project}")
            place = self._locate(typed)
            listing = self._listing(place)
        else:
            place = self._locate(self.layout.places[index][1])
            listing = {n: t for n, t in self._listing(place).items()
                       if (h := self.layout.home_of(n)) is not None
                       and self.layout.alias(h) == index}
        found = next((f for f in (self._find(c, listing) for c in _candidates(name)) if f), None)
        if found is None:
            raise self._not_found(f"table {name} not found in {typed.shown()}", name, listing)
        return found

    @staticmethod
    def _find(name: str, listing: dict[str, TableInfo]) -> Optional[TableInfo]:
        picked = _pick(name, listing)
        return listing[picked] if picked is not None else None

    @staticmethod
    def _not_found(message: str, name: str, listing: dict):
        from .errors import NotFound
        hint = suggest(name, list(listing))
        return NotFound(message, hint=f"did you mean {hint}?" if hint
                        else "type leodescribe to list the tables")

    def _locate(self, place: Place) -> Place:
        """``place`` checked against the database: its database and schema
        as the database spells them; the default place as is.  Raises
        NotFound (r(111)) for a database or schema that is not there, and
        Untranslatable (r(5104)) for a database on SQLite."""
        if place == Place() or place in self._located:
            return self._located.get(place, place)
        from .errors import NotFound, Untranslatable
        database = place.database
        if database is not None:
            if self.dialect == "sqlite":
                raise Untranslatable(
                    f"{place.shown()}: SQLite has no databases inside a connection",
                    hint="an attached SQLite database is a schema: write schema.table")
            databases = self._database_names()
            picked = _pick(database, databases)
            if picked is None:
                hint = suggest(database, databases)
                if self.dialect == "postgresql":
                    hint = (f"a PostgreSQL connection reads only its own database, "
                            f"{databases[0]}")
                elif hint:
                    hint = f"did you mean {hint}?"
                raise NotFound(f"database {database} not found", hint=hint)
            database = None if self.dialect == "postgresql" else picked
        schemas = self._schema_names(database)
        schema = _pick(place.schema, schemas)
        if schema is None:
            hint = suggest(place.schema, schemas)
            raise NotFound(f"schema {place.schema} not found"
                           + (f" in database {database}" if database else ""),
                           hint=f"did you mean {hint}?" if hint else None)
        located = Place(database, schema)
        current_db, default_schema = self._default_names()
        if (database is None or database == current_db) and schema == default_schema:
            located = Place()  # the default place named in full: the same tables
        self._located[place] = located
        return located

    def _default_names(self) -> tuple[Optional[str], str]:
        """(current database, default schema) of the connection; the default
        schema is the catalog's own ``schema`` when one is set."""
        if not hasattr(self, "_defaults"):
            from sqlalchemy import text
            if DEFAULT_QUERIES.get(self.dialect) is None:
                current = (None, "main")
            else:
                with self.engine.connect() as conn:
                    current = tuple(conn.execute(text(DEFAULT_QUERIES[self.dialect])).first())
            self._defaults = (current[0], self.schema or current[1])
        return self._defaults

    def _database_names(self) -> list[str]:
        if self._databases is None:
            from sqlalchemy import text
            with self.engine.connect() as conn:
                self._databases = [r[0] for r in conn.execute(text(DATABASE_QUERIES[self.dialect]))]
        return self._databases

    def _schema_names(self, database: Optional[str]) -> list[str]:
        if database not in self._schemas:
            from sqlalchemy import text
            sql = query_for_place(SCHEMA_QUERIES[self.dialect], self.dialect,
                                  Place(database, None), self._quote)
            params = {"database": database} if ":database" in sql else {}
            with self.engine.connect() as conn:
                self._schemas[database] = [r[0] for r in conn.execute(text(sql), params)]
        return self._schemas[database]

    # -- columns -----------------------------------------------------------------
    def _load_columns(self, place: Place, info: TableInfo | None) -> None:
        """Load the columns of ``info`` (or of every table of ``place`` when
        None) in one query."""
        from sqlalchemy import text

        from .metadata import column_extras
        listing = self._listing(place)
        sql = query_for_place(COLUMN_QUERIES[self.dialect], self.dialect, place, self._quote)
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), {**self._params(sql, place),
                                            "table": info.name if info else None}).fetchall()
        meta = (self._metadata or {}) if place == Place() else {}
        extras = (self._extras or {}) if place == Place() else {}
        files = self.file_index()
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row[0], []).append(row[1:])
        for table_name, table_rows in grouped.items():
            target = listing.get(table_name)
            if target is None or (info is not None and target is not info):
                continue
            columns, sort_key = [], []
            for name, raw, nullable, position, length, precision, scale, collation, desc in table_rows:
                m = meta.get((table_name, name))
                if m and m[1]:
                    target.person_key = name
                if m and m[2]:
                    sort_key.append((int(m[2]), name))
                more = column_extras(extras, files, table_name, name)
                columns.append(ColumnInfo(
                    name=name, sql_type=normalize_type(raw or "", length, precision, scale, self.dialect),
                    nullable=bool(int(nullable)), position=int(position),
                    description=(m[0] if m and m[0] else desc) or files.describe(table_name, name),
                    collation=collation, notes=more.notes, value_labels=more.value_labels))
            target.columns = columns
            target.key = tuple(n for _, n in sorted(sort_key))
            self._loaded.add((place, table_name))
        self._load_keys(place, info, [t for t in grouped if t in listing])

    def _load_keys(self, place: Place, info: TableInfo | None, names: list) -> None:
        """The database's own key (``KEY_QUERIES``, ``choose_key``) for the
        tables among ``names`` whose metadata names no row order."""
        from sqlalchemy import text
        listing = self._listing(place)
        wanting = [listing[n] for n in names if not listing[n].key]
        if not wanting:
            return
        sql = query_for_place(KEY_QUERIES[self.dialect], self.dialect, place, self._quote)
        with self.engine.connect() as conn:
            rows = conn.execute(text(sql), {**self._params(sql, place),
                                            "table": info.name if info else None}).fetchall()
        by_table: dict = {}
        for table_name, primary, index, column, position in rows:
            primary = str(primary).strip().lower() in ("1", "true", "t")  # psqlODBC: '1'/'0'
            by_table.setdefault(table_name, {}).setdefault((primary, str(index)), []).append(
                (int(position), column))
        for target in wanting:
            target.key = choose_key(by_table.get(target.name, {}), target.columns)

    def file_index(self):
        """Descriptions from the user's metadata files (read once)."""
        if self._file_index is None:
            from .metadata import MetadataIndex, read_metadata_file
            rows = [r for path in self.metadata_files for r in read_metadata_file(path)]
            self._file_index = MetadataIndex(rows)
        return self._file_index

    def load_all(self) -> list[TableInfo]:
        """Every table of ``tables()`` with its columns (one catalog query per
        place; cached)."""
        tables = self.tables()
        for place in {self._place_of[id(t)] for t in tables}:
            if any((place, t.name) not in self._loaded for t in tables
                   if self._place_of[id(t)] == place):
                self._load_columns(place, None)
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

        from .metadata import database_extras
        with self.engine.connect() as conn:
            rows = conn.execute(text(METADATA_QUERY)).fetchall()
        self._metadata = {(r[0], r[1] or ""): (r[2], r[3], r[4]) for r in rows}
        self._extras = database_extras(self.engine)

    @staticmethod
    def _sqlite_masters(conn) -> set[str]:
        from sqlalchemy import text
        return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}

    def _params(self, sql: str, place: Place) -> dict:
        """The parameters ``sql`` binds for ``place`` (``:schema``,
        ``:database``; the default place is the catalog's own schema)."""
        schema = self.schema if place == Place() else place.schema
        return {name: value for name, value in (("schema", schema), ("database", place.database))
                if f":{name}" in sql}


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
