"""collapse.py: the clist rules (statistics, names, labels, storage types,
formats) and every refusal, with its message and Stata return code; plus the
Python reference (tests/stata_reference/collapse.py) against Stata's
documented percentile examples."""

from __future__ import annotations

import pytest

from leostata import errors
from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.plan.collapse import (CollapseItem, CollapseSpec, build_spec, normalize_stat,
                               require_observations, result_stata_type)
from leostata.expr.command import parse_clist
from leostata.stata_types import OutputColumn
from tests.stata_reference import collapse as ref


def col(name, raw, pos=0, description=""):
    return ColumnInfo(name=name, sql_type=normalize_type(raw), position=pos,
                      description=description)


COLUMNS = [
    col("TaxYear", "int", 0), col("Earnings", "int", 1), col("Sex", "varchar(1)", 2),
    col("age", "smallint", 3), col("flag", "bit", 4), col("ratio", "real", 5),
    col("amount", "decimal(12,2)", 6), col("start", "date", 7), col("stamp", "datetime2", 8),
    col("big", "bigint", 9), col("tiny", "tinyint", 10), col("w", "float", 11),
    col("blob", "varbinary(10)", 12), col("Subject", "nvarchar(40)", 13, "subject of study"),
]
TABLE = TableInfo("leo_earnings", columns=COLUMNS)
C = {c.name: c for c in COLUMNS}


def spec_of(clist: str, by=(), **kw) -> CollapseSpec:
    return build_spec(parse_clist(clist), [C[b] for b in by], table=TABLE, text=clist, **kw)


def refused(clist: str, by=(), **kw) -> errors.LeostataError:
    with pytest.raises(errors.LeostataError) as info:
        spec_of(clist, by, **kw)
    return info.value


# --- statistics and their spellings -------------------------------------------------------


@pytest.mark.parametrize("word, canonical, label_word", [
    ("mean", "mean", "mean"), ("median", "p50", "p 50"), ("p50", "p50", "p 50"),
    ("p1", "p1", "p 1"), ("p99", "p99", "p 99"), ("p05", "p5", "p 05"),
    ("sd", "sd", "sd"), ("sem", "semean", "semean"), ("semean", "semean", "semean"),
    ("seb", "sebinomial", "sebinomial"), ("sepois", "sepoisson", "sepoisson"),
    ("sum", "sum", "sum"), ("rawsum", "rawsum", "rawsum"), ("count", "count", "count"),
    ("percent", "percent", "percent"), ("min", "min", "min"), ("max", "max", "max"),
    ("iqr", "iqr", "iqr"), ("first", "first", "first"), ("last", "last", "last"),
    ("firstnm", "firstnm", "firstnm"), ("lastnm", "lastnm", "lastnm"),
])
def test_statistic_spellings(word, canonical, label_word):
    assert normalize_stat(word) == (canonical, label_word)


@pytest.mark.parametrize("word", ["N", "p0", "p100", "p", "p50.5", "Mean", "se", "med",
                                  "avg", "std", "variance", "freq", "p-5", "count nm"])
def test_invalid_statistic_is_r198_with_stata_message(word):
    with pytest.raises(errors.StataSyntaxError) as info:
        normalize_stat(word)
    assert info.value.rc == 198
    assert info.value.message == f"({word}) invalid statistic"


def test_invalid_statistic_points_at_the_stat():
    err = refused("(mean) Earnings (N) n=Earnings")
    assert err.rc == 198 and err.message == "(N) invalid statistic"
    assert err.hint.splitlines()[1].strip() == "^^^"


def test_default_statistic_is_mean():
    spec = spec_of("Earnings age")
    assert [(i.stat, i.target) for i in spec.items] == [("mean", "Earnings"), ("mean", "age")]


# --- names, labels, types, formats -------------------------------------------------------------


def test_issue_example_outputs():
    spec = spec_of("(p50) Earnings (p25) lq=Earnings (count) n=Earnings", by=["TaxYear"])
    outs = spec.outputs()
    assert all(isinstance(o, OutputColumn) for o in outs)
    assert [o.name for o in outs] == ["TaxYear", "Earnings", "lq", "n"]
    assert [o.label for o in outs[1:]] == ["(p 50) Earnings", "(p 25) Earnings",
                                           "(count) Earnings"]
    # SQL int is a Stata double (long stops at 2,147,483,620): p# of a double is double
    assert [o.stata_type for o in outs[1:]] == ["double", "double", "long"]
    assert [o.format for o in outs[1:]] == ["%12.0g"] * 3  # copied from the source
    assert outs[0].stata_type is None and outs[0].format is None  # a plain load decides


def test_median_and_p50_share_collapse_label():
    spec = spec_of("(median) m=Earnings (p50) p=Earnings (p05) q=Earnings")
    assert [i.label for i in spec.items] == ["(p 50) Earnings", "(p 50) Earnings",
                                            "(p 05) Earnings"]


def test_label_uses_the_full_name_of_an_abbreviated_source():
    spec = spec_of("(sd) Earn")
    assert spec.items[0].target == "Earnings"
    assert spec.items[0].label == "(sd) Earnings"


def test_varlists_wildcards_and_ranges_expand_in_table_order():
    spec = spec_of("(max) age-ratio (min) T*")
    assert [i.target for i in spec.items] == ["age", "flag", "ratio", "TaxYear"]
    assert [i.stat for i in spec.items] == ["max", "max", "max", "min"]


@pytest.mark.parametrize("stat, source, stype, fmt", [
    ("mean", "flag", "float", "%8.0g"),      # bit -> byte -> float
    ("mean", "tiny", "float", "%8.0g"),      # tinyint -> int -> float
    ("mean", "age", "double", "%12.0g"),     # smallint -> long -> double
    ("mean", "Earnings", "double", "%12.0g"),  # int -> double
    ("mean", "ratio", "float", "%9.0g"),     # real -> float
    ("mean", "w", "double", "%10.0g"),
    ("mean", "amount", "double", "%10.0g"),  # decimal -> double
    ("mean", "start", "double", "%td"),      # date -> long %td -> double, format kept
    ("sd", "ratio", "float", "%9.0g"), ("semean", "age", "double", "%12.0g"),
    ("p10", "flag", "float", "%8.0g"), ("iqr", "ratio", "float", "%9.0g"),
    ("iqr", "w", "double", "%10.0g"), ("sebinomial", "flag", "float", "%8.0g"),
    ("sepoisson", "age", "double", "%12.0g"),
    ("sum", "flag", "double", "%8.0g"), ("rawsum", "ratio", "double", "%9.0g"),
    ("percent", "tiny", "double", "%8.0g"), ("count", "w", "long", "%10.0g"),
    ("count", "start", "long", "%td"),
    ("min", "flag", "byte", "%8.0g"), ("max", "tiny", "int", "%8.0g"),
    ("min", "age", "long", "%12.0g"), ("max", "ratio", "float", "%9.0g"),
    ("max", "start", "long", "%td"), ("min", "amount", "double", "%10.0g"),
])
def test_result_storage_types_and_copied_formats(stat, source, stype, fmt):
    item = spec_of(f"({stat}) {source}").items[0]
    assert (item.stata_type, item.format) == (stype, fmt)
    source_types = {"flag": "byte", "tiny": "int", "age": "long", "ratio": "float",
                    "start": "long"}
    assert ref.result_type(stat, source_types.get(source, "double")) == stype


@pytest.mark.parametrize("stat", ["first", "last", "firstnm", "lastnm"])
def test_order_statistics_keep_the_source_type(stat):
    spec = spec_of(f"({stat}) age", order_columns=[C["TaxYear"]])
    assert spec.items[0].stata_type == "long"
    assert result_stata_type(stat, "float") == "float"


def test_by_variables_come_first_in_table_order_targets_in_clist_order():
    spec = spec_of("(sum) s=Earnings (mean) age", by=["Subject", "TaxYear"])
    outs = spec.outputs()
    assert [o.name for o in outs] == ["TaxYear", "Subject", "s", "age"]
    assert outs[1].label == "subject of study"
    assert [c.name for c in spec.by] == ["Subject", "TaxYear"]  # sort order: by() order


def test_duplicate_by_variables_are_kept_once():
    spec = spec_of("(count) n=Earnings", by=["TaxYear", "TaxYear"])
    assert [c.name for c in spec.by] == ["TaxYear"]


def test_decimal_by_key_is_a_double():
    out = spec_of("(count) n=Earnings", by=["amount"]).outputs()[0]
    assert out.sql_type.kind == "float64"


def test_items_may_be_given_directly():
    spec = build_spec([CollapseItem("median", "m", C["Earnings"]), ("count", None, C["age"])],
                      [C["TaxYear"]])
    assert [(i.stat, i.target, i.label) for i in spec.items] == [
        ("p50", "m", "(p 50) Earnings"), ("count", "age", "(count) age")]


def test_stata_names_label_and_name_the_outputs():
    odd = TableInfo("t", columns=[col("Last Name", "varchar(9)", 0), col("pay", "int", 1)])
    spec = build_spec(parse_clist("(mean) pay"), [odd.columns[0]], table=odd)
    assert [o.name for o in spec.outputs()] == ["Last_Name", "pay"]


# --- refusals: message and rc -------------------------------------------------------------------


def test_name_conflict_is_r198_with_collapse_message():
    err = refused("(mean) Earnings (sd) Earnings")
    assert err.rc == 198
    assert err.message.splitlines() == ["error:", "       Earnings = (mean) Earnings",
                                        "       Earnings = (sd) Earnings", "name conflict"]


def test_new_name_conflict_is_r198():
    err = refused("(p25) q=Earnings (p75) q=age")
    assert err.rc == 198 and err.message.endswith("name conflict")
    assert "q = (p 75) age" in err.message


def test_by_variable_as_target_is_r198():
    err = refused("(mean) TaxYear=Earnings", by=["TaxYear"])
    assert err.rc == 198 and err.message == "TaxYear may not be both target and by()"


def test_by_variable_as_source_is_refused_as_stata_fails():
    err = refused("(mean) m=TaxYear", by=["TaxYear"])
    assert err.rc == 111 and "variable TaxYear not found" in err.message
    assert "cannot be both summarised and in by()" in err.hint


def test_string_source_is_type_mismatch_r109():
    err = refused("(count) n=Sex")
    assert isinstance(err, errors.TypeMismatch) and err.rc == 109
    assert err.message == "type mismatch"
    assert "Sex is a string" in err.hint


@pytest.mark.parametrize("source, kind", [("stamp", "datetime"), ("blob", "binary")])
def test_unsupported_source_kinds_are_refused(source, kind):
    err = refused(f"(max) {source}")
    assert err.rc == 5104 and kind in err.message


@pytest.mark.parametrize("stat", ["first", "last", "firstnm", "lastnm"])
def test_order_statistics_need_an_order(stat):
    err = refused(f"(mean) Earnings ({stat}) x=age")
    assert isinstance(err, errors.Untranslatable) and err.rc == 5104
    assert err.message == f"({stat}) needs an explicit row order"
    assert "a SQL table has no row order" in err.hint
    assert spec_of(f"({stat}) x=age", order_columns=[C["TaxYear"]]).items[0].stat == stat


def test_weighted_count_types_follow_collapse():
    """(count) is long, but double under fweights, iweights and pweights
    (collapse.ado; stata.md §4.1); the weight is kept on the spec."""
    for kind, count_type in (("aweight", "long"), ("fweight", "double"),
                             ("iweight", "double"), ("pweight", "double")):
        spec = spec_of("(mean) Earnings (count) n=Earnings", weight=(kind, "w"))
        assert spec.weight.kind == kind
        assert [i.stata_type for i in spec.items] == ["double", count_type]


def test_unknown_variable_is_r111():
    err = refused("(mean) Earnigs")
    assert err.rc == 111 and err.message == "variable Earnigs not found"
    assert "^" in err.hint


def test_ambiguous_abbreviation_is_r111():
    err = refused("(mean) a")  # age, amount
    assert err.rc == 111 and err.message == "a ambiguous abbreviation"


def test_invalid_new_name_is_r198():
    with pytest.raises(errors.StataSyntaxError) as info:
        build_spec([("mean", "1x", C["Earnings"])], table=TABLE)
    assert info.value.message == "1x invalid name"


def test_new_name_needs_one_source():
    err = refused("(mean) m=a*")  # age, amount
    assert err.rc == 198


def test_empty_clist_is_r198():
    with pytest.raises(errors.StataSyntaxError):
        build_spec([], [C["TaxYear"]], table=TABLE)


def test_no_observations_is_r2000():
    require_observations(3)
    with pytest.raises(errors.NoObservations) as info:
        require_observations(0)
    assert info.value.rc == 2000 and info.value.message == "no observations"


def test_stata_errors_come_before_leostata_refusals():
    # Stata's own syntax error wins over leostata's "weights not supported"
    err = refused("(mean) x=Earnings (sd) x=age", weight=("fweight", "w"))
    assert err.message.endswith("name conflict")


# --- the reference against Stata's documented percentile rule -------------------------------------


@pytest.mark.parametrize("data, p, expected", [
    ([1, 2, 3, 4], 25, 1.5), ([1, 2, 3, 4], 75, 3.5), ([1, 2, 3, 4], 90, 4),
    ([1, 2, 3, 4], 50, 2.5), (list(range(10, 101, 10)), 25, 30),
    (list(range(10, 101, 10)), 50, 55), ([7], 1, 7), ([7], 99, 7), ([3, 1, 2], 50, 2),
    ([5, 5, 5, 9], 75, 7), ([-3, -1], 50, -2), ([1, None, 3, None], 50, 2), ([None], 50, None),
])
def test_reference_percentile_rule(data, p, expected):
    assert ref.percentile(data, p) == expected


def test_reference_rules():
    rows = [{"g": 1, "x": 1.0}, {"g": 1, "x": None}, {"g": 2, "x": None}, {"g": None, "x": 4.0},
            {"g": 2, "x": None}]
    out = ref.collapse(rows, [("sum", "s", "x"), ("count", "n", "x"), ("mean", "m", "x"),
                              ("sd", "sd", "x"), ("percent", "pc", "x")], ["g"])
    assert out == [
        {"g": 1, "s": 1.0, "n": 1, "m": 1.0, "sd": None, "pc": 50.0},
        {"g": 2, "s": 0.0, "n": 0, "m": None, "sd": None, "pc": 0.0},
        {"g": None, "s": 4.0, "n": 1, "m": 4.0, "sd": None, "pc": 50.0},
    ]
    with pytest.raises(ref.NoObservations):
        ref.collapse([r for r in rows if r["g"] == 2], [("mean", "x", "x")], ["g"], cw=True)
    assert ref.label_of("median", "x") == "(p 50) x" and ref.label_of("p5", "x") == "(p 5) x"
