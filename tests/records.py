"""Read the records an engine wrote, from a second connection as a report would."""

from __future__ import annotations

import asyncio
from pathlib import Path

from switchboard.core.records import CallRecord
from switchboard.engine.app import Engine
from switchboard.store.store import Store


def read_records(path: str | Path) -> list[CallRecord]:
    """Every call record in the SQLite file at `path`, oldest first."""
    store = Store(path)
    try:
        return store.records()
    finally:
        store.close()


async def engine_records(engine: Engine) -> list[CallRecord]:
    """Wait until the engine applied and wrote everything so far, then read its records."""
    await engine.live.settled()
    assert await asyncio.to_thread(engine.store.flush, 10.0), "store writes still pending"
    return await asyncio.to_thread(engine.store.records)
