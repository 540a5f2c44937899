"""Where leostata connects, and where it keeps its files.

Takes the ``--url`` given on the command line (or by ``leoset``) and returns a
``Setting``: the SQLAlchemy URL to use and where it came from.  Precedence
(design.md): ``--url`` > ``LEOSTATA_URL`` > the user config file (written by
``leoset ..., permanently``) > the embedded synthetic database.

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

SYNTH_PERSONS = 20_000
SYNTH_SEED = 1


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

    @property
    def shown(self) -> str:
        """The URL with credentials masked, safe to print."""
        return mask_url(self.url)


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


#: Counts below this are never shown exactly (ACRO's and the SRS's threshold).
DEFAULT_MIN_CELL_COUNT = 10


def min_cell_count() -> int:
    """The disclosure threshold: ``[disclosure] min_cell_count`` in the config
    file, else 10."""
    parser = _parser()
    raw = parser.get("disclosure", "min_cell_count", fallback="")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_MIN_CELL_COUNT


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
    if url:
        return Setting(url, "option", is_synthetic_url(url), schema, files)
    if os.environ.get(ENV_URL):
        env = os.environ[ENV_URL]
        return Setting(env, "environment", is_synthetic_url(env), schema, files)
    saved = read_config()
    if saved.get("url"):
        return Setting(saved["url"], "config file", is_synthetic_url(saved["url"]),
                       schema or saved.get("schema"), files)
    return Setting(synthetic_url(), "synthetic", True, schema, files)


def is_synthetic_url(url: str) -> bool:
    """True for a URL naming a file in the synthetic database's folder."""
    return url.startswith("duckdb:///") and Path(url[len("duckdb:///"):]).name.startswith("synthetic-")


_SECRET_KEYS = r"(?:PWD|PASSWORD|PASS|SECRET|TOKEN|ACCESSTOKEN|ACCESS_TOKEN|APIKEY|API_KEY)"
_SEPARATOR = r"(?:^|[;&?{]|%3B|%26|%3F)"
_VALUE = r"(?:\{[^}]*\}|%7B.*?%7D|.*?)(?=;|&|%3B|%26|$)"


def mask_url(url: str) -> str:
    """``url`` with every credential replaced by ``***``.

    Masks the password in ``user:password@host``, ``PWD=...``/``Password=...``
    pairs inside ODBC connection strings (also URL-encoded ones in
    ``odbc_connect=``) and ``password=`` query parameters.
    """
    masked = re.sub(r"(://[^/:@]*:)[^@/]*(@)", r"\1***\2", url)
    space = r"(?:\s|\+|%20)*"
    return re.sub(rf"(?i)({_SEPARATOR}{space}{_SECRET_KEYS}{space}(?:=|%3D){space}){_VALUE}",
                  r"\1***", masked)
