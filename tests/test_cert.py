"""The certification do-files (stata/cert/) and the example do-file, read as
text since Stata cannot run here: every file path compound-quoted, only
documented ``use`` forms, no r() read on a prefixed line, every ``shell``
followed by a return-code check, c_merge.do run by cert_all.do, setup.do
copying the same .pkg lines as stata/build.py; and the DuckDB export that
makes the independent baselines, run for real on a synthetic database.

Each checker takes text and returns the offending lines, so the tests at the
end feed it broken snippets and see it fail.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.ado_harness import build_synthetic, logical_lines

ROOT = Path(__file__).resolve().parents[1]
CERT = ROOT / "stata" / "cert"
DO_FILES = sorted(CERT.glob("*.do")) + sorted((ROOT / "stata" / "examples").glob("*.do"))
EXPORT = CERT / "leocert_export.py"

#: Prefixes that run a command inside their own code ([P] capture, quietly,
#: [D] frame prefix, by, [P] rcof).
PREFIX = re.compile(r"^\s*(?:(?:capture|quietly|noisily|qui|cap|n)\b\s*:?\s*"
                    r"|frame\s+\S+\s*:\s*|(?:by|bysort)\b[^:]*:\s*|rcof\b\s*)")
COMMAND_PREFIX = re.compile(r"^\s*(?:(?:capture|quietly|noisily)\s+|frame\s+\S+\s*:\s*)*")
#: Commands whose argument (or ``using`` argument) is a file path.
PATH_COMMANDS = ("use", "save", "copy", "erase", "do", "run", "mkdir", "cd")
FILE_USING = ("cf", "merge", "joinby", "append", "import", "file", "log", "use")
BARE_NAME = re.compile(r"^[\w.\-/]+$")  # a literal name: nothing to quote
USING = re.compile(r"(?<!`)\busing\b(?!')")  # the keyword, not the macro `using'
COMPOUND = re.compile(r'^`"(?:[^"]|"(?!\'))*"\'')


def code_lines(text: str) -> list[str]:
    """Logical lines of a do-file without comment lines and blank lines."""
    return [l for l in logical_lines(text) if l.strip() and not l.lstrip().startswith("*")]


def command_of(line: str) -> tuple[str, str]:
    """(command word, rest) of a line, prefixes removed."""
    rest = COMMAND_PREFIX.sub("", line).strip()
    word, _, tail = rest.partition(" ")
    return word, tail.strip()


def path_ok(arg: str) -> bool:
    """A path argument: compound-quoted, or a literal without macros
    (quoted or a bare name)."""
    arg = arg.strip()
    if COMPOUND.match(arg):
        return True
    if "`" in arg or "$" in arg:
        return False
    return bool(re.match(r'^"[^"`$]*"', arg)) or bool(BARE_NAME.match(re.split(r"[\s,]", arg)[0]))


def _first_arg(tail: str) -> str:
    if tail.startswith('`"'):
        m = COMPOUND.match(tail)
        return m.group(0) if m else tail
    if tail.startswith('"'):
        return tail[:tail.find('"', 1) + 1]
    return re.split(r"[\s,]", tail)[0]


def unquoted_paths(text: str) -> list[str]:
    """Lines where a file path is not compound-quoted (or a plain literal)."""
    bad = []
    for line in code_lines(text):
        word, tail = command_of(line)
        if word in ("leoload", "leoquery", "leodescribe", "leoset", "python:", "python",
                    "syntax", "local", "global", "display", "assert", "mata:", "tempfile",
                    "capture", "program", "args", "rcof"):
            continue  # tables in merge(... using T), strings, declarations
        args = []
        if word in FILE_USING and USING.search(tail):
            args.append(USING.split(tail, maxsplit=1)[1])
        elif word in PATH_COMMANDS:
            args.append(tail)
            if word == "copy":  # two paths
                first = _first_arg(tail)
                args.append(tail[len(first):])
        elif word == "confirm" and tail.startswith("file"):
            args.append(tail[4:])
        elif word == "net" and "from(" in tail:
            args.append(tail.split("from(", 1)[1])
        for arg in args:
            if arg.strip() and not path_ok(_first_arg(arg.strip())):
                bad.append(line.strip())
    return bad


def undocumented_use(text: str) -> list[str]:
    """``use`` lines outside [D] use's two forms, ``use filename [, ...]``
    and ``use [varlist] [if] using filename [, ...]``; ``in`` with ``use``
    is refused too (issue 20: ``use in -10/l using`` is not documented;
    ``keep in`` after ``use`` is)."""
    bad = []
    for line in code_lines(text):
        word, tail = command_of(line)
        if word != "use":
            continue
        if USING.search(tail):
            before = USING.split(tail, maxsplit=1)[0]
            if re.search(r"(^|\s)in\s", " " + before):  # no use ... in ... using (issue 20)
                bad.append(line.strip())
        else:
            after = tail[len(_first_arg(tail)):].strip()
            if after and not after.startswith(","):  # use FILE if/in ...
                bad.append(line.strip())
    return bad


def r_after_prefix(text: str) -> list[str]:
    """Lines that read r() on a line run under a prefix (frame X:, capture,
    quietly, by, rcof): the prefix may replace r() first."""
    bad = []
    for line in code_lines(text):
        if PREFIX.match(line) and re.search(r"\br\(\w+\)", PREFIX.sub("", line, count=1)):
            bad.append(line.strip())
    return bad


def unchecked_shells(text: str) -> list[str]:
    """``shell``/``!`` lines not followed at once by ``[capture] confirm file``."""
    lines = code_lines(text)
    bad = []
    for i, line in enumerate(lines):
        word, _ = command_of(line)
        if word == "shell" or line.lstrip().startswith("!"):
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not re.match(r"^\s*(capture\s+)?confirm\s+file\b", nxt):
                bad.append(line.strip())
    return bad


@pytest.mark.parametrize("path", DO_FILES, ids=lambda p: p.name)
def test_paths_are_quoted(path):
    assert unquoted_paths(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", DO_FILES, ids=lambda p: p.name)
def test_only_documented_use_forms(path):
    assert undocumented_use(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", DO_FILES, ids=lambda p: p.name)
def test_no_r_read_after_a_prefix(path):
    assert r_after_prefix(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", DO_FILES, ids=lambda p: p.name)
def test_every_shell_is_checked(path):
    assert unchecked_shells(path.read_text(encoding="utf-8")) == []


def test_setup_shells_out_once_and_checks_the_marker():
    text = (CERT / "setup.do").read_text(encoding="utf-8")
    shells = [l for l in code_lines(text) if command_of(l)[0] == "shell"]
    assert len(shells) == 1
    assert shells[0].count('"') == 2, "cmd /c keeps exactly two quotes as typed"
    assert 'capture erase `"`data\'/leocert_export.ok"\'' in text  # no stale marker
    assert "leocert_export.ok" in EXPORT.read_text(encoding="utf-8")


def test_cert_all_runs_every_cert_script():
    text = (CERT / "cert_all.do").read_text(encoding="utf-8")
    m = re.search(r"foreach script in ([^{]*)\{", text)
    listed = m.group(1).split()
    assert "c_merge" in listed
    assert sorted(listed) == sorted(p.stem for p in CERT.glob("c_*.do"))
    assert 'do "setup.do"' in text and "graduate_earnings.do" in text


def test_every_cert_script_runs_the_shared_programs():
    for path in CERT.glob("c_*.do"):
        lines = code_lines(path.read_text(encoding="utf-8"))
        uses = any(re.search(r"\bleo_(vs_use|same_data|cf_meta|promised_meta)\b", l)
                   for l in lines)
        if uses:
            assert "run cert_programs.do" in lines, path.name


def _pkg_prefixes_of_setup(text: str) -> set[str]:
    m = re.search(r'inlist\(substr\(`"`line\'"\', 1, 2\),((?:\s*"[^"]*",?)+)\)', text)
    assert m, "setup.do: the .pkg line test"
    return set(re.findall(r'"([^"]*)"', m.group(1)))


def _pkg_prefixes_of_build(text: str) -> set[str]:
    m = re.search(r"line\.startswith\(\(([^)]*)\)\)", text)
    assert m, "build.py: the .pkg line test"
    return set(re.findall(r'"([^"]*)"', m.group(1)))


def test_setup_copies_the_lines_build_copies():
    setup = _pkg_prefixes_of_setup((CERT / "setup.do").read_text(encoding="utf-8"))
    build = _pkg_prefixes_of_build((ROOT / "stata" / "build.py").read_text(encoding="utf-8"))
    assert setup == build == {"f ", "F "}


def test_setup_tables_have_keys_and_types_the_programs_know(tmp_path):
    text = (CERT / "setup.do").read_text(encoding="utf-8")
    entries = [e for line in re.findall(r"^local tablekeys `\"(.*)\"'$", text, re.M)
               for e in re.findall(r'"([^"`]+)"', line)]
    keys = {e.split()[0]: " ".join(e.split()[1:]) for e in entries}
    names = list(keys)
    assert len(names) == len(entries) >= 9 and all(keys.values())
    assert all(len(name) <= 31 for name in re.findall(r"^\s*local (\w+)", text, re.M))
    url = build_synthetic(tmp_path / "home")
    con = duckdb.connect(url[len("duckdb:///"):], read_only=True)  # setup.do: substr(url, 11, .)
    programs = (CERT / "cert_programs.do").read_text(encoding="utf-8")
    promised = programs[programs.index("program leo_promised_type"):]
    promised = promised[:promised.index("\nend\n")]
    for table in names:
        cols = keys[table].split()
        total, distinct = con.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT ({', '.join(cols)})) FROM {table}").fetchone()
        assert total == distinct and total > 0, f"{table}: {cols} is not a key"
        for (data_type,) in con.execute("SELECT DISTINCT data_type FROM information_schema.columns "
                                        "WHERE table_name = ?", [table]).fetchall():
            base = re.sub(r"\(.*", "", data_type)
            assert f'"{base}"' in promised, f"leo_promised_type does not know {data_type}"


def _run_export(folder: Path, db: str, tables: list[str]) -> subprocess.CompletedProcess:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / EXPORT.name).write_bytes(EXPORT.read_bytes())
    (folder / "leocert_export.args").write_text("\n".join([db, *tables]) + "\n", encoding="utf-8")
    return subprocess.run([sys.executable, EXPORT.name], cwd=folder, capture_output=True,
                          text=True, timeout=300)


def test_export_writes_what_duckdb_holds(tmp_path):
    url = build_synthetic(tmp_path / "home")
    db = url[len("duckdb:///"):]
    folder = tmp_path / "a folder with spaces"
    tables = ["ks4_pupil", "leo_benefit", "hesa_2016", "learner_ae_id_to_pmr_lookup"]
    done = _run_export(folder, db, tables)
    assert done.returncode == 0, done.stderr
    assert (folder / "leocert_export.ok").is_file()
    con = duckdb.connect(db, read_only=True)
    counts = {r["table"]: int(r["rows"]) for r in
              csv.DictReader(open(folder / "leocert_counts.csv", encoding="utf-8"))}
    for table in tables:
        want = con.execute(f"SELECT * FROM {table}").fetchall()
        with open(folder / f"{table}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
        assert rows[0] == header
        assert len(rows) - 1 == len(want) == counts[table]
        text = lambda v: "" if v is None else str(v)  # noqa: E731 (NULL is an empty field)
        assert sorted(rows[1:]) == sorted([text(v) for v in r] for r in want)
    schema = list(csv.DictReader(open(folder / "leocert_schema.csv", encoding="utf-8")))
    ks4 = [r for r in schema if r["table"] == "ks4_pupil"]
    assert [r["column"] for r in ks4] == header_of(con, "ks4_pupil")
    declared = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                "WHERE table_name = 'ks4_pupil'").fetchall())
    assert {r["column"]: r["data_type"] for r in ks4} == declared
    assert all(r["description"] for r in ks4)


def header_of(con, table: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]


def test_export_failure_leaves_no_marker(tmp_path):
    url = build_synthetic(tmp_path / "home")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "leocert_export.ok").write_text("stale\n")  # from an earlier run
    done = _run_export(folder, url[len("duckdb:///"):], ["ks4_pupil", "no_such_table"])
    assert done.returncode == 1 and "no_such_table" in done.stderr
    assert not (folder / "leocert_export.ok").exists()


# --- the checkers can fail ---------------------------------------------------------------


@pytest.mark.parametrize("snippet", [
    "save `want'\n",
    'save "`want\'"\n',
    "cf _all using `want', all\n",
    "merge 1:1 TaxYear using `want', assert(match)\n",
    "use `data'/x.dta, clear\n",
    'copy `"`a\'"\' `b\', replace\n',
    "frame earnings: save `earn'\n",
    "joinby AE_ID using `edukey'\n",
    "confirm file `out'\n",
])
def test_unquoted_paths_are_found(snippet):
    assert unquoted_paths(snippet) == [snippet.strip()]


@pytest.mark.parametrize("snippet", [
    'save `"`want\'"\', replace\n',
    'use if x == 1 using `"`data\'/t.dta"\', clear\n',
    'leoload t, merge(m:1 k using other) clear\n',
    'confirm file "leocert_export.ok"\n',
    'do "setup.do"\n',
    "run cert_programs.do\n",
])
def test_quoted_paths_pass(snippet):
    assert unquoted_paths(snippet) == []


@pytest.mark.parametrize("snippet", [
    'use in -10/l using `"`f\'"\', clear\n',
    'quietly use `0\' in 1/5 using `"`f\'"\', clear\n',
    'use `"`f\'"\' if x == 1, clear\n',
])
def test_undocumented_use_is_found(snippet):
    assert undocumented_use(snippet) == [snippet.strip()]


def test_documented_use_passes():
    assert undocumented_use('use a b if x == 3 using `"`f\'"\', clear\n'
                            'use `"`f\'"\', clear\nuse if inrange(x, 1, 2) using "a.dta"\n') == []


@pytest.mark.parametrize("snippet", [
    "frame cah: assert _N == r(N)\n",
    "capture assert r(N) == 1\n",
    "bysort k: assert r(N) > 0\n",
])
def test_r_after_prefix_is_found(snippet):
    assert r_after_prefix(snippet) == [snippet.strip()]


def test_r_without_prefix_passes():
    assert r_after_prefix("local n = r(N)\nframe cah: assert _N == `n'\nassert r(N) > 0\n") == []


def test_unchecked_shell_is_found():
    assert unchecked_shells('shell "python" x.py\nlocal rc = 0\n') == ['shell "python" x.py']
    assert unchecked_shells('!python x.py\n') == ["!python x.py"]
    assert unchecked_shells('shell "p" x.py\ncapture confirm file "x.ok"\n') == []


def test_prefix_mismatch_is_found():
    assert _pkg_prefixes_of_setup('if inlist(substr(`"`line\'"\', 1, 2), "f ") {') == {"f "}


@pytest.mark.parametrize("path", DO_FILES, ids=lambda p: p.name)
def test_local_names_fit_stata(path):
    """Local macro names stop at 31 characters ([P] macro)."""
    names = re.findall(r"^\s*(?:local|tempfile|tempvar|tempname)\s+([\w ]+?)\s*(?:=|:|$|\S)",
                       path.read_text(encoding="utf-8"), re.M)
    long = [n for group in names for n in group.split() if len(n) > 31]
    assert long == []
