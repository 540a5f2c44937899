"""A Stata ``.dta`` Writer (format 118, Unicode; 119 beyond 32,767
variables) built on NumPy structured arrays.

Takes the batches ``stream`` produces; writes ``FILE.dta`` for
``leostata load --out`` / ``leostata query --out``.  Batches are kept in a
``stream.Spool`` until the result is complete, because Stata's storage types
(exact ``str#`` widths, bigint ladder) depend on all values; ``commit`` then
writes the file in one pass per section into ``FILE.dta.part``, flushes it to
disk and renames it into place (atomic), so an error or Break never leaves a
partial ``FILE.dta`` (an existing file is replaced only on success, as the
CLI always has; there is no ``replace`` option).

The destination is checked when the writer is made, before any query runs
(``check_destination``), and every file-system failure is a Stata error with
Stata's code, never a Python exception: r(601) the directory does not exist;
r(603) the file could not be opened (the path is a directory or not a regular
file, a path component is a file, permission denied, read-only file system);
r(608) an existing ``FILE.dta`` is read-only; r(602) ``FILE.dta.part``
already exists (a leftover or a planted link: it is never followed, opened or
removed); r(699) the disk is full; r(693) any other error on write; r(694)
the final rename failed.  ``FILE.dta.part`` is created with
``O_CREAT|O_EXCL`` (and ``O_NOFOLLOW`` where the system has it) in
``begin``, so an existing file or symbolic link at that path can never
redirect the write; only a ``.part`` this writer created is ever removed.

Layout written (little-endian, "LSF"), from Stata's ``dta`` format
description: ``<stata_dta><header>`` release, byteorder, K (2 bytes; 4 in
119), N (8 bytes), data label (2-byte length + UTF-8), timestamp;
``<map>`` 14 offsets; variable types (2 bytes each: str# = #, strL 32768,
double 65526, float 65527, long 65528, int 65529, byte 65530); names (129
bytes), sortlist (empty), formats (57), value-label names (129), variable
labels (321), characteristics (``<ch>`` length, var name, char name, text);
``<data>`` rows; ``<strls>`` GSO records (``GSO`` v:u32 o:u64 t=130 len:u32
text + NUL); ``<value_labels>``: per label ``<lbl>`` table length (4
bytes), name (129), 3 bytes padding, then the table: n, text length (4
bytes each), n text offsets, n values (4-byte integers, ascending), the
NUL-terminated texts.  Missing values: byte 101, int 32741,
long 2147483621, float 2^127, double 2^1023.  Dates are ``long`` ``%td``,
datetimes ``double`` ``%tc``.
"""

from __future__ import annotations

import datetime as _dt
import errno
import os
import stat
import struct
from typing import BinaryIO

import numpy as np

from .. import stata_types as st
from ..convert import as_bytes, final_values
from ..errors import (DiskFull, FileExists, FileNotFound, FileNotOpened, FileReadOnly,
                      FileRenameError, FileWriteError, LeostataError, StataSyntaxError)
from ..stata_types import ResultColumn
from . import DatasetMeta
from .spool import Spool

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


def storage_array(arr: np.ndarray, col: ResultColumn, dtype: np.dtype,
                  letters: np.ndarray | None = None) -> np.ndarray:
    """A batch array converted to the column's final storage type, with
    Stata's missing codes (``.``, and .a-.z where ``letters`` says:
    ``stata_types.letters_key``); strings as bytes of at most the field width."""
    values, missing = final_values(arr, col)
    if missing is None:
        return values
    out = values.astype(dtype)
    if missing.any():
        out[missing] = MISSING[col.stata_type]
    return st.with_letters(out, col.stata_type, letters)


def value_label_table(label: st.ValueLabel) -> bytes:
    """One ``<lbl>...</lbl>`` entry of ``<value_labels>`` for ``label``
    (format 118/119, little-endian; layout in the module docstring)."""
    texts = [t.encode("utf-8") + b"\x00" for t in label.texts()]
    offsets, at = [], 0
    for t in texts:
        offsets.append(at)
        at += len(t)
    n = len(texts)
    table = (struct.pack("<ii", n, at) + struct.pack(f"<{n}i", *offsets)
             + struct.pack(f"<{n}i", *(v.stored("long") if isinstance(v, st.ExtendedMissing)
                                       else v for v in label.values()))
             + b"".join(texts))
    return (b"<lbl>" + struct.pack("<i", len(table)) + _fixed(label.name, 129) + b"\x00" * 3
            + table + b"</lbl>")


def _part_flags() -> int:
    """Open flags for ``FILE.dta.part``: create, never reuse, never follow a link."""
    return (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def _folder(path: str) -> str:
    return os.path.dirname(path) or "."


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _read_only_fs(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs (Windows)
        return False


def check_destination(path: str | os.PathLike) -> None:
    """Refuse an ``--out`` path that cannot be written, with the error Stata
    would give (module docstring); looks only, changes nothing."""
    path = os.fspath(path)
    if not path:
        raise StataSyntaxError("invalid file specification",
                               hint="give --out a file name, such as result.dta")
    folder = _folder(path)
    full = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(full):
        probe = full
        while not os.path.lexists(probe) and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)
        if os.path.lexists(probe) and not os.path.isdir(probe):
            raise FileNotOpened(f"file {path} could not be opened",
                                hint=f"{probe} is a file, not a directory")
        raise FileNotFound(f"directory {folder} not found",
                           hint=f"cannot write {path}: create the directory first")
    if os.path.isdir(path):
        raise FileNotOpened(f"file {path} could not be opened",
                            hint=f"{path} is a directory; give a file name, such as "
                                 f"{os.path.join(path, 'result.dta')}")
    if os.path.exists(path):
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise FileNotOpened(f"file {path} could not be opened",
                                hint=f"{path} is not a regular file")
        if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
            raise FileReadOnly(f"file {path} is read-only; cannot be modified or erased")
    if not os.access(full, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only_fs(full) else "permission denied"
        raise FileNotOpened(f"file {path} could not be opened",
                            hint=f"cannot create files in {folder}: {why}")
    part = path + ".part"
    if os.path.lexists(part):
        raise _part_exists(part)


def _part_exists(part: str) -> FileExists:
    what = ("it is a symbolic link" if os.path.islink(part)
            else "it may be left from an interrupted run")
    return FileExists(f"file {part} already exists",
                      hint=f"{what}; leostata writes the result there first and never "
                           "reuses or follows an existing file or link: remove it and try again")


def write_error(exc: OSError, path: str, *, rename: bool = False) -> LeostataError:
    """The Stata error for an ``OSError`` while writing ``path``; the hint says
    that nothing was changed (the caller has made it so)."""
    code = exc.errno
    unchanged = (f"{path} is unchanged" if os.path.lexists(path)
                 else f"{path} was not created")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return DiskFull(f"insufficient disk space to write {path}",
                        hint=f"nothing was written ({unchanged}); free some space or "
                             "choose another directory")
    if code == errno.ENOENT:
        return FileNotFound(f"directory {_folder(path)} not found",
                            hint=f"cannot write {path}: create the directory first")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR,
                errno.ELOOP):
        return FileNotOpened(f"file {path} could not be opened",
                             hint=f"{_reason(exc)} ({unchanged})")
    if rename:
        return FileRenameError(f"could not rename {path}.part to {path}",
                               hint=f"{_reason(exc)} ({unchanged})")
    return FileWriteError(f"file I/O error on write to {path}",
                          hint=f"{_reason(exc)} ({unchanged})")


class DtaWriter:
    """``DtaWriter(path, *, version=None, spool_limit=64 MiB, chars=True)``.

    ``version`` 118 or 119 (None: 118, or 119 when K > 32,767).  ``chars``
    writes the characteristics (original SQL name and type of each variable,
    ``_dta[leo_sql]``, ``_dta[leo_table]``, ``_dta[leo_synthetic]``).
    Making the writer checks the destination (``check_destination``);
    ``begin`` creates ``FILE.dta.part`` exclusively.
    ``commit()`` returns the number of observations written.
    """

    def __init__(self, path: str | os.PathLike, *, version: int | None = None,
                 spool_limit: int = 64 << 20, chars: bool = True):
        self.path = os.fspath(path)
        check_destination(self.path)
        self.version = version
        self.spool_limit = spool_limit
        self.chars = chars
        self.columns: list[ResultColumn] = []
        self.meta = DatasetMeta()
        self.spool: Spool | None = None
        self.part = self.path + ".part"
        self.nobs = 0
        self._fd: int | None = None   # FILE.dta.part, open from begin to commit
        self._created = False          # only a .part made here is ever removed

    # -- Writer protocol -------------------------------------------------------------
    def check(self):
        """The destination again, right before the query runs."""
        check_destination(self.path)

    def begin(self, columns, meta=None):
        self.columns = columns
        self.meta = meta or DatasetMeta()
        try:
            self._fd = os.open(self.part, _part_flags(), 0o666)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ELOOP) and os.path.lexists(self.part):
                raise _part_exists(self.part) from exc
            raise write_error(exc, self.path) from exc
        self._created = True
        folder = os.path.dirname(os.path.abspath(self.path))
        self.spool = Spool(self.spool_limit, directory=folder)

    def write(self, batch):
        try:
            self.spool.append(batch)  # may spill to a temporary file next to the output
        except OSError as exc:
            raise write_error(exc, self.path) from exc

    def commit(self) -> int:
        for c in self.columns:
            c.finalize()
        try:
            fd, self._fd = self._fd, None
            try:
                with os.fdopen(fd, "wb") as fh:
                    self._write_file(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise write_error(exc, self.path) from exc
            try:
                os.replace(self.part, self.path)
            except OSError as exc:
                raise write_error(exc, self.path, rename=True) from exc
            self._created = False
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
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
        if self._created:
            self._created = False
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
        fh.write(b"<value_label_names>"
                 + b"".join(_fixed(c.value_label.name if c.value_label else "", 129)
                            for c in cols)
                 + b"</value_label_names>")

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
                    rec[f"v{j}"] = storage_array(batch[c.name], c, dtype[j],
                                                 batch.get(st.letters_key(c.name)))
            fh.write(rec)  # not tofile(): its errors lose errno (ENOSPC)
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
        fh.write(b"<value_labels>")
        for label in st.value_labels(cols).values():
            fh.write(value_label_table(label))
        fh.write(b"</value_labels>")
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
