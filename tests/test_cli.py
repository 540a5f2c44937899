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


def test_sql_follows_a_link_and_shows_the_count_that_runs_first(capsys, synth_url):
    code, out, _ = run(capsys, "sql", "--url", synth_url, "--dialect", "mssql", "--",
                       'leo_earnings, cohort(using ks4_pupil if KS4_GENDER == "F", link) count')
    assert code == 0 and "learner_ae_id_to_pmr_lookup" in out
    assert "-- counted first: the persons of link Edukey (EDUKEY -> AE_ID -> PMR)" in out


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


# --- --out: bad paths and faults (issue 11) ----------------------------------------------------
#
# A Stata-style message ending in r(#); on stderr, exit status 1, no traceback,
# and the disk as it was.  Paths that are wrong on their face are refused
# before anything connects.

import errno  # noqa: E402
import os  # noqa: E402
import uuid  # noqa: E402

from leostata.writers import dta  # noqa: E402
from tests.writers.test_dta import listing, mount_tmpfs  # noqa: E402


@pytest.fixture
def no_connect(monkeypatch):
    """Fail the test if the command gets as far as connecting."""
    import leostata.session

    def refuse(*args, **kwargs):
        raise AssertionError("connected although --out could not be written")

    monkeypatch.setattr(leostata.session, "open_session", refuse)


def assert_stata_error(code, out, err, rc):
    assert code == 1 and out == "", err
    assert err.strip().endswith(f"r({rc});"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("sub", ["load", "query"])
@pytest.mark.parametrize("case, rc", [("missing folder", 601), ("a directory", 603),
                                      ("a file in the path", 603), ("leftover part", 602)])
def test_bad_out_path_is_refused_before_connecting(capsys, tmp_path, no_connect, sub, case, rc):
    (tmp_path / "file.txt").write_text("a file")
    (tmp_path / "r.dta.part").write_text("left")
    out = {"missing folder": tmp_path / "nodir" / "r.dta", "a directory": tmp_path,
           "a file in the path": tmp_path / "file.txt" / "r.dta",
           "leftover part": tmp_path / "r.dta"}[case]
    before = listing(tmp_path)
    text = "earnings TaxYear" if sub == "load" else "SELECT 1 AS x"
    code, stdout, err = run(capsys, sub, "--out", str(out), "--", text)
    assert_stata_error(code, stdout, err, rc)
    assert listing(tmp_path) == before


def test_planted_symlink_is_refused_and_the_victim_untouched(capsys, tmp_path, synth_url):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    os.symlink(victim, tmp_path / "r.dta.part")
    code, out, err = run(capsys, "load", "--url", synth_url, "--out", str(tmp_path / "r.dta"),
                         "--", "earnings TaxYear in 1/5")
    assert_stata_error(code, out, err, 602)
    assert "symbolic link" in err and victim.read_bytes() == b"precious"
    assert not (tmp_path / "r.dta").exists()


def test_simulated_full_disk_keeps_the_old_file(capsys, tmp_path, synth_url, monkeypatch):
    out_file = tmp_path / "r.dta"
    out_file.write_bytes(b"old")

    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(dta.os, "fsync", no_space)
    code, out, err = run(capsys, "load", "--url", synth_url, "--out", str(out_file), "--",
                         "earnings TaxYear in 1/50")
    assert_stata_error(code, out, err, 699)
    assert "insufficient disk space" in err and out_file.read_bytes() == b"old"
    assert listing(tmp_path) == ["r.dta"]


def test_full_and_read_only_file_systems(capsys, tmp_path, synth_url):
    folder = tmp_path / "fs"
    unmount = mount_tmpfs(folder)
    try:
        out_file = folder / "r.dta"
        out_file.write_bytes(b"old")
        code, out, err = run(capsys, "load", "--url", synth_url, "--out", str(out_file), "--",
                             "earnings")  # far more than 64 KiB
        assert_stata_error(code, out, err, 699)
        assert out_file.read_bytes() == b"old" and listing(folder) == ["r.dta"]
        import subprocess
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        import leostata.session
        real = leostata.session.open_session
        leostata.session.open_session = None  # refused before connecting, or this fails
        try:
            code, out, err = run(capsys, "load", "--url", synth_url, "--out",
                                 str(folder / "new.dta"), "--", "earnings")
        finally:
            leostata.session.open_session = real
        assert_stata_error(code, out, err, 603)
        assert "read-only file system" in err and listing(folder) == ["r.dta"]
    finally:
        unmount()


def test_lost_connection_mid_stream_leaves_no_dta(capsys, tmp_path, monkeypatch):
    """PostgreSQL over psqlODBC (UseDeclareFetch: rows come 10,000 at a
    time): the server connection is killed after the first batch arrived; the
    query fails with r(5102), and neither FILE.dta nor FILE.dta.part is left
    (an existing FILE.dta stays as it was)."""
    import pyodbc
    from leostata.writers.dta import DtaWriter
    from tests.conftest import make_db, pg_odbc_string
    db, drop = make_db("postgres", tmp_path)
    try:
        w = db.writer()
        with w.begin() as conn:
            conn.execute(text("CREATE TABLE big AS SELECT g AS x, 'row ' || g AS s "
                              "FROM generate_series(1, 150000) AS g"))
        w.dispose()
        app = "leostata_lost_" + uuid.uuid4().hex[:10]
        monkeypatch.setenv("PGAPPNAME", app)  # libpq names this test's connections
        killed = []
        real_write = DtaWriter.write

        def write_then_lose_the_server(self, batch):
            real_write(self, batch)
            if not killed:
                with pyodbc.connect(pg_odbc_string(), autocommit=True) as admin:
                    rows = admin.cursor().execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = ? AND pid <> pg_backend_pid() "
                        "AND state <> 'idle'", app).fetchall()  # idle: pooled, unused
                killed.append(len(rows))

        monkeypatch.setattr(DtaWriter, "write", write_then_lose_the_server)
        for existing in (False, True):
            out_file = tmp_path / "lost.dta"
            if existing:
                out_file.write_bytes(b"old")
            killed.clear()
            code, out, err = run(capsys, "query", "--url", db.url, "--out", str(out_file),
                                 "--", "SELECT x, s FROM big")
            assert killed == [1], err  # exactly this test's streaming connection
            assert_stata_error(code, out, err, 5102)
            assert not (tmp_path / "lost.dta.part").exists()
            if existing:
                assert out_file.read_bytes() == b"old"
            else:
                assert not out_file.exists()
            assert not [n for n in os.listdir(tmp_path) if "spool" in n or n.endswith(".part")]
    finally:
        drop()


def test_evidence_lists_the_disclosure_evidence_files(capsys, synth_url, tmp_path, monkeypatch):
    from leostata.sdc import ENV_PROFILE
    folder = tmp_path / "evidence"
    folder.mkdir()
    profile = tmp_path / "profile.ini"
    profile.write_text(f"[evidence]\nwrite = yes\nfolder = {folder}\n", encoding="utf-8")
    monkeypatch.setenv(ENV_PROFILE, str(profile))
    (folder / "leostata_sdc_not_ours.json").write_text('{"x": 1}', encoding="utf-8")
    code, out, _ = run(capsys, "evidence")
    assert code == 0 and out == ""  # a JSON file that is not evidence is skipped
    code, _, _ = run(capsys, "load", "--url", synth_url, "--",
                     "earnings, collapse((mean) Earnings) by(TaxYear) sdc")
    assert code == 0
    code, out, _ = run(capsys, "evidence")
    assert code == 0 and "collapse((mean) Earnings) by(TaxYear) sdc" in out
    assert "cells " in out and str(folder) in out
