"""session.py: the embedded synthetic database is built on first use and
rebuilt when an older generator made it."""

import sqlalchemy as sa

from leostata import config, synth
from leostata.catalog import INFO_TABLE
from leostata.connection import engine_for
from leostata.session import ensure_synthetic


def _recorded_version(path) -> str:
    engine = engine_for("duckdb:///" + path.as_posix())
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT value FROM {INFO_TABLE} "
                                        "WHERE key = 'generator_version'")).scalar()
    finally:
        engine.dispose()


def test_a_file_from_an_older_generator_is_rebuilt_and_a_current_one_kept(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    said = []
    path = ensure_synthetic(persons=60, seed=2, say=said.append)
    assert _recorded_version(path) == synth.GENERATOR_VERSION and said
    built = path.stat().st_mtime_ns

    said.clear()
    assert ensure_synthetic(persons=60, seed=2, say=said.append) == path
    assert said == [] and path.stat().st_mtime_ns == built  # current: kept as it is

    writer = engine_for("duckdb:///" + path.as_posix(), readonly=False)
    with writer.begin() as conn:
        conn.execute(sa.text(f"UPDATE {INFO_TABLE} SET value = '0.9' WHERE key = 'generator_version'"))
    writer.dispose()
    ensure_synthetic(persons=60, seed=2, say=said.append)
    assert "made by generator 0.9" in said[0]
    assert _recorded_version(path) == synth.GENERATOR_VERSION
