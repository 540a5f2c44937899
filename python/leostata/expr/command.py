"""The ``leoload`` command line: ``TABLE [varlist] [if exp] [in range] [weight] [, options]``.

``parse_command(text)`` takes the text that follows the Stata command name and
returns a :class:`Command`.  It only splits and checks the *grammar*: names
are not resolved against the catalog, option names and arguments are not
interpreted.  Commands that later grow options (collapse, joins, sdc, frames)
read ``Command.options`` and parse each option's ``args`` with the helpers
here: :func:`parse_options` (nested options), :func:`split_positional_and_options`
(``sample(10, seed(3))``) and :func:`parse_clist` (collapse's clist).

Every position is a ``(start, end)`` offset in ``Command.text`` -- the
if-expression's nodes included -- so ``caret(command.text, *pos)`` (or
``command.error_at(pos, ...)``) points into the command as the user typed it.

The splitter reads the text at "top level": a ``"..."`` or ```"..."'`` string
and anything inside balanced parentheses are opaque, so
``if inlist(x, 1, 2) & s == "a, b in c"`` is not cut at its commas or ``in``.
Square brackets group too, so ``[aw = w]`` is one word.

The weight clause ``[wtype=exp]`` (``fweight``, ``aweight``, ``pweight``,
``iweight`` and ``weight``, each abbreviable to two letters, ``weight`` to
``w``) may come before, between or after ``if`` and ``in``, once; it is
recognised as a top-level ``[`` whose content reads ``word = ...`` (a
subscript such as ``x[1]`` never does).  ``[weight=exp]`` is the command's
default weight type, which the caller decides (collapse: aweight).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, NamedTuple, Optional, Tuple

from ..errors import LeostataError, StataSyntaxError
from .nodes import Node, Pos
from .parser import parse
from .tokens import (
    is_name_char, is_name_start, refuse_surrogates, skip_string, syntax_error,
)


class VarToken(NamedTuple):
    """A raw varlist token -- a name, a wildcard pattern (``KS4_*``, ``x?``,
    ``a~``) or a range (``a-b``) -- and its span."""

    token: str
    pos: Pos


@dataclass(frozen=True)
class Option:
    """``name`` or ``name(args)``.  ``args`` is the text inside the balanced
    parentheses, stripped (``""`` for ``name()``, None without parentheses);
    ``pos`` spans the whole option and ``args_pos`` the stripped args."""

    name: str
    args: Optional[str]
    pos: Pos
    args_pos: Optional[Pos] = None


@dataclass(frozen=True)
class ClistItem:
    """One collapse target: ``(stat) [target=]source``.  ``target`` is None
    when no new name is given (the output keeps the source's name); ``source``
    is a raw varlist token; ``stat`` is the statistic in force (``"mean"`` by
    default) and ``stat_pos`` the span of its ``(stat)`` (None for the default)."""

    stat: str
    target: Optional[str]
    source: str
    pos: Pos
    stat_pos: Optional[Pos] = None


#: Weight types: (full name, shortest abbreviation).  ``weight`` is the
#: command's default type (``Weight.kind`` None).
WEIGHT_TYPES = (("fweight", 2), ("aweight", 2), ("pweight", 2), ("iweight", 2), ("weight", 1))

_WEIGHT = re.compile(r"\[\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)", re.ASCII)


@dataclass(frozen=True)
class Weight:
    """``[wtype=exp]``: ``kind`` is ``"fweight"``, ``"aweight"``,
    ``"pweight"``, ``"iweight"`` or None for ``[weight=exp]`` (the command's
    default); ``typed`` the type word as given; ``expr`` the parsed exp
    (positions in ``Command.text``), ``exp_text`` its text; ``pos`` spans
    the brackets and ``exp_pos`` the stripped exp."""

    kind: Optional[str]
    typed: str
    expr: Node
    exp_text: str
    pos: Pos
    exp_pos: Pos


@dataclass(frozen=True)
class Command:
    """A parsed ``leoload`` command line.

    ``in_range`` is ``(first, last)`` as Stata observation numbers: a positive
    number counts from the start (1 = first observation), a negative number
    from the end (-1 = last); ``f`` is 1 and ``l`` is -1, and ``in 5`` is
    ``(5, 5)``.  Checking them against the row count is left to the caller.

    All positions, those of ``if_expr``'s nodes included, are offsets in
    ``text`` (not in ``if_text``); ``if_pos`` is where ``if_text`` starts and ends.
    """

    text: str
    table: str
    table_pos: Pos
    varlist: List[VarToken] = field(default_factory=list)
    if_expr: Optional[Node] = None
    if_text: Optional[str] = None
    if_pos: Optional[Pos] = None
    in_range: Optional[Tuple[int, int]] = None
    in_pos: Optional[Pos] = None
    options: List[Option] = field(default_factory=list)
    weight: Optional[Weight] = None

    def error_at(
        self, pos: Pos, message: str, cls: type = StataSyntaxError
    ) -> LeostataError:
        """An error of class ``cls`` with a caret under ``pos`` in this command."""
        return syntax_error(self.text, pos[0], pos[1], message, cls=cls)


class _Word(NamedTuple):
    text: str
    start: int
    end: int


KEYWORDS = ("if", "in")

_RANGE = re.compile(r"(-?[0-9]+|[fFlL])(?:/(-?[0-9]+|[fFlL]))?", re.ASCII)


def parse_command(text: str) -> Command:
    """Split and check ``TABLE [varlist] [if exp] [in range] [weight] [, options]``.

    ``if``, ``in`` and the weight may come in any order, each at most once.  Raises
    StataSyntaxError with a caret for grammar errors; errors in the
    if-expression come from :func:`~leostata.expr.parser.parse`.  A lone
    surrogate anywhere in ``text`` is refused first (``tokens.refuse_surrogates``).
    """
    refuse_surrogates(text)
    words, comma = _scan(text, 0, len(text))
    words, weight = _take_weight(text, _split_keywords(words))
    if not words or words[0].text in KEYWORDS:
        at = words[0].start if words else (comma if comma is not None else len(text))
        raise syntax_error(text, at, at + 2 if words else at + 1, "invalid syntax: table name required")
    table = words[0]
    if not _valid_table(table.text):
        raise syntax_error(text, table.start, table.end, f"'{table.text}' invalid table name")

    i = 1
    while i < len(words) and words[i].text not in KEYWORDS:
        i += 1
    varlist = _var_tokens(text, words[1:i])

    clauses: Dict[str, Pos] = {}
    while i < len(words):
        keyword = words[i]
        j = i + 1
        while j < len(words) and words[j].text not in KEYWORDS:
            j += 1
        body = words[i + 1 : j]
        if keyword.text in clauses:
            raise syntax_error(
                text, keyword.start, keyword.end, f"invalid syntax: '{keyword.text}' given twice"
            )
        if not body:
            what = "expression" if keyword.text == "if" else "observation range"
            raise syntax_error(
                text, keyword.end, keyword.end + 1,
                f"invalid syntax: {what} expected after '{keyword.text}'",
            )
        clauses[keyword.text] = (body[0].start, body[-1].end)
        i = j

    if_expr = if_text = if_pos = None
    if "if" in clauses:
        if_pos = clauses["if"]
        if_text = text[if_pos[0] : if_pos[1]]
        if_expr = parse(text, *if_pos)
    in_range = in_pos = None
    if "in" in clauses:
        in_pos = clauses["in"]
        in_range = _in_range(text, in_pos)
    options = parse_options(text, comma + 1) if comma is not None else []
    return Command(
        text=text,
        table=table.text,
        table_pos=(table.start, table.end),
        varlist=varlist,
        if_expr=if_expr,
        if_text=if_text,
        if_pos=if_pos,
        in_range=in_range,
        in_pos=in_pos,
        options=options,
        weight=weight,
    )


def weight_kind(word: str) -> Optional[str]:
    """The weight type a word names (``"aw"`` -> ``"aweight"``; ``"w"`` ->
    ``"weight"``), or None when it names none."""
    for full, minimum in WEIGHT_TYPES:
        if len(word) >= minimum and full.startswith(word):
            return full
    return None


def _take_weight(text: str, words: List[_Word]) -> Tuple[List[_Word], Optional[Weight]]:
    """``words`` without the weight clause, and the clause (None without one).
    The clause must end the varlist or a clause body: a word after it is
    ``if``, ``in`` or nothing.  A word glued to it (``x[aw=w]``) is split off."""
    out: List[_Word] = []
    weight: Optional[Weight] = None
    for n, w in enumerate(words):
        at = _weight_start(w.text)
        if at is None:
            out.append(w)
            continue
        start = w.start + at
        if weight is not None:
            raise syntax_error(text, start, w.end, "invalid syntax: weights given twice")
        if not w.text.endswith("]") or _bracket_end(w.text, at) != len(w.text) - 1:
            raise syntax_error(text, start, w.end, "invalid syntax: ']' expected after the weight")
        if n + 1 < len(words) and words[n + 1].text not in KEYWORDS:
            nxt = words[n + 1]
            if _weight_start(nxt.text) is not None:
                raise syntax_error(text, nxt.start, nxt.end, "invalid syntax: weights given twice")
            raise syntax_error(text, nxt.start, nxt.end,
                               "invalid syntax: the weight goes after the varlist "
                               "(and before or after if and in)")
        if at:
            out.append(_Word(w.text[:at], w.start, start))
        weight = _weight(text, start, w.end)
    return out, weight


def _weight_start(word: str) -> Optional[int]:
    """Offset of a top-level ``[`` in ``word`` that opens ``[name = ...``."""
    for i, ch, depth in _nesting(word, 0, len(word), "(", ")"):
        if ch == "[" and depth == 0 and _WEIGHT.match(word, i):
            return i
    return None


def _bracket_end(word: str, i: int) -> int:
    """Index of the ``]`` closing the ``[`` at ``word[i]`` (-1 if none)."""
    return _closing(word, i, len(word), "[", "]")


def _weight(text: str, start: int, end: int) -> Weight:
    """The clause ``text[start:end]`` (``[`` ... ``]``) as a Weight."""
    match = _WEIGHT.match(text, start)
    typed = match.group(1)
    full = weight_kind(typed)
    if full is None:
        raise syntax_error(text, match.start(1), match.end(1),
                           f"{typed} not allowed: the weight types are fweight, aweight, "
                           "pweight, iweight and weight")
    a, b = _strip(text, match.end(), end - 1)
    if a == b:
        raise syntax_error(text, start, end, "invalid syntax: expression expected after '='")
    return Weight(kind=None if full == "weight" else full, typed=typed, expr=parse(text, a, b),
                  exp_text=text[a:b], pos=(start, end), exp_pos=(a, b))


def parse_options(text: str, start: int = 0, end: Optional[int] = None) -> List[Option]:
    """Options in ``text[start:end]``: ``name`` or ``name(args)`` separated by
    spaces, in the order given.  Usable on an option's own ``args`` for nested
    options: ``parse_options(cmd.text, *opt.args_pos)``."""
    end = len(text) if end is None else end
    options: List[Option] = []
    i = start
    while True:
        while i < end and text[i].isspace():
            i += 1
        if i >= end:
            return options
        ch = text[i]
        if not is_name_start(ch):
            if ch == ")":
                raise syntax_error(text, i, i + 1, "too many ')'")
            if ch == "(":
                raise syntax_error(text, i, i + 1, "invalid syntax: option name expected before '('")
            raise syntax_error(text, i, i + 1, f"invalid syntax: '{ch}' unexpected in options")
        j = i + 1
        while j < end and is_name_char(text[j]):
            j += 1
        k = j
        while k < end and text[k].isspace():
            k += 1
        if k < end and text[k] == "(":
            close = _matching_parenthesis(text, k, end)
            a, b = _strip(text, k + 1, close)
            options.append(Option(text[i:j], text[a:b], (i, close + 1), (a, b)))
            i = close + 1
        else:
            options.append(Option(text[i:j], None, (i, j)))
            i = j


def split_positional_and_options(
    text: str, start: int = 0, end: Optional[int] = None
) -> Tuple[str, Pos, List[Option]]:
    """Split ``text[start:end]`` at its first top-level comma: for
    ``sample(10, seed(3))``'s args, ``("10", pos of "10", [Option("seed", "3")])``.
    The positional text is stripped; with no comma the option list is empty."""
    end = len(text) if end is None else end
    _, comma = _scan(text, start, end)
    a, b = _strip(text, start, end if comma is None else comma)
    options = parse_options(text, comma + 1, end) if comma is not None else []
    return text[a:b], (a, b), options


def parse_clist(text: str, start: int = 0, end: Optional[int] = None) -> List[ClistItem]:
    """Collapse's clist in ``text[start:end]``: ``[(stat)] varlist`` and
    ``[(stat)] target=source`` in any mix.  The default statistic is ``mean``.
    Statistic names and variables are not checked here, only the grammar."""
    end = len(text) if end is None else end
    tokens = _clist_tokens(text, start, end)
    items: List[ClistItem] = []
    stat, stat_pos, waiting = "mean", None, False
    k = 0
    while k < len(tokens):
        kind, value, s, e = tokens[k]
        if kind == "stat":
            if waiting:
                raise syntax_error(text, stat_pos[0], stat_pos[1], f"varlist required after ({stat})")
            stat, stat_pos, waiting = value, (s, e), True
            k += 1
            continue
        if kind == "=":
            raise syntax_error(text, s, e, "invalid syntax: new variable name expected before '='")
        if k + 1 < len(tokens) and tokens[k + 1][0] == "=":
            if not _valid_name(value):
                raise syntax_error(text, s, e, f"'{value}' invalid name")
            eq = tokens[k + 1]
            if k + 2 >= len(tokens) or tokens[k + 2][0] != "word":
                raise syntax_error(text, eq[2], eq[3], "invalid syntax: variable name expected after '='")
            source = tokens[k + 2]
            _check_var_token(text, _Word(source[1], source[2], source[3]))
            items.append(ClistItem(stat, value, source[1], (s, source[3]), stat_pos))
            k += 3
        else:
            _check_var_token(text, _Word(value, s, e))
            items.append(ClistItem(stat, None, value, (s, e), stat_pos))
            k += 1
        waiting = False
    if waiting:
        raise syntax_error(text, stat_pos[0], stat_pos[1], f"varlist required after ({stat})")
    if not items:
        raise syntax_error(text, start, end, "varlist required")
    return items


# -- scanning ------------------------------------------------------------------


def _scan(text: str, start: int, end: int) -> Tuple[List[_Word], Optional[int]]:
    """Top-level words of ``text[start:end]`` up to the first top-level comma,
    and the comma's index (None if there is none).  Strings and parenthesised
    groups are parts of words; unbalanced parentheses are errors."""
    words: List[_Word] = []
    opened: List[int] = []
    word_start: Optional[int] = None
    i = start
    comma = None
    while i < end:
        ch = text[i]
        if not opened and (ch.isspace() or ch == ","):
            if word_start is not None:
                words.append(_Word(text[word_start:i], word_start, i))
                word_start = None
            if ch == ",":
                comma = i
                break
            i += 1
            continue
        if word_start is None:
            word_start = i
        if ch == '"' or text.startswith('`"', i, end):
            i = skip_string(text, i, end)
            continue
        if ch == "(" or ch == "[":
            opened.append(i)
        elif ch == ")":
            if not opened or text[opened[-1]] != "(":
                raise syntax_error(text, i, i + 1, "too many ')'")
            opened.pop()
        elif ch == "]" and opened and text[opened[-1]] == "[":
            opened.pop()
        i += 1
    if opened:
        close = "')'" if text[opened[0]] == "(" else "']'"
        raise syntax_error(text, opened[0], opened[0] + 1, f"too few {close}")
    if word_start is not None:
        words.append(_Word(text[word_start:i], word_start, i))
    return words, comma


def _split_keywords(words: List[_Word]) -> List[_Word]:
    """Split ``if(...)``, ``if!x``, ``if"a"==s`` into ``if`` and the rest."""
    out: List[_Word] = []
    for w in words:
        if len(w.text) > 2 and w.text.startswith("if") and w.text[2] in '(!~"`':
            out.append(_Word("if", w.start, w.start + 2))
            out.append(_Word(w.text[2:], w.start + 2, w.end))
        else:
            out.append(w)
    return out


def _matching_parenthesis(text: str, i: int, end: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``text[i]``, skipping strings."""
    close = _closing(text, i, end, "(", ")")
    if close < 0:
        raise syntax_error(text, i, i + 1, "too few ')'")
    return close


def _closing(text: str, i: int, end: int, opener: str, closer: str) -> int:
    """Index of the ``closer`` that brings the nesting counted from ``text[i]``
    back to 0 before ``end`` (strings skipped), or -1 if none does."""
    for j, ch, depth in _nesting(text, i, end, opener, closer):
        if ch == closer and depth == 0:
            return j
    return -1


def _nesting(
    text: str, start: int, end: int, opener: str, closer: str
) -> Iterator[Tuple[int, str, int]]:
    """``(index, character, depth)`` for each character of ``text[start:end]``
    outside ``"..."`` and ```"..."'`` strings (an unclosed one raises
    "unmatched quote"); ``depth`` counts ``opener`` up and ``closer`` down from
    0, this character included."""
    depth = 0
    i = start
    while i < end:
        ch = text[i]
        if ch == '"' or text.startswith('`"', i, end):
            i = skip_string(text, i, end)
            continue
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
        yield i, ch, depth
        i += 1


def _strip(text: str, a: int, b: int) -> Pos:
    """``(a, b)`` narrowed to exclude surrounding whitespace."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def _valid_name(s: str) -> bool:
    return bool(s) and is_name_start(s[0]) and all(is_name_char(c) for c in s)


def _valid_table(s: str) -> bool:
    """``table``, ``schema.table`` or ``database.schema.table``: the table a
    name, the qualifiers name characters (a project schema may be a number);
    what the names mean is the catalog's rule (``catalog`` module)."""
    parts = s.split(".")
    return (len(parts) <= 3 and _valid_name(parts[-1])
            and all(p and all(is_name_char(c) for c in p) for p in parts[:-1]))


def _valid_var_token(s: str) -> bool:
    parts = s.split("-")
    return len(parts) <= 2 and all(
        p and not p[0].isdigit() and all(is_name_char(c) or c in "*?~" for c in p)
        for p in parts
    )


def _check_var_token(text: str, word: _Word) -> None:
    if not _valid_var_token(word.text):
        hint = "; did you forget 'if'?" if any(c in word.text for c in "<>=!&|") else ""
        raise syntax_error(text, word.start, word.end, f"'{word.text}' invalid name{hint}")


def _var_tokens(text: str, words: List[_Word]) -> List[VarToken]:
    """Varlist words as raw tokens; ``a - b`` (spaced) is joined into ``a-b``."""
    words = _join_ranges(words)
    for w in words:
        _check_var_token(text, w)
    return [VarToken(w.text, (w.start, w.end)) for w in words]


def _join_ranges(words: List[_Word]) -> List[_Word]:
    out: List[_Word] = []
    i = 0
    while i < len(words):
        if words[i].text == "-" and out and i + 1 < len(words):
            first, last = out.pop(), words[i + 1]
            out.append(_Word(f"{first.text}-{last.text}", first.start, last.end))
            i += 2
        else:
            out.append(words[i])
            i += 1
    return out


def _in_range(text: str, pos: Pos) -> Tuple[int, int]:
    """``in`` range text at ``pos`` -> ``(first, last)``; see :class:`Command`."""
    raw = text[pos[0] : pos[1]]
    match = _RANGE.fullmatch("".join(raw.split()))
    if not match:
        raise syntax_error(text, pos[0], pos[1], f"'{raw}' invalid observation range")
    first = _observation(match.group(1))
    last = first if match.group(2) is None else _observation(match.group(2))
    same_side = (first > 0) == (last > 0)
    if first == 0 or last == 0 or (same_side and first > last):
        raise syntax_error(text, pos[0], pos[1], f"'{raw}': observation numbers out of range")
    return first, last


def _observation(s: str) -> int:
    """``f`` -> 1, ``l`` -> -1, else the number."""
    if s in ("f", "F"):
        return 1
    if s in ("l", "L"):
        return -1
    return int(s)


def _clist_tokens(text: str, start: int, end: int) -> list:
    """``(kind, value, start, end)`` for ``(stat)``, ``=`` and words; a
    spaced range ``a - c`` is joined into one word."""
    tokens: list = []
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            close = text.find(")", i + 1, end)
            if close < 0:
                raise syntax_error(text, i, i + 1, "too few ')'")
            a, b = _strip(text, i + 1, close)
            if a == b or "(" in text[i + 1 : close]:
                raise syntax_error(text, i, close + 1, "invalid syntax: (stat) expected")
            tokens.append(("stat", text[a:b], i, close + 1))
            i = close + 1
        elif ch == ")":
            raise syntax_error(text, i, i + 1, "too many ')'")
        elif ch == "=":
            tokens.append(("=", "=", i, i + 1))
            i += 1
        else:
            j = i
            while j < end and not text[j].isspace() and text[j] not in "()=":
                j += 1
            word = ("word", text[i:j], i, j)
            if len(tokens) >= 2 and tokens[-1][:2] == ("word", "-") and tokens[-2][0] == "word":
                tokens.pop()
                first = tokens.pop()
                word = ("word", f"{first[1]}-{word[1]}", first[2], j)
            tokens.append(word)
            i = j
    return tokens
