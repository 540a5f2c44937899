"""Open the database a command should use: resolve the setting, build the
synthetic database when it is the target and missing, return engine + catalog.

Takes the ``--url``/``leoset`` URL (or None); returns a ``Session``.  Shared by
the CLI and the bridge, so both say the same thing about synthetic data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from . import config
from .catalog import Catalog
from .connection import engine_for
from .errors import ConnectionFailed
from .layout import load_layout

SYNTHETIC_NOTE = "(using the embedded SYNTHETIC database: the numbers are fake)"


@dataclass
class Session:
    setting: config.Setting
    engine: object
    catalog: Catalog

    @property
    def synthetic(self) -> bool:
        return self.setting.synthetic

    def close(self) -> None:
        self.engine.dispose()


def ensure_synthetic(persons: int = config.SYNTH_PERSONS, seed: int = config.SYNTH_SEED,
                     say: Optional[Callable[[str], None]] = None, force: bool = False) -> Path:
    """Build the synthetic DuckDB file for ``persons``/``seed`` unless it
    exists and was made by this version of the generator (an older file is
    rebuilt: its tables, types or metadata may differ)."""
    path = config.synthetic_path(persons, seed)
    if path.exists() and not force:
        try:
            engine = engine_for("duckdb:///" + path.as_posix())
        except Exception:  # noqa: BLE001 - unreadable now: leave the file alone
            return path
        try:
            if _is_current(engine, path, say):
                return path
        finally:
            engine.dispose()
    _build(path, persons, seed, say)
    return path


def _is_current(engine, path: Path, say: Optional[Callable[[str], None]]) -> bool:
    """False (after saying so) when the synthetic file at ``path``, open in
    ``engine``, records another generator version; True when it records
    this one, none, or cannot be read now (then it is kept as it is)."""
    made_by = _generator_version(engine)
    if made_by in (None, config.SYNTH_GENERATOR_VERSION):
        return True
    if say:
        say(f"the synthetic database in {path} was made by generator {made_by}; "
            f"rebuilding it with generator {config.SYNTH_GENERATOR_VERSION}")
    return False


def _build(path: Path, persons: int, seed: int, say: Optional[Callable[[str], None]]) -> None:
    """Write the synthetic database to ``path`` (built beside it, then moved)."""
    from . import synth
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.duckdb")
    tmp.unlink(missing_ok=True)
    if say:
        say(f"building the synthetic LEO-shaped database ({persons:,} persons, seed {seed}) in {path}")
    engine = engine_for("duckdb:///" + tmp.as_posix(), readonly=False)
    try:
        synth.build(engine, persons=persons, seed=seed,
                    progress=synth.default_progress if say else None)
    finally:
        engine.dispose()
    tmp.replace(path)


def _generator_version(engine) -> Optional[str]:
    """The generator version the synthetic database open in ``engine``
    records ("" when it records none), or None when it cannot be read now
    (e.g. open elsewhere)."""
    import sqlalchemy as sa
    from .catalog import INFO_TABLE
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.select(sa.column("value")).select_from(sa.table(INFO_TABLE))
                                 .where(sa.column("key") == "generator_version")).scalar()
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001
        return None


def open_session(url: str | None = None, schema: str | None = None,
                 say: Optional[Callable[[str], None]] = None, *,
                 synthetic: bool = False) -> Session:
    """Resolve the connection and open it; the synthetic database is built on
    first use (and rebuilt when an older generator made it).  The catalog
    reads table names through the setting's site layout
    (``config.site_layout``).  ``synthetic=True``: the embedded synthetic
    database, whatever ``url`` and the setting say."""
    setting = config.resolve(config.synthetic_url() if synthetic else url, schema)
    layout = load_layout(setting.layout, setting.project)  # a bad layout stops before connecting
    embedded = synthetic or setting.source == "synthetic"
    path = config.synthetic_path()
    if embedded and not path.exists():
        _build(path, config.SYNTH_PERSONS, config.SYNTH_SEED, say)
    elif setting.synthetic and not embedded:
        if not Path(setting.url[len("duckdb:///"):]).exists():
            raise ConnectionFailed(f"synthetic database file not found: {setting.shown}",
                                   hint="run leoset synthetic (or leostata synth) to build it")
    engine = _connected(setting)
    if embedded and not _is_current(engine, path, say):  # read in the session's own connection
        engine.dispose()
        _build(path, config.SYNTH_PERSONS, config.SYNTH_SEED, say)
        engine = _connected(setting)
    return Session(setting, engine, Catalog(engine, setting.schema, list(setting.metadata_files),
                                            layout))


def _connected(setting: config.Setting):
    """An engine for ``setting`` whose first connection succeeded; r(5101)
    ConnectionFailed with the reason otherwise."""
    engine = engine_for(setting)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        raise ConnectionFailed(f"could not connect to {setting.shown}",
                               hint=_reason(exc)) from exc
    return engine


def _reason(exc: Exception) -> str:
    """A one-line reason for a failed connection, with secrets masked."""
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
    return "reason: " + config.mask_url(text)
