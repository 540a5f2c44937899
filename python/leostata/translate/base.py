"""Typed Stata expression -> SQLAlchemy Core, with Stata's semantics.

Takes a tree checked by ``plan.check_expression`` (every node typed, every
name resolved) and returns SQLAlchemy column elements: ``predicate(node)``
for a WHERE clause, ``value(node)`` for a value.  What differs between
databases is data: each dialect module (``mssql``, ``postgresql``,
``sqlite``, ``duckdb``) gives a ``DialectSpec`` - its SQL table (compiled
through ``constructs.Sql``), the Stata functions it cannot run faithfully
(``unsupported``) and a few flags.  The Stata functions themselves (typing,
and which no database gets) are the one table ``leostata.functions``;
``HANDLERS`` below holds the translation of each function that table does not
refuse, registered by ``translate.handlers``.

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
* ``year()``/``month()``/``day()``/``dow()``/``doy()``/``week()``/
  ``quarter()``/``halfyear()`` of a fractional day number use its floor.
* ``mod(x, y)`` follows its documented formula ``x - y*floor(x/y)`` for
  every y, so a negative y gives a result in (y, 0] (the help's range,
  "0 to 8e+307", covers y > 0 only); fractional y is computed in double as
  written (``mod(.3, .1)`` is ``.09999999999999998``).

Arithmetic beyond the largest double (``^ * / + -``) is missing, as in
Stata: each value carries bounds on its magnitude (from its column type or
its constant), arithmetic that cannot leave the range of a double is
written plainly, and the rest is guarded (``Translator.guarded``): the
result is tested against Stata's largest double, and where the database
raises on overflow (SQL Server, PostgreSQL) or underflow (PostgreSQL) the
magnitude is judged from logarithms before computing.

Known gaps on every database (documented, not closed): a double column
holding a value Stata cannot hold (beyond 8.99e307, or a denormal below
2.2e-308) is read as it is, and on PostgreSQL arithmetic on such values
may raise; results within one rounding of half the smallest denormal
(|ln| between 745.83 and 745.9) may still raise on PostgreSQL;
``mod(x, y)`` computes ``x/y`` without the guard (``mod(1e300, 1e-300)``
overflows); a chain of ``+``/``-`` is checked on its result only, so a
partial sum beyond 8.99e307 that a later term brings back (``8e307 +
8e307 - 8e307``) is not missing as in Stata, and on SQL Server and
PostgreSQL a partial sum beyond 1.8e308 raises; with a key
that is not unique, ``in`` counts ties in the database's order.  (``in f/l``
outside 1.._N is refused with r(198) before any SQL runs: ``commands``.)

Rule for ``bigint`` beyond 2^53 (decided, tested in
tests/translate/test_bigint_if.py): such a column loads as a string
(``str16``, the digits exact; ``stata_types``), but ``if`` compares the
database's number, never its text - where Stata, holding a string, would
stop with r(109) "type mismatch".  Against an integer constant below 2^53
the comparison is exact on every database (bigint with bigint); a larger
constant is a double in Stata, and DuckDB, PostgreSQL and SQL Server
compare it with the column converted to double, SQLite exactly.

Extended missing values ``.a``-``.z`` are supported as literals compared
with an expression and in ``missing()`` (data from SQL only ever holds
``.``); anywhere else they are refused.

The pieces live beside this module: ``predicates`` (truth values in
negation normal form), ``fold`` (Stata's rules on constants, also the
reference the tests use), ``sample`` (the sample() hash) and ``handlers``
(the handlers of the translated Stata functions, registered in
``HANDLERS``).
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Union

import sqlalchemy as sa
from sqlalchemy import types as sat

from ..catalog import ColumnInfo
from ..errors import ExpressionTooLong, InternalError, Untranslatable
from ..expr.nodes import (Binary, Call, DateLiteral, Missing, Name, Node, Number, String, Unary,
                          deep_recursion)
from ..functions import FUNCTIONS, canonical
from .constructs import Sql, case_depth, has_entry, is_atomic, sql_size
from .fold import (DOUBLE_MAX, EPOCH, SYSMISS, TC_MAX, TC_MIN, TD_MAX, TD_MIN, Ext, fold_arithmetic,
                   fold_compare, fold_compare_str, stata_number)
from .predicates import (BOTH_MISSING, COMPLEMENT, FALSE, LEFT_MISSING, RIGHT_MISSING, SQL_OP,
                         SWAP, TRUE, Atom, Const, P, Pair, p_and, p_or, sql_compare)
from .sample import (HASH_A1, HASH_A2, HASH_MAX_CHARS, HASH_MODULUS, hash_seeds, hash_threshold,
                     hash_weights)
from .values import Num, Str

#: Largest SQL (in terms, see ``constructs.sql_size``) one expression may
#: become.  Functions whose SQL repeats an argument (guards such as
#: ``CASE WHEN x >= 0 THEN SQRT(x) END``) multiply the size of what they
#: wrap; deeply nested calls are refused rather than sent as megabytes.
MAX_SQL_TERMS = 20_000

#: Bound parameters per statement: SQL Server accepts 2,100; past this many
#: values are rendered inline (``literal_execute``), in the printed and the
#: executed SQL alike.
MAX_PARAMS = 2000

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
    how deeply the database lets CASE expressions nest; ``null_safe_equal``:
    how a merge key that may be NULL on both sides is matched, NULL with NULL
    as Stata's merge does (``"or"``: ``a = b OR (a IS NULL AND b IS NULL)``,
    which SQL Server's optimizer turns into one hashable comparison; ``"is"``:
    SQLite's ``a IS b``; ``"distinct"``: ``a IS NOT DISTINCT FROM b``;
    ``"coalesce"``: ``COALESCE(a, 0) = COALESCE(b, 0) AND (a IS NULL) = (b IS
    NULL)``, two plain equalities a hash join can use); ``float_errors``:
    ``"overflow"`` when a double result beyond the largest double is an
    error there rather than infinity, ``"underflow"`` when a nonzero
    product that rounds to zero is one too (PostgreSQL): such arithmetic is
    judged before it is computed; ``supported_from``: Stata function ->
    the first server version that translates it (before that version
    ``unsupported`` gives the reason); ``notes``: Stata function -> its
    status here in a few words, for the help's function table (default for
    a refused one: "refused on <database>").
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
    null_safe_equal: str = "or"
    float_errors: tuple = ()
    supported_from: Mapping[str, tuple] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)


def help_notes(specs) -> dict[str, str]:
    """Stata function -> its status on the databases that refuse it (or
    translate it from some version only), from the DialectSpecs ``specs``:
    what ``functions.help_smcl`` adds to the help's function table."""
    notes: dict[str, list] = {}
    for spec in specs:
        for name in spec.unsupported:
            notes.setdefault(name, []).append(
                spec.notes.get(name) or f"refused on {database_name(spec.name)}")
    return {name: "; ".join(parts) for name, parts in notes.items()}


@dataclass(frozen=True)
class Utf8(Str):
    """A string held as its UTF-8 bytes (``sql`` is binary, never NULL), as
    ``substr()`` gives it where the database cuts UTF-8 bytes as binary
    (the ``utf8_bytes`` entry: SQL Server): a cut may split a character, so
    the value is compared, joined and measured as bytes, never read as text.
    ``origin``: the function that made it (named when it is refused as text)."""

    origin: str = "substr"


# --- the translator -----------------------------------------------------------------------

Handler = Callable[["Translator", Call, list], Union[Num, Str, P]]
HANDLERS: dict[str, Handler] = {}


def function(*names: str):
    """Register the handler of Stata function(s) ``names``; each must be in
    ``leostata.functions.FUNCTIONS`` and not refused there."""
    def register(fn):
        for n in names:
            entry = FUNCTIONS.get(n)
            if entry is None or entry.refused:
                raise InternalError(f"translation registered for {n}(), which the function "
                                    "table does not list as translated")
            HANDLERS[n] = fn
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
        if gate and self.at_least(gate[0]):
            key = gate[1]
        if not has_entry(self.dialect, key):
            raise InternalError(f"no SQL for {key!r} on {self.dialect}")
        return Sql(key, *args, type_=type_, consts=consts)

    def has(self, key: str) -> bool:
        return has_entry(self.dialect, key)

    def at_least(self, version: Optional[tuple]) -> bool:
        """True when the server is known to be ``version`` or later."""
        return version is not None and bool(self.version) and tuple(self.version) >= tuple(version)

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
        return Num(const=value, nullable=False, is_float=value != math.floor(value),
                   bound=abs(value), tiny=abs(value) if value else math.inf)

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

    def column_num(self, col: ColumnInfo, sql=None) -> Num:
        """The number a column holds (``sql``: how it is referenced, default
        ``self.columns(col)``)."""
        sql = self.columns(col) if sql is None else sql
        kind = col.sql_type.kind
        if kind == "date":
            return Num(sql=sql, nullable=True, unit="date", is_float=False)
        if kind == "datetime":
            return Num(sql=sql, nullable=True, unit="datetime", is_float=True)
        if kind == "bool":
            return Num(sql=self.sql("bool_to_int", sql, type_=sat.Integer()),
                       nullable=col.nullable, is_float=False, bound=1.0, tiny=1.0)
        return Num(sql=sql, nullable=col.nullable,
                   is_float=kind in ("float32", "float64"), bound=_type_bound(col.sql_type),
                   tiny=_type_tiny(col.sql_type))

    def as_number(self, v: Num) -> Num:
        """``v`` with its Stata number as SQL (dates -> %td days, datetimes ->
        %tc milliseconds; outside Stata's range -> missing)."""
        if v.unit == "number":
            return v
        if v.unit == "date":
            days = self.sql("days_from_date", v.sql, type_=sat.Integer())
            guard = sa.and_(days >= _int(TD_MIN), days <= _int(TD_MAX))
            return Num(sql=sa.case((guard, days)), nullable=True, is_float=False,
                       bound=float(max(-TD_MIN, TD_MAX)), tiny=1.0)
        ms = self.sql("ms_from_datetime", v.sql, type_=sat.Float())
        guard = sa.and_(ms >= _lit(str(TC_MIN)), ms <= _lit(str(TC_MAX)))
        return Num(sql=sa.case((guard, ms)), nullable=True, is_float=True,
                   bound=float(max(-TC_MIN, TC_MAX)))

    def binary(self, node: Binary, checked: bool = True) -> Num:
        """A binary operation.  A chain of ``+``/``-`` is range-checked once, on
        its result (``checked=False`` for the inner sums), so a long sum
        stays linear in size."""
        op = node.op
        if op in ("&", "|"):
            a, b = self.truth(self.num(node.left)), self.truth(self.num(node.right))
            return self.from_pred(p_and(a, b) if op == "&" else p_or(a, b))
        if op in SQL_OP:
            if node.left.stype == "str":
                return self.from_pred(self.compare_str(op, self.str_(node.left),
                                                       self.str_(node.right)))
            return self.from_pred(self.compare(op, self.num(node.left), self.num(node.right)))
        if op in ("+", "-"):
            a, b = self._summand(node.left), self._summand(node.right)
        else:
            a, b = self.num(node.left), self.num(node.right)
        if a.is_const and b.is_const:
            return self.const(fold_arithmetic(op, a.const, b.const))
        if (a.is_const and isinstance(a.const, Ext)) or (b.is_const and isinstance(b.const, Ext)):
            return self.const(SYSMISS)  # missing in, missing out
        a, b = self.as_number(a), self.as_number(b)
        nullable = a.nullable or b.nullable
        if op == "/":
            if b.is_const and b.const == 0:
                return self.const(SYSMISS)
            x, y = self.double(a), self.double(b)
            if not b.is_const:
                y = self.sql("nullif_zero", y, type_=sat.Float())
            bound = _ratio(_known(a.bound), _tiny(b.tiny))
            tiny = _ratio(_tiny(a.tiny), _known(b.bound))
        elif op == "^":
            return self.power(a, b)
        else:
            x, y = self.double(a), self.double(b)
            if op == "*":
                bound, tiny = _known(a.bound) * _known(b.bound), _tiny(a.tiny) * _tiny(b.tiny)
            else:  # + -: a sum of integers is 0 or at least 1; otherwise no underflow error
                bound = _known(a.bound) + _known(b.bound)
                tiny = 1.0 if not (a.is_float or b.is_float) else None
        if op in ("+", "-") and not checked:
            pass  # the chain's last sum checks the result
        elif bound > DOUBLE_MAX or (op in ("*", "/") and tiny <= HALF_DENORMAL
                                    and "underflow" in self.spec.float_errors):
            return self.guarded(op, a, b, x, y)
        sql = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
               "/": lambda: _div(x, y)}[op]()
        return Num(sql=sql, nullable=nullable or (op == "/" and not b.is_const), bound=bound,
                   tiny=tiny)

    def _summand(self, node: Node) -> Num:
        """An operand of ``+``/``-``: an inner sum unchecked (see ``binary``)."""
        if isinstance(node, Binary) and node.op in ("+", "-") and node.stype != "str":
            return self.binary(node, checked=False)
        return self.num(node)

    def guarded(self, op: str, a: Num, b: Num, x, y) -> Num:
        """``x op y`` (the doubles of ``a``, ``b``) that may leave the range of
        a double: missing beyond Stata's largest double (``DOUBLE_MAX``), as
        in Stata.  Where the database raises on overflow (PostgreSQL also on
        underflow), the magnitude is judged from logarithms first, so nothing
        raises: well beyond the limit -> missing, below the smallest double
        -> 0; the exact test on the result settles the rest."""
        result = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                  "/": lambda: _div(x, y)}[op]()
        branches = []
        if self.spec.float_errors and op in ("*", "/"):
            zero = _int(0)
            zeros = [sql == zero for v, sql in ((a, x), (b, y)) if not v.is_const]
            lx, ly = self._log_abs(a, x), self._log_abs(b, y)
            size = lx + ly if op == "*" else lx - ly
            branches = [(sa.or_(*zeros), result)] if zeros else []
            branches.append((size > _lit(repr(LN_RAISE_ABOVE)), sa.null()))
            if "underflow" in self.spec.float_errors:
                branches.append((size < _lit(repr(LN_ZERO_BELOW)), _lit("0.0", sat.Float())))
        beyond = self.sql("abs", result, type_=sat.Float()) > _lit(repr(DOUBLE_MAX))
        return Num(sql=sa.case(*branches, (beyond, sa.null()), else_=result), nullable=True,
                   bound=DOUBLE_MAX)

    def _log_abs(self, v: Num, sql):
        """ln|v|: folded for a constant (nonzero here), else LN(ABS(sql))."""
        if v.is_const:
            return _lit(repr(math.log(abs(v.const))), sat.Float())
        return self.sql("ln", self.sql("abs", sql, type_=sat.Float()), type_=sat.Float())

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
        bound = math.inf
        if b.is_const and b.const >= 0:
            try:
                bound = math.pow(max(_known(a.bound), 1.0), b.const)
            except OverflowError:
                pass
        if not _fits(bound):
            if self.spec.float_errors:
                if not a.is_const:
                    guards.append((x == _int(0), power))
                if not (a.is_const and abs(a.const) in (0, 1)):
                    size = y * self._log_abs(a, x)
                    guards.append((size > _lit(repr(LN_RAISE_ABOVE)), sa.null()))
                    if "underflow" in self.spec.float_errors:
                        guards.append((size < _lit(repr(LN_ZERO_BELOW)),
                                       _lit("0.0", sat.Float())))
            guards.append((self.sql("abs", power, type_=sat.Float()) > _lit(repr(DOUBLE_MAX)),
                           sa.null()))
            bound = DOUBLE_MAX
        sql = sa.case(*guards, else_=power) if guards else power
        return Num(sql=sql, nullable=True, bound=bound)

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
            if isinstance(a, Utf8) or isinstance(b, Utf8):  # bytes joined as bytes
                origin = a.origin if isinstance(a, Utf8) else b.origin
                return Utf8(sql=self.sql("bytes_concat", self.utf8(a), self.utf8(b),
                                         type_=sat.LargeBinary()), origin=origin)
            return Str(sql=sa.type_coerce(self.s_sql(a), sat.String()) + self.s_sql(b))
        if isinstance(node, Call):
            return self.call(node)
        raise InternalError(f"cannot translate {node!r} as a string")

    def column_str(self, col: ColumnInfo, sql=None) -> Str:
        """The string a column holds ("" for NULL)."""
        raw = self.columns(col) if sql is None else sql
        value = self.sql("coalesce_str", raw, type_=sat.String()) if col.nullable else raw
        return Str(sql=value, raw=raw, nullable=col.nullable)

    def key_match(self, a: ColumnInfo, a_sql, b: ColumnInfo, b_sql):
        """The join condition "key ``a`` matches key ``b``" as Stata's merge
        matches keys: missing matches missing (numeric ``.`` with ``.``;
        strings NULL, "" with NULL, ""), strings exactly (bytes, case,
        trailing blanks); dates by day, other numbers by value."""
        if a.sql_type.is_string:
            return self.compare_str("==", self.column_str(a, a_sql),
                                    self.column_str(b, b_sql)).sql()
        x, y = self.column_num(a, a_sql), self.column_num(b, b_sql)
        if x.unit != y.unit:
            x, y = self.as_number(x), self.as_number(y)
        xs, ys = self.n_sql(x), self.n_sql(y)
        if not (x.nullable and y.nullable):  # NULL on one side only: never a match
            return xs == ys
        style = self.spec.null_safe_equal
        if style == "is":
            return xs.op("IS", is_comparison=True)(ys)
        if style == "distinct":
            return xs.is_not_distinct_from(ys)
        if style == "coalesce":
            if x.unit != "number":  # dates: COALESCE with 0 needs numbers
                x, y = self.as_number(x), self.as_number(y)
                xs, ys = self.n_sql(x), self.n_sql(y)
            zero = _int(0)
            return sa.and_(sa.func.coalesce(xs, zero) == sa.func.coalesce(ys, zero),
                           sa.type_coerce(xs.is_(None), sat.Boolean())
                           == sa.type_coerce(ys.is_(None), sat.Boolean()))
        return sa.or_(xs == ys, sa.and_(xs.is_(None), ys.is_(None)))

    def s_sql(self, s: Str):
        """The SQL text of a string (binding a constant); a ``Utf8`` value
        cannot be read as text here (Untranslatable r(5104))."""
        if isinstance(s, Utf8):
            where = database_name(self.dialect)
            raise self.refuse(s.origin, f"on {where} its result is UTF-8 bytes (a cut may split a "
                              "character), which can be compared (also by inlist()), joined with "
                              "+, chosen by cond(), or given to strlen(), strpos(), substr() or "
                              "missing(), but not used as text by other functions; use usubstr(), "
                              "which counts characters (the same for plain ASCII)")
        if s.sql is not None:
            return s.sql
        return self.str_bind(s.const)

    def utf8(self, s: Str):
        """The UTF-8 bytes of a string as binary SQL (the ``utf8_bytes`` entry)."""
        if isinstance(s, Utf8):
            return s.sql
        return self.sql("utf8_bytes", self.s_sql(s), type_=sat.LargeBinary())

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
        if isinstance(a, Utf8) or isinstance(b, Utf8):  # bytes with bytes, padding-proof
            x, y = (self.sql("bytes_key", self.utf8(v), type_=sat.LargeBinary()) for v in (a, b))
            return Pair(Atom(sql_compare(op, x, y)), Atom(sql_compare(COMPLEMENT[op], x, y)))
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
        refused = FUNCTIONS[name].refused
        if refused:
            raise self.refuse(node.name, refused, node, anywhere=True)
        if name in self.spec.unsupported and not self.at_least(self.spec.supported_from.get(name)):
            raise self.refuse(node.name, self.spec.unsupported[name], node)
        handler = HANDLERS.get(name)
        if handler is None:
            raise InternalError(f"{name}() is in the function table but has no translation")
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


#: Judged from logarithms where a database raises on float overflow: beyond
#: this ln|result| the result is beyond DOUBLE_MAX (ln 8.99e307 = 709.09)
#: and computing it could raise (ln 1.80e308 = 709.78); the midpoint leaves
#: room for rounding on both sides.
LN_RAISE_ABOVE = 709.436
#: Below this ln|result| (ln 2.47e-324 = -745.83, half the smallest denormal)
#: the result rounds to 0, which PostgreSQL reports as an underflow error.
LN_ZERO_BELOW = -745.9


#: Half the smallest denormal: a product at most this rounds to 0.
HALF_DENORMAL = 2.0 ** -1075
#: The smallest normal double: the smallest magnitude assumed of a double column.
DOUBLE_MIN = 2.0 ** -1022


def _ratio(a: float, b: float) -> float:
    """``a / b`` for bounds: infinity when ``b`` is 0 (a bound that underflowed)."""
    try:
        return a / b
    except ZeroDivisionError:
        return math.inf


def _tiny(tiny) -> float:
    return DOUBLE_MIN if tiny is None else tiny


def _type_tiny(t) -> Optional[float]:
    """The smallest nonzero magnitude of a column of SQL type ``t``."""
    if t.is_integer:
        return 1.0
    if t.kind == "decimal":
        return 10.0 ** -(t.scale or 0)
    if t.kind == "float32":
        return 2.0 ** -126
    return None


def _fits(bound) -> bool:
    """A result whose magnitude is at most ``bound`` needs no overflow guard."""
    return _known(bound) <= DOUBLE_MAX


def _known(bound) -> float:
    return DOUBLE_MAX if bound is None else bound


def _type_bound(t) -> Optional[float]:
    """The largest magnitude a column of SQL type ``t`` holds (None: any double)."""
    ints = {"int8": 2.0 ** 7, "uint8": 2.0 ** 8, "int16": 2.0 ** 15, "int32": 2.0 ** 31,
            "int64": 2.0 ** 63}
    if t.kind in ints:
        return ints[t.kind]
    if t.kind == "decimal" and t.precision is not None:
        return 10.0 ** (t.precision - (t.scale or 0))
    if t.kind == "float32":
        return 3.5e38
    return None


def _div(a, b):
    """``a / b`` as written (SQLAlchemy's own ``/`` rewrites integer division
    per dialect); the precedence makes SQLAlchemy parenthesise operands."""
    return a.op("/", precedence=8, return_type=sat.Float())(b)


_DB_NAMES = {"mssql": "SQL Server", "postgresql": "PostgreSQL", "sqlite": "SQLite",
             "duckdb": "DuckDB"}


def database_name(dialect: str) -> str:
    return _DB_NAMES.get(dialect, dialect)
