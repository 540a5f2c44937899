"""Disclosure control of aggregated output (``leoload ..., collapse() sdc``),
without SQL: the risk profile, half-up rounding, each statistic's outcome,
the report lines and the evidence record.

Takes the per-cell figures the server computed (``translate.sdc``: distinct
persons, each source's per-person totals' sum, largest, second largest, sum
of the n largest, largest absolute value, smallest value) and the profile;
returns per cell the outcome of every statistic ("ok" or the first reason it
fails, in ``REASON_ORDER``), the counts r() reports and the lines printed.

Which checks apply to which statistic (after ACRO's statistic classes):

* every statistic: at least ``min_persons`` distinct persons with a
  nonmissing value of its source (``n<10``; a count counts rows, the check
  counts persons);
* min, max: blocked (``min/max``) when ``block_minmax``; first, last,
  firstnm, lastnm: blocked (``first/last``) when ``block_first_last``;
* sd, semean, sebinomial, sepoisson: persons - 1 >= ``min_dof`` (``dof<10``);
* every statistic of values (not count, percent): ``zero`` when every value
  of the cell is 0 and ``zeros_disclosive`` (everyone's value is known);
* mean, sum, rawsum: ``negative`` when a person's total is below 0 (the
  dominance rules are not defined there: ACRO asks for a review; leostata
  suppresses), then N-K dominance (``dominance``: the n largest persons'
  totals >= k% of the cell total, ACRO 1.0's ``>=``) and the p-ratio
  (``p-ratio``: total - largest - second < p% of the largest; a largest of
  0 passes).  Comparisons are exact (fractions of the values the server
  returned, never a rounded ratio).

Rounding is half away from zero (12.5 -> 15 and -12.5 -> -15 to the
nearest 5; DfE's "round half up" for the positive values it publishes),
computed in decimal arithmetic: never Python's ``round()``, which rounds
half to even.
"""

from __future__ import annotations

import configparser
import fnmatch
import json
import os
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .errors import FileExists, FileNotFound, FileNotOpened, StataSyntaxError

#: The site's profile file (overrides the package's default).
ENV_PROFILE = "LEOSTATA_SDC_PROFILE"
DEFAULT_PROFILE = Path(__file__).with_name("data") / "sdc_default.ini"

MINMAX_STATS = ("min", "max")
FIRST_LAST_STATS = ("first", "last", "firstnm", "lastnm")
DOF_STATS = ("sd", "semean", "sebinomial", "sepoisson")
LINEAR_STATS = ("mean", "sum", "rawsum")
COUNT_STATS = ("count", "percent")
#: Statistics a margin (a total over a row of cells) could give back.
ADDITIVE_STATS = ("count", "percent", "sum", "rawsum", "mean")
#: Statistics never rounded as money (they are not in the variable's unit).
NOT_MONEY_STATS = ("count", "percent", "sebinomial", "sepoisson")

#: Reasons in the order they are checked (the first that applies is given).
REASON_ORDER = ("n", "min/max", "first/last", "dof", "zero", "negative", "dominance",
                "p-ratio")

#: The variables the check adds to the result.
PERSONS_VAR, OUTCOME_VAR = "_sdc_n", "_sdc"
#: The value label of every checked statistic: ``.s`` reads "suppressed".
SUPPRESSED_LABEL = "_sdc_s"
SUPPRESSED_TEXT = "suppressed"


def flag_name(i: int) -> str:
    """The SQL name of statistic ``i``'s suppression flag (never loaded)."""
    return f"_sdc_flag{i}"



# --- the profile -----------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """The risk appetite: thresholds (``nk_k`` and ``p_ratio`` in percent),
    rounding, person keys by table (lower-case table name -> column) and
    evidence; ``files`` the profile files read, in order."""

    min_persons: int = 10
    min_dof: int = 10
    nk_n: int = 2
    nk_k: Fraction = Fraction(90)
    p_ratio: Fraction = Fraction(10)
    zeros_disclosive: bool = True
    block_minmax: bool = True
    block_first_last: bool = True
    round: bool = False
    count_base: int = 5
    money_base: int = 100
    money: tuple = ()
    person_keys: dict = field(default_factory=dict)
    evidence: bool = False
    evidence_folder: str = ""
    files: tuple = ()

    def is_money(self, source_name: str) -> bool:
        """True when the variable's statistics are rounded as money."""
        name = source_name.lower()
        return any(fnmatch.fnmatchcase(name, p.lower()) for p in self.money)

    def person_key(self, table: str, default: Optional[str]) -> Optional[str]:
        """The person key column of ``table``: the profile's, else ``default``."""
        return self.person_keys.get(table.lower(), default)

    def reason_text(self, reason: str) -> str:
        """The outcome string of a reason (``n`` -> ``n<10``)."""
        if reason == "n":
            return f"n<{self.min_persons}"
        if reason == "dof":
            return f"dof<{self.min_dof}"
        return reason

    def as_dict(self) -> dict:
        """The profile as plain values (for the evidence file)."""
        return {"min_persons": self.min_persons, "min_dof": self.min_dof,
                "nk_n": self.nk_n, "nk_k_percent": str(self.nk_k),
                "p_ratio_percent": str(self.p_ratio), "zeros_disclosive": self.zeros_disclosive,
                "block_minmax": self.block_minmax, "block_first_last": self.block_first_last,
                "round": self.round, "count_base": self.count_base,
                "money_base": self.money_base, "money": list(self.money),
                "person_keys": dict(self.person_keys), "files": list(self.files)}


def profile_files(user_file: Optional[str] = None) -> list[Path]:
    """The profile files, in the order they apply: the package default, the
    site's (``LEOSTATA_SDC_PROFILE``), the user's (``user_file``, by default
    the config file's ``[disclosure] profile``).  A named file that does not
    exist is r(601)."""
    files = [DEFAULT_PROFILE]
    if user_file is None:
        from .config import sdc_profile_file
        user_file = sdc_profile_file()
    for named, what in ((os.environ.get(ENV_PROFILE, ""), ENV_PROFILE),
                        (user_file or "", "[disclosure] profile")):
        if named.strip():
            path = Path(named.strip()).expanduser()
            if not path.is_file():
                raise FileNotFound(f"file {path} not found",
                                   hint=f"the disclosure-control profile named by {what}")
            files.append(path)
    return files


def small_count_threshold() -> int:
    """The threshold below which a count is never shown exactly, in every
    output (``leodescribe, values()`` too): the profile's ``min_persons``."""
    return load_profile().min_persons


def load_profile(files: Optional[Sequence] = None) -> Profile:
    """The profile the ``files`` give (default ``profile_files()``), later
    files overriding earlier ones key by key; r(198) for a bad value."""
    paths = [Path(f) for f in (files if files is not None else profile_files())]
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=(";",))
    parser.optionxform = str  # table names keep their case in messages
    for path in paths:
        parser.read(path, encoding="utf-8")

    def get(section: str, key: str, default: str) -> str:
        return parser.get(section, key, fallback=default).strip()

    def integer(section, key, default, low) -> int:
        raw = get(section, key, str(default))
        if not raw.isdigit() or int(raw) < low:
            raise _bad(section, key, raw, f"an integer of at least {low}", paths)
        return int(raw)

    def percent(section, key, default) -> Fraction:
        raw = get(section, key, str(default))
        try:
            value = Fraction(Decimal(raw))
        except (ArithmeticError, ValueError):
            raise _bad(section, key, raw, "a percentage", paths) from None
        if not 0 <= value <= 100:
            raise _bad(section, key, raw, "a percentage from 0 to 100", paths)
        return value

    def flag(section, key, default) -> bool:
        raw = get(section, key, "yes" if default else "no").lower()
        if raw not in ("yes", "no", "true", "false", "1", "0", "on", "off"):
            raise _bad(section, key, raw, "yes or no", paths)
        return raw in ("yes", "true", "1", "on")

    keys = ({k.lower(): v.strip() for k, v in parser.items("person_key") if v.strip()}
            if parser.has_section("person_key") else {})
    return Profile(
        min_persons=integer("checks", "min_persons", 10, 1),
        min_dof=integer("checks", "min_dof", 10, 0),
        nk_n=integer("checks", "nk_n", 2, 1),
        nk_k=percent("checks", "nk_k", 90),
        p_ratio=percent("checks", "p_ratio", 10),
        zeros_disclosive=flag("checks", "zeros_disclosive", True),
        block_minmax=flag("checks", "block_minmax", True),
        block_first_last=flag("checks", "block_first_last", True),
        round=flag("rounding", "round", False),
        count_base=integer("rounding", "count_base", 5, 1),
        money_base=integer("rounding", "money_base", 100, 1),
        money=tuple(get("rounding", "money", "").split()),
        person_keys=keys,
        evidence=flag("evidence", "write", False),
        evidence_folder=get("evidence", "folder", ""),
        files=tuple(str(p) for p in paths))


def _bad(section, key, raw, wanted, paths) -> StataSyntaxError:
    return StataSyntaxError(f"disclosure-control profile: [{section}] {key} = {raw!r} is not "
                            f"{wanted}", hint="profile files: " + ", ".join(map(str, paths)))


# --- rounding -------------------------------------------------------------------------


def round_half_away(value, base: int):
    """``value`` to the nearest multiple of ``base``, ties away from zero
    (12.5 -> 15, 7.5 -> 10, -12.5 -> -15 for base 5), in decimal
    arithmetic on the value's exact binary value; None stays None.  An
    int gives an int, anything else a float."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN: missing
        return value
    exact = Decimal(value) if not isinstance(value, Decimal) else value
    step = Decimal(int(base))
    # ROUND_HALF_UP in decimal is half away from zero
    rounded = (exact / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
    return int(rounded) if isinstance(value, int) else float(rounded)


def rounding_base(stat: str, source_name: str, profile: Profile) -> Optional[int]:
    """The base a passing statistic is rounded to (None: not rounded)."""
    if not profile.round:
        return None
    if stat == "count":
        return profile.count_base
    if stat not in NOT_MONEY_STATS and profile.is_money(source_name):
        return profile.money_base
    return None


# --- outcomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFigures:
    """A source variable's figures in one cell: ``persons`` with a
    nonmissing value, the ``total`` of their per-person totals, the largest
    (``top1``), second largest (``top2``), sum of the ``nk_n`` largest
    (``topn``), the largest absolute value (``absmax``) and the smallest
    value (``minimum``); None where no person has a value."""

    persons: int = 0
    total: Optional[float] = None
    top1: Optional[float] = None
    top2: Optional[float] = None
    topn: Optional[float] = None
    absmax: Optional[float] = None
    minimum: Optional[float] = None

    def as_dict(self) -> dict:
        return {"persons": self.persons, "total": self.total, "largest": self.top1,
                "second": self.top2, "top_n": self.topn, "largest_abs_value": self.absmax,
                "smallest_value": self.minimum}


@dataclass(frozen=True)
class Statistic:
    """One statistic of the result: its variable, statistic and source."""

    target: str
    stat: str
    source: str


def _exact(x) -> Fraction:
    return Fraction(x) if not isinstance(x, Fraction) else x


def dominated(f: SourceFigures, profile: Profile) -> bool:
    """N-K dominance: the ``nk_n`` largest persons' totals account for at
    least ``nk_k`` percent of the cell total (total > 0)."""
    if f.total is None or f.topn is None or f.total <= 0:
        return False
    return _exact(f.topn) * 100 >= profile.nk_k * _exact(f.total)


def p_ratio_fails(f: SourceFigures, profile: Profile) -> bool:
    """p-ratio: the total less the two largest is below ``p_ratio`` percent
    of the largest (a largest of 0 or less passes)."""
    if f.top1 is None or f.top1 <= 0 or f.total is None:
        return False
    rest = _exact(f.total) - _exact(f.top1) - _exact(f.top2 or 0)
    return rest * 100 < profile.p_ratio * _exact(f.top1)


def statistic_reason(stat: str, f: SourceFigures, profile: Profile) -> Optional[str]:
    """The first reason (``REASON_ORDER``) the statistic fails, or None."""
    if f.persons < profile.min_persons:
        return "n"
    if stat in MINMAX_STATS and profile.block_minmax:
        return "min/max"
    if stat in FIRST_LAST_STATS and profile.block_first_last:
        return "first/last"
    if stat in DOF_STATS and f.persons - 1 < profile.min_dof:
        return "dof"
    if stat not in COUNT_STATS and profile.zeros_disclosive and f.absmax == 0:
        return "zero"
    if stat in LINEAR_STATS:
        if f.minimum is not None and f.minimum < 0:
            return "negative"
        if dominated(f, profile):
            return "dominance"
        if p_ratio_fails(f, profile):
            return "p-ratio"
    return None


@dataclass
class Cell:
    """One row of the result: its by() values, distinct ``persons``, the
    figures of each source, and (after ``check``) each statistic's reason."""

    keys: tuple
    persons: int
    figures: dict  # source name -> SourceFigures
    reasons: dict = field(default_factory=dict)  # target -> reason or None

    @property
    def failed(self) -> bool:
        return any(r is not None for r in self.reasons.values())

    def outcome(self, profile: Profile) -> str:
        """"ok", or the first reason (``REASON_ORDER``) any statistic fails."""
        found = [r for r in self.reasons.values() if r is not None]
        if not found:
            return "ok"
        return profile.reason_text(min(found, key=REASON_ORDER.index))


@dataclass
class Check:
    """The outcome of checking a result: the cells, the statistics, the by()
    names, the profile, and the notes on margins (secondary suppression)."""

    cells: list
    statistics: list
    by: list
    profile: Profile
    margin_notes: list = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.cells)

    @property
    def suppressed(self) -> int:
        return sum(r is not None for c in self.cells for r in c.reasons.values())

    def locals(self) -> dict:
        """r(sdc_cells), r(sdc_failed), r(sdc_suppressed) for the bridge."""
        return {"leo_sdc_cells": len(self.cells), "leo_sdc_failed": self.failed,
                "leo_sdc_suppressed": self.suppressed}

    def report(self, limit: int = 10) -> list[str]:
        """The lines printed after the load: the counts, each reason with
        how many statistics it suppressed, the first failing cells, the
        margin notes."""
        p = self.profile
        lines = [f"sdc: {len(self.cells):,} cells checked; {self.failed:,} failed; "
                 f"{self.suppressed:,} statistics suppressed (set to .s)"]
        counts: dict = {}
        for c in self.cells:
            for r in c.reasons.values():
                if r is not None:
                    counts[r] = counts.get(r, 0) + 1
        for r in sorted(counts, key=REASON_ORDER.index):
            lines.append(f"  {p.reason_text(r):<11} {counts[r]:>7,}  {_REASON_WORDS[r](p)}")
        shown = [c for c in self.cells if c.failed][:limit]
        for c in shown:
            failing = ", ".join(f"{t} {p.reason_text(r)}" for t, r in c.reasons.items()
                                if r is not None)
            lines.append(f"  cell {self.cell_name(c)}: {c.persons:,} persons; {failing}")
        if self.failed > len(shown):
            lines.append(f"  ... and {self.failed - len(shown):,} more failing cells "
                         f"(variable {OUTCOME_VAR})")
        lines.extend(self.margin_notes[:limit])
        if len(self.margin_notes) > limit:
            lines.append(f"  ... and {len(self.margin_notes) - limit:,} more margin notes")
        if p.round:
            lines.append(f"sdc: passing counts rounded to the nearest {p.count_base}, money "
                         f"statistics to the nearest {p.money_base} (half away from zero)")
        lines.append("sdc: these checks are not a clearance: the output checker decides "
                     "(see help leoload, Disclosure control)")
        return lines

    def cell_name(self, cell: Cell) -> str:
        if not self.by:
            return "(all)"
        return "(" + ", ".join(f"{n}={_shown(v)}" for n, v in zip(self.by, cell.keys)) + ")"


_REASON_WORDS = {
    "n": lambda p: f"fewer than {p.min_persons} distinct persons",
    "min/max": lambda p: "min and max are one person's value (blocked)",
    "first/last": lambda p: "first and last are one person's value (blocked)",
    "dof": lambda p: f"fewer than {p.min_dof} degrees of freedom",
    "zero": lambda p: "every value in the cell is 0",
    "negative": lambda p: "a person's total is negative (dominance undefined)",
    "dominance": lambda p: f"the {p.nk_n} largest persons hold {_pct(p.nk_k)}% or more "
                           f"of the total",
    "p-ratio": lambda p: f"the rest is less than {_pct(p.p_ratio)}% of the largest",
}


def _pct(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else str(float(x))


def _shown(v) -> str:
    if v is None:
        return "."
    if isinstance(v, (bytes, str)):
        text = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
        return f'"{text}"'
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def check(cells: Iterable[Cell], statistics: Sequence[Statistic], by: Sequence[str],
          profile: Profile) -> Check:
    """Each cell's statistics judged (``Cell.reasons``), and the margins
    that could give a suppressed cell back flagged."""
    cells = list(cells)
    for c in cells:
        c.reasons = {s.target: statistic_reason(s.stat, c.figures.get(s.source, SourceFigures()),
                                                profile) for s in statistics}
    result = Check(cells, list(statistics), list(by), profile)
    result.margin_notes = margin_notes(result)
    return result


def margin_notes(result: Check) -> list[str]:
    """Secondary suppression, flagged only: for each additive statistic and
    each by() variable, a line of cells (the other by() values fixed) of at
    least two cells with exactly one suppressed: its margin (the line's
    total, from another output) less the others gives it back."""
    notes = []
    by = result.by
    if not by:
        return notes
    for s in result.statistics:
        if s.stat not in ADDITIVE_STATS:
            continue
        for d, name in enumerate(by):
            lines: dict = {}
            for c in result.cells:
                rest = c.keys[:d] + c.keys[d + 1:]
                lines.setdefault(rest, []).append(c)
            for rest, line in lines.items():
                hit = [c for c in line if c.reasons.get(s.target) is not None]
                if len(line) >= 2 and len(hit) == 1:
                    others = [n for i, n in enumerate(by) if i != d]
                    where = (" with " + ", ".join(f"{n}={_shown(v)}"
                                                  for n, v in zip(others, rest))
                             if others else "")
                    notes.append(f"note: sdc: {s.target} of cell {result.cell_name(hit[0])} is "
                                 f"the only one suppressed over {name}{where}: a total over "
                                 f"{name} published elsewhere gives it back; suppress another "
                                 "cell or ask your output checker")
    return notes


# --- evidence -------------------------------------------------------------------------


def evidence_record(result: Check, *, command: str, sql: str, figures_sql: str,
                    table: str, dialect: str, when: str) -> dict:
    """The evidence file's content: the command, the SQL, the profile, and per
    cell the by() values, distinct persons, each source's figures, each
    statistic's outcome."""
    p = result.profile
    cells = []
    for c in result.cells:
        cells.append({
            "by": {n: _plain(v) for n, v in zip(result.by, c.keys)},
            "persons": c.persons,
            "figures": {name: f.as_dict() for name, f in c.figures.items()},
            "outcome": c.outcome(p),
            "statistics": {t: ("ok" if r is None else p.reason_text(r))
                           for t, r in c.reasons.items()}})
    return {"leostata_sdc_evidence": 1, "created": when, "command": command, "table": table,
            "dialect": dialect, "sql": sql, "figures_sql": figures_sql,
            "statistics": [{"variable": s.target, "statistic": s.stat, "source": s.source}
                           for s in result.statistics],
            "profile": p.as_dict(),
            "summary": {"cells": len(result.cells), "failed": result.failed,
                        "suppressed": result.suppressed},
            "margin_notes": list(result.margin_notes), "cells": cells,
            "limits": "not a clearance: no check of differencing between outputs, of "
                      "regressions or of what other outputs reveal"}


def _plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, Decimal):
        return float(v)
    return v


def list_evidence(folder: str = "") -> list[dict]:
    """The evidence files in ``folder`` (default: the profile's evidence
    folder, else the current directory), oldest first: for each its path,
    when it was made, the command and the summary counts.  A file that is
    not leostata evidence is skipped."""
    where = Path(folder or load_profile().evidence_folder or os.getcwd())
    found = []
    for path in sorted(where.glob("leostata_sdc_*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or record.get("leostata_sdc_evidence") != 1:
            continue
        found.append({"path": str(path), "created": record.get("created", ""),
                      "command": record.get("command", ""), **record.get("summary", {})})
    return sorted(found, key=lambda r: (r["created"], r["path"]))


def evidence_target(path: Optional[str], replace_: bool) -> Optional[str]:
    """``evidence(filename)`` checked before anything runs: ".json" added to
    a name without an extension (as Stata adds one), a folder kept as a folder
    (the default name goes in it); r(603) for a folder that does not exist,
    r(602) for an existing file without ``replace``.  None and "" pass."""
    if not path:
        return path
    target = Path(path).expanduser()
    if target.is_dir():
        return str(target)
    if not target.suffix:
        target = target.with_suffix(".json")
    if not target.parent.is_dir():
        raise FileNotOpened(f"file {target} could not be opened",
                            hint=f"sdc(evidence()): folder {target.parent} does not exist")
    if target.exists() and not replace_:
        raise FileExists(f"file {target} already exists",
                         hint="sdc(evidence(filename, replace)) overwrites it")
    return str(target)


def write_evidence(record: dict, folder: str = "", name: str = "") -> Path:
    """Write ``record`` as JSON into ``folder`` (default: the current
    directory) under ``name`` (default ``leostata_sdc_<created>.json``);
    returns the path."""
    stamp = record.get("created", "").replace(":", "").replace("-", "")
    target = Path(folder or os.getcwd()) / (name or f"leostata_sdc_{stamp}.json")
    target.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    return target
