"""Disclosure control on DuckDB, SQLite and PostgreSQL (over ODBC): the
server's per-cell figures (distinct persons, per-person totals' sum, largest,
second, top two, largest |value|, smallest) equal a pandas reference on a
hand-built table of boundary cells (9 vs 10 persons with many rows each,
dominance exactly at and just under 90%, zeros, a negative, a NULL by() key,
rows without a person key); the outcomes the SQL writes equal sdc.check's;
rounding ties go away from zero as sdc.round_half_away says."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table

from leostata import commands, sdc
from leostata.session import open_session
from leostata.stata_types import SUPPRESSED
from leostata.writers.memory import MemoryWriter


def rows_of(yr, region, per_person: list, rows_each: int, first_pid: int):
    """Rows for persons ``first_pid...`` whose totals are ``per_person``,
    each split over ``rows_each`` rows."""
    out = []
    for k, total in enumerate(per_person):
        for r in range(rows_each):
            out.append({"pid": first_pid + k, "yr": yr, "region": region,
                        "earn": total / rows_each})
    return out


def table_rows() -> list[dict]:
    rows = []
    rows += rows_of(2015, "N", [1000.0] * 9, 5, 100)                 # 9 persons, 45 rows
    rows += rows_of(2015, "S", [5000.0] * 10, 4, 200)                # 10 persons, mean 1250
    rows += [{"pid": None, "yr": 2015, "region": "S", "earn": 1250.0}] * 2  # no person
    rows += rows_of(2016, "N", [45.0, 45.0] + [1.25] * 8, 2, 300)   # top two = 90%
    rows += rows_of(2016, "S", [45.0, 44.0] + [1.375] * 8, 2, 400)  # 89%
    rows += rows_of(2017, "N", [0.0] * 12, 3, 500)                   # zeros
    rows += rows_of(2017, "S", [-8.0] + [100.0] * 11, 2, 600)        # a negative
    rows += rows_of(2017, None, [100.0 + k for k in range(10)], 1, 700)  # NULL key: a cell
    rows += [{"pid": 200, "yr": 2016, "region": "N", "earn": None}]  # person 200 again, no value
    return rows


@pytest.fixture
def session(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    profile = tmp_path / "profile.ini"
    profile.write_text("[person_key]\nearn_rows = pid\n")
    monkeypatch.setenv(sdc.ENV_PROFILE, str(profile))
    writer = any_db.writer()
    md = MetaData()
    t = Table("earn_rows", md, Column("pid", Integer), Column("yr", Integer),
              Column("region", String(4)), Column("earn", Float))
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(t.insert(), table_rows())
    writer.dispose()
    s = open_session(any_db.url)
    s.profile_file = profile
    yield s
    s.close()


def reference() -> pd.DataFrame:
    """Per cell (yr, region with NULL as ""), from the rows by pandas."""
    df = pd.DataFrame(table_rows())
    df["region"] = df["region"].fillna("")
    df = df[df["pid"].notna()]
    per = (df.groupby(["yr", "region", "pid"], dropna=False)
           .agg(t=("earn", lambda s: s.sum(min_count=1)), c=("earn", "count"),
                a=("earn", lambda s: s.abs().max()), m=("earn", "min")).reset_index())
    out = []
    for (yr, region), g in per.groupby(["yr", "region"]):
        vals = g.loc[g["c"] > 0, "t"].sort_values(ascending=False).tolist()
        out.append({"yr": yr, "region": region, "persons": len(g), "with_value": len(vals),
                    "total": sum(vals), "top1": vals[0], "top2": vals[1],
                    "topn": vals[0] + vals[1], "absmax": g["a"].max(), "minimum": g["m"].min()})
    return pd.DataFrame(out).set_index(["yr", "region"])


COMMAND = "earn_rows, collapse((mean) earn (count) n=earn (sum) s=earn (max) mx=earn) by(yr region) sdc"


def run(session, command=COMMAND):
    writer = MemoryWriter()
    said = []
    job, outcome = commands.load(command, session, lambda j: writer, show=said.append,
                                 say=said.append)
    return job, outcome, writer.data, said


def test_server_figures_equal_the_pandas_reference(session):
    job, outcome, data, _ = run(session)
    ref = reference()
    assert len(outcome.sdc.cells) == len(ref) == 7
    for cell in outcome.sdc.cells:
        yr, region = cell.keys
        want = ref.loc[(yr, region or "")]
        f = cell.figures["earn"]
        assert cell.persons == want["persons"], cell.keys
        assert f.persons == want["with_value"]
        for name in ("total", "top1", "top2", "topn", "absmax", "minimum"):
            assert getattr(f, name) == pytest.approx(want[name], rel=1e-12, abs=1e-12), name
    assert data["_sdc_n"] == [cell.persons for cell in outcome.sdc.cells]


def test_outcomes_written_by_the_sql_equal_the_pure_rules(session):
    job, outcome, data, said = run(session)
    check = outcome.sdc
    assert data["_sdc"] == [c.outcome(check.profile) for c in check.cells]
    by_key = dict(zip(zip(data["yr"], data["region"]), data["_sdc"]))
    assert by_key == {(2015, "N"): "n<10", (2015, "S"): "min/max", (2016, "N"): "min/max",
                      (2016, "S"): "min/max", (2017, ""): "min/max",
                      (2017, "N"): "min/max", (2017, "S"): "min/max"}
    for i, c in enumerate(check.cells):
        for target in ("earn", "n", "s", "mx"):
            assert (data[target][i] == SUPPRESSED) == (c.reasons[target] is not None), (c.keys, target)
    mean = dict(zip(zip(data["yr"], data["region"]), data["earn"]))
    reasons = {c.keys[:1] + ((c.keys[1] or ""),): c.reasons["earn"] for c in check.cells}
    assert reasons == {(2015, "N"): "n", (2015, "S"): None, (2016, "N"): "dominance",
                       (2016, "S"): None, (2017, "N"): "zero", (2017, "S"): "negative",
                       (2017, ""): None}
    assert mean[(2015, "S")] == 1250.0 and mean[(2015, "N")] == SUPPRESSED  # .s, not .
    # mx everywhere (7); earn n s where n<10 (3); earn s where dominance, zero, negative (2 each)
    assert outcome.sdc.locals() == {"leo_sdc_cells": 7, "leo_sdc_failed": 7,
                                    "leo_sdc_suppressed": 7 + 3 + 2 + 2 + 2}
    assert any("7 cells checked" in line for line in said)


def test_rounding_ties_go_away_from_zero_on_the_server(session, monkeypatch, tmp_path):
    _, _, plain, _ = run(session)
    profile = tmp_path / "round.ini"
    profile.write_text("[person_key]\nearn_rows = pid\n[rounding]\nround = yes\n"
                       "money = earn\n")
    monkeypatch.setenv(sdc.ENV_PROFILE, str(profile))
    _, _, rounded, _ = run(session)
    for name, base in (("earn", 100), ("s", 100), ("n", 5), ("_sdc_n", 5)):
        want = [v if v == SUPPRESSED else sdc.round_half_away(v, base) for v in plain[name]]
        assert rounded[name] == want, name
    i = list(zip(rounded["yr"], rounded["region"])).index((2015, "S"))
    assert rounded["earn"][i] == 1300.0     # 1250: a tie, up (half-even would give 1200)
    assert rounded["n"][i] == 40            # 42 rows (two without a person)


def test_sdc_needs_collapse_and_a_person_key(session, monkeypatch, tmp_path):
    from leostata.errors import LeostataError
    with pytest.raises(LeostataError) as err:
        commands.prepare_load("earn_rows, sdc", session)
    assert err.value.rc == 198 and "not available without collapse()" in err.value.message
    empty = tmp_path / "empty.ini"
    empty.write_text("")
    monkeypatch.setenv(sdc.ENV_PROFILE, str(empty))
    with pytest.raises(LeostataError) as err:
        commands.prepare_load("earn_rows, collapse((mean) earn) by(yr) sdc", session)
    assert err.value.rc == 5104 and "no person key" in err.value.message


def test_evidence_file(session, monkeypatch, tmp_path):
    profile = tmp_path / "ev.ini"
    folder = tmp_path / "out"
    folder.mkdir()
    profile.write_text(f"[person_key]\nearn_rows = pid\n[evidence]\nwrite = yes\nfolder = {folder}\n")
    monkeypatch.setenv(sdc.ENV_PROFILE, str(profile))
    _, _, _, said = run(session)
    import json
    files = list(folder.glob("leostata_sdc_*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text())
    assert record["command"].startswith("leoload earn_rows")
    assert "sdc_cells" in record["sql"] and "sdc_persons" in record["figures_sql"]
    assert record["summary"]["cells"] == 7
    assert any(str(files[0]) in line for line in said)
