"""The bridge to Stata: the ONLY module that imports ``sfi`` (lazily, inside
functions, so the rest of leostata imports without Stata).

Takes what the ado passes in (a SELECT, engine, outputs and ``LoadOptions``)
and puts the result into Stata; returns results to the ado as locals
(``set_result_locals``), which the ado posts in r().

``SfiWriter`` is the ``stream.Writer`` for Stata.  It is **atomic**: batches
are spooled (``stream.Spool``) while the query runs; ``commit`` builds the
result in a new temporary frame and only then puts it in place, so an error
or Break at any point leaves every frame exactly as it was.

* into the current data (default): refused with rc 4 ("no; data in memory
  would be lost") when ``c(changed)`` is 1 and ``clear`` was not given, as
  ``use`` does; the swap renames the current frame to a temporary name,
  renames the new frame to the current frame's name, makes it current and
  drops the old one;
* into ``frame(name)``: refused with rc 110 when the frame exists unless
  ``replace``; the current frame stays current (if ``name`` is the current
  frame, the new data become the current data).

Both checks run in ``check()`` before anything is fetched.  Everything is done
through the documented ``sfi`` API (``Frame.create/rename/drop/changeToCWF``,
``addVar*``, ``addObs``, ``store``, ``setVarLabel``, ``setVarFormat``,
``Characteristic.set*Char``) plus one Stata command, ``label data``, run
while the temporary frame is current (sfi has no dataset-label API).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import stata_types as st
from .errors import (AlreadyDefined, BreakPressed, DataInMemoryChanged, InternalError,
                     LeostataError, StataSyntaxError)
from .stream import (DatasetMeta, LoadResult, ProgressInfo, Spool, as_bytes, as_float,
                     check_size, stream)


def _sfi():
    import sfi  # only available inside Stata (or pystata); see stata.md §1
    return sfi


# --- small sfi helpers ------------------------------------------------------------------


def current_frame() -> str:
    """Name of Stata's current working frame (``c(frame)``)."""
    return _sfi().Macro.getGlobal("c(frame)") or "default"


def frame_exists(name: str) -> bool:
    sfi = _sfi()
    return any(sfi.Frame.getFrameAt(i) == name for i in range(sfi.Frame.getFrameCount()))


def data_changed() -> bool:
    """``c(changed)``: the data in memory changed since last saved."""
    value = _sfi().Scalar.getValue("c(changed)")
    return bool(value) and value < st.MISSING_DOUBLE


def make_poll() -> Callable[[], None]:
    """A poll function for ``stream``: ``SFIToolkit.pollnow()``, turning
    Stata's ``BreakError`` (Stata 18+; absent before) into ``BreakPressed``."""
    sfi = _sfi()
    break_error = getattr(sfi, "BreakError", None)

    def poll() -> None:
        try:
            sfi.SFIToolkit.pollnow()
        except Exception as exc:
            if break_error is not None and isinstance(exc, break_error):
                raise BreakPressed("--Break--; the query was cancelled and the data in "
                                   "memory left as they were") from None
            raise
    return poll


def display(text: str) -> None:
    """Print ``text`` as is (no SMCL: SQL and messages may hold braces)."""
    _sfi().SFIToolkit.displayln(text, asis=True)


def display_progress(info: ProgressInfo) -> None:
    display(info.text())


def report_error(exc: LeostataError) -> int:
    """Print an error as Stata would (red, as is) and return its rc."""
    _sfi().SFIToolkit.errprintln(exc.render(), asis=True)
    return exc.rc


def set_result_locals(values: dict[str, Any]) -> None:
    """Set locals of the calling ado program (``Macro.setLocal``); the ado
    posts them into r() (stata.md §1.6, Pitfall 20).  Values become strings;
    None becomes ""."""
    macro = _sfi().Macro
    for name, value in values.items():
        macro.setLocal(name, "" if value is None else str(value))


def _clean_command_text(text: str) -> str:
    """Text safe inside `` `"..."' `` in a Stata command: no macro
    characters (backquote, dollar), no closing compound quote."""
    return text.replace("`", "'").replace("$", "S").replace("\"'", "\" '")


# --- the Writer ----------------------------------------------------------------------------


class SfiWriter:
    """``SfiWriter(*, frame=None, replace=False, clear=False, poll=None,
    spool_limit=64 MiB)`` - the ``stream.Writer`` into Stata (module
    docstring).  ``poll`` is called between batches while the frame is
    filled (``make_poll()`` in Stata); ``commit()`` returns N."""

    def __init__(self, *, frame: str | None = None, replace: bool = False, clear: bool = False,
                 poll: Callable[[], None] | None = None, spool_limit: int = 64 << 20):
        self.frame = frame
        self.replace = replace
        self.clear = clear
        self.poll = poll
        self.spool_limit = spool_limit
        self.columns: list[st.ResultColumn] = []
        self.meta = DatasetMeta()
        self.spool: Spool | None = None
        self._tmp = None  # the temporary sfi.Frame while it exists

    # -- checks that must fail before anything is fetched --------------------------------
    def check(self) -> None:
        if self.frame is not None:
            if not st.is_valid_name(self.frame):
                raise StataSyntaxError(f"{self.frame} invalid frame name")
            if frame_exists(self.frame) and not self.replace:
                raise AlreadyDefined(f"frame {self.frame} already defined",
                                     hint="specify frame(" + self.frame + ", replace)")
        elif not self.clear and data_changed():
            raise DataInMemoryChanged("no; data in memory would be lost",
                                      hint="specify clear, or load into a frame with frame()")

    # -- Writer protocol ---------------------------------------------------------------
    def begin(self, columns, meta=None):
        self.check()
        self.columns = columns
        self.meta = meta or DatasetMeta()
        self.spool = Spool(self.spool_limit)

    def write(self, batch):
        self.spool.append(batch)

    def commit(self) -> int:
        sfi = _sfi()
        try:
            for c in self.columns:
                c.finalize()
            self.check()  # the state may have changed while the query ran
            n = self.spool.rows
            self._tmp = self._create_temp_frame()
            fr = self._tmp
            for c in self.columns:
                self._add_var(fr, c)
            if n:
                fr.addObs(n)
            obs0 = 0
            for batch in self.spool:
                if self.poll:
                    self.poll()
                m = len(next(iter(batch.values()))) if batch else 0
                rows = range(obs0, obs0 + m)
                for j, c in enumerate(self.columns):
                    fr.store(j, rows, sfi_values(batch[c.name], c))
                obs0 += m
            for j, c in enumerate(self.columns):
                if c.label:
                    fr.setVarLabel(j, c.label)
                fr.setVarFormat(j, c.format)
            self._set_dataset_meta(fr)
            if self.poll:
                self.poll()
            self._swap(fr)
            self._tmp = None
            return n
        except BaseException:
            self._drop_temp()
            raise
        finally:
            self.spool.close()

    def abort(self):
        if self.spool is not None:
            self.spool.close()
        self._drop_temp()

    # -- pieces ----------------------------------------------------------------------------
    def _create_temp_frame(self):
        sfi = _sfi()
        name = sfi.SFIToolkit.getTempName()
        try:
            return sfi.Frame.create(name)
        except sfi.FrameError as exc:
            raise InternalError("could not create a temporary frame for the result "
                                "(Stata allows at most 100 frames; drop some)") from exc

    @staticmethod
    def _add_var(fr, c: st.ResultColumn) -> None:
        t = c.stata_type
        if t == "byte":
            fr.addVarByte(c.name)
        elif t == "int":
            fr.addVarInt(c.name)
        elif t == "long":
            fr.addVarLong(c.name)
        elif t == "float":
            fr.addVarFloat(c.name)
        elif t == "double":
            fr.addVarDouble(c.name)
        elif t == "strL":
            fr.addVarStrL(c.name)
        else:
            fr.addVarStr(c.name, int(t[3:]))

    def _set_dataset_meta(self, fr) -> None:
        """Characteristics and the data label: sfi sets them on the current
        frame only, so make the temporary frame current for a moment."""
        sfi = _sfi()
        before = current_frame()
        fr.changeToCWF()
        try:
            for name, value in self.meta.dta_chars().items():
                sfi.Characteristic.setDtaChar(name, value)
            for c in self.columns:
                for name, value in c.chars.items():
                    sfi.Characteristic.setVariableChar(c.name, name, value)
            label = _clean_command_text(self.meta.data_label())
            sfi.SFIToolkit.stata(f'label data `"{label}"\'')
        finally:
            sfi.Frame.connect(before).changeToCWF()

    def _swap(self, fr) -> None:
        """Put the complete temporary frame in place (module docstring)."""
        sfi = _sfi()
        cwf = current_frame()
        target = self.frame if self.frame is not None else cwf
        backup = None
        if frame_exists(target):
            backup = sfi.Frame.connect(target)
            backup.rename(sfi.SFIToolkit.getTempName())
        try:
            fr.rename(target)
        except BaseException:
            if backup is not None:
                backup.rename(target)
            raise
        if target == cwf:
            fr.changeToCWF()
        if backup is not None:
            backup.drop()

    def _drop_temp(self) -> None:
        if self._tmp is None:
            return
        sfi = _sfi()
        try:
            name = self._tmp.name
            if name and current_frame() == name:  # never leave the user in it
                return
            self._tmp.drop()
        except Exception:
            pass
        self._tmp = None


def sfi_values(arr: np.ndarray, col: st.ResultColumn) -> list:
    """A batch array as the Python values ``Data.store`` takes for the final
    type of ``col``: int for byte/int/long, float for float/double, str for
    strings; missing as ``Missing.getValue()`` (never None/NaN)."""
    miss = st.MISSING_DOUBLE
    t = col.stata_type
    if t in ("byte", "int", "long"):
        if isinstance(arr, np.ma.MaskedArray):
            values = arr.data.tolist()
            mask = np.ma.getmaskarray(arr)
        else:
            f = as_float(arr)
            mask = np.isnan(f)
            values = np.where(mask, 0, f).astype(np.int64).tolist()
        if mask.any():
            return [miss if m else v for v, m in zip(values, mask.tolist())]
        return values
    if t in ("float", "double"):
        f = as_float(arr)
        limit = st.FLOAT_MAX if t == "float" else st.DOUBLE_MAX
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(f) | (np.abs(f) > limit)
        if bad.any():
            f = np.where(bad, miss, f)
        return f.tolist()
    return [v.decode("utf-8", errors="replace") for v in as_bytes(arr).tolist()]


# --- the whole load --------------------------------------------------------------------------


@dataclass
class LoadOptions:
    """What the ado asked for: destination (``clear``, ``frame``,
    ``replace``), the guard (``maxobs``, ``force``; ``aggregated`` skips it),
    ``approx_rows`` (catalog estimate: guard and progress %), the table name
    and whether the database is the synthetic one."""

    clear: bool = False
    frame: str | None = None
    replace: bool = False
    maxobs: int | None = None
    force: bool = False
    aggregated: bool = False
    approx_rows: int | None = None
    table: str = ""
    synthetic: bool = False
    progress: bool = True


def load_into_stata(select, engine, outputs, options: LoadOptions | None = None, *,
                    meta: DatasetMeta | None = None, **stream_kwargs) -> LoadResult:
    """Check the destination, guard the size, stream the result into Stata
    atomically, print notes, and set the result locals ``leo_N``, ``leo_k``,
    ``leo_table``, ``leo_sql``, ``leo_notes``.  Raises ``LeostataError``
    subclasses (the ado prints and exits with ``rc``)."""
    options = options or LoadOptions()
    poll = make_poll()
    writer = SfiWriter(frame=options.frame, replace=options.replace, clear=options.clear,
                       poll=poll)
    writer.check()
    columns = st.result_columns(outputs, table=options.table) if outputs is not None else None
    size = None
    if columns is not None:
        size = check_size(engine, select, columns, maxobs=options.maxobs, force=options.force,
                          approx_rows=options.approx_rows, aggregated=options.aggregated)
    meta = meta or DatasetMeta(table=options.table, synthetic=options.synthetic)
    total = size.rows if size is not None and size.rows is not None else options.approx_rows
    result = stream(select, engine, outputs, writer, meta=meta, poll=poll, total=total,
                    progress=display_progress if options.progress else None,
                    columns=columns, **stream_kwargs)
    for note in result.notes:
        display(f"note: {note}")
    if options.synthetic:
        display("note: SYNTHETIC data (leostata's generated LEO-shaped database), not real records")
    set_result_locals(result.locals(options.table))
    return result
