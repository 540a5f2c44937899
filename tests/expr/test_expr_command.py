"""The leoload command line: splitting, varlist, if, in, options, clist."""

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leostata.errors import (
    ExpressionTooLong, LeostataError, StataSyntaxError, Untranslatable, caret,
)
from leostata.expr import command as command_module
from leostata.expr import (
    Binary, Call, ClistItem, Name, Number, Option, String, parse, parse_clist, parse_command,
    parse_options, split_positional_and_options,
)
from leostata.expr.tokens import skip_string, syntax_error

FULL = (
    "earnings Edukey TaxYear-Earnings KS4_* if TaxYear >= 201516 in 1/100, "
    "collapse((p50) Earnings (mean) mean_e=Earnings) by(TaxYear) cw "
    "sample(10, seed(3)) frame(res, replace) clear"
)


def span(text, pos):
    return text[pos[0]:pos[1]]


def error(fn, text, cls=StataSyntaxError):
    with pytest.raises(cls) as info:
        fn(text)
    err = info.value
    assert err.hint == caret(text, *err.pos)
    return err


def test_full_command():
    cmd = parse_command(FULL)
    assert cmd.text == FULL
    assert (cmd.table, span(FULL, cmd.table_pos)) == ("earnings", "earnings")
    assert [t.token for t in cmd.varlist] == ["Edukey", "TaxYear-Earnings", "KS4_*"]
    assert all(span(FULL, t.pos) == t.token for t in cmd.varlist)
    assert cmd.if_expr == Binary(">=", Name("TaxYear"), Number(201516))
    assert cmd.if_text == "TaxYear >= 201516" == span(FULL, cmd.if_pos)
    assert span(FULL, cmd.if_expr.left.pos) == "TaxYear"
    assert cmd.in_range == (1, 100) and span(FULL, cmd.in_pos) == "1/100"
    assert [(o.name, o.args) for o in cmd.options] == [
        ("collapse", "(p50) Earnings (mean) mean_e=Earnings"),
        ("by", "TaxYear"),
        ("cw", None),
        ("sample", "10, seed(3)"),
        ("frame", "res, replace"),
        ("clear", None),
    ]
    for o in cmd.options:
        assert span(FULL, o.pos).startswith(o.name)
        if o.args is not None:
            assert span(FULL, o.args_pos) == o.args


def test_nested_option_parsing_keeps_positions_in_the_command():
    cmd = parse_command(FULL)
    sample = cmd.options[3]
    pct, pct_pos, opts = split_positional_and_options(cmd.text, *sample.args_pos)
    assert (pct, span(FULL, pct_pos)) == ("10", "10")
    assert opts == [Option("seed", "3", opts[0].pos, opts[0].args_pos)]
    assert span(FULL, opts[0].pos) == "seed(3)"
    clist = parse_clist(cmd.text, *cmd.options[0].args_pos)
    assert [(c.stat, c.target, c.source) for c in clist] == [
        ("p50", None, "Earnings"), ("mean", "mean_e", "Earnings"),
    ]
    assert span(FULL, clist[1].pos) == "mean_e=Earnings"
    assert span(FULL, clist[1].stat_pos) == "(mean)"


@pytest.mark.parametrize("text, table", [
    ("earnings", "earnings"), ("dbo.earnings", "dbo.earnings"), ("  t  ", "t"),
    ("t, clear", "t"), ("t,clear", "t"), ("_t1", "_t1"),
])
def test_table(text, table):
    cmd = parse_command(text)
    assert cmd.table == table
    assert cmd.varlist == [] and cmd.if_expr is None and cmd.in_range is None


@pytest.mark.parametrize("text, message, pos", [
    ("", "invalid syntax: table name required", (0, 1)),
    (", clear", "invalid syntax: table name required", (0, 1)),
    ("if x > 1", "invalid syntax: table name required", (0, 2)),
    ("1abc", "'1abc' invalid table name", (0, 4)),
    ("a.b.c.d", "'a.b.c.d' invalid table name", (0, 7)),
    ('"t"', "'\"t\"' invalid table name", (0, 3)),
])
def test_table_errors(text, message, pos):
    err = error(parse_command, text)
    assert (err.rc, err.message, err.pos) == (198, message, pos)


def test_varlist_tokens_are_raw():
    text = "t a b* ?c x~ KS4_* first-last a - c"
    cmd = parse_command(text)
    assert cmd.varlist == [
        ("a", (2, 3)), ("b*", (4, 6)), ("?c", (7, 9)), ("x~", (10, 12)),
        ("KS4_*", (13, 18)), ("first-last", (19, 29)), ("a-c", (30, 35)),
    ]
    assert cmd.varlist[0].token == "a" and cmd.varlist[0].pos == (2, 3)


@pytest.mark.parametrize("text, message, pos", [
    ("t x>5", "'x>5' invalid name; did you forget 'if'?", (2, 5)),
    ("t 1x", "'1x' invalid name", (2, 4)),
    ("t a-b-c", "'a-b-c' invalid name", (2, 7)),
    ("t a-", "'a-' invalid name", (2, 4)),
    ('t "x"', "'\"x\"' invalid name", (2, 5)),
    ("t f(x)", "'f(x)' invalid name", (2, 6)),
])
def test_varlist_errors(text, message, pos):
    err = error(parse_command, text)
    assert (err.message, err.pos) == (message, pos)


@pytest.mark.parametrize("text, if_text", [
    ('t if inlist(x, 1, 2) & s == "a, b in c", clear', 'inlist(x, 1, 2) & s == "a, b in c"'),
    ("t if s == `\"say \"in\", if\"' in 5", "s == `\"say \"in\", if\"'"),
    ("t if (x > 1 | y in 1/2", None),
    ("t if(x > 1) in 1/2", "(x > 1)"),
    ("t if !missing(x)", "!missing(x)"),
    ("t if!missing(x)", "!missing(x)"),
    ("t in 1/5 if x == 1, clear", "x == 1"),
    ("t if   x   ==   1   ,clear", "x   ==   1"),
    ("t if strpos(s, \",\") > 0", "strpos(s, \",\") > 0"),
])
def test_if_splitting(text, if_text):
    if if_text is None:
        err = error(parse_command, text)
        assert (err.message, err.pos) == ("too few ')'", (5, 6))
        return
    cmd = parse_command(text)
    assert cmd.if_text == if_text == span(text, cmd.if_pos)
    assert cmd.if_expr.pos == cmd.if_pos


def test_if_expression_tree_and_positions():
    text = 'leo_table x if inlist(x, 1, 2) & s == "a, b in c", clear'
    cmd = parse_command(text)
    assert cmd.if_expr == Binary(
        "&",
        Call("inlist", (Name("x"), Number(1), Number(2))),
        Binary("==", Name("s"), String("a, b in c")),
    )
    assert span(text, cmd.if_expr.right.right.pos) == '"a, b in c"'
    assert [o.name for o in cmd.options] == ["clear"]


def test_if_errors_have_carets_in_the_whole_command():
    text = "earnings if TaxYear = 2015, clear"
    err = error(parse_command, text)
    assert err.message.startswith("'=' invalid in an expression")
    assert err.pos == (20, 21)
    assert err.hint.splitlines()[0] == "    " + text
    err = error(parse_command, "earnings if x + , clear")
    assert err.message == "invalid syntax: operand expected after '+'"
    assert err.pos == (15, 16)


def test_if_limits_apply():
    text = "t if " + "(" * 250 + "x" + ")" * 250
    assert error(parse_command, text, ExpressionTooLong).rc == 130


@pytest.mark.parametrize("text, rng", [
    ("t in 5", (5, 5)),
    ("t in 1/100", (1, 100)),
    ("t in -10/l", (-10, -1)),
    ("t in f/l", (1, -1)),
    ("t in F/L", (1, -1)),
    ("t in l", (-1, -1)),
    ("t in f", (1, 1)),
    ("t in f/10", (1, 10)),
    ("t in -5/-1", (-5, -1)),
    ("t in 1 / 5", (1, 5)),
    ("t in 3/-2", (3, -2)),
    ("t x in 1/5, clear", (1, 5)),
])
def test_in_range(text, rng):
    cmd = parse_command(text)
    assert cmd.in_range == rng


@pytest.mark.parametrize("text, message, pos", [
    ("t in 0", "'0': observation numbers out of range", (5, 6)),
    ("t in 0/5", "'0/5': observation numbers out of range", (5, 8)),
    ("t in 5/1", "'5/1': observation numbers out of range", (5, 8)),
    ("t in -1/-5", "'-1/-5': observation numbers out of range", (5, 10)),
    ("t in abc", "'abc' invalid observation range", (5, 8)),
    ("t in 1.5", "'1.5' invalid observation range", (5, 8)),
    ("t in 1/5 x", "'1/5 x' invalid observation range", (5, 10)),
    ("t in", "invalid syntax: observation range expected after 'in'", (4, 5)),
    ("t in , clear", "invalid syntax: observation range expected after 'in'", (4, 5)),
    ("t if , clear", "invalid syntax: expression expected after 'if'", (4, 5)),
    ("t if x in 1 if y", "invalid syntax: 'if' given twice", (12, 14)),
    ("t in 1 in 2", "invalid syntax: 'in' given twice", (7, 9)),
])
def test_if_in_errors(text, message, pos):
    err = error(parse_command, text)
    assert (err.rc, err.message, err.pos) == (198, message, pos)


@pytest.mark.parametrize("text, message, pos", [
    ('t if s == "abc, clear', "unmatched quote", (10, 11)),
    ("t x), clear", "too many ')'", (3, 4)),
    ("t, by(x", "too few ')'", (5, 6)),
    ("t, by(x))", "too many ')'", (8, 9)),
    ("t, (x)", "invalid syntax: option name expected before '('", (3, 4)),
    ("t, clear, frame(x)", "invalid syntax: ',' unexpected in options", (8, 9)),
    ("t, 5", "invalid syntax: '5' unexpected in options", (3, 4)),
    ("t, maxobs=5", "invalid syntax: '=' unexpected in options", (9, 10)),
    ('t, search("a', "unmatched quote", (10, 11)),
    ("t 1x, by(y", "'1x' invalid name", (2, 4)),
])
def test_command_grammar_errors(text, message, pos):
    err = error(parse_command, text)
    assert (err.rc, err.message, err.pos) == (198, message, pos)


@pytest.mark.parametrize("text, expected", [
    ("clear", [("clear", None)]),
    ("clear()", [("clear", "")]),
    ("by( TaxYear  )", [("by", "TaxYear")]),
    ("by (x)", [("by", "x")]),
    ("frame(x)clear", [("frame", "x"), ("clear", None)]),
    ('search("a (b") cw', [("search", '"a (b"'), ("cw", None)]),
    ("search(`\"a \") b\"')", [("search", "`\"a \") b\"'")]),
    ("collapse((p50) x (mean) m=(y)) sdc", [("collapse", "(p50) x (mean) m=(y)"), ("sdc", None)]),
    ("  ", []),
    ("", []),
])
def test_parse_options(text, expected):
    options = parse_options(text)
    assert [(o.name, o.args) for o in options] == expected
    for o in options:
        if o.args is not None:
            assert span(text, o.args_pos) == o.args


def test_parse_options_positions():
    text = "clear frame(res, replace)"
    assert parse_options(text) == [
        Option("clear", None, (0, 5)),
        Option("frame", "res, replace", (6, 25), (12, 24)),
    ]


@pytest.mark.parametrize("text, positional, names", [
    ("10, seed(3)", "10", ["seed"]),
    ("10", "10", []),
    ("  10 ,  seed(3) ", "10", ["seed"]),
    ("res, replace", "res", ["replace"]),
    ('"a, b", x', '"a, b"', ["x"]),
    (", replace", "", ["replace"]),
])
def test_split_positional_and_options(text, positional, names):
    pos_text, pos, options = split_positional_and_options(text)
    assert pos_text == positional == span(text, pos)
    assert [o.name for o in options] == names


@pytest.mark.parametrize("text, items", [
    ("x", [("mean", None, "x")]),
    ("x y", [("mean", None, "x"), ("mean", None, "y")]),
    ("(p50) Earnings (mean) mean_e=Earnings",
     [("p50", None, "Earnings"), ("mean", "mean_e", "Earnings")]),
    ("(sum) a b (count) n=a", [("sum", None, "a"), ("sum", None, "b"), ("count", "n", "a")]),
    ("m = x", [("mean", "m", "x")]),
    ("m= x n =y", [("mean", "m", "x"), ("mean", "n", "y")]),
    ("(max) a-c KS4_* x?", [("max", None, "a-c"), ("max", None, "KS4_*"), ("max", None, "x?")]),
    ("(mean) a - c", [("mean", None, "a-c")]),
    ("( p 50 ) x", [("p 50", None, "x")]),
    ("(sd)x(min)y", [("sd", None, "x"), ("min", None, "y")]),
])
def test_parse_clist(text, items):
    parsed = parse_clist(text)
    assert [(i.stat, i.target, i.source) for i in parsed] == items


def test_clist_positions():
    text = "(p50) a (mean) m = b"
    assert parse_clist(text) == [
        ClistItem("p50", None, "a", (6, 7), (0, 5)),
        ClistItem("mean", "m", "b", (15, 20), (8, 14)),
    ]
    assert parse_clist("x")[0].stat_pos is None


@pytest.mark.parametrize("text, message, pos", [
    ("", "varlist required", (0, 1)),
    ("(mean)", "varlist required after (mean)", (0, 6)),
    ("(mean) (sum) x", "varlist required after (mean)", (0, 6)),
    ("x (sum)", "varlist required after (sum)", (2, 7)),
    ("=x", "invalid syntax: new variable name expected before '='", (0, 1)),
    ("a=", "invalid syntax: variable name expected after '='", (1, 2)),
    ("a=(mean) x", "invalid syntax: variable name expected after '='", (1, 2)),
    ("a==b", "invalid syntax: variable name expected after '='", (1, 2)),
    ("1a=x", "'1a' invalid name", (0, 2)),
    ("a*=x", "'a*' invalid name", (0, 2)),
    ("(mean x", "too few ')'", (0, 1)),
    ("x)", "too many ')'", (1, 2)),
    ("() x", "invalid syntax: (stat) expected", (0, 2)),
    ("((p50) x)", "invalid syntax: (stat) expected", (0, 6)),
    ('(mean) "x"', "'\"x\"' invalid name", (7, 10)),
])
def test_clist_errors(text, message, pos):
    err = error(parse_clist, text)
    assert (err.rc, err.message, err.pos) == (198, message, pos)


# -- robustness ------------------------------------------------------------

PIECES = list('abxy_19 .,()"`\'=!~<>&|+-*/^[]#$') + [
    "td(", "tc(", " if ", " in ", "1jan2020", '`"', "\"'", ".a", "e-", "f/l",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=25).map("".join))
def test_any_text_gives_a_result_or_a_leostata_error_with_a_caret_inside(text):
    for fn in (parse, parse_command, parse_clist, parse_options, split_positional_and_options):
        try:
            fn(text)
        except LeostataError as err:
            assert 0 <= err.pos[0] < err.pos[1] <= len(text) + 1
            assert err.hint == caret(text, *err.pos)


# --- lone surrogates are refused before anything else --------------------------------------

@pytest.mark.parametrize("text, rc, at", [
    ('t if s == "a\ud800"', 5104, 12),
    ('t if s == `"\udc80"\'', 5104, 12),
    ('t if inlist(s, "a", "\udfff")', 5104, 21),
    ("t\udc80 x", 198, 1),
    ("t x\ud800y if s == 1", 198, 3),
    ('t if s == "a", frame(\udc80)', 198, 21),
])
def test_lone_surrogates_are_refused(text, rc, at):
    cls = Untranslatable if rc == 5104 else StataSyntaxError
    with pytest.raises(cls) as info:
        parse_command(text)
    err = info.value
    assert (err.rc, err.pos) == (rc, (at, at + 1))
    assert err.hint == caret(text.replace(text[at], "\ufffd"), at, at + 1)
    err.render().encode("utf-8")


# --- the weight clause (issue 14 item 5) ----------------------------------------------------


@pytest.mark.parametrize("text, kind, typed, exp", [
    ("t x [aw=w], collapse(x)", "aweight", "aw", "w"),
    ("t x [aweight = w]", "aweight", "aweight", "w"),
    ("t [fw=n]", "fweight", "fw", "n"),
    ("t x [fweigh=n]", "fweight", "fweigh", "n"),
    ("t x [pw=p] if a > 1", "pweight", "pw", "p"),
    ("t x [iw=v]", "iweight", "iw", "v"),
    ("t x [w=v]", None, "w", "v"),
    ("t x [weight=v]", None, "weight", "v"),
    ("t x[aw=v]", "aweight", "aw", "v"),
    ("t x [aw=2*v]", "aweight", "aw", "2*v"),
])
def test_weight_clause(text, kind, typed, exp):
    cmd = parse_command(text)
    w = cmd.weight
    assert (w.kind, w.typed, w.exp_text, span(text, w.exp_pos)) == (kind, typed, exp, exp)
    assert span(text, w.pos).startswith("[") and span(text, w.pos).endswith("]")
    assert [t.token for t in cmd.varlist] == ([] if text.startswith("t [") else ["x"])


@pytest.mark.parametrize("text", [
    "t x if a > 1 [aw=w] in 1/5", "t x in 1/5 [aw=w] if a > 1", "t x [aw=w] if a > 1 in 1/5",
])
def test_weight_clause_anywhere_among_if_and_in(text):
    cmd = parse_command(text)
    assert (cmd.if_text, cmd.in_range, cmd.weight.exp_text) == ("a > 1", (1, 5), "w")


def test_no_weight_and_subscripts_are_not_weights():
    assert parse_command("t x if a > 1, collapse(x)").weight is None
    assert parse_command('t x if s == "[aw=w]"').weight is None


@pytest.mark.parametrize("text, message, pos", [
    ("t x [aw=w] [fw=v]", "invalid syntax: weights given twice", (11, 17)),
    ("t x [aw=w] y", "invalid syntax: the weight goes after the varlist "
                     "(and before or after if and in)", (11, 12)),
    ("t x [xw=w]", "xw not allowed: the weight types are fweight, aweight, pweight, "
                   "iweight and weight", (5, 7)),
    ("t x [a=w]", "a not allowed: the weight types are fweight, aweight, pweight, "
                  "iweight and weight", (5, 6)),
    ("t x [aw= ]", "invalid syntax: expression expected after '='", (4, 10)),
    ("t x [aw=w", "too few ']'", (4, 5)),
])
def test_weight_errors(text, message, pos):
    err = error(parse_command, text)
    assert (err.message, err.pos) == (message, pos)


# --- the nesting scanner: the same top-level brackets as the three scanners it replaced ----
# Frozen copies of _weight_start, _bracket_end and _matching_parenthesis as they were
# before command._nesting served all three; they are the reference, kept only here.

def _old_weight_start(word):
    depth = 0
    i = 0
    while i < len(word):
        ch = word[i]
        if ch == '"' or word.startswith('`"', i):
            i = skip_string(word, i, len(word))
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "[" and depth == 0 and command_module._WEIGHT.match(word, i):
            return i
        i += 1
    return None


def _old_bracket_end(word, i):
    depth = 0
    j = i
    while j < len(word):
        ch = word[j]
        if ch == '"' or word.startswith('`"', j):
            j = skip_string(word, j, len(word))
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _old_matching_parenthesis(text, i, end):
    depth = 0
    j = i
    while j < end:
        ch = text[j]
        if ch == '"' or text.startswith('`"', j, end):
            j = skip_string(text, j, end)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    raise syntax_error(text, i, i + 1, "too few ')'")


def _outcome(fn, *args):
    """What ``fn(*args)`` gives: ("value", v) or ("error", class, message, pos)."""
    try:
        return ("value", fn(*args))
    except LeostataError as err:
        return ("error", type(err), err.message, err.pos)


SCANNER_PIECES = ["[", "]", "(", ")", '"', '`"', "\"'", "'", "`", "aw", "w", "fweight", "x",
                  "=", "==", " ", "1", "[aw=", "[w = ", '"]"', '"("', "x[1]", " if ", ","]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(SCANNER_PIECES), max_size=14).map("".join), st.data())
def test_one_nesting_scanner_finds_the_brackets_the_three_old_scanners_found(text, data):
    assert _outcome(command_module._weight_start, text) == _outcome(_old_weight_start, text)
    i = data.draw(st.integers(0, len(text)))
    assert _outcome(command_module._bracket_end, text, i) == _outcome(_old_bracket_end, text, i)
    end = data.draw(st.integers(i, len(text)))
    assert (_outcome(command_module._matching_parenthesis, text, i, end)
            == _outcome(_old_matching_parenthesis, text, i, end))


COMMAND_PIECES = ["[aw=w]", "[w = x]", "[fw=a[1]]", '[aw=s=="]"]', "[pw=(a+(b))]", "x[1]",
                  " if a>1", " in 1/5", " ", " y", "(", ")", "[", "]", '"', '`"a"\'', "[aw=", "=",
                  ", c(x)", " , o((a) b [x])", "sort(id)", "aw"]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(COMMAND_PIECES), max_size=8),
                 st.lists(st.sampled_from(SCANNER_PIECES + PIECES), max_size=16)).map("".join))
def test_whole_commands_parse_as_with_the_old_scanners(tail):
    """parse_command (and parse_options) give the same result or error with the
    old scanners put back in place of the new ones."""
    text = "t x" + tail
    new = (_outcome(parse_command, text), _outcome(parse_options, tail))
    with mock.patch.object(command_module, "_weight_start", _old_weight_start), \
            mock.patch.object(command_module, "_bracket_end", _old_bracket_end), \
            mock.patch.object(command_module, "_matching_parenthesis", _old_matching_parenthesis):
        old = (_outcome(parse_command, text), _outcome(parse_options, tail))
    assert new == old
