"""The DataFrame writer: a load as a pandas DataFrame (or an Arrow table),
for Python users (``leostata.load``).

Takes the batches of a load; at ``commit`` builds one column per variable in
its final Stata storage type (the same ``convert.final_values`` the Stata and
.dta writers use), with pandas' nullable dtypes where Stata has missing:

=================  ================================  ==========================
Stata type         pandas                            Arrow
=================  ================================  ==========================
byte / int / long  ``Int8`` / ``Int16`` / ``Int32``  int8 / int16 / int32
float / double     ``Float32`` / ``Float64``         float32 / float64
``%td`` (long)     ``datetime64[s]`` (NaT)           date32
``%tc`` (double)   ``datetime64[ms]`` (NaT)          timestamp[ms]
str# / strL        ``string`` ("" is missing)        string
=================  ================================  ==========================

Numeric missing is ``pd.NA`` (``NaT`` for dates), the extended missing
values .a-.z too (pandas and Arrow have one missing; ``sdc``'s ``_sdc``
column still says which cells were suppressed); a string's missing stays
``""``, as in Stata.  ``DataFrame.attrs`` keeps what Stata would keep:
``labels`` (variable labels), ``formats``, ``stata_types``, ``sql_names`` (the
SQL name of each variable), ``notes``, ``data_label``, ``sql``, ``table`` and
``synthetic``.

Value labels: a labelled variable keeps its numeric codes (as in Stata, where
the value is the number and the label only its display; a pandas
``Categorical`` would lose unlabelled codes and the numeric type), and
``attrs`` gains ``value_labels`` (label name -> ``{code: text}``) and
``variable_value_labels`` (variable -> label name), the shape pyreadstat's
``meta`` uses, so ``df[v].map(attrs["value_labels"][name])`` gives the texts.
Both keys are always present (empty without labels).  Arrow: the same
entries in the schema metadata, as ``repr`` text like the others.
"""

from __future__ import annotations

import numpy as np

from ..convert import final_values
from ..errors import NotSetUp
from ..stata_types import value_labels
from . import DatasetMeta
from .spool import Spool

_INTS = {"byte": ("Int8", "int8"), "int": ("Int16", "int16"), "long": ("Int32", "int32")}
_FLOATS = {"float": ("Float32", "float32"), "double": ("Float64", "float64")}
TD_EPOCH = np.datetime64("1960-01-01", "s")
TC_EPOCH = np.datetime64("1960-01-01T00:00:00", "ms")


class DataFrameWriter:
    """``DataFrameWriter(to="pandas" | "arrow")``; after ``commit`` the
    result is in ``.result``."""

    def __init__(self, to: str = "pandas", spool_limit: int = 64 << 20):
        if to not in ("pandas", "arrow"):
            raise ValueError("to must be 'pandas' or 'arrow'")
        self.to, self.spool_limit = to, spool_limit
        self.columns: list = []
        self.meta = DatasetMeta()
        self.spool: Spool | None = None
        self.result = None

    def check(self):
        if self.to == "arrow":
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise NotSetUp("to='arrow' needs pyarrow", hint="pip install leostata[fast]"
                               ) from None

    def begin(self, columns, meta=None):
        self.columns, self.meta = columns, meta or DatasetMeta()
        self.spool = Spool(self.spool_limit)

    def write(self, batch):
        self.spool.append(batch)

    def commit(self) -> int:
        try:
            for c in self.columns:
                c.finalize()
            parts: dict[str, list] = {c.name: [] for c in self.columns}
            for batch in self.spool:
                for c in self.columns:
                    parts[c.name].append(final_values(batch[c.name], c))
            build = _arrow_column if self.to == "arrow" else _pandas_column
            data = {c.name: build(c, parts[c.name]) for c in self.columns}
            self.result = self._frame(data)
            return self.spool.rows
        finally:
            self.spool.close()

    def abort(self):
        if self.spool is not None:
            self.spool.close()
        self.result = None

    def _frame(self, data: dict):
        attrs = {
            "labels": {c.name: c.label for c in self.columns},
            "formats": {c.name: c.format for c in self.columns},
            "stata_types": {c.name: c.stata_type for c in self.columns},
            "sql_names": {c.name: c.source for c in self.columns},
            "notes": [f"{c.name}: {n}" for c in self.columns for n in c.notes],
            "data_label": self.meta.data_label(), "sql": self.meta.sql,
            "table": self.meta.table, "synthetic": self.meta.synthetic,
            "value_labels": {name: vl.mapping()
                             for name, vl in value_labels(self.columns).items()},
            "variable_value_labels": {c.name: c.value_label.name for c in self.columns
                                      if c.value_label is not None},
        }
        if self.to == "arrow":
            import pyarrow as pa
            table = pa.table(data) if data else pa.table({})
            return table.replace_schema_metadata({k: repr(v) for k, v in attrs.items()})
        import pandas as pd
        frame = pd.DataFrame(data)
        frame.attrs.update(attrs)
        return frame


def _joined(parts: list) -> tuple[np.ndarray, np.ndarray | None]:
    if not parts:
        return np.array([]), None
    values = np.concatenate([v for v, _ in parts])
    if parts[0][1] is None:
        return values, None
    return values, np.concatenate([m for _, m in parts])


def _pandas_column(col, parts):
    import pandas as pd
    values, missing = _joined(parts)
    t, fmt = col.stata_type, col.format
    if missing is None:  # strings
        return pd.array([v.decode("utf-8", errors="replace") for v in values.tolist()],
                        dtype="string")
    if fmt.startswith("%td"):
        days = np.where(missing, 0, values).astype("timedelta64[D]")
        return pd.array(np.where(missing, np.datetime64("NaT"), TD_EPOCH + days))
    if fmt.startswith("%tc"):
        ms = np.where(missing, 0, values).astype(np.int64).astype("timedelta64[ms]")
        return pd.array(np.where(missing, np.datetime64("NaT"), TC_EPOCH + ms))
    if t in _INTS:
        return pd.arrays.IntegerArray(values.astype(_INTS[t][1]), missing.copy())
    return pd.arrays.FloatingArray(np.where(missing, 0, values).astype(_FLOATS[t][1]),
                                   missing.copy())


def _arrow_column(col, parts):
    import pyarrow as pa
    values, missing = _joined(parts)
    t, fmt = col.stata_type, col.format
    if missing is None:
        return pa.array([v.decode("utf-8", errors="replace") for v in values.tolist()],
                        type=pa.string())
    if fmt.startswith("%td"):
        days = (np.where(missing, 0, values) - 3653).astype(np.int32)  # 1960 -> 1970
        return pa.array(days, type=pa.date32(), mask=missing)
    if fmt.startswith("%tc"):
        ms = np.where(missing, 0, values).astype(np.int64) - 315_619_200_000
        return pa.array(ms, type=pa.timestamp("ms"), mask=missing)
    dtype = _INTS[t][1] if t in _INTS else _FLOATS[t][1]
    return pa.array(np.where(missing, 0, values).astype(dtype), mask=missing)
