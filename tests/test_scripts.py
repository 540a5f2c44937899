"""scripts/test.sh and scripts/start-postgres.sh stop at once, with the
server log, when PostgreSQL does not start (issue 19, item 6)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _executable(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_test_sh_stops_when_postgres_does_not_start(tmp_path):
    """A copy of test.sh beside a start-postgres.sh that fails: the script
    exits nonzero before installing or testing anything, and the server log
    the starter printed reaches the user."""
    scripts = tmp_path / "repo" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "test.sh", scripts / "test.sh")
    _executable(scripts / "start-postgres.sh",
                "echo 'FATAL:  the server log line' >&2\n"
                "echo \"echo 'PostgreSQL did not start' >&2; false\"\nexit 1\n")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    _executable(fake_bin / "dpkg", "exit 0\n")                       # every package "installed"
    _executable(fake_bin / "fakepython", "exit 0\n")                 # python3 -c, venv, pip
    env = dict(os.environ, PATH=f"{fake_bin}:{os.environ['PATH']}",
               PYTHON=str(fake_bin / "fakepython"))
    done = subprocess.run(["bash", str(scripts / "test.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0
    assert "FATAL:  the server log line" in done.stderr
    assert "PostgreSQL did not start" in done.stderr
    assert "running the tests" not in done.stdout
    # the interpreter check before the server start may run it; nothing after may
    assert "installing leostata" not in done.stdout


@pytest.mark.skipif(not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
                    reason="no PostgreSQL server binaries")
def test_start_postgres_fails_with_the_server_log():
    """A port the server refuses: a nonzero exit, the server's own FATAL line
    on stderr, and an ``eval`` line that fails too."""
    folder = Path("/tmp") / f"leostata-pg-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, LEOSTATA_PG_PORT="99999", LEOSTATA_PG_DIR=str(folder))
    try:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "start-postgres.sh")], env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert done.returncode != 0
    assert "server.log" in done.stderr and "FATAL" in done.stderr
    assert done.stdout.strip().endswith("false")
    assert "LEOSTATA_TEST_PG_ODBC" not in done.stdout
