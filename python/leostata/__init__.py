"""leostata: query the LEO extract on SQL Server from Stata, with Stata's semantics.

The Python face (``leostata.api``), in the Stata commands' grammar::

    import leostata
    df = leostata.load("earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear)")

``connect``, ``load``, ``query``, ``to_sql``, ``describe`` and the error classes
are imported on first use, so ``import leostata`` stays light (Stata's
``python: import leostata.bridge`` and the command line load only what they
need).

The version lives in ``version.py``, the single source of truth.
"""

from .version import __version__

_API = ("connect", "load", "query", "to_sql", "describe", "SyntheticDataWarning")
_ERRORS = ("LeostataError", "RETURN_CODES", "StataSyntaxError", "NotFound", "TypeMismatch",
           "UnknownFunction", "Untranslatable", "StatementRefused", "ServerError",
           "ConnectionFailed", "ResultTooLarge", "NoObservations", "DataInconsistency",
           "BreakPressed", "InternalError")
__all__ = ["__version__", *_API, *_ERRORS]


def __getattr__(name):
    if name in _API:
        from . import api
        return getattr(api, name)
    if name in _ERRORS:
        from . import errors
        return getattr(errors, name)
    raise AttributeError(f"module 'leostata' has no attribute {name!r}")
