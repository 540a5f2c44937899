"""sdc.py: the risk profile (package default, site and user overrides), half
away from zero rounding in decimal arithmetic, each statistic's outcome at
and around every threshold, the report, margins and the evidence record.
Expected values are written out by hand from the rules (ACRO 1.0's
comparisons: n < 10 fails, top-n share >= k fails, rest < p% of the
largest fails)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

from leostata import sdc
from leostata.errors import FileNotFound, StataSyntaxError
from tests.ado_harness import stata, synth  # noqa: F401 (fixtures)
from tests.test_bridge_run import call, loc


def default():
    return sdc.load_profile([sdc.DEFAULT_PROFILE])


def test_the_shipped_profile_holds_the_documented_defaults():
    p = default()
    assert (p.min_persons, p.min_dof, p.nk_n, p.nk_k, p.p_ratio) == (10, 10, 2, 90, 10)
    assert p.zeros_disclosive and p.block_minmax and p.block_first_last
    assert (p.round, p.count_base, p.money_base) == (False, 5, 100)
    assert p.is_money("Earnings") and p.is_money("TOTAL_EARN_2015") and not p.is_money("age")
    assert p.person_key("leo_earnings", "EDUKEY") == "EDUKEY"


def test_site_then_user_files_override_key_by_key(tmp_path, monkeypatch):
    site, user = tmp_path / "site.ini", tmp_path / "user.ini"
    site.write_text("[checks]\nmin_persons = 20\nnk_k = 85\n[person_key]\nLEO_Earnings = AE_ID\n")
    user.write_text("[checks]\nmin_persons = 30\n[rounding]\nround = yes\n")
    monkeypatch.setenv(sdc.ENV_PROFILE, str(site))
    p = sdc.load_profile(sdc.profile_files(str(user)))
    assert p.min_persons == 30          # the user's file last
    assert p.nk_k == 85                 # the site's, untouched by the user
    assert p.p_ratio == 10              # the package's
    assert p.round is True
    assert p.person_key("leo_earnings", "EDUKEY") == "AE_ID"
    assert p.files[-2:] == (str(site), str(user))


def test_the_user_file_comes_from_the_config(tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    monkeypatch.delenv(sdc.ENV_PROFILE, raising=False)
    mine = tmp_path / "mine.ini"
    mine.write_text("[checks]\np_ratio = 12.5\n")
    (tmp_path / "leostata.ini").write_text(f"[disclosure]\nprofile = {mine}\n")
    assert sdc.load_profile().p_ratio == Fraction(25, 2)


def test_a_named_profile_that_does_not_exist_is_r601(tmp_path, monkeypatch):
    monkeypatch.setenv(sdc.ENV_PROFILE, str(tmp_path / "nowhere.ini"))
    with pytest.raises(FileNotFound) as err:
        sdc.profile_files("")
    assert err.value.rc == 601


@pytest.mark.parametrize("text", ["[checks]\nmin_persons = ten\n", "[checks]\nnk_k = 120\n",
                                  "[checks]\nzeros_disclosive = maybe\n",
                                  "[rounding]\ncount_base = 0\n"])
def test_bad_profile_values_are_r198(tmp_path, text):
    bad = tmp_path / "bad.ini"
    bad.write_text(text)
    with pytest.raises(StataSyntaxError) as err:
        sdc.load_profile([sdc.DEFAULT_PROFILE, bad])
    assert err.value.rc == 198


@pytest.mark.parametrize("value, base, expected", [
    (12.5, 5, 15.0), (7.5, 5, 10.0), (2.5, 5, 5.0), (12.4999, 5, 10.0), (12, 5, 10),
    (13, 5, 15), (0, 5, 0), (2, 5, 0), (-12.5, 5, -15.0), (-7.5, 5, -10.0), (-2, 5, 0),
    (250, 100, 300), (150, 100, 200), (249.99, 100, 200.0), (-250, 100, -300),
    (24950.0, 100, 25000.0), (0.49999999999999994, 1, 0.0), (2.5, 1, 3.0), (3.5, 1, 4.0),
])
def test_rounding_is_half_away_from_zero_never_half_even(value, base, expected):
    got = sdc.round_half_away(value, base)
    assert got == expected and type(got) is type(expected)


def test_rounding_uses_the_exact_binary_value():
    # 0.15 is stored as 0.1499999999999999944...: it rounds down to 0.1 at base... 
    # (base is an integer here: a double just below a tie rounds down)
    below = 7.499999999999999
    assert Decimal(below) < Decimal("7.5")
    assert sdc.round_half_away(below, 5) == 5.0
    assert sdc.round_half_away(None, 5) is None


def F(persons, values):
    """SourceFigures of per-person totals ``values`` (the reference)."""
    if not values:
        return sdc.SourceFigures(persons)
    top = sorted(values, reverse=True)
    return sdc.SourceFigures(persons, float(sum(values)), float(top[0]),
                             float(top[1]) if len(top) > 1 else None, float(sum(top[:2])),
                             float(max(abs(v) for v in values)), float(min(values)))


@pytest.mark.parametrize("persons, stat, reason", [
    (9, "count", "n"), (10, "count", "n" if False else None), (9, "mean", "n"),
    (10, "min", "min/max"), (10, "max", "min/max"), (10, "first", "first/last"),
    (10, "sd", "dof"), (11, "sd", None), (11, "p50", None), (9, "p50", "n"),
])
def test_threshold_blocking_and_dof(persons, stat, reason):
    values = [100.0] * persons
    assert sdc.statistic_reason(stat, F(persons, values), default()) == reason


@pytest.mark.parametrize("values, reason", [
    ([45, 45] + [1.25] * 8, "dominance"),            # top 2 = 90% exactly: fails (>=)
    ([45, 44] + [1.375] * 8, None),                  # 89%: passes
    ([46, 44] + [1.25] * 8, "dominance"),            # 90% again, unequal
    ([50, 5] + [0.5] * 8, "dominance"),              # 55 / 59 = 93%
])
def test_dominance_at_and_around_ninety_percent(values, reason):
    assert sdc.statistic_reason("sum", F(len(values), values), default()) == reason
    assert sdc.statistic_reason("mean", F(len(values), values), default()) == reason


def test_with_the_default_two_and_ninety_the_p_ratio_never_fails_first():
    # rest < 10% of the largest makes the top two >= 1/1.1 = 90.9% of the total
    p = default()
    values = [100, 1] + [9.99 / 8] * 8
    assert sdc.p_ratio_fails(F(10, values), p) and sdc.dominated(F(10, values), p)


def test_p_ratio_boundary_exactly_at_ten_percent_passes():
    # total 100: largest 40, second 10 (top two 50% < 90%), rest 50: passes;
    # largest 80, second 10, rest 8 = 10% of 80: not below: passes; 7.9: fails
    p = default()
    at = [80, 10] + [1.0] * 8
    under = [80, 10] + [0.9875] * 8
    assert sdc.dominated(F(10, at), p) is True  # 90 / 98 >= 90%
    q = sdc.Profile(nk_k=Fraction(95))
    assert sdc.statistic_reason("sum", F(10, at), q) is None
    assert sdc.statistic_reason("sum", F(10, under), q) == "p-ratio"


def test_zeros_and_negatives():
    p = default()
    assert sdc.statistic_reason("mean", F(12, [0.0] * 12), p) == "zero"
    assert sdc.statistic_reason("p50", F(12, [0.0] * 12), p) == "zero"
    assert sdc.statistic_reason("count", F(12, [0.0] * 12), p) is None
    assert sdc.statistic_reason("mean", F(12, [-5.0] + [10.0] * 11), p) == "negative"
    assert sdc.statistic_reason("p50", F(12, [-5.0] + [10.0] * 11), p) is None
    assert sdc.statistic_reason("mean", F(12, [0.0] * 12),
                                sdc.Profile(zeros_disclosive=False)) is None


def cells_two_way():
    p = default()
    cells = []
    for year in (2015, 2016):
        for sex in ("F", "M"):
            n = 5 if (year, sex) == (2015, "F") else 20
            cells.append(sdc.Cell((year, sex), n, {"earn": F(n, [100.0 + i for i in range(n)])}))
    stats = [sdc.Statistic("earn", "mean", "earn"), sdc.Statistic("n", "count", "earn")]
    return sdc.check(cells, stats, ["yr", "sex"], p)


def test_check_counts_report_and_margins():
    result = cells_two_way()
    assert result.locals() == {"leo_sdc_cells": 4, "leo_sdc_failed": 1,
                               "leo_sdc_suppressed": 2}
    assert [c.outcome(result.profile) for c in result.cells] == ["n<10", "ok", "ok", "ok"]
    report = "\n".join(result.report())
    assert "4 cells checked; 1 failed; 2 statistics suppressed" in report
    assert 'cell (yr=2015, sex="F"): 5 persons; earn n<10, n n<10' in report
    assert "not a clearance" in report
    # the one suppressed cell is alone in its row (over sex) and its column (over yr)
    assert len(result.margin_notes) == 4
    assert any("only one suppressed over sex with yr=2015" in n for n in result.margin_notes)


def test_evidence_record_is_json(tmp_path):
    result = cells_two_way()
    record = sdc.evidence_record(result, command="leoload t, sdc", sql="SELECT 1",
                                 figures_sql="SELECT 2", table="t", dialect="duckdb",
                                 when="2026-01-02T03:04:05")
    path = sdc.write_evidence(record, str(tmp_path))
    back = json.loads(path.read_text())
    assert path.name == "leostata_sdc_20260102T030405.json"
    assert back["summary"] == {"cells": 4, "failed": 1, "suppressed": 2}
    assert back["cells"][0]["by"] == {"yr": 2015, "sex": "F"}
    assert back["cells"][0]["statistics"] == {"earn": "n<10", "n": "n<10"}
    assert back["cells"][1]["figures"]["earn"]["persons"] == 20
    assert back["profile"]["min_persons"] == 10


def test_the_profile_threshold_is_the_one_leodescribe_values_uses(tmp_path, monkeypatch):
    from leostata.sdc import ENV_PROFILE, small_count_threshold
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    monkeypatch.delenv(ENV_PROFILE, raising=False)
    assert small_count_threshold() == 10
    site = tmp_path / "site.ini"
    site.write_text("[checks]\nmin_persons = 25\n", encoding="utf-8")
    monkeypatch.setenv(ENV_PROFILE, str(site))
    assert small_count_threshold() == 25


# --- the option's arguments: sdc, sdc(round), sdc(noround), sdc(evidence(...)) --------------


def sdc_request(text: str):
    """The SdcRequest of the ``sdc`` options in ``text`` (as plan.read_options
    reads them, each in turn)."""
    from leostata.expr.command import parse_options
    from leostata.plan.options import sdc_option
    request = None
    for opt in parse_options(text):
        request = sdc_option(text, opt, request)
    return request


@pytest.mark.parametrize("text, round_, evidence, replace", [
    ("sdc", None, None, False),
    ("sdc()", None, None, False),
    ("sdc(round)", True, None, False),
    ("sdc(noround)", False, None, False),
    ("sdc(evidence)", None, "", False),
    ("sdc(evidence(out.json))", None, "out.json", False),
    ('sdc(evidence("my dir/e.json"))', None, "my dir/e.json", False),
    ('sdc(round evidence("my dir/e.json"))', True, "my dir/e.json", False),
    ("sdc(evidence(`\"my dir/a \"b\".json\"', replace) noround)", False, 'my dir/a "b".json',
     True),
    ("sdc sdc(round)", True, None, False),        # the flag local and the options text
    ("sdc(round) sdc", True, None, False),
])
def test_sdc_arguments(text, round_, evidence, replace):
    from leostata.plan.options import SdcRequest
    got = sdc_request(text)
    assert isinstance(got, SdcRequest)
    assert (got.round, got.evidence, got.replace) == (round_, evidence, replace)


@pytest.mark.parametrize("text, message", [
    ("sdc(rounding)", "sdc(): option rounding not allowed"),
    ("sdc(round noround)", "sdc(): options round and noround may not be combined"),
    ("sdc(noround round)", "sdc(): options noround and round may not be combined"),
    ("sdc(round round)", "sdc(): option round specified twice"),
    ("sdc(round(5))", "sdc(): option round() not allowed"),
    ("sdc(evidence(my dir/e.json))", "sdc(): evidence(): invalid file specification"),
    ('sdc(evidence("a"b))', "sdc(): evidence(): invalid file specification"),
    ('sdc(evidence(""))', "sdc(): evidence(): filename required"),
    ("sdc(evidence(e.json, append))", "sdc(): evidence(): option append not allowed"),
    ("sdc(round) sdc(noround)", "option sdc() specified twice"),
])
def test_sdc_bad_arguments_are_r198(text, message):
    with pytest.raises(StataSyntaxError) as err:
        sdc_request(text)
    assert err.value.rc == 198
    assert err.value.message == message


def test_evidence_target(tmp_path):
    from leostata.errors import FileExists, FileNotOpened
    folder = tmp_path / "my dir"
    folder.mkdir()
    assert sdc.evidence_target(None, False) is None and sdc.evidence_target("", False) == ""
    assert sdc.evidence_target(str(folder / "e"), False) == str(folder / "e.json")
    assert sdc.evidence_target(str(folder), False) == str(folder)  # a folder: default name in it
    (folder / "e.json").write_text("{}")
    with pytest.raises(FileExists) as err:
        sdc.evidence_target(str(folder / "e.json"), False)
    assert err.value.rc == 602
    assert sdc.evidence_target(str(folder / "e.json"), True) == str(folder / "e.json")
    with pytest.raises(FileNotOpened) as err:
        sdc.evidence_target(str(tmp_path / "nowhere" / "e.json"), False)
    assert err.value.rc == 603


# --- sdc and sdc(...) through the bridge --------------------------------------------------
# leoload's locals set by hand: as the ado's flag (local sdc) and as typed in the options
# text (local options, syntax's *), on the 300-person synthetic database.  Rounded values
# are checked against round_half_away of the unrounded load (counts to 5, Earnings
# statistics to 100, ties away from zero).

SPEC = "leo_earnings if TaxYear >= 201516"
COLLAPSE = "collapse((mean) Earnings (sum) tot=Earnings (count) n=Earnings)"


def column(sfi, name: str) -> list:
    values = sfi.Data.get(name)
    return [v[0] if isinstance(v, list) else v for v in values]


def load(sfi, **where) -> dict:
    rc = call(sfi, "leoload", spec=SPEC, collapse=COLLAPSE, by="by(TaxYear)", clear="clear",
              **where)
    assert rc == 0, sfi.transcript("err")
    return {name: column(sfi, name) for name in ("TaxYear", "Earnings", "tot", "n", "_sdc_n")}


@pytest.fixture
def plain(stata, monkeypatch):  # noqa: F811
    monkeypatch.delenv(sdc.ENV_PROFILE, raising=False)
    return load(stata, options="sdc")


@pytest.mark.parametrize("where", [{"options": "sdc"}, {"options": "sdc(noround)"}])
def test_sdc_alone_keeps_the_profile(stata, plain, where):  # noqa: F811
    assert load(stata, **where) == plain
    assert int(loc(stata, "leo_sdc_cells")) == len(plain["TaxYear"])


@pytest.mark.parametrize("where", [{"options": "sdc(round)"},
                                   {"options": "sdc sdc(round)"}])
def test_sdc_round(stata, plain, where):  # noqa: F811
    rounded = load(stata, **where)
    assert rounded["TaxYear"] == plain["TaxYear"]
    for name, base in (("Earnings", 100), ("tot", 100), ("n", 5), ("_sdc_n", 5)):
        assert rounded[name] == [sdc.round_half_away(v, base) for v in plain[name]], name
    assert any(r != p for r, p in zip(rounded["n"], plain["n"]))  # rounding did something
    assert "rounded to the nearest 5" in stata.transcript()


def test_sdc_round_and_evidence_in_a_folder_with_a_space(stata, plain, tmp_path,  # noqa: F811
                                                         monkeypatch):
    (tmp_path / "my dir").mkdir()
    monkeypatch.chdir(tmp_path)
    rounded = load(stata, options='sdc(round evidence("my dir/e.json"))')
    record = json.loads((tmp_path / "my dir" / "e.json").read_text())
    assert record["leostata_sdc_evidence"] == 1
    assert record["profile"]["round"] is True
    assert 'evidence("my dir/e.json")' in record["command"]
    assert [c["persons"] for c in record["cells"]] == plain["_sdc_n"]  # unrounded figures
    assert rounded["n"] == [sdc.round_half_away(v, 5) for v in plain["n"]]
    assert "e.json" in stata.transcript()
    # the same file again needs replace, and nothing is loaded first
    assert call(stata, "leoload", spec=SPEC, collapse=COLLAPSE, by="by(TaxYear)",
                clear="clear", options='sdc(evidence("my dir/e.json"))') == 602
    assert call(stata, "leoload", spec=SPEC, collapse=COLLAPSE, by="by(TaxYear)",
                clear="clear", options='sdc(evidence("my dir/e.json", replace))') == 0


@pytest.mark.parametrize("options, message", [
    ("sdc(bogus)", "sdc(): option bogus not allowed"),
    ("sdc(round noround)", "may not be combined"),
    ('sdc(evidence("nowhere/e.json"))', "could not be opened"),
])
def test_sdc_bad_arguments(stata, options, message):  # noqa: F811
    rc = call(stata, "leoload", spec=SPEC, collapse=COLLAPSE, by="by(TaxYear)", clear="clear",
              options=options)
    assert rc == (603 if "nowhere" in options else 198)
    assert message in stata.transcript("err")


def test_sdc_statements_keep_sql_servers_parameter_limit():
    """The checked statement reads its row source twice (the collapse and the
    figures): 1,245 values in if() would send SQL Server 2,490 parameters
    (it takes 2,100); fewer are bound, the rest inline, nothing lost."""
    from leostata.commands import prepare_sdc
    from leostata.plan import plan_load
    from leostata.sql import bound_parameters, offline_dialect, to_sql
    from leostata.translate.base import MAX_PARAMS
    from tests.translate.leo_table import catalog
    values = [str(200000 + i) for i in range(5 * 249)]  # Stata: 249 numbers per inlist()
    lists = " | ".join("inlist(TaxYear, " + ", ".join(values[k:k + 249]) + ")"
                       for k in range(0, len(values), 249))
    plan = plan_load(f"leo_earnings if {lists}, collapse((mean) Earnings) by(Region) sdc",
                     catalog())
    job = prepare_sdc(plan, offline_dialect("mssql"))
    d = offline_dialect("mssql")
    for stmt in (job.statement, job.figures):
        assert bound_parameters(stmt, d) <= MAX_PARAMS
        assert str(200000 + 5 * 249 - 1) in to_sql(stmt, "mssql")  # the last value is there
    assert bound_parameters(job.statement, d) > 0  # still bound where the budget allows
