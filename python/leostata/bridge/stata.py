"""The sfi calls the bridge needs, in one place: the current frame, whether
data changed, Break polling, printing and the result locals.  ``sfi`` is
imported lazily, so the rest of leostata imports without Stata.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import stata_types as st
from ..errors import BreakPressed, LeostataError
from ..progress import ProgressInfo


def _sfi():
    import sfi  # only available inside Stata (or pystata); see stata.md §1
    return sfi


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


def display_smcl(text: str) -> None:
    """Print SMCL text (already escaped by its producer), line by line."""
    toolkit = _sfi().SFIToolkit
    for line in text.split("\n"):
        toolkit.displayln(line)
