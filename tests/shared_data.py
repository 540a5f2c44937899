"""The project's shared folder (``shared/`` beside the repository, so
``../shared`` from its root) and the datasets the tests read from it.

CI runs in a fresh clone with a copy of ``shared/`` beside it, so every path
is resolved from the repository root, never from an absolute path.  A
missing dataset skips its test on a developer's machine, but under CI
(``CI=true``) it fails: the checks against Stata's published results must
run there, not vanish behind a skip line (issue 19, item 1).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def under_ci() -> bool:
    """True when the run is a CI run (``CI`` set to anything but false/0/"")."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def shared_path(relative: str) -> Path:
    """``../shared/<relative>`` from the repository root (it may not exist)."""
    return SHARED / relative


def require_shared(relative: str) -> Path:
    """The path of a shared dataset; skip the test when it is missing, or
    fail under CI."""
    path = shared_path(relative)
    if path.is_file():
        return path
    message = f"{relative} not found under {SHARED} (shared/ beside the repository)"
    if under_ci():
        pytest.fail(f"CI=true and {message}: the test against it must run in CI",
                    pytrace=False)
    pytest.skip(message)
