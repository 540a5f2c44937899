"""A Stata ``.dta`` Writer (format 118, Unicode; 119 beyond 32,767
variables) built on NumPy structured arrays.

Takes the batches ``stream`` produces; writes ``FILE.dta`` for
``leostata load --out`` / ``leostata query --out``.  Batches are kept in a
``stream.Spool`` until the result is complete, because Stata's storage types
(exact ``str#`` widths, bigint ladder) depend on all values; ``commit`` then
writes the file in one pass per section into ``FILE.dta.part`` and renames it
into place, so an error or Break never leaves a partial ``FILE.dta`` (an
existing file is replaced only on success).

Layout written (little-endian, "LSF"), from Stata's ``dta`` format
description: ``<stata_dta><header>`` release, byteorder, K (2 bytes; 4 in
119), N (8 bytes), data label (2-byte length + UTF-8), timestamp;
``<map>`` 14 offsets; variable types (2 bytes each: str# = #, strL 32768,
double 65526, float 65527, long 65528, int 65529, byte 65530); names (129
bytes), sortlist (empty), formats (57), value-label names (129), variable
labels (321), characteristics (``<ch>`` length, var name, char name, text);
``<data>`` rows; ``<strls>`` GSO records (``GSO`` v:u32 o:u64 t=130 len:u32
text + NUL); empty ``<value_labels>``.  Missing values: byte 101, int 32741,
long 2147483621, float 2^127, double 2^1023.  Dates are ``long`` ``%td``,
datetimes ``double`` ``%tc``.
"""

from __future__ import annotations

import datetime as _dt
import os
import struct
from typing import BinaryIO

import numpy as np

from . import stata_types as st
from .stream import DatasetMeta, Spool, as_bytes, as_float
from .stata_types import ResultColumn

TYPE_CODES = {"double": 65526, "float": 65527, "long": 65528, "int": 65529, "byte": 65530,
              "strL": 32768}
NUMPY_TYPES = {"byte": "i1", "int": "<i2", "long": "<i4", "float": "<f4", "double": "<f8",
               "strL": "<u8"}
MISSING = {"byte": st.MISSING_BYTE, "int": st.MISSING_INT, "long": st.MISSING_LONG,
           "float": st.MISSING_FLOAT, "double": st.MISSING_DOUBLE}
MAP_KEYS = ("stata_data", "map", "variable_types", "varnames", "sortlist", "formats",
            "value_label_names", "variable_labels", "characteristics", "data", "strls",
            "value_labels", "stata_data_close", "end-of-file")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _fixed(text: str, size: int) -> bytes:
    """``text`` as UTF-8, NUL-padded to ``size`` bytes (cut on a character
    boundary so at least one NUL remains)."""
    data = st.clip_char(text, size - 1).encode("utf-8")
    return data + b"\x00" * (size - len(data))


def storage_array(arr: np.ndarray, col: ResultColumn, dtype: np.dtype) -> np.ndarray:
    """A batch array converted to the column's final storage type, with
    Stata's missing codes; strings as bytes of at most the field width."""
    stype = col.stata_type
    if stype in ("byte", "int", "long"):
        if isinstance(arr, np.ma.MaskedArray):
            out = arr.data.astype(dtype)
            mask = np.ma.getmaskarray(arr)
        else:  # float form of an integer-valued column
            f = as_float(arr)
            mask = np.isnan(f)
            out = np.where(mask, 0, f).astype(dtype)
        if mask.any():
            out[mask] = MISSING[stype]
        return out
    if stype in ("float", "double"):
        f = as_float(arr)
        limit = st.FLOAT_MAX if stype == "float" else st.DOUBLE_MAX
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(f) | (np.abs(f) > limit)
        out = f.astype(dtype)
        if bad.any():
            out[bad] = MISSING[stype]
        return out
    return as_bytes(arr)


class DtaWriter:
    """``DtaWriter(path, *, version=None, spool_limit=64 MiB, chars=True)``.

    ``version`` 118 or 119 (None: 118, or 119 when K > 32,767).  ``chars``
    writes the characteristics (original SQL name and type of each variable,
    ``_dta[leo_sql]``, ``_dta[leo_table]``, ``_dta[leo_synthetic]``).
    ``commit()`` returns the number of observations written.
    """

    def __init__(self, path: str | os.PathLike, *, version: int | None = None,
                 spool_limit: int = 64 << 20, chars: bool = True):
        self.path = os.fspath(path)
        self.version = version
        self.spool_limit = spool_limit
        self.chars = chars
        self.columns: list[ResultColumn] = []
        self.meta = DatasetMeta()
        self.spool: Spool | None = None
        self.part = self.path + ".part"
        self.nobs = 0

    # -- Writer protocol -------------------------------------------------------------
    def begin(self, columns, meta=None):
        self.columns = columns
        self.meta = meta or DatasetMeta()
        folder = os.path.dirname(os.path.abspath(self.path))
        self.spool = Spool(self.spool_limit, directory=folder)

    def write(self, batch):
        self.spool.append(batch)

    def commit(self) -> int:
        for c in self.columns:
            c.finalize()
        try:
            with open(self.part, "wb") as fh:
                self._write_file(fh)
            os.replace(self.part, self.path)
        except BaseException:
            self._remove_part()
            raise
        finally:
            self.spool.close()
        return self.nobs

    def abort(self):
        if self.spool is not None:
            self.spool.close()
        self._remove_part()

    def _remove_part(self):
        try:
            os.remove(self.part)
        except OSError:
            pass

    # -- file layout ------------------------------------------------------------------
    def _write_file(self, fh: BinaryIO) -> None:
        cols = self.columns
        k = len(cols)
        version = self.version or (119 if k > 32_767 else 118)
        if version == 118 and k > 32_767:
            raise ValueError("format 118 holds at most 32,767 variables")
        n = self.spool.rows
        self.nobs = n
        offsets = dict.fromkeys(MAP_KEYS, 0)

        fh.write(b"<stata_dta><header>")
        fh.write(b"<release>%d</release>" % version)
        fh.write(b"<byteorder>LSF</byteorder>")
        fh.write(b"<K>" + struct.pack("<H" if version == 118 else "<I", k) + b"</K>")
        fh.write(b"<N>" + struct.pack("<Q", n) + b"</N>")
        label = self.meta.data_label().encode("utf-8")
        fh.write(b"<label>" + struct.pack("<H", len(label)) + label + b"</label>")
        now = _dt.datetime.now()
        stamp = f"{now:%d} {_MONTHS[now.month - 1]} {now:%Y %H:%M}".encode("ascii")
        fh.write(b"<timestamp>" + bytes([len(stamp)]) + stamp + b"</timestamp>")
        fh.write(b"</header>")

        offsets["map"] = fh.tell()
        fh.write(b"<map>" + b"\x00" * 8 * len(MAP_KEYS) + b"</map>")

        offsets["variable_types"] = fh.tell()
        codes = [TYPE_CODES.get(c.stata_type) or int(c.stata_type[3:]) for c in cols]
        fh.write(b"<variable_types>" + struct.pack(f"<{k}H", *codes) + b"</variable_types>")

        offsets["varnames"] = fh.tell()
        fh.write(b"<varnames>" + b"".join(_fixed(c.name, 129) for c in cols) + b"</varnames>")

        offsets["sortlist"] = fh.tell()
        fh.write(b"<sortlist>" + b"\x00" * (2 if version == 118 else 4) * (k + 1) + b"</sortlist>")

        offsets["formats"] = fh.tell()
        fh.write(b"<formats>" + b"".join(_fixed(c.format, 57) for c in cols) + b"</formats>")

        offsets["value_label_names"] = fh.tell()
        fh.write(b"<value_label_names>" + b"\x00" * 129 * k + b"</value_label_names>")

        offsets["variable_labels"] = fh.tell()
        fh.write(b"<variable_labels>"
                 + b"".join(_fixed(st.variable_label(c.label)[0], 321) for c in cols)
                 + b"</variable_labels>")

        offsets["characteristics"] = fh.tell()
        fh.write(b"<characteristics>")
        if self.chars:
            for name, value in self.meta.dta_chars().items():
                fh.write(self._ch("_dta", name, value))
            for c in cols:
                for name, value in c.chars.items():
                    fh.write(self._ch(c.name, name, value))
        fh.write(b"</characteristics>")

        offsets["data"] = fh.tell()
        fh.write(b"<data>")
        dtype = np.dtype([(f"v{j}", NUMPY_TYPES.get(c.stata_type, f"S{c.stata_type[3:]}"))
                          for j, c in enumerate(cols)])
        strls = [j for j, c in enumerate(cols) if c.stata_type == "strL"]
        shift = 16 if version == 118 else 24  # (v,o): v in 2 (118) or 3 (119) low bytes
        obs0 = 0
        for batch in self.spool:
            m = len(next(iter(batch.values()))) if batch else 0
            rec = np.empty(m, dtype=dtype)
            for j, c in enumerate(cols):
                if j in strls:
                    b = as_bytes(batch[c.name])
                    nonempty = np.fromiter((len(x) > 0 for x in b.tolist()), bool, m) \
                        if b.dtype == object else np.char.str_len(b) > 0
                    obs = np.arange(obs0 + 1, obs0 + m + 1, dtype=np.uint64)
                    keys = (obs << np.uint64(shift)) | np.uint64(j + 1)
                    rec[f"v{j}"] = np.where(nonempty, keys, np.uint64(0))
                else:
                    rec[f"v{j}"] = storage_array(batch[c.name], c, dtype[j])
            rec.tofile(fh)
            obs0 += m
        fh.write(b"</data>")

        offsets["strls"] = fh.tell()
        fh.write(b"<strls>")
        if strls:
            obs0 = 0
            for batch in self.spool:
                m = len(next(iter(batch.values()))) if batch else 0
                for j in strls:
                    values = as_bytes(batch[cols[j].name]).tolist()
                    parts = []
                    for i, v in enumerate(values):
                        if v:
                            parts.append(b"GSO" + struct.pack("<IQBI", j + 1, obs0 + i + 1, 130,
                                                              len(v) + 1) + v + b"\x00")
                    fh.write(b"".join(parts))
                obs0 += m
        fh.write(b"</strls>")

        offsets["value_labels"] = fh.tell()
        fh.write(b"<value_labels></value_labels>")
        offsets["stata_data_close"] = fh.tell()
        fh.write(b"</stata_dta>")
        offsets["end-of-file"] = fh.tell()
        fh.seek(offsets["map"] + len(b"<map>"))
        fh.write(struct.pack(f"<{len(MAP_KEYS)}Q", *(offsets[key] for key in MAP_KEYS)))

    @staticmethod
    def _ch(var: str, name: str, value: str) -> bytes:
        text = st.clip_char(str(value)).encode("utf-8") + b"\x00"
        body = _fixed(var, 129) + _fixed(name, 129) + text
        return b"<ch>" + struct.pack("<I", len(body)) + body + b"</ch>"


def load_to_dta(select, engine, outputs, path, *, meta: DatasetMeta | None = None,
                progress=None, poll=None, total=None, **kwargs):
    """The ``leostata load --out FILE.dta`` pipeline: stream ``select`` into
    ``path``; returns ``stream.LoadResult``."""
    from .stream import stream
    return stream(select, engine, outputs, DtaWriter(path), meta=meta, progress=progress,
                  poll=poll, total=total, **kwargs)
