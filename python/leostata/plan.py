"""Request + catalog -> a validated, dialect-free ``Plan``.

Takes the parsed command (``expr.command.Command``) and the ``Catalog``;
resolves the table, the variable list (wildcards, ranges, abbreviations) and
the names inside the ``if`` expression, type-checks the expression (every node
gets ``stype`` "num" or "str"), and records the options.  Nothing here knows
about SQL dialects; ``translate``/``sql`` turn a Plan into a SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .catalog import ColumnInfo, SqlType, TableInfo
from .expr.nodes import Node


@dataclass(frozen=True)
class OutputColumn:
    """One column of the result as Stata will receive it.

    ``name`` is the Stata variable name; ``source`` the SQL column (or
    expression) it comes from; ``sql_type`` its SQL type; ``label`` the variable
    label; ``stata_type``/``format`` force a storage type or display format
    (collapse rules) - None lets ``stata_types`` derive them.
    """

    name: str
    source: str
    sql_type: SqlType
    label: str = ""
    stata_type: Optional[str] = None
    format: Optional[str] = None


@dataclass(frozen=True)
class Sample:
    """``sample(# [, seed(#)])``: keep ``percent`` % of persons by ``key``."""

    percent: float
    seed: int
    key: ColumnInfo


@dataclass
class Plan:
    """Everything needed to build the SELECT, validated against the catalog."""

    table: TableInfo
    columns: list[ColumnInfo]
    where: Optional[Node] = None
    in_range: Optional[tuple[int, int]] = None  # 1-based first, last (inclusive)
    order_by: list[ColumnInfo] = field(default_factory=list)
    sample: Optional[Sample] = None
    collapse: Optional[object] = None  # collapse.CollapseSpec
    count_only: bool = False
    options: dict = field(default_factory=dict)
    outputs: list[OutputColumn] = field(default_factory=list)
