"""Site layouts: in which database and schema each table lives.

In the ONS SRS the sources live in different databases of one SQL Server
instance, each with one schema of views per project (``LEO_i2.<project>.
leo_earnings``, ``hesa_i2.<project>.hesa_2016``).  A layout file says so once,
so a do-file can name tables without qualifiers.  It is a small INI file:

``[tables]``   ``pattern = database.schema`` (or ``= schema``): where tables
               whose name matches ``pattern`` (``*`` and ``?`` wildcards,
               case-insensitive) live; the first matching line wins; a table
               that no line matches lives in the connection's default schema.
``[places]``   ``database.schema = real place``: a place that exists under
               another name on this connection (empty: the connection's
               default schema).  Only a layout for a database that imitates
               another needs it: the synthetic database's layout declares the
               SRS database names here.  Through such a place only the tables
               ``[tables]`` puts there are seen, as on the SRS.

``{project}`` in a place stands for the project schema (``[layout] project``
in the user config file, or ``LEOSTATA_PROJECT``).  In ``[places]``, when no
project is set, it matches any schema name.

Takes a layout name (``srs``, ``synthetic``) or a file path; returns a
``Layout``.  The built-in layouts are in ``leostata/data/layout-*.ini``.
"""

from __future__ import annotations

import configparser
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import FileNotFound, NotFound, StataSyntaxError

DATA_DIR = Path(__file__).resolve().parent / "data"
BUILT_IN = ("srs", "synthetic")
PROJECT = "{project}"

_PART = re.compile(r"^\w+$")
_PATTERN = re.compile(r"^[\w*?]+$")


@dataclass(frozen=True)
class Place:
    """Where tables are: ``database`` (None: the connection's current
    database) and ``schema`` (None: the connection's default schema)."""

    database: Optional[str] = None
    schema: Optional[str] = None

    @property
    def is_default(self) -> bool:
        return self.database is None and self.schema is None

    def shown(self) -> str:
        """``db.schema``, ``schema`` or ``the default schema`` for messages."""
        if self.is_default:
            return "the default schema"
        return ".".join(p for p in (self.database, self.schema) if p)


def parse_place(text: str, what: str = "place") -> Place:
    """``"db.schema"``, ``"schema"`` or ``""`` as a Place; ``{project}`` is
    allowed as the schema.  Raises StataSyntaxError for anything else."""
    text = text.strip()
    if not text:
        return Place()
    parts = text.split(".")
    ok = len(parts) <= 2 and all(_PART.match(p) for p in parts[:-1]) and (
        _PART.match(parts[-1]) or parts[-1] == PROJECT)
    if not ok:
        raise StataSyntaxError(f"{what} {text} invalid",
                               hint="write database.schema or schema (letters, digits, _)")
    return Place(*parts) if len(parts) == 2 else Place(None, parts[0])


def _same(a: Optional[str], b: Optional[str]) -> bool:
    return (a or "").lower() == (b or "").lower()


@dataclass(frozen=True)
class Layout:
    """A parsed layout: ``tables`` as (pattern, Place) in file order,
    ``places`` as (Place as typed, real Place), the ``project`` schema name
    (or None) and ``source`` (the layout's name or file) for messages."""

    source: str
    tables: tuple[tuple[str, Place], ...] = ()
    places: tuple[tuple[Place, Place], ...] = ()
    project: Optional[str] = None

    def home_of(self, table: str) -> Optional[Place]:
        """The Place ``[tables]`` gives ``table`` (its first matching line), as
        written there (``{project}`` kept), or None when no line matches."""
        for pattern, place in self.tables:
            if fnmatch.fnmatchcase(table.lower(), pattern.lower()):
                return place
        return None

    def alias(self, place: Place) -> Optional[int]:
        """The index of the ``[places]`` line naming ``place`` (None: no line
        does, the place is real as written).  ``place.schema`` may be
        ``{project}``: the project, whatever it is."""
        for i, (named, _real) in enumerate(self.places):
            if not _same(named.database, place.database):
                continue
            if named.schema == PROJECT:
                if place.schema == PROJECT or self.project is None or _same(self.project, place.schema):
                    return i
            elif _same(named.schema, place.schema):
                return i
        return None

    def real(self, place: Place, table: str = "") -> Place:
        """The Place to read for ``place`` on this connection: the ``[places]``
        target when a line names it, else ``place`` with ``{project}`` filled.
        Raises NotFound when ``{project}`` is needed and no project is set
        (``table`` names what was being looked for)."""
        index = self.alias(place)
        if index is not None:
            return self.places[index][1]
        if place.schema == PROJECT:
            if self.project is None:
                what = f"table {table}" if table else "this table"
                raise NotFound(f"{what} is in {place.database}.{PROJECT} (site layout "
                               f"{self.source}), but no project is set",
                               hint="set [layout] project in the config file (or "
                                    "LEOSTATA_PROJECT) to the project's schema name")
            return Place(place.database, self.project)
        return place

    def homes(self) -> list[Place]:
        """Every distinct place ``[tables]`` names, in file order."""
        out: list[Place] = []
        for _pattern, place in self.tables:
            if place not in out:
                out.append(place)
        return out


#: The layout of a connection without one: every table in the default schema.
NO_LAYOUT = Layout("none")


def layout_path(name: str) -> Path:
    """The file of a built-in layout name, or ``name`` itself as a path."""
    if name.lower() in BUILT_IN:
        return DATA_DIR / f"layout-{name.lower()}.ini"
    return Path(name)


def load_layout(name: str | None, project: str | None = None) -> Layout:
    """Read the layout ``name`` (a built-in name, a file path, or None/""/
    ``none`` for no layout) with ``project`` as the project schema."""
    if project is not None and not _PART.match(project):
        raise StataSyntaxError(f"project {project} invalid",
                               hint="the project schema name: letters, digits and _ only")
    if not name or name.lower() == "none":
        return Layout("none", project=project)
    path = layout_path(name)
    if not path.is_file():
        raise FileNotFound(f"site layout file {name} not found",
                           hint="a layout is srs, synthetic, none or the path of an INI file")
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",),
                                       comment_prefixes=(";", "#"), empty_lines_in_values=False)
    parser.optionxform = str  # keep the case of names
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error as exc:
        raise StataSyntaxError(f"site layout {name} cannot be read",
                               hint=str(exc).splitlines()[0]) from None
    source = name if name.lower() in BUILT_IN else str(path)
    unknown = set(parser.sections()) - {"layout", "tables", "places"}
    if unknown:
        raise StataSyntaxError(f"site layout {source}: unknown section [{sorted(unknown)[0]}]",
                               hint="the sections are [layout], [tables] and [places]")
    tables = []
    for pattern, value in (parser.items("tables") if parser.has_section("tables") else []):
        if not _PATTERN.match(pattern):
            raise StataSyntaxError(f"site layout {source}: table pattern {pattern} invalid",
                                   hint="a table name, with * and ? as wildcards")
        place = parse_place(value, f"site layout {source}: place of {pattern}")
        tables.append((pattern, place))
    places = []
    for named, value in (parser.items("places") if parser.has_section("places") else []):
        typed = parse_place(named, f"site layout {source}: place")
        if typed.is_default:
            raise StataSyntaxError(f"site layout {source}: empty place in [places]")
        real = parse_place(value, f"site layout {source}: real place of {named}")
        if real.schema == PROJECT:
            raise StataSyntaxError(f"site layout {source}: {PROJECT} in the real place of {named}",
                                   hint="write the real schema name")
        places.append((typed, real))
    return Layout(source, tuple(tables), tuple(places), project)
