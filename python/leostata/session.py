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
        made_by = _generator_version(path)
        if made_by in (None, config.SYNTH_GENERATOR_VERSION):  # None: unreadable now; keep it
            return path
        if say:
            say(f"the synthetic database in {path} was made by generator {made_by}; "
                f"rebuilding it with generator {config.SYNTH_GENERATOR_VERSION}")
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
    return path


def _generator_version(path: Path) -> Optional[str]:
    """The generator version a synthetic file records ("" when it records
    none), or None when the file cannot be read now (e.g. open elsewhere)."""
    import sqlalchemy as sa
    from .catalog import INFO_TABLE
    try:
        engine = engine_for("duckdb:///" + path.as_posix())
    except Exception:  # noqa: BLE001 - unreadable: leave the file alone
        return None
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.select(sa.column("value")).select_from(sa.table(INFO_TABLE))
                                 .where(sa.column("key") == "generator_version")).scalar()
        return "" if value is None else str(value)
    except Exception:  # noqa: BLE001
        return None
    finally:
        engine.dispose()


def open_session(url: str | None = None, schema: str | None = None,
                 say: Optional[Callable[[str], None]] = None) -> Session:
    """Resolve the connection and open it; the synthetic database is built on
    first use.  The catalog reads table names through the setting's site
    layout (``config.site_layout``)."""
    setting = config.resolve(url, schema)
    layout = load_layout(setting.layout, setting.project)  # a bad layout stops before connecting
    if setting.source == "synthetic":
        ensure_synthetic(say=say)
    elif setting.synthetic:
        if not Path(setting.url[len("duckdb:///"):]).exists():
            raise ConnectionFailed(f"synthetic database file not found: {setting.shown}",
                                   hint="run leoset synthetic (or leostata synth) to build it")
    engine = engine_for(setting)
    try:
        with engine.connect():
            pass
    except Exception as exc:
        engine.dispose()
        raise ConnectionFailed(f"could not connect to {setting.shown}",
                               hint=_reason(exc)) from exc
    return Session(setting, engine, Catalog(engine, setting.schema, list(setting.metadata_files),
                                            layout))


def _reason(exc: Exception) -> str:
    """A one-line reason for a failed connection, with secrets masked."""
    text = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
    return "reason: " + config.mask_url(text)
