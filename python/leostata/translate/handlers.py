"""The translated Stata functions: one handler per function, registered in
``base.HANDLERS`` by name (each must be a translated entry of
``leostata.functions``).

Takes the Translator, the call node and its checked arguments; returns a
``Num``, ``Str`` or predicate.  Constants are folded with ``fold`` (Stata's
rules in Python); everything else becomes SQL through the dialect's table.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import replace
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy import types as sat

from ..expr.nodes import Call
from .base import Translator, Utf8, _div, _int, _lit, function
from .fold import (DOUBLE_MAX, EPOCH, EXP_MAX, EXP_ZERO, PY_STR, SYSMISS, TD_MAX, TD_MIN, Ext,
                   date_part, mdy_days, py_mod, py_real, py_round, py_sign, py_substr)
from .predicates import FALSE, TRUE, Atom, Const, Pair, p_and, p_or
from .values import Num, Str


def _nums(tr: Translator, args) -> list:
    return [tr.num(a) for a in args]


def _operand(tr: Translator, s, byte: bool):
    """The SQL a string function works on: for a byte-counting function on a
    database that cuts UTF-8 bytes as binary (``utf8_bytes``: SQL Server
    2019+), the bytes; otherwise the text."""
    return tr.utf8(s) if byte and tr.has("utf8_bytes") else tr.s_sql(s)


@function("missing")
def _missing(tr: Translator, node: Call, args):
    parts = []
    for a in args:
        if a.stype == "str":
            parts.append(tr.is_empty(tr.str_(a)))
        else:
            parts.append(tr.missing(tr.num(a)))
    return p_or(*parts)


@function("inlist")
def _inlist(tr: Translator, node: Call, args):
    """``inlist(z, a, b, ...)``: Stata equality with each; a list of
    constants becomes one ``IN`` (NULL-safe: missing is tested apart)."""
    if args[0].stype == "str":
        z = tr.str_(args[0])
        items = [tr.str_(a) for a in args[1:]]
        if z.is_const or isinstance(z, Utf8) or not all(i.is_const for i in items):
            return p_or(*(tr.compare_str("==", z, i) for i in items))
        values = list(dict.fromkeys(i.const for i in items if i.const != ""))
        parts = [tr.is_empty(z)] if any(i.const == "" for i in items) else []
        if values:
            key = tr.str_key(tr.s_sql(z))
            if tr.has("str_key"):  # SQL Server: the padding fix on every value
                targets = [tr.sql("str_key", tr.str_bind(v), type_=sat.String()) for v in values]
            else:
                targets = tr.bind_list(values, sat.String() if all(v.isascii() for v in values)
                                       else sat.Unicode())
            parts.append(Atom(key.in_(targets), key.not_in(targets)))
        return p_or(*parts)
    z = tr.num(args[0])
    items = _nums(tr, args[1:])
    if z.is_const or z.pred is not None or not all(i.is_const for i in items):
        return p_or(*(tr.compare("==", z, i) for i in items))
    has_missing = any(isinstance(i.const, Ext) and i.const.rank == 0 for i in items)
    values = sorted({i.const for i in items if not isinstance(i.const, Ext)})
    if z.unit == "date":  # compare as dates; fractions and out-of-range values never match
        sql = z.sql
        days = [v for v in values if v == math.floor(v) and TD_MIN <= v <= TD_MAX]
        lst = tr.bind_list([EPOCH + _dt.timedelta(days=int(v)) for v in days], sat.Date()) \
            if days else None
    else:
        z = tr.as_number(z)
        sql = tr.n_sql(z)
        ints = all(v == math.floor(v) and abs(v) < 2 ** 53 for v in values)
        lst = tr.bind_list([int(v) if ints else v for v in values],
                           sat.BigInteger() if ints else sat.Float()) if values else None
    miss = tr.missing(z)
    found = Atom(sql.in_(lst)) if lst is not None else FALSE
    not_found = Atom(sql.not_in(lst)) if lst is not None else TRUE
    if has_missing:
        return Pair(p_or(found, miss), p_and(not_found, miss.negated()))
    return Pair(found, p_or(not_found, miss))


@function("inrange")
def _inrange(tr: Translator, node: Call, args):
    if args[0].stype == "str":
        z, a, b = (tr.str_(x) for x in args)
        low = p_or(tr.is_empty(a), tr.compare_str("<=", a, z))
        high = p_or(tr.is_empty(b), tr.compare_str("<=", z, b))
        return p_and(tr.is_empty(z).negated(), low, high)
    z, a, b = _nums(tr, args)
    low = p_or(tr.missing(a), tr.compare("<=", a, z))
    high = p_or(tr.missing(b), tr.compare("<=", z, b))
    return p_and(tr.missing(z).negated(), low, high)


@function("cond")
def _cond(tr: Translator, node: Call, args):
    """``cond(x, a, b[, c])``: a if x is true, b if false, c (else a) if x
    is missing."""
    x = tr.num(args[0])
    strings = node.stype == "str"
    branches = [tr.str_(a) if strings else tr.as_number(tr.num(a)) for a in args[1:]]
    if x.is_const:
        if isinstance(x.const, Ext):
            return branches[2] if len(branches) > 2 else branches[0]
        return branches[0] if x.const != 0 else branches[1]
    as_bytes = strings and any(isinstance(v, Utf8) for v in branches)
    sqls = [tr.utf8(v) if as_bytes else tr.s_sql(v) if strings else tr.n_sql(v)
            for v in branches]
    whens = []
    if len(branches) > 2 and tr.missing(x) != FALSE:
        whens.append((tr.missing(x).sql(), sqls[2]))
        x = replace(tr.as_number(x), nullable=False)  # missing is handled above
    whens.append((tr.truth(x).sql(), sqls[0]))
    sql = sa.case(*whens, else_=sqls[1])
    if as_bytes:
        return Utf8(sql=sql)
    if strings:
        return Str(sql=sql)
    return Num(sql=sql, nullable=any(v.nullable for v in branches),
               is_float=any(v.is_float for v in branches))


def _str_fn(key: str):
    def handler(tr: Translator, node: Call, args):
        s = tr.str_(args[0])
        if s.is_const and key in PY_STR:
            return Str(const=PY_STR[key](s.const))
        return Str(sql=tr.sql(key, tr.s_sql(s), type_=sat.String()))
    return handler


function("strlower")(_str_fn("lower_ascii"))
function("strupper")(_str_fn("upper_ascii"))
function("strtrim")(_str_fn("trim"))
function("strltrim")(_str_fn("ltrim"))
function("strrtrim")(_str_fn("rtrim"))


def _length(key: str, byte: bool):
    def handler(tr: Translator, node: Call, args):
        s = tr.str_(args[0])
        if s.is_const:
            return tr.const(float(len(s.const.encode("utf-8")) if byte else len(s.const)))
        return Num(sql=tr.sql(key, _operand(tr, s, byte), type_=sat.Integer()), nullable=False,
                   is_float=False)
    return handler


function("strlen")(_length("byte_length", True))
function("ustrlen")(_length("char_length", False))


def _position(key: str, byte: bool):
    def handler(tr: Translator, node: Call, args):
        if len(args) > 2:
            raise tr.refuse(node.name, "the starting-position argument is not translated",
                            node, anywhere=True)
        s1, s2 = tr.str_(args[0]), tr.str_(args[1])
        if s1.is_const and s2.is_const:
            a, b = (s1.const.encode(), s2.const.encode()) if byte else (s1.const, s2.const)
            return tr.const(float(a.find(b) + 1) if b else 0.0)
        if s2.is_const and s2.const == "":
            return tr.const(0.0)
        found = tr.sql(key, _operand(tr, s1, byte), _operand(tr, s2, byte), type_=sat.Integer())
        if s2.is_const:
            return Num(sql=found, nullable=False, is_float=False)
        empty = tr.is_empty(s2)
        return Num(sql=sa.case((empty.sql(), _int(0)), else_=found), nullable=False,
                   is_float=False)
    return handler


function("strpos")(_position("byte_pos", True))
function("ustrpos")(_position("char_pos", False))


def _substring(key: str, length_key: str, byte: bool):
    """``substr``/``usubstr(s, n1, n2)``: from position n1 (n1 < 0: from the
    end) for n2 bytes/characters (missing: to the end); outside the text, or
    n1 = 0, or n2 <= 0: ""."""
    def handler(tr: Translator, node: Call, args):
        s = tr.str_(args[0])
        n1, n2 = tr.num(args[1]), tr.num(args[2])
        if s.is_const and n1.is_const and n2.is_const:
            data = s.const.encode("utf-8") if byte else s.const
            part = py_substr(data, n1.const, n2.const)
            if byte:
                try:
                    return Str(const=part.decode("utf-8"))
                except UnicodeDecodeError:
                    raise tr.refuse(node.name, "the constant result is not valid UTF-8",
                                    node, anywhere=True) from None
            return Str(const=part)
        as_bytes = byte and tr.has("utf8_bytes")
        text = _operand(tr, s, byte)
        size = tr.sql(length_key, text, type_=sat.Integer())
        empty = Str(const="")
        conditions = []
        # where to start
        if n1.is_const:
            if isinstance(n1.const, Ext) or int(n1.const) == 0:
                return empty
            first = int(n1.const)
            if first >= 1:
                start = tr.bind(first, sat.Integer())
            else:  # counted from the end; before the beginning gives ""
                start = size - tr.bind(-first - 1, sat.Integer())
                conditions.append(size >= tr.bind(-first, sat.Integer()))
        else:
            a = tr.sql("trunc", tr.double(tr.as_number(n1)), type_=sat.Float())
            start = sa.case((a >= _int(1), a), (a <= _int(-1), size + a + _int(1)))
            conditions.extend([start >= _int(1), start <= size])
            start = sa.cast(start, sat.Integer())
        # how much
        if n2.is_const:
            if isinstance(n2.const, Ext):
                length = size
            elif int(n2.const) <= 0:
                return empty
            else:
                length = tr.bind(int(n2.const), sat.Integer())
        else:
            b = tr.as_number(n2)
            b_sql = tr.sql("trunc", tr.double(b), type_=sat.Float())
            length = sa.case((b_sql.is_(None), size), else_=b_sql) if b.nullable else b_sql
            conditions.append(length > _int(0))
            length = sa.cast(length, sat.Integer())
        if as_bytes:
            piece = tr.sql(key, text, start, length, type_=sat.LargeBinary())
            if conditions:
                piece = sa.case((sa.and_(*conditions), piece),
                                else_=tr.sql("bytes_empty", type_=sat.LargeBinary()))
            return Utf8(sql=piece, origin=node.name)
        piece = tr.sql(key, text, start, length, type_=sat.String())
        if not conditions:
            return Str(sql=piece)
        return Str(sql=sa.case((sa.and_(*conditions), piece), else_=_lit("''", sat.String())))
    return handler


function("substr")(_substring("byte_substr", "byte_length", True))
function("usubstr")(_substring("char_substr", "char_length", False))


@function("strmatch")
def _strmatch(tr: Translator, node: Call, args):
    s, pattern = tr.str_(args[0]), tr.str_(args[1])
    if s.is_const and pattern.is_const:
        import re
        rx = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch)
                     for ch in pattern.const)
        return Const(re.fullmatch(rx, s.const, re.DOTALL) is not None)
    value = tr.s_sql(s)
    if tr.spec.strmatch == "glob":
        pat = (tr.str_bind(pattern.const.replace("[", "[[]")) if pattern.is_const else
               tr.sql("replace", tr.s_sql(pattern), type_=sat.String(), old="[", new="[[]"))
        glob = value.op("GLOB", is_comparison=True)
        return Atom(glob(pat), sa.not_(glob(pat)))
    escape = "!"
    if pattern.is_const:
        text = pattern.const
        for ch in "!%_" + ("[" if tr.spec.like_brackets else ""):
            text = text.replace(ch, escape + ch)
        pat = tr.str_bind(text.replace("*", "%").replace("?", "_"))
    else:
        pat = tr.s_sql(pattern)
        for old, new in [("!", "!!"), ("%", "!%"), ("_", "!_")] + (
                [("[", "![")] if tr.spec.like_brackets else []) + [("*", "%"), ("?", "_")]:
            pat = tr.sql("replace", pat, type_=sat.String(), old=old, new=new)
    key = tr.str_key(value)
    pat = tr.str_key(pat, collate=tr.spec.collate_both and not pattern.is_const)
    return Atom(key.like(pat, escape=escape), key.not_like(pat, escape=escape))


@function("real")
def _real(tr: Translator, node: Call, args):
    s = tr.str_(args[0])
    if s.is_const:
        return tr.const(py_real(s.const))
    return Num(sql=tr.sql("real", tr.s_sql(s), type_=sat.Float(), max=repr(DOUBLE_MAX)),
               nullable=True)


def _date_part(part: str):
    def handler(tr: Translator, node: Call, args):
        v = tr.num(args[0])
        if v.is_const:
            return tr.const(date_part(part, v.const))
        if v.unit == "date":
            miss = tr.missing(v)
            value = tr.sql(f"{part}_of_date", v.sql, type_=sat.Integer())
            return Num(sql=sa.case((miss.negated().sql(), value)), nullable=True,
                       is_float=False)
        n = tr.as_number(v)
        x = tr.n_sql(n)
        day = tr.sql("floor", tr.double(n), type_=sat.Float())
        date = tr.sql("date_from_days", sa.cast(day, sat.Integer()), type_=sat.Date())
        value = tr.sql(f"{part}_of_date", date, type_=sat.Integer())
        guard = sa.and_(x >= _int(TD_MIN), x < _int(TD_MAX + 1))
        return Num(sql=sa.case((guard, value)), nullable=True, is_float=False)
    return handler


function("year")(_date_part("year"))
function("month")(_date_part("month"))
function("day")(_date_part("day"))
function("dow")(_date_part("dow"))
function("doy")(_date_part("doy"))
function("week")(_date_part("week"))
function("quarter")(_date_part("quarter"))
function("halfyear")(_date_part("halfyear"))


@function("mdy")
def _mdy(tr: Translator, node: Call, args):
    """``mdy(M, D, Y)``: the %td day, missing unless M, D, Y are integers
    naming a real date in 0100-9999 (``DATEFROMPARTS``/``MAKE_DATE`` would
    raise; checks on constant arguments are made here, not in SQL)."""
    m, d, y = (tr.as_number(v) for v in _nums(tr, args))
    if m.is_const and d.is_const and y.is_const:
        return tr.const(mdy_days(m.const, d.const, y.const))
    for v, low, high in ((m, 1, 12), (d, 1, 31), (y, 100, 9999)):
        if v.is_const and (isinstance(v.const, Ext) or v.const != math.floor(v.const)
                           or not low <= v.const <= high):
            return tr.const(SYSMISS)
    M, D, Y = (tr.double(v) for v in (m, d, y))
    checks = []
    for v, x, low, high in ((m, M, 1, 12), (d, D, 1, 31), (y, Y, 100, 9999)):
        if not v.is_const:
            checks += [x == tr.sql("floor", x, type_=sat.Float()), x >= _int(low),
                       x <= _int(high)]

    def divisible(n: int):
        if y.is_const:
            return y.const % n == 0
        return Y - _int(n) * tr.sql("floor", _div(Y, _lit(f"{n}.0", sat.Float())),
                                    type_=sat.Float()) == _int(0)

    if y.is_const:
        leap = divisible(4) and (not divisible(100) or divisible(400))
        february = _int(29 if leap else 28)
    else:
        february = sa.case((sa.and_(divisible(4), sa.or_(sa.not_(divisible(100)),
                                                         divisible(400))), _int(29)),
                           else_=_int(28))
    if m.is_const:
        month = int(m.const)
        month_days = february if month == 2 else _int(30 if month in (4, 6, 9, 11) else 31)
    else:
        month_days = sa.case((M == _int(2), february),
                             (M.in_([_int(4), _int(6), _int(9), _int(11)]), _int(30)),
                             else_=_int(31))
    if not (d.is_const and d.const <= 28):
        checks.append(D <= month_days)
    parts = [tr.bind(int(v.const), sat.Integer()) if v.is_const else sa.cast(x, sat.Integer())
             for v, x in ((y, Y), (m, M), (d, D))]
    days = tr.sql("days_from_date", tr.sql("make_date", *parts, type_=sat.Date()),
                  type_=sat.Integer())
    return Num(sql=sa.case((sa.and_(*checks), days)), nullable=True, is_float=False)


@function("dofc")
def _dofc(tr: Translator, node: Call, args):
    v = tr.num(args[0])
    if v.is_const:
        return tr.const(SYSMISS if isinstance(v.const, Ext) else math.floor(v.const / 86_400_000))
    x = tr.double(v)
    return Num(sql=tr.sql("floor", _div(x, _lit("86400000.0", sat.Float())), type_=sat.Float()),
               nullable=tr.as_number(v).nullable)


def _math(key: str, py: Callable, domain: Optional[Callable] = None):
    """A one-argument numeric function; ``domain(x_sql)`` is the condition
    under which SQL may evaluate it (elsewhere: missing)."""
    def handler(tr: Translator, node: Call, args):
        v = tr.as_number(tr.num(args[0]))
        if v.is_const:
            if isinstance(v.const, Ext):
                return tr.const(SYSMISS)
            try:
                return tr.const(py(v.const))
            except (ValueError, OverflowError):
                return tr.const(SYSMISS)
        x = tr.double(v) if key not in ("abs",) or v.is_float else tr.n_sql(v)
        sql = tr.sql(key, x, type_=sat.Float())
        if domain is not None:
            return Num(sql=domain(tr, x, sql), nullable=True)
        return Num(sql=sql, nullable=v.nullable, is_float=True)
    return handler


function("int")(_math("trunc", math.trunc))
function("floor")(_math("floor", math.floor))
function("ceil")(_math("ceil", math.ceil))
function("abs")(_math("abs", abs))
function("sqrt")(_math("sqrt", lambda x: math.sqrt(x) if x >= 0 else SYSMISS,
                       lambda tr, x, sql: sa.case((x >= _int(0), sql))))
function("ln")(_math("ln", lambda x: math.log(x) if x > 0 else SYSMISS,
                     lambda tr, x, sql: sa.case((x > _int(0), sql))))
function("log10")(_math("log10", lambda x: math.log10(x) if x > 0 else SYSMISS,
                        lambda tr, x, sql: sa.case((x > _int(0), sql))))
function("exp")(_math("exp", lambda x: math.exp(x) if x <= EXP_MAX else SYSMISS,
                      lambda tr, x, sql: sa.case((x > _lit(repr(EXP_MAX), sat.Float()), sa.null()),
                                                 (x < _lit(repr(EXP_ZERO), sat.Float()),
                                                  _lit("0.0", sat.Float())),
                                                 else_=sql)))


@function("mod")
def _mod(tr: Translator, node: Call, args):
    """``mod(x, y)`` = ``x - y*floor(x/y)`` in double; missing when y is 0
    (``NULLIF``) or either is missing (NULL)."""
    x, y = (tr.as_number(v) for v in _nums(tr, args))
    if x.is_const and y.is_const:
        return tr.const(py_mod(x.const, y.const))
    if any(v.is_const and (isinstance(v.const, Ext) or v is y and v.const == 0) for v in (x, y)):
        return tr.const(SYSMISS)
    xs, ys = tr.double(x), tr.double(y)
    divisor = ys if y.is_const else tr.sql("nullif_zero", ys, type_=sat.Float())
    quotient = tr.sql("floor", _div(xs, divisor), type_=sat.Float())
    return Num(sql=xs - ys * quotient, nullable=x.nullable or not y.is_const)


@function("sign")
def _sign(tr: Translator, node: Call, args):
    v = tr.as_number(tr.num(args[0]))
    if v.is_const:
        return tr.const(py_sign(v.const))
    return Num(sql=tr.sql("sign", tr.n_sql(v), type_=sat.Integer()), nullable=v.nullable,
               is_float=False)


@function("round")
def _round(tr: Translator, node: Call, args):
    vals = [tr.as_number(v) for v in _nums(tr, args)]
    x = vals[0]
    y = vals[1] if len(vals) > 1 else tr.const(1.0)
    if x.is_const and y.is_const:
        return tr.const(py_round(x.const, y.const))
    if y.is_const and isinstance(y.const, Ext):
        return tr.const(SYSMISS)
    if y.is_const and y.const == 0:
        return x
    half = _lit("0.5", sat.Float())
    if y.is_const and y.const == 1:
        return Num(sql=tr.sql("floor", tr.double(x) + half, type_=sat.Float()),
                   nullable=x.nullable)
    xs, ys = tr.double(x), tr.double(y)
    rounded = ys * tr.sql("floor", _div(xs, ys) + half, type_=sat.Float())
    if y.is_const:
        return Num(sql=rounded, nullable=x.nullable)
    return Num(sql=sa.case((ys == _int(0), xs), else_=rounded), nullable=True)


def _extreme(key: str, pick: Callable):
    def handler(tr: Translator, node: Call, args):
        vals = [tr.as_number(v) for v in _nums(tr, args)]
        consts = [v.const for v in vals if v.is_const and not isinstance(v.const, Ext)]
        rest = [v for v in vals if not v.is_const]
        if not rest:
            return tr.const(pick(consts) if consts else SYSMISS)
        items = rest + ([tr.const(pick(consts))] if consts else [])
        if len(items) == 1:
            return items[0]
        sqls = [tr.n_sql(v) for v in items]
        return Num(sql=tr.sql(key, *sqls, type_=sat.Float()),
                   nullable=all(v.nullable for v in items),
                   is_float=all(v.is_float for v in items))
    return handler


function("min")(_extreme("least", min))
function("max")(_extreme("greatest", max))
