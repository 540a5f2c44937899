"""Typed Stata expression -> SQLAlchemy Core, with Stata's semantics.

Takes a tree checked by ``plan.check_expression`` (every node typed, every
name resolved) and returns SQLAlchemy column elements: ``predicate(node)``
for a WHERE clause, ``value(node)`` for a value.  What differs between
databases is data: each dialect module (``mssql``, ``postgresql``,
``sqlite``, ``duckdb``) gives a ``DialectSpec`` - its SQL table (compiled
through ``constructs.Sql``), the Stata functions it cannot run faithfully
(``unsupported``) and a few flags.  ``FUNCTIONS`` below is the one table of
translated Stata functions; ``UNSUPPORTED`` lists the Stata functions no
database gets.

Stata-vs-SQL gaps every dialect handles here (golden tests pin each one):

* Numeric missing ``.`` is SQL NULL and is *larger than every number*:
  ``x > 5``, ``x >= 5`` and ``x != 5`` are true for missing x, ``. == .`` is
  true, ``x < .`` means "x is not missing".  Every comparison is rewritten
  so that SQL's NULL gives Stata's answer.
* Truth values are never NULL.  Predicates are built in negation normal form
  ("null means false" at every leaf, negation pushed to the leaves with
  Stata's complement of each comparison), so ``!``, ``&``, ``|``, ``cond()``
  and a bare ``if x`` (true for missing x) all come out as Stata says.
* String missing is ``""``: a NULL string is read as ``''`` everywhere
  (comparisons, ``+``, functions).
* String comparison is case-sensitive and byte-ordered, and trailing spaces
  count (``"a" != "a "``): each dialect compares under a binary collation
  (plus SQL Server's padding fix).
* ``/`` is floating division and ``x/0`` is missing; ``+ - *`` compute in
  double precision (integer columns are cast), as Stata does.
* Domain errors give missing, never an error: ``sqrt(-1)``, ``ln(0)``,
  ``exp(1000)``, ``(-8)^(1/3)``, ``mdy(2, 30, 2020)``, ``real("abc")``.
* Dates are Stata %td numbers (days since 01jan1960; outside 01jan0100 to
  31dec9999 missing, as a load gives them).  A date column compared with a
  constant is compared as a date (so an index can still be used); anywhere
  else it becomes its day number.  Datetimes are %tc milliseconds.
* Literal arithmetic is folded in Python with Stata's rules, so
  ``td(01jan2020) + 30`` is one constant.

Decisions where Stata's documentation is silent (marked UNVERIFIED; the
cert do-files in stata/cert check them in a licensed Stata):

* ``round(x, y)`` = ``y * floor(x/y + 0.5)`` (ties go up: round(-2.5) = -2).
* ``strpos(s, "")`` = 0; ``substr()``/``usubstr()`` with a non-integer
  position or length use its integer part; position 0 gives "".
* ``real()`` accepts optional spaces around ``[+-]digits[.digits][e[+-]digits]``
  and nothing else (no hexadecimal, no "inf"); values beyond Stata's
  largest double are missing.
* ``year()``/``month()``/``day()`` of a fractional day number use its floor.

Known gaps on every database (documented, not closed): a float overflow in
arithmetic (``1e300 * 1e300``) gives an error (SQL Server, PostgreSQL) or
infinity (DuckDB, SQLite) where Stata gives missing - so on DuckDB and
SQLite a comparison with such a result can keep a wrong row (only for
magnitudes beyond 8.9e307); a ``bigint`` column holding values beyond 2^53
loads as a string (``stata_types``) but is compared as a number here (and
SQLite compares it exactly where the others compare doubles); with a key
that is not unique, ``in`` counts ties in the database's order.  (``in f/l``
outside 1.._N is refused with r(198) before any SQL runs: ``commands``.)

Extended missing values ``.a``-``.z`` are supported as literals compared
with an expression and in ``missing()`` (data from SQL only ever holds
``.``); anywhere else they are refused.

``sample(#, seed(#))`` keeps a person when a hash of the person key is below
``# * M / 100`` (``M = 2^31 - 1``, prime).  The hash is integer arithmetic
every database evaluates identically (BIGINT, all products below 2^63; no
TABLESAMPLE, NEWID or collation-dependent CHECKSUM):

* the key as a number ``r`` in 0..M-1: an integer key modulo M; a string key
  as ``sum(code point of character i * 65599^i mod M) mod M`` over its first
  32 characters (``UNICODE``/``ASCII`` of ``SUBSTRING(key, i, 1)``, 0 past
  the end); a missing key is 0;
* ``h = (r * 48271 + S1) mod M`` and
  ``u = (((h * h + S2) mod M) * 69621 + h) mod M``, where
  ``S1 = (seed * 16807 + 12345) mod M`` and ``S2 = (seed * 48271 + 67890) mod M``.

All rows of a person share the key, so a person is kept whole; the same seed
keeps the same persons on every run and every database (``sample_keeps`` is
the same function in Python, for tests).
"""

from __future__ import annotations

import datetime as _dt
import math
import operator
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional, Union

import sqlalchemy as sa
from sqlalchemy import types as sat

from ..catalog import ColumnInfo
from ..errors import ExpressionTooLong, InternalError, Untranslatable
from ..expr.nodes import Binary, Call, DateLiteral, Missing, Name, Node, Number, String, Unary
from ..plan import canonical, deep_recursion
from .constructs import ASCII_LOWER, ASCII_UPPER, Sql, case_depth, has_entry, is_atomic, sql_size

# --- Stata's numeric limits ----------------------------------------------------------------

DOUBLE_MAX = float.fromhex("0x1.fffffffffffffp+1022")  # largest nonmissing double
TD_MIN, TD_MAX = -679_350, 2_936_549  # 01jan0100, 31dec9999 in %td days
TC_MIN, TC_MAX = TD_MIN * 86_400_000, (TD_MAX + 1) * 86_400_000 - 1
EXP_MAX = 709.089565712824  # largest x with exp(x) <= DOUBLE_MAX
EXP_ZERO = -745.1332191019411  # exp(x) is 0.0 in double below this
EPOCH = _dt.date(1960, 1, 1)

#: Largest SQL (in terms, see ``constructs.sql_size``) one expression may
#: become.  Functions whose SQL repeats an argument (guards such as
#: ``CASE WHEN x >= 0 THEN SQRT(x) END``) multiply the size of what they
#: wrap; deeply nested calls are refused rather than sent as megabytes.
MAX_SQL_TERMS = 20_000

#: Bound parameters per statement: SQL Server accepts 2,100; past this many
#: values are rendered inline (``literal_execute``), in the printed and the
#: executed SQL alike.
MAX_PARAMS = 2000

#: Stata functions no database gets, and why.
UNSUPPORTED: dict[str, str] = {
    "regexm": "Stata's regular expressions (Henry Spencer's engine, byte-based) match "
              "no database's regular expression dialect exactly",
    "regexr": "Stata's regular expressions match no database's dialect exactly",
    "regexs": "regexs() reads the state of an earlier regexm() call",
    "ustrregexm": "ICU regular expressions are not available in SQL",
    "ustrlower": "Unicode case mapping depends on the ICU version and locale",
    "ustrupper": "Unicode case mapping depends on the ICU version and locale",
    "stritrim": "not translated yet",
    "string": "number-to-text formatting (%9.0g) cannot be reproduced in SQL",
    "strofreal": "number-to-text formatting (%9.0g) cannot be reproduced in SQL",
    "date": "date-string parsing with masks cannot be reproduced in SQL",
    "clock": "datetime-string parsing with masks cannot be reproduced in SQL",
    "runiform": "random numbers differ between Stata and the database",
    "rnormal": "random numbers differ between Stata and the database",
    "sum": "running sums depend on the order of the data in memory",
    "char": "not translated yet",
    "word": "not translated yet",
    "subinstr": "not translated yet",
    "strreverse": "not translated yet",
    "dow": "not translated yet",
    "doy": "not translated yet",
    "quarter": "not translated yet",
    "halfyear": "not translated yet",
    "week": "not translated yet",
    "mod": "not translated yet",
    "sign": "not translated yet",
    "float": "rounding to single precision is not translated yet; compare float columns "
             "with a tolerance instead, e.g. abs(x - .1) < 1e-7",
}


@dataclass(frozen=True)
class DialectSpec:
    """What the translator needs to know about one database.

    ``sql``: the SQL table (``constructs.Sql`` keys -> text); ``unsupported``:
    Stata function -> why it cannot run faithfully here; ``collation``: the
    binary collation string comparisons use; ``strmatch``: ``"like"`` or
    ``"glob"``; ``like_brackets``: ``[`` is a LIKE wildcard and must be
    escaped; ``gates``: SQL key -> (minimum server version, key to use from
    that version on); ``default_version``: the server version SQL is written
    for when the caller gives none (SQL Server: pinned); ``prefilter_equality``:
    precede an exact string equality on a column with a plain ``=`` an index
    can serve (when the exact test is not itself index-friendly);
    ``collate_both``: both operands of a comparison need the collation
    (DuckDB refuses to compare two different collations); ``max_case_depth``:
    how deeply the database lets CASE expressions nest.
    """

    name: str
    sql: Mapping[str, Any]
    unsupported: Mapping[str, str] = field(default_factory=dict)
    collation: str = "C"
    strmatch: str = "like"
    like_brackets: bool = False
    gates: Mapping[str, tuple] = field(default_factory=dict)
    default_version: tuple = ()
    prefilter_equality: bool = False
    collate_both: bool = False
    max_case_depth: Optional[int] = None


# --- values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ext:
    """A Stata missing value as a constant: ``code`` "" is ``.``, "a" is ``.a``."""

    code: str = ""

    @property
    def rank(self) -> int:
        return 0 if not self.code else ord(self.code) - ord("a") + 1


SYSMISS = Ext("")
_NOT_CONST = object()


@dataclass(frozen=True)
class Num:
    """A numeric value.  ``sql`` is NULL where Stata has missing (None for a
    constant until it is bound); ``const``: the Python value of a literal
    (float or Ext); ``pred``: set when the number is the 0/1 of a predicate;
    ``unit``: "number", or "date"/"datetime" when ``sql`` is a SQL date /
    timestamp whose Stata value is its %td / %tc number; ``is_float``:
    ``sql`` is already floating point (no cast before arithmetic)."""

    sql: Any = None
    nullable: bool = True
    const: Any = _NOT_CONST
    pred: Any = None
    unit: str = "number"
    is_float: bool = True

    @property
    def is_const(self) -> bool:
        return self.const is not _NOT_CONST


@dataclass(frozen=True)
class Str:
    """A string value: ``sql`` is never NULL (NULL already read as '');
    ``raw`` is the bare column when the value is a column (``nullable``
    says whether it may be NULL); ``const`` the text of a literal."""

    sql: Any = None
    raw: Any = None
    nullable: bool = False
    const: Optional[str] = None

    @property
    def is_const(self) -> bool:
        return self.const is not None


# --- predicates: null means false, negation pushed to the leaves --------------------------


class P:
    """A Stata truth value as SQL.  ``sql()`` gives a condition that is true
    exactly when Stata's value is true (NULL counts as false, as in WHERE and
    CASE WHEN); ``negated()`` is the Stata complement, built at the leaves."""

    def sql(self):
        raise NotImplementedError

    def negated(self) -> "P":
        raise NotImplementedError


@dataclass(frozen=True)
class Const(P):
    value: bool

    def sql(self):
        return sa.true() if self.value else sa.false()

    def negated(self) -> P:
        return Const(not self.value)


TRUE, FALSE = Const(True), Const(False)


@dataclass(frozen=True)
class Atom(P):
    """A leaf: ``pos`` is true when Stata's value is 1, ``neg`` when it is 0
    (each may be NULL only where the answer is "no").  ``neg`` is None for
    a condition used only inside one half of a :class:`Pair`."""

    pos: Any
    neg: Any = None

    def sql(self):
        return self.pos

    def negated(self) -> P:
        if self.neg is None:
            raise InternalError("a one-sided condition was negated")
        return Atom(self.neg, self.pos)


@dataclass(frozen=True)
class All(P):
    parts: tuple

    def sql(self):
        return sa.and_(*(p.sql() for p in self.parts))

    def negated(self) -> P:
        return p_or(*(p.negated() for p in self.parts))


@dataclass(frozen=True)
class AnyOf(P):
    parts: tuple

    def sql(self):
        return sa.or_(*(p.sql() for p in self.parts))

    def negated(self) -> P:
        return p_and(*(p.negated() for p in self.parts))


def _join(kind: type, parts, identity: Const, absorbing: Const) -> P:
    """``parts`` joined by ``kind`` (All or AnyOf), flattened and simplified:
    ``identity`` parts dropped, an ``absorbing`` part decides alone."""
    out: list = []
    for p in parts:
        if p == absorbing:
            return absorbing
        if p == identity:
            continue
        out.extend(p.parts if isinstance(p, kind) else [p])
    return identity if not out else out[0] if len(out) == 1 else kind(tuple(out))


def p_and(*parts: P) -> P:
    return _join(All, parts, TRUE, FALSE)


def p_or(*parts: P) -> P:
    return _join(AnyOf, parts, FALSE, TRUE)


# --- Stata arithmetic on constants --------------------------------------------------------


def stata_number(value: float) -> Union[float, Ext]:
    """``value`` as Stata holds a double: non-finite or too large -> ``.``."""
    if isinstance(value, Ext):
        return SYSMISS
    if value is None or math.isnan(value) or abs(value) > DOUBLE_MAX:
        return SYSMISS
    return float(value)


def fold_arithmetic(op: str, a, b):
    """Stata's ``a op b`` on constants (missing in, missing out)."""
    if isinstance(a, Ext) or isinstance(b, Ext):
        return SYSMISS
    try:
        if op == "+":
            return stata_number(a + b)
        if op == "-":
            return stata_number(a - b)
        if op == "*":
            return stata_number(a * b)
        if op == "/":
            return SYSMISS if b == 0 else stata_number(a / b)
        if op == "^":
            if a < 0 and b != math.floor(b):
                return SYSMISS
            if a == 0 and b < 0:
                return SYSMISS
            return stata_number(math.pow(a, b))
    except (OverflowError, ValueError, ZeroDivisionError):
        return SYSMISS
    raise InternalError(f"not an arithmetic operator: {op}")


def _order_key(v):
    """Stata's order of numbers and missing values."""
    return (1, v.rank) if isinstance(v, Ext) else (0, v)


_PY_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
               ">": operator.gt, ">=": operator.ge}


def fold_compare(op: str, a, b) -> bool:
    return _PY_COMPARE[op](_order_key(a), _order_key(b))


def fold_compare_str(op: str, a: str, b: str) -> bool:
    return _PY_COMPARE[op](a.encode("utf-8"), b.encode("utf-8"))


def mdy_days(m, d, y):
    """Stata's ``mdy(M, D, Y)`` on constants: %td days or ``.``."""
    if any(isinstance(v, Ext) for v in (m, d, y)):
        return SYSMISS
    if any(v != math.floor(v) for v in (m, d, y)) or not 100 <= y <= 9999:
        return SYSMISS
    try:
        return float(_dt.date(int(y), int(m), int(d)).toordinal() - EPOCH.toordinal())
    except ValueError:
        return SYSMISS


#: Stata complement of each comparison (for two non-missing values).
COMPLEMENT = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
#: Swapped operands: ``a op b`` is ``b SWAP[op] a``.
SWAP = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
#: Stata's answer when the left side is missing and the right is not, and so on.
LEFT_MISSING = {">": True, ">=": True, "!=": True, "<": False, "<=": False, "==": False}
RIGHT_MISSING = {"<": True, "<=": True, "!=": True, ">": False, ">=": False, "==": False}
BOTH_MISSING = {"==": True, "<=": True, ">=": True, "!=": False, "<": False, ">": False}

#: The SQLAlchemy method of each comparison, called on the left operand (so
#: the SQL is ``a op b`` whatever the class of ``b``).
_SQL_OP = {"==": "__eq__", "!=": "__ne__", "<": "__lt__", "<=": "__le__",
           ">": "__gt__", ">=": "__ge__"}


def sql_compare(op: str, a, b):
    return getattr(a, _SQL_OP[op])(b)


# --- the sample() hash ---------------------------------------------------------------------

HASH_MODULUS = 2_147_483_647  # 2^31 - 1, prime
HASH_A1, HASH_A2, HASH_BASE = 48_271, 69_621, 65_599
HASH_MAX_CHARS = 32


def hash_seeds(seed: int) -> tuple[int, int]:
    """The two constants a seed contributes to the hash."""
    m = HASH_MODULUS
    return (seed * 16_807 + 12_345) % m, (seed * 48_271 + 67_890) % m


def hash_threshold(percent: float) -> int:
    """Keep a person when the hash is below this: ``percent`` % of 0..M-1."""
    return int(math.floor(percent * HASH_MODULUS / 100.0))


def hash_weights(length: int) -> list[int]:
    return [pow(HASH_BASE, i, HASH_MODULUS) for i in range(1, length + 1)]


def key_residue(key, chars: int = HASH_MAX_CHARS) -> int:
    """A person key as a number in 0..M-1: an integer modulo M; a string as
    the sum of its first ``chars`` characters' code points times
    ``65599^i mod M`` (i = 1, 2, ...), modulo M; missing or "" -> 0."""
    m = HASH_MODULUS
    if key is None:
        return 0
    if isinstance(key, str):
        text = key[:chars]
        return sum(ord(ch) * w for ch, w in zip(text, hash_weights(len(text)))) % m
    return int(key) % m


def person_hash(residue: int, seed: int) -> int:
    """The hash sample() keeps persons by: ``h = (r*48271 + S1) mod M``,
    ``u = (((h*h + S2) mod M)*69621 + h) mod M`` - integer arithmetic below
    2^63, evaluated identically by every database."""
    m = HASH_MODULUS
    s1, s2 = hash_seeds(seed)
    h = (residue * HASH_A1 + s1) % m
    return (((h * h + s2) % m) * HASH_A2 + h) % m


def sample_keeps(key, percent: float, seed: int, chars: int = HASH_MAX_CHARS) -> bool:
    """Whether ``sample(percent, seed(seed))`` keeps the person ``key``."""
    return person_hash(key_residue(key, chars), seed) < hash_threshold(percent)


# --- the translator -----------------------------------------------------------------------

Handler = Callable[["Translator", Call, list], Union[Num, Str, P]]
FUNCTIONS: dict[str, Handler] = {}


def function(*names: str):
    """Register a handler for Stata function(s) ``names`` in FUNCTIONS."""
    def register(fn):
        for n in names:
            FUNCTIONS[n] = fn
        return fn
    return register


def _lit(text: str, type_=None):
    """A constant of leostata's own (never user text) rendered inline."""
    return sa.literal_column(text, type_)


def _int(value: int):
    return _lit(str(int(value)), sat.Integer())


class Translator:
    """One statement's translation for one database.

    ``spec``: the DialectSpec; ``columns(ColumnInfo) -> ColumnElement``: how
    a column is referenced in this statement (default: ``sa.column(name)``);
    ``version``: the server version (SQL Server feature gates).  Counts bound
    parameters (``MAX_PARAMS``), so use a new Translator per statement.
    """

    def __init__(self, spec: DialectSpec, *, columns: Optional[Callable] = None,
                 version: Optional[tuple] = None, max_params: int = MAX_PARAMS):
        self.spec = spec
        self.columns = columns or (lambda col: sa.column(col.name))
        self.version = tuple(version) if version else tuple(spec.default_version)
        self.max_params = max_params
        self.params = 0

    @property
    def dialect(self) -> str:
        return self.spec.name

    # -- entry points ---------------------------------------------------------------------
    def predicate(self, node: Node):
        """The WHERE condition for a typed numeric expression (Stata truth)."""
        with deep_recursion():
            p = self.truth(self.num(node))
            if p == TRUE:
                return None
            return self.checked_size(p.sql(), node)

    def value(self, node: Node):
        """The SQL value of a typed expression, as Stata would hold it
        (numbers: NULL for missing; strings: '' for missing)."""
        with deep_recursion():
            if node.stype == "str":
                return self.checked_size(self.s_sql(self.str_(node)), node)
            return self.checked_size(self.n_sql(self.as_number(self.num(node))), node)

    def checked_size(self, sql, node: Node):
        """``sql``, unless it is beyond MAX_SQL_TERMS (ExpressionTooLong r(130))
        or nests CASE deeper than the database allows (Untranslatable)."""
        limit = self.spec.max_case_depth
        if limit is not None:
            depth = case_depth(sql, self.dialect)
            if depth > limit:
                error = Untranslatable(
                    f"expression nested too deeply for {database_name(self.dialect)}",
                    hint=f"its SQL nests {depth} CASE expressions; {database_name(self.dialect)} "
                         f"allows {limit} (each missing-value guard of a function is one): "
                         "simplify the nesting")
                error.pos = node.pos
                raise error
        size = sql_size(sql, self.dialect)
        if size > MAX_SQL_TERMS:
            error = ExpressionTooLong(
                "expression too long",
                hint=f"its SQL would have about {size:,} terms on {database_name(self.dialect)} "
                     f"(leostata's limit is {MAX_SQL_TERMS:,}): functions that test their "
                     "argument before using it repeat it, so deeply nested calls grow quickly; "
                     "simplify the nesting")
            error.pos = node.pos
            raise error
        return sql

    # -- SQL pieces -----------------------------------------------------------------------
    def sql(self, key: str, *args, type_=None, **consts):
        """``constructs.Sql`` for ``key`` on this database (with gates)."""
        gate = self.spec.gates.get(key)
        if gate and self.version and tuple(self.version) >= tuple(gate[0]):
            key = gate[1]
        if not has_entry(self.dialect, key):
            raise InternalError(f"no SQL for {key!r} on {self.dialect}")
        return Sql(key, *args, type_=type_, consts=consts)

    def has(self, key: str) -> bool:
        return has_entry(self.dialect, key)

    def bind(self, value, type_):
        """A bound parameter (inline past ``max_params``; see MAX_PARAMS)."""
        self.params += 1
        return sa.literal(value, type_, literal_execute=self.params > self.max_params)

    def bind_list(self, values: list, type_):
        self.params += len(values)
        return sa.bindparam(None, values, type_=type_, expanding=True,
                            literal_execute=self.params > self.max_params)

    def refuse(self, name: str, reason: str, node: Optional[Node] = None, *,
               anywhere: bool = False):
        """Untranslatable (r(5104)) naming the function and the database
        (``anywhere``: no database leostata supports would do better)."""
        where = database_name(self.dialect)
        if anywhere:
            reason += "; no database leostata supports can do it"
        error = Untranslatable(f"{name}() cannot be translated faithfully on {where}",
                               hint=reason)
        if node is not None:
            error.pos = node.pos
        return error

    # -- numbers --------------------------------------------------------------------------
    def n_sql(self, v: Num):
        """The SQL of a number (binding a constant, 0/1 of a predicate)."""
        if v.sql is not None:
            return v.sql
        if v.is_const:
            if isinstance(v.const, Ext):  # a typed NULL (a CASE of NULLs has no type)
                return self.sql("double", sa.null(), type_=sat.Float())
            value = v.const
            if value == math.floor(value) and abs(value) < 2 ** 53:
                return self.bind(int(value), sat.BigInteger() if abs(value) >= 2 ** 31
                                 else sat.Integer())
            return self.bind(value, sat.Float())
        if v.pred is not None:
            return sa.case((v.pred.sql(), _int(1)), else_=_int(0))
        raise InternalError("number without SQL")

    def const(self, value) -> Num:
        value = stata_number(value) if not isinstance(value, Ext) else value
        if isinstance(value, Ext):
            return Num(const=value, nullable=True)
        return Num(const=value, nullable=False, is_float=value != math.floor(value))

    def from_pred(self, p: P) -> Num:
        if isinstance(p, Const):
            return self.const(1.0 if p.value else 0.0)
        return Num(pred=p, nullable=False, is_float=False)

    def double(self, v: Num):
        """SQL of ``v`` as a double (integer and decimal columns cast)."""
        v = self.as_number(v)
        if v.is_const and not isinstance(v.const, Ext):
            return self.bind(float(v.const), sat.Float())
        sql = self.n_sql(v)
        return sql if v.is_float else self.sql("double", sql, type_=sat.Float())

    def num(self, node: Node) -> Num:
        if isinstance(node, Number):
            return self.const(node.value)
        if isinstance(node, DateLiteral):
            return self.const(node.value)
        if isinstance(node, Missing):
            return Num(const=Ext(node.code), nullable=True)
        if isinstance(node, Name):
            return self.column_num(node.column)
        if isinstance(node, Unary):
            operand = self.num(node.operand)
            if node.op == "!":
                return self.from_pred(self.truth(operand).negated())
            if operand.is_const:
                return self.const(fold_arithmetic("-", 0.0, operand.const)
                                  if not isinstance(operand.const, Ext) else SYSMISS)
            x = self.as_number(operand)
            return Num(sql=-self.double(x), nullable=x.nullable)
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Call):
            result = self.call(node)
            return self.from_pred(result) if isinstance(result, P) else result
        raise InternalError(f"cannot translate {node!r} as a number")

    def column_num(self, col: ColumnInfo) -> Num:
        sql = self.columns(col)
        kind = col.sql_type.kind
        if kind == "date":
            return Num(sql=sql, nullable=True, unit="date", is_float=False)
        if kind == "datetime":
            return Num(sql=sql, nullable=True, unit="datetime", is_float=True)
        if kind == "bool":
            return Num(sql=self.sql("bool_to_int", sql, type_=sat.Integer()),
                       nullable=col.nullable, is_float=False)
        return Num(sql=sql, nullable=col.nullable,
                   is_float=kind in ("float32", "float64"))

    def as_number(self, v: Num) -> Num:
        """``v`` with its Stata number as SQL (dates -> %td days, datetimes ->
        %tc milliseconds; outside Stata's range -> missing)."""
        if v.unit == "number":
            return v
        if v.unit == "date":
            days = self.sql("days_from_date", v.sql, type_=sat.Integer())
            guard = sa.and_(days >= _int(TD_MIN), days <= _int(TD_MAX))
            return Num(sql=sa.case((guard, days)), nullable=True, is_float=False)
        ms = self.sql("ms_from_datetime", v.sql, type_=sat.Float())
        guard = sa.and_(ms >= _lit(str(TC_MIN)), ms <= _lit(str(TC_MAX)))
        return Num(sql=sa.case((guard, ms)), nullable=True, is_float=True)

    def binary(self, node: Binary) -> Num:
        op = node.op
        if op in ("&", "|"):
            a, b = self.truth(self.num(node.left)), self.truth(self.num(node.right))
            return self.from_pred(p_and(a, b) if op == "&" else p_or(a, b))
        if op in _SQL_OP:
            if node.left.stype == "str":
                return self.from_pred(self.compare_str(op, self.str_(node.left),
                                                       self.str_(node.right)))
            return self.from_pred(self.compare(op, self.num(node.left), self.num(node.right)))
        a, b = self.num(node.left), self.num(node.right)
        if a.is_const and b.is_const:
            return self.const(fold_arithmetic(op, a.const, b.const))
        if (a.is_const and isinstance(a.const, Ext)) or (b.is_const and isinstance(b.const, Ext)):
            return self.const(SYSMISS)  # missing in, missing out
        a, b = self.as_number(a), self.as_number(b)
        nullable = a.nullable or b.nullable
        if op == "/":
            if b.is_const:
                if b.const == 0:
                    return self.const(SYSMISS)
                return Num(sql=_div(self.double(a), self.double(b)), nullable=a.nullable)
            return Num(sql=_div(self.double(a), self.sql("nullif_zero", self.double(b),
                                                          type_=sat.Float())), nullable=True)
        if op == "^":
            return self.power(a, b)
        x, y = self.double(a), self.double(b)
        sql = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y}[op]()
        return Num(sql=sql, nullable=nullable)

    def power(self, a: Num, b: Num) -> Num:
        """``a^b``: missing for a negative base with a fractional exponent and
        for 0 to a negative power (SQL raises errors there)."""
        x, y = self.double(a), self.double(b)
        guards = []
        b_int = b.is_const and b.const == math.floor(b.const)
        if not b_int and not (a.is_const and a.const >= 0):
            guards.append((sa.and_(x < _int(0), y != self.sql("floor", y, type_=sat.Float())),
                           sa.null()))
        if not (b.is_const and b.const >= 0) and not (a.is_const and a.const != 0):
            guards.append((sa.and_(x == _int(0), y < _int(0)), sa.null()))
        power = self.sql("power", x, y, type_=sat.Float())
        sql = sa.case(*guards, else_=power) if guards else power
        return Num(sql=sql, nullable=True)

    # -- truth and comparisons ------------------------------------------------------------
    def truth(self, v: Num) -> P:
        """Stata's truth of a number: nonzero or missing is true."""
        if v.pred is not None:
            return v.pred
        if v.is_const:
            return Const(isinstance(v.const, Ext) or v.const != 0)
        v = self.as_number(v)
        x = self.n_sql(v)
        if not v.nullable:
            return Atom(x != _int(0), x == _int(0))
        return Atom(sa.or_(x != _int(0), x.is_(None)), x == _int(0))

    def missing(self, v: Num) -> P:
        """True when ``v`` is missing (``v >= .``)."""
        if v.is_const:
            return Const(isinstance(v.const, Ext))
        if v.pred is not None or not v.nullable:
            return FALSE
        if v.unit == "date":
            d = v.sql
            lo, hi = self.date_const(TD_MIN), self.date_const(TD_MAX)
            return Atom(sa.or_(d.is_(None), d < lo, d > hi), sa.and_(d >= lo, d <= hi))
        v = self.as_number(v)
        x = self.n_sql(v)
        return Atom(x.is_(None), x.isnot(None))

    def date_const(self, days: int):
        """A date constant of leostata's own (a range bound), inline."""
        return self.sql("date_const", type_=sat.Date(),
                        v=(EPOCH + _dt.timedelta(days=int(days))).isoformat())

    def compare(self, op: str, a: Num, b: Num) -> P:
        """Stata's ``a op b`` for numbers."""
        if a.is_const and b.is_const:
            return Const(fold_compare(op, a.const, b.const))
        if a.is_const and not b.is_const:
            return self.compare(SWAP[op], b, a)
        if b.is_const:
            if isinstance(b.const, Ext):
                return self.compare_missing_const(op, a, b.const)
            return self.compare_const(op, a, b.const)
        a, b = self.as_number(a), self.as_number(b)
        x, y = self.n_sql(a), self.n_sql(b)
        ma, mb = self.missing(a), self.missing(b)
        return Pair(self._general(op, x, y, ma, mb), self._general(COMPLEMENT[op], x, y, ma, mb))

    @staticmethod
    def _general(op: str, x, y, ma: P, mb: P) -> P:
        """Stata's ``x op y`` as "null means false" SQL: the SQL comparison
        (false when either side is NULL) or the answer Stata gives when one
        or both sides are missing."""
        cases: list = [Atom(sql_compare(op, x, y))]
        left, right, both = LEFT_MISSING[op], RIGHT_MISSING[op], BOTH_MISSING[op]
        if left:
            cases.append(ma if both else p_and(ma, mb.negated()))
        if right:
            cases.append(mb if both else p_and(ma.negated(), mb))
        if both and not (left or right):
            cases.append(p_and(ma, mb))
        return p_or(*cases)

    def compare_missing_const(self, op: str, a: Num, m: Ext) -> P:
        """``a op .`` (or ``.a``...): ``a`` holds numbers or ``.`` only."""
        if m.rank > 0:  # every value of a (numbers, or .) is below .a
            return Const(op in ("<", "<=", "!="))
        ma = self.missing(a)
        if op in ("==", ">="):
            return ma
        if op in ("!=", "<"):
            return ma.negated()
        return TRUE if op == "<=" else FALSE

    def compare_const(self, op: str, a: Num, c: float) -> P:
        """``a op c`` for a constant number c: the plain SQL comparison (an
        index can serve it), or-ed with "a is missing" where Stata's answer
        for a missing a is yes (``>``, ``>=``, ``!=``)."""
        if a.unit == "date":
            return self.compare_date_const(op, a, c)
        a = self.as_number(a)
        x, value = self.n_sql(a), self.n_sql(self.const(c))
        ma = self.missing(a)

        def side(o: str) -> P:
            cmp = Atom(sql_compare(o, x, value))
            return p_or(cmp, ma) if LEFT_MISSING[o] else cmp
        return Pair(side(op), side(COMPLEMENT[op]))

    def compare_date_const(self, op: str, a: Num, c: float) -> P:
        """A date column against a %td constant, compared as dates (an index
        on the column still serves).  A date outside Stata's range
        (before 0100 or after 9999) is missing, so larger than every number."""
        d = a.sql
        ma = self.missing(a)
        if c != math.floor(c):  # between two days: d < 3.5 is d <= 3, d == 3.5 never
            if op in ("==", "!="):
                return Const(op == "!=")
            op, c = {"<": ("<=", math.floor(c)), "<=": ("<=", math.floor(c)),
                     ">": (">=", math.ceil(c)), ">=": (">=", math.ceil(c))}[op]
        if not TD_MIN <= c <= TD_MAX:  # every date in range compares the same way
            holds = fold_compare(op, TD_MIN if c > TD_MAX else TD_MAX, c)
            if holds:
                return TRUE if LEFT_MISSING[op] else ma.negated()
            return ma if LEFT_MISSING[op] else FALSE
        value = self.bind(EPOCH + _dt.timedelta(days=int(c)), sat.Date())
        lo = self.date_const(TD_MIN)

        def side(o: str) -> P:
            cmp = Atom(sql_compare(o, d, value))
            if o in (">", ">="):  # missing dates are larger: NULL, or below 0100
                return p_or(cmp, Atom(d.is_(None)), Atom(d < lo))
            if o == "!=":
                return p_or(cmp, Atom(d.is_(None)))
            if o in ("<", "<="):  # a date below 0100 is missing, not small
                return p_and(cmp, Atom(d >= lo))
            return cmp  # ==: only a date in range can equal c
        return Pair(side(op), side(COMPLEMENT[op]))

    # -- strings --------------------------------------------------------------------------
    def str_(self, node: Node) -> Str:
        if isinstance(node, String):
            return Str(const=node.value)
        if isinstance(node, Name):
            col = node.column
            raw = self.columns(col)
            sql = self.sql("coalesce_str", raw, type_=sat.String()) if col.nullable else raw
            return Str(sql=sql, raw=raw, nullable=col.nullable)
        if isinstance(node, Binary) and node.op == "+":
            a, b = self.str_(node.left), self.str_(node.right)
            if a.is_const and b.is_const:
                return Str(const=a.const + b.const)
            if a.is_const and a.const == "":
                return b
            if b.is_const and b.const == "":
                return a
            return Str(sql=sa.type_coerce(self.s_sql(a), sat.String()) + self.s_sql(b))
        if isinstance(node, Call):
            return self.call(node)
        raise InternalError(f"cannot translate {node!r} as a string")

    def s_sql(self, s: Str):
        if s.sql is not None:
            return s.sql
        return self.str_bind(s.const)

    def str_bind(self, text: str):
        return self.bind(text, sat.String() if text.isascii() else sat.Unicode())

    def str_key(self, sql, collate: bool = True):
        """A string as a comparison operand: under the dialect's binary
        collation (one side of a comparison is enough) and with SQL Server's
        fix for its padding rule."""
        if self.has("str_key"):
            sql = self.sql("str_key", sql, type_=sat.String())
        return self.collated(sql) if collate else sql

    def collated(self, sql):
        """``sql COLLATE <binary>`` (parenthesised: COLLATE binds tightly)."""
        if not is_atomic(sql):
            sql = sa.sql.elements.Grouping(sql)
        return sa.collate(sql, self.spec.collation)

    def is_empty(self, s: Str) -> P:
        """``s == ""`` (NULL or empty)."""
        if s.is_const:
            return Const(s.const == "")
        x = s.raw if s.raw is not None else s.sql
        if self.has("byte_count"):  # SQL Server: '  ' = '' is true there
            size = self.sql("byte_count", x, type_=sat.Integer())
            empty, nonempty = size == _int(0), size > _int(0)
        else:
            key = self.collated(x)
            empty, nonempty = key == _lit("''", sat.String()), key != _lit("''", sat.String())
        if s.raw is not None and s.nullable:
            return Atom(sa.or_(x.is_(None), empty), nonempty)
        return Atom(empty, nonempty)

    def compare_str(self, op: str, a: Str, b: Str) -> P:
        """Stata's ``a op b`` for strings: bytes, case and trailing spaces count."""
        if a.is_const and b.is_const:
            return Const(fold_compare_str(op, a.const, b.const))
        if a.is_const:
            return self.compare_str(SWAP[op], b, a)
        if b.is_const and b.const == "" and op in ("==", "!=", "<=", ">"):
            empty = self.is_empty(a)
            return empty if op in ("==", "<=") else empty.negated()
        if b.is_const and b.const == "" and op in ("<", ">="):
            return FALSE if op == "<" else TRUE
        y_sql = self.s_sql(b)
        x = self.str_key(self.s_sql(a))
        y = self.str_key(y_sql, collate=self.spec.collate_both and not b.is_const)
        pos = Atom(sql_compare(op, x, y))
        neg = Atom(sql_compare(COMPLEMENT[op], x, y))
        if op == "==" and b.is_const and a.raw is not None:
            # b is not "": a NULL column cannot equal it, so no COALESCE
            pos = Atom(self.str_key(a.raw) == y)
            if self.spec.prefilter_equality:  # a plain = first, for the index
                pos = p_and(Atom(a.raw == y_sql), pos)
        return Pair(pos, neg)

    # -- functions ------------------------------------------------------------------------
    def call(self, node: Call):
        name = canonical(node.name)
        if name in UNSUPPORTED:
            raise self.refuse(node.name, UNSUPPORTED[name], node, anywhere=True)
        if name in self.spec.unsupported:
            raise self.refuse(node.name, self.spec.unsupported[name], node)
        handler = FUNCTIONS.get(name)
        if handler is None:
            raise InternalError(f"{name}() is typed in plan.SIGNATURES but has no translation")
        for arg in node.args:
            if isinstance(arg, Missing) and arg.code and name != "missing":
                raise Untranslatable(f"extended missing value .{arg.code} in {node.name}() "
                                     "cannot be translated", hint="data from SQL only ever hold "
                                     "the missing value .; use . instead")
        return handler(self, node, list(node.args))

    # -- row order and sampling -----------------------------------------------------------
    def order_keys(self, cols, descending: bool = False) -> list:
        """ORDER BY terms for Stata's sort order of ``cols``: numbers
        ascending with missing last, strings by bytes with "" first."""
        terms = []
        for col in cols:
            if col.sql_type.is_string:
                s = self.str_(Name(col.name, column=col))
                parts = [self.str_key(self.s_sql(s))]
            else:
                v = self.column_num(col)
                miss = self.missing(v)
                flag = sa.case((miss.sql(), _int(1)), else_=_int(0)) if miss != FALSE else None
                parts = ([flag] if flag is not None else []) + [
                    v.sql if v.unit != "number" else self.n_sql(v)]
            terms.extend(p.desc() if descending else p for p in parts)
        return terms

    def key_residue(self, key: ColumnInfo):
        """SQL of ``key_residue`` (see there) for the person key column."""
        m = HASH_MODULUS
        col = self.columns(key)
        if key.sql_type.is_string:
            chars = min(key.sql_type.length or HASH_MAX_CHARS, HASH_MAX_CHARS)
            total = None
            for i, w in enumerate(hash_weights(chars), start=1):
                code = self.sql("char_code", col, type_=sat.Integer(), i=i)
                term = sa.cast(code, sat.BigInteger()) * _int(w)
                total = term if total is None else total + term
            return total % _int(m)
        k = sa.cast(col, sat.BigInteger())
        return sa.func.coalesce(((k % _int(m)) + _int(m)) % _int(m), _int(0))

    def sample_predicate(self, residue, percent: float, seed: int):
        """``person_hash(residue, seed) < threshold`` in SQL (integers only)."""
        m = _int(HASH_MODULUS)
        s1, s2 = hash_seeds(seed)
        h = (residue * _int(HASH_A1) + self.bind(s1, sat.BigInteger())) % m
        u = (((h * h + self.bind(s2, sat.BigInteger())) % m) * _int(HASH_A2) + h) % m
        return u < self.bind(hash_threshold(percent), sat.BigInteger())


class Pair(P):
    """A leaf given as two conditions (each "null means false"): ``pos``
    holds when Stata's value is 1, ``neg`` when it is 0.  Built where the
    complement is not simply the opposite SQL (missing values)."""

    def __init__(self, pos: P, neg: P):
        self.pos, self.neg = pos, neg

    def sql(self):
        return self.pos.sql()

    def negated(self) -> P:
        return Pair(self.neg, self.pos)


def _div(a, b):
    """``a / b`` as written (SQLAlchemy's own ``/`` rewrites integer division
    per dialect); the precedence makes SQLAlchemy parenthesise operands."""
    return a.op("/", precedence=8, return_type=sat.Float())(b)


_DB_NAMES = {"mssql": "SQL Server", "postgresql": "PostgreSQL", "sqlite": "SQLite",
             "duckdb": "DuckDB"}


def database_name(dialect: str) -> str:
    return _DB_NAMES.get(dialect, dialect)


# --- FUNCTIONS: the translated Stata functions ----------------------------------------------


def _nums(tr: Translator, args) -> list:
    return [tr.num(a) for a in args]


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
        if z.is_const or not all(i.is_const for i in items):
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
    sqls = [tr.s_sql(v) if strings else tr.n_sql(v) for v in branches]
    whens = []
    if len(branches) > 2 and tr.missing(x) != FALSE:
        whens.append((tr.missing(x).sql(), sqls[2]))
        x = replace(tr.as_number(x), nullable=False)  # missing is handled above
    whens.append((tr.truth(x).sql(), sqls[0]))
    sql = sa.case(*whens, else_=sqls[1])
    if strings:
        return Str(sql=sql)
    return Num(sql=sql, nullable=any(v.nullable for v in branches),
               is_float=any(v.is_float for v in branches))


def _str_fn(key: str):
    def handler(tr: Translator, node: Call, args):
        s = tr.str_(args[0])
        if s.is_const and key in _PY_STR:
            return Str(const=_PY_STR[key](s.const))
        return Str(sql=tr.sql(key, tr.s_sql(s), type_=sat.String()))
    return handler


_PY_STR = {
    "lower_ascii": lambda s: s.translate(str.maketrans(ASCII_UPPER, ASCII_LOWER)),
    "upper_ascii": lambda s: s.translate(str.maketrans(ASCII_LOWER, ASCII_UPPER)),
    "trim": lambda s: s.strip(" "),
    "ltrim": lambda s: s.lstrip(" "),
    "rtrim": lambda s: s.rstrip(" "),
}
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
        return Num(sql=tr.sql(key, tr.s_sql(s), type_=sat.Integer()), nullable=False,
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
        found = tr.sql(key, tr.s_sql(s1), tr.s_sql(s2), type_=sat.Integer())
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
            part = _py_substr(data, n1.const, n2.const)
            if byte:
                try:
                    return Str(const=part.decode("utf-8"))
                except UnicodeDecodeError:
                    raise tr.refuse(node.name, "the constant result is not valid UTF-8",
                                    node, anywhere=True) from None
            return Str(const=part)
        text = tr.s_sql(s)
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
        piece = tr.sql(key, text, start, length, type_=sat.String())
        if not conditions:
            return Str(sql=piece)
        return Str(sql=sa.case((sa.and_(*conditions), piece), else_=_lit("''", sat.String())))
    return handler


def _py_substr(data, n1, n2):
    """Stata's substr() rules on Python text/bytes (constant folding)."""
    if isinstance(n1, Ext):
        return data[:0]
    n1 = int(n1)
    size = len(data)
    start = n1 if n1 >= 1 else size + n1 + 1 if n1 <= -1 else 0
    length = size if isinstance(n2, Ext) else int(n2)
    if start < 1 or start > size or length <= 0:
        return data[:0]
    return data[start - 1:start - 1 + length]


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


def py_real(text: str):
    """Stata's real() on a constant (see the module doc)."""
    import re
    t = text.strip(" ")
    if not re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", t):
        return SYSMISS
    return stata_number(float(t))


def _date_part(part: str):
    def handler(tr: Translator, node: Call, args):
        v = tr.num(args[0])
        if v.is_const:
            if isinstance(v.const, Ext) or not TD_MIN <= math.floor(v.const) <= TD_MAX:
                return tr.const(SYSMISS)
            day = EPOCH + _dt.timedelta(days=math.floor(v.const))
            return tr.const(float(getattr(day, part)))
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


def py_round(x, y=1.0):
    """Stata's round(x, y) on constants (see the module doc)."""
    if isinstance(x, Ext) or isinstance(y, Ext):
        return SYSMISS
    if y == 0:
        return x
    return stata_number(y * math.floor(x / y + 0.5))


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
