"""tests/shared_data.py: shared datasets from ``../shared`` beside the
repository; missing is a skip on a developer's machine, a failure under CI."""

from __future__ import annotations

import pytest

from tests import shared_data


def test_shared_is_beside_the_repository_root():
    assert shared_data.SHARED == shared_data.ROOT.parent / "shared"
    assert (shared_data.ROOT / "scripts" / "test.sh").is_file()


@pytest.mark.parametrize("value, ci", [("true", True), ("1", True), ("TRUE", True),
                                       ("", False), ("false", False), ("0", False)])
def test_under_ci(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert shared_data.under_ci() is ci


def test_missing_dataset_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        shared_data.require_shared("data/no-such-file.dta")


def test_missing_dataset_skips_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-file"):
        shared_data.require_shared("data/no-such-file.dta")

