"""Golden T-SQL (SQL Server 2016+, compiled offline) of disclosure control:
the checked collapse and the per-cell figures, with the guards asserted on
the text: distinct persons by ROW_NUMBER over per-person totals, COUNT_BIG,
the binary collation and DATALENGTH companion on string keys (the cells
match the collapse's exactly), missing keys joined as equal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from leostata import sdc
from leostata.expr.command import parse_clist
from leostata.plan.collapse import build_spec
from leostata.translate.sdc import checked_select, figures_select
from tests.golden_files import Goldens
from tests.translate.test_aggregate_golden import C, INFO, TABLE, compile_sql, mssql_dialect

CASES = {
    "earnings_by_year_sex": ("(mean) Earnings (count) n=Earnings (p50) med=Earnings",
                             ["TaxYear", "Sex"], False),
    "rounded_no_by": ("(sum) Earnings (max) top=Earnings", [], True),
}
GOLDENS = Goldens("sdc", {f"{c}.{k}.mssql.sql" for c in CASES for k in ("checked", "figures")})


def build(case):
    clist, by, rounded = CASES[case]
    spec = build_spec(parse_clist(clist), [C[b] for b in by], table=INFO, text=clist)
    source = sa.select(*TABLE.c)
    profile = sdc.load_profile([sdc.DEFAULT_PROFILE])
    if rounded:
        from dataclasses import replace
        profile = replace(profile, round=True)
    return (checked_select(source, spec, "EDUKEY", "mssql", profile),
            figures_select(source, spec, "EDUKEY", "mssql", profile.nk_n))


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_tsql(case):
    checked, figures = build(case)
    for kind, stmt in (("checked", checked), ("figures", figures)):
        text = compile_sql(stmt, mssql_dialect())
        GOLDENS.check(f"{case}.{kind}.mssql.sql", text, f"T-SQL for sdc {case} ({kind})")
        assert "row_number() OVER (PARTITION BY" in text
        assert "COUNT_BIG(sdc_ranked._sdc_p)" in text
        assert "NULLS LAST" not in text.upper()
        if "Sex" in CASES[case][1]:
            assert "Latin1_General_100_BIN2" in text and "CHAR(1)" in text
    text = compile_sql(checked, mssql_dialect())
    assert "'n<10'" in text
    assert ("'min/max'" in text) == ("(max)" in CASES[case][0])
    if CASES[case][1]:
        assert "IS NULL AND sdc_cells._k0 IS NULL" in text  # missing keys match
