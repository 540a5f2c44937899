"""plan.py: variable lists, type checking, the option table, plan_load -
every refusal with its message and Stata return code."""

from __future__ import annotations

import math

import pytest

from leostata.errors import (ExpressionTooLong, NotFound, StataSyntaxError, TypeMismatch,
                             UnknownFunction, Untranslatable, caret)
from leostata.expr import parse, parse_command
from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.expr.nodes import Binary, Name, Number, walk
from leostata.plan.options import SdcRequest
from leostata.plan import (OPTIONS, SYSTEM_NAMES, check_expression, find_option, plan_load,
                           resolve_varlist)
from tests.translate.leo_table import catalog, leo_table

TABLE = leo_table()
BRIEF = ("leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516 & !missing(Earnings) "
         "in 1/100, sample(10, seed(3)) clear")


def names(cols):
    return [c.name for c in cols]


def refused(fn, cls, rc, message):
    with pytest.raises(cls) as info:
        fn()
    assert info.value.rc == rc
    assert message in info.value.message, info.value.render()
    return info.value


# --- variable lists ----------------------------------------------------------------------


@pytest.mark.parametrize("tokens, expected", [
    (["Edukey"], ["Edukey"]),
    (["Earn"], ["Earnings"]),                          # unique abbreviation
    (["KS4_*"], ["KS4_APS", "KS4_Level2", "KS4_English"]),
    (["KS4_Level?"], ["KS4_Level2"]),
    (["*Start"], ["EmpStart"]),
    (["Reg~"], ["Region"]),                            # ~: one variable only
    (["TaxYear-EmpStart"], ["TaxYear", "Earnings", "EmpStart"]),
    (["TaxYear", "-", "EmpStart"], ["TaxYear", "Earnings", "EmpStart"]),  # spaced range
    (["Ta-Earn"], ["TaxYear", "Earnings"]),            # abbreviations in a range
    (["Region", "Edukey", "Region"], ["Region", "Edukey"]),  # named twice: kept once
    (["*"], [c.name for c in TABLE.columns]),
])
def test_resolve_varlist(tokens, expected):
    assert names(resolve_varlist(tokens, TABLE)) == expected


@pytest.mark.parametrize("token, cls, message", [
    ("edukey", NotFound, "variable edukey not found"),        # case-sensitive
    ("Income", NotFound, "variable Income not found"),
    ("KS4_", NotFound, "KS4_ ambiguous abbreviation"),
    ("E", NotFound, "E ambiguous abbreviation"),
    ("KS4_~", NotFound, "KS4_~ ambiguous abbreviation"),
    ("Zip*", NotFound, "variable Zip* not found"),
    ("EmpStart-TaxYear", StataSyntaxError, "invalid range (variables out of order)"),
    ("KS4_*-Region", StataSyntaxError, "wildcards are not allowed in a range"),
])
def test_resolve_varlist_refusals(token, cls, message):
    err = refused(lambda: resolve_varlist([token], TABLE), cls, cls.rc, message)
    assert err.rc in (111, 198)


def test_unknown_variable_suggests_a_name_and_points_at_it():
    text = "leo_earnings Edukey Earnigs"
    cmd = parse_command(text)
    err = refused(lambda: resolve_varlist(cmd.varlist, TABLE, text=text), NotFound, 111,
                  "variable Earnigs not found")
    assert caret(text, 20, 27) in err.hint
    assert "did you mean Earnings?" in err.hint
    err = refused(lambda: resolve_varlist(["edukey"], TABLE), NotFound, 111, "edukey")
    assert "did you mean Edukey?" in err.hint


# --- type checking -----------------------------------------------------------------------


def checked(text):
    return check_expression(parse(text), TABLE, text=text)


def test_check_expression_fills_types_and_columns():
    node = checked('TaxYear >= 201516 & Region + "x" == "Londonx" & year(EmpStart) > 2000')
    for n in walk(node):
        assert n.stype in ("num", "str")
        if isinstance(n, Name):
            assert n.column is not None and n.column.name == n.name
    assert node.stype == "num"
    region = node.left.right.left.left
    assert region.stype == "str" and region.column.name == "Region"


def test_check_expression_expands_abbreviations_and_keeps_the_input():
    source = parse("Earn > 5")
    node = check_expression(source, TABLE)
    assert node.left.column.name == "Earnings"
    assert source.left.column is None and source.stype is None  # input untouched


def test_aliases_and_optional_arguments():
    assert checked("mi(Region) | lower(Region) == upper(Sex) | trim(Region) == \"\"").stype == "num"
    assert checked("round(KS4_APS)").stype == "num"
    assert checked("cond(FSM, Region, Sex)").stype == "str"
    assert checked('cond(FSM, 1, 2, 3)').stype == "num"


@pytest.mark.parametrize("text, message", [
    ('Region > 5', "type mismatch"),
    ('TaxYear + Region', "type mismatch"),
    ('-Region', "type mismatch"),
    ('!Region', "type mismatch"),
    ('Region & 1', "type mismatch"),
    ('Region * 2', "type mismatch"),
    ('abs(Region)', "type mismatch"),
    ('substr(TaxYear, 1, 2) == "a"', "type mismatch"),
    ('inlist(TaxYear, 1, "a")', "type mismatch"),
    ('inrange(Region, 1, 2)', "type mismatch"),
    ('cond(Region, 1, 2)', "type mismatch"),
    ('cond(FSM, 1, "a")', "type mismatch"),
    ('strmatch(Region, 5)', "type mismatch"),
])
def test_type_mismatch_is_r109(text, message):
    err = refused(lambda: checked(text), TypeMismatch, 109, message)
    assert err.hint.startswith("    " + text)  # caret under the offending part


def test_unknown_function_is_r133():
    err = refused(lambda: checked("foo(TaxYear) > 1"), UnknownFunction, 133,
                  "unknown function foo()")
    assert "^^^" in err.hint


@pytest.mark.parametrize("text, hint", [
    ("substr(Region, 1)", "substr() takes 3 arguments, not 2"),
    ("abs(1, 2)", "abs() takes 1 argument, not 2"),
    ("cond(1, 2)", "cond() takes 3 to 4 arguments, not 2"),
    ("missing()", "missing() takes at least 1 argument, not 0"),
    ("inlist(TaxYear)", "inlist() takes at least 2 arguments, not 1"),
])
def test_wrong_number_of_arguments_is_r198(text, hint):
    err = refused(lambda: checked(text), StataSyntaxError, 198, "invalid syntax")
    assert hint in err.hint


def test_inlist_argument_limits_are_statas():
    ok = "inlist(TaxYear, " + ", ".join(str(i) for i in range(249)) + ")"
    assert checked(ok).stype == "num"
    too_many = "inlist(TaxYear, " + ", ".join(str(i) for i in range(250)) + ")"
    refused(lambda: checked(too_many), ExpressionTooLong, 130, "expression too long")
    strings = "inlist(Region, " + ", ".join(f'"{i}"' for i in range(9)) + ")"
    assert checked(strings).stype == "num"
    too_many = "inlist(Region, " + ", ".join(f'"{i}"' for i in range(10)) + ")"
    err = refused(lambda: checked(too_many), ExpressionTooLong, 130, "expression too long")
    assert "at most 10 arguments with strings" in err.hint


def test_columns_without_a_stata_value_are_refused():
    err = refused(lambda: checked("Photo == 1"), Untranslatable, 5104,
                  "variable Photo (varbinary(100)) cannot be used in an expression")
    assert "^^^^^" in err.hint


# --- the option table ----------------------------------------------------------------------


def test_option_table_minimum_abbreviations():
    for spec in OPTIONS:
        assert find_option(spec.name) is spec
        assert find_option(spec.name[:spec.minimum]) is spec
        if spec.minimum > 1:
            with pytest.raises(StataSyntaxError):
                find_option(spec.name[:spec.minimum - 1])
    # abbreviations never collide
    for a in OPTIONS:
        for b in OPTIONS:
            if a is not b:
                assert not b.name.startswith(a.name[:a.minimum])


def test_later_issues_options_are_accepted_and_stored():
    plan = plan_load("leo_earnings, collapse((mean) Earnings) by(TaxYear) cw clear "
                     "frame(res, replace) count maxobs(1000) force showsql sqlonly sdc",
                     catalog())
    opts = plan.options
    assert opts["collapse"] == "(mean) Earnings"
    assert names(opts["by"]) == ["TaxYear"]
    assert opts["cw"] is opts["clear"] is opts["count"] is opts["force"] is True
    assert opts["showsql"] is opts["sqlonly"] is True
    assert opts["sdc"] == SdcRequest()
    assert opts["maxobs"] == 1000
    assert opts["frame"] == {"name": "res", "replace": True}
    assert plan.count_only


@pytest.mark.parametrize("options, message", [
    ("foo", "option foo not allowed"),
    ("sam(5)", "option sam not allowed"),
    ("clear(1)", "option clear() not allowed"),
    ("maxobs", "option maxobs() required"),
    ("maxobs(many)", "maxobs(): 'many' found where integer expected"),
    ("maxobs(-1)", "maxobs(): # must be at least 0"),
    ("sample(0)", "sample(): # must be greater than 0 and at most 100"),
    ("sample(101)", "sample(): # must be greater than 0 and at most 100"),
    ("sample(ten)", "sample(): 'ten' found where number expected"),
    ("sample(10, seed(x))", "seed(): 'x' found where integer expected"),
    ("sample(10, seed(-1))", "seed(): # must be at least 0"),
    ("sample(10, spread(1))", "option spread not allowed"),
    ("frame(1x)", "1x invalid frame name"),
    ("frame(f, keep)", "option keep not allowed"),
    ("by(TaxYear)", "option by() requires collapse()"),
    ("cw", "option cw() requires collapse()"),
    ("clear clear", "option clear() specified twice"),
    ("sort(Nope)", "variable Nope not found"),
])
def test_option_refusals(options, message):
    text = f"leo_earnings Edukey, {options}"
    cls, rc = (NotFound, 111) if "not found" in message else (StataSyntaxError, 198)
    err = refused(lambda: plan_load(text, catalog()), cls, rc, message)
    assert err.hint and err.hint.startswith("    " + text)


# --- plan_load -----------------------------------------------------------------------------


def test_plan_for_the_brief_command():
    plan = plan_load(BRIEF, catalog())
    assert plan.table.name == "leo_earnings"
    assert names(plan.columns) == ["Edukey", "TaxYear", "Earnings"]
    assert isinstance(plan.where, Binary) and plan.where.stype == "num"
    assert plan.in_range == (1, 100)
    assert names(plan.order_by) == ["Edukey", "TaxYear"]  # the table's key
    assert (plan.sample.percent, plan.sample.seed, plan.sample.key.name) == (10.0, 3, "Edukey")
    assert plan.options["clear"] is True
    assert [(o.name, o.source, o.label) for o in plan.outputs] == [
        ("Edukey", "Edukey", "pupil identifier"), ("TaxYear", "TaxYear", "tax year, e.g. 201516"),
        ("Earnings", "Earnings", "annual earnings")]
    assert plan_load(parse_command(BRIEF), catalog()).in_range == (1, 100)


def test_empty_varlist_means_every_column_and_sort_gives_the_order():
    plan = plan_load("leo_earnings, sort(Region TaxYear)", catalog())
    assert names(plan.columns) == [c.name for c in TABLE.columns]
    assert names(plan.order_by) == ["Region", "TaxYear"]
    assert plan.sample is None and plan.where is None and plan.in_range is None


def test_in_needs_a_row_order():
    text = "leo_nokey Edukey in 1/10"
    err = refused(lambda: plan_load(text, catalog()), Untranslatable, 5104,
                  "in 1/10: table leo_nokey has no row order")
    assert "add sort(varlist)" in err.hint and caret(text, 20, 24) in err.hint
    plan = plan_load("leo_nokey Edukey in -5/l, sort(Edukey)", catalog())
    assert plan.in_range == (-5, -1) and names(plan.order_by) == ["Edukey"]


def test_sample_needs_a_person_key():
    refused(lambda: plan_load("leo_nokey, sample(5)", catalog()), Untranslatable, 5104,
            "sample(): table leo_nokey has no person key")
    plan = plan_load("leo_earnings, sample(2.5)", catalog())
    assert plan.sample.percent == 2.5 and plan.sample.seed == 0


def test_if_must_be_numeric_and_names_must_exist():
    refused(lambda: plan_load('leo_earnings if Region', catalog()), TypeMismatch, 109,
            "type mismatch")
    err = refused(lambda: plan_load("leo_earnings if Earnigs > 1", catalog()), NotFound, 111,
                  "variable Earnigs not found")
    assert "did you mean Earnings?" in err.hint


def test_unknown_table_suggests_one():
    err = refused(lambda: plan_load("leo_earning Edukey", catalog()), NotFound, 111,
                  "table leo_earning not found")
    assert "did you mean leo_earnings?" in err.hint


def test_collapse_is_validated_and_gives_the_outputs():
    plan = plan_load("leo_earnings if TaxYear > 201415, collapse((mean) Earnings "
                     "(count) n=Earnings) by(Region)", catalog())
    assert plan.collapse is not None
    assert [o.name for o in plan.outputs] == ["Region", "Earnings", "n"]
    refused(lambda: plan_load("leo_earnings, collapse((mean) Region)", catalog()),
            TypeMismatch, 109, "type mismatch")


# --- Stata's system variables and reserved names ----------------------------------------

ALL = [c.name for c in TABLE.columns]


@pytest.mark.parametrize("tokens, expected", [
    (["_all"], ALL),                                   # help varlist: _all = all variables
    (["Region", "_all"], ["Region"] + [n for n in ALL if n != "Region"]),
    (["_all", "Region"], ALL),
])
def test_all_in_a_varlist_means_every_variable(tokens, expected):
    assert names(resolve_varlist(tokens, TABLE)) == expected


def test_all_in_leoload_and_in_by():
    assert names(plan_load("leo_earnings _all", catalog()).columns) == ALL
    plan = plan_load("leo_earnings _all if TaxYear > 2015", catalog())
    assert names(plan.columns) == ALL


@pytest.mark.parametrize("name", sorted(set(SYSTEM_NAMES) - {"_all"}))
def test_system_names_in_a_varlist_are_not_allowed(name):
    text = f"leo_earnings Edukey {name}"
    err = refused(lambda: plan_load(text, catalog()), StataSyntaxError, 198, f"{name} not allowed")
    assert err.message == f"{name} not allowed"
    assert caret(text, 20, 20 + len(name)) in err.hint
    assert "not a variable" in err.hint or "reserves" in err.hint


def test_system_names_are_not_abbreviations_of_renamed_columns():
    """A SQL column named _n is loaded as _n_; typing _n still means Stata's _n."""
    cols = [ColumnInfo("_n", normalize_type("int"), nullable=True, position=0),
            ColumnInfo("x", normalize_type("int"), nullable=True, position=1)]
    table = TableInfo(name="t", columns=cols, key=("x",), person_key=None)
    err = refused(lambda: resolve_varlist(["_n"], table), StataSyntaxError, 198,
                  "_n not allowed")
    assert "the table's column _n is loaded as _n_" in err.hint
    assert names(resolve_varlist(["_n_"], table)) == ["_n"]
    refused(lambda: check_expression(parse("_n == 1"), table), Untranslatable, 5104,
            "_n (the observation number) cannot be pushed down")


def test_system_names_in_a_range_are_not_allowed():
    refused(lambda: resolve_varlist(["_n-Region"], TABLE), StataSyntaxError, 198,
            "_n not allowed in a range")
    refused(lambda: resolve_varlist(["Edukey-_all"], TABLE), StataSyntaxError, 198,
            "_all not allowed in a range")


@pytest.mark.parametrize("expr, what", [
    ("_n == 1", "_n (the observation number)"),
    ("Earnings > 0 & _n <= 10", "_n (the observation number)"),
    ("_N > 5", "_N (the number of observations)"),
    ("_rc == 0", "_rc (the return code of Stata's last capture)"),
    ("_b > 0", "_b[] (the results of the last estimation)"),
    ("_b[Earnings] > 0", "_b[] (the results of the last estimation)"),
    ("Earnings > _se[Earnings]", "_se[] (the results of the last estimation)"),
    ("missing(_coef[x])", "_coef[] (the results of the last estimation)"),
])
def test_system_variables_in_if_are_refused_as_untranslatable(expr, what):
    """Valid Stata (help _variables), but with no value on the server: the project's
    Untranslatable rc, naming what cannot be pushed down - not r(111) not found."""
    text = f"leo_earnings if {expr}"
    err = refused(lambda: plan_load(text, catalog()), Untranslatable, 5104, what)
    assert "cannot be pushed down to the server" in err.message
    assert "not found" not in err.render()


@pytest.mark.parametrize("name", ["_all", "_pred", "_skip"])
def test_reserved_names_without_a_value_in_if_are_not_allowed(name):
    text = f"leo_earnings if {name} == 1"
    err = refused(lambda: plan_load(text, catalog()), StataSyntaxError, 198,
                  f"{name} not allowed in an expression")
    assert caret(text, 16, 16 + len(name)) in err.hint


def test_pi_and_cons_are_numbers_in_if():
    """help _variables: "_pi contains the value of pi to machine precision";
    "_cons is always equal to the number 1 when used directly"."""
    node = check_expression(parse("KS4_APS > _pi * _cons"), TABLE)
    product = node.right
    assert product.left == Number(math.pi) and product.right == Number(1.0)
    assert product.left.stype == product.right.stype == "num"
    plan = plan_load("leo_earnings if KS4_APS > 2 * _pi", catalog())
    assert plan.where.right.right == Number(math.pi)


# --- a lone surrogate never reaches the server ----------------------------------------------

@pytest.mark.parametrize("literal", ['"\ud800"', '"a\udc80b"', '`"x\udfff"\'', '"\ud83d"'])
def test_lone_surrogate_in_a_string_literal_is_refused_in_planning(literal):
    text = f"leo_earnings if Region == {literal}"
    err = refused(lambda: plan_load(text, catalog()), Untranslatable, 5104,
                  "a lone surrogate that is not a Unicode character")
    err.render().encode("utf-8")  # the message itself can be printed
    assert "U+D" in err.message


# --- one number parser for every numeric option ----------------------------------------------

@pytest.mark.parametrize("raw, value", [("10000000", 10_000_000), ("1e7", 10_000_000),
                                        (" 1.5e3 ", 1500), ("+5", 5), ("0", 0), ("2.0", 2),
                                        ("1E+2", 100), (".5e1", 5)])
def test_numbers_as_stata_reads_them(raw, value):
    from leostata.plan.options import parse_integer
    assert parse_integer(raw, "maxobs", 0) == value


@pytest.mark.parametrize("raw, message", [("1.5", "not a whole number"), ("-1", "at least 0"),
                                          ("1e", "found where integer expected"),
                                          ("10 20", "found where integer expected"),
                                          ("", "found where integer expected"),
                                          ("1,000", "found where integer expected"),
                                          ("0x10", "found where integer expected"),
                                          ("1e400", "at most 5")])
def test_anything_else_is_r198_naming_the_option(raw, message):
    from leostata.errors import StataSyntaxError
    from leostata.plan.options import parse_integer
    with pytest.raises(StataSyntaxError) as err:
        parse_integer(raw, "maxobs", 0, 5)
    assert err.value.rc == 198 and err.value.message.startswith("maxobs(): ")
    assert message in err.value.message
