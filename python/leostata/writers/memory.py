"""The in-memory writer: the whole result as Python values (tests, and the
command line's preview of the first rows).
"""

from __future__ import annotations

from ..convert import python_values
from ..stata_types import ResultColumn, letters_key, value_labels
from . import DatasetMeta


class MemoryWriter:
    """Keeps the whole result in memory as Python values: ``data[name]`` is a
    list with None for numeric missing ``.``, ``stata_types.ExtendedMissing``
    for .a-.z, and ``""`` for string missing (bigint beyond 2^53 as digit
    strings).  For tests and for the CLI's preview
    (``max_rows`` keeps only the first rows; ``nobs`` still counts all).
    After ``commit``, ``value_labels`` maps each label name to its
    ``{value: text}`` and ``variable_value_labels`` each labelled variable to
    its label name, as Stata would hold them."""

    def __init__(self, max_rows: int | None = None):
        self.max_rows = max_rows
        self.columns: list[ResultColumn] = []
        self.meta: DatasetMeta | None = None
        self._batches: list[dict] = []
        self._kept = 0
        self.nobs = 0
        self.data: dict[str, list] = {}
        self.committed = False
        self.aborted = False
        self.value_labels: dict[str, dict[int, str]] = {}
        self.variable_value_labels: dict[str, str] = {}

    def check(self):
        """Memory is always a valid destination."""

    def begin(self, columns, meta=None):
        self.columns, self.meta = columns, meta or DatasetMeta()

    def write(self, batch):
        n = len(next(iter(batch.values()))) if batch else 0
        self.nobs += n
        if self.max_rows is None or self._kept < self.max_rows:
            keep = n if self.max_rows is None else min(n, self.max_rows - self._kept)
            self._batches.append({k: v[:keep] for k, v in batch.items()})
            self._kept += keep

    def commit(self):
        for c in self.columns:
            c.finalize()
        for c in self.columns:
            values: list = []
            for b in self._batches:
                values.extend(python_values(b[c.name], c, b.get(letters_key(c.name))))
            self.data[c.name] = values
        self.value_labels = {name: vl.mapping()
                             for name, vl in value_labels(self.columns).items()}
        self.variable_value_labels = {c.name: c.value_label.name for c in self.columns
                                      if c.value_label is not None}
        self._batches = []
        self.committed = True
        return self.nobs

    def abort(self):
        self._batches = []
        self.data = {}
        self.value_labels, self.variable_value_labels = {}, {}
        self.aborted = True

    def rows(self) -> list[tuple]:
        names = [c.name for c in self.columns]
        return list(zip(*(self.data[n] for n in names)))

    def preview(self, n: int = 10) -> str:
        """A describe-style summary and the first ``n`` rows, as text."""
        lines = [f"Observations: {self.nobs:,}", f"Variables:    {len(self.columns)}", ""]
        labelled = any(c.value_label is not None for c in self.columns)
        for c in self.columns:
            vl = f"{c.value_label.name if c.value_label else '':<12} " if labelled else ""
            lines.append(f"  {c.name:<32} {c.stata_type:<8} {c.format:<12} {vl}{c.label}")
        lines.append("")
        names = [c.name for c in self.columns]
        lines.append("  ".join(names))
        for row in self.rows()[:n]:
            lines.append("  ".join("." if v is None else str(v) for v in row))
        return "\n".join(lines)
