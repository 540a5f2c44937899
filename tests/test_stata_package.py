"""The Stata package: the .pkg lists every ado-file and help file, the
net-install folder that stata/build.py assembles holds exact copies, the
versions agree everywhere, and the help files follow Stata's layout, document
every r() item the bridge returns, and mirror ``errors.RETURN_CODES``."""

from __future__ import annotations

import re
import runpy
from datetime import datetime
from pathlib import Path

import pytest

from leostata import __version__, bridge
from leostata.errors import RETURN_CODES

ROOT = Path(__file__).resolve().parents[1]
ADO = ROOT / "ado"
STATA = ROOT / "stata"
BUILD = runpy.run_path(str(STATA / "build.py"))  # its functions, without running main()

HELP_FILES = sorted(p.name for p in ADO.glob("*.sthlp"))
ADO_FILES = sorted(p.name for p in ADO.glob("*.ado"))
COMMANDS = ("leoload", "leoquery", "leodescribe", "leoset")
#: Stata's section order for help files ([P] smcl, "Advice on formatting help files").
SECTIONS = ("syntax", "description", "options", "remarks", "examples", "results", "alsosee")


def pkg_lines() -> list[str]:
    return (STATA / "leostata.pkg").read_text(encoding="utf-8").splitlines()


def pkg_field(name: str) -> str:
    for line in pkg_lines():
        m = re.match(rf"d {name}:\s*(.*)$", line)
        if m:
            return m.group(1).strip()
    raise AssertionError(f"no 'd {name}:' line in leostata.pkg")


def test_pkg_and_toc_shape():
    lines = pkg_lines()
    assert lines[0] == "v 3" and lines[1].startswith("d leostata: ") and lines[-1] == "e"
    assert all(re.match(r"(v|d|f|F|e|\*)( |$)", l) for l in lines), "unknown .pkg line"
    assert sum(1 for l in lines if l.startswith("d")) <= 100  # Stata's limit
    toc = (STATA / "stata.toc").read_text(encoding="utf-8").splitlines()
    assert toc[0] == "v 3" and any(l.startswith("p leostata ") for l in toc)
    # net describe and net from show these lines as they are: under 80 characters
    titles = [lines[1]] + [l for l in toc if l.startswith(("d ", "p "))]
    assert all(len(l) < 80 for l in titles), [l for l in titles if len(l) >= 80]
    assert all(len(l) < 80 for l in lines + toc), "a .pkg/.toc line wraps"


def test_pkg_lists_every_ado_and_help_file():
    listed = BUILD["manifest"]()
    assert len(listed) == len(set(listed))
    assert set(ADO_FILES) | set(HELP_FILES) <= set(listed)
    examples = {p.name for p in (STATA / "examples").glob("*.do")}
    assert examples <= set(listed)
    for name in listed:  # every listed file has exactly one source
        assert BUILD["source_of"](name).is_file()


def test_build_assembles_exact_copies(tmp_path):
    written = BUILD["build"](tmp_path / "net")
    names = sorted(p.name for p in written)
    assert sorted(p.name for p in (tmp_path / "net").iterdir()) == names
    assert set(names) == {"stata.toc", "leostata.pkg", *BUILD["manifest"]()}
    for path in written:
        source = BUILD["source_of"](path.name) if path.name not in (
            "stata.toc", "leostata.pkg") else STATA / path.name
        assert path.read_bytes() == source.read_bytes(), path.name


def _ado_version(path: Path) -> tuple[str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = re.fullmatch(r"\*! version (\S+) (\S+)", first)
    assert m, f"{path.name}: first line {first!r}"
    return m.group(1), m.group(2)


def _help_version(path: Path) -> tuple[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "{smcl}", path.name
    m = re.fullmatch(r"\{\* \*! version (\S+) (\S+)\}\{\.\.\.\}", lines[1])
    assert m, f"{path.name}: second line {lines[1]!r}"
    return m.group(1), m.group(2)


def test_versions_agree():
    assert pkg_field("Version") == __version__
    date = datetime.strptime(pkg_field("Distribution-Date"), "%Y%m%d")
    stamps = [_ado_version(ADO / n) for n in ADO_FILES] + [_help_version(ADO / n)
                                                           for n in HELP_FILES]
    for version, day in stamps:
        assert version == __version__
        assert datetime.strptime(day, "%d%b%Y") == date
    assert re.search(r"version = attr: leostata.version.__version__",
                     (ROOT / "setup.cfg").read_text(encoding="utf-8"))


# --- help files ------------------------------------------------------------------------------


def help_text(name: str) -> str:
    return (ADO / f"{name}.sthlp").read_text(encoding="utf-8")


def section(text: str, marker: str) -> str:
    start = text.index(f"{{marker {marker}}}")
    nxt = text.find("{marker ", start + 1)
    return text[start:nxt if nxt > 0 else len(text)]


def test_every_command_has_a_help_file():
    assert set(HELP_FILES) == {f"{c}.sthlp" for c in COMMANDS} | {"leostata.sthlp"}


@pytest.mark.parametrize("name", COMMANDS)
def test_help_layout(name):
    text = help_text(name)
    positions = [text.index(f"{{marker {s}}}") for s in SECTIONS]
    assert positions == sorted(positions), "Stata's section order"
    for s in SECTIONS:
        assert '{viewerjumpto ' in text and f'"{name}##{s}"' in text, s
    syntax = section(text, "syntax")
    assert "{synoptset" in syntax and "{synopthdr}" in syntax
    assert "{stata " in section(text, "examples"), "clickable examples"


@pytest.mark.parametrize("name", HELP_FILES)
def test_help_smcl_braces_balance(name):
    text = (ADO / name).read_text(encoding="utf-8")
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        assert depth >= 0
    assert depth == 0


@pytest.mark.parametrize("name", COMMANDS)
def test_stored_results_are_exactly_what_the_ado_posts(name):
    documented = re.findall(r"\{synopt:\{cmd:r\((\w+)\)\}\}", section(help_text(name), "results"))
    scalars, macros = bridge.RESULTS[name]
    assert sorted(documented) == sorted(scalars + macros)
    assert len(documented) == len(set(documented))


def test_return_code_table_mirrors_errors():
    table = section(help_text("leostata"), "errors")
    rows = re.findall(r"\{p2col:\{cmd:(\d+)\}\}(.*?)\{p_end\}", table)
    assert {int(rc): text for rc, text in rows} == RETURN_CODES
    assert [int(rc) for rc, _ in rows] == sorted(RETURN_CODES)


def test_overview_states_the_contract_and_install():
    text = help_text("leostata")
    for marker in ("syntax", "description", "install", "contract", "examples", "results",
                   "errors", "alsosee"):
        assert f"{{marker {marker}}}" in text
    contract = section(text, "contract")
    for words in ("What is pushed down", "What is refused", "larger than every number",
                  "case-sensitive", "PERCENTILE_CONT", "r(5104)", "r(5103)", "r(4)"):
        assert words in contract, words
    install = section(text, "install")
    assert "python set exec" in install and "net install leostata" in install
    assert "--no-index --find-links" in install
    # locked-down Windows desktops (issue 20): the Store alias, no admin rights
    for words in ("Microsoft Store", "WindowsApps", "cannot be used with {cmd:python set exec}",
                  "--user", "--target", "python set userpath"):
        assert words in install, words
