"""The golden files and their helper (tests/golden_files.py): every file
under tests/golden/ is read by a test and every declared one exists; the
update switch is refused under CI, rewrites only what changed and says so;
a CI run that writes a golden fails."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest, golden_files
from tests.golden_files import Goldens

#: The modules that read goldens, by folder of tests/golden/.
READERS = {
    "translate": "tests.translate.test_translate_golden",
    "aggregate": "tests.translate.test_aggregate_golden",
    "catalog": "tests.test_catalog_mssql",
    "errors": "tests.test_error_messages",
    "join": "tests.test_join_golden",
    "table_names": "tests.test_table_names",
    "describe": "tests.test_describe_text",
    "sdc": "tests.translate.test_sdc_golden",
    "order": "tests.test_sql",
    "aggregate_weights": "tests.test_collapse_weights",
    "cache": "tests.test_cache",
}
ROOT = Path(__file__).resolve().parents[1]


def declared() -> dict[str, set[Path]]:
    """folder -> the golden paths its module reads."""
    out = {}
    for folder, module_name in READERS.items():
        if importlib.util.find_spec(module_name) is None:
            out[folder] = set()       # no reader (yet): any file there is an orphan
            continue
        importlib.import_module(module_name)  # declares its Goldens on import
        out[folder] = golden_files.REGISTRY[folder].paths()
    return out


def test_every_golden_file_is_read_by_a_test_and_every_declared_one_exists():
    paths = declared()
    folders = {p.name for p in golden_files.ROOT.iterdir() if p.is_dir()}
    assert folders <= set(paths), \
        f"folders of tests/golden/ without a reading module (add to READERS): {folders - set(paths)}"
    wanted = set().union(*paths.values())
    present = {p for p in golden_files.ROOT.rglob("*") if p.is_file()}
    orphans = sorted(str(p.relative_to(golden_files.ROOT)) for p in present - wanted)
    missing = sorted(str(p.relative_to(golden_files.ROOT)) for p in wanted - present)
    assert not orphans, f"golden files no test reads: {orphans}"
    assert not missing, f"declared goldens that do not exist: {missing}"


def test_check_refuses_a_name_its_folder_did_not_declare(tmp_path):
    goldens = Goldens("x", {"a.sql"}, root=tmp_path)
    with pytest.raises(AssertionError, match="not declared"):
        goldens.check("b.sql", "SELECT 1\n")


def test_check_compares_and_never_writes_without_the_switch(tmp_path, monkeypatch):
    monkeypatch.delenv(golden_files.UPDATE_VARIABLE, raising=False)
    goldens = Goldens("x", {"a.sql", "new.sql"}, root=tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.sql").write_text("SELECT 1\n")
    goldens.check("a.sql", "SELECT 1\n")
    with pytest.raises(AssertionError, match="changed"):
        goldens.check("a.sql", "SELECT 2\n")
    with pytest.raises(AssertionError, match="no golden"):
        goldens.check("new.sql", "SELECT 3\n")
    assert (tmp_path / "x" / "a.sql").read_text() == "SELECT 1\n"
    assert not (tmp_path / "x" / "new.sql").exists()


def test_update_rewrites_only_what_changed_and_records_it(tmp_path, monkeypatch):
    monkeypatch.setenv(golden_files.UPDATE_VARIABLE, "1")
    monkeypatch.setenv("CI", "false")
    monkeypatch.setattr(golden_files, "REWRITTEN", [])
    goldens = Goldens("x", {"same.sql", "old.sql", "new.sql"}, root=tmp_path)
    (tmp_path / "x").mkdir()
    for name, text in [("same.sql", "SELECT 1\n"), ("old.sql", "SELECT 2\n")]:
        (tmp_path / "x" / name).write_text(text)
    os.utime(tmp_path / "x" / "same.sql", ns=(10**18, 10**18))
    goldens.check("same.sql", "SELECT 1\n")
    goldens.check("old.sql", "SELECT 22\n")
    goldens.check("new.sql", "SELECT 3\n")
    assert golden_files.REWRITTEN == ["x/old.sql", "x/new.sql (new)"]
    assert (tmp_path / "x" / "same.sql").stat().st_mtime_ns == 10**18   # not rewritten
    assert (tmp_path / "x" / "old.sql").read_text() == "SELECT 22\n"


def test_update_is_refused_by_check_under_ci(tmp_path, monkeypatch):
    monkeypatch.setenv(golden_files.UPDATE_VARIABLE, "1")
    monkeypatch.setenv("CI", "true")
    goldens = Goldens("x", {"a.sql"}, root=tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.sql").write_text("SELECT 1\n")
    with pytest.raises(pytest.fail.Exception, match="refused under CI"):
        goldens.check("a.sql", "SELECT 2\n")
    assert (tmp_path / "x" / "a.sql").read_text() == "SELECT 1\n"


def test_a_golden_update_attempt_under_ci_stops_the_run():
    """The switch under CI: pytest refuses to start (a usage error), and no
    golden file is touched."""
    before = golden_files.snapshot()
    env = dict(os.environ, CI="true", **{golden_files.UPDATE_VARIABLE: "1"})
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_catalog_mssql.py"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "refused under CI" in done.stderr
    assert golden_files.snapshot() == before


def _finish(before: dict) -> SimpleNamespace:
    config = SimpleNamespace(stash=pytest.Stash())
    config.stash[conftest._GOLDENS_AT_START] = before
    session = SimpleNamespace(config=config, exitstatus=pytest.ExitCode.OK)
    conftest.pytest_sessionfinish(session, session.exitstatus)
    return session


def test_a_ci_run_that_wrote_a_golden_fails(monkeypatch):
    now = golden_files.snapshot()
    name = next(iter(now))
    written = dict(now, **{name: now[name] + "-rewritten"}, **{"translate/extra.sql": "x"})
    monkeypatch.setenv("CI", "true")
    assert _finish(now).exitstatus == pytest.ExitCode.OK
    session = _finish(written)
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    assert session.config.stash[conftest._GOLDENS_WRITTEN_IN_CI] == sorted(
        [name, "translate/extra.sql"])
    monkeypatch.setenv("CI", "")
    assert _finish(written).exitstatus == pytest.ExitCode.OK      # outside CI: allowed
