"""A reference implementation of Stata's ``collapse`` (unweighted), written
from the documentation and from the algorithm collapse.ado follows
(shared/research/stata.md §4.1), independently of leostata's own code.

It works on plain Python rows as Stata holds them in memory: numbers (int or
float), ``None`` for a numeric missing value, strings with ``""`` as the
missing string.  It follows Stata step by step -- running sums in data
order, two-pass standard deviation, the percentile rule with its 1e-6
tolerance evaluated in floating point exactly as ``_p`` does -- and then
stores each result in its Stata storage type (a ``float`` result is rounded
to single precision, as ``generate float`` would).

    collapse(rows, items, by=[...], cw=False, order=None, types={...},
             string_vars={...}) -> list of dicts, sorted as Stata leaves them

``items``: ``(stat, target, source)`` with stat as typed (``median``,
``p25``, ``sem``...).  ``types``: the Stata storage type of every clist
source (``byte int long float double``), which decides the result types.
Raises ``NoObservations`` when nothing is left (Stata's r(2000)).
"""

from __future__ import annotations

import math
from typing import Iterable, Optional

import numpy as np


class NoObservations(Exception):
    """Stata's ``no observations``, r(2000)."""


class InvalidStatistic(Exception):
    """Stata's ``(stat) invalid statistic``, r(198)."""


def canonical(stat: str) -> str:
    """``median`` -> ``p50``; ``sem`` -> ``semean``; p# checked; others as is."""
    full = {"mean", "sd", "sum", "rawsum", "count", "max", "min", "iqr", "first",
            "firstnm", "last", "lastnm", "percent"}
    if stat == "median":
        return "p50"
    if stat in full:
        return stat
    for name in ("semean", "sebinomial", "sepoisson"):
        if len(stat) >= 3 and name.startswith(stat):
            return name
    if stat.startswith("p") and stat[1:].isdigit() and 1 <= int(stat[1:]) <= 99:
        return f"p{int(stat[1:])}"
    raise InvalidStatistic(f"({stat}) invalid statistic")


def label_of(stat: str, source: str) -> str:
    """collapse's variable label: percentiles as ``(p 50) x``."""
    c = canonical(stat)
    if c.startswith("p") and c[1:].isdigit():
        digits = "50" if stat == "median" else stat[1:]
        return f"(p {digits}) {source}"
    return f"({c}) {source}"


def result_type(stat: str, source_type: str) -> str:
    c = canonical(stat)
    if c in ("sum", "rawsum", "percent"):
        return "double"
    if c == "count":
        return "long"
    if c in ("min", "max", "first", "last", "firstnm", "lastnm"):
        return source_type
    return "double" if source_type in ("double", "long") else "float"


def store(value, stata_type: str):
    """The value a Stata variable of ``stata_type`` holds after assignment."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if stata_type == "float":
        return float(np.float32(value))
    if stata_type in ("byte", "int", "long"):
        return int(value)
    return float(value) if not isinstance(value, int) else value


# --- sorting as Stata sorts -----------------------------------------------------


def sort_key(value, is_string: bool):
    """Stata's ascending order: numbers with missing last; strings by their
    UTF-8 bytes (so "" first)."""
    if is_string:
        return (value or "").encode("utf-8")
    return (1, 0.0) if value is None else (0, value)


# --- statistics (one group's values, in data order) ------------------------------------


def _nonmissing(xs):
    return [x for x in xs if x is not None]


def _running_sum(xs) -> float:
    total = 0.0
    for x in xs:
        total += float(x)
    return total


def mean(xs) -> Optional[float]:
    v = _nonmissing(xs)
    return _running_sum(v) / len(v) if v else None


def _ss(xs):
    v = _nonmissing(xs)
    if not v:
        return None, 0
    m = _running_sum(v) / len(v)
    return _running_sum((x - m) ** 2 for x in v), len(v)


def sd(xs) -> Optional[float]:
    ss, n = _ss(xs)
    if ss is None or n - 1 == 0:
        return None
    return math.sqrt(ss / (n - 1))


def semean(xs) -> Optional[float]:
    ss, n = _ss(xs)
    if ss is None or n - 1 == 0:
        return None
    return (1 / math.sqrt(n)) * math.sqrt(ss / (n - 1))


def sebinomial(xs) -> Optional[float]:
    v = _nonmissing(xs)
    if not v or any(x not in (0, 1) for x in v):
        return None
    m = _running_sum(v) / len(v)
    return math.sqrt((m * (1 - m)) / len(v))


def sepoisson(xs) -> Optional[float]:
    v = _nonmissing(xs)
    if not v or any(x < 0 for x in v):
        return None
    m = _running_sum(v) / len(v)
    k = float(int(m * len(v) + 0.5))
    return math.sqrt(k) / len(v)


def percentile(xs, p: int) -> Optional[float]:
    """collapse's ``_p``: sorted nonmissing x_1..x_n, g = n*p/100; i is the
    first index with i - g > 1e-6; x_i if g - (i-1) > 1e-6, else the mean of
    x_{i-1} and x_i."""
    v = sorted(_nonmissing(xs))
    n = len(v)
    if n == 0:
        return None
    g = n * p / 100
    i = next(k for k in range(1, n + 1) if k - g > 1e-6)
    if i == 1 or g - (i - 1) > 1e-6:  # n[0] is missing: "g - . > 1e-6" is true
        return float(v[i - 1])
    return (float(v[i - 2]) + float(v[i - 1])) / 2


# --- collapse ------------------------------------------------------------------------


def collapse(rows: list[dict], items: Iterable[tuple], by: Iterable[str] = (), *,
             cw: bool = False, order: Optional[list[str]] = None,
             types: Optional[dict] = None, string_vars: Iterable[str] = ()) -> list[dict]:
    """Stata's ``collapse`` of ``rows`` (see the module docstring)."""
    items = [(canonical(s), s, t, src) for s, t, src in items]
    by = list(dict.fromkeys(by))
    types = types or {}
    strings = set(string_vars)
    sources = list(dict.fromkeys(src for *_, src in items))
    data = [dict(r) for r in rows]
    for r in data:
        for s in strings:
            if s in r and r[s] is None:
                r[s] = ""
    if cw:
        data = [r for r in data if all(r[s] is not None for s in sources)]
    if not data:
        raise NoObservations("no observations")
    if order:  # the data in memory are in this order (stable)
        data.sort(key=lambda r: tuple(sort_key(r[o], o in strings) for o in order))
    groups: dict[tuple, list[dict]] = {}
    for r in data:
        groups.setdefault(tuple(r[b] for b in by), []).append(r)
    totals = {s: sum(r[s] is not None for r in data) for s in sources}
    out = []
    for key in sorted(groups, key=lambda k: tuple(sort_key(v, b in strings)
                                                   for v, b in zip(k, by))):
        members = groups[key]
        row = dict(zip(by, key))
        for stat, typed, target, source in items:
            xs = [r[source] for r in members]
            ty = result_type(stat, types.get(source, "double"))
            row[target] = store(_one(stat, xs, totals[source], ty), ty)
        out.append(row)
    return out


def _one(stat: str, xs: list, total: int, ty: str):
    v = _nonmissing(xs)
    if stat == "mean":
        return mean(xs)
    if stat == "sd":
        return sd(xs)
    if stat == "semean":
        return semean(xs)
    if stat == "sebinomial":
        return sebinomial(xs)
    if stat == "sepoisson":
        return sepoisson(xs)
    if stat in ("sum", "rawsum"):
        return _running_sum(v)
    if stat == "count":
        return len(v)
    if stat == "percent":
        return (len(v) / total) * 100 if total else None
    if stat == "min":
        return min(v) if v else None
    if stat == "max":
        return max(v) if v else None
    if stat.startswith("p") and stat[1:].isdigit():
        return percentile(xs, int(stat[1:]))
    if stat == "iqr":
        p75, p25 = store(percentile(xs, 75), ty), store(percentile(xs, 25), ty)
        return None if p75 is None or p25 is None else p75 - p25
    if stat == "first":
        return xs[0]
    if stat == "last":
        return xs[-1]
    if stat == "firstnm":
        return v[0] if v else None
    if stat == "lastnm":
        return v[-1] if v else None
    raise InvalidStatistic(stat)
