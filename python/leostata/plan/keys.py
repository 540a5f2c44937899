"""The part of ``merge()`` and ``cohort()`` they share: ``KEY [KEY ...] using
TABLE [if exp]`` -- the other table, the key pairs and the condition.

``other_table`` resolves the table after ``using``; ``key_pairs`` the keys,
each a name or ``left=right`` when the key is called differently in the
other table, checked as Stata matches keys (string with string, number with
number, no binary or time keys); ``using_condition`` types the ``if``.
Each caller says how its two sides are named in messages.
"""

from __future__ import annotations

import re

from ..catalog import ColumnInfo, TableInfo
from ..errors import (NotFound, StataSyntaxError, TypeMismatch, Untranslatable,
                      VariableTypeMismatch, located)
from .varlist import Names, stata_names

#: `` if `` ending the positional part of merge()/cohort() (``using T if exp``).
IF_WORD = re.compile(r"(?:^|\s)if(?=[\s(!~-]|$)")


def kind_word(col: ColumnInfo) -> str:
    return "string" if col.sql_type.is_string else "numeric"


def other_table(words: list, at: int, catalog, text: str, grammar: str) -> TableInfo:
    """The one table after ``using`` (``words[at]``) in ``catalog``."""
    if len(words) != at + 2:
        where = words[at + 2][1] if len(words) > at + 2 else words[at][1]
        raise located(StataSyntaxError, "one using table required", text, where, grammar)
    name, pos = words[at + 1]
    try:
        return catalog.table(name)
    except NotFound as exc:
        raise located(NotFound, exc.message, text, pos, exc.hint) from None


def key_pairs(words: list, left: TableInfo, right: TableInfo, text: str, *, option: str,
              pair: str, left_place: str, right_place: str, missing_hint: str,
              linked: bool) -> list[tuple[ColumnInfo, ColumnInfo]]:
    """``words`` (key words with their spans) as (left column, right
    column) pairs.  ``pair`` names the ``a=b`` form in messages
    (``master=using``), ``left_place``/``right_place`` the two sides, and
    ``missing_hint`` is the hint when the right table lacks the key.  With
    a ``link`` the two keys may differ in type (the lookups join them)."""
    left_lookup, right_lookup = Names(left), Names(right)
    left_names = stata_names(left)
    keys: list[tuple[ColumnInfo, ColumnInfo]] = []
    for word, pos in words:
        lword, eq, rword = word.partition("=")
        if not lword or (eq and not rword):
            raise located(StataSyntaxError, f"{word}: key must be a name or {pair}", text, pos)
        lcol = left_lookup.one(lword, text, pos)
        try:
            rcol = right_lookup.one(rword or lword, text, pos)
        except NotFound:
            raise located(NotFound, f"variable {rword or lword} not found in {right_place}", text,
                          pos, missing_hint) from None
        if any(lcol == k for k, _ in keys):
            raise located(StataSyntaxError, f"{word}: key named twice", text, pos)
        if lcol.sql_type.is_string != rcol.sql_type.is_string and not linked:
            raise located(VariableTypeMismatch,
                          f"key variable {left_names[lcol.name]} is {kind_word(lcol)} in "
                          f"{left_place} but {kind_word(rcol)} in {right_place}",
                          text, pos, "a string key cannot match a numeric one")
        check_key_type(lcol, text, pos, option)
        check_key_type(rcol, text, pos, option)
        keys.append((lcol, rcol))
    return keys


def using_condition(text: str, start: int, end: int, table: TableInfo, pos, option: str):
    """The typed ``if`` of ``text[start:end]`` on ``table``'s variables."""
    from ..expr.parser import parse
    from .check import check_expression
    if not text[start:end].strip():
        raise located(StataSyntaxError, "invalid syntax", text, pos,
                      f"{option}(... using table if exp): the condition is missing")
    where = check_expression(parse(text, start, end), table, text=text)
    if where.stype != "num":
        raise located(TypeMismatch, "type mismatch", text, (start, end),
                      "the if condition must be numeric (a string is neither true nor false)")
    return where


def check_key_type(col: ColumnInfo, text, pos, option: str = "merge()") -> None:
    """r(5104) for a key column whose values Stata could not match."""
    if col.sql_type.kind in ("binary", "unknown", "time"):
        raise located(Untranslatable, f"{option}: key {col.name} ({col.sql_type.raw}) cannot be "
                      "matched as Stata would match it", text, pos,
                      "keys must be numbers, dates or strings")
