"""The engine killed (SIGKILL) with callers waiting and talking, then started again: nobody is
lost, every record is kept once, and the waiting callers keep their place from first arrival."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from switchboard.core.records import CallRecord
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers
from tests.integration.engine_world import TEMPLATE, VETLANDA, free_port
from tests.records import read_records

OPERATORS = ("1001", "1002", "1003", "1004", "1005")


def write_config(tmp: Path, agi: int, ami: int) -> Path:
    agents = "\n".join(
        f"  op{ep}: {{device: PJSIP/{ep}, home: vetlanda, skills: {{vaxel: 3}}}}"
        for ep in OPERATORS
    )
    text = TEMPLATE.format(agi=agi, ami=ami, store=tmp / "sb.db", agents=agents)
    text = text.replace("wrapup_s: 5", "wrapup_s: 0")
    path = tmp / "sb.yaml"
    path.write_text(text, "utf-8")
    return path


@asynccontextmanager
async def engine_process(config: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`switchboard run` until it read Asterisk's state; killed on the way out."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchboard", "run", "-c", str(config),
        stderr=asyncio.subprocess.PIPE, env={**os.environ},
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        async with asyncio.timeout(15):
            while True:
                line = await proc.stderr.readline()
                assert line, "the engine exited before reading Asterisk's state"
                if json.loads(line).get("event") == "delivery possible":
                    break
        drain = asyncio.create_task(_drain(proc.stderr))
        yield proc
        drain.cancel()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def records(db: Path) -> dict[str, CallRecord]:
    return {r.id: r for r in await asyncio.to_thread(read_records, db)}


async def records_when(
    db: Path, ready: Callable[[dict[str, CallRecord]], bool]
) -> dict[str, CallRecord]:
    """The records once `ready` holds for them (the engine's writer commits off its loop)."""
    async with asyncio.timeout(15):
        # Polls: another process writes the database; nothing signals this one.
        while not ready(found := await records(db)):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    return found


async def test_engine_killed_with_30_waiting_and_5_talking(tmp_path: Path) -> None:
    agi = free_port()
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=3000, requeue_wait_s=3000),
        endpoints=OPERATORS,
        queues=(
            QueueConfig("vetlanda-switchboard"),
            QueueConfig("savsjo-switchboard"),
            QueueConfig("switchboard-fallback"),
        ),
        time_scale=0.1,
    )
    async with Simulator(sim_config) as sim:
        for ep in OPERATORS:
            sim.register(ep, answers(0.2, hangup_after_s=40))  # 4 s of talk
        config = write_config(tmp_path, agi, sim.ami_port)
        db = tmp_path / "sb.db"
        async with engine_process(config) as first:
            for ep in OPERATORS:
                assert await sim.feature_code(ep, "login") == "ok"
            talking = [sim.place_call(VETLANDA, f"07030000{i:02d}") for i in range(5)]
            await asyncio.wait_for(asyncio.gather(*(c.outcome for c in talking)), 10)
            for ep in OPERATORS:  # later calls are short
                sim.set_behaviour(ep, answers(0.2, hangup_after_s=2))
            waiting = [sim.place_call(VETLANDA, f"07031000{i:02d}") for i in range(30)]
            queue = sim.pbx.queues["vetlanda-switchboard"] if sim.pbx else None
            assert queue is not None
            await sim.wait_until(lambda: len(queue.entries) == 30, 10)
            # written at each milestone, before any of them ended
            before = await records_when(
                db, lambda found: sum(r.queued_at is not None for r in found.values()) == 35
            )
            assert all(r.outcome is None for r in before.values())
            first.send_signal(signal.SIGKILL)
            await first.wait()
            killed_at = time.time()
        async with engine_process(config):
            outcomes = await asyncio.wait_for(
                asyncio.gather(*(c.outcome for c in talking + waiting)), 60
            )
            assert {o.kind for o in outcomes} == {"answered"}
            await asyncio.wait_for(asyncio.gather(*(c.ended for c in talking + waiting)), 30)
            after = await records_when(
                db, lambda found: all(r.outcome is not None for r in found.values())
            )
    assert set(after) == set(before)  # none lost, none duplicated
    assert {r.outcome for r in after.values()} == {"answered"}
    for call in talking:
        record = after[call.uniqueid]
        assert record.answered_by is not None
        assert "restored" in [what for _, what in record.timeline]
    for call in waiting:
        record, first_seen = after[call.uniqueid], before[call.uniqueid]
        assert record.queued_at == first_seen.queued_at  # the place counts from first arrival
        assert record.arrived_at == first_seen.arrived_at
        assert record.answered_at is not None
        assert record.queued_at is not None
        assert record.queued_at < killed_at < record.answered_at  # waited across the restart
