"""The test helper that runs a ``leoload`` command text to the end on a
session and keeps the result in memory (no size guard, no progress)."""

from __future__ import annotations

from leostata import commands
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter


def load(session, command: str) -> MemoryWriter:
    """Prepare ``command`` (the text after ``leoload``) on ``session``, stream
    its statement into a new MemoryWriter and return that writer."""
    job = commands.prepare_load(command, session)
    writer = MemoryWriter()
    stream(job.statement, session.engine, job.plan.outputs, writer, meta=job.meta())
    return writer
