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
``Characteristic.set*Char``) plus one Stata command, ``label data``, run
while the temporary frame is current (sfi has no dataset-label API).

``run(command)`` is the ado-files' entry point (``python:
leostata.bridge.run("leoload")``): it reads the ado's locals (``ADO_LOCALS``,
``LEOSET_LOCALS``, ``COMMON_LOCALS``), runs leoload, leoquery, leodescribe or
leoset, and sets ``leo_*`` result locals (``RESULTS``) and ``_leo_rc``.  A
connection set by ``leoset`` without ``permanently`` lives in ``_state`` for
the Stata session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import plan as _plan
from . import stata_types as st
from .errors import (AlreadyDefined, BreakPressed, DataInMemoryChanged, InternalError,
                     LeostataError, NotSetUp, StataSyntaxError)
from .convert import as_bytes, as_float
from .progress import ProgressInfo
from .writers import DatasetMeta, LoadResult
from .writers.spool import Spool


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
        """Characteristics and the data label: sfi sets them on the current
        frame only, so make the temporary frame current for a moment (if going
        back fails, ``commit`` restores the current frame)."""
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
    filtered: bool = True
    table: str = ""
    synthetic: bool = False
    progress: bool = True


def load_into_stata(select, engine, outputs, options: LoadOptions | None = None, *,
                    meta: DatasetMeta | None = None, require_rows: bool = False,
                    **stream_options) -> LoadResult:
    """Load ``select`` into Stata through ``commands.deliver`` (the one
    delivery path: destination check, size guard, atomic stream, notes) with
    an ``SfiWriter``, then set the result locals ``leo_N``, ``leo_k``,
    ``leo_table``, ``leo_sql``, ``leo_notes``.  Raises ``LeostataError``
    subclasses (the ado prints and exits with ``rc``)."""
    from .commands import Delivery, deliver
    options = options or LoadOptions()
    poll = make_poll()
    writer = SfiWriter(frame=options.frame, replace=options.replace, clear=options.clear,
                       poll=poll)
    meta = meta or DatasetMeta(table=options.table, synthetic=options.synthetic)
    delivery = Delivery(select, outputs, meta, maxobs=options.maxobs, force=options.force,
                        aggregated=options.aggregated, approx_rows=options.approx_rows,
                        filtered=options.filtered, require_rows=require_rows)
    result = deliver(delivery, engine, writer, say=display, poll=poll,
                     progress=display_progress if options.progress else None,
                     **stream_options)
    set_result_locals(result.locals(options.table))
    return result


# --- the ado-files' entry point ----------------------------------------------------------------
#
# Every ado does ``python: leostata.bridge.run("<command>")`` (one simple
# statement, no macro pasted into Python text) after ``_leostata_check`` has
# imported this module.  ``run`` reads the ado's locals with
# ``Macro.getLocal``, does the work, prints through sfi, and hands results
# back as locals (``leo_*``) plus the return code ``_leo_rc``; the ado posts
# r() from them and exits with ``_leo_rc`` (stata.md §1.6, §6.1).
#
# The connection set by ``leoset`` without ``permanently`` lives in
# ``_state`` below: module state of the embedded Python, which lasts for the
# Stata session (stata.md §6.1: the interpreter is never restarted; ``python
# clear`` only unbinds names in __main__).  It is never put in a Stata
# macro, where ``macro list`` would show a password.

#: The locals each ado-file passes: exactly what its ``syntax`` statement
#: sets (tests/test_ado.py checks this against the ado-files, both ways).
#: leoload's options are plan.OPTIONS: Stata's ``syntax`` checks their names
#: and abbreviations and returns each spelled out (flags) or as the whole
#: option (``passthru``), and the backend parses their arguments.
LOAD_OPTION_LOCALS: tuple[str, ...] = tuple(o.name for o in _plan.OPTIONS)
ADO_LOCALS: dict[str, tuple[str, ...]] = {
    "leoload": ("spec", *LOAD_OPTION_LOCALS),
    "leoquery": ("query", "clear", "frame", "maxobs"),
    "leodescribe": ("spec", "search", "values"),
    "leoset": ("subcmd",),
}
#: leoset: the locals of each subcommand's ``syntax`` (besides ``subcmd``).
LEOSET_LOCALS: dict[str, tuple[str, ...]] = {
    "show": (),
    "dsn": ("name", "schema", "permanently"),
    "server": ("name", "database", "driver", "schema", "permanently"),
    "url": ("name", "schema", "permanently"),
    "synthetic": ("persons", "seed", "permanently"),
    "test": (),
    "metadata": ("name",),
}
#: Passed by every ado: its own version (``*! version``) and the debug option.
COMMON_LOCALS: tuple[str, ...] = ("_leo_version", "debug")

#: r() of each command: (scalars, macros).  The bridge sets ``leo_<name>``;
#: the ado posts each non-empty one; the help's Stored results lists them.
RESULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "leoload": (("N", "k", "synthetic"), ("table", "sql", "dialect", "frame", "notes")),
    "leoquery": (("N", "k", "synthetic"), ("sql", "dialect", "frame", "notes")),
    "leodescribe": (("N", "k", "suppressed", "synthetic"), ("table", "tables", "varlist")),
    "leoset": (("synthetic",), ("url", "source", "schema", "dialect", "config", "metadata")),
}

#: The driver ``leoset server`` uses unless driver() says otherwise.
DEFAULT_ODBC_DRIVER = "ODBC Driver 17 for SQL Server"


@dataclass
class _SessionState:
    """What ``leoset`` set for this Stata session, and the open session
    (reused while the resolved setting stays the same)."""

    url: str | None = None  # a secret: show only config.mask_url(url)
    schema: str | None = None
    session: Any = None
    key: tuple | None = None


_state = _SessionState()


def run(command: str) -> None:
    """Run ``command`` (leoload, leoquery, leodescribe, leoset) for its ado.

    Always sets the local ``_leo_rc``: 0, the ``rc`` of a ``LeostataError``
    (its message printed in red first), or 5199 for anything unexpected
    (a short message; the traceback only with the ado's ``debug`` option).
    Nothing escapes into Stata as a Python exception (which would be r(7102)).
    """
    rc, debug = 0, False
    try:
        handler = _HANDLERS.get(command)
        if handler is None:
            raise InternalError(f"leostata.bridge.run: unknown command {command!r}")
        args = read_locals(command)
        debug = bool(args["debug"])
        _check_version(args["_leo_version"])
        handler(args)
    except LeostataError as exc:
        rc = report_error(exc)
        if exc.rc in (5101, 5102):  # reconnect next time
            _close_session()
    except Exception as exc:  # noqa: BLE001 - the ado must always get an rc
        rc = InternalError.rc
        _report_internal(exc, debug)
    set_result_locals({"_leo_rc": rc})


def read_locals(command: str) -> dict[str, str]:
    """The ado's locals for ``command`` (``ADO_LOCALS``, ``LEOSET_LOCALS``,
    ``COMMON_LOCALS``), read with ``Macro.getLocal``; "" when not set."""
    macro = _sfi().Macro
    names = ADO_LOCALS[command] + COMMON_LOCALS
    args = {name: macro.getLocal(name) for name in names}
    if command == "leoset":
        sub = args["subcmd"]
        if sub not in LEOSET_LOCALS:
            raise StataSyntaxError(f"leoset: unknown subcommand {sub}",
                                   hint="leoset [dsn|server|url|synthetic|test|metadata]")
        args.update({name: macro.getLocal(name) for name in LEOSET_LOCALS[sub]})
    return args


def _check_version(ado_version: str) -> None:
    from . import __version__
    if ado_version.strip() != __version__:
        raise NotSetUp(f"leostata's ado-files ({ado_version.strip() or 'unknown version'}) and "
                       f"its Python package ({__version__}) differ",
                       hint="install both from the same release (net install leostata, ... "
                            "replace; and pip install), then restart Stata")


def _report_internal(exc: Exception, debug: bool) -> None:
    import traceback
    from .config import mask_url
    toolkit = _sfi().SFIToolkit
    first = (str(exc).splitlines() or [""])[0][:300]
    toolkit.errprintln(f"leostata internal error: {type(exc).__name__}: {mask_url(first)}",
                       asis=True)
    if debug:
        for line in traceback.format_exception(type(exc), exc, exc.__traceback__):
            toolkit.errprintln(mask_url(line.rstrip("\n")), asis=True)
    else:
        toolkit.errprintln("please report it; add the debug option to see the Python traceback",
                           asis=True)


def display_smcl(text: str) -> None:
    """Print SMCL text (already escaped by its producer), line by line."""
    toolkit = _sfi().SFIToolkit
    for line in text.split("\n"):
        toolkit.displayln(line)


def unquote(text: str) -> str:
    """Stata's optional quotes: ``"text"`` or `` `"text"' `` -> text."""
    text = text.strip()
    if text.startswith('`"') and text.endswith("\"'") and len(text) >= 4:
        return text[2:-2]
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


# -- sessions -------------------------------------------------------------------------------


def _open(note: bool = True):
    """The session for the current setting (``leoset`` > LEOSTATA_URL > config
    file > synthetic), opened on first use and reused while it stays the same."""
    from . import config
    from .session import SYNTHETIC_NOTE, open_session
    setting = config.resolve(_state.url, _state.schema)
    key = (setting.url, setting.schema, setting.metadata_files)
    if _state.session is None or _state.key != key:
        _close_session()
        _state.session = open_session(_state.url, _state.schema, say=display)
        _state.key = key
    if note and _state.session.synthetic:
        display(SYNTHETIC_NOTE)
    return _state.session


def _close_session() -> None:
    if _state.session is not None:
        try:
            _state.session.close()
        finally:
            _state.session, _state.key = None, None


def _dialect(session) -> str:
    return session.engine.dialect.name


def _counted(result) -> str:
    """``2,468 observations, 17 variables`` (singular for 1)."""
    def n(k: int, word: str) -> str:
        return f"{k:,} {word}{'' if k == 1 else 's'}"
    return f"{n(result.nobs, 'observation')}, {n(result.k, 'variable')}"


# -- leoload ---------------------------------------------------------------------------------


def load_command_text(args: dict[str, str]) -> str:
    """The text ``commands.prepare_load`` parses, rebuilt from leoload's
    locals: the spec as typed (TABLE [varlist] [if] [in]), then the options
    as ``syntax`` returned them (flags spelled out, others whole)."""
    options = " ".join(args[name].strip() for name in LOAD_OPTION_LOCALS if args[name].strip())
    spec = args["spec"].strip()
    return f"{spec}, {options}" if options else spec


def _leoload(args: dict[str, str]) -> None:
    from . import commands
    text = load_command_text(args)
    session = _open(note=False)
    poll = make_poll()
    writer = None

    def writer_for(job):
        nonlocal writer
        frame = job.option("frame") or {}
        writer = SfiWriter(frame=frame.get("name"), replace=bool(frame.get("replace")),
                           clear=bool(job.option("clear")), poll=poll)
        return writer

    job, outcome = commands.load(text, session, writer_for, show=display, say=display,
                                 progress=display_progress, poll=poll)
    results = {"leo_table": job.table, "leo_sql": job.sql, "leo_dialect": _dialect(session),
               "leo_synthetic": int(job.synthetic)}
    if outcome.result is None:  # sqlonly or count: nothing loaded
        if job.synthetic:
            from .session import SYNTHETIC_NOTE
            display(SYNTHETIC_NOTE)
        if outcome.count is not None:
            display(f"  {outcome.count:,}")
            results["leo_N"] = outcome.count
        set_result_locals(results)
        return
    where = f" into frame {writer.frame}" if writer.frame else ""
    display(f"({_counted(outcome.result)} from {job.table}{where})")
    set_result_locals({**outcome.result.locals(job.table), **results,
                       "leo_frame": writer.frame or current_frame()})


# -- leoquery --------------------------------------------------------------------------------


def _leoquery(args: dict[str, str]) -> None:
    from . import commands, config
    from .connection import dialect_of
    from .plan.options import frame_option
    query = unquote(args["query"])
    dialect = dialect_of(config.resolve(_state.url, _state.schema).url)
    statement = commands.query_statement(query, dialect)  # refused before connecting
    frame = frame_option(args["frame"]) if args["frame"].strip() else {}
    maxobs = int(args["maxobs"]) if args["maxobs"].strip() else None
    poll = make_poll()
    writer = SfiWriter(frame=frame.get("name"), replace=bool(frame.get("replace")),
                       clear=bool(args["clear"]), poll=poll)
    writer.check()  # the destination first: nothing connects if it would be refused
    session = _open(note=False)
    result = commands.query(statement, session, writer, maxobs=maxobs, say=display,
                            progress=display_progress, poll=poll)
    where = f" into frame {writer.frame}" if writer.frame else ""
    display(f"({_counted(result)}{where})")
    set_result_locals({**result.locals(""), "leo_sql": str(statement),
                       "leo_dialect": _dialect(session),
                       "leo_frame": writer.frame or current_frame(),
                       "leo_synthetic": int(session.synthetic)})


# -- leodescribe -----------------------------------------------------------------------------


def _leodescribe(args: dict[str, str]) -> None:
    from . import config, describe
    tokens = args["spec"].split()
    search, values = args["search"].strip(), args["values"].strip()
    if search and tokens:
        raise StataSyntaxError("search() may not be combined with a table",
                               hint="leodescribe, search(words)")
    if values and len(tokens) != 1:
        raise StataSyntaxError("values() requires one table and no varlist",
                               hint="leodescribe TABLE, values(varname)")
    session = _open()
    if search:
        described = describe.format_search(session.catalog, search, smcl=True)
    elif values:
        described = describe.format_values(session, tokens[0], values,
                                           threshold=config.min_cell_count(), smcl=True)
    elif tokens:
        described = describe.format_table(session.catalog, tokens[0], tokens[1:] or None,
                                          smcl=True)
    else:
        described = describe.format_tables(session.catalog, smcl=True)
    display_smcl(described.text)
    set_result_locals({**described.locals, "leo_synthetic": int(session.synthetic)})


# -- leoset ----------------------------------------------------------------------------------


def _leoset(args: dict[str, str]) -> None:
    from . import config
    sub = args["subcmd"]
    if sub == "show":
        return _show_setting()
    if sub == "test":
        from .doctor import examine
        _close_session()  # a real connection test, not a reused one
        session = _open()
        display(examine(session).render())
        return _show_setting(quiet=True)
    if sub == "metadata":
        return _register_metadata(unquote(args["name"]))
    schema = unquote(args.get("schema", "")) or None
    if sub == "synthetic":
        from .session import ensure_synthetic
        persons = int(args["persons"]) if args["persons"].strip() else config.SYNTH_PERSONS
        seed = int(args["seed"]) if args["seed"].strip() else config.SYNTH_SEED
        ensure_synthetic(persons, seed, say=display)
        url = config.synthetic_url(persons, seed)
    else:
        url = _connection_url(sub, args)
    _close_session()
    _state.url, _state.schema = url, schema
    if args["permanently"]:
        path = config.write_config(url, schema)
        display(f"(setting saved in {path})")
    _show_setting()


def _connection_url(sub: str, args: dict[str, str]) -> str:
    """The SQLAlchemy URL for ``leoset dsn|server|url`` (built with
    ``URL.create``, never by pasting strings)."""
    from sqlalchemy.engine import URL, make_url
    name = unquote(args["name"])
    if not name:
        raise StataSyntaxError(f"leoset {sub}: {'URL' if sub == 'url' else 'name'} required")
    if sub == "dsn":
        return URL.create("mssql+pyodbc", host=name).render_as_string(hide_password=False)
    if sub == "server":
        database = unquote(args["database"])
        driver = unquote(args["driver"]) or DEFAULT_ODBC_DRIVER
        url = URL.create("mssql+pyodbc", host=name, database=database,
                         query={"driver": driver, "Trusted_Connection": "yes"})
        return url.render_as_string(hide_password=False)
    try:
        make_url(name)
    except Exception:  # the text may hold a password: do not echo it
        raise StataSyntaxError("invalid database URL",
                               hint="a SQLAlchemy URL, e.g. mssql+pyodbc://@DSN or "
                                    "duckdb:///C:/data/file.duckdb") from None
    return name


_SOURCES = {
    "option": "leoset, for this Stata session",
    "environment": "the LEOSTATA_URL environment variable",
    "config file": "the config file (leoset ..., permanently)",
    "synthetic": "the default: leostata's embedded synthetic database",
}


def _show_setting(quiet: bool = False) -> None:
    """Show the current setting, masked, and set leoset's result locals."""
    from sqlalchemy.engine import make_url
    from . import config
    setting = config.resolve(_state.url, _state.schema)
    try:
        dialect = make_url(setting.url).get_backend_name()
    except Exception:
        dialect = ""
    files = "; ".join(setting.metadata_files)
    if not quiet:
        for label, value in (("connection", setting.shown),
                             ("set by", _SOURCES.get(setting.source, setting.source)),
                             ("schema", setting.schema or "(the database's default)"),
                             ("database", dialect + (" (SYNTHETIC)" if setting.synthetic else "")),
                             ("config file", str(config.config_file())),
                             ("metadata", files or "(none registered)")):
            display(f"  {label:<12}{value}")
    set_result_locals({"leo_url": setting.shown, "leo_source": setting.source,
                       "leo_schema": setting.schema or "", "leo_dialect": dialect,
                       "leo_synthetic": int(setting.synthetic),
                       "leo_config": str(config.config_file()), "leo_metadata": files})


def _register_metadata(path: str) -> None:
    import os
    from . import config
    from .metadata import read_metadata_file
    if not path:
        raise StataSyntaxError("leoset metadata: file name required")
    path = os.path.abspath(path)
    rows = read_metadata_file(path)  # refuses a missing or malformed file
    config.add_metadata_file(path)
    _close_session()  # the catalog reads metadata files when it opens
    display(f"({len(rows):,} variable descriptions registered from {path})")
    _show_setting(quiet=True)


_HANDLERS: dict[str, Callable[[dict[str, str]], None]] = {
    "leoload": _leoload,
    "leoquery": _leoquery,
    "leodescribe": _leodescribe,
    "leoset": _leoset,
}
