"""Run leostata's ado-files without Stata: read them, emulate their ``syntax``
statements, run their ``python:`` statements against the ``sfi`` double, and
post r() the way the ado does.

Stata cannot run in CI, so this harness stands in for the Stata half of each
ado-file (the Python half is the real bridge).  It is driven by the ado text
itself -- the syntax statements, the ``local`` lines before them, the
``python:`` statements and the ``foreach`` lists that post r() are all parsed
from the files -- so an ado and the bridge cannot drift apart silently.

``parse_comma`` emulates ``_parse comma lhs rhs : lmacname`` (``help
_parse``): lhs gets everything before the first comma that is not inside
parentheses or quotes (double quotes and compound quotes), rhs the comma and
the rest ("" when there is no such comma).  Brackets do not protect a comma,
as the help does not say they do.  The ados split their text so, trim the
left part with ``strtrim()`` (blanks only), run ``syntax`` on the options
alone and refuse an empty required part with ``di as err`` and an rc in
``_leo_rc``; the harness reads those statements from the ado text too.

``Syntax`` emulates what Stata's ``syntax`` sets for the descriptors these
ados use, from [P] syntax (stata.md §7; ``help syntax``):

* ``anything(name= id= everything equalok)``, optionally in ``[...]``: the
  text before the first comma that is outside quotes and parentheses;
  ``everything`` keeps ``if``/``in``/``using`` in it, ``equalok`` keeps ``=``;
  required and missing -> r(100) "<id> required".
* options: ``OPname`` flags (local = the name spelled out), ``OPname(passthru)``
  (local = the whole option, name spelled out), ``OPname(string [asis])``
  (outer quotes removed unless ``asis``), ``OPname(numlist integer max=# >#
  >=#)``; capitals give the minimal abbreviation; an unknown or
  too-short option -> r(198) "option X not allowed"; a missing required
  option -> r(198); a declared option given twice -> the rightmost one.
* ``*``: every option not declared goes, as typed and in order, to the
  local ``options`` instead of being refused.

Every declared local is in the result ("" when not given), as in Stata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADO_DIR = ROOT / "ado"
USER_ADOS = ("leoload", "leoquery", "leodescribe", "leoset")
HELPER = "_leostata_check"


class StataError(Exception):
    """What Stata would stop with: a message and a return code."""

    def __init__(self, rc: int, message: str):
        super().__init__(f"{message} r({rc})")
        self.rc = rc
        self.message = message


# --- reading ado text ---------------------------------------------------------------------


def ado_text(name: str) -> str:
    return (ADO_DIR / f"{name}.ado").read_text(encoding="utf-8")


def logical_lines(text: str) -> list[str]:
    """Lines with ``///`` continuations joined and ``//`` comments removed
    (a ``//`` comment starts at a blank or the line start, as in Stata)."""
    out, pending = [], ""
    for raw in text.splitlines():
        line = raw
        cont = re.search(r"(^|\s)///.*$", line)
        if cont:
            pending += line[:cont.start()] + " "
            continue
        line = re.sub(r"(^|\s)//.*$", "", line)
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return out


def python_statements(name: str) -> list[str]:
    """The Python text of every ``[capture] python: ...`` line of an ado."""
    found = []
    for line in logical_lines(ado_text(name)):
        m = re.match(r"\s*(?:cap(?:ture)?\s+)?python\s*:\s*(.*\S)\s*$", line)
        if m:
            found.append(m.group(1))
    return found


def local_lines(name: str) -> dict[str, str]:
    """``local NAME VALUE`` lines that come before the first ``syntax``,
    ``gettoken`` or ``_parse``."""
    values = {}
    for line in logical_lines(ado_text(name)):
        s = line.strip()
        if s.startswith(("syntax", "gettoken", "_parse")):
            break
        m = re.match(r"local\s+(\w+)\s+(\S.*)$", s)
        if m:
            values[m.group(1)] = m.group(2).strip()
    return values


def _branch_lines(name: str):
    """Yield (branch, logical line): branch ``""`` for a one-syntax ado; for
    leoset, X inside ``if `"`subcmd'"' == "X" { ... }``."""
    branch = ""
    for line in (l.strip() for l in logical_lines(ado_text(name))):
        m = re.match(r"(?:else\s+)?if\s+`\"`subcmd'\"'\s*==\s*\"(\w+)\"\s*\{", line)
        if m:
            branch = m.group(1)
            continue
        yield branch, line


def syntax_statements(name: str) -> dict[str, str]:
    """{subcommand: syntax descriptor}: ``""`` for a one-syntax ado; for
    leoset, the branch ``if `"`subcmd'"' == "X" { syntax ... }`` of each X."""
    found: dict[str, str] = {}
    for branch, line in _branch_lines(name):
        m = re.match(r"syntax\b\s*(.*)$", line)
        if m:
            if branch in found:
                raise AssertionError(f"{name}.ado: two syntax statements for {branch!r}")
            found[branch] = m.group(1)
    return found


@dataclass(frozen=True)
class CommaSplit:
    """``_parse comma lhs rhs : source`` of an ado, and whether the next
    line trims lhs (``local lhs = strtrim(`"`lhs'"')``)."""

    lhs: str
    rhs: str
    source: str
    trimmed: bool


def comma_splits(name: str) -> dict[str, CommaSplit]:
    """{subcommand: its ``_parse comma`` statement}, branches as in ``syntax_statements``."""
    found: dict[str, CommaSplit] = {}
    pending: tuple[str, CommaSplit] | None = None
    for branch, line in _branch_lines(name):
        if pending:
            b, split = pending
            trim = re.fullmatch(rf"local\s+{split.lhs}\s*=\s*strtrim\(`\"`{split.lhs}'\"'\)", line)
            found[b] = CommaSplit(split.lhs, split.rhs, split.source, bool(trim))
            pending = None
        m = re.fullmatch(r"_parse\s+comma\s+(\w+)\s+(\w+)\s*:\s*(\w+)", line)
        if m:
            if branch in found:
                raise AssertionError(f"{name}.ado: two _parse comma statements for {branch!r}")
            pending = branch, CommaSplit(*m.groups(), trimmed=False)
    if pending:
        found[pending[0]] = pending[1]
    return found


def required_checks(name: str) -> dict[str, tuple[str, str, int]]:
    """{subcommand: (local, message, rc)} of the ado's checks
    ``if `"`X'"' == "" { di as err "MSG" ... local _leo_rc RC }``."""
    found = {}
    lines = list(_branch_lines(name))
    for i, (branch, line) in enumerate(lines):
        m = re.fullmatch(r"if\s+`\"`(\w+)'\"'\s*==\s*\"\"\s*\{", line)
        if not m:
            continue
        message = re.fullmatch(r'di(?:splay)?\s+as\s+err\s+"([^"]*)"', lines[i + 1][1])
        rc = re.fullmatch(r"local\s+_leo_rc\s+(\d+)", lines[i + 2][1])
        if message and rc and lines[i + 3][1] == "}":
            found[branch] = (m.group(1), message.group(1), int(rc.group(1)))
    return found


def ado_local_names(name: str, branch: str = "") -> set[str]:
    """The locals an ado branch sets for Python: its syntax's and its ``_parse comma`` lhs."""
    names = Syntax.parse(syntax_statements(name)[branch]).local_names()
    split = comma_splits(name).get(branch)
    return names | {split.lhs} if split else names


def posted_results(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scalars, macros) the ado posts: its ``foreach s in ...`` and
    ``foreach m in ...`` lists."""
    text = "\n".join(logical_lines(ado_text(name)))
    scalars = re.search(r"foreach\s+s\s+in\s+([^{]*)\{", text)
    macros = re.search(r"foreach\s+m\s+in\s+([^{]*)\{", text)
    return (tuple(scalars.group(1).split()) if scalars else (),
            tuple(macros.group(1).split()) if macros else ())


# --- splitting command text as Stata does --------------------------------------------------


def _scan(text: str):
    """Yield (index, char, depth, in_quote) over ``text``: double quotes,
    compound quotes `"..."' (nesting) and parentheses."""
    i, depth, quote = 0, 0, []
    while i < len(text):
        two = text[i:i + 2]
        if two == '`"':
            quote.append("compound")
            yield i, two, depth, True
            i += 2
            continue
        if quote and quote[-1] == "compound" and two == "\"'":
            quote.pop()
            yield i, two, depth, True
            i += 2
            continue
        c = text[i]
        if c == '"':
            if quote and quote[-1] == "plain":
                quote.pop()
            elif not quote:
                quote.append("plain")
            yield i, c, depth, True
            i += 1
            continue
        if not quote:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
        yield i, c, depth, bool(quote)
        i += 1


def split_comma(text: str) -> tuple[str, str | None]:
    """Split at the first comma outside quotes and parentheses."""
    for i, c, depth, quoted in _scan(text):
        if c == "," and depth == 0 and not quoted:
            return text[:i], text[i + 1:]
    return text, None


def parse_comma(text: str) -> tuple[str, str]:
    """``_parse comma lhs rhs : text``: (lhs, rhs), lhs everything before the
    first comma not inside parentheses, double quotes or compound quotes,
    rhs that comma and the rest; ("text", "") when there is none."""
    for i, c, depth, quoted in _scan(text):
        if c == "," and depth == 0 and not quoted:
            return text[:i], text[i:]
    return text, ""


def option_tokens(text: str) -> list[tuple[str, str | None]]:
    """``name`` / ``name(args)`` items of an options text; args as typed."""
    items, i, n = [], 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[i:])
        if not m:
            raise StataError(198, f"invalid syntax: {text[i:]!r}")
        name = m.group(0)
        i += len(name)
        if i < n and text[i] == "(":
            start = i + 1
            end = None
            for j, c, depth, quoted in _scan(text[i:]):
                if c == ")" and depth == 0 and not quoted:
                    end = i + j
                    break
            if end is None:
                raise StataError(198, "unmatched parenthesis")
            items.append((name, text[start:end]))
            i = end + 1
        else:
            items.append((name, None))
    return items


def _strip_quotes(text: str) -> str:
    s = text.strip()
    if s.startswith('`"') and s.endswith("\"'"):
        return s[2:-2]
    if len(s) >= 2 and s[0] == s[-1] == '"':
        return s[1:-1]
    return s


# --- the syntax emulation ------------------------------------------------------------------


@dataclass
class OptionDesc:
    name: str
    minimum: int
    kind: str  # flag | passthru | string | numlist
    spec: str = ""
    required: bool = False

    def matches(self, typed: str) -> bool:
        return self.minimum <= len(typed) <= len(self.name) and self.name.startswith(typed)


@dataclass
class Syntax:
    """A parsed ``syntax`` descriptor; ``apply(text)`` -> the locals."""

    anything: dict | None = None
    options: list[OptionDesc] = field(default_factory=list)
    star: bool = False  # ``*``: other options go to the local ``options``

    @classmethod
    def parse(cls, descriptor: str) -> "Syntax":
        main, opts = split_comma(descriptor)
        if opts is not None and main.rstrip().endswith("["):  # [, optional options]
            main, opts = main.rstrip()[:-1], "[" + opts
        syn = cls()
        m = re.search(r"(\[)?\s*anything(?:\(([^)]*)\))?\s*(\])?", main)
        if m:
            spec = m.group(2) or ""
            name = re.search(r"name=(\w+)", spec)
            ident = re.search(r'id="([^"]*)"', spec)
            syn.anything = {"name": name.group(1) if name else "anything",
                            "id": ident.group(1) if ident else "something",
                            "everything": "everything" in spec.split(),
                            "equalok": "equalok" in spec.split(),
                            "optional": bool(m.group(1))}
            main = main[:m.start()] + main[m.end():]
        if main.strip():
            raise AssertionError(f"syntax descriptor not modelled: {main!r}")
        if opts is not None:
            required = True
            for word in re.findall(r"\[|\]|\*|[A-Za-z_]+(?:\([^)]*\))?", opts):
                if word == "*":
                    syn.star = True
                    continue
                if word == "[":
                    required = False
                    continue
                if word == "]":
                    continue
                m = re.match(r"([A-Za-z_]+)(?:\(([^)]*)\))?$", word)
                raw, spec = m.group(1), (m.group(2) or "").strip()
                caps = len(raw) - len(raw.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                minimum = caps if caps else len(raw)
                kind = "flag" if m.group(2) is None else spec.split()[0]
                if kind not in ("flag", "passthru", "string", "numlist"):
                    raise AssertionError(f"option descriptor not modelled: {word}")
                syn.options.append(OptionDesc(raw.lower(), minimum, kind, spec, required))
        return syn

    def local_names(self) -> set[str]:
        names = {o.name[:31] for o in self.options}
        if self.star:
            names.add("options")
        if self.anything:
            names.add(self.anything["name"])
        return names

    def apply(self, text: str) -> dict[str, str]:
        before, after = split_comma(text)
        result = {name: "" for name in self.local_names()}
        spec = before.strip()
        if self.anything is None:
            if spec:
                raise StataError(101, f"{spec.split()[0]} not allowed")
        else:
            words = [w for w in re.split(r"\s+", _outside_quotes(spec)) if w]
            if not self.anything["everything"]:
                for kw in ("if", "in", "using"):
                    if kw in words:
                        raise StataError(101, f"{kw} not allowed")
            if not self.anything["equalok"] and "=" in _outside_quotes(spec):
                raise StataError(101, "=exp not allowed")
            if not spec and not self.anything["optional"]:
                raise StataError(100, f"{self.anything['id']} required")
            result[self.anything["name"]] = spec
        given, others = set(), []
        for typed, args in option_tokens(after or ""):
            desc = next((o for o in self.options if o.matches(typed)), None)
            if desc is None and self.star:
                others.append(typed if args is None else f"{typed}({args})")
                continue
            if desc is None:
                raise StataError(198, f"option {typed} not allowed")
            given.add(desc.name)
            result[desc.name[:31]] = self._value(desc, typed, args)
        for o in self.options:
            if o.required and o.name not in given:
                raise StataError(198, f"option {o.name}() required")
        if self.star:
            result["options"] = " ".join(others)
        return result

    @staticmethod
    def _value(desc: OptionDesc, typed: str, args: str | None) -> str:
        if desc.kind == "flag":
            if args is not None:
                raise StataError(198, f"option {typed}() not allowed")
            return desc.name
        if args is None:
            raise StataError(198, f"option {desc.name}() incorrectly specified")
        if desc.kind == "passthru":
            return f"{desc.name}({args})"
        if desc.kind == "string":
            return args if "asis" in desc.spec.split() else _strip_quotes(args)
        numbers = args.replace(",", " ").split()
        words = desc.spec.split()
        try:
            values = [float(x) for x in numbers]
        except ValueError:
            raise StataError(121, "invalid numlist") from None
        maxn = next((int(w[4:]) for w in words if w.startswith("max=")), None)
        if maxn is not None and len(values) > maxn:
            raise StataError(123, "invalid numlist has too many elements")
        for w in words:
            bound = re.fullmatch(r"(>=|>)(-?[0-9.]+)", w)
            if bound:
                op, b = bound.group(1), float(bound.group(2))
                if any(v < b or (op == ">" and v == b) for v in values):
                    raise StataError(125, "invalid numlist has elements outside of allowed range")
        if "integer" in words and any(v != int(v) for v in values):
            raise StataError(126, "invalid numlist has noninteger elements")
        return " ".join(numbers)


def _outside_quotes(text: str) -> str:
    return "".join(c if not quoted else " " for _, c, _, quoted in _scan(text))


def ado_locals(name: str, command_line: str) -> tuple[str, dict[str, str]]:
    """(subcommand, locals) that the ado sets before its ``python:``
    statement when typed with ``command_line`` (the text after its name):
    its ``_parse comma`` split, then its ``syntax``, then its required check."""
    values = dict(local_lines(name))
    statements = syntax_statements(name)
    sub, rest = "", command_line
    if name == "leoset":
        # gettoken subcmd rest : 0, parse(" ,")
        m = re.match(r"\s*([^\s,]*)(.*)$", command_line, re.S)
        sub, rest = m.group(1), m.group(2)
        if sub == "" or command_line.lstrip().startswith(","):
            sub, rest = "show", command_line
        values["subcmd"] = sub
        if sub not in statements:
            return sub, values
    macros = {"0": rest}
    split = comma_splits(name).get(sub)
    if split:
        lhs, rhs = parse_comma(macros[split.source])
        macros[split.lhs], macros[split.rhs] = (lhs.strip(" ") if split.trimmed else lhs), rhs
    values.update({k: v for k, v in macros.items() if k != "0"})
    values.update(Syntax.parse(statements[sub]).apply(macros["0"]))
    check = required_checks(name).get(sub)
    if check and values.get(check[0], "") == "":
        raise StataError(check[2], check[1])
    return sub, values


# --- running an ado against the sfi double --------------------------------------------------


@dataclass
class AdoRun:
    rc: int
    subcommand: str
    locals_in: dict
    reads: list


def run_ado(sfi, name: str, command_line: str, *, reads: list | None = None) -> AdoRun:
    """What ``name command_line`` does in Stata, with sfi = the double:
    syntax (emulated; a StataError propagates), the locals it sets, the
    helper's and the ado's ``python:`` statements executed as Stata would
    (in a ``__main__``-like namespace), and r() posted from the leo_*
    locals when ``_leo_rc`` is 0 (then the end of the rclass program)."""
    sub, values = ado_locals(name, command_line)
    for key in sfi.local_macros():  # a new program call: fresh locals
        sfi.Macro.setLocal(key, "")
    for key, value in values.items():
        if value:
            sfi.Macro.setLocal(key, value)
    namespace = {"__name__": "__main__"}
    for statement in python_statements(HELPER):
        exec(statement, namespace)  # capture python: import leostata.bridge
    sfi.Macro.setLocal("_leo_rc", "5199")
    start = len(reads) if reads is not None else 0
    for statement in python_statements(name):
        exec(statement, namespace)
    rc = int(sfi.Macro.getLocal("_leo_rc"))
    if rc == 0:
        scalars, macros = posted_results(name)
        for s in scalars:
            value = sfi.Macro.getLocal(f"leo_{s}")
            if value != "":
                sfi.Scalar.setValue(f"return({s})", float(value))
        for m in macros:
            sfi.Macro.setGlobal(f"return({m})", sfi.Macro.getLocal(f"leo_{m}"))
        sfi._end_rclass_program()
    return AdoRun(rc, sub, values, list(reads[start:]) if reads is not None else [])


def build_synthetic(home: Path, persons: int = 300, seed: int = 1) -> str:
    """Build a small synthetic database under ``home`` (LEOSTATA_HOME);
    returns its URL."""
    import os
    old = os.environ.get("LEOSTATA_HOME")
    os.environ["LEOSTATA_HOME"] = str(home)
    try:
        from leostata import config
        from leostata.session import ensure_synthetic
        ensure_synthetic(persons, seed)
        return config.synthetic_url(persons, seed)
    finally:
        if old is None:
            os.environ.pop("LEOSTATA_HOME", None)
        else:
            os.environ["LEOSTATA_HOME"] = old


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """(LEOSTATA_HOME, URL) of a 300-person synthetic database built once per module."""
    home = tmp_path_factory.mktemp("leostata_home")
    return home, build_synthetic(home)


@pytest.fixture
def stata(fake_sfi, synth, monkeypatch, tmp_path):
    """The sfi double; a fresh LEOSTATA_HOME (an empty config file) that sees
    the module's synthetic database; LEOSTATA_URL pointing at it; and a fresh
    bridge session state (closed afterwards).  Import it with ``synth``."""
    from leostata import bridge
    home, url = synth
    for path in home.glob("synthetic-*.duckdb"):
        (tmp_path / path.name).symlink_to(path)
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    monkeypatch.setenv("LEOSTATA_URL", url)
    monkeypatch.setattr(bridge, "_state", bridge._SessionState())
    yield fake_sfi
    bridge._close_session()
