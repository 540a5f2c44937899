"""Golden SQL text per construct and per dialect (compiled offline, SQL
Server pinned to 2016), plus explicit checks of the SQL Server guards.

The goldens live in ``tests/golden/translate/<case>.<dialect>.sql``.  After
a deliberate change, regenerate them and review the diff (tests/golden_files.py;
refused under CI):

    LEOSTATA_UPDATE_GOLDEN=1 python -m pytest tests/translate/test_translate_golden.py
"""

from __future__ import annotations

import pytest

from leostata.errors import ExpressionTooLong, Untranslatable
from leostata.plan import plan_load
from leostata.sql import to_sql
from leostata.translate import DIALECT_NAMES
from tests.golden_files import Goldens
from tests.translate.leo_table import catalog

T = "leo_earnings Edukey"
CASES = {
    # the command from the issue
    "brief": "leo_earnings Edukey TaxYear Earnings if TaxYear >= 201516 & !missing(Earnings) "
             "in 1/100, sample(10, seed(3)) clear",
    # missing values: larger than every number
    "missing_greater": f"{T} if Earnings > 5",
    "missing_not_equal": f"{T} if TaxYear != 201516",
    "missing_less": f"{T} if KS4_APS < 2.5",
    "missing_literal": f"{T} if Earnings == . | KS4_APS < . | KS4_APS >= .a",
    "two_columns": f"{T} if KS4_APS >= Earnings",
    "bare_if": f"{T} if KS4_Level2 & !FSM",
    "negation": f"{T} if !(Earnings > 5 | TaxYear < 201415)",
    # arithmetic
    "division": f"{T} if Earnings / TaxYear > 1 & KS4_APS / 2 < 3",
    "arithmetic": f"{T} if TaxYear * 2 - KS4_Level2 + 1 > 400000 & -KS4_APS < 0",
    "power": f"{T} if KS4_APS^2 > 10 & Earnings^.5 < 100",
    # beyond the largest double: missing; judged first where the database raises
    "overflow": f"{T} if KS4_APS * 1e300 >= . & 10^TaxYear > 0 & Earnings / (KS4_APS * 1e-300) < 1",
    # strings
    "string_equal": f'{T} if Region == "London"',
    "string_not_equal": f'{T} if Region != "London "',
    "string_order": f'{T} if Region < "M" & Sex >= "F"',
    "string_missing": f'{T} if Region == "" | missing(KS4_English) | Region != ""',
    "string_columns": f"{T} if Region == KS4_English",
    "concat": f'{T} if Region + Sex == "LondonF"',
    "strmatch": f'{T} if strmatch(Region, "N*_%[?") & !strmatch(Sex, "?")',
    "string_functions": f'{T} if ustrlen(Region) > 3 & usubstr(Region, -2, .) == "on" & '
                        f'ustrpos(Region, "on") > 0 & strlower(Region) == "london" & '
                        f'strupper(Sex) == "F" & strtrim(Region) != "" & ltrim(Sex) == "F"',
    "real": f"{T} if real(KS4_English) >= 4",
    # lists and conditions
    "inlist_numbers": f"{T} if inlist(TaxYear, 201415, 201516, .)",
    "inlist_strings": f'{T} if inlist(Region, "London", "North East", "")',
    "inrange": f"{T} if inrange(Earnings, 1000, .) & inrange(Region, \"A\", \"M\")",
    "cond": f"{T} if cond(FSM, Earnings, 0, -1) > 100",
    "minmax": f"{T} if min(KS4_APS, Earnings) > 10 & max(KS4_APS, Earnings, TaxYear) < .",
    # dates
    "dates": f"{T} if EmpStart >= td(01apr2015) & EmpStart < mdy(4, 1, 2016)",
    "date_functions": f"{T} if year(EmpStart) == 2015 & month(EmpStart + 1) == 4",
    "date_arithmetic": f"{T} if EmpStart + 30 > td(01jan2016) | EmpStart == .",
    "mdy_columns": f"{T} if mdy(KS4_Level2, 1, 2020) < EmpStart",
    "datetime": f"{T} if Updated >= tc(01jan2020 00:00) & dofc(Updated) < td(01jan2021)",
    "calendar": f"{T} if dow(EmpStart) == 1 & doy(EmpStart) > 90 & week(EmpStart) < 52 & "
                f"quarter(EmpStart) == 2 | halfyear(EmpStart + 1) == 1 | dow(TaxYear) == 0",
    # numeric functions
    "math": f"{T} if int(KS4_APS) == 3 | round(KS4_APS, .5) == 3.5 | floor(KS4_APS) < "
            f"ceil(KS4_APS) | abs(KS4_APS) > 1 | sqrt(KS4_APS) > 2 | ln(KS4_APS) > 1 | "
            f"exp(KS4_APS) > 100 | log10(Earnings) > 4",
    "mod_sign": f"{T} if mod(TaxYear, 100) == 16 & mod(Earnings, KS4_APS) > 1 | "
                f"sign(KS4_APS) == -1 | sign(TaxYear - 201516) == 0",
    # in, sort, sample, count
    "in_from_end": f"{T} in -10/l",
    "in_with_sort": 'leo_nokey Edukey if Region == "London" in 5/20, sort(Region TaxYear)',
    "sample_only": f"{T}, sample(2.5, seed(42))",
    "count": "leo_earnings if TaxYear > 201516, count",
    "all_columns": "leo_earnings",
}


#: strlen()/strpos()/substr() on SQL Server: T-SQL on 2019 (UTF-8 bytes as
#: varbinary), the refusal on 2016 and 2017 (no UTF-8 collation).  On a table
#: without a key (no ORDER BY): the goldens show only what these functions make.
N = "leo_nokey Edukey"
BYTE_CASES = {
    "bytes_strlen": f"{N} if strlen(Region) > 3 & strlen(Sex) == 0",
    "bytes_strpos": f'{N} if strpos(Region, "on") == 2 & strpos(Region, Sex) > 0',
    "bytes_substr": f'{N} if substr(Region, 1, 3) == "Lon" | substr(Region, 2, 2) != "ë"',
    "bytes_substr_from_end": f'{N} if substr(Region, -2, .) == "on" & substr(Region, 3, .) > "n"',
    "bytes_substr_columns": f'{N} if substr(Region, KS4_Level2, TaxYear) == ""',
    "bytes_substr_nested": f'{N} if substr(Region, 2, 2) + Sex < "onF" & '
                           f'strlen(substr(Region, 1, 4)) == 4 & '
                           f'strpos(substr(Region, 2, .), "o") == 1 & '
                           f'cond(FSM, substr(Region, 1, 1), Sex) == "L" & '
                           f'inlist(substr(Region, 1, 1), "L", "N")',
}
UTF8_VERSION = (15, 0)

GOLDENS = Goldens("translate", {f"{c}.{d}.sql" for c in CASES for d in DIALECT_NAMES}
                  | {f"{c}.mssql2019.sql" for c in BYTE_CASES}
                  | {f"{c}.mssql2016.txt" for c in BYTE_CASES})


def compiled(case: str, dialect: str) -> str:
    return to_sql(plan_load(CASES[case], catalog()), dialect) + "\n"


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_sql(case, dialect):
    GOLDENS.check(f"{case}.{dialect}.sql", compiled(case, dialect))


def mssql_at(version: tuple):
    """A SQL Server dialect that reports ``version`` (as after connecting)."""
    from sqlalchemy.dialects import mssql as ms
    d = ms.dialect()
    d.server_version_info = version
    return d


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_golden_byte_functions_on_sql_server_2019(case):
    GOLDENS.check(f"{case}.mssql2019.sql",
                  to_sql(plan_load(BYTE_CASES[case], catalog()), mssql_at(UTF8_VERSION)) + "\n")


@pytest.mark.parametrize("case", sorted(BYTE_CASES))
def test_golden_byte_functions_refused_on_sql_server_2016(case):
    with pytest.raises(Untranslatable) as info:
        to_sql(plan_load(BYTE_CASES[case], catalog()), "mssql")  # pinned: 2016
    assert info.value.rc == 5104
    GOLDENS.check(f"{case}.mssql2016.txt", info.value.render() + "\n")


@pytest.mark.parametrize("version, translated", [((13, 0), False), ((14, 0), False),
                                                 ((15, 0), True), ((16, 0), True)])
def test_byte_functions_follow_the_server_version(version, translated):
    for fn, call in [("strlen", "strlen(Region) > 1"), ("strpos", 'strpos(Region, "a") > 0'),
                     ("substr", 'substr(Region, 1, 2) == "ab"')]:
        plan = plan_load(f"leo_earnings if {call}", catalog())
        if translated:
            sql = to_sql(plan, mssql_at(version))
            assert "COLLATE Latin1_General_100_BIN2_UTF8 AS VARCHAR(MAX)) AS VARBINARY(MAX))" in sql
            continue
        with pytest.raises(Untranslatable) as info:
            to_sql(plan, mssql_at(version))
        assert info.value.rc == 5104 and "before 2019" in info.value.hint
        assert f"use u{fn}()" in info.value.hint


def test_a_byte_slice_is_compared_as_bytes_with_the_padding_fix_on_both_sides():
    where = mssql('substr(Region, 1, 2) == "ab"', version=UTF8_VERSION)
    utf8 = ("CAST(CAST(CAST({} AS NVARCHAR(MAX)) COLLATE Latin1_General_100_BIN2_UTF8 AS "
            "VARCHAR(MAX)) AS VARBINARY(MAX))")
    assert where == (f"(SUBSTRING({utf8.format('ISNULL(leo_earnings.[Region], ' + chr(39) * 2 + ')')}"
                     f", 1, 2) + 0x01) = ({utf8.format(chr(39) + 'ab' + chr(39))} + 0x01)")
    # "" is a zero-length slice, whatever its type
    assert mssql('substr(Region, 2, 1) == ""', version=UTF8_VERSION).startswith("DATALENGTH(")


@pytest.mark.parametrize("call", ["ustrlen(substr(Region, 1, 2)) == 2",
                                  'strlower(substr(Region, 1, 2)) == "lo"',
                                  'usubstr(substr(Region, 1, 4), 1, 1) == "L"',
                                  'strmatch(substr(Region, 1, 2), "L*")'])
def test_a_byte_slice_used_as_text_is_refused_on_sql_server(call):
    """SQL Server cannot read bytes back as UTF-8 text (outside a UTF-8
    database): refused by name, never approximated."""
    with pytest.raises(Untranslatable) as info:
        to_sql(plan_load(f"leo_earnings if {call}", catalog()), mssql_at(UTF8_VERSION))
    err = info.value
    assert err.rc == 5104 and err.message == "substr() cannot be translated faithfully on SQL Server"
    assert "UTF-8 bytes" in err.hint and "use usubstr()" in err.hint


def mssql(where: str, table: str = "leo_earnings Edukey", version=None) -> str:
    dialect = mssql_at(version) if version else "mssql"
    sql = to_sql(plan_load(f"{table} if {where}", catalog()), dialect)
    return sql.split("WHERE", 1)[1].split("ORDER BY", 1)[0].strip()


def test_mssql_division_is_float_with_nullif():
    assert mssql("Earnings / TaxYear > 1") == (
        "CAST(leo_earnings.[Earnings] AS FLOAT) / NULLIF(CAST(leo_earnings.[TaxYear] AS FLOAT), 0)"
        " > 1 OR CAST(leo_earnings.[Earnings] AS FLOAT) / NULLIF(CAST(leo_earnings.[TaxYear] AS "
        "FLOAT), 0) IS NULL")
    assert mssql("KS4_APS / 4 > 1") == (
        "leo_earnings.[KS4_APS] / 4.0 > 1 OR leo_earnings.[KS4_APS] / 4.0 IS NULL")
    # x/0 is missing: known when translating, so the condition disappears
    assert "WHERE" not in to_sql(plan_load("leo_earnings if TaxYear / 0 == .", catalog()), "mssql")


def test_mssql_strings_compare_under_bin2_with_the_padding_fix():
    assert mssql('Region == "London"') == (
        "leo_earnings.[Region] = 'London' AND ((leo_earnings.[Region] + CHAR(1)) COLLATE "
        "Latin1_General_100_BIN2) = ('London' + CHAR(1))")
    assert mssql('Region < "M"') == (
        "((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) < "
        "('M' + CHAR(1))")
    assert mssql('Region == ""') == (
        "leo_earnings.[Region] IS NULL OR DATALENGTH(leo_earnings.[Region]) = 0")
    assert mssql('Region == "Zoë"').startswith("leo_earnings.[Region] = N'Zoë'")


def test_mssql_like_escapes_wildcards_and_brackets():
    assert mssql('strmatch(Region, "a%_[*?")') == (
        "((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) "
        "LIKE ('a!%!_![%_' + CHAR(1)) ESCAPE '!'")


def test_mssql_domain_guards():
    assert mssql("sqrt(KS4_APS) > 1").startswith(
        "CASE WHEN (leo_earnings.[KS4_APS] >= 0) THEN SQRT(leo_earnings.[KS4_APS]) END > 1")
    assert "LOG(leo_earnings.[KS4_APS])" in mssql("ln(KS4_APS) > 1")
    assert "ROUND(leo_earnings.[KS4_APS], 0, 1)" in mssql("int(KS4_APS) == 1")
    assert "DATEFROMPARTS(" in mssql("mdy(KS4_Level2, 1, 2020) == 1")


def test_mssql_feature_gates():
    from sqlalchemy.dialects import mssql as ms
    text = 'leo_earnings Edukey if strlower(Region) == "x" & min(KS4_APS, Earnings) > 1'

    def at(version):
        d = ms.dialect()
        d.server_version_info = version
        return to_sql(plan_load(text, catalog()), d)
    pinned = to_sql(plan_load(text, catalog()), "mssql")
    assert "REPLACE(REPLACE(" in pinned and "TRANSLATE" not in pinned
    assert "(SELECT MIN(leo_v) FROM (VALUES" in pinned and "LEAST(" not in pinned
    assert "TRANSLATE(" in at((14, 0)) and "LEAST(" not in at((14, 0))
    assert "LEAST(" in at((16, 0))


def test_mssql_refusals_name_the_function_and_the_database():
    for fn, call in [("strlen", "strlen(Region) > 1"), ("strpos", 'strpos(Region, "a") > 0'),
                     ("substr", 'substr(Region, 1, 2) == "ab"')]:
        with pytest.raises(Untranslatable) as info:
            to_sql(plan_load(f"leo_earnings if {call}", catalog()), "mssql")
        err = info.value
        assert err.rc == 5104
        assert err.message == f"{fn}() cannot be translated faithfully on SQL Server"
        assert "use u" + fn in err.hint
        # the same command runs on the other databases
        for other in ("postgresql", "sqlite", "duckdb"):
            assert to_sql(plan_load(f"leo_earnings if {call}", catalog()), other)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("call", ['regexm(Region, "^L")', 'string(TaxYear) == "1"',
                                  'ustrlower(Region) == "x"', "runiform() < .5",
                                  "float(KS4_APS) == float(.1)"])
def test_functions_no_database_gets(call, dialect):
    with pytest.raises(Untranslatable) as info:
        to_sql(plan_load(f"leo_earnings if {call}", catalog()), dialect)
    name = call.split("(")[0]
    database = {"mssql": "SQL Server", "postgresql": "PostgreSQL", "sqlite": "SQLite",
                "duckdb": "DuckDB"}[dialect]
    assert info.value.message == f"{name}() cannot be translated faithfully on {database}"
    assert info.value.rc == 5104
    assert "no database leostata supports can do it" in info.value.hint


def test_extended_missing_outside_comparisons_is_refused():
    with pytest.raises(Untranslatable) as info:
        to_sql(plan_load("leo_earnings if cond(FSM, .a, 1) == 1", catalog()), "duckdb")
    assert "extended missing value .a" in info.value.message


def test_case_nesting_beyond_sql_servers_limit_is_refused():
    deep = "cond(FSM, " * 11 + "KS4_APS" + ", 1)" * 11
    with pytest.raises(Untranslatable) as info:
        to_sql(plan_load(f"leo_earnings if {deep} > 1", catalog()), "mssql")
    assert info.value.message == "expression nested too deeply for SQL Server"
    assert info.value.rc == 5104 and "allows 10" in info.value.hint
    assert to_sql(plan_load(f"leo_earnings if {deep} > 1", catalog()), "postgresql")


def test_sql_growing_past_the_limit_is_refused():
    """Guards repeat their argument (CASE WHEN x >= 0 THEN SQRT(x) END), so
    nesting doubles the SQL each time: refused before it is built."""
    deep = "sqrt(" * 16 + "KS4_APS" + ")" * 16
    with pytest.raises(ExpressionTooLong) as info:
        to_sql(plan_load(f"leo_earnings if {deep} > 1", catalog()), "duckdb")
    assert info.value.rc == 130 and "terms" in info.value.hint
