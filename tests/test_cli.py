"""cli.py: the console script end to end on a small synthetic database."""

import hashlib

import pandas as pd
import pytest
from sqlalchemy import text

from leostata import cli, config
from leostata.connection import engine_for
from leostata.session import ensure_synthetic


@pytest.fixture(scope="module")
def synth_url(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv(config.ENV_HOME, str(home))
    mp.delenv(config.ENV_URL, raising=False)
    path = ensure_synthetic(persons=400, seed=7)
    yield "duckdb:///" + path.as_posix()
    mp.undo()


@pytest.fixture(autouse=True)
def home(synth_url, tmp_path, monkeypatch):
    monkeypatch.delenv(config.ENV_URL, raising=False)
    return tmp_path


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_describe_lists_tables_and_says_synthetic(capsys, synth_url):
    code, out, err = run(capsys, "describe", "--url", synth_url)
    assert code == 0 and "leo_earnings" in out and "hesa_2005" in out
    assert "SYNTHETIC" in err


def test_sql_for_mssql_resolves_names_in_the_synthetic_catalog(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    code, out, err = run(capsys, "sql", "--dialect", "mssql", "--",
                         'earnings Edukey TaxYear if Main_Section == "Education"')
    assert code == 0 and config.synthetic_path().is_file()  # built on first use
    assert "COLLATE Latin1_General_100_BIN2" in out and "[Edukey]" in out


def test_sql_with_url_and_dialect_resolves_there(capsys, synth_url):
    code, out, _ = run(capsys, "sql", "--url", synth_url, "--dialect", "postgresql", "--",
                       "earnings TaxYear if TaxYear > 201516")
    assert code == 0 and '"TaxYear" > 201516 OR' in out and "IS NULL" in out


def test_load_collapse_to_dta_round_trips(capsys, synth_url, tmp_path):
    out_file = tmp_path / "med.dta"
    code, _, err = run(capsys, "load", "--url", synth_url, "--out", str(out_file), "--",
                       "earnings if TaxYear >= 201516, collapse((p50) Earnings (count) n=Earnings) by(TaxYear)")
    assert code == 0, err
    frame = pd.read_stata(out_file)
    assert list(frame.columns) == ["TaxYear", "Earnings", "n"]
    assert list(frame.TaxYear) == sorted(frame.TaxYear) and frame.TaxYear.min() >= 201516
    engine = engine_for(synth_url)
    with engine.connect() as conn:
        n_2016 = conn.execute(text('SELECT COUNT("Earnings") FROM leo_earnings WHERE "TaxYear" = 201617')).scalar()
    engine.dispose()
    assert int(frame.loc[frame.TaxYear == 201617, "n"].iloc[0]) == n_2016


def test_count_option_prints_the_number(capsys, synth_url):
    code, out, _ = run(capsys, "load", "--url", synth_url, "--", "earnings if TaxYear == 201819, count")
    engine = engine_for(synth_url)
    with engine.connect() as conn:
        expected = conn.execute(text('SELECT COUNT(*) FROM leo_earnings WHERE "TaxYear" = 201819')).scalar()
    engine.dispose()
    assert code == 0 and out.strip() == f"{expected:,}"


def test_query_refuses_writes_with_rc_5103(capsys, synth_url):
    code, _, err = run(capsys, "query", "--url", synth_url, "--", "DELETE FROM leo_earnings")
    assert code == 1 and err.strip().endswith("r(5103);")


def test_unknown_table_is_a_stata_style_error(capsys, synth_url):
    code, out, err = run(capsys, "load", "--url", synth_url, "--", "earnigs")
    assert code == 1 and out == ""
    assert "table earnigs not found" in err and "did you mean leo_earnings?" in err
    assert err.strip().endswith("r(111);")


def test_synth_twice_gives_identical_data(capsys, tmp_path):
    digests = []
    for run_no in range(2):
        url = f"sqlite:///{tmp_path}/s{run_no}.sqlite"
        code, _, _ = run(capsys, "synth", "--url", url, "--persons", "300", "--seed", "1")
        assert code == 0
        engine = engine_for(url)
        h = hashlib.sha256()
        with engine.connect() as conn:
            for table in ("leo_earnings", "leo_employment", "ks4_pupil", "hesa_student"):
                for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3")):
                    h.update(repr(tuple(row)).encode())
        engine.dispose()
        digests.append(h.hexdigest())
    assert digests[0] == digests[1]


def test_demo_builds_the_default_synthetic_database_on_first_use(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    code, out, err = run(capsys, "demo")
    assert code == 0
    assert config.synthetic_path().is_file()
    assert "building the synthetic LEO-shaped database" in err and "SYNTHETIC" in err
    assert "leo_earnings" in out


def test_synthetic_database_refuses_what_sql_server_would(capsys, tmp_path, synth_url):
    # the synthetic DuckDB could do byte-based substr(), SQL Server 2016 cannot
    code, _, err = run(capsys, "load", "--url", synth_url, "--",
                       'earnings if substr(Edukey, 1, 2) == "AB"')
    assert code == 1 and err.strip().endswith("r(5104);")
    assert "SQL Server" in err and "synthetic database too" in err
    # the same file opened as an ordinary DuckDB database is not held to it
    plain = tmp_path / "plain.duckdb"
    plain.write_bytes(open(synth_url[len("duckdb:///"):], "rb").read())
    code, out, err = run(capsys, "load", "--url", f"duckdb:///{plain}", "--",
                         'earnings if substr(Edukey, 1, 2) == "AB", count')
    assert code == 0, err
