"""Tests of the synthetic LEO-shaped database generator (leostata.synth).

Real engines only: DuckDB and SQLite files under tmp_path.  Sizes are small so
the whole module runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from leostata import synth


def _tables(persons: int, seed: int) -> dict[str, pd.DataFrame]:
    frames: dict[str, list[pd.DataFrame]] = {}
    for name, chunk in synth.generate(persons, seed):
        frames.setdefault(name, []).append(chunk)
    return {name: pd.concat(chunks, ignore_index=True) for name, chunks in frames.items()}


def _hashes(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    return {name: hashlib.sha256(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()
                                 + ",".join(df.columns).encode()).hexdigest()
            for name, df in tables.items()}


def _db_hashes(engine) -> dict[str, str]:
    """Content hash of every generated table as stored, rows in a canonical order."""
    out = {}
    with engine.connect() as conn:
        for name, spec in synth.TABLES.items():
            order = ", ".join(str(i + 1) for i in range(len(spec.table.columns)))
            rows = conn.execute(sa.text(f'SELECT * FROM "{name}" ORDER BY {order}')).fetchall()
            out[name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return out


def _column_names(conn, table: str) -> list[str]:
    return list(conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE 1 = 0')).keys())


@pytest.fixture(scope="module")
def medium() -> dict[str, pd.DataFrame]:
    return _tables(2000, 3)


@pytest.fixture(scope="module")
def duckdb_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "s.duckdb"
    engine = sa.create_engine("duckdb:///" + str(path))
    counts = synth.build(engine, persons=300, seed=5)
    yield engine, counts
    engine.dispose()


@pytest.fixture(scope="module")
def sqlite_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "s.sqlite"
    engine = sa.create_engine("sqlite:///" + str(path))
    counts = synth.build(engine, persons=300, seed=5, batch_rows=700)
    yield engine, counts
    engine.dispose()


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_data_and_other_seed_differs():
    first, second, other = _hashes(_tables(400, 11)), _hashes(_tables(400, 11)), _hashes(_tables(400, 12))
    assert first == second
    person_tables = [name for name in first if not name.startswith("ref_")]
    assert all(first[name] != other[name] for name in person_tables)


def test_written_data_identical_across_builds_and_batch_sizes(tmp_path, duckdb_engine, sqlite_engine):
    engine = sa.create_engine("duckdb:///" + str(tmp_path / "again.duckdb"))
    synth.build(engine, persons=300, seed=5, batch_rows=123)
    again = _db_hashes(engine)
    engine.dispose()
    assert again == _db_hashes(duckdb_engine[0])


def test_tiny_size_works(tmp_path):
    engine = sa.create_engine("sqlite:///" + str(tmp_path / "tiny.sqlite"))
    counts = synth.build(engine, persons=50, seed=0)
    assert counts["ks4_pupil"] > 0 and counts["leo_earnings"] > 0
    assert set(counts) == set(synth.TABLES)


# --------------------------------------------------------------------------- written databases


@pytest.mark.parametrize("which", ["duckdb_engine", "sqlite_engine"])
def test_build_writes_every_table_view_and_metadata(which, request):
    engine, counts = request.getfixturevalue(which)
    assert set(synth.TABLES) <= set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        for name in synth.TABLES:
            assert conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar() == counts[name], name
        meta = pd.DataFrame(conn.execute(sa.text("SELECT * FROM leostata_metadata")).mappings().all())
        info = dict(conn.execute(sa.text("SELECT * FROM leostata_info")).fetchall())
        years = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT year FROM hesa_student ORDER BY 1"))]
        for year in years:
            view = synth.hesa_view_name(year)
            n_view = conn.execute(sa.text(f"SELECT COUNT(*) FROM {view}")).scalar()
            n_base = conn.execute(sa.text(f"SELECT COUNT(*) FROM hesa_student WHERE year = {year}")).scalar()
            assert n_view == n_base > 0
            assert conn.execute(sa.text(f"SELECT COUNT(*) FROM {view} WHERE year <> {year}")).scalar() == 0
    assert years == list(synth.HESA_YEARS)
    assert info == {"synthetic": "1", "persons": "300", "seed": "5",
                    "generator_version": synth.GENERATOR_VERSION, "created_by": "leostata synth"}
    described = set(zip(meta.table_name, meta.column_name))
    for name in list(synth.TABLES) + [synth.hesa_view_name(y) for y in years]:
        assert (name, "") in described
        with engine.connect() as conn:
            columns = _column_names(conn, name)
        assert columns == [c.name for c in synth.TABLES["hesa_student" if name.startswith("hesa_") else name].table.c]
        for column in columns:
            assert (name, column) in described, (name, column)
    assert meta.description.notna().all()


@pytest.mark.parametrize("which", ["duckdb_engine", "sqlite_engine"])
def test_nulls_are_real_nulls(which, request):
    engine, _ = request.getfixturevalue(which)
    checks = {  # table, column: there must be NULLs here
        ("ilr_aims", "end_date"), ("hesa_student", "HE_COURSEAIM"), ("hesa_student", "HE_ENDDATE"),
        ("ks4_pupil", "KS4_ATT8"), ("ks4_pupil", "KS4_FSM6"), ("leo_earnings", "main_enterprise"),
        ("leo_earnings", "enterprise_earnings"), ("leo_geography", "GOR"), ("leo_idbr_lookup", "Death_month")}
    with engine.connect() as conn:
        for table, column in checks:
            assert conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" IS NULL')).scalar() > 0
        for table, spec in synth.TABLES.items():
            for col in spec.table.columns:
                if isinstance(col.type, (sa.String, sa.CHAR)):
                    bad = conn.execute(sa.text(f'SELECT COUNT(*) FROM "{table}" WHERE "{col.name}" '
                                               "IN ('None', 'nan', 'NaN', '<NA>', 'NaT', '')")).scalar()
                    assert bad == 0, (table, col.name)
        if engine.dialect.name == "sqlite":
            kinds = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT typeof(KS4_ATT8) FROM ks4_pupil"))}
            assert "null" in kinds and kinds <= {"real", "integer", "null"}
            kinds = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT typeof(end_date) FROM ilr_aims"))}
            assert kinds == {"text", "null"}


def test_duckdb_column_types(duckdb_engine):
    engine, _ = duckdb_engine
    with engine.connect() as conn:
        types = {(t, c): d.upper() for t, c, d in conn.execute(sa.text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"))}
    assert types[("leo_earnings", "Edukey")].startswith("VARCHAR")
    assert types[("leo_earnings", "TaxYear")] == "INTEGER"
    assert types[("ks4_pupil", "KS4_IDACI")].replace(" ", "") == "DECIMAL(5,3)"
    assert types[("leo_employment", "StartDate")] == "DATE"
    assert types[("leo_employment", "UncertainStartDate")] == "BOOLEAN"


def test_metadata_flags():
    meta = synth.metadata_rows()
    by_key = {(r.table_name, r.column_name): r for r in meta.itertuples()}
    assert by_key[("leo_earnings", "Edukey")].person_key == 1
    assert by_key[("leo_earnings", "TaxYear")].sort_key == 2
    assert by_key[("leo_earnings", "Earnings")].documented == 1
    assert by_key[("leo_earnings", "")].documented == 1
    assert by_key[("ks4_pupil", "")].documented == 0
    assert by_key[("hesa_2012", "")].documented == 1
    for table, column in (("ks4_pupil", "la_gss"), ("hesa_student", "cah2"), ("hesa_student", "year")):
        row = by_key[(table, column)]
        assert row.documented == 0 and row.provenance == "synthetic only: not in the SRS extract"
        assert "SRS" not in row.description  # provenance is not part of the description
    gender = by_key[("ks4_pupil", "KS4_GENDER")]
    assert gender.provenance == "name as in the SRS extract; SQL type assumed"
    assert gender.description == "Gender (M/F)"
    assert pd.isna(by_key[("leo_earnings", "Earnings")].provenance)  # name and type documented
    assert by_key[("hesa_2012", "HE_XMODE01")].value_labels == \
        'he_xmode: 1 "Full-time" 2 "Sandwich" 3 "Part-time"'
    assert pd.isna(by_key[("leo_earnings", "TaxYear")].value_labels)
    assert not any("name as in the SRS" in d or "synthetic only" in d for d in meta.description)
    assert pd.isna(by_key[("leo_earnings", "Earnings")].sort_key)
    for name, spec in synth.TABLES.items():
        assert spec.person_key is None or spec.person_key in spec.table.c
        assert all(k in spec.table.c for k in spec.sort_key)
        assert set(spec.columns) == set(spec.table.c.keys())


# --------------------------------------------------------------------------- structural invariants


def test_earnings_and_tax_years(medium):
    e = medium["leo_earnings"]
    assert (e.Earnings >= 0).all() and (e.Earnings == 0).any()
    assert not e.duplicated(["Edukey", "TaxYear"]).any()
    for table in ("leo_earnings", "leo_geography", "leo_self_assessment"):
        years = medium[table].TaxYear.astype(int)
        assert ((years // 100 + 1) % 100 == years % 100).all()
        assert years.min() >= 200304 and years.max() == 202021
    assert medium["leo_self_assessment"].TaxYear.min() == 201314
    unlinked = e.main_enterprise.isna()
    assert 0.01 < unlinked.mean() < 0.06
    assert e.loc[unlinked, ["Main_Section", "Main_SIC2007", "main_enterprise_linked_section"]].isna().all().all()
    assert e.main_enterprise.dropna().isin(medium["leo_idbr_lookup"].ENTKEY).all()


def test_employment_spells_merged_and_defaulted(medium):
    emp = medium["leo_employment"].sort_values(["EduKey", "StartDate"])
    assert (emp.EndDate >= emp.StartDate).all()
    previous_end = emp.groupby("EduKey").EndDate.shift()
    assert not (previous_end + pd.Timedelta(days=1) >= emp.StartDate).any()   # no overlap, no abutting
    defaulted = emp[emp.UncertainStartDate]
    assert len(defaulted) > 0
    assert ((defaulted.StartDate.dt.month == 4) & (defaulted.StartDate.dt.day == 6)).mean() > 0.5
    assert emp.EndDate.max() == pd.Timestamp("2021-04-05")


def test_link_quirks(medium):
    lookup = medium["learner_ae_id_to_edukey_lookup"]
    assert (lookup.groupby("AE_ID").EDUKEY.nunique() >= 2).sum() > 0
    assert (lookup.groupby("EDUKEY").AE_ID.nunique() >= 2).sum() > 0
    orphans = set(medium["leo_earnings"].Edukey) - set(lookup.EDUKEY)
    assert 0 < len(orphans) < 0.05 * medium["leo_earnings"].Edukey.nunique()
    assert (medium["learner_ae_id_to_pmr_lookup"].groupby("AE_ID").size() >= 2).any()
    records = medium["education_records_lookup"]
    assert records.RECORDID.is_unique
    assert medium["ilr_learners"].RECORDID.isin(records.RECORDID).all()
    assert medium["ilr_aims"].external_id.isin(medium["ilr_learners"].external_id).all()


def test_year_dependent_nulls(medium):
    ks4 = medium["ks4_pupil"]
    year = ks4.KS4_ACADYR.str[-4:].astype(int)
    assert ks4.KS4_ATT8[year < 2016].isna().all() and ks4.KS4_ATT8[year >= 2016].notna().all()
    assert ks4.KS4_IDACI[year < 2006].isna().all() and ks4.KS4_IDACI[year >= 2006].notna().all()
    hesa = medium["hesa_student"]
    assert hesa.HE_COURSEAIM[hesa.year < 2008].isna().all() and hesa.HE_COURSEAIM[hesa.year >= 2008].notna().all()
    assert (hesa.HE_XQOBTN01.notna() == (hesa.HE_XPQUAL01 == 1)).all()


def test_graduates_out_earn_non_graduates(medium):
    hesa = medium["hesa_student"]
    grads = hesa[(hesa.HE_XPQUAL01 == 1) & (hesa.HE_XLEV601 == "3")]
    grads = grads.rename(columns={"HE_PUPILMATCHINGREFANONYMOUS": "pmr", "year": "grad_year"})[["pmr", "grad_year"]]
    pmr = medium["learner_ae_id_to_pmr_lookup"].rename(columns={"PUPILMATCHINGREFANONYMOUS": "pmr"})
    keys = medium["learner_ae_id_to_edukey_lookup"]
    ks4 = medium["ks4_pupil"].rename(columns={"KS4_PupilMatchingRefAnonymous": "pmr"})
    people = ks4.merge(pmr, on="pmr").merge(keys, on="AE_ID").merge(grads, on="pmr", how="left")
    pay = people.merge(medium["leo_earnings"], left_on="EDUKEY", right_on="Edukey")
    age = pay.TaxYear // 100 - pay.KS4_YEAROFBIRTH
    adults = pay[(age >= 26) & (age <= 34)]
    graduate = adults.grad_year.notna()
    assert adults.Earnings[graduate].median() > 1.3 * adults.Earnings[~graduate].median()
    five = pay[(pay.TaxYear // 100 - pay.grad_year == 5) & (pay.TaxYear >= 201718)]
    assert 24_000 < five.Earnings.median() < 40_000


@pytest.mark.postgres
def test_build_into_postgresql_over_odbc(pg_db):
    engine = pg_db.writer()
    try:
        counts = synth.build(engine, persons=120, seed=4, batch_rows=500)
        with engine.connect() as conn:
            for name in synth.TABLES:
                assert conn.execute(sa.text(f'SELECT COUNT(*) FROM "{name}"')).scalar() == counts[name], name
            years = [r[0] for r in conn.execute(sa.text("SELECT DISTINCT year FROM hesa_student ORDER BY 1"))]
            for year in years:
                assert conn.execute(sa.text(f"SELECT COUNT(*) FROM hesa_{year} WHERE year <> {year}")).scalar() == 0
            assert conn.execute(sa.text('SELECT COUNT(*) FROM ilr_aims WHERE end_date IS NULL')).scalar() > 0
            assert conn.execute(sa.text('SELECT COUNT(*) FROM leo_earnings WHERE "Earnings" < 0')).scalar() == 0
            assert conn.execute(sa.text("SELECT value FROM leostata_info WHERE key = 'synthetic'")).scalar() == "1"
            assert conn.execute(sa.text("SELECT COUNT(*) FROM leostata_metadata")).scalar() > 200
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect,want", [("mssql", "TINYINT"), ("sqlite", "TINYINT"),
                                          ("postgresql", "SMALLINT")])
def test_tinyint_columns_are_declared_as_the_srs_declares_them(dialect, want):
    from sqlalchemy.dialects import mssql, postgresql, sqlite
    d = {"mssql": mssql, "sqlite": sqlite, "postgresql": postgresql}[dialect].dialect()
    col = synth.TABLES["leo_earnings"].table.c.Tied_Main_Section_Flag
    assert col.type.compile(dialect=d) == want
    assert synth.TABLES["ks4_pupil"].table.c.KS4_FSM.type.compile(dialect=d) == want
    assert synth.TABLES["ks4_pupil"].table.c.KS4_YEAROFBIRTH.type.compile(dialect=d) == "SMALLINT"
