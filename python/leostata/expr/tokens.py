"""Tokenizer for Stata expressions.

Takes expression text (or a slice ``text[start:end]`` of a longer command) and
returns a list of :class:`Token` ending with an ``END`` token.  Every token
carries its ``(start, end)`` offsets in the *whole* text, so that an error
caret can be drawn under the whole command, not just the expression.

Recognised:

- numbers ``5``, ``1.5``, ``.5``, ``5.``, ``1e-3``, ``1E+3``;
- missing values ``.`` and ``.a`` ... ``.z``;
- strings ``"..."`` (no escapes, as in Stata) and compound quotes
  ```"..."'`` which may contain ``"`` and nest; a lone surrogate (U+D800 to
  U+DFFF, not a Unicode character) anywhere is refused (``refuse_surrogates``)
  before any token is made, so it can never reach a database driver;
- names: ASCII letters, digits, ``_`` and Unicode letters, not starting with a
  digit;
- operators ``+ - * / ^ ! ~ == != ~= < > <= >= & |`` and ``( ) , [ ]``
  (``[`` is tokenized only so the parser can refuse explicit subscripts);
- date literals ``td(...)`` and ``tc(...)``: their parentheses hold a date,
  not an expression, so the tokenizer reads them whole and computes the value
  (days, respectively milliseconds, since 01jan1960).

Operators are canonicalised in ``Token.value``: ``~`` -> ``!``, ``~=`` -> ``!=``.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, List, Optional

from ..errors import LeostataError, StataSyntaxError, UnknownFunction, Untranslatable, caret

NUMBER = "number"
MISSING = "missing"
STRING = "string"
NAME = "name"
DATE = "date"
OP = "op"
END = "end"

#: Operator spellings, longest first, -> canonical form.
OPERATORS = {
    "==": "==", "!=": "!=", "~=": "!=", "<=": "<=", ">=": ">=",
    "+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "!": "!", "~": "!",
    "<": "<", ">": ">", "&": "&", "|": "|",
    "(": "(", ")": ")", ",": ",", "[": "[", "]": "]",
}

#: Common spellings from other languages that Stata does not accept.
MISTAKES = {
    "<>": "'<>' invalid; use != (or ~=) for not equal",
    "&&": "'&&' invalid; use & for and",
    "||": "'||' invalid; use | for or",
    "=": "'=' invalid in an expression; use == to test equality",
}

#: Stata's date pseudo-functions.  Only td() and tc() are supported.
DATE_FUNCTIONS = ("td", "tc")
OTHER_DATE_FUNCTIONS = ("tC", "tw", "tm", "tq", "th", "ty", "tb")

_EPOCH = _dt.date(1960, 1, 1).toordinal()
_MS_PER_DAY = 86_400_000

_MONTHS = {}
for _i, _name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july",
     "august", "september", "october", "november", "december"),
    start=1,
):
    _MONTHS[_name] = _i
    _MONTHS[_name[:3]] = _i

_DATE_RE = r"(?P<day>\d{1,2})[\s\-/.,]*(?P<month>[A-Za-z]+)[\s\-/.,]*(?P<year>\d{1,4})"
_TIME_RE = r"(?P<h>\d{1,2}):(?P<m>\d{1,2})(?::(?P<s>\d{1,2})(?:\.(?P<ms>\d{1,3}))?)?"
_TD = re.compile(rf"\s*{_DATE_RE}\s*", re.ASCII)
_TC = re.compile(rf"\s*(?:{_DATE_RE}(?:\s+|$))?(?:{_TIME_RE})?\s*", re.ASCII)


@dataclass(frozen=True)
class Token:
    """One token.  ``text`` is the source spelling; ``value`` is the float of
    a number, the code of a missing value (``""``, ``"a"``...), the unquoted
    content of a string, the canonical operator, or for a date literal the
    tuple ``(kind, value, inner_text)``."""

    kind: str
    text: str
    start: int
    end: int
    value: Any = None


def syntax_error(
    text: str, start: int, end: Optional[int], message: str, cls: type = StataSyntaxError
) -> LeostataError:
    """An error of class ``cls`` with a caret line under ``text[start:end]``;
    the span is also kept as ``error.pos``."""
    error = cls(message, hint=caret(text, start, end))
    error.pos = (start, max(end if end is not None else start + 1, start + 1))
    return error


_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_surrogates(text: str, start: int = 0, end: Optional[int] = None) -> None:
    """Refuse a lone surrogate (U+D800 to U+DFFF) in ``text[start:end]``.

    A Python string holds one when its bytes were not valid UTF-8 (``surrogateescape``)
    or when it was built from a bad escape.  It is no Unicode character: no database
    driver can encode it, so it must not get as far as the server.  Inside a string
    literal it is Untranslatable r(5104) (Stata compares the bytes; a SQL server has
    only characters); anywhere else StataSyntaxError r(198).  The message names the
    code point, and the caret line shows U+FFFD in its place, so that printing the
    error cannot fail in its turn.
    """
    end = len(text) if end is None else end
    found = _SURROGATE.search(text, start, end)
    if found is None:
        return
    at = found.start()
    in_string = False
    i = start
    while i < at:
        if text[i] == '"' or text.startswith('`"', i, end):
            try:
                j = skip_string(text, i, end)
            except LeostataError:
                j = end
            if at < j:
                in_string = True
                break
            i = j
        else:
            i += 1
    code = f"U+{ord(text[at]):04X}"
    shown = _SURROGATE.sub("\ufffd", text)
    if in_string:
        raise syntax_error(shown, at, at + 1,
                           f"string literal contains {code}, a lone surrogate that is not a "
                           "Unicode character; the database cannot compare it",
                           cls=Untranslatable)
    raise syntax_error(shown, at, at + 1,
                       f"invalid character {code} (a lone surrogate, not a Unicode character)")


def is_name_start(ch: str) -> bool:
    """True if ``ch`` may begin a Stata name."""
    return ch == "_" or ("a" <= ch <= "z") or ("A" <= ch <= "Z") or (ch > "\x7f" and ch.isalpha())


def is_name_char(ch: str) -> bool:
    """True if ``ch`` may continue a Stata name."""
    return is_name_start(ch) or ("0" <= ch <= "9")


def skip_string(text: str, i: int, end: int) -> int:
    """``text[i]`` opens a string (``"`` or ```"``); return the index just after
    it.  Raises "unmatched quote" if it is not closed before ``end``."""
    if text.startswith('`"', i, end):
        depth, j = 1, i + 2
        while j < end:
            if text.startswith('`"', j, end):
                depth, j = depth + 1, j + 2
            elif text.startswith("\"'", j, end):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j
            else:
                j += 1
    else:
        j = text.find('"', i + 1, end)
        if j >= 0:
            return j + 1
    raise syntax_error(text, i, i + 2 if text[i] == "`" else i + 1, "unmatched quote")


def tokenize(text: str, start: int = 0, end: Optional[int] = None) -> List[Token]:
    """Tokens of ``text[start:end]`` with offsets in ``text``, ending with END."""
    end = len(text) if end is None else end
    refuse_surrogates(text, start, end)
    tokens: List[Token] = []
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif _isdigit(ch) or (ch == "." and i + 1 < end and _isdigit(text[i + 1])):
            tokens.append(_number(text, i, end))
            i = tokens[-1].end
        elif ch == ".":
            tokens.append(_missing(text, i, end))
            i = tokens[-1].end
        elif ch == '"' or text.startswith('`"', i, end):
            j = skip_string(text, i, end)
            inner = text[i + 1 : j - 1] if ch == '"' else text[i + 2 : j - 2]
            tokens.append(Token(STRING, text[i:j], i, j, inner))
            i = j
        elif is_name_start(ch):
            j = i + 1
            while j < end and is_name_char(text[j]):
                j += 1
            date = _date_literal(text, i, j, end)
            tokens.append(date or Token(NAME, text[i:j], i, j, text[i:j]))
            i = tokens[-1].end
        else:
            for spelling in ("<>", "&&", "||"):
                if text.startswith(spelling, i, end):
                    raise syntax_error(text, i, i + 2, MISTAKES[spelling])
            two = text[i : i + 2] if i + 2 <= end else ""
            if two in OPERATORS:
                tokens.append(Token(OP, two, i, i + 2, OPERATORS[two]))
            elif ch in OPERATORS:
                tokens.append(Token(OP, ch, i, i + 1, OPERATORS[ch]))
            elif ch == "=":
                raise syntax_error(text, i, i + 1, MISTAKES["="])
            else:
                raise syntax_error(text, i, i + 1, f"'{ch}' not allowed in an expression")
            i = tokens[-1].end
    last = tokens[-1].end if tokens else start
    tokens.append(Token(END, "", last, last))
    return tokens


def _isdigit(ch: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts other scripts)."""
    return "0" <= ch <= "9"


def _number(text: str, i: int, end: int) -> Token:
    """A numeric literal starting at ``text[i]``."""
    j = i
    while j < end and _isdigit(text[j]):
        j += 1
    if j < end and text[j] == ".":
        j += 1
        while j < end and _isdigit(text[j]):
            j += 1
    if j < end and text[j] in "eE":
        k = j + 1
        if k < end and text[k] in "+-":
            k += 1
        if k < end and _isdigit(text[k]):
            while k < end and _isdigit(text[k]):
                k += 1
            j = k
    if j < end and is_name_char(text[j]):
        k = j
        while k < end and (is_name_char(text[k]) or text[k] in "+-" and text[k - 1] in "eE"):
            k += 1
        raise syntax_error(text, i, k, f"'{text[i:k]}' invalid number")
    value = float(text[i:j])
    if value == float("inf"):
        raise syntax_error(text, i, j, f"'{text[i:j]}' invalid number: too large")
    return Token(NUMBER, text[i:j], i, j, value)


def _missing(text: str, i: int, end: int) -> Token:
    """``.`` or ``.a``-``.z`` starting at ``text[i]``."""
    j = i + 1
    while j < end and is_name_char(text[j]):
        j += 1
    code = text[i + 1 : j]
    if code == "" or (len(code) == 1 and "a" <= code <= "z"):
        return Token(MISSING, text[i:j], i, j, code)
    raise syntax_error(
        text, i, j, f"'{text[i:j]}' invalid missing value; use . or .a to .z"
    )


def _date_literal(text: str, i: int, j: int, end: int) -> Optional[Token]:
    """If the name ``text[i:j]`` is a date pseudo-function followed by ``(``,
    the whole literal as a DATE token; else None."""
    name = text[i:j]
    if name.lower() not in DATE_FUNCTIONS + tuple(f.lower() for f in OTHER_DATE_FUNCTIONS):
        return None
    k = j
    while k < end and text[k].isspace():
        k += 1
    if k >= end or text[k] != "(":
        return None
    close = text.find(")", k + 1, end)
    if close < 0:
        raise syntax_error(text, k, k + 1, "too few ')'")
    inner = text[k + 1 : close]
    if name in OTHER_DATE_FUNCTIONS:
        raise syntax_error(
            text, i, close + 1,
            f"{name}() literals are not supported; use td() for dates or tc() for datetimes",
            cls=Untranslatable,
        )
    if name not in DATE_FUNCTIONS:
        raise syntax_error(text, i, j, f"unknown function {name}()", cls=UnknownFunction)
    value = date_literal_value(name, inner)
    if value is None:
        example = "td(15jan2020)" if name == "td" else "tc(15jan2020 13:42:05.250)"
        raise syntax_error(
            text, k + 1, max(close, k + 2),
            f"'{inner.strip()}' invalid date in {name}(); write it as in {example}",
        )
    return Token(DATE, text[i : close + 1], i, close + 1, (name, value, inner.strip()))


def date_literal_value(kind: str, inner: str) -> Optional[float]:
    """The value of ``td(inner)`` (days since 01jan1960) or ``tc(inner)``
    (milliseconds since 01jan1960 00:00:00), or None if ``inner`` is not a
    valid day-month-year date [with a time for tc]."""
    match = (_TD if kind == "td" else _TC).fullmatch(inner)
    if not match:
        return None
    days = 0
    if match.group("day"):
        month = _MONTHS.get(match.group("month").lower())
        year, day = int(match.group("year")), int(match.group("day"))
        if month is None or not 100 <= year <= 9999:
            return None
        try:
            days = _dt.date(year, month, day).toordinal() - _EPOCH
        except ValueError:
            return None
    if kind == "td":
        return float(days)
    if not match.group("day") and not match.group("h"):
        return None
    ms = 0
    if match.group("h"):
        h, m = int(match.group("h")), int(match.group("m"))
        s = int(match.group("s") or 0)
        frac = int((match.group("ms") or "0").ljust(3, "0"))
        if h > 23 or m > 59 or s > 59:
            return None
        ms = ((h * 60 + m) * 60 + s) * 1000 + frac
    return float(days * _MS_PER_DAY + ms)
