"""leostata: query the LEO extract on SQL Server from Stata, with Stata's semantics.

The version below is the single source of truth; ado ``*! version`` lines, the
Stata package file and ``setup.cfg`` are checked against it by the tests.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
