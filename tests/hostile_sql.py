"""Hypothesis strategies for hostile input, shared by tests/test_readonly_fuzz.py
(``leoquery`` texts) and tests/test_load_fuzz.py (``leoload`` commands).

A hostile ``leoquery`` text is assembled from fragments:

* a write *payload* (DELETE FROM victim, DROP TABLE victim, INSERT, UPDATE,
  COPY ... TO a file, ATTACH, PRAGMA, CREATE ...), optionally preceded by
  statements that undo a session guard (``COMMIT; BEGIN TRANSACTION READ
  WRITE``, ``PRAGMA query_only = 0``, ``SET enable_external_access``...);
* a statement *separator*: ``;``, none at all (T-SQL runs ``SELECT 1 DELETE
  ...`` as two statements), line breaks, ``GO``, and look-alikes a checker
  might normalise (fullwidth semicolon, Greek question mark U+037E, zero-width
  characters, NUL and other control characters);
* a *hider*: the quoting of one dialect that another reads differently --
  brackets (``[...]`` is a name on SQL Server and SQLite, an array on
  PostgreSQL and DuckDB), double quotes, backticks, ``$$`` and ``$tag$``
  dollar quotes, ``E'...'`` escape strings, backslashes, ``N''``, ``U&''``,
  comments nested or unterminated, and keywords glued to numbers, strings and
  names (``SELECT 1DROP TABLE t``, ``SELECT pwned=1INTO dbo.pwned``).

File-system targets are written as :data:`WATCH`; :func:`bind` replaces it by
the folder a test watches for new files (any other case of the text may be
changed by the strategies, never the folder's).

The ``leoload`` strategies generate table and variable names (valid, hostile,
quoted, unicode), Stata string literals (with quotes, backslashes, ``'; DROP``,
NUL, lone surrogates), numbers and options (maxobs(), sample(), sort(),
collapse() ... by()).

Also here, shared by both test files: an independent reading of SQL text per
server (``lex``, ``hidden_writes``), SQLite's and DuckDB's own parsers used
in process (``sqlite_side_effects``, ``duckdb_statements``), and ``Arena``: a
real database with a watched folder whose state is compared after each case.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import sqlalchemy as sa
from hypothesis import strategies as st

#: Stands for the watched folder in generated texts (see ``bind``).
WATCH = "@WATCH@"


def bind(text: str, watch: str) -> str:
    """``text`` with every :data:`WATCH` (in any letter case) replaced by ``watch``."""
    return re.sub(re.escape(WATCH), lambda _m: watch, text, flags=re.IGNORECASE)


# --- leoquery fragments -----------------------------------------------------------------------

#: Between two statements, or what a checker might take for that.
SEPARATORS = (
    ";", "; ", " ;\n", ";;", "\n", " ", "", "\t", "\r\n", "\r", "\f",
    "\uff1b",  # FULLWIDTH SEMICOLON
    "\u037e",  # GREEK QUESTION MARK (NFKC: ';')
    "\ufe54",  # SMALL SEMICOLON
    "\u204f",  # REVERSED SEMICOLON
    ";\u200b", "\u200b", "\u200d;", "\u2060", "\ufeff", "\u00a0", "\u2028", "\u0085",
    "\x00", ";\x00", "\x00;", "\x0b", "\x1a", "\x1e", "\x7f",
    "\nGO\n", "\ngo 2\n", "\n\\g\n", "\\;", "\n;\n",
)

#: Statements that undo a read-only guard of some engine (before the payload).
GUARD_BREAKERS = (
    "COMMIT", "ROLLBACK", "END", "ABORT", "COMMIT TRAN", "BEGIN TRAN",
    "BEGIN TRANSACTION READ WRITE", "BEGIN READ WRITE", "START TRANSACTION READ WRITE",
    "SET TRANSACTION READ WRITE", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "SET default_transaction_read_only = off", "SET transaction_read_only = off",
    "RESET ALL", "DISCARD ALL",
    "PRAGMA query_only = 0", "PRAGMA query_only = OFF", "PRAGMA main.query_only = false",
    "SET enable_external_access = true", "RESET enable_external_access",
    "SET lock_configuration = false", "SET IMPLICIT_TRANSACTIONS OFF", "SAVE TRAN s",
)

#: Statements or expressions that write: the victim's rows, the schema, a file
#: in the watched folder, a sequence, a lock, the server's configuration.
PAYLOADS = (
    "DELETE FROM victim", "delete from victim where x > 0", "DELETE victim",
    "DROP TABLE victim", "DROP TABLE IF EXISTS victim CASCADE",
    "TRUNCATE victim", "TRUNCATE TABLE victim",
    "UPDATE victim SET x = x + 100",
    "INSERT INTO victim VALUES (99)", "INSERT INTO victim SELECT x + 10 FROM victim",
    "INSERT OR REPLACE INTO victim VALUES (99)", "REPLACE INTO victim VALUES (99)",
    "MERGE INTO victim USING (SELECT 1 AS x) s ON 1 = 0 WHEN NOT MATCHED THEN INSERT VALUES (99)",
    "CREATE TABLE pwned (a INTEGER)", "CREATE TABLE pwned AS SELECT * FROM victim",
    "CREATE VIEW pwned AS SELECT 1 AS a",
    "SELECT * INTO pwned FROM victim", "SELECT x INTO pwned FROM victim",
    "ALTER TABLE victim ADD COLUMN pwned INTEGER", "ALTER TABLE victim RENAME TO pwned",
    f"COPY victim TO '{WATCH}/leak.csv'",
    f"COPY (SELECT * FROM victim) TO '{WATCH}/leak.parquet' (FORMAT PARQUET)",
    f"COPY victim TO PROGRAM 'touch {WATCH}/program'",
    f"EXPORT DATABASE '{WATCH}/export'",
    f"ATTACH '{WATCH}/attached.duckdb' AS att",
    f"ATTACH DATABASE '{WATCH}/attached.sqlite' AS att",
    f"VACUUM INTO '{WATCH}/vacuum.sqlite'",
    f"SELECT lo_export(lo_from_bytea(0, 'x'), '{WATCH}/lo')",
    f"SELECT writefile('{WATCH}/w', 'x')",
    f"SELECT load_extension('{WATCH}/ext')",
    "DO $$BEGIN DELETE FROM victim; END$$",
    "EXEC('DELETE FROM victim')", "EXECUTE ('DROP TABLE victim')",
    "EXEC sp_executesql N'DELETE FROM victim'", "EXECUTE IMMEDIATE 'DELETE FROM victim'",
    "WITH d AS (DELETE FROM victim RETURNING *) SELECT * FROM d",
    "SELECT dblink_exec('dbname=leostata_test', 'DELETE FROM victim')",
    "DISABLE TRIGGER ALL ON victim", "DENY SELECT ON victim TO public",
    "GRANT ALL ON victim TO PUBLIC", "WHILE 1 = 1 DELETE FROM victim",
    "SELECT NEXT VALUE FOR seq", "SELECT nextval('seq')", "SELECT setval('seq', 5)",
    "SELECT pg_advisory_lock(1)", "SELECT pg_reload_conf()", "SELECT txid_current()",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "INSTALL httpfs", "LOAD httpfs", "CALL pwn()",
)

#: Payloads that only mean a write when glued right after an expression.
GLUED_PAYLOADS = ("INTO pwned", "INTO pwned FROM victim", "INTO dbo.pwned",
                  "DROP TABLE victim", "DELETE FROM victim", "UPDATE victim SET x = 0",
                  "INSERT INTO victim VALUES (7)", "TRUNCATE TABLE victim")

#: Text that one dialect reads as complete (a name, an array, a dollar string,
#: a comment) and another as the start of a literal, a name or a comment.
QUOTE_TRAPS = (
    "ARRAY[']']", "ARRAY['[']", "[']", "[x']", "[]']", "[\"]", "['']", "[[']",
    "\"'\"", "\"[\"", "\"]\"", "\"\"\"'\"", "\"'", "\"\\\"",
    "`'`", "`\"`", "`[`", "`",
    "$$'$$", "$$\"$$", "$a$'$a$", "$a$ $$ ' $a$", "$$", "$1", "$",
    "E'\\''", "e'\\''", "E'\\\\'", "'\\'", "'\\''", "N'\\''", "N''''", "''''", "'''", "'",
    "U&'\\0027'", "U&'!0027' UESCAPE '!'", "U&\"\\0022\"", "X'27'", "B'0'",
    "/*'*/", "/* /* */ '*/", "/*/**/'*/", "--'\n", "--'\r", "-- '\u2028", "#'\n",
    "{fn '}", "{'", "?'", ":'", "@'", "\\'",
    "\uff07", "\u2019", "\u02bc",  # apostrophe look-alikes
)

#: (opening, closing) comment markers, nested, unterminated or ended oddly.
COMMENTS = (
    ("/*", "*/"), ("/* /*", "*/"), ("/*", "*/ */"), ("/*/*", "*/*/"), ("/**", "**/"),
    ("--", "\n"), ("--", "\r"), ("--", "\u2028"), ("--", "\x00"), ("--", ""),
    ("#", "\n"), ("/*", ""), ("/**/--", "\n"), ("-- /*", "\n*/"), ("{--", "--}"),
)

#: What a payload is glued to with no space between (``SELECT 1DROP TABLE t``).
GLUES = ("SELECT 1", "SELECT 1.", "SELECT 1e1", "SELECT 0x1", "SELECT 1.5e-3", "SELECT .5",
         "SELECT 'a'", "SELECT N'a'", "SELECT [a]", "SELECT \"a\"", "SELECT `a`",
         "SELECT (1)", "SELECT x FROM victim", "SELECT pwned=1", "SELECT 1 AS a WHERE 1=1",
         "SELECT $$a$$", "SELECT @@version", "SELECT $1")

#: Places a payload can sit inside one statement.
EMBEDDINGS = ("WITH d AS ({p} RETURNING *) SELECT * FROM d", "SELECT * FROM ({p}) q",
              "SELECT ({p})", "SELECT x FROM victim WHERE x IN ({p})",
              "SELECT x FROM victim UNION ALL {p}", "({p})", "SELECT 1 FROM victim WHERE EXISTS ({p})")

#: Leading and trailing noise around a whole text.
PREFIXES = ("", "", " ", "\n", "\ufeff", "(", "/**/", "\x00", "\u200b", "-- x\n")
SUFFIXES = ("", "", ";", " ;", "--", "/*", "\x00", "\n", ")", "; --", "\ud800")

#: Unicode look-alikes for ASCII letters and signs.
CONFUSABLES = {"E": "\u0415", "e": "\u0435", "O": "\u039f", "o": "\u03bf", "T": "\u0422",
               "A": "\uff21", "D": "\uff24", ";": "\u037e", "'": "\u2019", " ": "\u3000",
               "(": "\uff08", "-": "\u2010"}

#: Single characters worth sprinkling into random text.
HOSTILE_CHARS = ("';\"[]`$-/*#\\\n\r\t\x00\x01\x0b\x1a\x7f EeNnUuXx&():@?{}.,0123456789"
                 "\u037e\uff1b\u200b\u2028\ufeff\u00a0\u2019\u02bc")


def _keep_watch(transform):
    """Apply ``transform`` to ``text`` outside every :data:`WATCH`."""
    def apply(text: str) -> str:
        parts = re.split(f"({re.escape(WATCH)})", text)
        return "".join(p if p == WATCH else transform(p) for p in parts)
    return apply


def _mixed_case(text: str) -> str:
    return "".join(ch.upper() if i % 2 else ch.lower() for i, ch in enumerate(text))


def _confuse(text: str) -> str:
    for plain, twin in CONFUSABLES.items():
        if plain in text:
            return text.replace(plain, twin, 1)
    return text


CASES = (lambda s: s, str.lower, str.upper, _mixed_case, _confuse)

separators = st.sampled_from(SEPARATORS)
hostile_chars = st.text(alphabet=st.sampled_from(HOSTILE_CHARS), max_size=6)


@st.composite
def payloads(draw) -> str:
    """One write payload, maybe after guard breakers, each joined by a separator."""
    parts = draw(st.lists(st.sampled_from(GUARD_BREAKERS), max_size=3))
    parts.append(draw(st.sampled_from(PAYLOADS)))
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(("COMMIT", "END", "COMMIT TRAN"))))
    text = parts[0]
    for part in parts[1:]:
        text += draw(separators) + part
    return _keep_watch(draw(st.sampled_from(CASES)))(text)


@st.composite
def trap_sandwiches(draw) -> str:
    """``SELECT <trap> <sep> payload <sep> SELECT <trap>``: the issue-11 bracket trick
    and every cousin of it built from QUOTE_TRAPS."""
    first, last = draw(st.sampled_from(QUOTE_TRAPS)), draw(st.sampled_from(QUOTE_TRAPS))
    return (f"SELECT {first}{draw(separators)}{draw(payloads())}{draw(separators)}"
            f"SELECT {last}")


@st.composite
def comment_hides(draw) -> str:
    opening, closing = draw(st.sampled_from(COMMENTS))
    head = draw(st.sampled_from(("SELECT 1 ", "SELECT x FROM victim ", "SELECT 1", "SELECT '")))
    return f"{head}{opening}{draw(separators)}{draw(payloads())}{draw(separators)}{closing}"


@st.composite
def glued(draw) -> str:
    payload = _keep_watch(draw(st.sampled_from(CASES)))(
        draw(st.sampled_from(GLUED_PAYLOADS + PAYLOADS)))
    return draw(st.sampled_from(GLUES)) + payload


@st.composite
def embedded(draw) -> str:
    return draw(st.sampled_from(EMBEDDINGS)).format(p=draw(payloads()))


@st.composite
def bare(draw) -> str:
    """A payload alone, or after a harmless SELECT."""
    text = draw(payloads())
    if draw(st.booleans()):
        head = draw(st.sampled_from(("SELECT 1", "SELECT x FROM victim",
                                     "WITH a AS (SELECT 1) SELECT * FROM a")))
        text = head + draw(separators) + text
    return text


@st.composite
def soup(draw) -> str:
    """``SELECT `` then a random mix of every kind of fragment and hostile characters."""
    fragment = st.one_of(st.sampled_from(QUOTE_TRAPS), st.sampled_from(SEPARATORS),
                         st.sampled_from(PAYLOADS), st.sampled_from(GUARD_BREAKERS),
                         st.sampled_from([c for pair in COMMENTS for c in pair]),
                         st.sampled_from(GLUED_PAYLOADS), hostile_chars)
    return "SELECT " + "".join(draw(st.lists(fragment, min_size=1, max_size=8)))


@st.composite
def hostile_queries(draw) -> str:
    """A leoquery text that hides (or plainly carries) a write, with noise around it."""
    body = draw(st.one_of(trap_sandwiches(), comment_hides(), glued(), embedded(), bare(),
                          soup()))
    return draw(st.sampled_from(PREFIXES)) + body + draw(st.sampled_from(SUFFIXES))


# --- disguised reads: one harmless SELECT with a hostile literal, name or comment ------------------

def sql_string(content: str, prefix: str = "") -> str:
    """``content`` as a standard SQL string literal ('' doubles a quote)."""
    return prefix + "'" + content.replace("'", "''") + "'"


def sql_name(content: str, style: str) -> str:
    """``content`` as a quoted identifier: ``"..."`` (standard), ``[...]`` (SQL
    Server, SQLite) or ```...``` (SQLite)."""
    if style == "bracket":
        return "[" + content.replace("]", "]]") + "]"
    if style == "backtick":
        return "`" + content.replace("`", "``") + "`"
    return '"' + content.replace('"', '""') + '"'


hostile_content = st.one_of(
    payloads(),
    st.lists(st.one_of(st.sampled_from(QUOTE_TRAPS), st.sampled_from(SEPARATORS),
                       st.sampled_from(PAYLOADS), hostile_chars), min_size=1, max_size=5
             ).map("".join),
    st.text(max_size=20),
)


@st.composite
def disguised_selects(draw) -> str:
    """A single SELECT on ``victim`` whose string literal, quoted name or comment
    holds hostile text, quoted correctly for at least one dialect: a checker
    may accept it, and then the server must read it the same way."""
    content = draw(hostile_content)
    kind = draw(st.sampled_from(("literal", "nliteral", "alias", "where", "comment", "line",
                                 "dollar", "estring")))
    if kind == "literal":
        return f"SELECT {sql_string(content)} AS s, x FROM victim"
    if kind == "nliteral":
        return f"SELECT {sql_string(content, 'N')} AS s FROM victim"
    if kind == "alias":
        style = draw(st.sampled_from(("double", "bracket", "backtick")))
        return f"SELECT x AS {sql_name(content, style)} FROM victim"
    if kind == "where":
        return f"SELECT x FROM victim WHERE {sql_string(content)} <> {sql_string(content + 'x')}"
    if kind == "comment":
        return f"SELECT x FROM victim /* {content.replace('*/', '* /')} */"
    if kind == "line":
        return f"SELECT x FROM victim -- {content.replace(chr(10), ' ')}\n"
    if kind == "dollar":
        return f"SELECT $q${content.replace('$q$', '$ q$')}$q$ AS s FROM victim"
    return "SELECT E" + sql_string(content.replace("\\", "\\\\")) + " AS s FROM victim"


#: Texts for the engines: mostly disguised reads (often accepted, so executed),
#: some outright hostile ones.
queries_for_engines = st.one_of(disguised_selects(), disguised_selects(), hostile_queries())


# --- leoload ----------------------------------------------------------------------------------

#: Names a user could type that are not plain Stata names.
HOSTILE_NAMES = (
    "victim;", "x;DROP", "a;b", "it's", "x]y", "[x]", '"x"', "`x'", "q\"t", "--c", "/*c*/",
    "$$", "$1", "@x", "#t", "x.y", "dbo.victim", "victim--", "Zoë", "Zoe\u0308", "ｘ",
    "x\u200b", "x\x00", "\ud800", "_n", "_N", "_all", "_b", "in", "if", "using", "DROP",
    "select", "1x", "x-", "-x", "x*", "*", "?", "~", "x~y", "a-", "ÿ" * 33, "x" * 33,
    "x\ty", "x\u00a0y", "x\u3000y", "x\\y", "%x", "x%", "x:y", ":x", "(x)", "x()",
)

#: Contents for Stata string literals.
HOSTILE_STRINGS = (
    "", " ", "'", "''", "\\", "\\'", "'; DROP TABLE victim; --", "'); DELETE FROM victim; --",
    "' OR '1'='1", "]; DROP TABLE victim; --", "$$; DELETE FROM victim; $$", "%", "_", "[", "]",
    "[a-z]", "*", "?", "\x00", "a\x00b", "\ud800", "Zoë", "CAFÉ", "\u200b", "\u037e",
    "\uff07", "\u02bc", "--", "/*", "*/", ":x", ":1", "?", "%s", "%(x)s", "{}", "\\x27",
    "E'\\''", "\n", "\r\n", "\t", "`", "\u2028", "a" * 300,
)


def stata_string(content: str) -> str:
    """``content`` as a Stata string: ``"..."`` when it has no ``"``, else a
    compound quote (which holds ``"`` unless the content closes one)."""
    if '"' not in content:
        return f'"{content}"'
    return f'`"{content}"\''


strings = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=12),
                    st.text(alphabet=st.sampled_from(HOSTILE_CHARS), max_size=12))
string_literals = strings.map(stata_string)
numbers = st.one_of(
    st.integers(-3, 40).map(str), st.integers(-2**63, 2**63).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(("0", "-0", ".", ".a", ".z", "1e308", "1e400", "-1e400", "1e-400", "0.1",
                     "5.", ".5", "1e", "0x10", "1_000", "2147483648", "-2147483649",
                     "9223372036854775808", "1d", "1E+3", "inf", "nan", "1;", "1)", "1--")),
)


def _odds(draw, hostile_one_in: int) -> bool:
    """True about once in ``hostile_one_in`` draws (shrinks to False): take
    the hostile branch."""
    return draw(st.sampled_from((False,) * (hostile_one_in - 1) + (True,)))


@st.composite
def names_for(draw, columns, hostile_one_in: int = 5) -> str:
    """A variable name: mostly the table's own (or an abbreviation, pattern,
    range), sometimes a hostile one."""
    columns = list(columns)
    if _odds(draw, hostile_one_in):
        return draw(st.one_of(
            st.sampled_from(HOSTILE_NAMES), st.sampled_from(("*", "?*", "*_*")),
            st.text(alphabet=st.sampled_from(HOSTILE_CHARS + "abcxyz_"), min_size=1, max_size=6)))
    name = draw(st.sampled_from(columns))
    form = draw(st.integers(0, 9))
    if form == 7 and len(name) > 2:
        return name[:-1]  # an abbreviation (maybe ambiguous)
    if form == 8:
        return f"{name}-{draw(st.sampled_from(columns))}"
    if form == 9:
        return name[:1] + "*"
    return name


#: Stata functions (and a few that are not) for if-expressions.
_STRING_FUNCS = ("strpos({s}, {lit}) > 0", "substr({s}, {n}, {n}) == {lit}", "strlen({s}) > {n}",
                 "strlower({s}) == {lit}", "strmatch({s}, {lit})", "inlist({s}, {lit}, {lit})",
                 "real({s}) > {n}", "ustrpos({s}, {lit}) == {n}", "strtrim({s}) != {lit}",
                 "{s} + {lit} == {lit}", "strupper({s}) < {lit}", "missing({s})",
                 "regexm({s}, {lit})", "exec({lit})", "dblink_exec({lit}, {lit})")
_NUMBER_FUNCS = ("round({v}, {n}) == {n}", "int({v}) > {n}", "inrange({v}, {n}, {n})",
                 "missing({v})", "!missing({v})", "mod({v}, {n}) == 0", "abs({v}) < {n}",
                 "year({v}) == {n}", "{v} > td(01jan2020)", "cond({v} > {n}, 1, 0)",
                 "max({v}, {n}) == {n}", "sqrt({v}) > {n}", "{v} == .a", "{v} / {n} >= {n}",
                 "inlist({v}, {n}, {n}, {n})", "-{v} ^ 2 < {n}")


def _kinds(columns) -> tuple[list, list]:
    """(string names, numeric names) of ``columns`` ({name: "str"/"num"} or a list)."""
    if isinstance(columns, dict):
        strs = [n for n, k in columns.items() if k == "str"]
        nums = [n for n, k in columns.items() if k != "str"]
        every = list(columns)
        return strs or every, nums or every
    return list(columns), list(columns)


@st.composite
def conditions(draw, columns, depth: int = 2) -> str:
    """An if-expression over ``columns``: mostly well typed, with hostile
    literals, numbers and names."""
    strs, nums = _kinds(columns)
    snames, nnames = names_for(strs, 8), names_for(nums, 8)
    lit, num = draw(string_literals), draw(numbers)
    kind = draw(st.integers(0, 9 if depth > 0 else 6))
    if kind in (0, 1):
        op = draw(st.sampled_from(("==", "!=", "~=", "<", ">=", "==", "!=")
                                  + (("=", "<>", "&&", ";") if _odds(draw, 6) else ())))
        return f"{draw(snames)} {op} {lit}"
    if kind == 2:
        op = draw(st.sampled_from(("==", "<", ">", "<=", "!=", ">=")))
        return f"{draw(nnames)} {op} {num}"
    if kind == 3:
        template = draw(st.sampled_from(_STRING_FUNCS))
        return template.format(s=draw(snames), lit=draw(string_literals), n=draw(numbers))
    if kind == 4:
        return draw(st.sampled_from(_NUMBER_FUNCS)).format(v=draw(nnames), n=draw(numbers))
    if kind == 5:
        return f"{lit} == {draw(string_literals)}"
    if kind == 6:
        if _odds(draw, 2):
            return draw(st.sampled_from(HOSTILE_NAMES + HOSTILE_STRINGS))
        return f"{draw(nnames)}"
    if kind in (7, 8):
        op = draw(st.sampled_from(("&", "|", "& !", "|")))
        return (f"({draw(conditions(columns, depth - 1))}) {op} "
                f"({draw(conditions(columns, depth - 1))})")
    return "!(" + draw(conditions(columns, depth - 1)) + ")"


_STATS = ("mean", "sum", "count", "min", "max", "p50", "p1", "p99", "sd", "first", "last",
          "iqr", "median", "firstnm", "lastnm", "percent", "p101", "p0", "drop", "'; DROP")


@st.composite
def options(draw, columns) -> str:
    """One leoload option: mostly well formed, with hostile arguments, sometimes not."""
    strs, nums = _kinds(columns)
    name, num = names_for(columns, 8), numbers
    kind = draw(st.integers(0, 13))
    if kind in (0, 1):
        return f"maxobs({draw(st.one_of(st.integers(0, 10).map(str), num))})"
    if kind in (2, 3):
        percent = draw(st.one_of(st.integers(1, 100).map(str), num))
        tail = draw(st.sampled_from(("", f", seed({draw(st.integers(0, 99))})",
                                     f", seed({draw(num)})", f", seed({draw(strings)})",
                                     f", pwn({draw(num)})")))
        return f"sample({percent}{tail})"
    if kind in (4, 5):
        return f"sort({' '.join(draw(st.lists(name, min_size=1, max_size=3)))})"
    if kind in (6, 7):
        items = []
        for i in range(draw(st.integers(1, 3))):
            target = draw(st.one_of(st.just(""), st.just(f"out{i}="),
                                    names_for(columns, 3).map(lambda n: f"{n}_s=")))
            source = draw(names_for(nums, 6))
            items.append(f"({draw(st.sampled_from(_STATS))}) {target}{source}")
        by = draw(st.one_of(st.just(""), st.lists(names_for(columns, 6), min_size=1,
                                                  max_size=2).map(
            lambda ns: " by(" + " ".join(ns) + ")")))
        return f"collapse({' '.join(items)}){by}" + draw(st.sampled_from(("", " cw")))
    if kind == 8:
        return draw(st.sampled_from(("count", "showsql", "sqlonly", "force", "cw", "sdc",
                                     "clear", "coun", "max", "samp(5)", "count()", "sql",
                                     "exec", "frame(f)", "frame(x; DROP)", "frame(f, replace)")))
    if kind == 9:
        return f"{draw(st.sampled_from(('maxobs', 'sort', 'sample', 'by', 'collapse')))}" \
               f"({draw(strings)})"
    if kind == 10:
        return f"{draw(st.sampled_from(('maxobs', 'sort')))}({draw(string_literals)})"
    if kind == 11:
        return f"by({draw(name)})"
    if kind == 12:
        return draw(hostile_chars)
    return f"{draw(st.sampled_from(HOSTILE_NAMES))}({draw(strings)})"


#: Table names that are not the user's tables.
HOSTILE_TABLES = ("victim;", "dbo.victim", "[victim]", '"victim"', "victim--",
                  "pg_catalog.pg_tables", "information_schema.tables", "sqlite_master",
                  "leostata_metadata", "Victim", "víctim", "*", "odd;DROP", "odd--", "odd/**/")


@st.composite
def leoload_commands(draw, tables: dict) -> str:
    """``TABLE [varlist] [if exp] [in range] [, options]`` over ``tables``
    ({table: its Stata variable names, as a list or {name: "str"/"num"}}).
    Most commands are valid Stata with hostile literals; about one in five
    parts is malformed or names what is not there."""
    if _odds(draw, 6):
        table = draw(st.one_of(st.sampled_from(HOSTILE_TABLES), st.sampled_from(HOSTILE_NAMES)))
    else:
        table = draw(st.sampled_from(list(tables)))  # the first table is the most interesting
        if _odds(draw, 2):
            table = next(iter(tables))
    columns = tables.get(table) or sorted({c for cols in tables.values() for c in cols})
    text = table
    varlist = draw(st.lists(names_for(columns, 8), max_size=3))
    if varlist:
        text += " " + " ".join(varlist)
    if not _odds(draw, 3):
        text += " if " + draw(conditions(columns))
    if _odds(draw, 4):
        text += " in " + draw(st.sampled_from(("1", "1/3", "2/l", "-3/l", "f/l", "-1", "2/4", "5",
                                               "0", "5/2", "1/99999999999999999999", "l/f", "1/",
                                               "1;", "x")))
    opts = draw(st.lists(options(columns), max_size=3))
    if opts:
        text += draw(st.sampled_from((", ", ",", " , "))) + " ".join(opts)
    if _odds(draw, 10):  # noise anywhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.one_of(hostile_chars, st.sampled_from(SEPARATORS))) + text[at:]
    return text


# --- an independent reading: what would each server run? ---------------------------------------
#
# A second opinion on SQL text that a checker accepted (or that leoload built),
# written from each engine's lexical rules, not from the checker.  Where
# engines or versions differ (does CR end a T-SQL line comment?  does PostgreSQL
# before 15 split ``1DROP``?), it takes the reading that exposes more code: a
# checker should refuse such texts.

#: Words that start a statement that is not a read.
STATEMENT_WORDS = frozenset("""
    INSERT UPDATE DELETE MERGE UPSERT DROP ALTER CREATE TRUNCATE GRANT REVOKE DENY
    EXEC EXECUTE CALL COPY ATTACH DETACH PRAGMA VACUUM INSTALL LOAD EXPORT IMPORT CHECKPOINT
    BEGIN COMMIT ROLLBACK ABORT SAVEPOINT RELEASE SET RESET DISCARD DECLARE WHILE WAITFOR
    KILL SHUTDOWN BACKUP RESTORE DBCC BULK USE RECONFIGURE DISABLE ENABLE LISTEN NOTIFY
    UNLISTEN PREPARE DEALLOCATE LOCK CLUSTER REINDEX REFRESH
""".split())

#: Words that write or lock wherever they stand (SELECT ... INTO, table hints).
ANYWHERE_WORDS = frozenset("INTO TABLOCK TABLOCKX UPDLOCK XLOCK HOLDLOCK PAGLOCK".split())

#: (word, next word) pairs that write or lock.
WRITE_PAIRS = frozenset({("FOR", "UPDATE"), ("FOR", "SHARE"), ("FOR", "KEY"), ("FOR", "NO"),
                         ("NEXT", "VALUE"), ("START", "TRANSACTION"), ("SAVE", "TRAN"),
                         ("SAVE", "TRANSACTION"), ("REPLACE", "INTO")})

#: T-SQL needs no separator between statements (``SELECT 1 DELETE FROM t`` is
#: two), so a statement word starts one anywhere except right after these
#: (where the batch would not compile: ``SELECT DELETE``, ``AS DELETE``).
_TSQL_NOT_A_START = frozenset("SELECT AS DISTINCT ALL TOP".split())
_TSQL_NOT_A_START_PUNCT = frozenset(",.=<>!+-*/%&|^~")


def _starts_statement(tokens, k: int, dialect: str) -> bool:
    """Could a statement begin at ``tokens[k]``?  Elsewhere than T-SQL only at
    the start, after ``;`` or at a parenthesis (``WITH d AS (DELETE ...)``,
    ``WITH ... ) DELETE``)."""
    if k == 0:
        return True
    kind, value = tokens[k - 1]
    if dialect == "mssql":
        if kind == "word":
            return value.upper() not in _TSQL_NOT_A_START
        return not (kind == "punct" and value in _TSQL_NOT_A_START_PUNCT)
    return kind == "punct" and value in ";()"


#: Functions with a side effect or reaching outside the database, per dialect
#: (names, or prefixes ending in ``*``), from the vendors' documentation.
DENIED_FUNCTIONS = {
    "postgresql": ("dblink*", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
                   "pg_rotate_logfile", "pg_advisory*", "pg_try_advisory*", "txid_current*",
                   "pg_current_xact_id*", "nextval", "setval", "set_config", "lo_*",
                   "pg_read_file", "pg_read_binary_file", "pg_ls_*", "pg_stat_file", "pg_sleep*",
                   "pg_file_write", "pg_switch_wal", "pg_create_*", "pg_drop_*", "pg_logical_*",
                   "pg_replication_*", "pg_promote", "pg_stat_reset*", "query_to_xml*",
                   "cursor_to_xml*", "pg_import_system_collations", "pg_notify"),
    "duckdb": ("read_*", "glob", "parquet_*", "sniff_csv", "getenv", "query", "query_table",
               "nextval", "setval", "csv_scan", "iceberg_*", "delta_scan", "postgres_*",
               "sqlite_*", "mysql_*", "json_execute_serialized_sql", "load_aws_credentials"),
    "sqlite": ("load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"),
    "mssql": ("fn_xe_*", "fn_get_audit_file", "fn_trace_gettable", "fn_dump_dblog", "openrowset",
              "opendatasource", "openquery", "openxml", "xp_*", "sp_*"),
}
#: Reaching another server, or a procedure, is denied in every dialect.
DENIED_FUNCTIONS = {d: names + ("openrowset", "opendatasource", "openquery", "xp_*", "sp_*")
                    for d, names in DENIED_FUNCTIONS.items()}


def _denied(name: str, dialect: str) -> bool:
    name = name.lower()
    return any(name.startswith(p[:-1]) if p.endswith("*") else name == p
               for p in DENIED_FUNCTIONS[dialect])


_SPACE = " \t\n\r\f\v"


def _is_word_char(ch: str, dialect: str, start: bool) -> bool:
    if dialect == "mssql":  # letters, digits, _ @ # $ (not a leading digit or $)
        return ch.isalpha() or ch in "_@#" or (not start and (ch.isdigit() or ch == "$"))
    # PostgreSQL, DuckDB, SQLite: ASCII letters, _, every non-ASCII character; then digits, $
    return (ch.isascii() and ch.isalpha()) or ch == "_" or ord(ch) >= 0x80 or (
        not start and ch.isascii() and (ch.isdigit() or ch == "$"))


def _quoted_end(text: str, i: int, close: str, doubled: bool, backslash: bool = False) -> int:
    """Index after the literal opening at ``text[i]`` (closed by ``close``;
    ``close`` twice is an escape when ``doubled``), or -1 if unterminated."""
    j = i + 1
    while j < len(text):
        ch = text[j]
        if backslash and ch == "\\":
            j += 2
            continue
        if ch == close:
            if doubled and text.startswith(close, j + 1):
                j += 2
                continue
            return j + 1
        j += 1
    return -1


def _number_end(text: str, i: int, dialect: str) -> int:
    n = len(text)
    if text.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and text[j] in "0123456789abcdefABCDEF":
            j += 1
        return j
    j = i
    while j < n and text[j].isascii() and text[j].isdigit():
        j += 1
    if j < n and text[j] == ".":
        j += 1
        while j < n and text[j].isascii() and text[j].isdigit():
            j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k].isascii() and text[k].isdigit():
            while k < n and text[k].isascii() and text[k].isdigit():
                k += 1
            j = k
    return j


def lex(text: str, dialect: str) -> list[tuple[str, str]]:
    """``text`` as ``dialect``'s server reads it: (kind, value) tokens, kind one
    of ``word``, ``name`` (quoted identifier), ``string``, ``number``, ``punct``;
    comments dropped; an unterminated literal or comment ends the list."""
    pg_like = dialect in ("postgresql", "duckdb")
    nested = dialect != "sqlite"
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        if text.startswith("--", i):
            ends = "\n" if dialect == "sqlite" else "\n\r"
            j = i
            while j < n and text[j] not in ends:
                j += 1
            i = j
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if nested and text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            if depth:
                return tokens
            i = j
            continue
        # string literals, with the prefixes each dialect knows
        prefix = 0
        head = text[i:i + 3].upper()
        if pg_like and head.startswith("U&'"):
            prefix = 2
        elif head[:2] in ("N'", "X'") or (pg_like and head[:2] in ("E'", "B'")):
            prefix = 1
        if text.startswith("'", i + prefix):
            escape = pg_like and head[:1] == "E" and prefix == 1
            j = _quoted_end(text, i + prefix, "'", True, backslash=escape)
            if j < 0:
                return tokens
            tokens.append(("string", text[i + prefix + 1:j - 1]))
            i = j
            continue
        if pg_like and head.startswith('U&"'):
            i += 2
            ch = '"'
        if ch == '"' or (ch == "[" and dialect in ("mssql", "sqlite")) or (
                ch == "`" and dialect == "sqlite"):
            close = {'"': '"', "[": "]", "`": "`"}[ch]
            j = _quoted_end(text, i, close, doubled=not (ch == "[" and dialect == "sqlite"))
            if j < 0:
                return tokens
            tokens.append(("name", text[i + 1:j - 1]))
            i = j
            continue
        if pg_like and ch == "$":
            m = re.match(r"\$([A-Za-z_\x80-\U0010ffff][A-Za-z0-9_\x80-\U0010ffff]*)?\$", text[i:])
            if m:
                j = text.find(m.group(0), i + len(m.group(0)))
                if j < 0:
                    return tokens
                tokens.append(("string", text[i + len(m.group(0)):j]))
                i = j + len(m.group(0))
                continue
        if ch.isascii() and ch.isdigit() or (ch == "." and text[i + 1:i + 2].isdigit()):
            j = _number_end(text, i, dialect)
            tokens.append(("number", text[i:j]))
            i = j
            continue
        if _is_word_char(ch, dialect, start=True):
            j = i + 1
            while j < n and _is_word_char(text[j], dialect, start=False):
                j += 1
            tokens.append(("word", text[i:j]))
            i = j
            continue
        tokens.append(("punct", ch))
        i += 1
    return tokens


def hidden_writes(text: str, dialect: str) -> list[str]:
    """What in ``text`` ``dialect``'s server would run besides one read:
    empty for a single harmless SELECT (see the notes above ``STATEMENT_WORDS``)."""
    tokens = lex(text, dialect)
    found = []
    for k, (kind, value) in enumerate(tokens):
        after = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
        if (kind == "punct" and value == ";" and "a second statement after ';'" not in found
                and any(t != ("punct", ";") for t in tokens[k + 1:])):
            found.append("a second statement after ';'")
        if kind == "word":
            # a number glued to letters (1DROP, 1e1INTO): the letters, with and without the e
            words = [value.upper()]
            if k and tokens[k - 1][0] == "number" and value[:1] in "eE" and len(value) > 1:
                words.append(value[1:].upper())
            for word in words:
                if word in ANYWHERE_WORDS or (word in STATEMENT_WORDS
                                              and _starts_statement(tokens, k, dialect)):
                    found.append(word)
                if after[0] == "word" and (word, after[1].upper()) in WRITE_PAIRS:
                    found.append(f"{word} {after[1].upper()}")
            if dialect == "duckdb" and value.upper() in ("FROM", "JOIN") and after[0] == "string":
                found.append(f"{value.upper()} '...' (a file)")
        alias = k > 0 and tokens[k - 1][0] == "word" and tokens[k - 1][1].upper() == "AS"
        if (kind in ("word", "name") and after == ("punct", "(") and not alias
                and _denied(value, dialect)):
            found.append(f"{value}()")
    return found


# --- real engines' own parsers, in process --------------------------------------------------------

#: schema -> an in-memory SQLite holding it (made once per process)
_SQLITE_READS: dict = {}


def sqlite_side_effects(text: str, schema: str = "CREATE TABLE victim (x INTEGER)") -> list[str]:
    """Compile and run ``text`` in an in-memory SQLite whose authorizer allows
    reads only; return what it had to deny (or "several statements")."""
    import sqlite3
    con = _SQLITE_READS.get(schema)
    if con is None:
        con = sqlite3.connect(":memory:", check_same_thread=False)
        con.executescript(schema)
        _SQLITE_READS[schema] = con
    denied: list[str] = []
    allowed = (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE)

    def authorize(action, arg1, arg2, _db, _source):
        if action in allowed:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION and not _denied(arg2 or "", "sqlite"):
            return sqlite3.SQLITE_OK
        denied.append(f"action {action} ({arg1}, {arg2})")
        return sqlite3.SQLITE_DENY

    con.set_authorizer(authorize)
    try:
        con.execute(text).fetchmany(3)
    except (sqlite3.ProgrammingError, sqlite3.Warning) as exc:
        if "one statement" in str(exc):
            denied.append("several statements")
    except Exception:  # noqa: BLE001 - a statement SQLite refuses has no effect
        pass
    finally:
        con.set_authorizer(None)
        con.rollback()
    return denied


def duckdb_statements(text: str) -> list[str] | None:
    """The statement types DuckDB's own parser finds in ``text`` (None when it
    cannot parse it: DuckDB would run nothing)."""
    import duckdb
    try:
        return [str(s.type).rsplit(".", 1)[-1] for s in duckdb.extract_statements(text)]
    except Exception:  # noqa: BLE001
        return None


# --- the engines: a database, a watched folder, the state before and after ------------------------

ENGINE_DIALECT = {"postgres": "postgresql", "duckdb": "duckdb", "sqlite": "sqlite"}

#: Names of files a payload could leave in the working folder.
_LOOT = re.compile(r"(leak|attached|vacuum|export|program|lo|w|ext|att|vac|pwned)"
                   r"(\.\w+)?|.*\.(csv|parquet|sqlite|duckdb|db|xel)", re.IGNORECASE)


def _libpq_target(odbc: str) -> str:
    """A libpq connection string for the server behind a psqlODBC string."""
    parts = dict(p.split("=", 1) for p in odbc.split(";") if "=" in p)
    keys = {"SERVER": "host", "PORT": "port", "DATABASE": "dbname", "UID": "user",
            "PWD": "password"}
    return " ".join(f"{keys[k]}={v}" for k, v in parts.items() if k in keys)


class Arena:
    """One database of ``kind`` (``conftest.make_db``) holding the tables of
    ``ddl`` with ``rows`` ({table: [row tuples]}), a watched folder the
    database server can write to, and the state to compare after each case.

    ``changes()`` compares everything with the state after building (rows of
    every table and view, the objects, files in the watched folder, the
    database folder and the working folder) and restores the baseline when
    anything differs, so one bad case cannot poison the next.  With
    ``dblink``, PostgreSQL gets the dblink extension in the test schema
    (``dblink_here`` says whether it could) and ``render`` fills in
    ``@DBLINK@`` (a connection string back to this server) and ``@VICTIM@``.
    """

    def __init__(self, kind: str, folder: Path, ddl, rows: dict, dblink: bool = False):
        from tests.conftest import make_db
        self.kind, self.dialect = kind, ENGINE_DIALECT[kind]
        self.folder, self.ddl, self.rows = folder, tuple(ddl), dict(rows)
        self.db, self._drop = make_db(kind, folder)
        self.url = self.db.url
        # outside pytest's private tmp folder, writable by the PostgreSQL server's user
        self.watch = Path(tempfile.mkdtemp(prefix="leostata-watch-"))
        self.watch.chmod(0o777)
        self.dblink, self.victim, self.dblink_here = "dbname=leostata_test", "victim", False
        self._build()
        if dblink and kind == "postgres":
            eng = self.db.writer()
            try:
                with eng.begin() as conn:
                    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
                    conn.exec_driver_sql(f"CREATE EXTENSION IF NOT EXISTS dblink SCHEMA {schema}")
                    # one per database: made by another run, it may live elsewhere
                    self.dblink_here = conn.exec_driver_sql(
                        "SELECT extnamespace::regnamespace::text FROM pg_extension "
                        "WHERE extname = 'dblink'").scalar() == schema
            finally:
                eng.dispose()
            self.victim = f"{schema}.victim"
            self.dblink = _libpq_target(os.environ["LEOSTATA_TEST_PG_ODBC"])
        self.baseline = self.state()

    def render(self, text: str) -> str:
        return bind(text, str(self.watch)).replace("@DBLINK@", self.dblink).replace(
            "@VICTIM@", self.victim)

    def _build(self) -> None:
        eng = self.db.writer()
        try:
            with eng.begin() as conn:
                for ddl in self.ddl:
                    conn.exec_driver_sql(ddl)
                for table, rows in self.rows.items():
                    if not rows:
                        continue
                    marks = ", ".join(f":c{i}" for i in range(len(rows[0])))
                    conn.execute(sa.text(f"INSERT INTO {table} VALUES ({marks})"),
                                 [{f"c{i}": v for i, v in enumerate(row)} for row in rows])
        finally:
            eng.dispose()

    def _objects(self, conn) -> list[tuple[str, str]]:
        if self.kind == "sqlite":
            sql = ("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') "
                   "AND name NOT LIKE 'sqlite_%'")
        else:
            sql = ("SELECT table_name, table_type FROM information_schema.tables "
                   "WHERE table_schema = current_schema()")
        return sorted((str(n), str(t).lower()) for n, t in conn.exec_driver_sql(sql))

    def state(self) -> dict:
        eng = self.db.writer()
        try:
            with eng.connect() as conn:
                objects = self._objects(conn)
                data = {}
                for name, _ in objects:
                    quoted = '"' + name.replace('"', '""') + '"'
                    data[name] = sorted(repr(tuple(r)) for r in
                                        conn.exec_driver_sql(f"SELECT * FROM {quoted}"))
        finally:
            eng.dispose()
        return {"objects": objects, "rows": data,
                "watched files": sorted(p.relative_to(self.watch).as_posix()
                                        for p in self.watch.rglob("*")),
                "database folder": sorted(os.listdir(self.folder)),
                # a relative path in a payload lands here (other files come and go)
                "working folder": sorted(n for n in os.listdir(os.getcwd())
                                         if _LOOT.fullmatch(n))}

    def changes(self) -> dict:
        """What differs from the baseline (then restored); empty if nothing."""
        now = self.state()
        diff = {k: (self.baseline[k], now[k]) for k in now if now[k] != self.baseline[k]}
        if diff:
            self.restore(now)
        return diff

    def restore(self, now: dict) -> None:
        eng = self.db.writer()
        cascade = " CASCADE" if self.kind == "postgres" else ""
        try:
            with eng.begin() as conn:
                for name, kind in now["objects"]:
                    quoted = '"' + name.replace('"', '""') + '"'
                    what = "VIEW" if "view" in kind else "TABLE"
                    conn.exec_driver_sql(f"DROP {what} IF EXISTS {quoted}{cascade}")
        finally:
            eng.dispose()
        self._build()
        shutil.rmtree(self.watch, ignore_errors=True)
        self.watch.mkdir(exist_ok=True)
        self.watch.chmod(0o777)

    def run_unguarded(self, sql: str) -> None:
        """Send ``sql`` on a writable connection in autocommit (no driver
        defence: only a checker stands between the text and a write)."""
        eng = self.db.writer()
        try:
            if self.kind == "postgres":
                with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql(sql)
            else:
                with eng.begin() as conn:
                    conn.exec_driver_sql(sql)
        except Exception:  # noqa: BLE001 - an error is no write; the state check decides
            pass
        finally:
            eng.dispose()

    def close(self) -> None:
        self._drop()
        shutil.rmtree(self.watch, ignore_errors=True)


def run_cli(*argv: str) -> tuple[int, str, str]:
    """``leostata ARGV`` in process: (exit status, stdout, stderr).  Any
    exception other than argparse's SystemExit propagates (a traceback)."""
    from leostata import cli
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse: usage error
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def assert_stata_style(code: int, err: str) -> None:
    """Success, or a Stata-style error ending in r(#); never a traceback."""
    assert "Traceback" not in err, err
    assert code in (0, 1), f"exit status {code}: {err}"
    if code == 1:
        assert re.search(r"r\(\d+\);\s*$", err), err
