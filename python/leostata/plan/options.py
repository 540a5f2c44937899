"""The option table of ``leoload`` and how each kind of option is read.

Takes the parsed command and the table; returns ``{option name: value}``
with varlists resolved, numbers checked and Stata's abbreviation rules
applied, or raises StataSyntaxError r(198) with a caret.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Optional

from ..catalog import TableInfo
from ..errors import StataSyntaxError, located
from .varlist import resolve_varlist


FLAG, INTEGER, VARLIST, CLIST, SAMPLE, FRAME, MERGE, COHORT, SDC = (
    "flag", "integer", "varlist", "clist", "sample", "frame", "merge", "cohort", "sdc")
#: Kinds of option that may be given more than once (each one applies).
REPEATABLE = (MERGE, COHORT)


@dataclass(frozen=True)
class OptionSpec:
    """One ``leoload`` option: its full ``name``, the ``minimum`` number of
    leading characters that must be typed (what Stata's help underlines),
    the ``kind`` of argument it takes, and a one-line ``help``; ``same_as``
    names the option an alias stands for (its value is stored under that name)."""

    name: str
    minimum: int
    kind: str
    help: str
    same_as: str = ""

    def matches(self, typed: str) -> bool:
        return len(typed) >= self.minimum and self.name.startswith(typed)


#: The option table of ``leoload``.  Later issues add rows here;
#: ``plan_load`` parses each kind the same way.  Destructive options
#: (clear, force) cannot be abbreviated, as in Stata.
OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("clear", 5, FLAG, "replace the data in memory"),
    OptionSpec("frame", 5, FRAME, "frame(name [, replace]): load into a frame"),
    OptionSpec("collapse", 4, CLIST, "collapse(clist): aggregate on the server"),
    OptionSpec("by", 2, VARLIST, "by(varlist): groups for collapse()"),
    OptionSpec("cw", 2, FLAG, "casewise deletion for collapse()"),
    OptionSpec("sample", 4, SAMPLE, "sample(# [, seed(#)]): keep # percent of persons"),
    OptionSpec("merge", 5, MERGE, "merge(m:1 key using table [, keepusing() keep() generate() "
               "nogenerate]): bring variables of another table, as Stata's merge"),
    OptionSpec("cohort", 3, COHORT, "cohort(key using table [if exp]): keep the rows whose key "
               "appears in another table (a semi-join: rows never multiply)"),
    OptionSpec("sort", 4, VARLIST, "sort(varlist): row order (also the order `in` counts in)"),
    OptionSpec("count", 5, FLAG, "count the rows only"),
    OptionSpec("maxobs", 3, INTEGER, "maxobs(#): refuse results of more than # rows"),
    OptionSpec("force", 5, FLAG, "load even past maxobs()"),
    OptionSpec("showsql", 4, FLAG, "show the SQL before running it"),
    OptionSpec("sqlshow", 4, FLAG, "the same as showsql (odbc's spelling)", same_as="showsql"),
    OptionSpec("sqlonly", 4, FLAG, "show the SQL and run nothing"),
    OptionSpec("sdc", 3, SDC, "sdc[(round|noround evidence(filename[, replace]))]: "
               "disclosure-control checks on collapse() output"),
    OptionSpec("declaredtypes", 4, FLAG, "storage types from the SQL types, not from the values "
               "loaded"),
    OptionSpec("codesonly", 5, FLAG, "attach no value labels from the metadata: codes only"),
    OptionSpec("nocache", 3, FLAG, "ask the database, not the result cache"),
)


#: Options that only make sense with collapse().
_COLLAPSE_ONLY = ("by", "cw")


#: Seeds as Stata's ``set seed`` takes them.
MAX_SEED = 2_147_483_647


DEFAULT_SEED = 0


def find_option(typed: str, text: Optional[str] = None, pos=None) -> OptionSpec:
    """The option ``typed`` names (full name or allowed abbreviation);
    StataSyntaxError r(198) "option X not allowed" otherwise."""
    for spec in OPTIONS:
        if spec.matches(typed):
            return spec
    for spec in OPTIONS:
        if spec.name.startswith(typed) and typed:
            raise located(StataSyntaxError, f"option {typed} not allowed", text, pos,
                         f"abbreviate {spec.name}() to at least "
                         f"{spec.name[:spec.minimum]}")
    raise located(StataSyntaxError, f"option {typed} not allowed", text, pos,
                 "leoload options: " + " ".join(s.name for s in OPTIONS))


def _varlist_tokens(text: str, start: int, end: int) -> list:
    """Whitespace-separated tokens of ``text[start:end]`` with their spans."""
    return [(m.group(0), (start + m.start(), start + m.end()))
            for m in re.finditer(r"\S+", text[start:end])]


def read_options(command, table: TableInfo) -> dict:
    """Command options -> {full name: parsed value} (see OPTIONS)."""
    from ..expr.command import split_positional_and_options
    text = command.text
    values: dict = {}
    given: set = set()
    for opt in command.options:
        spec = find_option(opt.name, text, opt.pos)
        if spec.name in given and spec.kind not in REPEATABLE and spec.kind != SDC:
            raise located(StataSyntaxError, f"option {spec.name}() specified twice", text, opt.pos)
        given.add(spec.name)
        if spec.kind == SDC:
            values[spec.name] = sdc_option(text, opt, values.get(spec.name))
            continue
        if spec.kind == FLAG:
            if opt.args is not None:
                raise located(StataSyntaxError, f"option {spec.name}() not allowed", text, opt.pos,
                             f"{spec.name} takes no argument")
            values[spec.same_as or spec.name] = True
            continue
        if not opt.args:
            raise located(StataSyntaxError, f"option {spec.name}() required", text, opt.pos,
                         spec.help)
        a, b = opt.args_pos
        if spec.kind == INTEGER:
            values[spec.name] = parse_integer(opt.args, spec.name, 0, None, text, opt.args_pos)
        elif spec.kind == VARLIST:
            values[spec.name] = resolve_varlist(_varlist_tokens(text, a, b), table, text=text)
        elif spec.kind == CLIST:
            values[spec.name] = opt.args
        elif spec.kind == SAMPLE:
            number, npos, subs = split_positional_and_options(text, a, b)
            percent = _number(number, "sample", text, npos)
            if not 0 < percent <= 100:
                raise located(StataSyntaxError, "sample(): # must be greater than 0 and at most 100",
                             text, npos)
            seed = DEFAULT_SEED
            for sub in subs:
                if not ("seed".startswith(sub.name) and len(sub.name) >= 4):
                    raise located(StataSyntaxError, f"option {sub.name} not allowed", text,
                                 sub.pos, "sample(# [, seed(#)])")
                seed = parse_integer(sub.args or "", "seed", 0, MAX_SEED, text,
                                     sub.args_pos or sub.pos)
            values[spec.name] = (percent, seed)
        elif spec.kind == FRAME:
            values[spec.name] = frame_option(text, a, b)
        elif spec.kind in REPEATABLE:
            values[spec.name] = True  # parsed by plan.merge / plan.cohort, each in turn
        else:  # pragma: no cover - a row added to OPTIONS without a parser
            raise StataSyntaxError(f"option {spec.name}() is not handled")
    for name in _COLLAPSE_ONLY:
        if name in values and "collapse" not in values:
            raise located(StataSyntaxError, f"option {name}() requires collapse()", text,
                         next(o.pos for o in command.options if find_option(o.name).name == name))
    return values


@dataclass(frozen=True)
class SdcRequest:
    """``sdc`` or ``sdc(...)`` as typed: ``round`` True (``round``), False
    (``noround``) or None (the profile decides); ``evidence`` the file to
    write (``evidence(filename)``), "" for the profile's folder and default
    name (``evidence`` alone), None for the profile's choice; ``replace``
    an existing evidence file; ``typed`` whether arguments were given."""

    round: Optional[bool] = None
    evidence: Optional[str] = None
    replace: bool = False
    typed: bool = False


_SDC_SYNTAX = "sdc[(round | noround  evidence[(filename[, replace])])]"


def sdc_option(text: str, opt, before: Optional[SdcRequest] = None) -> SdcRequest:
    """``sdc`` (no arguments: the profile's settings) or ``sdc(words)`` ->
    SdcRequest; ``before`` is an earlier ``sdc`` of the same command (a bare
    ``sdc`` and one ``sdc(...)`` combine; two with arguments are r(198)).
    Unknown words, ``round`` with ``noround``, a repeated word: r(198)."""
    from ..expr.command import parse_options, split_positional_and_options
    from ..expr.tokens import skip_string
    if opt.args is None or not opt.args.strip():
        return before or SdcRequest()
    if before is not None and before.typed:
        raise located(StataSyntaxError, "option sdc() specified twice", text, opt.pos)
    request: dict = {}
    for sub in parse_options(text, *opt.args_pos):
        word = sub.name
        if word in request or (word in ("round", "noround")
                               and {"round", "noround"} & set(request)):
            other = "noround" if word == "round" else "round"
            message = (f"sdc(): option {word} specified twice" if word in request
                       else f"sdc(): options {other} and {word} may not be combined")
            raise located(StataSyntaxError, message, text, sub.pos, _SDC_SYNTAX)
        if word in ("round", "noround"):
            if sub.args is not None:
                raise located(StataSyntaxError, f"sdc(): option {word}() not allowed", text,
                              sub.pos, f"{word} takes no argument")
            request[word] = True
        elif word == "evidence":
            path, replace_ = "", False
            if sub.args:
                raw, (a, b), subs = split_positional_and_options(text, *sub.args_pos)
                if raw[:1] == '"' or raw[:2] == '`"':
                    if skip_string(text, a, b) != b:
                        raise located(StataSyntaxError, "sdc(): evidence(): invalid file "
                                      "specification", text, (a, b), _SDC_SYNTAX)
                    raw = raw[2:-2] if raw[:1] == "`" else raw[1:-1]
                elif any(c.isspace() for c in raw):
                    raise located(StataSyntaxError, "sdc(): evidence(): invalid file "
                                  "specification", text, (a, b),
                                  'a file name with spaces goes in quotes: evidence("my dir/e.json")')
                if not raw.strip():
                    raise located(StataSyntaxError, "sdc(): evidence(): filename required",
                                  text, sub.pos, _SDC_SYNTAX)
                for extra in subs:
                    if extra.name != "replace" or extra.args is not None:
                        raise located(StataSyntaxError, f"sdc(): evidence(): option "
                                      f"{extra.name} not allowed", text, extra.pos, _SDC_SYNTAX)
                    replace_ = True
                path = raw
            request[word] = (path, replace_)
        else:
            raise located(StataSyntaxError, f"sdc(): option {word} not allowed", text, sub.pos,
                          _SDC_SYNTAX)
    rounding = True if "round" in request else False if "noround" in request else None
    path, replace_ = request.get("evidence", (None, False))
    return SdcRequest(rounding, path, replace_, typed=True)


def _number(raw: str, what: str, text, pos) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise located(StataSyntaxError, f"{what}(): '{raw}' found where number expected",
                     text, pos) from None
    if not math.isfinite(value):
        raise located(StataSyntaxError, f"{what}(): '{raw}' found where number expected", text, pos)
    return value


#: A Stata number as typed: digits with an optional point and exponent.
_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def parse_integer(raw: str, what: str, low: int, high: Optional[int] = None, text=None,
                  pos=None) -> int:
    """The one parser of every whole-number option of every command
    (``maxobs()``, ``seed()``, ``persons()``...): a number as Stata reads one
    (``10000000``, ``1e7``, ``1.5e3``) whose value is a whole number within
    ``low``..``high``; r(198) naming the option otherwise."""
    from decimal import Decimal, InvalidOperation
    if not _NUMBER.fullmatch(raw or ""):
        raise located(StataSyntaxError, f"{what}(): '{(raw or '').strip()}' found where integer "
                      "expected", text, pos, f"{what}(#): a whole number, e.g. 10000000 or 1e7")
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise located(StataSyntaxError, f"{what}(): '{raw.strip()}' invalid", text, pos) from None
    if value != value.to_integral_value():
        raise located(StataSyntaxError, f"{what}(): {raw.strip()} is not a whole number", text, pos)
    number = int(value)
    if number < low or (high is not None and number > high):
        upper = f" and at most {high:,}" if high is not None else ""
        raise located(StataSyntaxError, f"{what}(): # must be at least {low}{upper}", text, pos)
    return number


def frame_option(text: str, start: int = 0, end: int | None = None) -> dict:
    """``frame(name [, replace])`` (leoload's option, leoquery's too) ->
    ``{"name": name, "replace": bool}``; r(198) for a bad name or option."""
    from ..expr.command import split_positional_and_options
    from ..stata_types import is_valid_name
    end = len(text) if end is None else end
    name, npos, subs = split_positional_and_options(text, start, end)
    if not is_valid_name(name):
        raise located(StataSyntaxError, f"{name or '()'} invalid frame name", text, npos)
    replace_ = False
    for sub in subs:
        if sub.name != "replace" or sub.args is not None:
            raise located(StataSyntaxError, f"option {sub.name} not allowed", text, sub.pos,
                          "frame(name [, replace])")
        replace_ = True
    return {"name": name, "replace": replace_}
