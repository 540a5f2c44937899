"""Tokenizer: literal forms, operators, offsets, date literals, errors."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leostata.errors import StataSyntaxError, UnknownFunction, Untranslatable, caret
from leostata.expr.tokens import (
    DATE, END, MISSING, NAME, NUMBER, OP, STRING, date_literal_value, tokenize,
)


def kinds_values(text):
    return [(t.kind, t.value) for t in tokenize(text)[:-1]]


def error(text, cls=StataSyntaxError):
    with pytest.raises(cls) as info:
        tokenize(text)
    err = info.value
    assert err.hint == caret(text, *err.pos)
    return err


@pytest.mark.parametrize("text, value", [
    ("5", 5.0), ("007", 7.0), ("1.5", 1.5), (".5", 0.5), ("5.", 5.0),
    ("1e-3", 0.001), ("1E3", 1000.0), ("1e+3", 1000.0), ("1.5e2", 150.0),
    (".5e1", 5.0), ("201516", 201516.0),
])
def test_numbers(text, value):
    assert kinds_values(text) == [(NUMBER, value)]


@pytest.mark.parametrize("text, code", [(".", ""), (".a", "a"), (".z", "z")])
def test_missing(text, code):
    assert kinds_values(text) == [(MISSING, code)]


@pytest.mark.parametrize("text, value", [
    ('"abc"', "abc"),
    ('""', ""),
    ('"a, b in c"', "a, b in c"),
    ('"back\\slash"', "back\\slash"),
    ('`"say "hi""\'', 'say "hi"'),
    ('`"outer `"inner"\' end"\'', 'outer `"inner"\' end'),
    ('`""\'', ""),
    ('"café"', "café"),
])
def test_strings(text, value):
    assert kinds_values(text) == [(STRING, value)]


@pytest.mark.parametrize("text", ["x", "_n", "KS4_total", "x1", "café", "Ärger", "_"])
def test_names(text):
    assert kinds_values(text) == [(NAME, text)]


@pytest.mark.parametrize("text, value", [
    ("+", "+"), ("-", "-"), ("*", "*"), ("/", "/"), ("^", "^"),
    ("!", "!"), ("~", "!"), ("==", "=="), ("!=", "!="), ("~=", "!="),
    ("<", "<"), (">", ">"), ("<=", "<="), (">=", ">="), ("&", "&"), ("|", "|"),
    ("(", "("), (")", ")"), (",", ","), ("[", "["), ("]", "]"),
])
def test_operators_canonical(text, value):
    assert kinds_values(text) == [(OP, value)]


def test_offsets():
    toks = tokenize('x>=10 & s=="a b"')
    assert [(t.text, t.start, t.end) for t in toks] == [
        ("x", 0, 1), (">=", 1, 3), ("10", 3, 5), ("&", 6, 7), ("s", 8, 9),
        ("==", 9, 11), ('"a b"', 11, 16), ("", 16, 16),
    ]
    assert toks[-1].kind == END


def test_slice_offsets_are_in_whole_text():
    text = "earnings if x+1 in 5"
    toks = tokenize(text, 12, 15)
    assert [(t.text, t.start, t.end) for t in toks] == [
        ("x", 12, 13), ("+", 13, 14), ("1", 14, 15), ("", 15, 15),
    ]


def test_no_space_needed_between_tokens():
    assert [t.text for t in tokenize("!x==.a|y~=-1")[:-1]] == [
        "!", "x", "==", ".a", "|", "y", "~=", "-", "1",
    ]


@pytest.mark.parametrize("text, kind, value, inner", [
    ("td(01jan1960)", "td", 0, "01jan1960"),
    ("td(2jan1960)", "td", 1, "2jan1960"),
    ("td(31dec1959)", "td", -1, "31dec1959"),
    ("td(01jan2020)", "td", 21915, "01jan2020"),
    ("td(1jan2020)", "td", 21915, "1jan2020"),
    ("td(1 Jan 2020)", "td", 21915, "1 Jan 2020"),
    ("td( 01-JAN-2020 )", "td", 21915, "01-JAN-2020"),
    ("td(1january2020)", "td", 21915, "1january2020"),
    ("td(29feb2020)", "td", 21974, "29feb2020"),
    ("td (15jan2010)", "td", 18277, "15jan2010"),
    ("tc(2jan1960 13:42)", "tc", 135720000, "2jan1960 13:42"),
    ("tc(29nov2007 9:15)", "tc", 1511946900000, "29nov2007 9:15"),
    ("tc(13:42)", "tc", 49320000, "13:42"),
    ("tc(01jan1960 00:00:01.5)", "tc", 1500, "01jan1960 00:00:01.5"),
    ("tc(01jan1960 00:00:00.007)", "tc", 7, "01jan1960 00:00:00.007"),
    ("tc(1jan2020)", "tc", 21915 * 86_400_000, "1jan2020"),
])
def test_date_literals(text, kind, value, inner):
    (tok,) = tokenize(text)[:-1]
    assert tok.kind == DATE
    assert tok.value == (kind, value, inner)
    assert (tok.start, tok.end) == (0, len(text))


def test_date_literal_inside_expression():
    toks = tokenize("d >= td(1jan2020) & d < .")
    assert [t.kind for t in toks] == [NAME, OP, DATE, OP, NAME, OP, MISSING, END]
    assert (toks[2].start, toks[2].end) == (5, 17)


def test_td_and_tc_as_plain_names():
    assert kinds_values("td + tc") == [(NAME, "td"), (OP, "+"), (NAME, "tc")]


@pytest.mark.parametrize("inner", [
    "31feb2020", "29feb2019", "32jan2020", "0jan2020", "1foo2020", "2020-01-01",
    "1/1/2020", "1jan20", "1jan99", "", "x", "1jan2020 10:00",
])
def test_td_invalid(inner):
    assert date_literal_value("td", inner) is None
    text = f"td({inner})"
    err = error(text)
    assert err.rc == 198
    assert "invalid date in td()" in err.message
    assert err.pos == (3, max(3 + len(inner), 4))


@pytest.mark.parametrize("inner", ["24:00", "12:60", "1jan2020 1:2:60", "1jan202013:42", "", "1:2:3.4567"])
def test_tc_invalid(inner):
    assert date_literal_value("tc", inner) is None
    assert "invalid date in tc()" in error(f"tc({inner})").message


def test_date_literal_unclosed():
    err = error("td(1jan2020")
    assert err.message == "too few ')'" and err.pos == (2, 3)


def test_leap_second_and_other_pseudo_functions_refused():
    err = error("tC(1jan2020 10:00)", Untranslatable)
    assert err.rc == 5104 and "tC()" in err.message and err.pos == (0, 18)
    err = error("x > tm(2020m1)", Untranslatable)
    assert "tm()" in err.message and err.pos == (4, 14)


def test_date_function_names_are_case_sensitive():
    err = error("TD(01jan2020)", UnknownFunction)
    assert err.rc == 133 and err.message == "unknown function TD()" and err.pos == (0, 2)


@pytest.mark.parametrize("text, message, pos", [
    ("x # 2", "'#' not allowed in an expression", (2, 3)),
    ("x $ 2", "'$' not allowed in an expression", (2, 3)),
    ("`x'", "'`' not allowed in an expression", (0, 1)),
    ("x = 5", "'=' invalid in an expression; use == to test equality", (2, 3)),
    ("x <> 5", "'<>' invalid; use != (or ~=) for not equal", (2, 4)),
    ("x && y", "'&&' invalid; use & for and", (2, 4)),
    ("x || y", "'||' invalid; use | for or", (2, 4)),
    ('s == "abc', "unmatched quote", (5, 6)),
    ('s == `"abc"', "unmatched quote", (5, 7)),
    ('`"a `"b"\'', "unmatched quote", (0, 2)),
    ("1e", "'1e' invalid number", (0, 2)),
    ("2x", "'2x' invalid number", (0, 2)),
    ("1.5e+", "'1.5e+' invalid number", (0, 5)),
    ("x + 3abc", "'3abc' invalid number", (4, 8)),
    ("1e400", "'1e400' invalid number: too large", (0, 5)),
    (".ab", "'.ab' invalid missing value; use . or .a to .z", (0, 3)),
    (".A", "'.A' invalid missing value; use . or .a to .z", (0, 2)),
])
def test_errors(text, message, pos):
    err = error(text)
    assert err.rc == 198
    assert err.message == message
    assert err.pos == pos


# --- lone surrogates ------------------------------------------------------------------------

SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
PLAIN = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters='"`\''), max_size=8)


@settings(max_examples=200, deadline=None)
@given(before=PLAIN, surrogate=SURROGATES, after=PLAIN, compound=st.booleans())
def test_lone_surrogate_in_a_string_literal_is_untranslatable(before, surrogate, after, compound):
    literal = (f'`"{before}{surrogate}{after}"\'' if compound
               else f'"{before}{surrogate}{after}"')
    text = f"Region == {literal}"
    with pytest.raises(Untranslatable) as info:
        tokenize(text)
    err = info.value
    at = text.index(surrogate)
    assert err.rc == 5104 and err.pos == (at, at + 1)
    assert err.message.startswith(f"string literal contains U+{ord(surrogate):04X}, a lone "
                                  "surrogate")
    shown = text.replace(surrogate, "\ufffd")
    assert err.hint == caret(shown, at, at + 1)
    err.render().encode("utf-8")  # printable: the surrogate is not in the message


def test_lone_surrogate_outside_a_string_is_invalid_syntax():
    with pytest.raises(StataSyntaxError) as info:
        tokenize("x == 1 & \udc80")
    err = info.value
    assert (err.rc, err.pos) == (198, (9, 10))
    assert err.message == "invalid character U+DC80 (a lone surrogate, not a Unicode character)"
    err.render().encode("utf-8")


def test_surrogate_pairs_and_other_characters_are_kept():
    assert kinds_values('"\U0001F600 é €"') == [(STRING, "\U0001F600 é €")]
