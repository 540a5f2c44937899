"""The release, the single source of truth (``setup.cfg``, the ado ``*! version``
lines and the Stata package file are checked against it by the tests)."""

__version__ = "0.1.0"
