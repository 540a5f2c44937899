"""The Writer into Stata.

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

Dropping the old frame is the last step and the commit point.  If any sfi
call before it fails (raising, or - as Stata 16's ``Frame.rename`` may -
returning without doing its work), ``commit`` puts everything back, judging
by frame names rather than by what the failed call should have done: the new
frame leaves the target's name, the user's frame gets its name back, the
frame that was current is made current again, and the temporary frame is
dropped; then the error is raised.  If the state cannot be put back (a second
failure while restoring), the error says which frame holds the user's data.
A failing drop that nonetheless dropped the old frame is a completed load.

Both checks run in ``check()`` before anything is fetched.  Everything is done
through the documented ``sfi`` API (``Frame.create/rename/drop/changeToCWF``,
``addVar*``, ``addObs``, ``store``, ``setVarLabel``, ``setVarFormat``,
``Characteristic.set*Char``, ``ValueLabel.createLabel/setLabelValue/
setVarValueLabel``) plus one Stata command, ``label data``, run while the
temporary frame is current (sfi has no dataset-label API).  Value labels
belong to a frame and ``sfi.ValueLabel`` works on the current one, so they
are defined while the temporary frame is current, like the characteristics,
and travel with it when it is renamed into place; each is read back after
it is set (a failure is an error and the frames are put back).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import stata_types as st
from ..convert import final_values
from ..errors import AlreadyDefined, DataInMemoryChanged, InternalError, StataSyntaxError
from ..writers import DatasetMeta
from ..writers.spool import Spool
from .stata import _clean_command_text, _sfi, current_frame, data_changed, frame_exists


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
            if self.frame == current_frame() and not self.clear and data_changed():
                raise DataInMemoryChanged("no; data in memory would be lost",
                                          hint=f"frame {self.frame} is the current frame: "
                                               "specify clear to replace it")
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
        self._cwf = self._aside = None
        self._target = self._target_existed = None
        self._dropping = False
        try:
            self._cwf = current_frame()
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
                    fr.store(j, rows, sfi_values(batch[c.name], c,
                                                 batch.get(st.letters_key(c.name))))
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
        except BaseException as exc:
            if self._restore(exc) and isinstance(exc, Exception):
                self._tmp = None
                return self.spool.rows  # the old frame was dropped: the load is complete
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
            try:  # a failed create must not leave the frame behind
                if frame_exists(name):
                    sfi.Frame.connect(name).drop()
            except Exception:
                pass
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
        """Characteristics, value labels and the data label: sfi sets them on
        the current frame only, so make the temporary frame current for a
        moment (if going back fails, ``commit`` restores the current frame)."""
        sfi = _sfi()
        before = current_frame()
        fr.changeToCWF()
        try:
            for name, value in self.meta.dta_chars().items():
                sfi.Characteristic.setDtaChar(name, value)
            for c in self.columns:
                for name, value in c.chars.items():
                    sfi.Characteristic.setVariableChar(c.name, name, value)
            self._set_value_labels()
            label = _clean_command_text(self.meta.data_label())
            sfi.SFIToolkit.stata(f'label data `"{label}"\'')
        finally:
            sfi.Frame.connect(before).changeToCWF()

    def _set_value_labels(self) -> None:
        """Define each distinct value label in the current (temporary) frame
        and attach it to its variables; raises ``InternalError`` when Stata
        does not hold what was set."""
        vlab = _sfi().ValueLabel
        labels = st.value_labels(self.columns)
        for name, label in labels.items():
            vlab.createLabel(name)
            for value, text in label.codings:
                vlab.setLabelValue(name, _label_value(value), text)
            held = {_held_value(v): t for v, t in vlab.getValueLabels(name).items()}
            if held != label.mapping():
                raise InternalError(f"could not define value label {name} in Stata")
        for c in self.columns:
            if c.value_label is not None:
                vlab.setVarValueLabel(c.name, c.value_label.name)
                if vlab.getVarValueLabel(c.name) != c.value_label.name:
                    raise InternalError(f"could not attach value label {c.value_label.name} "
                                        f"to variable {c.name}")

    def _swap(self, fr) -> None:
        """Put the complete temporary frame in place (module docstring).
        Every step is checked by frame names afterwards (Stata 16's
        ``Frame.rename`` ignores its return code); ``_restore`` undoes a
        failure at any step before the final drop."""
        sfi = _sfi()
        cwf = self._cwf
        target = self.frame if self.frame is not None else cwf
        self._target_existed = frame_exists(target)
        self._target = target  # from here on, _restore looks at the target's name
        if self._target_existed:
            self._aside = sfi.SFIToolkit.getTempName()
            sfi.Frame.connect(target).rename(self._aside)
            if frame_exists(target) or not frame_exists(self._aside):
                raise InternalError(f"could not set frame {target} aside; nothing was changed")
        new_name = fr.name
        sfi.Frame.connect(new_name).rename(target)
        if not frame_exists(target) or frame_exists(new_name):
            raise InternalError(f"could not rename the loaded frame to {target}")
        if target == cwf:
            sfi.Frame.connect(target).changeToCWF()
            if current_frame() != target:
                raise InternalError(f"could not make frame {target} current")
        if self._aside is not None:
            self._dropping = True
            try:
                sfi.Frame.connect(self._aside).drop()
            except Exception:
                if frame_exists(self._aside):
                    raise
                # dropped all the same: the load is complete

    def _restore(self, exc: BaseException) -> bool:
        """After a failure in ``commit``: put the frames back as they were
        (module docstring).  Returns True when the failure came after the old
        frame was dropped, i.e. the load is in fact complete.  Raises
        ``InternalError`` (from ``exc``) naming the frame that holds the
        user's data when they cannot be put back."""
        sfi = _sfi()
        target, aside, cwf = self._target, self._aside, self._cwf
        tmp_name = self._tmp.name if self._tmp is not None else None

        def attempt(step):
            try:
                step()
            except Exception:
                pass

        if self._dropping:
            try:
                if not frame_exists(aside) and frame_exists(target):
                    return True
            except Exception:
                pass
        if target is not None and tmp_name:
            def vacate():  # the loaded frame holds the target's name: back to its own
                occupied = (not self._target_existed
                            or (aside is not None and frame_exists(aside)))
                if occupied and frame_exists(target) and not frame_exists(tmp_name):
                    sfi.Frame.connect(target).rename(tmp_name)

            def give_back():
                if aside is not None and frame_exists(aside) and not frame_exists(target):
                    sfi.Frame.connect(aside).rename(target)
            attempt(vacate)
            attempt(give_back)
        if cwf is not None:
            def make_current():
                if current_frame() != cwf and frame_exists(cwf):
                    sfi.Frame.connect(cwf).changeToCWF()
            attempt(make_current)
        self._drop_temp()
        problems = []
        try:
            if aside is not None and frame_exists(aside):
                where = f"your data are in frame {aside}"
                if frame_exists(target):
                    where += f" and the new result in frame {target}"
                problems.append(where)
            elif cwf is not None and current_frame() != cwf:
                problems.append(f"frame {cwf} is not the current frame (type: frame "
                                f"change {cwf})")
        except Exception:
            problems.append("the state of the frames is unknown (type: frames dir)")
        if problems:
            raise InternalError("leostata could not put the frames back after an error ("
                                f"{type(exc).__name__}: {exc}); " + "; ".join(problems)) from exc
        return False

    def _drop_temp(self) -> None:
        """Drop the temporary frame (by name: it may have been renamed and
        back) unless it is current; never raises."""
        if self._tmp is None:
            return
        sfi = _sfi()
        try:
            name = self._tmp.name
            if name and frame_exists(name) and current_frame() != name:  # never the user's
                sfi.Frame.connect(name).drop()
        except Exception:
            pass
        self._tmp = None


def _label_value(value):
    """A coding's value as ``ValueLabel.setLabelValue`` takes it: the int, or
    ``Missing.getValue(letter)`` for .a-.z."""
    return value.double if isinstance(value, st.ExtendedMissing) else value


def _held_value(value):
    """A value ``ValueLabel.getValueLabels`` returned, as ``st.ValueLabel``
    codes it: an int, or the ``st.ExtendedMissing`` of a missing code."""
    if value >= st.MISSING_DOUBLE:
        index = round((value / st.MISSING_DOUBLE - 1) * 4096)
        return st.EXTENDED_MISSING[index - 1] if 1 <= index <= 26 else value
    return int(value)


def sfi_values(arr: np.ndarray, col: st.ResultColumn, letters: np.ndarray | None = None) -> list:
    """A batch array as the Python values ``Data.store`` takes for the final
    type of ``col``: int for byte/int/long, float for float/double, str for
    strings; missing as ``Missing.getValue()`` (never None/NaN), and
    ``Missing.getValue(letter)`` where ``letters`` (``st.letters_key``) says."""
    values, missing = final_values(arr, col)
    if missing is None:
        return [v.decode("utf-8", errors="replace") for v in values.tolist()]
    out = values.tolist()
    if missing.any():
        if values.dtype.kind == "f":
            out = np.where(missing, st.MISSING_DOUBLE, values).tolist()
        else:
            out = [st.MISSING_DOUBLE if m else v for v, m in zip(out, missing.tolist())]
    if letters is not None and letters.any():
        for i in np.flatnonzero(letters).tolist():
            out[i] = st.EXTENDED_MISSING[letters[i] - 1].double
    return out
