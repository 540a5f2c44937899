"""Typed Stata expressions -> SQLAlchemy Core, per database.

``translator_for(dialect)`` returns a fresh :class:`~.base.Translator` for
one statement on ``dialect`` - a dialect name (``"mssql"``, ``"postgresql"``,
``"sqlite"``, ``"duckdb"``) or a SQLAlchemy ``Dialect`` (whose server
version, when known, drives SQL Server's feature gates).

Layout: ``base`` (the generic translation and the HANDLERS table), ``predicates`` (truth values), ``fold``
(Stata's rules on constants), ``sample`` (the sample() hash), ``handlers``
(the handler of each translated function), ``constructs`` (the one SQLAlchemy construct
whose text each database supplies, and the entries most databases share),
one module per database (its SQL table, what it refuses, and a docstring
listing its semantic gaps), ``dates`` (SQL dates and datetimes as Stata
numbers, for the translator, collapse and the loader's casts) and
``aggregate`` (collapse).
"""

from __future__ import annotations

from typing import Optional, Union

from ..errors import ConnectionFailed
from . import duckdb, handlers, mssql, postgresql, sqlite  # noqa: F401 (handlers registers)
from .base import DialectSpec, Translator

SPECS: dict[str, DialectSpec] = {m.NAME: m.SPEC for m in (mssql, postgresql, sqlite, duckdb)}
DIALECT_NAMES = tuple(SPECS)


def spec_for(dialect) -> DialectSpec:
    """The DialectSpec for a dialect name or SQLAlchemy Dialect."""
    name = dialect if isinstance(dialect, str) else dialect.name
    try:
        return SPECS[name]
    except KeyError:
        raise ConnectionFailed(f"databases of type {name} are not supported "
                               f"(use one of: {', '.join(DIALECT_NAMES)})") from None


def server_version(dialect) -> Optional[tuple]:
    """The server version a SQLAlchemy Dialect knows (None for a name or an
    unconnected dialect)."""
    if isinstance(dialect, str):
        return None
    info = getattr(dialect, "server_version_info", None)
    return tuple(info) if info else None


def translator_for(dialect: Union[str, object], *, columns=None,
                   version: Optional[tuple] = None) -> Translator:
    """A new Translator for one statement on ``dialect`` (see module doc).
    ``columns(ColumnInfo) -> ColumnElement`` says how columns are referenced."""
    spec = spec_for(dialect)
    return Translator(spec, columns=columns, version=version or server_version(dialect))


__all__ = ["translator_for", "spec_for", "server_version", "SPECS", "DIALECT_NAMES",
           "Translator", "DialectSpec"]
