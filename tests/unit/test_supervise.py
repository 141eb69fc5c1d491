"""Supervised tasks: a crash is logged and the task restarted, never lost silently."""

from __future__ import annotations

import asyncio

from switchboard.engine.supervise import Supervisor


async def test_a_crashing_task_is_restarted_with_backoff() -> None:
    runs: list[int] = []
    third = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise RuntimeError("boom")
        third.set()
        await asyncio.Event().wait()

    sup = Supervisor(first_delay_s=0.01, max_delay_s=0.02)
    sup.spawn("flaky", flaky)
    await asyncio.wait_for(third.wait(), 2)
    assert sup.restarts["flaky"] == 2
    assert sup.tasks["flaky"].get_name() == "flaky"
    await sup.stop()
    assert sup.tasks == {}
