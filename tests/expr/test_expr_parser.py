"""Expression parser: precedence, literals, calls, positions, errors, limits,
and the unparse round trip (hypothesis)."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leostata.errors import ExpressionTooLong, StataSyntaxError, Untranslatable, caret
from leostata.expr import (
    Binary, Call, DateLiteral, Missing, Name, Number, String, Unary, parse, unparse, walk,
)
from leostata.expr.parser import BINARY


def sx(node):
    """Fully parenthesised prefix form, to pin the tree shape."""
    if isinstance(node, Binary):
        return f"({node.op} {sx(node.left)} {sx(node.right)})"
    if isinstance(node, Unary):
        return f"({node.op} {sx(node.operand)})"
    if isinstance(node, Call):
        return f"{node.name}[{' '.join(sx(a) for a in node.args)}]"
    return unparse(node)


def evaluate(node):
    """Arithmetic on numbers only: checks the documented Stata results."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Unary):
        v = evaluate(node.operand)
        return -v if node.op == "-" else float(v == 0)
    a, b = evaluate(node.left), evaluate(node.right)
    ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
           "^": lambda: a ** b, "==": lambda: float(a == b),
           "&": lambda: float(a != 0 and b != 0), "|": lambda: float(a != 0 or b != 0)}
    return ops[node.op]()


@pytest.mark.parametrize("text, tree", [
    ("!x==5", "(== (! x) 5)"),
    ("~x == 5", "(== (! x) 5)"),
    ("-2^2", "(- (^ 2 2))"),
    ("a-b+c", "(+ (- a b) c)"),
    ("a+b-c", "(+ a (- b c))"),
    ("a-b-c", "(- (- a b) c)"),
    ("a|b&c", "(| a (& b c))"),
    ("a&b|c", "(| (& a b) c)"),
    ("2^3^2", "(^ (^ 2 3) 2)"),
    ("a*b/c", "(* a (/ b c))"),
    ("a/b*c", "(* (/ a b) c)"),
    ("a/b/c", "(/ (/ a b) c)"),
    ("a<b==c", "(== (< a b) c)"),
    ("a==b<c", "(< (== a b) c)"),
    ("-a*b", "(* (- a) b)"),
    ("!x^2", "(^ (! x) 2)"),
    ("2^-2", "(^ 2 (- 2))"),
    ("2^-2^2", "(^ 2 (- (^ 2 2)))"),
    ("a^-b*c", "(* (^ a (- b)) c)"),
    ("!-a^2", "(! (- (^ a 2)))"),
    ("--x", "(- (- x))"),
    ("!!x", "(! (! x))"),
    ("a+b*c^d", "(+ a (* b (^ c d)))"),
    ("a == b & c != d | !e", "(| (& (== a b) (!= c d)) (! e))"),
    ("x ~= 1 & ~y", "(& (!= x 1) (! y))"),
    ("(a+b)*c", "(* (+ a b) c)"),
    ("a - -b", "(- a (- b))"),
    ("x >= 1 & x <= .z", "(& (>= x 1) (<= x .z))"),
    ('s + "x" == "ax"', '(== (+ s "x") "ax")'),
])
def test_precedence(text, tree):
    assert sx(parse(text)) == tree


@pytest.mark.parametrize("text, value", [
    ("-2^2", -4), ("2^3^2", 64), ("8/4/2", 1), ("10-4-3", 3), ("2*3^2", 18),
    ("1+1==2", 1), ("!0==1", 1), ("!2==0", 1), ("0|1&0", 0),
])
def test_documented_values(text, value):
    assert evaluate(parse(text)) == value


@pytest.mark.parametrize("text, node", [
    ("5", Number(5)), ("1.5e2", Number(150)), (".5", Number(0.5)),
    (".", Missing("")), (".a", Missing("a")),
    ('"a b"', String("a b")), ('`"say "hi""\'', String('say "hi"')),
    ("Earnings", Name("Earnings")),
    ("td(01jan2020)", DateLiteral("td", 21915, "01jan2020")),
    ("tc(2jan1960 13:42)", DateLiteral("tc", 135720000, "2jan1960 13:42")),
])
def test_literals(text, node):
    assert parse(text) == node


def test_date_literal_comparison():
    assert parse("d >= td(1jan2020)") == Binary(">=", Name("d"), DateLiteral("td", 21915, "1jan2020"))


@pytest.mark.parametrize("text, node", [
    ("inlist(x, 1, 2)", Call("inlist", (Name("x"), Number(1), Number(2)))),
    ("ABS(x)", Call("abs", (Name("x"),))),
    ("runiform()", Call("runiform", ())),
    ("mdy(1, 2, 2020)", Call("mdy", (Number(1), Number(2), Number(2020)))),
    ("f(g(x), (y+1))", Call("f", (Call("g", (Name("x"),)), Binary("+", Name("y"), Number(1))))),
    ("abs (x)", Call("abs", (Name("x"),))),
    ("!missing(x, y)", Unary("!", Call("missing", (Name("x"), Name("y"))))),
])
def test_calls(text, node):
    assert parse(text) == node


def test_names_keep_case():
    assert parse("KS4_Total").name == "KS4_Total"


def test_positions():
    text = "(a + b) * f(c, -2^2) == .a"
    root = parse(text)
    spans = {sx(n): text[n.pos[0]:n.pos[1]] for n in walk(root)}
    assert spans == {
        sx(root): text,
        "(* (+ a b) f[c (- (^ 2 2))])": "(a + b) * f(c, -2^2)",
        "(+ a b)": "(a + b)",
        "a": "a", "b": "b", "c": "c",
        "f[c (- (^ 2 2))]": "f(c, -2^2)",
        "(- (^ 2 2))": "-2^2",
        "(^ 2 2)": "2^2",
        "2": "2",
        ".a": ".a",
    }


def test_positions_in_a_slice_are_offsets_in_the_whole_text():
    text = "earnings if x + 1 > 5 in 1/5"
    node = parse(text, 12, 21)
    assert node.pos == (12, 21)
    assert node.left.left.pos == (12, 13)


def error(text, cls=StataSyntaxError):
    with pytest.raises(cls) as info:
        parse(text)
    err = info.value
    assert err.hint == caret(text, *err.pos)
    return err


@pytest.mark.parametrize("text, message, pos", [
    ("", "invalid syntax: expression expected", (0, 1)),
    ("   ", "invalid syntax: expression expected", (0, 1)),
    ("x +", "invalid syntax: operand expected after '+'", (3, 4)),
    ("-", "invalid syntax: operand expected after '-'", (1, 2)),
    ("x + * y", "invalid syntax: operand expected before '*'", (4, 5)),
    ("x == )", "invalid syntax: operand expected before ')'", (5, 6)),
    ("()", "invalid syntax: operand expected before ')'", (1, 2)),
    ("f(x,)", "invalid syntax: operand expected before ')'", (4, 5)),
    ("f(,x)", "invalid syntax: operand expected before ','", (2, 3)),
    ("]", "invalid syntax: operand expected before ']'", (0, 1)),
    ("x y", "invalid syntax: 'y' unexpected", (2, 3)),
    ("x !", "invalid syntax: '!' unexpected", (2, 3)),
    ("5 (y)", "invalid syntax: '(' unexpected", (2, 3)),
    ("x, y", "invalid syntax: ',' unexpected", (1, 2)),
    ("(a, b)", "invalid syntax: ',' unexpected", (2, 3)),
    ("(x", "too few ')'", (0, 1)),
    ("((x)", "too few ')'", (0, 1)),
    ("f(x", "too few ')'", (1, 2)),
    ("f(g(x)", "too few ')'", (1, 2)),
    ("x)", "too many ')'", (1, 2)),
    ("f(x))", "too many ')'", (4, 5)),
    ("x = 1", "'=' invalid in an expression; use == to test equality", (2, 3)),
])
def test_errors(text, message, pos):
    err = error(text)
    assert (err.rc, err.message, err.pos) == (198, message, pos)


def test_explicit_subscripts_refused():
    err = error("x[_n-1] > 0")
    assert err.rc == 198
    assert err.message.startswith("explicit subscripts are not supported: x[...]")
    assert err.pos == (1, 2)


def test_parenthesis_limit():
    assert parse("(" * 249 + "x" + ")" * 249) == Name("x")
    assert parse("abs(" * 249 + "x" + ")" * 249).name == "abs"
    assert parse("-(" * 249 + "x" + ")" * 249).op == "-"
    text = "(" * 250 + "x" + ")" * 250
    err = error(text, ExpressionTooLong)
    assert err.rc == 130 and "249 nested parentheses" in err.message
    assert err.pos == (249, 250)


def test_parenthesis_count_is_nesting_not_total():
    assert parse(" + ".join(["(x)"] * 400)).op == "+"


def test_operator_limit():
    assert parse(" + ".join(["x"] * 801)).op == "+"
    text = " + ".join(["x"] * 802)
    err = error(text, ExpressionTooLong)
    assert err.rc == 130 and "800 operators" in err.message
    assert err.pos == (4 * 801 - 2, 4 * 801 - 1)  # the 801st "+"


def test_deepest_legal_tree_parses_walks_and_unparses():
    text = "abs(" * 249 + " + ".join(["x"] * 801) + ")" * 249
    tree = parse(text)
    assert sum(1 for _ in walk(tree)) == 249 + 800 + 801  # calls, "+", names
    assert unparse(parse(unparse(tree))) == unparse(tree)


def test_endless_prefix_chain_is_refused_not_crashing():
    err = error("-" * 5000 + "x", ExpressionTooLong)
    assert err.rc == 130 and "nested too deeply" in err.message


# -- unparse ---------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("!x==5", "!x == 5"),
    ("-2^2", "-2^2"),
    ("(-2)^2", "(-2)^2"),
    ("2^(3^2)", "2^(3^2)"),
    ("2^3^2", "2^3^2"),
    ("a-(b-c)", "a - (b - c)"),
    ("a+(b-c)", "a + b - c"),
    ("!(a&b)", "!(a & b)"),
    ("!(-x)", "!(-x)"),
    ("x~=1", "x != 1"),
    ('`"a "b""\'', '`"a "b""\''),
    ("f( x ,y )", "f(x, y)"),
    ("td( 1jan2020 )", "td(1jan2020)"),
    ("1e20 + 0.1 + 1e-7", "1e+20 + 0.1 + 1e-07"),
])
def test_unparse(text, expected):
    assert unparse(parse(text)) == expected


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
EPOCH = dt.date(1960, 1, 1)
DATE_NAMES = {"td", "tc", "tw", "tm", "tq", "th", "ty", "tb"}


def _td(d):
    return DateLiteral("td", float((d - EPOCH).days), f"{d.day}{MONTHS[d.month - 1]}{d.year}")


def _tc(t):
    ms = t.microsecond // 1000
    value = ((t.date() - EPOCH).days * 86400 + t.hour * 3600 + t.minute * 60 + t.second) * 1000 + ms
    text = f"{t.day:02d}{MONTHS[t.month - 1].upper()}{t.year} {t.hour}:{t.minute:02d}:{t.second:02d}.{ms:03d}"
    return DateLiteral("tc", float(value), text)


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
function_names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in DATE_NAMES)
leaves = st.one_of(
    st.integers(0, 10**15).map(lambda v: Number(float(v))),
    st.floats(0, 1e300, allow_nan=False, allow_infinity=False).map(Number),
    st.sampled_from([""] + [chr(c) for c in range(ord("a"), ord("z") + 1)]).map(Missing),
    st.text(st.characters(blacklist_characters="`'", blacklist_categories=("Cs", "Cc")),
            max_size=6).map(String),
    names.map(Name),
    st.dates(dt.date(100, 1, 1), dt.date(9999, 12, 31)).map(_td),
    st.datetimes(dt.datetime(100, 1, 1), dt.datetime(9999, 12, 31)).map(_tc),
)
trees = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.builds(Unary, st.sampled_from(["-", "!"]), sub),
        st.builds(Binary, st.sampled_from(sorted(BINARY)), sub, sub),
        st.builds(lambda n, a: Call(n, tuple(a)), function_names, st.lists(sub, max_size=3)),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_round_trip(tree):
    text = unparse(tree)
    parsed = parse(text)
    assert parsed == tree, text
    # Every node's span is the text of that node.
    for node in walk(parsed):
        assert parse(text[node.pos[0]:node.pos[1]]) == node


@pytest.mark.parametrize("text, name", [
    ("_b[x] > 0", "_b"), ("y < _se[x]", "_se"), ("_coef[x] == 1", "_coef"),
])
def test_estimation_results_are_untranslatable_not_subscripts(text, name):
    """_b[x] is valid Stata (help _variables), but has no value on the server."""
    with pytest.raises(Untranslatable) as info:
        parse(text)
    err = info.value
    assert err.rc == 5104
    assert err.message.startswith(f"{name}[] (the results of the last estimation) cannot be "
                                  "pushed down to the server")
    start = text.index(name)
    assert err.pos == (start, start + len(name))
