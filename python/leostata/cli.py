"""The ``leostata`` console script: the same engine as the Stata commands.

Takes command-line arguments; prints results on stdout, progress and notes on
stderr.  Errors print a Stata-style message ending in ``r(#);`` on stderr and
exit with status 1 (2 for command-line usage errors).  The text after ``--``
is exactly what follows the Stata command name.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import config
from .version import __version__
from .errors import LeostataError, StataSyntaxError


def say(text: str) -> None:
    """A note for the user (stderr, so stdout stays clean for results)."""
    print(text, file=sys.stderr, flush=True)


def _open(args):
    from .session import SYNTHETIC_NOTE, open_session
    session = open_session(args.url, getattr(args, "schema", None), say=say)
    if session.synthetic:
        say(SYNTHETIC_NOTE)
    return session


# --- subcommands ------------------------------------------------------------

def cmd_synth(args) -> int:
    from . import synth
    from .connection import engine_for
    from .session import ensure_synthetic
    if args.url is None:
        path = ensure_synthetic(args.persons, args.seed, say=say, force=True)
        say(f"synthetic database written to {path}")
        return 0
    engine = engine_for(args.url, readonly=False)
    say(f"writing the synthetic database ({args.persons:,} persons, seed {args.seed}) "
        f"to {config.mask_url(args.url)}")
    try:
        rows = synth.build(engine, persons=args.persons, seed=args.seed,
                           progress=synth.default_progress)
    finally:
        engine.dispose()
    say(f"done: {sum(rows.values()):,} rows in {len(rows)} tables")
    return 0


def cmd_describe(args) -> int:
    from . import describe_text as describe
    from .sdc import small_count_threshold
    session = _open(args)
    try:
        if args.search:
            print(describe.format_search(session.catalog, args.search).text)
        elif args.values:
            if not args.table:
                raise StataSyntaxError("--values needs a table")
            print(describe.format_values(session, args.table, args.values,
                                         threshold=small_count_threshold()).text)
        elif args.table:
            print(describe.format_table(session.catalog, args.table, args.varlist or None).text)
        else:
            print(describe.format_tables(session.catalog).text)
    finally:
        session.close()
    return 0


def _command_text(args) -> str:
    text = " ".join(args.text).strip()
    if not text:
        raise StataSyntaxError("nothing to do: give the command text after --",
                               hint="e.g. leostata load -- 'earnings if TaxYear >= 201516'")
    return text


def cmd_sql(args) -> int:
    from .commands import link_graph
    from .sql import sql_text
    text = _command_text(args)
    # --dialect without --url: names resolve in the embedded synthetic catalog
    session = _open_url(args.url, synthetic=args.url is None and bool(args.dialect))
    try:
        print(sql_text(text, session.catalog, args.dialect, graph=lambda: link_graph(session)))
    finally:
        session.close()
    return 0


def _writer(args):
    """``--out FILE.dta`` (checked again before the query runs, then written
    atomically; r(6xx) with FILE.dta unchanged on any file-system failure),
    else the first ``--rows`` rows in memory for the preview."""
    from .writers.dta import DtaWriter
    from .writers.memory import MemoryWriter
    return DtaWriter(args.out) if args.out else MemoryWriter(max_rows=args.rows)


def _report(args, writer, result) -> None:
    if result.cached:
        say("(answered from the result cache; nocache asks the database)")
    if args.out:
        say(f"{result.nobs:,} observations, {result.k} variables written to {args.out}")
    else:
        print(writer.preview(args.rows))


def _progress(info) -> None:
    say(info.text())


def cmd_load(args) -> int:
    from . import commands
    session = _open(args)
    try:
        writer = None

        def writer_for(_job):
            nonlocal writer
            writer = _writer(args)
            return writer

        _job, outcome = commands.load(_command_text(args), session, writer_for, show=print,
                                      say=say, progress=_progress)
        if outcome.count is not None:
            print(f"{outcome.count:,}")
        elif outcome.result is not None:
            _report(args, writer, outcome.result)
    finally:
        session.close()
    return 0


def cmd_query(args) -> int:
    from . import commands, readonly
    from .connection import dialect_of
    dialect = dialect_of(config.resolve(args.url).url)
    if args.dialect and args.dialect != dialect and not args.sqlonly:
        raise StataSyntaxError(f"--dialect {args.dialect} is not the database's ({dialect})",
                               hint="use --dialect with --sqlonly to check SQL for another "
                                    "database")
    text = _command_text(args)
    if args.sqlonly:  # checked for the dialect, nothing connects
        print(readonly.check_query(text, args.dialect or dialect))
        return 0
    statement = commands.query_statement(text, dialect)
    session = _open(args)
    try:
        writer = _writer(args)
        result = commands.query(statement, session, writer, maxobs=args.maxobs,
                                force=args.force, say=say, progress=_progress,
                                nocache=args.nocache)
        _report(args, writer, result)
    finally:
        session.close()
    return 0


def _open_url(url, synthetic: bool = False):
    from .session import SYNTHETIC_NOTE, open_session
    session = open_session(url, say=say, synthetic=synthetic)
    if session.synthetic:
        say(SYNTHETIC_NOTE)
    return session


DEMO_COMMANDS = (
    ("Median and quartiles of PAYE earnings by tax year, computed on the server",
     "earnings if TaxYear >= 201516, collapse((p25) p25=Earnings (p50) median=Earnings "
     "(p75) p75=Earnings (count) n=Earnings) by(TaxYear)"),
    ("Pupils with free school meals at KS4, by sex (mean of the 0/1 indicator)",
     "ks4_pupil if !missing(KS4_FSM), collapse((mean) fsm=KS4_FSM (count) n=KS4_FSM) by(KS4_GENDER)"),
    ("Out-of-work benefit spells starting in 2019 (the number of rows only)",
     "benefit if Out_of_work_benefit == 1 & year(StartDate) == 2019, count"),
)


def cmd_demo(args) -> int:
    from . import commands
    from . import describe_text as describe
    from .writers.memory import MemoryWriter
    session = _open(args)
    try:
        print(f"leostata {__version__} demo on {session.setting.shown}\n")
        print(describe.format_tables(session.catalog).text)
        for title, command in DEMO_COMMANDS:
            print(f"\n== {title}\n   leoload {command}\n")
            job = commands.prepare_load(command, session)
            print(job.sql + "\n")
            if job.plan.count_only:
                print(f"r(N) = {commands.count(job, session):,}")
                continue
            writer = MemoryWriter(max_rows=20)
            commands.deliver(job.delivery(), session.engine, writer, say=say)
            print(writer.preview(20))
    finally:
        session.close()
    return 0


def cmd_evidence(args) -> int:
    from .sdc import list_evidence
    found = list_evidence(args.folder or "")
    if not found:
        say("no disclosure-control evidence files (leostata_sdc_*.json) there")
        return 0
    for r in found:
        print(f"{r['created']}  cells {r.get('cells', '?')}, failed {r.get('failed', '?')}, "
              f"suppressed {r.get('suppressed', '?')}  {r['path']}\n    {r['command']}")
    return 0


def cmd_cache(args) -> int:
    """The result cache's folder, entries and size; ``--clear`` empties it,
    ``--size MB`` sets its cap in the config file (0 turns it off)."""
    from .cache import Cache
    if args.size is not None:
        if args.size < 0:
            raise StataSyntaxError("--size must be 0 or more (MB)")
        say(f"result cache cap set to {args.size:g} MB in {config.write_cache_limit(args.size)}")
    store = Cache()
    if args.clear:
        n, size = store.clear()
        say(f"removed {n:,} cached results ({size / 2**20:.1f} MB) from {store.directory}")
        return 0
    n, size = store.usage()
    state = "off" if store.limit <= 0 else f"cap {store.limit / 2**20:,.0f} MB"
    print(f"{store.directory}: {n:,} cached results, {size / 2**20:.1f} MB ({state})")
    return 0


def cmd_doctor(args) -> int:
    from .doctor import examine
    session = _open(args)
    try:
        print(examine(session).render())
    finally:
        session.close()
    return 0


# --- entry point --------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leostata",
        description="Query the LEO extract with Stata semantics, pushed down as SQL.")
    parser.add_argument("--version", action="version", version=f"leostata {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--url", help="SQLAlchemy URL (default: LEOSTATA_URL, the config "
                                     "file, then the synthetic database)")
        return p

    p = add("synth", cmd_synth, "build the synthetic LEO-shaped database")
    p.add_argument("--persons", type=int, default=config.SYNTH_PERSONS)
    p.add_argument("--seed", type=int, default=config.SYNTH_SEED)
    p = add("describe", cmd_describe, "list tables, or the columns of one table")
    p.add_argument("table", nargs="?")
    p.add_argument("varlist", nargs="*", help="a subset of the table's variables")
    p.add_argument("--values", metavar="VAR", help="most frequent values of VAR (disclosure-safe)")
    p.add_argument("--search", metavar="WORDS", help="find tables and variables by keyword")
    p.add_argument("--schema")
    p = add("evidence", cmd_evidence,
            "list the disclosure-control evidence files (sdc) in a folder")
    p.add_argument("--folder", help="where to look (default: the risk profile's evidence "
                                    "folder, else the current directory)")
    p = add("sql", cmd_sql, "print the SQL a leoload command would run")
    p.add_argument("--dialect", choices=["mssql", "postgresql", "sqlite", "duckdb"],
                   help="write the SQL for this database (names resolve in --url, else in "
                        "the synthetic catalog)")
    p.add_argument("text", nargs=argparse.REMAINDER, help="-- 'TABLE [varlist] [if] [in] [, options]'")
    for name, func, help_text in (
            ("load", cmd_load, "run a leoload command; write a .dta file or show the first rows"),
            ("query", cmd_query, "run a read-only SELECT (leoquery); write a .dta or show rows")):
        p = add(name, func, help_text)
        p.add_argument("--out", metavar="FILE.dta", help="write the result as a Stata .dta file")
        p.add_argument("--rows", type=int, default=10, help="rows to show without --out")
        p.add_argument("text", nargs=argparse.REMAINDER, help="-- 'command text'")
        if name == "query":
            p.add_argument("--dialect", choices=["mssql", "postgresql", "sqlite", "duckdb"],
                           help="check the SELECT against this database's SQL")
            p.add_argument("--sqlonly", action="store_true",
                           help="print the statement that would be sent (or refuse it, "
                                "r(5103)); connects to nothing")
            p.add_argument("--maxobs", type=int, metavar="N",
                           help="refuse a result of more than N rows (default 10,000,000; "
                                "the query is stopped once its rows pass N)")
            p.add_argument("--force", action="store_true",
                           help="load even past --maxobs or the memory available")
            p.add_argument("--nocache", action="store_true",
                           help="ask the database, not the result cache")
    p = sub.add_parser("cache", help="show or clear the result cache",
                       description="show the result cache (folder, entries, size); "
                                   "--clear empties it, --size sets its cap")
    p.set_defaults(func=cmd_cache)
    p.add_argument("--clear", action="store_true", help="remove every cached result")
    p.add_argument("--size", type=float, metavar="MB",
                   help="keep the cache under MB megabytes (0 turns it off)")
    add("doctor", cmd_doctor, "probe the server for the semantics leostata must guard")
    add("demo", cmd_demo, "build the synthetic database if needed and show what is in it")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: ``argv`` (default: this process's own command line,
    after which the process ends); returns the exit status."""
    if argv is None:
        try:
            return _run(None)
        finally:
            _end_of_process()
    return _run(argv)


def _end_of_process() -> None:
    """Let this process end without tearing its modules down: collect the
    command's garbage (so its connections and files are closed as usual),
    then ``gc.freeze()`` what remains (the imported modules), which the
    interpreter's exit would otherwise collect object by object (about
    0.05 s after SQLAlchemy, numpy and pyarrow; bench/bench_start.py).
    ``atexit`` handlers still run; the memory goes back with the process.
    In-process callers (``main(argv)``) keep the collector as it was."""
    import gc
    gc.collect()
    gc.freeze()


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "text", None) and args.text[0] == "--":
        args.text = args.text[1:]
    try:
        if getattr(args, "out", None) is not None and not getattr(args, "sqlonly", False):
            from .writers.dta import check_destination
            check_destination(args.out)  # before connecting: a bad path fails at once
        return args.func(args)
    except LeostataError as exc:
        print(exc.render(), file=sys.stderr)
        print(f"r({exc.rc});", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into head: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("--Break--\nr(1);", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
