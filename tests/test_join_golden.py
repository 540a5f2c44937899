"""Golden SQL of each merge() form, per dialect (T-SQL pinned to SQL Server
2016), and of the cardinality probes; plus the SQL Server key comparison
spelled out.  Goldens: ``tests/golden/join/<case>.<dialect>.sql``; after a
deliberate change regenerate and review the diff:

    LEOSTATA_UPDATE_GOLDEN=1 python -m pytest tests/test_join_golden.py
"""

from __future__ import annotations

import pytest

from leostata.catalog import ColumnInfo, TableInfo, normalize_type
from leostata.plan import plan_load
from leostata.links import parse_graph
from leostata.sql import link_probe, merge_probes, to_sql
from leostata.translate import DIALECT_NAMES
from tests.golden_files import Goldens
from tests.translate.leo_table import FakeCatalog, leo_table




def _table(name, key, *cols):
    return TableInfo(name=name, key=key, columns=[
        ColumnInfo(n, normalize_type(t), nullable=nl, position=i, description=n)
        for i, (n, t, nl) in enumerate(cols)])


PERSONS = _table("persons", ("Edukey",), ("Edukey", "varchar(12)", True), ("SEXID", "char(1)", True),
                 ("SUBJECT", "varchar(8)", True), ("Region", "varchar(20)", True),
                 ("BirthYear", "int", True))
LOOKUP = _table("lookup", ("EDUKEY", "AE_ID"), ("EDUKEY", "varchar(14)", True),
                ("AE_ID", "bigint", True))
YEARS = _table("years", ("TaxYear",), ("TaxYear", "int", True), ("Index", "float", True))
PMR_LOOKUP = _table("pmr_lookup", ("AE_ID", "PMR"), ("AE_ID", "bigint", True),
                    ("PMR", "varchar(18)", True))
PUPILS = _table("pupils", ("PMR",), ("PMR", "varchar(18)", True), ("GENDER", "char(1)", True))
#: EDUKEY (leo_earnings, lookup) -> AE_ID -> PMR (pmr_lookup, pupils)
GRAPH = parse_graph("""
[keys]
EDUKEY = varchar(14)
AE_ID = bigint
PMR = varchar(18)
[table leo_earnings]
Edukey = EDUKEY
[table pupils]
PMR = PMR
[lookup lookup]
EDUKEY = EDUKEY
AE_ID = AE_ID
[lookup pmr_lookup]
AE_ID = AE_ID
PMR = PMR
""")


def catalog():
    return FakeCatalog(leo_table(), PERSONS, LOOKUP, YEARS, PMR_LOOKUP, PUPILS)


M = "leo_earnings Edukey TaxYear Earnings"
CASES = {
    "m1_default": f"{M} SEXID _merge, merge(m:1 Edukey using persons, keepusing(SEXID))",
    "m1_match": f"{M} SEXID, merge(m:1 Edukey using persons, keepusing(SEXID) keep(match))",
    "m1_master_match": f"{M} SEXID _merge, merge(m:1 Edukey using persons, keep(master match))",
    "m1_master_only": f"{M}, merge(m:1 Edukey using persons, keep(master) nogenerate)",
    "m1_using_only": f"{M} Region SEXID how, merge(m:1 Edukey using persons, keep(using) "
                     f"generate(how))",
    "m1_numeric_key": f"{M} Index, merge(m:1 TaxYear using years, keep(match))",
    "m1_renamed_key_if": f"{M} AE_ID if AE_ID < 100 & _merge == 3, "
                         f"merge(1:m Edukey=EDUKEY using lookup)",
    "one_to_one_two_keys": "leo_earnings Edukey TaxYear, merge(1:1 Edukey TaxYear using "
                           "leo_earnings, keepusing(Earnings))",
    "collapse_by_joined": "leo_earnings if TaxYear >= 201516, merge(m:1 Edukey using persons, "
                          "keepusing(SEXID SUBJECT) keep(match)) collapse((p50) Earnings "
                          "(count) n=Earnings) by(SUBJECT SEXID)",
    "two_merges": f"{M} SEXID AE_ID, merge(m:1 Edukey using persons, keepusing(SEXID) "
                  f"nogenerate) merge(1:m Edukey=EDUKEY using lookup, keep(master match))",
    "cohort": f"{M} if TaxYear >= 201516, cohort(Edukey using persons if SUBJECT == \"100\") "
              f"cohort(Edukey=EDUKEY using lookup)",
    "cohort_after_merge": f"{M} SEXID, merge(m:1 Edukey using persons, keepusing(SEXID) "
                          f"keep(match)) cohort(TaxYear using years if Index > 100) "
                          f"collapse((mean) Earnings) by(SEXID)",
    "link_merge_drop": f"{M} GENDER _merge, merge(m:1 using pupils, link(drop) "
                       f"keep(master match))",
    "link_cohort_all": f"{M}, cohort(using pupils if GENDER == \"F\", link(all))",
    "link_using_if_collapse": "leo_earnings if TaxYear == 202021, merge(m:1 using pupils if "
                              "GENDER != \"\", link(drop) keepusing(GENDER) keep(match)) "
                              "collapse((p50) Earnings (count) n=Earnings) by(GENDER)",
    "sample_sort_count": f"{M} SEXID, merge(m:1 Edukey using persons) sample(10, seed(3)) "
                         f"sort(SEXID Edukey) count",
}

GOLDENS = Goldens("join", {f"{c}.{d}.sql" for c in CASES for d in DIALECT_NAMES})


def compiled(case: str, dialect: str) -> str:
    plan = plan_load(CASES[case], catalog(), graph=GRAPH)
    text = to_sql(plan, dialect) + "\n"
    for _merge, side, keys, probe in merge_probes(plan, dialect):
        text += f"-- probe: {side} unique on {' '.join(keys)}\n{to_sql(probe, dialect)}\n"
    counted = link_probe(plan, dialect)
    if counted is not None:
        text += f"-- link counts: {counted[0].path}\n{to_sql(counted[1], dialect)}\n"
    return text


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_join_sql(case, dialect):
    GOLDENS.check(f"{case}.{dialect}.sql", compiled(case, dialect))


def test_mssql_keys_match_as_stata_merge_matches_them():
    sql = compiled("m1_numeric_key", "mssql")
    # a nullable numeric key on both sides: the pattern SQL Server turns into one
    # hashable comparison; NULL matches NULL as in Stata
    assert ("leo_m.[TaxYear] = leo_u.[TaxYear] OR leo_m.[TaxYear] IS NULL AND "
            "leo_u.[TaxYear] IS NULL") in sql
    sql = compiled("m1_match", "mssql")
    # strings: NULL = '', exact bytes under BIN2, trailing blanks count
    assert ("((leo_m.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = "
            "(ISNULL(leo_u.[Edukey], '') + CHAR(1))") in sql
    # the probe groups as collapse's by() does, and stops at the first duplicate
    assert "SELECT TOP 1 1 AS leo_duplicate" in sql and "HAVING count(*) > 1" in sql


def test_each_dialect_has_its_null_safe_equality():
    seen = {d: compiled("m1_numeric_key", d) for d in DIALECT_NAMES}
    assert 'leo_m."TaxYear" IS NOT DISTINCT FROM leo_u."TaxYear"' in seen["duckdb"]
    assert 'leo_m."TaxYear" IS leo_u."TaxYear"' in seen["sqlite"]
    assert ('coalesce(leo_m."TaxYear", 0) = coalesce(leo_u."TaxYear", 0) AND '
            '(leo_m."TaxYear" IS NULL) = (leo_u."TaxYear" IS NULL)') in seen["postgresql"]


def test_names_differing_only_in_case_are_refused_not_confused():
    from leostata.errors import Untranslatable
    sex = _table("people", ("Edukey",), ("Edukey", "varchar(12)", True), ("SEX", "char(1)", True))
    with pytest.raises(Untranslatable, match="using variable SEX and master variable Sex differ "
                                             "only in case") as err:
        plan_load("leo_earnings, merge(m:1 Edukey using people)",
                  FakeCatalog(leo_table(), sex))
    assert err.value.rc == 5104 and "keepusing()" in err.value.hint
