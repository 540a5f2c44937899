"""The plan a ``leoload`` command becomes: what to read, filter, order,
sample and aggregate, with every name resolved and every type known, and
nothing yet about SQL dialects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..catalog import ColumnInfo, TableInfo
from ..expr.nodes import Node
from ..stata_types import OutputColumn


@dataclass(frozen=True)
class Sample:
    """``sample(# [, seed(#)])``: keep ``percent`` % of persons by ``key``."""

    percent: float
    seed: int
    key: ColumnInfo


@dataclass
class Plan:
    """Everything needed to build the SELECT, validated against the catalog.

    ``columns``: the selected columns in varlist order; ``where``: the typed
    if-expression; ``in_range``: ``(first, last)`` Stata observation numbers
    (negative = counted from the end, -1 = last); ``order_by``: the row order
    (``sort()`` or the table's key; empty when the table has neither);
    ``options``: every option given, by its full name, parsed (see
    ``OPTIONS``); ``outputs``: the result columns, in order; ``merges``: the
    ``merge()`` options (``plan.merge.Merge``) in the order they apply; the
    last one's merged data then is ``table`` (every name resolves against
    the merged variables); ``cohorts``: the ``cohort()`` restrictions
    (``plan.cohort.Cohort``), conditions like ``where``.
    """

    table: TableInfo
    columns: list[ColumnInfo]
    where: Optional[Node] = None
    in_range: Optional[tuple[int, int]] = None  # 1-based first, last; negative from the end
    order_by: list[ColumnInfo] = field(default_factory=list)
    sample: Optional[Sample] = None
    collapse: Optional[object] = None  # collapse.CollapseSpec
    merges: list = field(default_factory=list)  # merge.Merge, in order
    cohorts: list = field(default_factory=list)  # cohort.Cohort
    count_only: bool = False
    options: dict = field(default_factory=dict)
    outputs: list[OutputColumn] = field(default_factory=list)
    text: str = ""  # the command text, for messages

    @property
    def merge(self):
        """The last ``merge()`` (whose merged data are ``table``), or None."""
        return self.merges[-1] if self.merges else None
