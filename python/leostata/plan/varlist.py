"""Variable names as Stata resolves them: exact names, unique
abbreviations, wildcards (``*``, ``?``, ``~``), ranges (``a-b``) and
``_all``; the reserved ``_`` names refused as Stata does.

Takes varlist tokens and a table; returns its ``ColumnInfo``s in order, or
raises NotFound r(111) / StataSyntaxError r(198) with a caret.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ..catalog import ColumnInfo, TableInfo, suggest
from ..errors import NotFound, StataSyntaxError, located


def stata_names(table: TableInfo) -> dict[str, str]:
    """SQL column name -> the Stata name a load gives it."""
    from ..stata_types import stata_names as _names
    cols = [c.name for c in table.columns]
    return dict(zip(cols, _names(cols)))


class Names:
    """A table's columns by Stata name, in table order."""

    def __init__(self, table: TableInfo):
        mapping = stata_names(table)
        self.columns = list(table.columns)
        self.names = [mapping[c.name] for c in self.columns]

    def one(self, name: str, text=None, pos=None) -> ColumnInfo:
        """Exact name, else the unique abbreviation (Stata's varabbrev)."""
        if name in self.names:
            return self.columns[self.names.index(name)]
        hits = [i for i, n in enumerate(self.names) if n.startswith(name)]
        if len(hits) == 1:
            return self.columns[hits[0]]
        if len(hits) > 1:
            shown = " ".join(self.names[i] for i in hits[:6])
            raise located(NotFound, f"{name} ambiguous abbreviation", text, pos,
                         f"it abbreviates {shown}{' ...' if len(hits) > 6 else ''}")
        close = suggest(name, self.names)
        raise located(NotFound, f"variable {name} not found", text, pos,
                     f"did you mean {close}?" if close else None)


#: Stata's system variables and the other reserved names that start with ``_``
#: [S16:_/_variables.sthlp, r/reswords.sthlp] -> what the name is, for messages.
#: No column can have one of these names (``stata_types`` renames ``_n`` to ``_n_``).
SYSTEM_NAMES = {
    "_n": "_n is Stata's observation number, not a variable",
    "_N": "_N is Stata's number of observations, not a variable",
    "_b": "_b[] holds the coefficients of the last estimation, not a variable",
    "_coef": "_coef[] holds the coefficients of the last estimation, not a variable",
    "_se": "_se[] holds the standard errors of the last estimation, not a variable",
    "_cons": "_cons is Stata's name for the constant term, not a variable",
    "_pi": "_pi is the number pi, not a variable",
    "_rc": "_rc is the return code of the last capture, not a variable",
    "_pred": "_pred is a name Stata reserves; no variable can have it",
    "_skip": "_skip is a name Stata reserves; no variable can have it",
    "_all": "_all means all variables in a varlist; it is not one variable",
}


#: How the system variables that have a value in an expression are refused there:
#: (what it is, how to do without it).  ``_pi`` and ``_cons`` are constants and are
#: kept (help _variables: "_cons is always equal to the number 1 when used directly";
#: "_pi contains the value of pi to machine precision").
NOT_PUSHED_DOWN = {
    "_n": ("_n (the observation number)",
           "rows in a SQL table have no order, so they have no observation numbers; "
           "select observations by number with in #/# (with sort()), or load first "
           "and use _n in Stata"),
    "_N": ("_N (the number of observations)",
           "run leoload with the count option first and use r(N), or load first and "
           "use _N in Stata"),
    "_rc": ("_rc (the return code of Stata's last capture)",
            "copy it into a local first (local rc = _rc) and write `rc' instead"),
    "_b": ("_b[] (the results of the last estimation)",
           "store the value first (local b = _b[x]) and write `b' instead"),
    "_coef": ("_coef[] (the results of the last estimation)",
              "store the value first (local b = _coef[x]) and write `b' instead"),
    "_se": ("_se[] (the results of the last estimation)",
            "store the value first (local se = _se[x]) and write `se' instead"),
}


def not_a_variable(name: str, names: Names, text, pos, where: str = "") -> Exception:
    """r(198) "_n not allowed" for a reserved ``_`` name used as a variable."""
    hint = SYSTEM_NAMES[name]
    if name + "_" in names.names:
        hint += f"; the table's column {name} is loaded as {name}_"
    return located(StataSyntaxError, f"{name} not allowed{where}", text, pos, hint)


def _token_and_pos(token) -> tuple[str, Optional[tuple[int, int]]]:
    if isinstance(token, str):
        return token, None
    return token[0], tuple(token[1]) if token[1] is not None else None


def _split_varlist(tokens) -> list:
    """Normalise a varlist: strings or (token, pos) pairs; a spaced range
    ``a - b`` (three tokens) becomes one ``a-b`` token."""
    items = [_token_and_pos(t) for t in tokens]
    out: list = []
    i = 0
    while i < len(items):
        tok, pos = items[i]
        if tok == "-" and out and i + 1 < len(items):
            first, fpos = out.pop()
            last, lpos = items[i + 1]
            span = (fpos[0], lpos[1]) if fpos and lpos else None
            out.append((f"{first}-{last}", span))
            i += 2
            continue
        out.append((tok, pos))
        i += 1
    return out


def resolve_varlist(tokens: Iterable, table: TableInfo, *, text: Optional[str] = None
                    ) -> list[ColumnInfo]:
    """Stata varlist tokens -> the table's columns, in the order given.

    ``tokens``: strings or ``(token, (start, end))`` pairs (``VarToken``).
    Each token is a name (exact, or a unique abbreviation), a pattern with
    ``*`` (any characters), ``?`` (one character) or ``~`` (like ``*`` but
    only one variable may match), or a range ``a-b`` (the columns from a to
    b in table order).  ``_all`` means every column.  A column named twice is
    kept once, at its first place.  Raises NotFound r(111) ("variable X not
    found" with a did-you-mean; "X ambiguous abbreviation") and StataSyntaxError
    r(198) for a range written backwards and for Stata's other reserved ``_``
    names ("_n not allowed": ``_n``, ``_N``, ``_b``, ``_cons``, ``_pi`` ... are
    never variables, so they are not read as abbreviations either).
    """
    names = Names(table)
    out: list[ColumnInfo] = []
    for token, pos in _split_varlist(tokens):
        for col in resolve_token(token, pos, names, text):
            if col not in out:
                out.append(col)
    return out


def resolve_token(token: str, pos, names: Names, text) -> list[ColumnInfo]:
    if token == "_all":  # help varlist: "the keyword _all to mean all variables"
        return list(names.columns)
    if token in SYSTEM_NAMES:
        raise not_a_variable(token, names, text, pos)
    if "-" in token:
        first, last = token.split("-", 1)
        if any(ch in first + last for ch in "*?~"):
            raise located(StataSyntaxError, f"{token}: wildcards are not allowed in a range",
                         text, pos)
        for end in (first, last):
            if end in SYSTEM_NAMES:
                raise not_a_variable(end, names, text, pos, " in a range")
        a, b = names.one(first, text, pos), names.one(last, text, pos)
        ia, ib = names.columns.index(a), names.columns.index(b)
        if ia > ib:
            raise located(StataSyntaxError, f"{token}: invalid range (variables out of order)",
                         text, pos, f"{first} comes after {last} in the table")
        return names.columns[ia:ib + 1]
    if any(ch in token for ch in "*?~"):
        pattern = re.compile("".join(
            ".*" if ch in "*~" else "." if ch == "?" else re.escape(ch) for ch in token),
            re.DOTALL)
        hits = [c for c, n in zip(names.columns, names.names) if pattern.fullmatch(n)]
        if not hits:
            raise located(NotFound, f"variable {token} not found", text, pos)
        if "~" in token and len(hits) > 1:
            raise located(NotFound, f"{token} ambiguous abbreviation", text, pos)
        return hits
    return [names.one(token, text, pos)]
