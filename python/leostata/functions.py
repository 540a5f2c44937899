"""The one table of Stata functions leostata knows.

Each entry gives a function's typing (``Signature``: what ``plan`` checks),
its group and one line for the help file, and - for the functions no database
gets - why it is refused (r(5104)).  Everything else reads this table:
``plan`` types calls with it (a name not here is r(133) "unknown function"),
``translate`` registers one handler per entry that is not refused (and fails
at import for a handler without an entry), each dialect adds the functions it
cannot run faithfully, and the "Functions" section of ``help leoload`` is
generated from it and from what each dialect refuses (``help_smcl``; a
test fails when the help file and the table disagree).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

N, S, A = "num", "str", "any"

GROUPS = ("missing values and conditions", "strings", "dates", "numbers")


@dataclass(frozen=True)
class Signature:
    """How a Stata function is typed.  ``args``: the types of the leading
    arguments ("num", "str", or "any"); ``rest``: the type of any further
    arguments (None: no more); ``least``: the minimum number of arguments;
    ``result``: "num", "str" or "arg" (the type of argument ``same_from``).
    ``same_from``: arguments from this index on must share one type."""

    args: tuple[str, ...]
    result: str
    least: Optional[int] = None
    rest: Optional[str] = None
    most: Optional[int] = None
    same_from: Optional[int] = None

    @property
    def minimum(self) -> int:
        return len(self.args) if self.least is None else self.least


@dataclass(frozen=True)
class StataFunction:
    """One Stata function: ``usage`` as the help shows it, its ``group``, a
    one-line ``summary``, and ``refused`` (why no database gets it) or None."""

    name: str
    usage: str
    signature: Signature
    group: str
    summary: str
    refused: Optional[str] = None


def _table(*entries: tuple) -> dict[str, StataFunction]:
    out = {}
    for usage, signature, group, summary, *refused in entries:
        name = usage.split("(")[0]
        out[name] = StataFunction(name, usage, signature, GROUPS[group], summary,
                                  refused[0] if refused else None)
    return out


MISS, STR, DATE, NUM = range(4)
_REGEX = ("Stata's regular expressions (Henry Spencer's engine, byte-based) match no "
          "database's regular expression dialect exactly")
_FORMAT = "number-to-text formatting (%9.0g) cannot be reproduced in SQL"
_RANDOM = "random numbers differ between Stata and the database"
_LATER = "not translated yet"
_WORDS = ("splitting text into numbered words has no one-expression SQL form on every "
          "database (SQL Server 2016's STRING_SPLIT gives no order, SQLite has no split), and "
          "Stata's treatment of quotes and blanks other than spaces inside s is not yet "
          "checked against Stata")

#: Stata's function names -> their entry.  Order: the help file's.
FUNCTIONS: dict[str, StataFunction] = _table(
    ("missing(x1, x2, ...)", Signature((A,), N, rest=A), MISS,
     "1 if any argument is missing (. or \"\"), else 0"),
    ("inlist(z, a, b, ...)", Signature((A, A), N, rest=A, same_from=0), MISS,
     "1 if z equals any of the others (at most 250 numbers or 10 strings)"),
    ("inrange(z, a, b)", Signature((A, A, A), N, same_from=0), MISS,
     "1 if a <= z <= b, with Stata's rules for missing bounds"),
    ("cond(x, a, b, c)", Signature((N, A, A, A), "arg", least=3, same_from=1), MISS,
     "a if x is true, b if false, c (when given) if x is missing"),
    ("substr(s, n1, n2)", Signature((S, N, N), S), STR,
     "the n2 bytes of s from byte n1 (negative n1 counts from the end)"),
    ("usubstr(s, n1, n2)", Signature((S, N, N), S), STR,
     "the n2 characters of s from character n1"),
    ("strpos(s1, s2)", Signature((S, S), N), STR,
     "the byte position of s2 in s1, 0 if not found"),
    ("ustrpos(s1, s2 [, n])", Signature((S, S, N), N, least=2), STR,
     "the character position of s2 in s1 (from character n), 0 if not found"),
    ("strlen(s)", Signature((S,), N), STR, "the length of s in bytes"),
    ("ustrlen(s)", Signature((S,), N), STR, "the length of s in characters"),
    ("strlower(s)", Signature((S,), S), STR, "s with ASCII A-Z lower-cased"),
    ("strupper(s)", Signature((S,), S), STR, "s with ASCII a-z upper-cased"),
    ("strtrim(s)", Signature((S,), S), STR, "s without leading and trailing blanks"),
    ("strltrim(s)", Signature((S,), S), STR, "s without leading blanks"),
    ("strrtrim(s)", Signature((S,), S), STR, "s without trailing blanks"),
    ("strmatch(s1, s2)", Signature((S, S), N), STR,
     "1 if s1 matches the pattern s2 (* any text, ? one character)"),
    ("real(s)", Signature((S,), N), STR, "s as a number, missing if it is not one"),
    ("year(e)", Signature((N,), N), DATE, "the calendar year of %td date e"),
    ("month(e)", Signature((N,), N), DATE, "the month (1-12) of %td date e"),
    ("day(e)", Signature((N,), N), DATE, "the day of the month of %td date e"),
    ("mdy(M, D, Y)", Signature((N, N, N), N), DATE,
     "the %td date of month M, day D, year Y; missing if there is no such day"),
    ("dofc(e)", Signature((N,), N), DATE, "the %td date of %tc datetime e"),
    ("dow(e)", Signature((N,), N), DATE,
     "the day of the week (0 = Sunday ... 6 = Saturday) of %td date e"),
    ("doy(e)", Signature((N,), N), DATE, "the day of the year (1-366) of %td date e"),
    ("week(e)", Signature((N,), N), DATE,
     "the week (1-52) of %td date e: 1 + floor((doy(e) - 1)/7), at most 52"),
    ("quarter(e)", Signature((N,), N), DATE, "the quarter (1-4) of %td date e"),
    ("halfyear(e)", Signature((N,), N), DATE, "the half-year (1-2) of %td date e"),
    ("int(x)", Signature((N,), N), NUM, "x truncated towards 0"),
    ("round(x [, y])", Signature((N, N), N, least=1), NUM,
     "x rounded to a multiple of y (default 1)"),
    ("floor(x)", Signature((N,), N), NUM, "the largest integer <= x"),
    ("ceil(x)", Signature((N,), N), NUM, "the smallest integer >= x"),
    ("abs(x)", Signature((N,), N), NUM, "the absolute value of x"),
    ("min(x1, x2, ...)", Signature((N,), N, rest=N), NUM,
     "the smallest non-missing argument"),
    ("max(x1, x2, ...)", Signature((N,), N, rest=N), NUM,
     "the largest non-missing argument"),
    ("mod(x, y)", Signature((N, N), N), NUM,
     "x - y*floor(x/y), the modulus of x with respect to y; missing if y is 0"),
    ("sign(x)", Signature((N,), N), NUM, "-1, 0 or 1 by the sign of x (missing if x is)"),
    ("sqrt(x)", Signature((N,), N), NUM, "the square root of x, missing if x < 0"),
    ("ln(x)", Signature((N,), N), NUM, "the natural logarithm of x, missing if x <= 0"),
    ("log10(x)", Signature((N,), N), NUM, "the base-10 logarithm of x, missing if x <= 0"),
    ("exp(x)", Signature((N,), N), NUM, "e to the power x, missing beyond the largest double"),
    # Stata functions leostata types but pushes down on no database
    ("regexm(s, re)", Signature((S, S), N), STR, "regular-expression match", _REGEX),
    ("regexr(s1, re, s2)", Signature((S, S, S), S), STR, "regular-expression replace",
     "Stata's regular expressions match no database's dialect exactly"),
    ("regexs(n)", Signature((N,), S), STR, "subexpression of the last regexm()",
     "regexs() reads the state of an earlier regexm() call"),
    ("ustrregexm(s, re [, noc])", Signature((S, S, N), N, least=2), STR,
     "ICU regular-expression match", "ICU regular expressions are not available in SQL"),
    ("ustrlower(s [, loc])", Signature((S, S), S, least=1), STR, "Unicode lower case",
     "Unicode case mapping depends on the ICU version and locale"),
    ("ustrupper(s [, loc])", Signature((S, S), S, least=1), STR, "Unicode upper case",
     "Unicode case mapping depends on the ICU version and locale"),
    ("stritrim(s)", Signature((S,), S), STR, "internal blanks collapsed", _LATER),
    ("string(n [, fmt])", Signature((N, S), S, least=1), STR, "a number as text", _FORMAT),
    ("strofreal(n [, fmt])", Signature((N, S), S, least=1), STR, "a number as text", _FORMAT),
    ("date(s, mask [, Y])", Signature((S, S, N), N, least=2), DATE, "text to a %td date",
     "date-string parsing with masks cannot be reproduced in SQL"),
    ("clock(s, mask [, Y])", Signature((S, S, N), N, least=2), DATE, "text to a %tc datetime",
     "datetime-string parsing with masks cannot be reproduced in SQL"),
    ("runiform([a, b])", Signature((N, N), N, least=0), NUM, "uniform random numbers", _RANDOM),
    ("rnormal([m, s])", Signature((N, N), N, least=0), NUM, "normal random numbers", _RANDOM),
    ("sum(x)", Signature((N,), N), NUM, "the running sum of x",
     "running sums depend on the order of the data in memory"),
    ("char(n)", Signature((N,), S), STR, "the character of code n", _LATER),
    ("word(s, n)", Signature((S, N), S), STR, "the n-th word of s", _WORDS),
    ("wordcount(s)", Signature((S,), N), STR, "the number of words in s", _WORDS),
    ("subinstr(s1, s2, s3, n)", Signature((S, S, S, N), S), STR, "substring replacement",
     "replacing only the first n occurrences has no SQL form on SQL Server 2016 or SQLite "
     "(REPLACE replaces every one); not translated yet even for n = . (every occurrence)"),
    ("strreverse(s)", Signature((S,), S), STR, "s reversed", _LATER),
    ("float(x)", Signature((N,), N), NUM, "x rounded to single precision",
     "rounding to single precision is not translated yet; compare float columns with a "
     "tolerance instead, e.g. abs(x - .1) < 1e-7"),
)

#: Older spellings Stata still accepts -> the canonical function.
ALIASES: dict[str, str] = {
    "mi": "missing", "lower": "strlower", "upper": "strupper", "trim": "strtrim",
    "ltrim": "strltrim", "rtrim": "strrtrim", "log": "ln",
}


def canonical(name: str) -> str:
    """The canonical name of Stata function ``name`` (``mi`` -> ``missing``)."""
    return ALIASES.get(name, name)


def lookup(name: str) -> Optional[StataFunction]:
    """The entry for ``name`` or one of its aliases; None for an unknown name."""
    return FUNCTIONS.get(canonical(name))


HELP_BEGIN = "{* functions: generated from leostata.functions, do not edit by hand *}{...}"
HELP_END = "{* end of functions *}{...}"


def help_smcl(notes: Optional[dict] = None) -> str:
    """The "Functions" section of ``help leoload``, between its markers;
    ``notes``: function -> its status where a database refuses it
    (``translate.base.help_notes``), added to its line."""
    notes = notes or {}
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    lines = [HELP_BEGIN, "{synoptset 26}{...}"]
    for group in GROUPS:
        entries = [f for f in FUNCTIONS.values() if f.group == group and not f.refused]
        lines.append(f"{{p2col 5 26 28 2: {group[0].upper() + group[1:]}}}{{p_end}}")
        for f in entries:
            also = f" (also {', '.join(a + '()' for a in aliases[f.name])})" \
                if f.name in aliases else ""
            note = f"; {notes[f.name]}" if f.name in notes else ""
            lines.append(f"{{synopt:{{cmd:{f.usage}}}}}{f.summary}{also}{note}{{p_end}}")
    lines.append("{p2col 5 26 28 2: Refused on every database (r(5104))}{p_end}")
    for f in FUNCTIONS.values():
        if f.refused:
            lines.append(f"{{synopt:{{cmd:{f.name}()}}}}{f.refused}{{p_end}}")
    lines += ["{p2colreset}{...}", HELP_END]
    return "\n".join(lines)


REGENERATE = ("python -c \"from leostata.translate import SPECS; from leostata.translate.base "
              "import help_notes; import leostata.functions as f; "
              "f.update_help('ado/leoload.sthlp', help_notes(SPECS.values()))\"")


def update_help(path, notes: Optional[dict] = None) -> bool:
    """Rewrite the generated section of the help file at ``path`` (with the
    dialects' ``notes``); True if it changed.  The command: ``REGENERATE``."""
    from pathlib import Path
    text = Path(path).read_text(encoding="utf-8")
    start, end = text.index(HELP_BEGIN), text.index(HELP_END) + len(HELP_END)
    new = text[:start] + help_smcl(notes) + text[end:]
    if new != text:
        Path(path).write_text(new, encoding="utf-8")
    return new != text
