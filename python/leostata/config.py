"""Where leostata connects, and where it keeps its files.

Takes the ``--url`` given on the command line (or by ``leoset``) and returns a
``Setting``: the SQLAlchemy URL to use and where it came from.  Precedence
(design.md): ``--url`` > ``LEOSTATA_URL`` > the user config file (written by
``leoset ..., permanently``) > the embedded synthetic database.

The site layout (which database.schema each table lives in; see ``layout``)
comes with the setting: the synthetic database always uses the built-in
``synthetic`` layout; any other connection uses ``LEOSTATA_LAYOUT`` > the
config file's ``[layout] file`` > none.  The project schema that fills
``{project}`` comes from ``LEOSTATA_PROJECT`` > ``[layout] project``.

Secrets never leave this module unmasked for display: use ``mask_url``.
"""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "LEOSTATA_URL"
ENV_HOME = "LEOSTATA_HOME"  # overrides both the config and the data folder (tests, SRS shares)
ENV_LAYOUT = "LEOSTATA_LAYOUT"    # a site layout: srs, synthetic, none or an INI file path
ENV_PROJECT = "LEOSTATA_PROJECT"  # the project schema name that fills {project}
SYNTHETIC_LAYOUT = "synthetic"

SYNTH_PERSONS = 20_000
SYNTH_SEED = 1
# the synthetic generator's version, recorded in the file it builds; a file made by
# another version is rebuilt (session.ensure_synthetic).  Here, not in synth, so
# that checking it does not import the generator's numpy/pandas.
# 1.1: tinyint columns; provenance and value labels in the metadata
SYNTH_GENERATOR_VERSION = "1.1"


@dataclass(frozen=True)
class Setting:
    """A resolved connection: ``url`` (secret, never print it), ``source``
    (``"option"``, ``"environment"``, ``"config file"`` or ``"synthetic"``) and
    ``synthetic`` (True when the embedded synthetic database is used)."""

    url: str
    source: str
    synthetic: bool = False
    schema: str | None = None
    metadata_files: tuple[str, ...] = ()
    layout: str | None = None
    project: str | None = None

    @property
    def shown(self) -> str:
        """The URL with credentials masked, safe to print."""
        return mask_url(self.url)

    def __repr__(self) -> str:  # a Setting in a message or traceback shows no secret
        return (f"Setting(url={self.shown!r}, source={self.source!r}, "
                f"synthetic={self.synthetic!r}, schema={self.schema!r}, "
                f"metadata_files={self.metadata_files!r}, layout={self.layout!r}, "
                f"project={self.project!r})")


def config_dir() -> Path:
    """The user's config folder for leostata (platform convention)."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "leostata"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "leostata"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "leostata"


def data_dir() -> Path:
    """The user's data folder, where the synthetic database lives."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "leostata"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "leostata"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "leostata"


def config_file() -> Path:
    return config_dir() / "leostata.ini"


def synthetic_path(persons: int = SYNTH_PERSONS, seed: int = SYNTH_SEED) -> Path:
    """The DuckDB file of the synthetic database for a size and seed."""
    return data_dir() / f"synthetic-{persons}-{seed}.duckdb"


def synthetic_url(persons: int = SYNTH_PERSONS, seed: int = SYNTH_SEED) -> str:
    return "duckdb:///" + synthetic_path(persons, seed).as_posix()


def _parser() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    if config_file().is_file():
        parser.read(config_file(), encoding="utf-8")
    return parser


def read_config() -> dict[str, str]:
    """The ``[connection]`` section of the user config file ({} if none)."""
    parser = _parser()
    return dict(parser["connection"]) if parser.has_section("connection") else {}


def metadata_files() -> tuple[str, ...]:
    """Metadata files registered with ``leoset metadata`` (in order)."""
    parser = _parser()
    if not parser.has_section("metadata"):
        return ()
    return tuple(f for f in parser["metadata"].get("files", "").split("\n") if f.strip())


def sdc_profile_file() -> str | None:
    """The user's disclosure-control profile: ``[disclosure] profile`` in the
    config file, or None."""
    raw = _parser().get("disclosure", "profile", fallback="").strip()
    return raw or None


#: The result cache's size cap unless ``[cache] size_mb`` says otherwise.
CACHE_DEFAULT_MB = 2048


def cache_limit() -> int:
    """The result cache's size cap in bytes: ``[cache] size_mb`` in the
    config file (``leostata cache --size MB``; 0 turns the cache off), else
    ``CACHE_DEFAULT_MB``; an unreadable value counts as the default."""
    raw = _parser().get("cache", "size_mb", fallback="").strip()
    try:
        mb = float(raw) if raw else CACHE_DEFAULT_MB
    except ValueError:
        mb = CACHE_DEFAULT_MB
    return max(int(mb * 2**20), 0)


#: How long a cached result may answer unless ``[cache] max_age_hours`` says
#: otherwise: a bound on what the catalog state cannot see (an UPDATE in place
#: on SQL Server, a view reading the clock).
CACHE_DEFAULT_HOURS = 24


def cache_max_age() -> float:
    """Seconds a cached result may answer: ``[cache] max_age_hours`` in the
    config file, else ``CACHE_DEFAULT_HOURS``; an unreadable value counts as
    the default."""
    raw = _parser().get("cache", "max_age_hours", fallback="").strip()
    try:
        hours = float(raw) if raw else CACHE_DEFAULT_HOURS
    except ValueError:
        hours = CACHE_DEFAULT_HOURS
    return max(hours, 0.0) * 3600


def write_cache_limit(mb: float) -> Path:
    """Remember the result cache's size cap (MB) in the config file's
    ``[cache]`` section; returns the file's path."""
    parser = _parser()
    if not parser.has_section("cache"):
        parser.add_section("cache")
    parser["cache"]["size_mb"] = f"{mb:g}"
    return _save(parser)


def site_layout(synthetic: bool) -> tuple[str | None, str | None]:
    """``(layout, project)`` for a connection: the layout name or file
    (``synthetic`` for the synthetic database, else ``LEOSTATA_LAYOUT`` > the
    config file's ``[layout] file`` > None) and the project schema
    (``LEOSTATA_PROJECT`` > ``[layout] project`` > None)."""
    parser = _parser()
    saved = dict(parser["layout"]) if parser.has_section("layout") else {}
    project = os.environ.get(ENV_PROJECT, "").strip() or saved.get("project", "").strip() or None
    if synthetic:
        return SYNTHETIC_LAYOUT, project
    layout = os.environ.get(ENV_LAYOUT, "").strip() or saved.get("file", "").strip() or None
    return layout, project


def write_layout(layout: str | None, project: str | None = None) -> Path:
    """Remember the site layout (a built-in name or a file path) and the
    project schema in the config file's ``[layout]`` section; returns its path."""
    parser = _parser()
    parser["layout"] = {**({"file": layout} if layout else {}),
                        **({"project": project} if project else {})}
    return _save(parser)


def add_metadata_file(path: str) -> Path:
    """Register a metadata file (absolute path) in the user config file."""
    parser = _parser()
    files = [f for f in metadata_files() if f != path] + [path]
    parser["metadata"] = {"files": "\n".join(files)}
    return _save(parser)


def write_config(url: str, schema: str | None = None) -> Path:
    """Remember ``url`` (and ``schema``) in the user config file; returns its path.

    The file is created readable by the user only where the platform allows.
    """
    parser = _parser()
    parser["connection"] = {"url": url, **({"schema": schema} if schema else {})}
    return _save(parser)


def _save(parser: configparser.ConfigParser) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        parser.write(fh)
    try:
        os.chmod(path, 0o600)
    except OSError:  # pragma: no cover - Windows ACLs
        pass
    return path


def resolve(url: str | None = None, schema: str | None = None) -> Setting:
    """Apply the precedence rule and return the ``Setting`` to connect with."""
    files = metadata_files()
    saved = read_config()
    if url:
        found = (url, "option", schema)
    elif os.environ.get(ENV_URL):
        found = (os.environ[ENV_URL], "environment", schema)
    elif saved.get("url"):
        found = (saved["url"], "config file", schema or saved.get("schema"))
    else:
        found = (synthetic_url(), "synthetic", schema)
    synthetic = found[1] == "synthetic" or is_synthetic_url(found[0])
    return Setting(found[0], found[1], synthetic, found[2], files, *site_layout(synthetic))


def is_synthetic_url(url: str) -> bool:
    """True for a URL naming a file in the synthetic database's folder."""
    return url.startswith("duckdb:///") and Path(url[len("duckdb:///"):]).name.startswith("synthetic-")


# --- masking secrets ---------------------------------------------------------------------
#
# ``mask_url`` is applied to URLs, ODBC connection strings and free text that may
# contain them (driver error messages, traceback lines).  It reads the text the way
# SQLAlchemy and the ODBC driver manager would, rather than with one regular
# expression, and it reads it several times: as typed, and after up to three rounds
# of URL decoding (``%3D`` -> ``=``, ``+`` -> space), so that a secret is found
# whether it is written plainly, inside a URL-encoded ``odbc_connect=`` string, or
# encoded twice.  Every span found in any reading is masked in the original text.
# Where a reading is ambiguous the mask is made wider, never narrower: showing less
# of a host name is a nuisance, showing part of a password is a leak.

#: Key words that make a ``key=value`` pair secret when the key (lower-cased, without
#: ``_ - .`` and spaces) contains one of them (``PWD``, ``Password``, ``sslpassword``,
#: ``client_secret``, ``AccessToken``, ``api_key`` ...) or equals one of _SECRET_EXACT.
_SECRET_PARTS = ("pwd", "passw", "secret", "token", "apikey", "privatekey", "credential")
_SECRET_EXACT = ("pass", "pw")
_KEY = re.compile(r"(?<![A-Za-z0-9_.\-])([A-Za-z0-9_.\-]+)[ \t]*=")
_QUOTED_KEY = re.compile(r"""(['"])([A-Za-z0-9_.\- ]+)\1[ \t]*[:=][ \t]*""")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_QUERY_NEXT = re.compile(r"&(?=[A-Za-z0-9_.\-]+=)")
_PORT = re.compile(r"[0-9]+(?:[/?#\s]|$)")
_VALUE_STOP = re.compile(r"[,}\s]")
_HEX = "0123456789abcdefABCDEF"


def _is_secret_key(key: str) -> bool:
    k = re.sub(r"[_.\- ]", "", key).lower()
    return k in _SECRET_EXACT or any(part in k for part in _SECRET_PARTS)


def _decoded(view: list) -> list:
    """One round of URL decoding of ``view``, a list of ``(char, start, end)``
    (each char with the span of the original text it stands for)."""
    out, i = [], 0
    while i < len(view):
        ch = view[i][0]
        if (ch == "%" and i + 2 < len(view)
                and view[i + 1][0] in _HEX and view[i + 2][0] in _HEX):
            out.append((chr(int(view[i + 1][0] + view[i + 2][0], 16)), view[i][1], view[i + 2][2]))
            i += 3
            continue
        out.append((" " if ch == "+" else ch, view[i][1], view[i][2]))
        i += 1
    return out


def _userinfo_spans(s: str) -> list:
    """Spans of the password in every ``scheme://user:password@host`` of ``s``.

    The user name runs to the first ``:`` or ``/`` (SQLAlchemy's rule; it may hold an
    ``@``, as Azure's ``user@server`` does).  The password then runs to the *last*
    ``@`` of the text: SQLAlchemy stops at the first ``@``, so a raw ``@`` in a
    password would otherwise leave its tail on show.  Without any ``@`` after it, the
    text after the colon is a port (digits) or a bracketed IPv6 host - or else a URL
    cut short inside its password, which is masked to the end.
    """
    spans = []
    for m in _SCHEME.finditer(s):
        i = m.end()
        while i < len(s) and s[i] not in ":/\n":
            i += 1
        if i >= len(s) or s[i] != ":":
            continue
        start = i + 1
        at = s.rfind("@", start)
        if at > start:
            spans.append((start, at))
        elif (at < 0 and start < len(s) and not _PORT.match(s, start)
              and not s.startswith("[", m.end())):
            spans.append((start, len(s)))
    return spans


def _brace_end(s: str, i: int) -> int:
    """``s[i]`` is ``{``: the index after the ``}`` that closes it (``}}`` inside is
    an escaped brace, ODBC's rule); the end of ``s`` when it is never closed."""
    j = i + 1
    while True:
        k = s.find("}", j)
        if k < 0:
            return len(s)
        if s.startswith("}}", k):
            j = k + 2
            continue
        return k + 1


def _quote_end(s: str, i: int) -> int:
    """``s[i]`` is a quote: the index after its closing quote (a backslash escapes
    the next character); the end of ``s`` when it is never closed."""
    j = i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
            continue
        if s[j] == s[i]:
            return j + 1
        j += 1
    return len(s)


def _pair_spans(s: str) -> list:
    """Spans of the values of secret ``key=value`` pairs in ``s``.

    A key after ``?`` or ``&`` is a URL query parameter: its value ends at the next
    ``&name=``.  Any other key is read as an ODBC ``key=value;`` pair: a value in
    braces ends at its closing brace (``}}`` escapes a brace), a quoted value at its
    closing quote, and then - or any other value - at the next ``;``, so text after a
    badly escaped closing brace is masked too.  Spaces around ``=`` are allowed.  A
    value that never ends is masked to the end of the text.  Python and JSON
    spellings (``'password': 'x'``) are masked up to the closing quote.
    """
    spans = []
    for m in _KEY.finditer(s):
        if not _is_secret_key(m.group(1)):
            continue
        before = s[:m.start()].rstrip(" \t")
        v = m.end()
        while v < len(s) and s[v] in " \t":
            v += 1
        if v >= len(s):
            continue
        end = v
        if s[v] == "{":
            end = _brace_end(s, v)
        elif s[v] in "'\"":
            end = _quote_end(s, v)
        if before.endswith(("?", "&")):
            nxt = _QUERY_NEXT.search(s, end)
            end = nxt.start() if nxt else len(s)
        else:
            semi = s.find(";", end)
            end = semi if semi >= 0 else len(s)
        if end > v:
            spans.append((v, end))
    for m in _QUOTED_KEY.finditer(s):
        if not _is_secret_key(m.group(2)):
            continue
        v = m.end()
        if v < len(s) and s[v] in "'\"":
            end = _quote_end(s, v)
        else:
            stop = _VALUE_STOP.search(s, v)
            end = stop.start() if stop else len(s)
        if end > v:
            spans.append((v, end))
    return spans


def secret_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of ``text`` that ``mask_url`` hides, merged."""
    view = [(ch, i, i + 1) for i, ch in enumerate(text)]
    spans: list[tuple[int, int]] = []
    for level in range(4):
        s = "".join(ch for ch, _, _ in view)
        found = _pair_spans(s) + (_userinfo_spans(s) if level == 0 else [
            span for span in _userinfo_spans(s) if not _plain_scheme(view, s, span)])
        spans += [(view[a][1], view[b - 1][2]) for a, b in found if a < b]
        decoded = _decoded(view)
        if [ch for ch, _, _ in decoded] == list(s):
            break
        view = decoded
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _plain_scheme(view: list, s: str, span: tuple[int, int]) -> bool:
    """True when the ``://`` before ``span`` in a decoded reading was typed as such
    (that URL was already read undecoded; decoding it again would only widen the
    mask over an encoded ``%40`` in its query)."""
    k = s.rfind("://", 0, span[0])
    return k >= 0 and all(view[k + n][2] - view[k + n][1] == 1 for n in range(3))


def mask_url(url: str) -> str:
    """``url`` (or any text that may contain URLs and connection strings) with every
    credential replaced by ``***``.

    Masks the password of ``scheme://user:password@host`` whatever it contains
    (``@ / : ; { } %`` and spaces included), the values of secret ``key=value``
    pairs (``PWD``, ``Password``, ``sslpassword``, tokens and keys, in any case and
    with spaces around ``=``), ODBC values in braces with ``}}`` escapes, and the
    same inside URL-encoded strings such as ``odbc_connect=``.  It is used on error
    paths, so it never raises: should reading the text fail, all of it is masked.
    """
    try:
        spans = secret_spans(url)
    except Exception:  # pragma: no cover - a bug here must not hide the error shown
        return "***"
    out, last = [], 0
    for a, b in spans:
        out.append(url[last:a])
        out.append("***")
        last = b
    out.append(url[last:])
    return "".join(out)
