"""The bridge to Stata: the ONLY package that imports ``sfi`` (lazily, inside
functions, so the rest of leostata imports without Stata).

Takes the ado's locals, runs the command through ``commands`` (the one
delivery path) with an ``SfiWriter``, and returns results to the ado as
locals (``set_result_locals``), which the ado posts in r().

``run(command)`` is the ado-files' entry point (``python:
leostata.bridge.run("leoload")``): it reads the ado's locals (``ADO_LOCALS``,
``LEOSET_LOCALS``, ``COMMON_LOCALS``), runs leoload, leoquery, leodescribe or
leoset, and sets ``leo_*`` result locals (``RESULTS``) and ``_leo_rc``.  A
connection set by ``leoset`` without ``permanently`` lives in ``_state`` for
the Stata session.

Modules: ``stata`` (the sfi calls: frames, Break, printing, result locals),
``writer`` (``SfiWriter``, the atomic Writer into Stata); this module holds
the entry point and the handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .. import plan as _plan
from ..errors import InternalError, LeostataError, NotSetUp, StataSyntaxError
from .stata import (_sfi, current_frame, display, display_progress, display_smcl, make_poll,
                    report_error, set_result_locals)
from .writer import SfiWriter, sfi_values

__all__ = ["run", "SfiWriter", "sfi_values",
           "set_result_locals", "make_poll", "display"]


# --- the ado-files' entry point ----------------------------------------------------------------
#
# Every ado does ``python: leostata.bridge.run("<command>")`` (one simple
# statement, no macro pasted into Python text) after ``_leostata_check`` has
# imported this module.  ``run`` reads the ado's locals with
# ``Macro.getLocal``, does the work, prints through sfi, and hands results
# back as locals (``leo_*``) plus the return code ``_leo_rc``; the ado posts
# r() from them and exits with ``_leo_rc`` (stata.md §1.6, §6.1).
#
# The connection set by ``leoset`` without ``permanently`` lives in
# ``_state`` below: module state of the embedded Python, which lasts for the
# Stata session (stata.md §6.1: the interpreter is never restarted; ``python
# clear`` only unbinds names in __main__).  It is never put in a Stata
# macro, where ``macro list`` would show a password.

#: The locals each ado-file passes: exactly what its ``syntax`` statement
#: sets (tests/test_ado.py checks this against the ado-files, both ways).
#: leoload's options are plan.OPTIONS: Stata's ``syntax`` checks their names
#: and abbreviations and returns each spelled out (flags) or as the whole
#: option (``passthru``), and the backend parses their arguments.  The
#: options that may repeat (merge(), cohort()) are not declared, since
#: ``syntax`` keeps only the rightmost of a repeated option: they arrive as
#: typed in ``options`` (``syntax``'s ``*``), with any unknown option, which
#: ``plan.find_option`` then refuses as ``syntax`` would.
# merge(), cohort() (repeatable), sdc[(...)] (a flag or an option with
# arguments, which syntax cannot declare as one) and nocache (syntax gives
# an option spelled no... its own rule: the local is named without the "no")
# reach Python through `*`.
LOAD_OPTION_LOCALS: tuple[str, ...] = tuple(
    o.name for o in _plan.OPTIONS
    if o.kind not in _plan.options.REPEATABLE and o.kind != _plan.options.SDC
    and not o.name.startswith("no"))
ADO_LOCALS: dict[str, tuple[str, ...]] = {
    "leoload": ("spec", *LOAD_OPTION_LOCALS, "options"),
    "leoquery": ("query", "clear", "frame", "maxobs", "force", "showsql", "sqlshow", "options"),
    "leodescribe": ("spec", "search", "values"),
    "leoset": ("subcmd",),
}
#: leoset: the locals of each subcommand's ``syntax`` (besides ``subcmd``).
LEOSET_LOCALS: dict[str, tuple[str, ...]] = {
    "show": (),
    "dsn": ("name", "schema", "permanently"),
    "server": ("name", "database", "driver", "schema", "permanently"),
    "url": ("name", "schema", "permanently"),
    "synthetic": ("persons", "seed", "permanently"),
    "test": (),
    "metadata": ("name",),
}
#: Passed by every ado: its own version (``*! version``) and the debug option.
COMMON_LOCALS: tuple[str, ...] = ("_leo_version", "debug")

#: r() of each command: (scalars, macros).  The bridge sets ``leo_<name>``;
#: the ado posts each non-empty one; the help's Stored results lists them.
RESULTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "leoload": (("N", "k", "cached", "synthetic", "link_persons", "link_matched",
                 "link_unmatched", "link_multiple", "sdc_cells", "sdc_failed", "sdc_suppressed"),
                ("table", "sql", "dialect", "frame", "notes", "link_path")),
    "leoquery": (("N", "k", "cached", "synthetic"), ("sql", "dialect", "frame", "notes")),
    "leodescribe": (("N", "k", "ntables", "r", "suppressed", "synthetic"),
                    ("table", "tables", "varlist")),
    "leoset": (("synthetic",), ("url", "source", "schema", "dialect", "config", "metadata")),
}

#: The driver ``leoset server`` uses unless driver() says otherwise.
DEFAULT_ODBC_DRIVER = "ODBC Driver 17 for SQL Server"


@dataclass
class _SessionState:
    """What ``leoset`` set for this Stata session, and the open session
    (reused while the resolved setting stays the same)."""

    url: str | None = None  # a secret: show only config.mask_url(url)
    schema: str | None = None
    session: Any = None
    key: tuple | None = None


_state = _SessionState()


def run(command: str) -> None:
    """Run ``command`` (leoload, leoquery, leodescribe, leoset) for its ado.

    Always sets the local ``_leo_rc``: 0, the ``rc`` of a ``LeostataError``
    (its message printed in red first), or 5199 for anything unexpected
    (a short message; the traceback only with the ado's ``debug`` option).
    Nothing escapes into Stata as a Python exception (which would be r(7102)).
    """
    rc, debug = 0, False
    try:
        handler = _HANDLERS.get(command)
        if handler is None:
            raise InternalError(f"leostata.bridge.run: unknown command {command!r}")
        args = read_locals(command)
        debug = bool(args["debug"])
        _check_version(args["_leo_version"])
        handler(args)
    except LeostataError as exc:
        rc = report_error(exc)
        if exc.rc in (5101, 5102):  # reconnect next time
            _close_session()
    except Exception as exc:  # noqa: BLE001 - the ado must always get an rc
        rc = InternalError.rc
        _report_internal(exc, debug)
    set_result_locals({"_leo_rc": rc})


def read_locals(command: str) -> dict[str, str]:
    """The ado's locals for ``command`` (``ADO_LOCALS``, ``LEOSET_LOCALS``,
    ``COMMON_LOCALS``), read with ``Macro.getLocal``; "" when not set."""
    macro = _sfi().Macro
    names = ADO_LOCALS[command] + COMMON_LOCALS
    args = {name: macro.getLocal(name) for name in names}
    if command == "leoset":
        sub = args["subcmd"]
        if sub not in LEOSET_LOCALS:
            raise StataSyntaxError(f"leoset: unknown subcommand {sub}",
                                   hint="leoset [dsn|server|url|synthetic|test|metadata]")
        args.update({name: macro.getLocal(name) for name in LEOSET_LOCALS[sub]})
    return args


def _check_version(ado_version: str) -> None:
    from ..version import __version__
    if ado_version.strip() != __version__:
        raise NotSetUp(f"leostata's ado-files ({ado_version.strip() or 'unknown version'}) and "
                       f"its Python package ({__version__}) differ",
                       hint="install both from the same release (net install leostata, ... "
                            "replace; and pip install), then restart Stata")


def _report_internal(exc: Exception, debug: bool) -> None:
    import traceback
    from ..config import mask_url
    toolkit = _sfi().SFIToolkit
    first = (str(exc).splitlines() or [""])[0][:300]
    toolkit.errprintln(f"leostata internal error: {type(exc).__name__}: {mask_url(first)}",
                       asis=True)
    if debug:
        for line in traceback.format_exception(type(exc), exc, exc.__traceback__):
            toolkit.errprintln(mask_url(line.rstrip("\n")), asis=True)
    else:
        toolkit.errprintln("please report it; add the debug option to see the Python traceback",
                           asis=True)


def unquote(text: str) -> str:
    """Stata's optional quotes: ``"text"`` or `` `"text"' `` -> text."""
    text = text.strip()
    if text.startswith('`"') and text.endswith("\"'") and len(text) >= 4:
        return text[2:-2]
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


# -- sessions -------------------------------------------------------------------------------


def _open(note: bool = True):
    """The session for the current setting (``leoset`` > LEOSTATA_URL > config
    file > synthetic), opened on first use and reused while it stays the same."""
    from .. import config
    from ..session import SYNTHETIC_NOTE, open_session
    setting = config.resolve(_state.url, _state.schema)
    key = (setting.url, setting.schema, setting.metadata_files, setting.layout, setting.project)
    if _state.session is None or _state.key != key:
        _close_session()
        _state.session = open_session(_state.url, _state.schema, say=display)
        _state.key = key
    if note and _state.session.synthetic:
        display(SYNTHETIC_NOTE)
    return _state.session


def _close_session() -> None:
    if _state.session is not None:
        try:
            _state.session.close()
        finally:
            _state.session, _state.key = None, None


def _dialect(session) -> str:
    return session.engine.dialect.name


def _counted(result) -> str:
    """``2,468 observations, 17 variables`` (singular for 1)."""
    def n(k: int, word: str) -> str:
        return f"{k:,} {word}{'' if k == 1 else 's'}"
    return f"{n(result.nobs, 'observation')}, {n(result.k, 'variable')}"


# -- leoload ---------------------------------------------------------------------------------


def load_command_text(args: dict[str, str]) -> str:
    """The text ``commands.prepare_load`` parses, rebuilt from leoload's
    locals: the spec as typed (TABLE [varlist] [if] [in]), then the options
    as ``syntax`` returned them (flags spelled out, others whole), then the
    rest as typed (``options``: merge(), cohort(), anything unknown)."""
    options = " ".join(args[name].strip() for name in (*LOAD_OPTION_LOCALS, "options")
                       if args[name].strip())
    spec = args["spec"].strip()
    return f"{spec}, {options}" if options else spec


def _leoload(args: dict[str, str]) -> None:
    from .. import commands
    text = load_command_text(args)
    session = _open(note=False)
    poll = make_poll()
    writer = None

    def writer_for(job):
        nonlocal writer
        frame = job.option("frame") or {}
        writer = SfiWriter(frame=frame.get("name"), replace=bool(frame.get("replace")),
                           clear=bool(job.option("clear")), poll=poll)
        return writer

    job, outcome = commands.load(text, session, writer_for, show=display, say=display,
                                 progress=display_progress, poll=poll)
    results = {"leo_table": job.table, "leo_sql": job.sql, "leo_dialect": _dialect(session),
               "leo_synthetic": int(job.synthetic), **(job.link.locals() if job.link else {})}
    if outcome.result is None:  # sqlonly or count: nothing loaded
        if job.synthetic:
            from ..session import SYNTHETIC_NOTE
            display(SYNTHETIC_NOTE)
        if outcome.count is not None:
            display(f"  {outcome.count:,}")
            results["leo_N"] = outcome.count
        set_result_locals(results)
        return
    where = f" into frame {writer.frame}" if writer.frame else ""
    display(f"({_counted(outcome.result)} from {job.table}{where})")
    set_result_locals({**outcome.result.locals(job.table), **results,
                       **(outcome.sdc.locals() if outcome.sdc else {}),
                       "leo_frame": writer.frame or current_frame()})


# -- leoquery --------------------------------------------------------------------------------


def _leoquery(args: dict[str, str]) -> None:
    from .. import commands
    from ..plan.options import frame_option
    statement = commands.query_statement_for(unquote(args["query"]), _state.url,
                                             _state.schema)  # refused before connecting
    nocache = query_nocache(args["options"])
    frame = frame_option(args["frame"]) if args["frame"].strip() else {}
    maxobs = (_plan.options.parse_integer(args["maxobs"], "maxobs", 0)
              if args["maxobs"].strip() else None)
    poll = make_poll()
    writer = SfiWriter(frame=frame.get("name"), replace=bool(frame.get("replace")),
                       clear=bool(args["clear"]), poll=poll)
    writer.check()  # the destination first: nothing connects if it would be refused
    session = _open(note=False)
    if args["showsql"] or args["sqlshow"]:
        display(str(statement))
    result = commands.query(statement, session, writer, maxobs=maxobs,
                            force=bool(args["force"]), say=display,
                            progress=display_progress, poll=poll, nocache=nocache)
    where = f" into frame {writer.frame}" if writer.frame else ""
    display(f"({_counted(result)}{where})")
    set_result_locals({**result.locals(""), "leo_sql": str(statement),
                       "leo_dialect": _dialect(session),
                       "leo_frame": writer.frame or current_frame(),
                       "leo_synthetic": int(session.synthetic)})


def query_nocache(options: str) -> bool:
    """leoquery's options that come through ``syntax``'s ``*`` (local
    ``options``): only ``nocache`` (abbreviated to ``noc`` at least, as
    leoload's); anything else is refused as ``syntax`` would, r(198)."""
    (spec,) = [o for o in _plan.OPTIONS if o.name == "nocache"]  # leoload's, the same rule
    for word in options.split():
        if not spec.matches(word):
            raise StataSyntaxError(f"option {word} not allowed")
    return bool(options.split())


# -- leodescribe -----------------------------------------------------------------------------


def _leodescribe(args: dict[str, str]) -> None:
    from .. import describe_text as describe
    from ..sdc import small_count_threshold
    tokens = args["spec"].split()
    search, values = args["search"].strip(), args["values"].strip()
    if search and tokens:
        raise StataSyntaxError("search() may not be combined with a table",
                               hint="leodescribe, search(words)")
    if values and len(tokens) != 1:
        raise StataSyntaxError("values() requires one table and no varlist",
                               hint="leodescribe TABLE, values(varname)")
    session = _open()
    if search:
        described = describe.format_search(session.catalog, search, smcl=True)
    elif values:
        described = describe.format_values(session, tokens[0], values,
                                           threshold=small_count_threshold(), smcl=True)
    elif tokens:
        described = describe.format_table(session.catalog, tokens[0], tokens[1:] or None,
                                          smcl=True)
    else:
        described = describe.format_tables(session.catalog, smcl=True)
    display_smcl(described.text)
    set_result_locals({**described.locals, "leo_synthetic": int(session.synthetic)})


# -- leoset ----------------------------------------------------------------------------------


def _leoset(args: dict[str, str]) -> None:
    from .. import config
    sub = args["subcmd"]
    if sub == "show":
        return _show_setting()
    if sub == "test":
        from ..doctor import examine
        _close_session()  # a real connection test, not a reused one
        session = _open()
        display(examine(session).render())
        return _show_setting(quiet=True)
    if sub == "metadata":
        return _register_metadata(unquote(args["name"]))
    schema = unquote(args.get("schema", "")) or None
    if sub == "synthetic":
        from ..session import ensure_synthetic
        read = _plan.options.parse_integer
        persons = read(args["persons"], "persons", 1) if args["persons"].strip() \
            else config.SYNTH_PERSONS
        seed = read(args["seed"], "seed", 0) if args["seed"].strip() else config.SYNTH_SEED
        ensure_synthetic(persons, seed, say=display)
        url = config.synthetic_url(persons, seed)
    else:
        url = _connection_url(sub, args)
    _close_session()
    _state.url, _state.schema = url, schema
    if args["permanently"]:
        path = config.write_config(url, schema)
        display(f"(setting saved in {path})")
    _show_setting()


def _connection_url(sub: str, args: dict[str, str]) -> str:
    """The SQLAlchemy URL for ``leoset dsn|server|url`` (built with
    ``URL.create``, never by pasting strings)."""
    from sqlalchemy.engine import URL, make_url
    name = unquote(args["name"])
    if not name:
        raise StataSyntaxError(f"leoset {sub}: {'URL' if sub == 'url' else 'name'} required")
    if sub == "dsn":
        return URL.create("mssql+pyodbc", host=name).render_as_string(hide_password=False)
    if sub == "server":
        database = unquote(args["database"])
        driver = unquote(args["driver"]) or DEFAULT_ODBC_DRIVER
        url = URL.create("mssql+pyodbc", host=name, database=database,
                         query={"driver": driver, "Trusted_Connection": "yes"})
        return url.render_as_string(hide_password=False)
    try:
        make_url(name)
    except Exception:  # the text may hold a password: do not echo it
        raise StataSyntaxError("invalid database URL",
                               hint="a SQLAlchemy URL, e.g. mssql+pyodbc://@DSN or "
                                    "duckdb:///C:/data/file.duckdb") from None
    return name


_SOURCES = {
    "option": "leoset, for this Stata session",
    "environment": "the LEOSTATA_URL environment variable",
    "config file": "the config file (leoset ..., permanently)",
    "synthetic": "the default: leostata's embedded synthetic database",
}


def _show_setting(quiet: bool = False) -> None:
    """Show the current setting, masked, and set leoset's result locals."""
    from sqlalchemy.engine import make_url
    from .. import config
    setting = config.resolve(_state.url, _state.schema)
    try:
        dialect = make_url(setting.url).get_backend_name()
    except Exception:
        dialect = ""
    files = "; ".join(setting.metadata_files)
    if not quiet:
        for label, value in (("connection", setting.shown),
                             ("set by", _SOURCES.get(setting.source, setting.source)),
                             ("schema", setting.schema or "(the database's default)"),
                             ("database", dialect + (" (SYNTHETIC)" if setting.synthetic else "")),
                             ("config file", str(config.config_file())),
                             ("metadata", files or "(none registered)")):
            display(f"  {label:<12}{value}")
    set_result_locals({"leo_url": setting.shown, "leo_source": setting.source,
                       "leo_schema": setting.schema or "", "leo_dialect": dialect,
                       "leo_synthetic": int(setting.synthetic),
                       "leo_config": str(config.config_file()), "leo_metadata": files})


def _register_metadata(path: str) -> None:
    import os
    from .. import config
    from ..metadata import read_metadata_file
    if not path:
        raise StataSyntaxError("leoset metadata: file name required")
    path = os.path.abspath(path)
    rows = read_metadata_file(path)  # refuses a missing or malformed file
    config.add_metadata_file(path)
    _close_session()  # the catalog reads metadata files when it opens
    display(f"({len(rows):,} variable descriptions registered from {path})")
    _show_setting(quiet=True)


_HANDLERS: dict[str, Callable[[dict[str, str]], None]] = {
    "leoload": _leoload,
    "leoquery": _leoquery,
    "leodescribe": _leodescribe,
    "leoset": _leoset,
}
