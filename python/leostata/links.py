"""The LEO link graph: which column of which table carries which person key,
and the lookup tables that lead from one key to another.

LEO links its sources through resolved person keys (leo.md 1.3): NPD, HESA and
UCAS carry the pupil matching reference (PMR), the longitudinal ILR carries
RECORDID, and the LEO outcome tables carry EDUKEY.  The LINK lookups join them
through AE_ID: PMR -> AE_ID (learner_ae_id_to_pmr_lookup), RECORDID -> AE_ID
(education_records_lookup) and AE_ID -> EDUKEY (learner_ae_id_to_edukey_lookup).

The graph is data, not code.  Two INI files ship with the package, read with
configparser: data/links_synthetic.ini names the tables of the synthetic
database, data/links_srs.ini the documented SRS names (VRF names, with the
view names of the SRS project schemas as further names).  Their sections:

  [graph]         description; replace = yes in a site file drops the shipped graph
  [keys]          KEY TYPE = SQL type, e.g. EDUKEY = varchar(14)
  [table NAME]    family = npd (a label), also = further names, note = text,
                  then COLUMN = KEY TYPE for each person-key column
  [lookup NAME]   a lookup table: exactly two COLUMN = KEY TYPE lines with
                  different key types; it can be walked either way

Table names and table-name patterns (* and ?) compare without regard to case,
dot-separated part by part from the right, so leo_* matches
LEO_i2.p1234.leo_earnings and LINK.X matches db.LINK.X.  An exact name beats a
pattern, a pattern with more literal characters beats a shorter one, and a tie
between two sections is an error.  Column names may be patterns too
(PupilMatchingRefAnonymous_* for the per-term census columns) and also compare
without regard to case.

A site file (load_graph's site_file, else the LEOSTATA_LINKS environment
variable) is read after the shipped file and extends it section by section: a
[table] or [lookup] section whose name is already in the graph replaces that
section whole, remove = yes deletes it, new sections are added, and [keys]
entries are added or replaced.  With replace = yes in its [graph] section the
site file is the whole graph and the shipped one is not read.

load_graph returns a LinkGraph; LinkGraph.path finds the shortest chain of
lookups between two key types and refuses a tie: an ambiguity is never
resolved silently.  RULES names what a join does when a step is many-to-many.
Only the standard library and leostata.errors are imported.
"""

from __future__ import annotations

import configparser
import os
import re
from collections import deque
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib import resources
from typing import Iterable, Optional

from .errors import FileNotFound, FileNotOpened, NotFound, StataSyntaxError, Untranslatable

#: Environment variable naming a site link-graph file.
ENV_SITE_FILE = "LEOSTATA_LINKS"

#: The shipped graph files inside the package (leostata/data/).
SHIPPED_FILES = {True: "links_synthetic.ini", False: "links_srs.ini"}

#: What a link does when a person of the master table reaches more than one
#: key of the using side (an AE_ID with two EDUKEYs, a PMR with two AE_IDs).
RULES = ("refuse", "drop", "all")

#: One paragraph per rule in RULES, for the help file and messages.
RULE_HELP = {
    "refuse": "refuse: stop, before any data are fetched, when any person of the master "
              "table links to more than one key of the using side, and say how many "
              "persons do; nothing is loaded.",
    "drop": "drop: persons who link to more than one key of the using side are treated "
            "as not matched (as if no lookup row linked them); how many were dropped "
            "this way is counted and reported.",
    "all": "all: keep every pair the lookups give, so a person with two keys contributes "
           "rows for both; a warning says that rows multiply and how many persons "
           "linked more than once.",
}

_NAME_PART = r"[A-Za-z0-9_*?]+"
_TABLE_NAME = re.compile(rf"^{_NAME_PART}(\.{_NAME_PART})*$")
_COLUMN_NAME = re.compile(rf"^{_NAME_PART}$")
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_SQL_TYPE = re.compile(r"^(tinyint|smallint|int|integer|bigint|n?varchar|n?char|character varying|character"
                       r"|decimal|numeric|uniqueidentifier|text)( ?\(\s*\d+\s*(,\s*\d+\s*)?\))?$",
                       re.IGNORECASE)
_SECTION_LINE = re.compile(r"^\s*\[([^\]\n]*)\]")
_RESERVED = ("family", "also", "note", "remove")
_BOOLEANS = {"yes": True, "true": True, "1": True, "on": True,
             "no": False, "false": False, "0": False, "off": False}


@dataclass(frozen=True)
class Step:
    """One lookup walked in one direction: rows of ``lookup`` join the current
    key on ``from_column`` and give the next key in ``to_column``.  ``also``
    holds the lookup's further names (e.g. the SRS view name)."""

    lookup: str
    from_column: str
    to_column: str
    from_key: str
    to_key: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """How one table reaches another: its column ``from_column`` (key type
    ``from_key``), the lookups in ``steps``, then ``to_column`` (``to_key``)
    of the other table."""

    from_column: str
    from_key: str
    steps: tuple[Step, ...]
    to_column: str
    to_key: str


@dataclass(frozen=True)
class TableLinks:
    """One [table] or [lookup] section: its names (the section name first,
    then ``also``), family label, ``(column, key type)`` pairs in file order,
    and where it was read (file, section, line) for messages."""

    name: str
    names: tuple[str, ...]
    family: str
    keys: tuple[tuple[str, str], ...]
    is_lookup: bool
    origin: str
    note: str = ""


# --------------------------------------------------------------------------- reading


@dataclass
class _Raw:
    """A parsed file before merging: key types, sections, and flags."""

    path: str
    keys: dict[str, tuple[str, str]]           # lower key -> (spelling, sql type)
    sections: dict[str, "_RawSection"]          # lower name -> section
    replace: bool
    description: str


@dataclass
class _RawSection:
    kind: str            # "table" or "lookup"
    name: str
    options: list[tuple[str, str]]
    origin: str
    where: str
    remove: bool


def _fail(path: str, where: str, reason: str, hint: Optional[str] = None) -> StataSyntaxError:
    return StataSyntaxError(f"link graph file {path}, {where}: {reason}", hint=hint)


def _parse(text: str, path: str) -> _Raw:
    """Parse one INI text (``path`` only names it in messages)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",),
                                       comment_prefixes=("#", ";"), inline_comment_prefixes=None,
                                       default_section="\x00 no defaults")
    parser.optionxform = str  # keep the spelling of column names
    try:
        parser.read_string(text, source=path)
    except configparser.MissingSectionHeaderError as exc:
        raise _fail(path, f"line {exc.lineno}", "text before the first [section] header",
                    hint="start the file with a section such as [keys] or [table NAME]") from None
    except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as exc:
        what = (f"section [{exc.section}] appears twice" if isinstance(exc, configparser.DuplicateSectionError)
                else f"{exc.option} appears twice in section [{exc.section}]")
        raise _fail(path, f"line {exc.lineno}", what) from None
    except configparser.ParsingError as exc:
        lineno, line = exc.errors[0]
        raise _fail(path, f"line {lineno}", f"cannot read {line.strip()}",
                    hint="each line must be NAME = VALUE, a [section] header or a # comment") from None
    except configparser.Error as exc:  # pragma: no cover - other parser errors
        raise _fail(path, "parse", str(exc).splitlines()[0]) from None

    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SECTION_LINE.match(line)
        if match:
            lines.setdefault(match.group(1), number)

    raw = _Raw(path, {}, {}, False, "")
    seen: dict[str, str] = {}
    for header in parser.sections():
        where = f"section [{header}] (line {lines.get(header, '?')})"
        low = " ".join(header.split()).lower()
        if low in seen:
            raise _fail(path, where, f"the same section as [{seen[low]}] (names ignore case)")
        seen[low] = header
        options = list(parser.items(header))
        kind, _, rest = header.strip().partition(" ")
        kind = kind.lower()
        if kind == "graph" and not rest:
            _read_graph(raw, options, path, where)
        elif kind == "keys" and not rest:
            _read_keys(raw, options, path, where)
        elif kind in ("table", "lookup") and rest.strip():
            section = _read_section(kind, rest.strip(), options, path, where)
            raw.sections[section.name.lower()] = section
        else:
            raise _fail(path, where, "unknown section",
                        hint="sections are [graph], [keys], [table NAME] and [lookup NAME]")
    return raw


def _boolean(value: str, path: str, where: str, option: str) -> bool:
    if value.strip().lower() not in _BOOLEANS:
        raise _fail(path, where, f"{option} = {value} is not yes or no")
    return _BOOLEANS[value.strip().lower()]


def _read_graph(raw: _Raw, options, path: str, where: str) -> None:
    for option, value in options:
        if option.lower() == "replace":
            raw.replace = _boolean(value, path, where, option)
        elif option.lower() == "description":
            raw.description = " ".join(value.split())
        else:
            raise _fail(path, where, f"unknown option {option}",
                        hint="[graph] takes description and replace")


def _read_keys(raw: _Raw, options, path: str, where: str) -> None:
    for name, sql_type in options:
        if not _IDENTIFIER.match(name):
            raise _fail(path, where, f"key type name {name} is not a valid name")
        if not _SQL_TYPE.match(sql_type.strip()):
            raise _fail(path, where, f"{name} = {sql_type}: not an SQL type",
                        hint="write the key's SQL type, e.g. EDUKEY = varchar(14)")
        if name.lower() in raw.keys:
            raise _fail(path, where, f"key type {name} appears twice (names ignore case)")
        raw.keys[name.lower()] = (name, sql_type.strip())


def _read_section(kind: str, name: str, options, path: str, where: str) -> _RawSection:
    if not _TABLE_NAME.match(name):
        raise _fail(path, where, f"{name} is not a table name or pattern",
                    hint="letters, digits, _ and the wildcards * and ?, parts separated by dots")
    if kind == "lookup" and any(c in name for c in "*?"):
        raise _fail(path, where, "a lookup must name one table, not a pattern")
    remove = False
    kept, lowered = [], set()
    for option, value in options:
        low = option.lower()
        if low in lowered:
            raise _fail(path, where, f"{option} appears twice (names ignore case)")
        lowered.add(low)
        if low == "remove":
            remove = _boolean(value, path, where, option)
        elif low in _RESERVED:
            kept.append((low, value))
        elif not _COLUMN_NAME.match(option):
            raise _fail(path, where, f"{option} is not a column name")
        else:
            kept.append((option, value.strip()))
    if remove and any(o not in ("note",) for o, _ in kept):
        raise _fail(path, where, "remove = yes takes no other option but note")
    return _RawSection(kind, name, kept, f"{path}, {where}", where, remove)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        raise FileNotFound(f"link graph file {path} not found",
                           hint=f"check the path given by {ENV_SITE_FILE} or the site_file setting") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileNotOpened(f"link graph file {path} could not be read: {exc}") from None


def _shipped_text(synthetic: bool) -> tuple[str, str]:
    name = SHIPPED_FILES[bool(synthetic)]
    resource = resources.files("leostata").joinpath("data", name)
    return resource.read_text(encoding="utf-8"), f"leostata/data/{name}"


# --------------------------------------------------------------------------- building


def _build(parts: list[_Raw], synthetic: bool) -> "LinkGraph":
    """Merge parsed files in order (later ones extend earlier ones) and check them."""
    keys: dict[str, tuple[str, str]] = {}
    sections: dict[str, _RawSection] = {}
    description = ""
    for raw in parts:
        keys.update(raw.keys)
        description = raw.description or description
        for low, section in raw.sections.items():
            if section.remove:
                if low not in sections:
                    raise _fail(raw.path, section.where,
                                f"remove = yes, but no section {section.name} to remove")
                del sections[low]
            else:
                sections[low] = section
    tables = [_finish(section, keys) for section in sections.values()]
    literal: dict[str, TableLinks] = {}
    for table in tables:
        for name in table.names:
            if any(c in name for c in "*?"):
                continue
            other = literal.get(name.lower())
            if other is not None and other is not table:
                raise StataSyntaxError(f"table {name} is named by two sections of the link graph",
                                       hint=f"{other.origin}; {table.origin}")
            literal[name.lower()] = table
    return LinkGraph({spelling: sql for spelling, sql in keys.values()}, tables, synthetic,
                     tuple(raw.path for raw in parts), description)


def _finish(section: _RawSection, keys: dict[str, tuple[str, str]]) -> TableLinks:
    where = section.origin
    family, also, note, columns = "", [], "", []
    for option, value in section.options:
        if option == "family":
            if not _IDENTIFIER.match(value.strip()):
                raise StataSyntaxError(f"link graph file {where}: family {value} is not a name")
            family = value.strip()
        elif option == "also":
            also = [n for n in re.split(r"[\s,]+", value) if n]
            bad = [n for n in also if not _TABLE_NAME.match(n)]
            if bad:
                raise StataSyntaxError(f"link graph file {where}: also: {bad[0]} is not a table name")
            if section.kind == "lookup" and any(c in n for n in also for c in "*?"):
                raise StataSyntaxError(f"link graph file {where}: a lookup's names cannot be patterns")
        elif option == "note":
            note = " ".join(value.split())
        else:
            if value.lower() not in keys:
                raise StataSyntaxError(
                    f"link graph file {where}: {option} = {value}: unknown key type {value}",
                    hint="declare it in [keys]; known: " + ", ".join(s for s, _ in keys.values()))
            columns.append((option, keys[value.lower()][0]))
    if section.kind == "lookup":
        if len(columns) != 2 or columns[0][1] == columns[1][1]:
            raise StataSyntaxError(
                f"link graph file {where}: a lookup needs exactly two key columns of different key types",
                hint="e.g. AE_ID = AE_ID and EDUKEY = EDUKEY")
        if any(c in col for col, _ in columns for c in "*?"):
            raise StataSyntaxError(f"link graph file {where}: a lookup's columns cannot be patterns")
    return TableLinks(section.name, (section.name, *also), family or ("link" if section.kind == "lookup" else ""),
                      tuple(columns), section.kind == "lookup", where, note)


def load_graph(synthetic: bool, site_file: Optional[str] = None) -> "LinkGraph":
    """The link graph for the synthetic database (``synthetic`` True) or the
    SRS, extended by ``site_file`` (else by the file the LEOSTATA_LINKS
    environment variable names, if set; "" means no site file).  Raises StataSyntaxError (r(198))
    naming the file and line or section for a malformed file, FileNotFound
    (r(601)) for a missing one."""
    if site_file is None:
        site_file = os.environ.get(ENV_SITE_FILE) or None
    parts = []
    site = _parse(_read_text(site_file), site_file) if site_file else None
    if site is None or not site.replace:
        text, name = _shipped_text(synthetic)
        parts.append(_parse(text, name))
    if site is not None:
        parts.append(site)
    return _build(parts, synthetic)


def parse_graph(text: str, synthetic: bool = False, name: str = "<text>") -> "LinkGraph":
    """A graph from INI ``text`` alone (no shipped file, no site file)."""
    return _build([_parse(text, name)], synthetic)


# --------------------------------------------------------------------------- the graph


def _pattern_rank(pattern: str) -> tuple[int, int]:
    """Higher is more specific: exact names first, then more literal characters."""
    wild = any(c in pattern for c in "*?")
    return (0 if wild else 1, sum(1 for c in pattern if c not in "*?."))


def _name_matches(pattern: str, name: str) -> bool:
    pat_parts, name_parts = pattern.lower().split("."), name.lower().split(".")
    if len(name_parts) < len(pat_parts):
        return False
    tail = name_parts[len(name_parts) - len(pat_parts):]
    return all(fnmatchcase(part, pat) for part, pat in zip(tail, pat_parts))


class LinkGraph:
    """Person-key types, the tables carrying them and the lookups between
    them.  Built by load_graph; read-only."""

    def __init__(self, key_types: dict[str, str], tables: Iterable[TableLinks], synthetic: bool,
                 sources: tuple[str, ...] = (), description: str = ""):
        self.key_types = dict(key_types)            # spelling -> SQL type, file order
        self.tables = tuple(tables)                 # every [table] and [lookup] section
        self.lookups = tuple(t for t in self.tables if t.is_lookup)
        self.synthetic = synthetic
        self.sources = sources
        self.description = description
        self._adjacent: dict[str, list[TableLinks]] = {k: [] for k in self.key_types}
        for lookup in self.lookups:
            for _, key in lookup.keys:
                self._adjacent[key].append(lookup)

    # -- tables and columns ------------------------------------------------------
    def table(self, table_name: str) -> Optional[TableLinks]:
        """The section describing ``table_name`` (exact name, else the most
        specific pattern), or None.  Two equally specific sections are an error."""
        best, rank = [], None
        for table in self.tables:
            ranks = [_pattern_rank(p) for p in table.names if _name_matches(p, table_name)]
            if not ranks:
                continue
            top = max(ranks)
            if rank is None or top > rank:
                best, rank = [table], top
            elif top == rank:
                best.append(table)
        if len(best) > 1:
            raise Untranslatable(f"table {table_name} matches two sections of the link graph equally well",
                                 hint="; ".join(t.origin for t in best)
                                 + "; give the table its own section in a site file")
        return best[0] if best else None

    def family_of(self, table_name: str) -> Optional[str]:
        """The family label (npd, hesa, ilr, ucas, leo, link ...) of a table, or None."""
        table = self.table(table_name)
        return table.family if table else None

    def key_of(self, table_name: str, column_name: str) -> Optional[str]:
        """The key type ``column_name`` of ``table_name`` carries, or None."""
        table = self.table(table_name)
        if table is None:
            return None
        exact = [key for col, key in table.keys if col.lower() == column_name.lower()]
        if exact:
            return exact[0]
        found = {key for col, key in table.keys if fnmatchcase(column_name.lower(), col.lower())}
        if len(found) > 1:
            raise Untranslatable(f"column {column_name} of {table_name} matches patterns of two key types "
                                 f"({', '.join(sorted(found))}) in the link graph", hint=table.origin)
        return found.pop() if found else None

    def keys_of(self, table_name: str, columns: Optional[Iterable[str]] = None) -> dict[str, str]:
        """Column -> key type for ``table_name``.  Without ``columns`` the
        columns as the graph writes them (possibly patterns); with the table's
        actual ``columns``, those of them that carry a key."""
        table = self.table(table_name)
        if table is None:
            return {}
        if columns is None:
            return dict(table.keys)
        out = {}
        for column in columns:
            key = self.key_of(table_name, column)
            if key is not None:
                out[column] = key
        return out

    def key_type(self, name: str) -> str:
        """The declared spelling of key type ``name`` (any case); NotFound otherwise."""
        for spelling in self.key_types:
            if spelling.lower() == name.lower():
                return spelling
        raise NotFound(f"key type {name} not found in the link graph",
                       hint="key types: " + ", ".join(self.key_types))

    # -- paths -------------------------------------------------------------------
    def _search(self, start: str):
        """Breadth-first search from ``start``: distance, number of shortest
        paths, and the predecessors (key, lookup) on shortest paths."""
        dist, count, pred = {start: 0}, {start: 1}, {start: []}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for lookup in self._adjacent[here]:
                there = next(k for _, k in lookup.keys if k != here)
                if there not in dist:
                    dist[there], count[there], pred[there] = dist[here] + 1, count[here], [(here, lookup)]
                    queue.append(there)
                elif dist[there] == dist[here] + 1:
                    count[there] += count[here]
                    pred[there].append((here, lookup))
        return dist, count, pred

    @staticmethod
    def _step(lookup: TableLinks, from_key: str) -> Step:
        (col_a, key_a), (col_b, key_b) = lookup.keys
        if key_a != from_key:
            (col_a, key_a), (col_b, key_b) = (col_b, key_b), (col_a, key_a)
        return Step(lookup.name, col_a, col_b, key_a, key_b, lookup.names[1:])

    def _paths(self, pred, end: str, limit: int = 2) -> list[list[Step]]:
        """Up to ``limit`` shortest paths to ``end`` from the predecessor map."""
        if not pred[end]:
            return [[]]
        out = []
        for before, lookup in pred[end]:
            for head in self._paths(pred, before, limit):
                out.append(head + [self._step(lookup, before)])
                if len(out) >= limit:
                    return out
        return out

    def path(self, from_key: str, to_key: str) -> list[Step]:
        """The lookups leading from key type ``from_key`` to ``to_key`` (fewest
        steps; [] when they are the same).  NotFound (r(111)) when no chain of
        lookups joins them, Untranslatable (r(5104)) when two shortest chains tie."""
        start, end = self.key_type(from_key), self.key_type(to_key)
        dist, count, pred = self._search(start)
        if end not in dist:
            raise NotFound(f"no link path from {start} to {end} in the link graph",
                           hint=self._lookup_hint())
        if count[end] > 1:
            shown = " | ".join(_chain(p) for p in self._paths(pred, end))
            raise Untranslatable(f"link from {start} to {end} is ambiguous: {count[end]} shortest paths",
                                 hint=f"{shown}; remove or rename one lookup in a site file "
                                      f"({ENV_SITE_FILE}) so that one path remains")
        return self._paths(pred, end, 1)[0]

    def _lookup_hint(self) -> str:
        lines = [f"{t.name} ({t.keys[0][1]} <-> {t.keys[1][1]})" for t in self.lookups]
        return ("lookups in the graph: " + (", ".join(lines) or "none")
                + f"; a site file ({ENV_SITE_FILE}) can add a [lookup] section")

    def route(self, from_table: str, to_table: str, from_columns: Optional[Iterable[str]] = None,
              to_columns: Optional[Iterable[str]] = None) -> Route:
        """How ``from_table`` reaches ``to_table``: the pair of key columns
        (one on each side) with the fewest lookups between them.  ``*_columns``
        are the tables' actual columns (needed where the graph names column
        patterns).  NotFound when a table carries no key or nothing links them;
        Untranslatable when two choices tie."""
        sides = []
        for name, columns in ((from_table, from_columns), (to_table, to_columns)):
            keys = self.keys_of(name, columns)
            if not keys:
                raise NotFound(f"table {name} carries no person key in the link graph",
                               hint="leodescribe shows the link graph; a site file "
                                    f"({ENV_SITE_FILE}) can add a [table] section")
            sides.append(keys)
        best: list[Route] = []
        fewest = None
        for col_a, key_a in sides[0].items():
            dist, count, pred = self._search(key_a)
            for col_b, key_b in sides[1].items():
                if key_b not in dist:
                    continue
                if fewest is None or dist[key_b] < fewest:
                    best, fewest = [], dist[key_b]
                if dist[key_b] == fewest:
                    for steps in self._paths(pred, key_b, count[key_b]):
                        best.append(Route(col_a, key_a, tuple(steps), col_b, key_b))
        if not best:
            raise NotFound(f"no link path from {from_table} to {to_table} in the link graph",
                           hint=self._lookup_hint())
        if len(best) > 1:
            shown = " | ".join(f"{r.from_column} {_chain(list(r.steps)) or r.from_key} {r.to_column}"
                               for r in best[:2])
            raise Untranslatable(f"link from {from_table} to {to_table} is ambiguous: "
                                 f"{len(best)} equally short routes", hint=shown)
        return best[0]

    # -- for people --------------------------------------------------------------
    def describe(self) -> list[str]:
        """Lines describing the graph for a human (help, leodescribe)."""
        title = "synthetic database" if self.synthetic else "SRS"
        out = [f"Link graph ({title}): " + ", ".join(self.sources)]
        if self.description:
            out.append(f"  {self.description}")
        out.append("Person keys: " + ", ".join(f"{k} {t}" for k, t in self.key_types.items()))
        out.append("Lookups:")
        for t in self.lookups:
            (col_a, key_a), (col_b, key_b) = t.keys
            names = f" (also {', '.join(t.names[1:])})" if len(t.names) > 1 else ""
            out.append(f"  {t.name}{names}: {col_a} ({key_a}) <-> {col_b} ({key_b})")
        out.append("Tables:")
        for t in self.tables:
            if t.is_lookup:
                continue
            names = ", ".join(t.names)
            keys = ", ".join(f"{col} ({key})" for col, key in t.keys) or "no person key"
            out.append(f"  {t.family or '-'}: {names}: {keys}")
        out.append("Paths:")
        keys = list(self.key_types)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                try:
                    text = _chain(self.path(a, b))
                except NotFound:
                    text = "no path"
                except Untranslatable:
                    text = "ambiguous (two shortest paths)"
                out.append(f"  {a} -> {b}: {text}")
        return out


def _chain(steps: list[Step]) -> str:
    """``PMR -> AE_ID -> EDUKEY via a, b`` for a list of steps."""
    if not steps:
        return ""
    keys = " -> ".join([steps[0].from_key] + [s.to_key for s in steps])
    return f"{keys} via {', '.join(s.lookup for s in steps)}"
