"""pytest plugin: the ``fake_sfi`` fixture.

Registered by ``tests/conftest.py`` (``pytest_plugins = ["tests.fakes.plugin"]``);
``from tests.fakes.plugin import fake_sfi`` also works.
"""

from __future__ import annotations

import sys

import pytest

from tests.fakes import sfi as _sfi_double


@pytest.fixture
def fake_sfi(monkeypatch):
    """Install the sfi double as ``sys.modules["sfi"]`` with a fresh Stata state
    (one empty ``default`` frame, no macros, empty transcript) and yield it.
    Afterwards ``sys.modules["sfi"]`` is restored to what it was (normally absent)."""
    _sfi_double.reset()
    monkeypatch.setitem(sys.modules, "sfi", _sfi_double)
    yield _sfi_double
    _sfi_double.reset()
