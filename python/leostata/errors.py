"""Errors that carry a Stata return code.

Every error leostata raises on purpose is a :class:`LeostataError`; the bridge
prints its message and hands ``rc`` to the ado, which exits with it.  The
table ``RETURN_CODES`` is the only place codes are defined; ``help leostata``
mirrors it.

Stata's own codes are used where the meaning matches.  Codes 5100-5199 are
leostata's private range (Stata documents no codes between 5000 and 8999).
"""

from __future__ import annotations

from typing import Optional

#: rc -> short meaning.  Mirrored in ado/leostata.sthlp ("Return codes").
RETURN_CODES: dict[int, str] = {
    1: "Break pressed; the query was cancelled and memory left as it was",
    4: "no; data in memory would be lost (specify clear)",
    101: "weights not allowed (leoload takes weights in collapse() only)",
    106: "variable type mismatch (a string on one side of merge(), a number on the other)",
    109: "type mismatch (a string where a number is required, or the reverse)",
    110: "already defined (a frame of that name exists; specify replace)",
    111: "table or variable not found",
    130: "expression too long (inlist() arguments over Stata's limit)",
    133: "unknown function",
    135: "statistic not allowed with this weight type (as collapse)",
    198: "invalid syntax or option",
    401: "may not use noninteger frequency weights",
    402: "negative weights encountered",
    459: "data inconsistency (result would not be what Stata computes)",
    601: "file not found",
    602: "file already exists",
    603: "file could not be opened",
    608: "file is read-only; cannot be modified or erased",
    693: "file I/O error on write",
    694: "could not rename file",
    699: "insufficient disk space",
    2000: "no observations",
    5100: "Python or the leostata package is not set up in Stata",
    5101: "could not connect to the database",
    5102: "the database reported an error while running the query",
    5103: "statement refused: only read statements are sent to the server",
    5104: "valid Stata, but not translatable faithfully on this database",
    5105: "result too large (see maxobs() and force)",
    5110: "output blocked by disclosure control",
    5199: "internal error in leostata (please report it)",
}


class LeostataError(Exception):
    """Base class: a message for the user and the Stata return code."""

    rc = 5199

    def __init__(self, message: str, *, rc: int | None = None, hint: str | None = None):
        super().__init__(message)
        if rc is not None:
            self.rc = rc
        if self.rc not in RETURN_CODES:
            raise ValueError(f"return code {self.rc} is not in errors.RETURN_CODES")
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The text Stata shows: message, optional hint line (no ``r(#);``)."""
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class BreakPressed(LeostataError):
    rc = 1


class DataInMemoryChanged(LeostataError):
    rc = 4


class TypeMismatch(LeostataError):
    rc = 109


class VariableTypeMismatch(LeostataError):
    """merge(): a key or shared variable is a string on one side and numeric
    on the other (Stata's merge stops with r(106))."""
    rc = 106


class AlreadyDefined(LeostataError):
    rc = 110


class NotFound(LeostataError):
    rc = 111


class ExpressionTooLong(LeostataError):
    rc = 130


class UnknownFunction(LeostataError):
    rc = 133


class StataSyntaxError(LeostataError):
    rc = 198


class FileNotFound(LeostataError):
    rc = 601


class DataInconsistency(LeostataError):
    rc = 459


class NoObservations(LeostataError):
    rc = 2000


class NotSetUp(LeostataError):
    rc = 5100


class ConnectionFailed(LeostataError):
    rc = 5101


class ServerError(LeostataError):
    rc = 5102


class StatementRefused(LeostataError):
    rc = 5103


class Untranslatable(LeostataError):
    rc = 5104


class ResultTooLarge(LeostataError):
    rc = 5105


class DisclosureBlocked(LeostataError):
    rc = 5110


class InternalError(LeostataError):
    rc = 5199


class FileExists(LeostataError):
    rc = 602


class FileNotOpened(LeostataError):
    rc = 603


class FileReadOnly(LeostataError):
    rc = 608


class FileWriteError(LeostataError):
    rc = 693


class FileRenameError(LeostataError):
    rc = 694


class DiskFull(LeostataError):
    rc = 699


def caret(text: str, start: int, end: int | None = None) -> str:
    """Two lines: ``text`` and a caret line under ``text[start:end]``."""
    end = max(end if end is not None else start + 1, start + 1)
    return f"    {text}\n    {' ' * start}{'^' * (end - start)}"


def located(cls, message: str, text: Optional[str], pos=None, hint: Optional[str] = None):
    """``cls(message)`` with a caret under ``text[pos]`` (and ``hint`` after it);
    ``pos`` is kept on the error so callers can point at the same text."""
    lines = []
    if text is not None and pos is not None and pos != (0, 0):
        lines.append(caret(text, pos[0], pos[1]))
    if hint:
        lines.append(hint)
    error = cls(message, hint="\n".join(lines) or None)
    if pos is not None:
        error.pos = pos
    return error
