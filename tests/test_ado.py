"""The ado-files: light grammar checks, the ado <-> bridge contract, and each
ado run end to end (emulated ``syntax`` + its real ``python:`` statements)
against the sfi double and a small synthetic database.

The harness (tests/ado_harness.py) reads everything from the ado text, so a
local the ado passes and the bridge does not read (or the reverse), a
renamed option, an r() item not posted, or a python: statement that does not
run, fails here.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from leostata import __version__, bridge
from leostata import plan as leoplan
from tests.ado_harness import (ADO_DIR, HELPER, USER_ADOS, CommaSplit, StataError, Syntax,
                               ado_local_names, ado_locals, ado_text, comma_splits, local_lines,
                               logical_lines, parse_comma, posted_results, python_statements,
                               required_checks, run_ado, stata, synth,  # noqa: F401 (fixtures)
                               syntax_statements)

ALL_ADOS = USER_ADOS + (HELPER,)


# --- grammar, lightly ------------------------------------------------------------------------


def _code(name: str) -> list[str]:
    """Logical lines without comment lines and with string contents blanked."""
    out = []
    for line in logical_lines(ado_text(name)):
        if line.lstrip().startswith("*"):
            continue
        line = re.sub(r'`"(?:[^"]|"(?!\'))*"\'', '""', line)
        out.append(re.sub(r'"[^"]*"', '""', line))
    return out


@pytest.mark.parametrize("name", ALL_ADOS)
def test_version_line(name):
    first = ado_text(name).splitlines()[0]
    m = re.fullmatch(r"\*! version (\d+\.\d+\.\d+) (\d{2}[a-z]{3}\d{4})", first)
    assert m, first
    assert m.group(1) == __version__
    datetime.strptime(m.group(2), "%d%b%Y")


@pytest.mark.parametrize("name", ALL_ADOS)
def test_grammar(name):
    code = _code(name)
    text = "\n".join(code)
    assert text.count("{") == text.count("}"), "unbalanced braces"
    depth = 0
    for line in code:
        depth += line.count("{") - line.count("}")
        assert depth >= 0
    programs = [l for l in code if re.match(r"\s*program\s+(define\s+)?\w", l)]
    ends = [l for l in code if re.fullmatch(r"\s*end\s*", l)]
    assert len(programs) == len(ends) == 1
    start = code.index(programs[0])
    assert code[start + 1].strip() == "version 16", "version 16 first in the program"
    assert code.index(ends[0]) == len([l for l in code if l.strip()]) - 1 or \
        all(not l.strip() for l in code[code.index(ends[0]) + 1:])
    exits = [l for l in code if re.match(r"\s*exit\b", l)]
    assert len(exits) == 1, "one exit point"
    assert not re.search(r"^\s*def\s", ado_text(name), re.M), "no Python def in ado-files"
    for statement in python_statements(name):
        assert "`" not in statement and "$" not in statement, "no macro inside python text"
        assert ";" not in statement and ":" not in statement, "one simple statement"
        compile(statement, name, "exec")


@pytest.mark.parametrize("name", USER_ADOS)
def test_user_ado_shape(name):
    text = ado_text(name)
    assert re.search(rf"^program {name}, rclass$", text, re.M)
    assert python_statements(name) == [f'leostata.bridge.run("{name}")']
    assert re.search(r"capture noisily _leostata_check\n\s*local _leo_rc = _rc", text)
    assert re.search(r"local _leo_rc 5199\n\s*python: leostata.bridge.run", text), \
        "an rc is in place even if Python never sets one"
    assert re.search(r"exit `_leo_rc'\nend", text)
    assert local_lines(name) == {"_leo_version": __version__}


def test_python_check_helper():
    text = ado_text(HELPER)
    assert python_statements(HELPER) == ["import leostata.bridge"]
    assert re.search(r"capture python: import leostata.bridge", text)
    assert "local rc 5100" in text and "{stata python query}" in text
    assert "-m pip install leostata" in text and "python set exec" in text
    assert "--no-index --find-links" in text
    assert 5100 in __import__("leostata.errors").errors.RETURN_CODES


# --- the contract with the bridge ------------------------------------------------------------


@pytest.mark.parametrize("name", USER_ADOS)
def test_ado_passes_exactly_what_the_bridge_reads(name):
    statements = syntax_statements(name)
    preset = set(local_lines(name))
    if name != "leoset":
        assert set(statements) == {""}
        passed = ado_local_names(name) | preset
        assert passed == set(bridge.ADO_LOCALS[name]) | set(bridge.COMMON_LOCALS)
        return
    assert set(statements) == set(bridge.LEOSET_LOCALS)
    for sub in statements:
        passed = ado_local_names(name, sub) | preset | {"subcmd"}
        assert passed == (set(bridge.ADO_LOCALS["leoset"]) | set(bridge.LEOSET_LOCALS[sub])
                          | set(bridge.COMMON_LOCALS)), sub


#: leoload's options that syntax does not declare: they reach the backend as typed
#: through * (local options), merge() and cohort() because they repeat, sdc because
#: it takes sdc and sdc(...)
THROUGH_STAR = {"merge", "cohort", "sdc", "nocache"}
#: Per ado with syntax's *: the options that come through it (name: abbreviation).
STAR_OPTIONS = {"leoload": {o.name: o.minimum for o in leoplan.OPTIONS if o.name in THROUGH_STAR},
                "leoquery": {"nocache": 3}}


def test_leoload_options_are_the_plans():
    syntax = Syntax.parse(syntax_statements("leoload")[""])
    declared = {o.name: o for o in syntax.options}
    repeatable = {o.name for o in leoplan.OPTIONS if o.kind in leoplan.options.REPEATABLE}
    assert repeatable == {"merge", "cohort"} and repeatable < THROUGH_STAR
    assert set(declared) == {o.name for o in leoplan.OPTIONS} - THROUGH_STAR | {"debug"}
    assert syntax.star, "merge(), cohort(), sdc and nocache come through syntax's *"
    assert not THROUGH_STAR & set(bridge.LOAD_OPTION_LOCALS), \
        "the bridge reads no local for an option that comes through *"
    for spec in leoplan.OPTIONS:
        if spec.name in THROUGH_STAR:
            continue
        ado = declared[spec.name]
        assert ado.minimum == spec.minimum, f"{spec.name}: abbreviation differs from plan"
        assert (ado.kind == "flag") == (spec.kind == leoplan.options.FLAG), spec.name
        assert ado.kind in ("flag", "passthru"), "the backend parses option arguments"
    # the text before the options is split off by _parse comma, not by syntax
    assert syntax.anything is None
    assert comma_splits("leoload") == {"": CommaSplit("spec", "0", "0", trimmed=True)}
    assert required_checks("leoload") == {"": ("spec", "table required", 100)}


@pytest.mark.parametrize("name", USER_ADOS)
def test_ado_posts_the_bridges_results(name):
    assert posted_results(name) == bridge.RESULTS[name]


# --- end to end: ado text -> syntax -> python: -> bridge -> r() -------------------------------


def r(sfi, name):
    """r(name): a scalar, a macro, or None when not posted."""
    scalar = sfi.Scalar.getValue(f"r({name})")
    if scalar is not None:
        return scalar
    return sfi.Macro.getGlobal(f"r({name})") or None


#: (ado, command line, rc, {r() item: expected value or a predicate})
CASES = [
    ("leoload", "leo_earnings if TaxYear >= 201516, collapse((p50) Earnings) by(TaxYear) clear",
     0, {"N": 6.0, "k": 2.0, "table": "leo_earnings", "dialect": "duckdb", "synthetic": 1.0,
         "sql": lambda s: s.startswith("SELECT"), "frame": "default"}),
    ("leoload", 'ks4_pupil KS4_GENDER KS4_FSM if KS4_GENDER == "F, M" | KS4_FSM == 1, '
                "frame(fsm) showsql",
     0, {"k": 2.0, "frame": "fsm", "N": lambda n: n > 0}),
    ("leoload", "ks4_pupil in 1/5, sort(KS4_PupilMatchingRefAnonymous) clear",
     0, {"N": 5.0}),
    ("leoload", "leo_earnings, coll((mean) Earnings) by(TaxYear) sqlo",
     0, {"sql": lambda s: "GROUP BY" in s, "N": None}),
    ("leoload", "ks4_pupil if KS4_FSM == 1, count", 0, {"N": lambda n: n > 0, "k": None}),
    ("leoload", "nosuchtable, clear", 111, {}),
    ("leoload", "ks4_pupil, sdc clear", 198, {}),  # sdc needs collapse()
    ("leoload", "leo_earnings, collapse((mean) Earnings (count) n=Earnings) by(TaxYear) sdc clear",
     0, {"sdc_cells": lambda n: n > 0, "sdc_failed": lambda n: n >= 0,
         "sdc_suppressed": lambda n: n >= 0, "k": 5.0}),
    ("leoload", "ks4_pupil, cle", 198, {}),  # through syntax's *: refused by the backend
    # one number parser for every command: 1e7 is 10,000,000; anything else r(198)
    ("leoload", "ks4_pupil, maxobs(1e7) count", 0, {"N": lambda n: n > 0}),
    ("leoquery", '"SELECT 1 AS one", maxobs(1e7) clear', 0, {"N": 1.0}),
    ("leoquery", '"SELECT 1 AS one", maxobs(-1) clear', 198, {}),
    ("leoquery", '"SELECT 1 AS one", maxobs(1.5) clear', 198, {}),
    ("leoquery", '"SELECT 1 AS one", maxobs(1e) clear', 198, {}),
    ("leoload", "ks4_pupil, maxobs(10 20) count", 198, {}),
    ("leoset", "synthetic, persons(0)", 198, {}),
    ("leoquery", '"SELECT 1 AS one, \'a, b\' AS s", clear', 0,
     {"N": 1.0, "k": 2.0, "sql": "SELECT 1 AS one, 'a, b' AS s"}),
    ("leoquery", '`"SELECT "code" FROM ref_cah2"\', frame(c, replace) maxobs(100)', 0,
     {"frame": "c", "N": lambda n: n > 0}),
    ("leoquery", '"DELETE FROM ref_cah2"', 5103, {}),
    ("leodescribe", "", 0, {"ntables": lambda n: n > 30, "N": None, "k": None,
                            "tables": lambda s: "ks4_pupil" in s}),
    ("leodescribe", "ks4_pupil KS4_FSM*", 0, {"table": "ks4_pupil",
                                              "varlist": "KS4_FSM KS4_FSM6",
                                              "k": lambda k: k > 2, "N": lambda n: n > 0}),
    ("leodescribe", ', search("free school meals")', 0,
     {"varlist": lambda s: "KS4_FSM" in s.split(), "N": None}),
    ("leodescribe", "ks4_pupil, val(KS4_GENDER)", 0, {"varlist": "KS4_GENDER", "N": None,
                                                     "r": lambda r: r > 0,
                                                     "suppressed": 0.0}),
    ("leodescribe", "nosuch", 111, {}),
    ("leoset", "", 0, {"source": "environment", "dialect": "duckdb", "synthetic": 1.0}),
    ("leoset", ", debug", 0, {"source": "environment"}),
    ("leoset", 'dsn "LEO Extract", schema(leo)', 0,
     {"url": "mssql+pyodbc://LEO Extract", "schema": "leo", "source": "option",
      "synthetic": 0.0}),
    ("leoset", r'server SRV\INST, database(LEO) driver("ODBC Driver 18 for SQL Server")', 0,
     {"url": lambda u: u.startswith(r"mssql+pyodbc://SRV\INST/LEO?")
      and "Trusted_Connection=yes" in u and "ODBC+Driver+18" in u}),
    ("leoset", 'url "postgresql://u:s3cr3t@h/db?x=1"', 0,
     {"url": "postgresql://u:***@h/db?x=1"}),
    ("leoset", "synthetic, persons(300) seed(1)", 0, {"synthetic": 1.0, "source": "option"}),
    ("leoset", "test", 0, {"dialect": "duckdb"}),
    ("leoset", "bogus x", 198, {}),
]


@pytest.mark.parametrize("name, line, rc, expected", CASES,
                         ids=[f"{c[0]} {c[1][:40]}" for c in CASES])
def test_ado_end_to_end(stata, name, line, rc, expected):
    stata.SFIToolkit.rclear()
    before = stata.snapshot()
    reads: list = []
    original = stata.Macro.getLocal
    stata.Macro.getLocal = staticmethod(lambda n: reads.append(n) or original(n))
    try:
        run = run_ado(stata, name, line, reads=reads)
    finally:
        stata.Macro.getLocal = original
    assert run.rc == rc, stata.transcript("err")
    # the bridge read exactly what this ado's syntax set, and nothing else
    read = {n for n in reads if not n.startswith(("leo_", "_leo_rc"))}
    passed = set(run.locals_in)
    if name == "leoset" and run.subcommand not in syntax_statements(name):
        passed.add("debug")  # an unknown subcommand: no syntax ran; Python refuses it
    assert read == passed, read ^ passed
    if rc:
        assert stata.snapshot() == before
        assert stata.transcript("err")
        assert r(stata, "N") is None and r(stata, "sql") is None
        return
    scalars, macros = posted_results(name)
    posted = {k[4:] for k, v in stata.local_macros().items() if k.startswith("leo_") and v}
    assert posted <= set(scalars) | set(macros), "a result the ado does not post"
    for item, want in expected.items():
        got = r(stata, item)
        if callable(want):
            assert want(got), (item, got)
        else:
            assert got == want, (item, got)
    assert "s3cr3t" not in stata.transcript()


# --- the text before the options: _parse comma, then syntax on the options alone -----------

#: (command text, lhs, rhs) as ``help _parse`` documents ``_parse comma``: the first
#: comma not inside parentheses or quotes splits; rhs keeps the comma
COMMA_SPLITS = [
    ("t if inrange(x, .2, .4), clear", "t if inrange(x, .2, .4)", ", clear"),
    ('t if s == "a,b", clear', 't if s == "a,b"', ", clear"),
    ('t if strpos(s, ",") > 0', 't if strpos(s, ",") > 0', ""),
    ("t if cond(inlist(x, 1, 2), (y, 1), 0) == 1, clear by(a)",
     "t if cond(inlist(x, 1, 2), (y, 1), 0) == 1", ", clear by(a)"),
    ('t if s == `"a, "b""\', clear', 't if s == `"a, "b""\'', ", clear"),
    ('t if s == `"x `"y, z"\' "\' , clear', 't if s == `"x `"y, z"\' "\' ', ", clear"),
    ("t [aw=x] if y > 1, clear", "t [aw=x] if y > 1", ", clear"),
    ("t x y", "t x y", ""),
    (",", "", ","),
    (", clear frame(f, replace)", "", ", clear frame(f, replace)"),
    ('"SELECT 1, \'a, b\'", clear', '"SELECT 1, \'a, b\'"', ", clear"),
    ("t if x == 1, merge(m:1 k using a, nogen), clear", "t if x == 1",
     ", merge(m:1 k using a, nogen), clear"),
]


@pytest.mark.parametrize("text, lhs, rhs", COMMA_SPLITS, ids=[c[0] for c in COMMA_SPLITS])
def test_parse_comma_emulation(text, lhs, rhs):
    assert parse_comma(text) == (lhs, rhs)


@pytest.mark.parametrize("name", ("leoload", "leoquery"))
def test_text_is_split_by_parse_comma_before_syntax(name):
    local = {"leoload": "spec", "leoquery": "query"}[name]
    assert comma_splits(name) == {"": CommaSplit(local, "0", "0", trimmed=True)}
    descriptor = syntax_statements(name)[""]
    assert Syntax.parse(descriptor).anything is None, "syntax sees the options only"
    assert descriptor.lstrip().startswith("[,")
    lines = [l.strip() for l in logical_lines(ado_text(name))]
    split = lines.index(f"_parse comma {local} 0 : 0")
    assert lines[split + 1] == f'local {local} = strtrim(`"`{local}\'"\')'
    assert lines[split + 2].startswith("syntax ")


@pytest.mark.parametrize("line, spec, options", [
    ("ks4_pupil if inrange(KS4_FSM, 0, 1), clear", "ks4_pupil if inrange(KS4_FSM, 0, 1)",
     {"clear": "clear"}),
    ('ks4_pupil if KS4_GENDER == "F, M" , count', 'ks4_pupil if KS4_GENDER == "F, M"',
     {"count": "count", "clear": ""}),
    ('  ks4_pupil if strpos(KS4_GENDER, ",") > 0  ', 'ks4_pupil if strpos(KS4_GENDER, ",") > 0',
     {"clear": "", "options": ""}),
    ("t [aw=x] if y > 1, clear", "t [aw=x] if y > 1", {"clear": "clear"}),
    ("t in 1/3,", "t in 1/3", {"clear": "", "options": ""}),
    ("t if x == 1, merge(m:1 k using a if s == \"p, q\", nogen) clear",
     "t if x == 1", {"clear": "clear", "options": 'merge(m:1 k using a if s == "p, q", nogen)'}),
])
def test_leoload_locals_after_the_split(line, spec, options):
    _, values = ado_locals("leoload", line)
    assert values["spec"] == spec
    for key, want in options.items():
        assert values[key] == want, key
    assert "0" not in values


@pytest.mark.parametrize("name, line, message", [
    ("leoload", ",", "table required"),
    ("leoload", "   , clear", "table required"),
    ("leoquery", ",", "SQL query required"),
    ("leoquery", "", "SQL query required"),
])
def test_missing_text_is_r100(name, line, message):
    with pytest.raises(StataError) as info:
        ado_locals(name, line)
    assert (info.value.rc, info.value.message) == (100, message)


def _count(stata, line):
    """r(N) of ``leoload <line>`` run through the ado (rc 0 asserted)."""
    stata.SFIToolkit.rclear()
    run = run_ado(stata, "leoload", line)
    assert run.rc == 0, stata.transcript("err")
    return r(stata, "N")


@pytest.mark.parametrize("with_comma, without", [
    # inrange(z, a, b) is a <= z <= b ([FN] Programming functions)
    ("ks4_pupil if inrange(KS4_FSM, 1, 1), count", "ks4_pupil if KS4_FSM == 1, count"),
    # a comma inside a string literal is part of the literal: no pupil has gender "F, M"
    ('ks4_pupil if KS4_GENDER != "F, M", count', "ks4_pupil, count"),
    ('ks4_pupil if KS4_GENDER != `"F, "M""\', count', "ks4_pupil, count"),
    # nested parentheses: cond(inlist(...), 1, 0) is 1 exactly where inlist is
    ("ks4_pupil if cond(inlist(KS4_FSM, 1, 7), 1, 0) == 1, count",
     "ks4_pupil if KS4_FSM == 1 | KS4_FSM == 7, count"),
    # ustrpos(s, ",") is 0 when s has no comma: every pupil
    ('ks4_pupil if ustrpos(KS4_GENDER, ",") == 0, count', "ks4_pupil, count"),
])
def test_commas_inside_if_end_to_end(stata, with_comma, without):
    n = _count(stata, with_comma)
    assert n is not None and n == _count(stata, without)
    assert n > 0


def test_no_comma_at_all_end_to_end(stata):
    run = run_ado(stata, "leoload", 'ks4_pupil KS4_GENDER if ustrpos(KS4_GENDER, ",") > 0')
    assert run.rc == 0, stata.transcript("err")  # the data in memory were empty: no clear
    assert run.locals_in["options"] == "" and run.locals_in["clear"] == ""
    assert r(stata, "N") == 0.0 and r(stata, "k") == 1.0


def test_a_lone_comma_end_to_end(stata):
    run = run_ado(stata, "leoload", "ks4_pupil KS4_GENDER in 1/3,")
    assert run.rc == 0, stata.transcript("err")
    assert run.locals_in["spec"] == "ks4_pupil KS4_GENDER in 1/3"
    assert r(stata, "N") == 3.0 and r(stata, "k") == 1.0


def test_leoquery_comma_inside_parentheses_end_to_end(stata):
    run = run_ado(stata, "leoquery", '"SELECT COALESCE(NULL, 2) AS two, \'x, y\' AS s" , clear')
    assert run.rc == 0, stata.transcript("err")
    assert run.locals_in["query"] == '"SELECT COALESCE(NULL, 2) AS two, \'x, y\' AS s"'
    assert r(stata, "k") == 2.0 and r(stata, "N") == 1.0


def test_leoset_names_are_split_by_parse_comma():
    named = {"dsn": "data source name", "server": "server name", "url": "URL",
             "metadata": "file name"}
    assert comma_splits("leoset") == {sub: CommaSplit("name", "0", "0", trimmed=True)
                                      for sub in named}
    assert required_checks("leoset") == {sub: ("name", f"{ident} required", 100)
                                         for sub, ident in named.items()}
    for sub, descriptor in syntax_statements("leoset").items():
        assert Syntax.parse(descriptor).anything is None, sub


@pytest.mark.parametrize("line, name, extra", [
    ('url "duckdb:///C:/my, files/x.duckdb", schema(s)', '"duckdb:///C:/my, files/x.duckdb"',
     {"schema": "s"}),
    (r'metadata "C:\data, 2024\meta (v2).csv"', r'"C:\data, 2024\meta (v2).csv"', {}),
    ('dsn `"LEO "Extract", 2"\' , perm', '`"LEO "Extract", 2"\'', {"permanently": "permanently"}),
    ("server SRV\\INST,database(LEO)", "SRV\\INST", {"database": "LEO"}),
])
def test_leoset_locals_after_the_split(line, name, extra):
    _, values = ado_locals("leoset", line)
    assert values["name"] == name
    for key, want in extra.items():
        assert values[key] == want, key


@pytest.mark.parametrize("line, message", [
    ("dsn , schema(x)", "data source name required"),
    ("url", "URL required"),
    ("url ,", "URL required"),
    ("metadata", "file name required"),
    ("server , database(LEO)", "server name required"),
])
def test_leoset_missing_name_is_r100(line, message):
    with pytest.raises(StataError) as info:
        ado_locals("leoset", line)
    assert (info.value.rc, info.value.message) == (100, message)


def test_leoset_url_with_a_comma_end_to_end(stata, synth, tmp_path):
    folder = tmp_path / "my, data (copy)"
    folder.mkdir()
    target = folder / "leo.duckdb"
    target.symlink_to(next(synth[0].glob("synthetic-*.duckdb")).resolve())
    run = run_ado(stata, "leoset", f'url "duckdb:///{target}", schema(main)')
    assert run.rc == 0, stata.transcript("err")
    assert run.locals_in["name"] == f'"duckdb:///{target}"'
    assert r(stata, "url") == f"duckdb:///{target}" and r(stata, "schema") == "main"
    run = run_ado(stata, "leoload", "ks4_pupil, count")
    assert run.rc == 0, stata.transcript("err")
    assert r(stata, "N") > 0


_RCOF = re.compile(r'''^rcof\s+(?:`"noisily\s+(.*)"'|"noisily\s+(.*)")\s*==\s*(\d+)''', re.M)
#: c_errors.do's lines that need what the do-file put in memory (sysuse auto with a
#: changed value; a frame created first), which the sfi double does not hold here
_NEEDS_THE_DO_FILES_MEMORY = {"leoload ref_cah2", "leoload ref_cah2, frame(taken)"}
CERT_RCOF = [(m.group(1) or m.group(2), int(m.group(3)))
             for m in _RCOF.finditer((ADO_DIR.parent / "stata/cert/c_errors.do").read_text())]


def test_cert_rcof_lines_are_read():
    assert len(CERT_RCOF) > 20 and ("leoload", 100) in CERT_RCOF


@pytest.mark.parametrize("command, rc", [c for c in CERT_RCOF
                                         if c[0] not in _NEEDS_THE_DO_FILES_MEMORY],
                         ids=[c[0][:50] for c in CERT_RCOF if c[0] not in _NEEDS_THE_DO_FILES_MEMORY])
def test_cert_return_codes_through_the_ados(stata, command, rc):
    """c_errors.do's ``rcof "noisily CMD" == RC``, run through the ado harness."""
    name, line = re.match(r"(\w+)(.*)$", command).groups()
    try:
        got = run_ado(stata, name, line).rc
    except StataError as exc:
        got = exc.rc
    assert got == rc, stata.transcript("err")


@pytest.mark.parametrize("name, line, rc, message", [
    ("leoload", ", clear", 100, "table required"),
    ("leoload", "ks4_pupil, clear(x)", 198, "option clear() not allowed"),
    ("leoload", "ks4_pupil, collapse", 198, "option collapse() incorrectly specified"),
    ("leoquery", ", clear", 100, "SQL query required"),
    ("leodescribe", "ks4_pupil if KS4_FSM", 101, "if not allowed"),
    ("leoset", "server SRV", 198, "option database() required"),
    ("leoset", "dsn", 100, "data source name required"),
    ("leoset", "test junk", 101, "junk not allowed"),
])
def test_syntax_errors_stop_before_python(name, line, rc, message):
    with pytest.raises(StataError) as info:
        ado_locals(name, line)
    assert info.value.rc == rc and message in info.value.message


def test_abbreviations_are_spelled_out():
    _, values = ado_locals("leoload", "t, coll((p50) x) by(a) sqlo showsql maxo(5)")
    assert values["collapse"] == "collapse((p50) x)" and values["sqlonly"] == "sqlonly"
    assert values["maxobs"] == "maxobs(5)" and values["showsql"] == "showsql"
    _, values = ado_locals("leoset", "synthetic, pers(300) perm")
    assert values["persons"] == "300" and values["permanently"] == "permanently"


def test_repeatable_and_unknown_options_reach_the_backend_as_typed():
    line = ("t, merge(m:1 k using a, nogen) coh(k using b if s == \"x, y\") clear "
            "merge(m:1 j using c) cle")
    _, values = ado_locals("leoload", line)
    assert values["options"] == ('merge(m:1 k using a, nogen) coh(k using b if s == "x, y") '
                                 "merge(m:1 j using c) cle")
    assert values["clear"] == "clear"
    text = bridge.load_command_text(values)
    assert text.startswith("t, clear merge(m:1 k using a, nogen) coh(")


@pytest.mark.parametrize("line, options", [
    ("t, collapse((count) n=x) by(a) sdc clear", "sdc"),
    ("t, coll((count) n=x) by(a) sdc(profile(srs)) clear", "sdc(profile(srs))"),
    ('t, sdc(evidence("C:/my, files")) merge(m:1 k using a)',
     'sdc(evidence("C:/my, files")) merge(m:1 k using a)'),
])
def test_sdc_reaches_the_backend_as_typed(line, options):
    _, values = ado_locals("leoload", line)
    assert values["options"] == options and "sdc" not in values
    assert bridge.load_command_text(values).endswith(options)


# --- the help files' clickable examples run ---------------------------------------------------

_CLICK = re.compile(r"\{stata (?:`\"(.*?)\"'|\"(.*?)\"|([^:}\"`]+))(?::[^}]*)?\}")


def help_examples(help_name: str) -> list[str]:
    """The commands of the ``{stata ...}`` links in a help file's Examples."""
    text = (ADO_DIR / f"{help_name}.sthlp").read_text(encoding="utf-8")
    start = text.index("{marker examples}")
    end = text.index("{marker", start + 1)
    return [next(g for g in m.groups() if g is not None).strip()
            for m in _CLICK.finditer(text[start:end])]


EXAMPLES = [(h, cmd) for h in ("leostata",) + USER_ADOS for cmd in help_examples(h)
            if re.match(r"(leoload|leoquery|leodescribe|leoset)\b", cmd)]


def test_every_help_has_clickable_examples():
    assert {h for h, _ in EXAMPLES} == {"leostata", *USER_ADOS}


@pytest.mark.parametrize("help_name, command", EXAMPLES,
                         ids=[f"{h}: {c[:50]}" for h, c in EXAMPLES])
def test_help_examples_run_on_the_synthetic_database(stata, synth, help_name, command):
    from leostata import config
    # leoset synthetic [, persons() seed()] would build 20,000 (or 2,000) persons:
    # let those files be the small test database, so the example runs quickly
    for persons, seed in ((config.SYNTH_PERSONS, config.SYNTH_SEED), (2000, 7)):
        path = config.synthetic_path(persons, seed)
        if not path.exists():
            path.symlink_to(config.synthetic_path(300, 1).resolve())
    name, line = re.match(r"(\w+)(.*)$", command).groups()
    run = run_ado(stata, name, line)
    assert run.rc == 0, stata.transcript("err")


# --- the help files' options tables show the ado's abbreviations --------------------------------

_OPT = re.compile(r"\{synopt:\{(?:opth|opt|cmdab|cmd) ?:?([a-z_]+)(?::([a-z_]*))?")


@pytest.mark.parametrize("name", USER_ADOS)
def test_help_options_match_syntax(name):
    text = (ADO_DIR / f"{name}.sthlp").read_text(encoding="utf-8")
    syntax = text[text.index("{synoptset"):text.index("{marker description}")]
    shown = {}
    for m in _OPT.finditer(syntax):
        head, tail = m.group(1), m.group(2)
        shown[head + (tail or "")] = len(head) if tail is not None else len(head + (tail or ""))
    declared = {}
    for descriptor in syntax_statements(name).values():
        syntax = Syntax.parse(descriptor)
        for o in syntax.options:
            declared[o.name] = o.minimum
        if syntax.star:  # the options that come through *, not declared
            declared.update(STAR_OPTIONS[name])
    assert shown == declared


def test_weight_stays_before_the_comma_end_to_end(stata):
    line = ("leo_earnings [aw=Earnings] if inrange(TaxYear, 201516, 202021), "
            "collapse((count) n=Earnings) by(TaxYear) clear")
    run = run_ado(stata, "leoload", line)
    assert run.rc == 0, stata.transcript("err")
    assert run.locals_in["spec"] == "leo_earnings [aw=Earnings] if inrange(TaxYear, 201516, 202021)"
    assert r(stata, "N") == 6.0 and r(stata, "k") == 2.0


def test_a_rerun_is_answered_from_the_result_cache_end_to_end(stata):
    """r(cached): 0 when the database answered, 1 when the cache did; nocache
    (abbreviated noc, through syntax's *) asks the database; leoquery's * takes
    nothing else (r(198))."""
    line = "leo_earnings, collapse((mean) Earnings) by(TaxYear) clear"
    cached = []
    for options in ("", "", " noc", ""):
        run = run_ado(stata, "leoload", line + options)
        assert run.rc == 0, stata.transcript("err")
        cached.append(r(stata, "cached"))
    assert cached == [0.0, 1.0, 0.0, 1.0]
    query = '"SELECT TaxYear FROM leo_earnings WHERE TaxYear > 201800", clear'
    cached = []
    for options in ("", "", " nocache"):
        run = run_ado(stata, "leoquery", query + options)
        assert run.rc == 0, stata.transcript("err")
        cached.append(r(stata, "cached"))
    assert cached == [0.0, 1.0, 0.0]
    before = stata.snapshot()
    run = run_ado(stata, "leoquery", query + " nocachex")
    assert run.rc == 198 and "option nocachex not allowed" in stata.transcript("err")
    assert stata.snapshot() == before
