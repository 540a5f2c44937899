"""The hostile table on DuckDB, SQLite and PostgreSQL over ODBC, checked
against reference trees written by hand (tests/stata_reference/handbuilt.py):
the Stata text goes through leostata (parser, literal folding, type
checking, translation), the tree through nothing of leostata, so a parser
or literal bug cannot move both sides together (issue 19, item 3).

The column types the reference uses come from the table's DDL through
Stata's documented storage limits, not from leostata's catalog or
``stata_types``; a few expected values are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from leostata.expr import parse
from leostata.plan import check_expression, plan_load
from leostata.sql import select_for
from leostata.translate import translator_for
from tests.stata_reference import handbuilt as hb
from tests.stata_reference.handbuilt import Col, Fn, Mis, Neg, Not, Num, Op, Tc, Td, Txt
from tests.translate.hostile import ROWS, TABLE, _ddl, build


def ddl_types(ddl: str) -> dict:
    """column -> its SQL type, read from ``CREATE TABLE t (name TYPE ..., ...)``."""
    body = ddl[ddl.index("(") + 1:ddl.rindex(")")]
    out = {}
    for part in re.split(r",\s*(?![^()]*\))", body):
        name, rest = part.strip().split(None, 1)
        out[name] = re.match(r"[A-Z ]+?(\(\d+\))?(?= COLLATE| NOT|$)", rest).group(0)
    return out


SQL_TYPES = ddl_types(_ddl("sqlite"))


def test_the_reference_reads_the_ddl_and_stata_limits():
    assert SQL_TYPES["x"] == "DOUBLE PRECISION" and SQL_TYPES["s"] == "VARCHAR(40)"
    from tests.stata_reference.storage import storage_type
    got = {c: storage_type(t) for c, t in SQL_TYPES.items()}
    # help data_types: an SQL INTEGER (+-2^31) does not fit long (+-2,147,483,620)
    assert got == {"id": "double", "pid": "str", "i": "double", "x": "double", "y": "double",
                   "s": "str", "t": "str", "d": "long", "b": "byte", "dt": "double",
                   "u": "str", "w": "str"}
    assert storage_type("SMALLINT") == "long" and storage_type("TINYINT") == "int"
    assert storage_type("REAL") == "float" and storage_type("REAL", "sqlite") == "double"


@pytest.fixture
def hostile(any_db):
    engine, catalog, table = build(any_db)
    yield engine, catalog, table
    engine.dispose()


x, y, i, d, s, t, b, u, w, dtc = (Col(n) for n in "x y i d s t b u w dt".split())

#: (Stata text, the same condition as a reference tree)
CONDITIONS = [
    # date and datetime literals, read by the reference
    ("d == td(29feb2020)", Op("==", d, Td("29feb2020"))),
    ("d == td(01jan2020)", Op("==", d, Td("01jan2020"))),
    ("d >= td(01jan2000)", Op(">=", d, Td("01jan2000"))),
    ("d < td(01jan2000)", Op("<", d, Td("01jan2000"))),
    ("d == td(31dec1959)", Op("==", d, Td("31dec1959"))),
    ("d == td(2jan1960)", Op("==", d, Td("02jan1960"))),
    ("d <= td(31DEC9999)", Op("<=", d, Td("31dec9999"))),
    ("d == td(31dec9999)", Op("==", d, Td("31dec9999"))),
    ("d > td(15jun2000) & d < td(01jan2021)",
     Op("&", Op(">", d, Td("15jun2000")), Op("<", d, Td("01jan2021")))),
    ("d - td(01jan2020) == 59", Op("==", Op("-", d, Td("01jan2020")), Num(59))),
    ("d + 30 > td(01jan2020)", Op(">", Op("+", d, Num(30)), Td("01jan2020"))),
    ("inlist(d, td(01jan2020), td(15jun2000), 0)",
     Fn("inlist", d, Td("01jan2020"), Td("15jun2000"), Num(0))),
    ("inrange(d, td(01jan1960), td(31dec2000))",
     Fn("inrange", d, Td("01jan1960"), Td("31dec2000"))),
    ("mdy(2, 29, 2020) == d", Op("==", Fn("mdy", Num(2), Num(29), Num(2020)), d)),
    ("year(d) == 2020 & month(d) == 2", Op("&", Op("==", Fn("year", d), Num(2020)),
                                           Op("==", Fn("month", d), Num(2)))),
    ("dt == tc(01jan2020 10:00)", Op("==", dtc, Tc("01jan2020 10:00"))),
    ("dt > tc(01jan2020 09:59:59.999)", Op(">", dtc, Tc("01jan2020 09:59:59.999"))),
    ("dt == tc(01jan1960 00:00)", Op("==", dtc, Tc("01jan1960 00:00"))),
    ("dt < tc(01jan1960 00:00:00)", Op("<", dtc, Tc("01jan1960 00:00:00"))),
    ("dt == tc(30jun2021 12:34:56.789)", Op("==", dtc, Tc("30jun2021 12:34:56.789"))),
    ("dofc(dt) == td(01jan2020)", Op("==", Fn("dofc", dtc), Td("01jan2020"))),
    # numbers: literal forms, missing values, precedence (help operator)
    ("x == 1e1 * 1e9", Op("==", x, Op("*", Num(10.0), Num(1e9)))),
    ("x == .5 | x == -.5", Op("|", Op("==", x, Num(0.5)), Op("==", x, Neg(Num(0.5))))),
    ("x == 8.75e0", Op("==", x, Num(8.75))),
    ("x >= .", Op(">=", x, Mis())),
    ("x < . & y != .", Op("&", Op("<", x, Mis()), Op("!=", y, Mis()))),
    ("y < .a", Op("<", y, Mis("a"))),
    ("x == . | y == .", Op("|", Op("==", x, Mis()), Op("==", y, Mis()))),
    ("x + y * 2 > 5", Op(">", Op("+", x, Op("*", y, Num(2))), Num(5))),
    ("(x + y) * 2 > 5", Op(">", Op("*", Op("+", x, y), Num(2)), Num(5))),
    ("-x^2 < -4", Op("<", Neg(Op("^", x, Num(2))), Neg(Num(4)))),
    ("x - y - 1 > 0", Op(">", Op("-", Op("-", x, y), Num(1)), Num(0))),
    ("x > 5 | y > 5 & i > 0",
     Op("|", Op(">", x, Num(5)), Op("&", Op(">", y, Num(5)), Op(">", i, Num(0))))),
    ("!x == 0", Op("==", Not(x), Num(0))),
    ("!(x == 0)", Not(Op("==", x, Num(0)))),
    ("x / y > 1", Op(">", Op("/", x, y), Num(1))),
    ("i + 2147483000 > 0", Op(">", Op("+", i, Num(2147483000)), Num(0))),
    ("b & x < 1", Op("&", b, Op("<", x, Num(1)))),
    ("round(x) == 3", Op("==", Fn("round", x), Num(3))),
    ("cond(x > 1, y, i) > 1", Op(">", Fn("cond", Op(">", x, Num(1)), y, i), Num(1))),
    # strings: quoting, case, NULL = ""
    ('s == "abc"', Op("==", s, Txt("abc"))),
    ('s == `"say "hi""\'', Op("==", s, Txt('say "hi"'))),
    ('s == "it\'s"', Op("==", s, Txt("it's"))),
    ('s == "Zoë" | s == "CAFÉ"', Op("|", Op("==", s, Txt("Zoë")), Op("==", s, Txt("CAFÉ")))),
    ('s < "b"', Op("<", s, Txt("b"))),
    ('u == "ABC"', Op("==", u, Txt("ABC"))),
    ("u < w", Op("<", u, w)),
    ("s == u", Op("==", s, u)),
    ('s == ""', Op("==", s, Txt(""))),
    ('s + "x" == "abcx"', Op("==", Op("+", s, Txt("x")), Txt("abcx"))),
    ('strmatch(u, "a*")', Fn("strmatch", u, Txt("a*"))),
    ('inlist(u, "abc", "B", "")', Fn("inlist", u, Txt("abc"), Txt("B"), Txt(""))),
    ("real(t) == 1000", Op("==", Fn("real", t), Num(1000))),
]

#: (Stata text, reference tree) of values
VALUES = [
    ("td(01jan2020)", Td("01jan2020")),
    ("d - td(29feb2020)", Op("-", d, Td("29feb2020"))),
    ("tc(01jan2020 10:00) - dt", Op("-", Tc("01jan2020 10:00"), dtc)),
    ("x + y * 2", Op("+", x, Op("*", y, Num(2)))),
    ("-x^2", Neg(Op("^", x, Num(2)))),
    ("cond(x > 1, u, w)", Fn("cond", Op(">", x, Num(1)), u, w)),
    ("i / 2", Op("/", i, Num(2))),
    ("b", b),
]

#: td()/tc() literals and the values written out by hand (days, ms since 01jan1960)
BY_HAND = [
    ("td(01jan1960)", 0), ("td(31dec1959)", -1), ("td(01jan2020)", 21_915),
    ("td(29feb2020)", 21_974), ("td(01jan0100)", -679_350), ("td(31dec9999)", 2_936_549),
    ("tc(01jan1960 00:00:01)", 1_000), ("tc(02jan1960 00:00)", 86_400_000),
    ("tc(01jan2020 00:00)", 1_893_456_000_000), ("tc(31dec1959 23:59:59.5)", -500),
]


def _ids(engine, stmt) -> list:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(stmt)]


def test_the_trees_are_the_texts():
    """The reference trees evaluate on the rows (a tree that fails to keep
    or drop any row checks nothing)."""
    useless = [text for text, tree in CONDITIONS
               if len({hb.keeps(tree, r, SQL_TYPES) for r in ROWS}) < 2
               and text != "y < .a"]
    assert len(CONDITIONS) >= 50
    assert not useless, f"conditions that keep all or no rows: {useless}"


def test_conditions_match_the_handbuilt_reference(hostile):
    engine, catalog, table = hostile
    wrong = []
    for text, tree in CONDITIONS:
        plan = plan_load(f"{TABLE} id if {text}", catalog)
        got = _ids(engine, select_for(plan, engine.dialect))
        want = [r["id"] for r in ROWS if hb.keeps(tree, r, SQL_TYPES)]
        if got != want:
            wrong.append(f"{text}: extra {sorted(set(got) - set(want))}, "
                         f"missing {sorted(set(want) - set(got))}")
    assert not wrong, "\n".join(wrong)


def _values(engine, table, text) -> dict:
    node = check_expression(parse(text), table)
    src = sa.table(TABLE, *[sa.column(c.name) for c in table.columns])
    tr = translator_for(engine.dialect, columns=lambda c: src.c[c.name])
    stmt = sa.select(src.c.id, tr.value(node).label("v")).order_by(src.c.id)
    with engine.connect() as conn:
        return dict(conn.execute(stmt).all())


def test_values_match_the_handbuilt_reference(hostile):
    engine, catalog, table = hostile
    wrong = []
    for text, tree in VALUES:
        got = _values(engine, table, text)
        for row in ROWS:
            want = hb.evaluate(tree, row, SQL_TYPES)
            if not hb.same(got[row["id"]], want):
                wrong.append(f"{text} on id {row['id']}: got {got[row['id']]!r}, Stata {want!r}")
    assert not wrong, "\n".join(wrong[:40])


def test_date_literals_have_the_values_written_by_hand(hostile):
    engine, catalog, table = hostile
    wrong = []
    for text, value in BY_HAND:
        kind = text[:2]
        inner = text[3:-1]
        assert (hb.td_days(inner) if kind == "td" else hb.tc_ms(inner)) == value, text
        got = {float(v) for v in _values(engine, table, text).values()}  # psqlODBC: text
        if got != {value}:
            wrong.append(f"{text}: got {sorted(got)}, want {value}")
    assert not wrong, "\n".join(wrong)


def test_the_rows_hold_the_dates_the_cases_name():
    """The date cases are not vacuous: the rows hold 29feb2020, 01jan2020 ..."""
    days = {r["d"] for r in ROWS}
    assert {dt.date(2020, 2, 29), dt.date(2020, 1, 1), dt.date(1959, 12, 31),
            dt.date(9999, 12, 31), dt.date(50, 1, 1)} <= days
