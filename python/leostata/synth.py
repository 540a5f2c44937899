"""A synthetic LEO-shaped database: deterministic generator and loader.

Takes a number of persons and a seed.  ``generate(persons, seed)`` yields
``(table_name, DataFrame chunk)`` pairs for the tables of leo.md §5.2 (link
lookups, NPD KS4 and spring census, ILR learners and aims, HESA, LEO earnings,
employment, self-assessment, benefits, geography, IDBR and small reference
tables).  ``build(engine, persons, seed)`` writes them to any SQLAlchemy engine
(DuckDB fast path, batched ``executemany`` elsewhere), adds one HESA view per
academic year, the ``leostata_metadata`` and ``leostata_info`` tables, and
returns the number of rows per table.

The data are fake but keep a joint structure: earnings depend on education,
subject, sex, region, experience and year, calibrated to the DfE graduate
quartiles of leo.md §3.3.  Documented quirks are injected: many-to-many
AE_ID<->EDUKEY, orphan EDUKEYs, NULLs, zero earnings, merged spells, 6 April
default start dates.  The same seed and size always give the same data: each
table draws from its own ``SeedSequence(seed).spawn`` stream.

Column types: SQLAlchemy generic types carrying the SRS's SQL types (leo.md
§1.4, §2, §5.2): ``tinyint``, ``smallint``, ``int``, ``bigint``,
``varchar(n)``/``char(n)``, ``date``, ``bit``, ``decimal``.  ``TinyInt`` is
``TINYINT`` on SQL Server and SQLite and ``UTINYINT`` (0..255, as SQL Server's)
on DuckDB; PostgreSQL has no one-byte integer, so there it is ``SMALLINT``.
``documented`` in the metadata is 1 when the VRF documents both the name and
the SQL type.  Descriptions are descriptions only: where a column's name and
type come from (``provenance``: name as in the SRS extract with its SQL type
assumed, or synthetic only) and its code list (``value_labels``, in
``label define`` form, for numeric coded columns) are metadata columns of
their own, which loads attach as notes, characteristics and value labels.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable, Iterator, Optional

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy import CHAR, BigInteger, Boolean, Date, Integer, Numeric, SmallInteger, String
from sqlalchemy.ext.compiler import compiles
from . import config

GENERATOR_VERSION = config.SYNTH_GENERATOR_VERSION
METADATA_TABLE = "leostata_metadata"
INFO_TABLE = "leostata_info"

KS4_YEARS = (2002, 2021)       # academic years ending 2002 (2001/02) .. 2021 (2020/21)
TAX_YEARS = (2003, 2020)       # tax years 2003/04 .. 2020/21 (start years)
GEOGRAPHY_FIRST, SA_FIRST = 2004, 2013
HESA_YEARS = tuple(range(2005, 2021))  # HESA ``year`` 2005 = 2004/05 .. 2020 = 2019/20
CHUNK_ROWS = 250_000

# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class TableSpec:
    """One generated table: its SQLAlchemy definition and its documentation.

    ``columns`` maps each column name to (description, documented,
    provenance, value labels): the provenance note ("" when the VRF documents
    name and type) and the code list in ``label define`` form ("" if none).
    """

    table: sa.Table
    description: str
    documented: bool
    person_key: Optional[str]
    sort_key: tuple[str, ...]
    columns: dict[str, tuple[str, bool, str, str]]


class TinyInt(SmallInteger):
    """SQL Server's ``tinyint`` (0..255) wherever the database has one."""


@compiles(TinyInt)
def _tinyint(type_, compiler, **kw):
    return "SMALLINT"  # PostgreSQL and anything else without a one-byte integer


@compiles(TinyInt, "mssql")
@compiles(TinyInt, "sqlite")
def _tinyint_named(type_, compiler, **kw):
    return "TINYINT"


@compiles(TinyInt, "duckdb")
def _tinyint_duckdb(type_, compiler, **kw):
    return "UTINYINT"  # DuckDB's TINYINT is signed (-128..127); SQL Server's is 0..255


METADATA = sa.MetaData()
TABLES: dict[str, TableSpec] = {}
PROVENANCE = {"d": "", "n": "name as in the SRS extract; SQL type assumed",
              "s": "synthetic only: not in the SRS extract"}
#: Code lists of numeric coded columns, in ``label define`` form (name: codes).
VALUE_LABELS = {
    "LLDD": 'lldd: 1 "Yes" 2 "No" 9 "Not known"',
    "PriorAttain": 'priorattain: 1 "Level 1" 2 "Level 2" 3 "Level 3" 4 "Level 4" '
                   '9 "Entry level" 99 "Not known"',
    "Notional_Level_v2": 'notional_level: 0 "Entry level" 1 "Level 1" 2 "Level 2" 3 "Level 3" '
                         '4 "Level 4" 5 "Level 5" 6 "Level 6" 7 "Level 7" 8 "Level 8"',
    "AimType": 'aimtype: 1 "Programme aim" 3 "Component aim" 4 "Not part of a programme" '
               '5 "Core aim"',
    "Compstatus": 'compstatus: 1 "Continuing" 2 "Completed" 3 "Withdrawn" 6 "Break in learning"',
    "outcome": 'outcome: 1 "Achieved" 2 "Partial achievement" 3 "No achievement" 8 "Not known" '
               '9 "Break in learning"',
    "HE_XMODE01": 'he_xmode: 1 "Full-time" 2 "Sandwich" 3 "Part-time"',
    "HE_XHOOS01": 'he_xhoos: 1 "UK" 2 "Other EU" 3 "Non-EU"',
}


def _table(name, description, documented, person_key, sort_key, *columns):
    """Register a table; each column is (name, type, flags, description).

    flags starts with d (name and type documented), n (name documented) or
    s (synthetic only); ``pk`` marks the primary key, ``nn`` NOT NULL.
    """
    cols, docs = [], {}
    for col_name, col_type, flags, text in columns:
        cols.append(sa.Column(col_name, col_type, primary_key="pk" in flags, autoincrement=False,
                              nullable=not ("pk" in flags or "nn" in flags)))
        docs[col_name] = (text, flags[0] == "d", PROVENANCE[flags[0]],
                          VALUE_LABELS.get(col_name, ""))
    TABLES[name] = TableSpec(sa.Table(name, METADATA, *cols), description, documented,
                             person_key, tuple(sort_key), docs)


_table("education_records_lookup", "Education record id -> resolved person (AE_ID); one row per "
       "longitudinal ILR learner record (LINK.EDUCATION_RECORDS_LOOKUP)", True, "AE_ID", ("RECORDID",),
       ("RECORDID", Integer, "d pk", "Unique record identifier; joins ilr_learners/ilr_aims.RECORDID"),
       ("AE_ID", BigInteger, "d nn", "Resolved person identifier (education side)"),
       ("SOURCE", String(20), "n", "Source of the record ('ILR')"))
_table("learner_ae_id_to_edukey_lookup", "AE_ID -> EDUKEY (LINK.LEARNER_AE_ID_TO_EDUKEY_LOOKUP); "
       "many-to-many: some AE_IDs have two EDUKEYs and some EDUKEYs two AE_IDs", True, "AE_ID",
       ("AE_ID", "EDUKEY"),
       ("AE_ID", BigInteger, "d", "Resolved person identifier (education side)"),
       ("EDUKEY", String(14), "d", "Person identifier of the LEO outcome tables (DWP/HMRC side)"))
_table("learner_ae_id_to_pmr_lookup", "AE_ID -> NPD pupil matching reference "
       "(LINK.LEARNER_AE_ID_TO_PMR_LOOKUP); 1% of AE_IDs have two PMRs", True, "AE_ID",
       ("AE_ID", "PUPILMATCHINGREFANONYMOUS"),
       ("AE_ID", BigInteger, "d", "Resolved person identifier (education side)"),
       ("PUPILMATCHINGREFANONYMOUS", String(18), "d", "Anonymised pupil matching reference (NPD, HESA)"))
_table("ks4_pupil", "NPD Key Stage 4 results, one row per pupil (KS4_ columns as in the NPD)", False,
       "KS4_PupilMatchingRefAnonymous", ("KS4_PupilMatchingRefAnonymous",),
       ("KS4_PupilMatchingRefAnonymous", String(18), "n", "Anonymised pupil matching reference"),
       ("KS4_ACADYR", String(9), "n", "Academic year of KS4, e.g. '2011/2012'"),
       ("KS4_GENDER", CHAR(1), "n", "Gender (M/F)"),
       ("KS4_YEAROFBIRTH", SmallInteger, "n", "Year of birth"),
       ("KS4_ETHNIC", String(4), "n", "Ethnic group (minor, e.g. WBRI, APKN)"),
       ("KS4_FSM", TinyInt, "n", "Eligible for free school meals (1/0)"),
       ("KS4_FSM6", TinyInt, "n", "FSM in the last six years (1/0); NULL before 2011/12"),
       ("KS4_SENF", CHAR(1), "n", "SEN provision: N none; A/P/S before 2014/15; K/E from 2014/15"),
       ("KS4_IDACI", Numeric(5, 3), "n", "IDACI score of home area; NULL before 2005/06"),
       ("KS4_LA_anon", String(9), "n", "School local authority, pseudonymised"),
       ("KS4_URN_anon", String(10), "n", "School URN, pseudonymised"),
       ("KS4_PTSTNEWG", Numeric(6, 1), "n", "Total point score (new GCSE scale); 2003/04-2012/13 only"),
       ("KS4_LEVEL2_EM", TinyInt, "n", "Level 2 including English and maths (1/0)"),
       ("KS4_ATT8", Numeric(5, 2), "n", "Attainment 8 score; from 2015/16 only"),
       ("KS4_P8SCORE", Numeric(5, 2), "n", "Progress 8 score; from 2015/16 only"),
       ("la_gss", CHAR(9), "s", "School local authority GSS code (real, not pseudonymised)"),
       ("gor_code", CHAR(9), "s", "Home region GSS code (E12000001-E12000009)"))
_table("school_census_spring", "NPD spring school census, one row per pupil per year in NC years "
       "7-11; 0.5% duplicate rows with RecordStatus 1", False, "PupilMatchingRefAnonymous",
       ("PupilMatchingRefAnonymous", "AcademicYear", "RecordStatus"),
       ("PupilMatchingRefAnonymous", String(18), "n", "Anonymised pupil matching reference"),
       ("AcademicYear", String(9), "n", "Academic year, e.g. '2011/2012'"),
       ("CensusTerm", String(3), "n", "Census term ('Spr')"),
       ("Gender", CHAR(1), "n", "Gender (M/F)"),
       ("YearOfBirth", SmallInteger, "n", "Year of birth"),
       ("MonthOfBirth", SmallInteger, "n", "Month of birth"),
       ("EthnicGroupMinor", String(4), "n", "Ethnic group, minor (e.g. WBRI)"),
       ("EthnicGroupMajor", String(4), "n", "Ethnic group, major (WHIT MIXD ASIA BLAC CHIN AOEG UNCL)"),
       ("FSMeligible", SmallInteger, "n", "Eligible for free school meals (1/0)"),
       ("EVERFSM_6", SmallInteger, "n", "FSM in the last six years (1/0); NULL before 2011/12"),
       ("SENprovision", CHAR(1), "n", "SEN provision: N; A/P/S before 2014/15; K/E from 2014/15"),
       ("PrimarySENtype", String(4), "n", "Primary SEN type (MLD SPLD SLCN ASD BESD/SEMH OTH); NULL if none"),
       ("IDACIScore", Numeric(5, 3), "n", "IDACI score; up to 2014/15 only"),
       ("IDACIRank", Integer, "n", "IDACI rank of the LSOA (1 = most deprived)"),
       ("LSOA11", String(9), "n", "Lower layer super output area 2011 (E01...)"),
       ("LA_anon", String(9), "n", "School local authority, pseudonymised"),
       ("HomeLA_anon", String(9), "n", "Home local authority, pseudonymised"),
       ("NCyearActual", String(2), "n", "National curriculum year ('7'-'11')"),
       ("RecordStatus", SmallInteger, "n", "0 main record, 1 subsidiary (dual registration) duplicate"))
_table("ilr_learners", "Longitudinal ILR learners: one row per learner, provider and year", True,
       "RECORDID", ("RECORDID", "Year"),
       ("external_id", BigInteger, "d pk", "Learner-provider-year-dataset key; joins ilr_aims"),
       ("Year", String(4), "d", "Academic year start, e.g. '2012'"),
       ("AcademicYear", String(17), "d", "Academic year, e.g. '2012/13'"),
       ("dataset_identifier", String(4), "d", "ILR dataset (ILR; ER/LR 2008/09-2012/13)"),
       ("learner_id", String(12), "d", "Learner reference number at the provider"),
       ("ukprn_anon", BigInteger, "d", "Provider UKPRN, pseudonymised"),
       ("upin_anon", Integer, "d", "Provider UPIN, pseudonymised"),
       ("Sex", String(1), "d", "Sex (M/F)"),
       ("Ethnicity", SmallInteger, "d", "ILR ethnicity code (31-47, 98 other, 99 not provided)"),
       ("AcAge", SmallInteger, "d", "Age on 31 August of the academic year"),
       ("LLDD", SmallInteger, "d", "Learning difficulty/disability (1 yes, 2 no, 9 unknown)"),
       ("PriorAttain", SmallInteger, "d", "Prior attainment level (1,2,3,4; 9 entry; 99 unknown)"),
       ("RECORDID", Integer, "d", "Record identifier; joins education_records_lookup to get AE_ID"),
       ("AppParticipant", Integer, "d", "Apprenticeship participant in the year (1/0)"))
_table("ilr_aims", "Longitudinal ILR learning aims, one row per aim", True, "RECORDID",
       ("external_id", "sequence_index"),
       ("Year", Integer, "d", "Academic year start, e.g. 2012"),
       ("external_id", BigInteger, "d", "Learner-provider-year key; joins ilr_learners"),
       ("learner_id", String(255), "d", "Learner reference number at the provider"),
       ("ukprn_anon", BigInteger, "d", "Provider UKPRN, pseudonymised"),
       ("sequence_index", BigInteger, "d", "Aim sequence number within the learner record"),
       ("learning_aim_id", String(8), "d", "Learning aim reference (ZPROG001 = programme aim)"),
       ("RECORDID", Integer, "d", "Record identifier; joins education_records_lookup"),
       ("programme_type", Integer, "d", "Programme type (-1 none; 2 advanced, 3 intermediate, 20-25 higher app.)"),
       ("AimType", Integer, "d", "Aim type (1 programme, 3 component, 4 not in programme, 5 core)"),
       ("FundModel", Integer, "d", "Funding model (10, 25, 35, 36, 99)"),
       ("Notional_Level_v2", Integer, "d", "Notional NVQ level (0 entry - 8)"),
       ("SSATier1", String(30), "d", "Sector subject area, tier 1 (names abbreviated)"),
       ("start_date", Date, "d", "Learning start date"),
       ("end_date_expected", Date, "d", "Planned end date"),
       ("end_date", Date, "d", "Actual end date; NULL if continuing"),
       ("Compstatus", Integer, "d", "Completion status (1 continuing, 2 completed, 3 withdrawn, 6 break)"),
       ("outcome", Integer, "d", "Outcome (1 achieved, 2 partial, 3 no achievement, 8 unknown, 9 break); "
        "NULL if continuing"),
       ("Achievement_date", Date, "d", "Achievement date; NULL unless achieved"),
       ("app", Integer, "d", "Apprenticeship aim (1/0)"),
       ("FullL2", Integer, "d", "Full level 2 aim (1/0)"),
       ("FullL3", Integer, "d", "Full level 3 aim (1/0)"),
       ("LevelOfLearning", Numeric(3, 1), "d", "Level of learning"),
       ("AimRankInYear", BigInteger, "d", "Rank of the aim within the learner's year (1 = highest level)"))
_table("hesa_student", "HESA student instances, one row per instance per academic year; the SRS "
       "gives one view per year (hesa_YYYY)", False, "HE_PUPILMATCHINGREFANONYMOUS",
       ("HE_PUPILMATCHINGREFANONYMOUS", "year", "HE_COMDATE"),
       ("HE_PUPILMATCHINGREFANONYMOUS", String(18), "n", "Pupil matching reference; NULL if not NPD-matched"),
       ("year", SmallInteger, "s", "HESA year: academic year end (2005 = 2004/05)"),
       ("HE_XINSTID01_ANON", String(10), "n", "Institution, pseudonymised"),
       ("HE_XINSTG01", String(9), "n", "Region of the institution (GSS code)"),
       ("HE_XPQUAL01", TinyInt, "n", "In the qualifications-awarded population (1/0)"),
       ("HE_XPSR01", TinyInt, "n", "In the standard registration population (1/0)"),
       ("HE_COMDATE", Date, "n", "Start date of the instance"),
       ("HE_ENDDATE", Date, "n", "End date of the instance; NULL unless it ended this year"),
       ("HE_XMODE01", TinyInt, "n", "Mode (1 full-time, 2 sandwich, 3 part-time)"),
       ("HE_COURSEAIM", CHAR(3), "n", "Course aim (H00, M00, D00); NULL before 2007/08"),
       ("HE_XLEV601", CHAR(1), "n", "Level of study (1 PG research, 2 PG taught, 3 first degree)"),
       ("HE_XQOBTN01", CHAR(3), "n", "Qualification obtained (see ref_xqobtn); NULL unless HE_XPQUAL01 = 1"),
       ("HE_XQLEV601", CHAR(1), "n", "Level of qualification obtained; NULL unless HE_XPQUAL01 = 1"),
       ("HE_XCLASS01", CHAR(2), "n", "Degree class (01 first, 02 2:1, 03 2:2, 05 third/pass, 14 unclassified)"),
       ("HE_XJACS01_1", CHAR(4), "n", "JACS subject of study; NULL from 2019/20"),
       ("HE_XFPE01_1", Numeric(4, 1), "n", "Full-person equivalent of the first subject (100 or 50)"),
       ("HE_XHECOS_1", CHAR(6), "n", "HECOS subject; 2019/20 only"),
       ("HE_XCAH02_1", String(8), "n", "CAH level-2 subject; 2019/20 only"),
       ("HE_SEXID", CHAR(1), "n", "Sex (1 male, 2 female)"),
       ("HE_XETHNIC01", String(2), "n", "Ethnicity (HESA codes)"),
       ("HE_XHOOS01", TinyInt, "n", "Domicile (1 UK, 2 other EU, 3 non-EU)"),
       ("HE_XDOMGR01", String(9), "n", "Region of domicile (GSS code)"),
       ("HE_XQUALENT01", String(3), "n", "Highest qualification on entry (simplified code list)"),
       ("HE_XTARIFF", SmallInteger, "n", "UCAS tariff points; 2011/12-2016/17 only"),
       ("HE_RCSTDNT", TinyInt, "n", "Research council student (1/0); research students 2007/08-2013/14"),
       ("HE_YEARPRG", TinyInt, "n", "Year of programme"),
       ("cah2", String(8), "s", "CAH level-2 subject in every year (see ref_cah2)"))
_table("leo_earnings", "LEO PAYE earnings (HMRC P14), one row per EDUKEY per tax year (LEO.Earnings)",
       True, "Edukey", ("Edukey", "TaxYear"),
       ("Edukey", String(14), "d", "Person identifier; joins learner_ae_id_to_edukey_lookup.EDUKEY"),
       ("TaxYear", Integer, "d", "Tax year, e.g. 200405 = 6 Apr 2004 - 5 Apr 2005"),
       ("Earnings", Integer, "d", "Summed earnings in the tax year; negative totals set to 0"),
       ("main_enterprise", CHAR(10), "n", "Enterprise (ENTKEY) with the highest earnings; NULL if unlinked"),
       ("enterprise_earnings", Integer, "n", "Earnings from main_enterprise"),
       ("tied_main_record_enterprise_sic_fg", TinyInt, "n", "Tie for main enterprise (1/0)"),
       ("Num_Employments", Integer, "d", "Number of distinct enterprises (NULL ENTKEYs not counted)"),
       ("Main_Section", String(100), "n", "SIC section with the highest earnings"),
       ("Section_Earnings", Integer, "n", "Earnings in Main_Section"),
       ("Tied_Main_Section_Flag", TinyInt, "n", "Tie for main section (1/0)"),
       ("Num_Sections", Integer, "n", "Number of distinct SIC sections"),
       ("Main_SIC2007", CHAR(5), "n", "SIC2007 code with the highest earnings"),
       ("SIC_Earnings", Integer, "n", "Earnings in Main_SIC2007"),
       ("Tied_Main_SIC_Flag", TinyInt, "n", "Tie for main SIC (1/0)"),
       ("Num_SIC", Integer, "n", "Number of distinct SIC2007 codes"),
       ("main_enterprise_linked_sic2007", Integer, "d", "SIC2007 of main_enterprise in the IDBR"),
       ("main_enterprise_linked_section", String(100), "n", "SIC section of main_enterprise in the IDBR"))
_table("leo_employment", "LEO employment spells (HMRC P45/RTI); overlapping or abutting spells merged "
       "(LEO.Employment)", True, "EduKey", ("EduKey", "StartDate"),
       ("EduKey", String(14), "d", "Person identifier"),
       ("StartDate", Date, "d", "Spell start; unknown starts default to 6 April"),
       ("EndDate", Date, "d", "Spell end; unknown ends default to 5 April; ongoing = 2021-04-05"),
       ("UncertainStartDate", Boolean, "d", "Start date defaulted (bit)"),
       ("UncertainEndDate", Boolean, "d", "End date defaulted (bit)"))
_table("leo_self_assessment", "LEO self-assessment (self-employment) income, 2013/14 onwards (LEO.SA)",
       True, "Edukey", ("Edukey", "TaxYear"),
       ("Edukey", String(14), "d", "Person identifier"),
       ("TaxYear", Integer, "d", "Tax year, e.g. 201314"),
       ("Self_Employed", Integer, "d", "Self-employed in the year (always 1)"),
       ("EARNINGS_PTR", Integer, "d", "Partnership profits (GBP); NULL = none"),
       ("EARNINGS_SOLE", Integer, "d", "Sole-trader profits (GBP); NULL = none"),
       ("EARNINGS_SELF_EMPLOYMENT", Integer, "d", "Total self-employment income (GBP); NULL = none"))
_table("leo_benefit", "LEO DWP benefit spells; same-type overlapping spells merged (LEO.Benefits)",
       True, "EduKey", ("EduKey", "StartDate", "Benefit_type"),
       ("EduKey", String(14), "d", "Person identifier"),
       ("StartDate", Date, "d", "Spell start"),
       ("EndDate", Date, "d", "Spell end; ongoing = 2021-04-05"),
       ("Benefit_type", String(3), "d", "Benefit code (see ref_benefit_type)"),
       ("Out_of_work_benefit", Integer, "d", "Out-of-work benefit (1/0)"))
_table("leo_geography", "LEO residence (DWP CIS -> NSPL), one row per EDUKEY per tax year; gaps are "
       "not filled (LEO.Geography)", True, "Edukey", ("Edukey", "TaxYear"),
       ("Edukey", String(14), "d", "Person identifier"),
       ("TaxYear", Integer, "d", "Tax year, e.g. 200405"),
       ("COA_2011", String(9), "d", "2011 census output area"),
       ("LAUA_anon", String(9), "d", "Local authority, pseudonymised"),
       ("PCON", String(9), "d", "Parliamentary constituency code"),
       ("PCONNM", String(43), "d", "Parliamentary constituency name (synthetic names)"),
       ("GOR", String(9), "d", "Region (GSS code)"),
       ("GORNM", String(24), "d", "Region name"),
       ("CTRY", String(9), "d", "Country (GSS code)"),
       ("CTRYNM", String(16), "d", "Country name (England, Wales, Scotland, Northern Ireland, Abroad, Unknown)"))
_table("leo_idbr_lookup", "IDBR enterprises, one row per ENTKEY per IDBR extract (LEO.IDBR_LOOKUP); "
       "SourceYear 2019 serves tax years to 2016/17, 2020 later ones", True, None, ("ENTKEY", "SourceYear"),
       ("ENTKEY", CHAR(10), "n", "Enterprise key; joins leo_earnings.main_enterprise"),
       ("SIC2007", CHAR(5), "n", "Primary SIC2007 code of the enterprise"),
       ("Govt_Region", CHAR(9), "n", "Region (GSS code)"),
       ("legalstatus", CHAR(1), "n", "Legal status (1 company, 2 sole proprietor, 3 partnership, "
        "5-7 public/non-profit)"),
       ("Employees", SmallInteger, "n", "Employment size band, lower bound (1, 5, 10, 50, 250)"),
       ("Birth_month", Date, "n", "Birth month of the enterprise (first day)"),
       ("Death_month", Date, "n", "Death month; NULL if live"),
       ("SECTIONNAME", String(100), "n", "SIC2007 section name"),
       ("SourceYear", CHAR(4), "n", "IDBR extract ('2019' or '2020')"))
_table("ref_price_index", "Price index by tax year (illustrative CPIH-like values, 2015/16 = 100; "
       "replace with the official series)", False, None, ("tax_year",),
       ("tax_year", Integer, "s", "Tax year, e.g. 201516"), ("price_index", Numeric(7, 3), "s", "Index"))
_table("ref_sic_section", "SIC2007 sections A-U", False, None, ("code",),
       ("code", CHAR(1), "s", "Section letter"), ("name", String(100), "s", "Section name"))
_table("ref_cah2", "CAH level-2 subjects used here, with representative JACS/HECOS codes "
       "(not an official mapping)", False, None, ("code",),
       ("code", String(8), "s", "CAH2 code"), ("name", String(100), "s", "Subject name"),
       ("jacs", CHAR(4), "s", "Representative JACS code"), ("hecos", CHAR(6), "s", "Representative HECOS code"))
_table("ref_benefit_type", "Benefit codes with labels and out-of-work classification (as in FFT)",
       False, None, ("code",),
       ("code", String(3), "s", "Benefit code"), ("label", String(80), "s", "Label"),
       ("out_of_work", SmallInteger, "s", "Out-of-work benefit (1/0)"))
_table("ref_xqobtn", "HESA qualification-obtained codes (labels simplified)", False, None, ("code",),
       ("code", CHAR(3), "s", "Qualification code"), ("label", String(80), "s", "Label"),
       ("level", String(30), "s", "Level"))
_table("ref_gss_la", "Local authorities used here (a small subset of GSS codes)", False, None, ("la_gss",),
       ("la_gss", CHAR(9), "s", "LA GSS code"), ("la_name", String(60), "s", "LA name"),
       ("gor_code", CHAR(9), "s", "Region GSS code"))

METADATA_DEF = sa.Table(
    METADATA_TABLE, METADATA,
    sa.Column("table_name", String(128), nullable=False), sa.Column("column_name", String(128), nullable=False),
    sa.Column("description", String(1000)), sa.Column("documented", SmallInteger),
    sa.Column("person_key", SmallInteger), sa.Column("sort_key", SmallInteger),
    sa.Column("provenance", String(400)), sa.Column("value_labels", String(4000)))
INFO_DEF = sa.Table(INFO_TABLE, METADATA, sa.Column("key", String(64), nullable=False),
                    sa.Column("value", String(400)))


def hesa_view_name(year: int) -> str:
    """Name of the per-year HESA view, e.g. ``hesa_2012`` for 2011/12."""
    return f"hesa_{year}"


# --------------------------------------------------------------------------- reference data

# GSS code, name, share of pupils, earnings premium (log points)
_REGIONS = [
    ("E12000001", "North East", 0.047, -0.07), ("E12000002", "North West", 0.130, -0.04),
    ("E12000003", "Yorkshire and The Humber", 0.098, -0.05), ("E12000004", "East Midlands", 0.086, -0.04),
    ("E12000005", "West Midlands", 0.106, -0.03), ("E12000006", "East of England", 0.110, 0.02),
    ("E12000007", "London", 0.155, 0.20), ("E12000008", "South East", 0.163, 0.06),
    ("E12000009", "South West", 0.105, -0.03), ("W92000004", "Wales", 0.0, -0.06),
    ("S92000003", "Scotland", 0.0, -0.02), ("N92000002", "Northern Ireland", 0.0, -0.08)]
_COUNTRIES = {"E": ("E92000001", "England"), "W": ("W92000004", "Wales"),
              "S": ("S92000003", "Scotland"), "N": ("N92000002", "Northern Ireland")}
_LAS = [  # GSS code, name, region index
    ("E08000021", "Newcastle upon Tyne", 0), ("E06000047", "County Durham", 0),
    ("E08000003", "Manchester", 1), ("E08000012", "Liverpool", 1), ("E06000008", "Blackburn with Darwen", 1),
    ("E08000035", "Leeds", 2), ("E08000019", "Sheffield", 2), ("E06000014", "York", 2),
    ("E06000018", "Nottingham", 3), ("E06000016", "Leicester", 3), ("E06000015", "Derby", 3),
    ("E08000025", "Birmingham", 4), ("E08000026", "Coventry", 4), ("E06000021", "Stoke-on-Trent", 4),
    ("E07000008", "Cambridge", 5), ("E06000031", "Peterborough", 5), ("E07000148", "Norwich", 5),
    ("E09000007", "Camden", 6), ("E09000033", "Westminster", 6), ("E09000030", "Tower Hamlets", 6),
    ("E09000008", "Croydon", 6), ("E07000178", "Oxford", 7), ("E06000045", "Southampton", 7),
    ("E06000043", "Brighton and Hove", 7), ("E06000042", "Milton Keynes", 7),
    ("E06000023", "Bristol, City of", 8), ("E06000026", "Plymouth", 8), ("E06000052", "Cornwall", 8),
    ("W06000015", "Cardiff", 9), ("S12000036", "City of Edinburgh", 10), ("N09000003", "Belfast", 11)]
# minor code, major code, share among non-WBRI pupils, HESA code, ILR code
_ETHNIC = [
    ("WBRI", "WHIT", 0.0, "10", 31), ("WIRI", "WHIT", 0.02, "10", 32), ("WOTH", "WHIT", 0.15, "10", 34),
    ("MWBC", "MIXD", 0.05, "41", 35), ("MWBA", "MIXD", 0.02, "42", 36), ("MWAS", "MIXD", 0.03, "43", 37),
    ("MOTH", "MIXD", 0.04, "49", 38), ("AIND", "ASIA", 0.09, "31", 39), ("APKN", "ASIA", 0.12, "32", 40),
    ("ABAN", "ASIA", 0.05, "33", 41), ("AOTH", "ASIA", 0.04, "39", 43), ("BCRB", "BLAC", 0.05, "21", 45),
    ("BAFR", "BLAC", 0.12, "22", 44), ("BOTH", "BLAC", 0.02, "29", 46), ("CHNE", "CHIN", 0.02, "34", 42),
    ("OOTH", "AOEG", 0.05, "80", 98), ("MISS", "UNCL", 0.06, "90", 99), ("REFU", "UNCL", 0.03, "98", 99)]
# CAH2 code, name, JACS, HECOS, share of students, earnings premium (log points)
_SUBJECTS = [
    ("CAH01-01", "Medicine and dentistry", "A100", "100271", 0.02, 0.40),
    ("CAH02-04", "Nursing and midwifery", "B700", "100290", 0.05, 0.06),
    ("CAH03-01", "Biosciences", "C100", "100345", 0.06, -0.05),
    ("CAH04-01", "Psychology", "C800", "100497", 0.05, -0.10),
    ("CAH07-01", "Physics and astronomy", "F300", "100425", 0.02, 0.12),
    ("CAH07-02", "Chemistry", "F100", "100417", 0.02, 0.08),
    ("CAH09-01", "Mathematical sciences", "G100", "100403", 0.03, 0.30),
    ("CAH10-01", "Engineering", "H100", "100184", 0.06, 0.20),
    ("CAH11-01", "Computing", "I100", "100366", 0.06, 0.25),
    ("CAH13-01", "Architecture, building and planning", "K100", "100122", 0.03, 0.05),
    ("CAH15-01", "Sociology, social policy and anthropology", "L300", "100505", 0.05, -0.10),
    ("CAH15-02", "Economics", "L100", "100450", 0.03, 0.35),
    ("CAH15-03", "Politics", "L200", "100491", 0.03, 0.05),
    ("CAH16-01", "Law", "M100", "100485", 0.05, 0.05),
    ("CAH17-01", "Business and management", "N100", "100078", 0.11, 0.08),
    ("CAH19-01", "English studies", "Q300", "100319", 0.05, -0.12),
    ("CAH20-01", "History and archaeology", "V100", "100302", 0.04, -0.05),
    ("CAH22-01", "Education and teaching", "X300", "100459", 0.05, -0.02),
    ("CAH24-01", "Media, journalism and communications", "P300", "100444", 0.04, -0.18),
    ("CAH25-01", "Creative arts and design", "W100", "100059", 0.08, -0.22),
    ("CAH25-02", "Performing arts", "W400", "100069", 0.04, -0.20),
    ("CAH26-01", "Geography, earth and environmental studies", "F800", "100409", 0.03, 0.00)]
_MEDICINE, _NURSING, _EDUCATION = 0, 1, 17
# letter, name, SIC2007 codes, employment weights (non-graduate, graduate, student), enterprise weight
_SECTIONS = [
    ("A", "Agriculture, forestry and fishing", ["01110", "01410"], (1.0, 0.3, 0.5), 5),
    ("B", "Mining and quarrying", ["06100", "08110"], (0.2, 0.2, 0.0), 0.3),
    ("C", "Manufacturing", ["10710", "25620", "29100"], (9, 6, 3), 8),
    ("D", "Electricity, gas, steam and air conditioning supply", ["35110"], (0.5, 1, 0), 0.3),
    ("E", "Water supply; sewerage, waste management and remediation activities", ["38110", "36000"],
     (0.8, 0.4, 0.1), 0.5),
    ("F", "Construction", ["41201", "43210"], (8, 3, 2), 12),
    ("G", "Wholesale and retail trade; repair of motor vehicles and motorcycles",
     ["47110", "45111", "46900"], (20, 8, 35), 15),
    ("H", "Transportation and storage", ["49410", "53100"], (6, 2, 2), 4),
    ("I", "Accommodation and food service activities", ["56101", "55100"], (10, 2, 30), 8),
    ("J", "Information and communication", ["62012", "58110"], (2.5, 8, 1), 6),
    ("K", "Financial and insurance activities", ["64191", "65110"], (3, 7, 1), 2),
    ("L", "Real estate activities", ["68100", "68310"], (1, 1.5, 0.3), 3),
    ("M", "Professional, scientific and technical activities", ["69102", "71121", "70229"], (4, 14, 1), 14),
    ("N", "Administrative and support service activities", ["78200", "81210"], (11, 6, 10), 8),
    ("O", "Public administration and defence; compulsory social security", ["84110"], (3.5, 7, 0.5), 0.5),
    ("P", "Education", ["85200", "85310", "85421"], (5, 16, 5), 2),
    ("Q", "Human health and social work activities", ["86101", "87100", "88100"], (11, 15, 6), 5),
    ("R", "Arts, entertainment and recreation", ["90030", "93110"], (2, 2, 3), 3),
    ("S", "Other service activities", ["96020", "94120"], (2, 1.5, 1), 3),
    ("T", "Activities of households as employers", ["97000"], (0.2, 0.1, 0.1), 0.3),
    ("U", "Activities of extraterritorial organisations and bodies", ["99000"], (0.05, 0.1, 0.0), 0.1)]
# code, label, out of work (classification as in the FFT scripts)
_BENEFITS = [
    ("AA", "Attendance Allowance", 1), ("BB", "Bereavement Benefit", 0), ("DLA", "Disability Living Allowance", 0),
    ("ESA", "Employment and Support Allowance", 1), ("IB", "Incapacity Benefit", 1),
    ("ICA", "Invalid Care Allowance / Carer's Allowance", 1), ("IS", "Income Support", 1),
    ("JSA", "Jobseeker's Allowance", 1), ("JTA", "Jobseekers Training Allowance", 1), ("PC", "Pension Credit", 1),
    ("PIB", "PIB (label not in the sources read)", 1), ("RP", "Retirement Pension", 1),
    ("SDA", "Severe Disablement Allowance", 1), ("PIP", "Personal Independence Payment", 0),
    ("WB", "Widow's Benefit", 0)] + [
    (code, f"Universal Credit, conditionality group {code}", int(code in ("UAA", "UBC", "UCE", "UDF")))
    for code in ("UAA", "UAB", "UBC", "UBD", "UCE", "UDF", "UNA")]
_BENEFIT_CODES = [b[0] for b in _BENEFITS]
_BENEFIT_ERAS = [  # first tax year of the era, {code: weight}
    (0, {"JSA": 55, "IS": 18, "IB": 8, "DLA": 8, "ICA": 5, "SDA": 1, "BB": 0.5, "WB": 0.5, "JTA": 1}),
    (2008, {"JSA": 50, "ESA": 20, "IS": 12, "DLA": 8, "ICA": 5, "JTA": 0.5, "BB": 0.5}),
    (2013, {"JSA": 40, "ESA": 25, "IS": 8, "PIP": 8, "DLA": 5, "ICA": 6, "UAA": 3, "UAB": 1, "BB": 0.5}),
    (2016, {"JSA": 15, "ESA": 18, "IS": 4, "PIP": 12, "ICA": 6, "UAA": 12, "UBC": 8, "UCE": 6, "UDF": 4,
            "UAB": 4, "UBD": 3, "UNA": 3, "BB": 0.5, "PIB": 0.2})]
_XQOBTN = [("H00", "First degree with honours", "first degree"),
           ("H11", "First degree with honours and qualified teacher status", "first degree"),
           ("H16", "First degree leading to registration with a health regulator", "first degree"),
           ("M00", "Taught masters degree", "postgraduate taught"),
           ("D00", "Doctorate obtained by research", "postgraduate research"),
           ("C20", "Certificate of higher education", "other undergraduate")]
_SSA = ["Health, Public Serv. and Care", "Science and Mathematics", "Agriculture and Animal Care",
        "Engineering and Manufacturing", "Construction and Planning", "ICT",
        "Retail and Commercial Ent.", "Leisure, Travel and Tourism", "Arts, Media and Publishing",
        "History, Philosophy, Theology", "Social Sciences", "Languages and Communication",
        "Education and Training", "Preparation for Life and Work", "Business, Admin. and Law"]
_PRICE_GROWTH = [2.0, 2.1, 2.3, 2.4, 3.0, 1.9, 2.8, 3.9, 2.6, 2.3, 1.5, 0.4, 0.9, 2.3, 2.3, 1.7, 1.0]
EXTRACT_END = np.datetime64("2021-04-05", "D").astype(np.int64)   # as days since 1970-01-01


def _reference_tables() -> dict[str, dict]:
    """Column arrays of the small reference tables."""
    index = np.cumprod([1.0] + [1 + g / 100 for g in _PRICE_GROWTH])
    years = np.arange(TAX_YEARS[0], TAX_YEARS[1] + 1)
    return {
        "ref_price_index": {"tax_year": years * 100 + (years + 1) % 100,
                            "price_index": 100 * index / index[years == 2015][0]},
        "ref_sic_section": {"code": [s[0] for s in _SECTIONS], "name": [s[1] for s in _SECTIONS]},
        "ref_cah2": {"code": [s[0] for s in _SUBJECTS], "name": [s[1] for s in _SUBJECTS],
                     "jacs": [s[2] for s in _SUBJECTS], "hecos": [s[3] for s in _SUBJECTS]},
        "ref_benefit_type": {"code": _BENEFIT_CODES, "label": [b[1] for b in _BENEFITS],
                             "out_of_work": [b[2] for b in _BENEFITS]},
        "ref_xqobtn": {k: [x[i] for x in _XQOBTN] for i, k in enumerate(("code", "label", "level"))},
        "ref_gss_la": {"la_gss": [la[0] for la in _LAS], "la_name": [la[1] for la in _LAS],
                       "gor_code": [_REGIONS[la[2]][0] for la in _LAS]},
    }


# --------------------------------------------------------------------------- numeric helpers

_ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype="S1")
_STREAMS = ("population", "links", "ks4", "census", "ilr", "hesa", "idbr", "grid", "spells",
            "earnings", "self_assessment", "benefit", "geography")


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stream name, derived from the seed."""
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.Generator(np.random.PCG64(child)) for name, child in zip(_STREAMS, children)}


def _codes(rng, n: int, length: int, prefix: str = "") -> np.ndarray:
    """n distinct random upper-case alphanumeric strings (object array)."""
    width = length - len(prefix)
    while True:
        raw = _ALNUM[rng.integers(0, 36, size=(n, width))].view(f"S{width}").ravel()
        if len(np.unique(raw)) == n:
            return np.char.add(prefix, raw.astype(f"U{width}")).astype(object)


def _numbered(prefix: str, numbers, width: int) -> np.ndarray:
    """Codes like E01000123 from integers (object array)."""
    values, inverse = np.unique(np.asarray(numbers), return_inverse=True)
    text = values.astype(str)
    return np.char.add(prefix, np.char.zfill(text, width) if text.size else text).astype(object)[inverse.ravel()]


def _pick(rng, weights, n: int) -> np.ndarray:
    """n draws of category indices with the given (unnormalised) weights."""
    cum = np.cumsum(np.asarray(weights, dtype=float))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(n), side="right"), len(cum) - 1)


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def _days(year, month, day) -> np.ndarray:
    """Days since 1970-01-01 for vectorised (year, month, day)."""
    months = (np.asarray(year) - 1970) * 12 + (np.asarray(month) - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + (np.asarray(day) - 1)


def _tax_year(days) -> np.ndarray:
    """Start year of the tax year (6 April - 5 April) containing each day."""
    year = np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return year - (days < _days(year, 4, 6))


def _taxyear_code(year):
    """200405 style code of the tax year starting in ``year``."""
    return year * 100 + (year + 1) % 100


def _dates(days, null=None) -> np.ndarray:
    """datetime64[D] array, NaT where ``null``."""
    out = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    if null is not None:
        out[null] = np.datetime64("NaT")
    return out


def _null(values, mask) -> np.ndarray:
    """Float copy of values with NaN where mask (NULL in integer and decimal columns)."""
    return np.where(mask, np.nan, np.asarray(values, dtype=float))


def _null_str(values, mask) -> np.ndarray:
    """Object copy of string values with None where mask."""
    out = np.asarray(values, dtype=object).copy()
    out[np.asarray(mask, dtype=bool)] = None
    return out


def _explode(counts):
    """For child counts per parent: (parent index of each child, position within parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    return parent, np.arange(parent.size) - (np.cumsum(counts) - counts)[parent]


def _carry(events) -> np.ndarray:
    """Index of the latest event at or before each position (event must be True at group starts)."""
    return np.maximum.accumulate(np.where(events, np.arange(len(events)), 0))


def _academic_year(end_year, long=True) -> np.ndarray:
    """'2011/2012' (long) or '2011/12' for academic years ending in end_year."""
    values, inverse = np.unique(np.asarray(end_year), return_inverse=True)
    text = [f"{y - 1}/{y}" if long else f"{y - 1}/{y % 100:02d}" for y in values.tolist()]
    return np.array(text, dtype=object)[inverse.ravel()]


def _merge_spells(key, start, end, ustart, uend):
    """Merge overlapping or abutting spells with the same key; returns the merged arrays."""
    if len(key) == 0:
        return key, start, end, ustart, uend
    order = np.lexsort((start, key))
    key, start, end, ustart, uend = key[order], start[order], end[order], ustart[order], uend[order]
    new_key = np.r_[True, key[1:] != key[:-1]]
    reach = pd.Series(end).groupby(np.cumsum(new_key)).cummax().to_numpy()
    group = np.cumsum(new_key | np.r_[True, start[1:] > reach[:-1] + 1]) - 1
    first = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
    last_end = np.lexsort((end, group))[np.r_[first[1:] - 1, len(group) - 1]]
    return key[first], start[first], np.maximum.reduceat(end, first), ustart[first], uend[last_end]


# --------------------------------------------------------------------------- population


def _population(n: int, rng) -> SimpleNamespace:
    """Person-level attributes: cohort, sex, ability, deprivation, education careers."""
    p = SimpleNamespace(n=n)
    p.ks4_end = rng.integers(KS4_YEARS[0], KS4_YEARS[1] + 1, n)
    p.mob = rng.integers(1, 13, n)
    p.yob = p.ks4_end - 16 - (p.mob >= 9)
    p.female = rng.random(n) < 0.49
    p.ability = rng.standard_normal(n)
    p.dep = -0.3 * p.ability + np.sqrt(0.91) * rng.standard_normal(n)
    p.fsm_latent = p.dep + 0.6 * rng.standard_normal(n)
    p.fsm = p.fsm_latent > 1.26
    p.fsm6 = p.fsm | (p.fsm_latent > 0.70)
    sen_latent = -0.6 * p.ability + 0.8 * rng.standard_normal(n)
    p.sen = (sen_latent > 0.95).astype(int) + (sen_latent > 1.88)
    p.sen_p = rng.random(n) < 0.45                      # 'P' rather than 'A' before 2014/15
    p.sen_type = rng.integers(0, 6, n)
    idaci = np.sort(rng.beta(1.3, 4.5, n))
    rank = np.argsort(np.argsort(p.dep + 0.5 * rng.standard_normal(n)))
    p.idaci, p.idaci_rank = idaci[rank], 1 + ((n - 1 - rank) * 32843) // max(n - 1, 1)
    p.lsoa = rng.integers(1, 32845, n)
    wbri = 0.80 - 0.006 * (p.ks4_end - KS4_YEARS[0])
    p.ethnic = np.where(rng.random(n) < wbri, 0, _pick(rng, [e[2] for e in _ETHNIC], n))
    p.region = _pick(rng, [r[2] for r in _REGIONS], n)
    p.la = _la_in_region(rng, p.region)
    p.home_la = np.where(rng.random(n) < 0.95, p.la, _la_in_region(rng, p.region))
    p.school = p.la * _schools_per_la(n) + rng.integers(0, _schools_per_la(n), n)
    p.in_npd = rng.random(n) < 0.93
    p.has_ks4 = p.in_npd & (rng.random(n) < 0.97)
    p.has_edukey = rng.random(n) < 0.96
    p.in_ilr = rng.random(n) < _logistic(0.25 - 0.7 * p.ability + 0.3 * (p.sen > 0))
    p.stay_on = rng.random(n) < _logistic(0.9 + 1.0 * p.ability)
    # higher education: first degree, then taught masters and research degrees
    p.he_first = p.ks4_end + 3 + _pick(rng, [0.80, 0.12, 0.03, 0.02, 0.01, 0.01, 0.01], n)
    p.subject = _pick(rng, [s[4] for s in _SUBJECTS], n)
    length = np.where(p.subject == _MEDICINE, 5, 3 + (rng.random(n) < 0.23))
    p.completes = rng.random(n) < 0.88
    p.ug_last = p.he_first + np.where(p.completes, length, 1 + (rng.random(n) < 0.4)) - 1
    p.he = (rng.random(n) < _logistic(-0.55 + 1.5 * p.ability - 0.3 * p.dep)) & (p.he_first <= HESA_YEARS[-1])
    p.graduate = p.he & p.completes & (p.ug_last <= HESA_YEARS[-1])
    p.pgt_first = p.ug_last + 1 + _pick(rng, [0.6, 0.2, 0.1, 0.1], n)
    p.pgt = p.graduate & (rng.random(n) < 0.22) & (p.pgt_first <= HESA_YEARS[-1])
    p.pgr_first = np.where(p.pgt, p.pgt_first, p.ug_last) + 1
    p.pgr_last = p.pgr_first + 2 + (rng.random(n) < 0.5)
    p.pgr = p.graduate & (rng.random(n) < _logistic(-4.3 + 1.0 * p.ability)) & (p.pgr_first <= HESA_YEARS[-1])
    p.he_last = np.where(p.pgr, p.pgr_last, np.where(p.pgt, p.pgt_first, p.ug_last))
    p.leave_school = p.ks4_end + 2 * p.stay_on
    p.leave_year = np.where(p.he, np.maximum(p.he_last, p.leave_school), p.leave_school)
    return p


def _schools_per_la(n: int) -> int:
    return max(2, n // (150 * len(_LAS)))


def _la_in_region(rng, region) -> np.ndarray:
    """A random local authority index within each region index."""
    la_region = np.array([la[2] for la in _LAS])
    counts = np.bincount(la_region, minlength=len(_REGIONS))
    first = np.searchsorted(la_region, np.arange(len(_REGIONS)))
    return first[region] + (rng.random(len(region)) * counts[region]).astype(int)


def _identifiers(p, rng) -> SimpleNamespace:
    """AE_IDs, EDUKEYs (some persons with a second key), PMRs, RECORDIDs, pseudonyms."""
    n = p.n
    ids = SimpleNamespace()
    ids.ae_id = 1_000_000_000 + rng.permutation(n).astype(np.int64) * 7 + rng.integers(0, 7, n)
    keys = _codes(rng, 2 * n, 14)
    ids.edukey = keys[:n]
    ids.second_key = p.has_edukey & (rng.random(n) < 0.015)
    ids.edukey2 = _null_str(keys[n:], ~ids.second_key)
    ids.key2_from = rng.integers(np.minimum(p.ks4_end + 1, 2020), 2021)
    ids.unresolved = p.has_edukey & (rng.random(n) < 0.01)        # EDUKEYs in no lookup (orphans)
    pmrs = _codes(rng, 2 * n, 18)
    ids.pmr = pmrs[:n]
    ids.second_pmr = p.in_npd & (rng.random(n) < 0.01)
    ids.pmr2 = pmrs[n:]
    ids.recordid = 10_000_000 + rng.permutation(2 * n).reshape(2, n)
    ids.second_recordid = rng.random(n) < 0.015
    ids.la_anon = _codes(rng, len(_LAS), 9, "LA")
    ids.school_anon = _codes(rng, len(_LAS) * _schools_per_la(n), 10, "U")
    return ids


def _edukey_at(ids, person, year) -> np.ndarray:
    """The EDUKEY under which a person's outcomes for a tax year are recorded."""
    use2 = ids.second_key[person] & (year >= ids.key2_from[person])
    return np.where(use2, ids.edukey2[person], ids.edukey[person])


# --------------------------------------------------------------------------- education tables


def _links(p, ids, rng) -> dict[str, dict]:
    """The AE_ID -> EDUKEY and AE_ID -> PMR lookups."""
    resolved = np.flatnonzero(p.has_edukey & ~ids.unresolved)
    second = np.flatnonzero(ids.second_key & ~ids.unresolved)
    shared = rng.choice(resolved, size=round(0.003 * len(resolved)), replace=False) if len(resolved) else resolved
    partner = rng.choice(resolved, size=len(shared)) if len(resolved) else resolved
    ae = np.concatenate([ids.ae_id[resolved], ids.ae_id[second], ids.ae_id[partner]])
    key = np.concatenate([ids.edukey[resolved], ids.edukey2[second], ids.edukey[shared]])
    order = np.argsort(ae, kind="stable")
    npd, pmr2 = np.flatnonzero(p.in_npd), np.flatnonzero(ids.second_pmr)
    ae_pmr = np.concatenate([ids.ae_id[npd], ids.ae_id[pmr2]])
    pmr = np.concatenate([ids.pmr[npd], ids.pmr2[pmr2]])
    order2 = np.argsort(ae_pmr, kind="stable")
    return {"learner_ae_id_to_edukey_lookup": {"AE_ID": ae[order], "EDUKEY": key[order]},
            "learner_ae_id_to_pmr_lookup": {"AE_ID": ae_pmr[order2], "PUPILMATCHINGREFANONYMOUS": pmr[order2]}}


def _ks4(p, ids, rng) -> dict:
    """One KS4 record per pupil."""
    k = np.flatnonzero(p.has_ks4)
    m, year, a = len(k), p.ks4_end[k], p.ability[k]
    latent = 0.9 * a + 0.45 * rng.standard_normal(m)
    share = np.clip(0.42 + 0.0225 * (year - 2004), 0.40, 0.62)
    level2 = latent > (np.quantile(latent, 1 - share) if m else latent)
    sen = p.sen[k]
    before = year <= 2014
    senf = np.where(sen == 0, "N", np.where(sen == 2, np.where(before, "S", "E"),
                                            np.where(before, np.where(p.sen_p[k], "P", "A"), "K")))
    att8 = np.clip(47 + 18 * (0.85 * a + 0.5 * rng.standard_normal(m)) + 3 * (year >= 2020), 0, 90)
    return {
        "KS4_PupilMatchingRefAnonymous": ids.pmr[k], "KS4_ACADYR": _academic_year(year),
        "KS4_GENDER": np.where(p.female[k], "F", "M"), "KS4_YEAROFBIRTH": p.yob[k],
        "KS4_ETHNIC": np.array([e[0] for e in _ETHNIC], dtype=object)[p.ethnic[k]],
        "KS4_FSM": p.fsm[k].astype(int), "KS4_FSM6": _null(p.fsm6[k], year < 2012), "KS4_SENF": senf,
        "KS4_IDACI": _null(p.idaci[k], year < 2006), "KS4_LA_anon": ids.la_anon[p.la[k]],
        "KS4_URN_anon": ids.school_anon[p.school[k]],
        "KS4_PTSTNEWG": _null(np.clip(380 + 140 * (0.85 * a + 0.5 * rng.standard_normal(m)), 0, 900),
                              (year < 2004) | (year > 2013)),
        "KS4_LEVEL2_EM": level2.astype(int), "KS4_ATT8": _null(att8, year < 2016),
        "KS4_P8SCORE": _null(np.clip(1.2 * (0.3 * a + 0.95 * rng.standard_normal(m)), -9.99, 9.99), year < 2016),
        "la_gss": np.array([la[0] for la in _LAS], dtype=object)[p.la[k]],
        "gor_code": np.array([r[0] for r in _REGIONS], dtype=object)[p.region[k]],
    }


def _census(p, ids, rng) -> dict:
    """Spring census rows for NC years 7-11, with a few duplicate subsidiary records."""
    npd = np.flatnonzero(p.in_npd)
    last_nc = np.where(p.has_ks4[npd], 11, rng.integers(7, 11, len(npd)))
    parent, pos = _explode(np.full(len(npd), 5))
    person, nc = npd[parent], 7 + pos
    year = p.ks4_end[person] - (11 - nc)
    keep = (year >= KS4_YEARS[0]) & (year <= KS4_YEARS[1]) & (nc <= last_nc[parent])
    person, nc, year = person[keep], nc[keep], year[keep]
    rows = np.arange(len(person))
    rows = np.sort(np.concatenate([rows, rows[rng.random(len(rows)) < 0.005]]), kind="stable")
    status = np.r_[0, (rows[1:] == rows[:-1]).astype(int)] if len(rows) else rows
    person, nc, year = person[rows], nc[rows], year[rows]
    m = len(person)
    fsm = (p.fsm_latent[person] + 0.5 * rng.standard_normal(m)) > 1.35
    group = np.cumsum(np.r_[True, person[1:] != person[:-1]]) if m else np.zeros(0, int)
    ever = (np.maximum.accumulate(fsm + 2 * group) - 2 * group).astype(bool) | p.fsm6[person] if m else fsm
    sen, before = p.sen[person], year <= 2014
    provision = np.where(sen == 0, "N", np.where(sen == 2, np.where(before, "S", "E"),
                                                 np.where(before, np.where(p.sen_p[person], "P", "A"), "K")))
    sen_type = np.array(["MLD", "SPLD", "SLCN", "ASD", "BESD", "OTH"], dtype=object)[p.sen_type[person]]
    sen_type = np.where((sen_type == "BESD") & ~before, "SEMH", sen_type)
    return {
        "PupilMatchingRefAnonymous": np.where(ids.second_pmr[person] & (nc <= 8), ids.pmr2[person], ids.pmr[person]),
        "AcademicYear": _academic_year(year), "CensusTerm": "Spr",
        "Gender": np.where(p.female[person], "F", "M"), "YearOfBirth": p.yob[person],
        "MonthOfBirth": p.mob[person],
        "EthnicGroupMinor": np.array([e[0] for e in _ETHNIC], dtype=object)[p.ethnic[person]],
        "EthnicGroupMajor": np.array([e[1] for e in _ETHNIC], dtype=object)[p.ethnic[person]],
        "FSMeligible": fsm.astype(int), "EVERFSM_6": _null(ever, year < 2012), "SENprovision": provision,
        "PrimarySENtype": _null_str(sen_type, np.isin(provision, ["N", "A"])),
        "IDACIScore": _null(p.idaci[person], year > 2015), "IDACIRank": p.idaci_rank[person],
        "LSOA11": _numbered("E01", p.lsoa[person], 6), "LA_anon": ids.la_anon[p.la[person]],
        "HomeLA_anon": ids.la_anon[p.home_la[person]], "NCyearActual": nc.astype(str).astype(object),
        "RecordStatus": status,
    }


def _ilr(p, ids, rng) -> dict[str, dict]:
    """ILR learner-year records, their aims, and the record-id lookup."""
    learners = np.flatnonzero(p.in_ilr)
    n_rows = 1 + np.minimum(rng.poisson(1.3, len(learners)), 6)
    parent, pos = _explode(n_rows)
    person = learners[parent]
    step = np.where(pos == 0, _pick(rng, [0.55, 0.2, 0.1, 0.05, 0.04, 0.03, 0.03], len(pos)),
                    1 + (rng.random(len(pos)) < 0.25) * rng.integers(1, 4, len(pos)))
    year = p.ks4_end[person] + pd.Series(step).groupby(parent).cumsum().to_numpy()
    keep = year <= 2020
    person, pos, year = person[keep], pos[keep], year[keep]
    m = len(person)
    use2 = ids.second_recordid[person] & (pos >= 1)
    recordid = np.where(use2, ids.recordid[1][person], ids.recordid[0][person])
    n_providers = max(20, p.n // 400)
    change = np.r_[True, person[1:] != person[:-1]] | (rng.random(m) < 0.3)
    provider = _pick(rng, 1.0 / np.arange(1, n_providers + 1), m)[_carry(change)] if m else np.zeros(0, int)
    ukprn = 10_000_000 + rng.permutation(n_providers * 10)[:n_providers]
    age = year - p.yob[person] - (p.mob[person] >= 9)
    app = rng.random(m) < np.where(age >= 18, 0.2, 0.1)
    level = np.clip(1 + (p.ability[person] > -0.5) + (p.ability[person] > 0.4) + (age >= 19)
                    * (rng.random(m) < 0.3), 1, 4)
    prior = np.where(rng.random(m) < 0.05, 99, np.where(rng.random(m) < 0.08, 9, level))
    learner_id = _codes(rng, m, 12)
    external_id = 3_000_000_000 + rng.permutation(3 * m)[:m].astype(np.int64)
    lldd = np.where(rng.random(m) < 0.03, 9, np.where(rng.random(m) < 0.12 + 0.3 * (p.sen[person] > 0), 1, 2))
    dataset = np.where((year >= 2008) & (year <= 2012), np.where(app, "ER", "LR"), "ILR").astype(object)
    learners_table = {
        "external_id": external_id, "Year": year.astype(str).astype(object),
        "AcademicYear": _academic_year(year + 1, long=False), "dataset_identifier": dataset,
        "learner_id": learner_id, "ukprn_anon": ukprn[provider], "upin_anon": 100_000 + ukprn[provider] % 900_000,
        "Sex": np.where(p.female[person], "F", "M"),
        "Ethnicity": np.array([e[4] for e in _ETHNIC])[p.ethnic[person]], "AcAge": age, "LLDD": lldd,
        "PriorAttain": prior, "RECORDID": recordid, "AppParticipant": app.astype(int)}
    # aims
    n_aims = np.minimum(np.where(app, 2 + rng.poisson(1.5, m), 1 + rng.poisson(1.4, m)), 10)
    row, seq = _explode(n_aims)
    k = len(row)
    is_app = app[row]
    programme = is_app & (seq == 0)
    lvl = np.where(is_app, np.clip(level[row] + rng.integers(0, 2, k), 2, 5),
                   np.clip(level[row] + rng.integers(-1, 2, k), 0, 8))
    ptype = np.where(is_app, np.select([lvl == 2, lvl == 3], [3, 2], 20 + np.clip(lvl - 4, 0, 5)), -1)
    aim_year = year[row]
    fund = np.where(is_app, np.where(aim_year >= 2017, 36, 35),
                    np.where(age[row] < 19, 25, np.array([35, 99, 10])[_pick(rng, [0.9, 0.06, 0.04], k)]))
    core = (fund == 25) & (seq == 0) & (aim_year >= 2013)
    aim_type = np.where(programme, 1, np.where(is_app, 3, np.where(core, 5, 4)))
    aim_codes = _codes(rng, 300, 8, "5")
    aim_id = np.where(programme, "ZPROG001", aim_codes[rng.integers(0, 300, k)]).astype(object)
    start = _days(aim_year, 8, 1) + np.where(rng.random(k) < 0.7, 31 + rng.integers(0, 30, k), rng.integers(0, 330, k))
    planned = np.round(rng.lognormal(np.log(np.where(is_app, 420, 270)), 0.4)).astype(np.int64)
    expected = start + planned
    status = np.where(expected > _days(2021, 7, 31), 1, np.array([2, 3, 6])[_pick(rng, [0.70, 0.25, 0.05], k)])
    status = np.where((status == 1) & (rng.random(k) < 0.1), 2, status)
    ended = np.where(status == 2, expected + rng.integers(-30, 31, k),
                     start + (rng.random(k) * planned).astype(np.int64))
    outcome = np.select([status == 2, status == 3, status == 6], [np.array([1, 2, 3, 8])[
        _pick(rng, [0.85, 0.04, 0.08, 0.03], k)], 3, 9], np.nan)
    achieved = outcome == 1
    rank = np.empty(k, dtype=np.int64)
    order = np.lexsort((seq, -lvl, row))
    rank[order] = _explode(n_aims)[1] + 1
    aims = {
        "Year": aim_year, "external_id": external_id[row], "learner_id": learner_id[row],
        "ukprn_anon": ukprn[provider][row], "sequence_index": seq + 1, "learning_aim_id": aim_id,
        "RECORDID": recordid[row], "programme_type": ptype, "AimType": aim_type, "FundModel": fund,
        "Notional_Level_v2": lvl, "SSATier1": np.array(_SSA, dtype=object)[rng.integers(0, len(_SSA), k)],
        "start_date": _dates(start), "end_date_expected": _dates(expected),
        "end_date": _dates(ended, status == 1), "Compstatus": status, "outcome": outcome,
        "Achievement_date": _dates(ended + rng.integers(0, 90, k), ~achieved), "app": is_app.astype(int),
        "FullL2": ((lvl == 2) & (rng.random(k) < 0.4)).astype(int),
        "FullL3": ((lvl == 3) & (rng.random(k) < 0.4)).astype(int), "LevelOfLearning": lvl.astype(float),
        "AimRankInYear": rank}
    used = np.unique(recordid)
    all_ids = ids.recordid.ravel()
    order = np.argsort(all_ids)
    owner = order[np.searchsorted(all_ids, used, sorter=order)] % p.n
    lookup = {"RECORDID": used, "AE_ID": ids.ae_id[owner], "SOURCE": "ILR"}
    return {"ilr_learners": learners_table, "ilr_aims": aims, "education_records_lookup": lookup}


def _hesa(p, ids, rng) -> dict:
    """HESA instance-years: first degrees, taught masters and research degrees."""
    ug, pgt, pgr = np.flatnonzero(p.he), np.flatnonzero(p.pgt), np.flatnonzero(p.pgr)
    person = np.concatenate([ug, pgt, pgr])
    level = np.repeat([3, 2, 1], [len(ug), len(pgt), len(pgr)])
    first = np.concatenate([p.he_first[ug], p.pgt_first[pgt], p.pgr_first[pgr]])
    last = np.concatenate([p.ug_last[ug], p.pgt_first[pgt], p.pgr_last[pgr]])
    completes = np.concatenate([p.completes[ug], rng.random(len(pgt)) < 0.9, rng.random(len(pgr)) < 0.8])
    n_inst = len(person)
    n_inst_pool = 120
    inst_region = _pick(rng, [r[2] * (1.8 if i == 6 else 1) for i, r in enumerate(_REGIONS)], n_inst_pool)
    institution = _pick(rng, rng.pareto(1.5, n_inst_pool) + 1, n_inst)
    mode = np.where(level == 3, np.array([1, 3, 2])[_pick(rng, [0.85, 0.10, 0.05], n_inst)], 1)
    joint = (level == 3) & (rng.random(n_inst) < 0.15)
    subject = np.where((level == 3) | (rng.random(n_inst) < 0.7), p.subject[person],
                       _pick(rng, [s[4] for s in _SUBJECTS], n_inst))
    tariff = np.clip(np.round(300 + 90 * p.ability[person] + 40 * rng.standard_normal(n_inst)), 0, 720)
    research_council = rng.random(n_inst) < 0.35
    comdate = _days(first - 1, 9, 15) + rng.integers(0, 16, n_inst)
    inst, offset = _explode(last - first + 1)
    year = first[inst] + offset
    keep = (year >= HESA_YEARS[0]) & (year <= HESA_YEARS[-1])
    inst, year = inst[keep], year[keep]
    m = len(inst)
    person_r, level_r = person[inst], level[inst]
    final = year == last[inst]
    qualified = final & completes[inst]
    enddate = np.where(completes[inst], _days(year, 6, 15) + rng.integers(0, 25, m),
                       _days(year - 1, 10, 1) + rng.integers(0, 240, m))
    subj = subject[inst]
    ug_award = np.where(subj == _NURSING, "H16", np.where((subj == _EDUCATION) & (rng.random(m) < 0.5), "H11", "H00"))
    award = np.where(level_r == 3, ug_award, np.where(level_r == 2, "M00", "D00"))
    first_share = 0.18 + 0.011 * (year - 2005)
    rest = 1 - first_share - 0.45
    u = rng.random(m)
    degree_class = np.select([u < first_share, u < first_share + 0.45, u < first_share + 0.45 + 0.75 * rest,
                              u < 1 - 0.05 * rest], ["01", "02", "03", "05"], "14")
    subj_codes = {k: np.array([s[i] for s in _SUBJECTS], dtype=object)[subj] for k, i in (("cah", 0), ("jacs", 2),
                                                                                        ("hecos", 3))}
    region_codes = np.array([r[0] for r in _REGIONS], dtype=object)
    qualent = np.where(level_r < 3, "H80", np.array(["P50", "P41", "P62", "J80", "X06"], dtype=object)[
        _pick(rng, [0.7, 0.12, 0.08, 0.05, 0.05], m)])
    return {
        "HE_PUPILMATCHINGREFANONYMOUS": _null_str(ids.pmr[person_r], ~p.in_npd[person_r]), "year": year,
        "HE_XINSTID01_ANON": _codes(rng, n_inst_pool, 10, "H")[institution[inst]],
        "HE_XINSTG01": region_codes[inst_region[institution[inst]]],
        "HE_XPQUAL01": qualified.astype(int), "HE_XPSR01": (rng.random(m) < 0.96).astype(int),
        "HE_COMDATE": _dates(comdate[inst]), "HE_ENDDATE": _dates(enddate, ~final),
        "HE_XMODE01": mode[inst],
        "HE_COURSEAIM": _null_str(np.select([level_r == 3, level_r == 2], ["H00", "M00"], "D00"), year < 2008),
        "HE_XLEV601": level_r.astype(str).astype(object),
        "HE_XQOBTN01": _null_str(award, ~qualified), "HE_XQLEV601": _null_str(level_r.astype(str), ~qualified),
        "HE_XCLASS01": _null_str(degree_class, ~qualified | (level_r != 3)),
        "HE_XJACS01_1": _null_str(subj_codes["jacs"], year >= 2020),
        "HE_XFPE01_1": np.where(joint[inst], 50.0, 100.0),
        "HE_XHECOS_1": _null_str(subj_codes["hecos"], year < 2020),
        "HE_XCAH02_1": _null_str(subj_codes["cah"], year < 2020),
        "HE_SEXID": np.where(p.female[person_r], "2", "1"),
        "HE_XETHNIC01": np.array([e[3] for e in _ETHNIC], dtype=object)[p.ethnic[person_r]],
        "HE_XHOOS01": np.array([1, 2, 3])[_pick(rng, [0.95, 0.03, 0.02], n_inst)][inst],
        "HE_XDOMGR01": region_codes[p.region[person_r]], "HE_XQUALENT01": qualent,
        "HE_XTARIFF": _null(tariff[inst], (level_r != 3) | (year < 2012) | (year > 2017)),
        "HE_RCSTDNT": _null(research_council[inst], (level_r != 1) | (year < 2008) | (year > 2014)),
        "HE_YEARPRG": year - first[inst] + 1, "cah2": subj_codes["cah"],
    }


# --------------------------------------------------------------------------- labour market


def _enterprises(n_persons: int, rng) -> SimpleNamespace:
    """IDBR enterprises: section, SIC, size weight and attributes."""
    e = SimpleNamespace()
    n = max(2000, n_persons // 20)
    e.n = n
    e.section = np.concatenate([np.repeat(np.arange(len(_SECTIONS)), 3),
                                _pick(rng, [s[4] for s in _SECTIONS], n - 3 * len(_SECTIONS))])
    e.size = rng.pareto(1.1, n) + 1
    e.entkey = _codes(rng, n, 10)
    codes = np.array([(sec[2] * 3)[:3] for sec in _SECTIONS], dtype=object)     # padded to 3 per section
    n_codes = np.array([len(sec[2]) for sec in _SECTIONS])
    e.sic = [codes[e.section, (rng.random(n) * n_codes[e.section]).astype(int)] for _ in range(2)]
    e.sic[1] = np.where(rng.random(n) < 0.98, e.sic[0], e.sic[1])
    e.region = _pick(rng, [r[2] for r in _REGIONS], n)
    e.legal = np.array(list("123567"), dtype=object)[_pick(rng, [70, 10, 5, 5, 5, 5], n)]
    rank = np.argsort(np.argsort(-e.size)) / n
    e.employees = np.select([rank < 0.01, rank < 0.05, rank < 0.20, rank < 0.40], [250, 50, 10, 5], 1)
    e.birth = _days(1950 + np.minimum(rng.exponential(20, n), 69).astype(int), rng.integers(1, 13, n), 1)
    e.death = _days(2010 + rng.integers(0, 10, n), rng.integers(1, 13, n), 1)
    e.dead = rng.random(n) < 0.08
    e.dead2020 = e.dead | (rng.random(n) < 0.05)
    return e


def _idbr(e) -> dict:
    """Two rows per enterprise, one per IDBR extract (SourceYear 2019, 2020)."""
    names = np.array([s[1] for s in _SECTIONS], dtype=object)
    both = np.r_[np.arange(e.n), np.arange(e.n)]
    later = np.repeat([False, True], e.n)
    death = np.where(later & ~e.dead[both], np.maximum(e.death[both], _days(2019, 1, 1)), e.death[both])
    return {"ENTKEY": e.entkey[both], "SIC2007": np.concatenate(e.sic),
            "Govt_Region": np.array([r[0] for r in _REGIONS], dtype=object)[e.region[both]],
            "legalstatus": e.legal[both], "Employees": e.employees[both],
            "Birth_month": _dates(e.birth[both]),
            "Death_month": _dates(death, ~np.r_[e.dead, e.dead2020]),
            "SECTIONNAME": names[e.section[both]], "SourceYear": np.where(later, "2020", "2019").astype(object)}


def _grid(p, rng) -> SimpleNamespace:
    """Person x tax-year grid (from age 16) with region of residence (a move process)."""
    g = SimpleNamespace()
    start = np.maximum(p.ks4_end, TAX_YEARS[0] - 1)
    g.length = np.clip(TAX_YEARS[1] + 1 - start, 0, None)
    g.offset = np.cumsum(g.length) - g.length
    g.start = start
    g.person, pos = _explode(g.length)
    g.year = start[g.person] + pos
    m = len(g.person)
    age = g.year - p.yob[g.person]
    grad = p.graduate[g.person] & (g.year >= p.ug_last[g.person])
    move_p = np.select([age < 18, age <= 25, age <= 30], [0.02, 0.12, 0.08], 0.05) + 0.1 * (
        p.graduate[g.person] & (g.year == p.ug_last[g.person]))
    weights = np.array([r[2] for r in _REGIONS]) + np.r_[np.zeros(9), [0.01, 0.007, 0.003]]
    london = weights * np.r_[np.ones(6), 2.2, np.ones(5)]
    dest = np.where(grad, _pick(rng, london, m), _pick(rng, weights, m))
    event = (pos == 0) | (rng.random(m) < move_p)
    dest = np.where(pos == 0, p.region[g.person], dest)
    la = np.where(pos == 0, p.home_la[g.person], _la_in_region(rng, dest))
    g.move = _carry(event)
    g.region, g.la = dest[g.move], la[g.move]
    return g


def _grid_index(p, g, person, year) -> np.ndarray:
    """Row of the grid for (person, tax year)."""
    return g.offset[person] + (year - g.start[person])


def _spells(p, rng) -> SimpleNamespace:
    """Employment spells (days since 1970), generated as a renewal process and merged."""
    workers = np.flatnonzero(p.has_edukey & (rng.random(p.n) < 0.97))
    w = len(workers)
    attach = np.exp(-0.4 * p.ability[workers] + 0.3 * p.dep[workers] + 0.6 * (p.sen[workers] > 0)
                    + 0.5 * rng.standard_normal(w))
    leave = _days(p.leave_year[workers], 7, 15)
    current = _days(p.ks4_end[workers], 7, 1) + rng.exponential(200, w).astype(np.int64)
    spells = []
    for _ in range(14):
        young = current < leave
        duration = np.where(young, rng.lognormal(np.log(180), 0.8, w), rng.lognormal(np.log(900), 0.9, w))
        gap = np.where(young, rng.lognormal(np.log(150), 1.0, w), rng.lognormal(np.log(90), 1.2, w) * attach)
        end = current + duration.astype(np.int64)
        live = current <= EXTRACT_END
        spells.append((workers[live], current[live], end[live]))
        current = end + 2 + gap.astype(np.int64)
    person, start, end = (np.concatenate(parts) for parts in zip(*spells))
    k = len(person)
    ongoing = end >= EXTRACT_END
    end = np.minimum(end, EXTRACT_END)
    ustart = rng.random(k) < 0.08
    start = np.where(ustart, _days(_tax_year(start), 4, 6), start)
    uend = ~ongoing & (rng.random(k) < 0.06)
    end = np.where(uend, np.minimum(_days(_tax_year(end) + 1, 4, 5), EXTRACT_END), end)
    s = SimpleNamespace()
    s.person, s.start, s.end, s.ustart, s.uend = _merge_spells(person, start, end, ustart, uend)
    return s


def _employment(ids, s) -> dict:
    return {"EduKey": _edukey_at(ids, s.person, _tax_year(s.start)), "StartDate": _dates(s.start),
            "EndDate": _dates(s.end), "UncertainStartDate": s.ustart, "UncertainEndDate": s.uend}


def _days_by_tax_year(s):
    """(person, tax year, days employed) for every person-year covered by a spell."""
    first, last = _tax_year(s.start), _tax_year(s.end)
    spell, pos = _explode(last - first + 1)
    year = first[spell] + pos
    days = (np.minimum(s.end[spell], _days(year + 1, 4, 5)) - np.maximum(s.start[spell], _days(year, 4, 6)) + 1)
    key = pd.DataFrame({"person": s.person[spell], "year": year, "days": days})
    total = key.groupby(["person", "year"], sort=True)["days"].sum()
    return (total.index.get_level_values(0).to_numpy(), total.index.get_level_values(1).to_numpy(),
            total.to_numpy())


def _earnings(p, ids, g, s, e, rng) -> dict:
    """One row per person and tax year with PAYE pay, consistent with the spells (98%)."""
    person, year, days = _days_by_tax_year(s)
    keep = (year >= TAX_YEARS[0]) & (year <= TAX_YEARS[1]) & (rng.random(len(year)) >= 0.01)
    person, year, days = person[keep], year[keep], days[keep]
    # P14 pay without a P45 spell: a few extra uncovered person-years
    covered = np.zeros(len(g.person), dtype=bool)
    covered[_grid_index(p, g, person, year)] = True
    candidates = np.flatnonzero(~covered & p.has_edukey[g.person] & (g.year >= TAX_YEARS[0]))
    extra = np.sort(rng.choice(candidates, size=min(len(candidates), round(0.01 * len(person))), replace=False))
    person = np.concatenate([person, g.person[extra]])
    year = np.concatenate([year, g.year[extra]])
    days = np.concatenate([days, rng.integers(10, 120, len(extra))])
    order = np.lexsort((year, person))
    person, year, days = person[order], year[order], days[order]
    m = len(person)
    row = _grid_index(p, g, person, year)
    age = year - p.yob[person]
    student = (year < p.leave_school[person]) | (p.he[person] & (year >= p.he_first[person] - 1)
                                                 & (year <= p.he_last[person] - 1))
    grad = p.graduate[person] & (year >= p.ug_last[person])
    yag = np.clip(year - p.ug_last[person], 0, 15)
    exper = np.clip(year - p.leave_school[person], 0, None)
    female, ability = p.female[person], p.ability[person]
    person_effect = 0.22 * rng.standard_normal(p.n)[person]
    mu_non_grad = (np.log(11000) + np.log(2.1) * (1 - np.exp(-exper / 4)) + 0.12 * ability
                   - 0.10 * female - 0.06 * p.fsm[person])
    postgrad = 0.05 * (p.pgt[person] & (year > p.pgt_first[person])) + 0.10 * (
        p.pgr[person] & (year > p.pgr_last[person]))
    mu_grad = (np.log(22000) + 0.09 * yag - 0.003 * yag ** 2 + np.array([sj[5] for sj in _SUBJECTS])[
        p.subject[person]] + postgrad + 0.08 * ability - female * (0.06 + 0.012 * np.minimum(yag, 10)))
    mu = np.where(grad, mu_grad, mu_non_grad)
    mu = np.where(student, np.log(4000) + 0.2 * (age >= 18), mu)
    mu = mu + np.array([r[3] for r in _REGIONS])[g.region[row]] + 0.035 * (year - 2019) + person_effect
    annual = np.exp(mu + 0.18 * rng.standard_normal(m))
    pay = np.round(annual * np.minimum(days, 365) / 365).astype(np.int64)
    pay[rng.random(m) < 0.002] = 0                       # negative totals are set to 0
    # main enterprise: employer changes at person start or with probability 12% a year
    kind = np.where(student, 2, np.where(grad, 1, 0))
    section = np.empty(m, dtype=np.int64)
    for k in range(3):
        section[kind == k] = _pick(rng, [sec[3][k] for sec in _SECTIONS], int((kind == k).sum()))
    change = np.r_[True, person[1:] != person[:-1]] | (rng.random(m) < 0.12) | (days < 200)
    u = rng.random(m)
    enterprise = np.zeros(m, dtype=np.int64)
    for sec in range(len(_SECTIONS)):
        rows = np.flatnonzero(section == sec)
        members = np.flatnonzero(e.section == sec)
        cum = np.cumsum(e.size[members])
        enterprise[rows] = members[np.minimum(np.searchsorted(cum, u[rows] * cum[-1]), len(members) - 1)]
    enterprise = enterprise[_carry(change)] if m else enterprise
    unlinked = rng.random(m) < 0.03
    jobs = np.array([1, 2, 3, 4])[_pick(rng, [0.75, 0.18, 0.05, 0.02], m)]
    share = np.where(jobs == 1, 1.0, rng.uniform(0.5, 0.95, m))
    n_sections = np.where(jobs == 1, 1, 1 + rng.binomial(jobs - 1, 0.5))
    n_sic = n_sections + rng.binomial(jobs - n_sections, 0.5)
    share_section = share + (1 - share) * rng.random(m) * (n_sections < jobs)
    share_sic = share + (share_section - share) * rng.random(m)
    ent_section = e.section[enterprise]
    main_section = np.where((jobs > 1) & (rng.random(m) < 0.03), rng.integers(0, len(_SECTIONS), m), ent_section)
    linked_sic = np.where(year <= 2016, e.sic[0][enterprise], e.sic[1][enterprise])
    main_sic = np.where(main_section == ent_section, linked_sic,
                        np.array([sec[2][0] for sec in _SECTIONS], dtype=object)[main_section])
    names = np.array([sec[1] for sec in _SECTIONS], dtype=object)
    flag = lambda: _null((rng.random(m) < 0.01).astype(int), unlinked)  # noqa: E731
    return {
        "Edukey": _edukey_at(ids, person, year), "TaxYear": _taxyear_code(year), "Earnings": pay,
        "main_enterprise": _null_str(e.entkey[enterprise], unlinked),
        "enterprise_earnings": _null(np.round(pay * share), unlinked),
        "tied_main_record_enterprise_sic_fg": flag(), "Num_Employments": jobs - unlinked,
        "Main_Section": _null_str(names[main_section], unlinked),
        "Section_Earnings": _null(np.round(pay * share_section), unlinked),
        "Tied_Main_Section_Flag": flag(), "Num_Sections": _null(n_sections, unlinked),
        "Main_SIC2007": _null_str(main_sic, unlinked), "SIC_Earnings": _null(np.round(pay * share_sic), unlinked),
        "Tied_Main_SIC_Flag": flag(), "Num_SIC": _null(n_sic, unlinked),
        "main_enterprise_linked_sic2007": _null(linked_sic.astype(int), unlinked),
        "main_enterprise_linked_section": _null_str(names[ent_section], unlinked),
    }


def _self_assessment(p, ids, g, rng) -> dict:
    """Self-employment income rows from 2013/14, prevalence rising with age."""
    propensity = np.exp(1.0 * rng.standard_normal(p.n) - 0.5)
    age = g.year - p.yob[g.person]
    prob = (0.03 + 0.005 * (np.clip(age, 20, 30) - 20)) * propensity[g.person]
    rows = np.flatnonzero((g.year >= SA_FIRST) & (age >= 17) & p.has_edukey[g.person]
                          & (rng.random(len(g.year)) < np.minimum(prob, 0.9)))
    m = len(rows)
    person, year = g.person[rows], g.year[rows]
    sole = rng.random(m) < 0.9
    partner = ~sole | (rng.random(m) < 0.06)
    amount = lambda: np.round(rng.lognormal(np.log(12000), 1.0, m) * (rng.random(m) >= 0.1))  # noqa: E731
    sole_pay = _null(amount(), ~sole)
    ptr_pay = _null(amount(), ~partner)
    total = np.where(sole, np.nan_to_num(sole_pay), 0) + np.where(partner, np.nan_to_num(ptr_pay), 0)
    return {"Edukey": _edukey_at(ids, person, year), "TaxYear": _taxyear_code(year), "Self_Employed": 1,
            "EARNINGS_PTR": ptr_pay, "EARNINGS_SOLE": sole_pay, "EARNINGS_SELF_EMPLOYMENT": total}


def _benefits(p, ids, rng) -> dict:
    """Benefit spells by era; same-type overlapping spells merged."""
    claimants = np.flatnonzero(p.has_edukey)
    window = (EXTRACT_END - _days(p.ks4_end[claimants], 7, 1)).clip(0)
    rate = 0.65 * np.exp(0.7 * p.fsm[claimants] + 0.6 * (p.sen[claimants] > 0) - 0.4 * p.ability[claimants]
                        + 0.8 * rng.standard_normal(len(claimants)) - 0.5)
    count = rng.poisson(rate * window / 3650)
    parent, _ = _explode(count)
    person = claimants[parent]
    k = len(person)
    start = _days(p.ks4_end[person], 7, 1) + (rng.random(k) * window[parent]).astype(np.int64)
    year = _tax_year(start)
    btype = np.zeros(k, dtype=np.int64)
    for i, (era_start, weights) in enumerate(_BENEFIT_ERAS):
        era_end = _BENEFIT_ERAS[i + 1][0] if i + 1 < len(_BENEFIT_ERAS) else 9999
        rows = np.flatnonzero((year >= era_start) & (year < era_end))
        codes = np.array([_BENEFIT_CODES.index(c) for c in weights])
        btype[rows] = codes[_pick(rng, list(weights.values()), len(rows))]
    long_term = np.isin(btype, [_BENEFIT_CODES.index(c) for c in ("DLA", "PIP", "ICA", "ESA")])
    duration = rng.lognormal(np.log(120), 1.1, k) * np.where(long_term, 4, 1)
    end = np.minimum(start + duration.astype(np.int64), EXTRACT_END)
    key = person * 32 + btype
    key, start, end, _, _ = _merge_spells(key, start, end, np.zeros(k, bool), np.zeros(k, bool))
    person, btype = key // 32, key % 32
    order = np.lexsort((btype, start, person))
    person, btype, start, end = person[order], btype[order], start[order], end[order]
    return {"EduKey": _edukey_at(ids, person, _tax_year(start)), "StartDate": _dates(start),
            "EndDate": _dates(end), "Benefit_type": np.array(_BENEFIT_CODES, dtype=object)[btype],
            "Out_of_work_benefit": np.array([b[2] for b in _BENEFITS])[btype]}


def _geography(p, ids, g, rng) -> dict:
    """Residence per person and tax year from 2004/05, with gaps, Abroad and Unknown."""
    # an output area and constituency per address (move event), formatted once per address
    events = np.flatnonzero(g.move == np.arange(len(g.move)))
    nation = np.array([r[0][0] for r in _REGIONS], dtype=object)
    coa = np.empty(len(g.move), dtype=object)
    coa[events] = nation[g.region[events]] + "00" + _numbered("", rng.integers(1, 171373, len(events)), 6)
    half = np.zeros(len(g.move), dtype=np.int64)
    half[events] = rng.integers(0, 2, len(events))
    prefix = {"E": "E14", "W": "W07", "S": "S14", "N": "N06"}
    pcon_codes = np.array([[prefix[la[0][0]] + f"{530 + 2 * i + h:06d}" for h in (0, 1)]
                           for i, la in enumerate(_LAS)], dtype=object)
    pcon_names = np.array([[la[1] + side for side in (" North", " South")] for la in _LAS], dtype=object)
    rows = np.flatnonzero((g.year >= GEOGRAPHY_FIRST) & p.has_edukey[g.person] & (rng.random(len(g.year)) >= 0.025))
    person, year, region, la, address = g.person[rows], g.year[rows], g.region[rows], g.la[rows], g.move[rows]
    status = _pick(rng, [0.987, 0.01, 0.003], len(rows))                 # 0 address, 1 Abroad, 2 Unknown
    away = status > 0
    per_region = lambda values: np.array(values, dtype=object)[region]  # noqa: E731
    country_name = per_region([_COUNTRIES[r[0][0]][1] for r in _REGIONS])
    return {"Edukey": _edukey_at(ids, person, year), "TaxYear": _taxyear_code(year),
            "COA_2011": _null_str(coa[address], away), "LAUA_anon": _null_str(ids.la_anon[la], away),
            "PCON": _null_str(pcon_codes[la, half[address]], away),
            "PCONNM": _null_str(pcon_names[la, half[address]], away),
            "GOR": _null_str(per_region([r[0] for r in _REGIONS]), away),
            "GORNM": _null_str(per_region([r[1] for r in _REGIONS]), away),
            "CTRY": _null_str(per_region([_COUNTRIES[r[0][0]][0] for r in _REGIONS]), away),
            "CTRYNM": np.select([status == 1, status == 2], ["Abroad", "Unknown"], country_name).astype(object)}


# --------------------------------------------------------------------------- generate


def _frame(name: str, columns: dict) -> pd.DataFrame:
    """DataFrame in table column order with NULL-capable dtypes matching the SQL types."""
    table = TABLES[name].table
    n = next(len(v) for v in columns.values() if np.ndim(v))
    data = {}
    for col in table.columns:
        value = columns[col.name]
        value = np.full(n, value, dtype=object) if np.ndim(value) == 0 else np.asarray(value)
        if isinstance(col.type, Boolean):
            data[col.name] = pd.array(value.astype(bool), dtype="boolean")
        elif isinstance(col.type, Integer):
            data[col.name] = pd.array(np.round(value.astype(float)) if value.dtype.kind == "f" else
                                      value.astype(np.int64), dtype="Int64")
        elif isinstance(col.type, Numeric):
            data[col.name] = pd.array(np.round(value.astype(float), col.type.scale or 0), dtype="Float64")
        elif isinstance(col.type, Date):
            data[col.name] = pd.Series(value.astype("datetime64[D]"))
        else:
            data[col.name] = pd.Series(value.astype(object), dtype=object)
    return pd.DataFrame(data)


def generate(persons: int, seed: int) -> Iterator[tuple[str, pd.DataFrame]]:
    """Yield (table name, DataFrame chunk) for every table; deterministic in (persons, seed)."""
    if persons < 1 or seed < 0:
        raise ValueError("persons must be >= 1 and seed >= 0")
    rng = _streams(seed)
    pop = _population(persons, rng["population"])
    ids = _identifiers(pop, rng["links"])

    def tables():
        yield from _reference_tables().items()
        yield from _links(pop, ids, rng["links"]).items()
        yield "ks4_pupil", _ks4(pop, ids, rng["ks4"])
        yield "school_census_spring", _census(pop, ids, rng["census"])
        yield from _ilr(pop, ids, rng["ilr"]).items()
        yield "hesa_student", _hesa(pop, ids, rng["hesa"])
        enterprises = _enterprises(persons, rng["idbr"])
        yield "leo_idbr_lookup", _idbr(enterprises)
        grid = _grid(pop, rng["grid"])
        spells = _spells(pop, rng["spells"])
        yield "leo_employment", _employment(ids, spells)
        yield "leo_earnings", _earnings(pop, ids, grid, spells, enterprises, rng["earnings"])
        yield "leo_self_assessment", _self_assessment(pop, ids, grid, rng["self_assessment"])
        yield "leo_benefit", _benefits(pop, ids, rng["benefit"])
        yield "leo_geography", _geography(pop, ids, grid, rng["geography"])

    for name, columns in tables():
        frame = _frame(name, columns)
        for start in range(0, max(len(frame), 1), CHUNK_ROWS):
            yield name, frame.iloc[start:start + CHUNK_ROWS].reset_index(drop=True)


# --------------------------------------------------------------------------- metadata and build


def metadata_rows(hesa_years=HESA_YEARS) -> pd.DataFrame:
    """Rows of ``leostata_metadata``: one per table/view (column_name '') and one per column."""
    rows = []

    def describe(name, spec, description, documented):
        rows.append((name, "", description, int(documented), 0, None, None, None))
        for col in spec.table.columns:
            text, doc, provenance, codes = spec.columns[col.name]
            position = spec.sort_key.index(col.name) + 1 if col.name in spec.sort_key else None
            rows.append((name, col.name, text, int(doc), int(col.name == spec.person_key), position,
                         provenance or None, codes or None))

    for name, spec in TABLES.items():
        describe(name, spec, spec.description, spec.documented)
    for year in hesa_years:
        describe(hesa_view_name(year), TABLES["hesa_student"],
                 f"HESA student instances in {year - 1}/{year % 100:02d} (view on hesa_student, "
                 "as the SRS gives one view per collection)", True)
    frame = pd.DataFrame(rows, columns=[c.name for c in METADATA_DEF.columns])
    for col in ("documented", "person_key", "sort_key"):
        frame[col] = pd.array(frame[col].astype(float), dtype="Int64")
    return frame


def info_rows(persons: int, seed: int) -> pd.DataFrame:
    """Rows of ``leostata_info``."""
    items = {"synthetic": "1", "persons": str(persons), "seed": str(seed),
             "generator_version": GENERATOR_VERSION, "created_by": "leostata synth"}
    return pd.DataFrame({"key": list(items), "value": list(items.values())}, dtype=object)


def default_progress(table: str, rows: int) -> None:
    """Print a one-line progress report to stderr."""
    print(f"  {table:<32}{rows:>12,} rows", file=sys.stderr, flush=True)


def _quote(engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def _insert_duckdb(conn, table: sa.Table, frame: pd.DataFrame) -> None:
    """Insert through the raw DuckDB connection: register the DataFrame and INSERT ... SELECT."""
    raw = conn.connection.driver_connection
    cols = ", ".join('"' + c.name.replace('"', '""') + '"' for c in table.columns)
    raw.register("_leostata_chunk", frame)
    try:
        raw.execute(f'INSERT INTO "{table.name}" ({cols}) SELECT {cols} FROM _leostata_chunk')
    finally:
        raw.unregister("_leostata_chunk")


def _insert_generic(conn, table: sa.Table, frame: pd.DataFrame) -> None:
    """executemany with Python values: NULLs as None, dates as datetime.date."""
    columns = []
    for col in table.columns:
        series = frame[col.name]
        missing = series.isna().to_numpy()
        values = (series.dt.date if isinstance(col.type, Date) else series).to_numpy(dtype=object).copy()
        values[missing] = None
        columns.append(values.tolist())
    names = [c.name for c in table.columns]
    conn.execute(table.insert(), [dict(zip(names, row)) for row in zip(*columns)])


def build(engine: sa.engine.Engine, persons: int = 20000, seed: int = 1,
          progress: Optional[Callable[[str, int], None]] = None, batch_rows: int = 50_000) -> dict[str, int]:
    """(Re)create the synthetic database on ``engine``; return the number of rows per table."""
    insert = _insert_duckdb if engine.dialect.name == "duckdb" else _insert_generic
    with engine.begin() as conn:
        for year in HESA_YEARS:
            conn.execute(sa.text(f"DROP VIEW IF EXISTS {_quote(engine, hesa_view_name(year))}"))
    METADATA.drop_all(engine)
    METADATA.create_all(engine)
    counts = {name: 0 for name in TABLES}
    years: set[int] = set()
    with engine.connect() as conn:
        for name, frame in generate(persons, seed):
            with conn.begin():     # explicit: the DuckDB path bypasses SQLAlchemy's autobegin
                for start in range(0, len(frame), batch_rows):
                    insert(conn, TABLES[name].table, frame.iloc[start:start + batch_rows])
            counts[name] += len(frame)
            if name == "hesa_student":
                years.update(int(y) for y in frame["year"].dropna().unique())
            if progress is not None:
                progress(name, counts[name])
        hesa, year_col = _quote(engine, "hesa_student"), _quote(engine, "year")
        with conn.begin():
            for year in sorted(years):
                conn.execute(sa.text(f"CREATE VIEW {_quote(engine, hesa_view_name(year))} AS "
                                     f"SELECT * FROM {hesa} WHERE {year_col} = {year}"))
            insert(conn, METADATA_DEF, metadata_rows(sorted(years)))
            insert(conn, INFO_DEF, info_rows(persons, seed))
    return counts
