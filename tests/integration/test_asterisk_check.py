"""The engine against an Asterisk whose configuration drifts from the YAML after start-up."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from switchboard.fakepbx.calls import Outcome
from tests.integration.engine_world import VETLANDA, world, world_config


async def test_a_queue_gone_after_a_restart_makes_the_engine_unready(tmp_path: Path) -> None:
    """Asterisk comes back without vetlanda's queue: the engine reports unready and sends the
    tenant's callers to the static fallback, and is ready again once the queue is back."""
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        await w.until(lambda: w.engine.ready)
        full = w.sim.config
        drifted = replace(
            full, queues=tuple(q for q in full.queues if q.name != "vetlanda-switchboard")
        )
        w.sim.config = w.sim.pbx.config = drifted  # type: ignore[union-attr]
        await w.sim.restart()
        await w.until(lambda: w.engine.absent is not None and bool(w.engine.absent))
        assert not w.engine.ready
        assert w.engine.absent is not None
        assert w.engine.absent.queues == ("vetlanda-switchboard",)
        call = w.sim.place_call(VETLANDA)
        outcome: Outcome = await asyncio.wait_for(call.outcome, 10)
        assert outcome.kind == "fallback"
        assert call.has_step("outcome fallback")
        w.sim.config = w.sim.pbx.config = full  # type: ignore[union-attr]
        await w.sim.restart()
        await w.until(lambda: w.engine.ready)


async def test_a_reload_naming_a_device_asterisk_lacks_makes_the_engine_unready(
    tmp_path: Path,
) -> None:
    """A reload adds an operator whose endpoint Asterisk does not have: unready, named."""
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        await w.until(lambda: w.engine.ready)
        ami, agi = w.config.engine.ami.port, w.config.engine.agi.port
        more = world_config(tmp_path, {"1001": "vetlanda", "1009": "savsjo"}, agi, ami)
        w.engine.reloader.load = lambda: more
        assert (await w.engine.reloader.reload()).result == "applied"
        await w.until(lambda: w.engine.absent is not None and bool(w.engine.absent))
        assert w.engine.absent is not None
        assert (w.engine.absent.queues, w.engine.absent.devices) == ((), ("PJSIP/1009",))
        assert not w.engine.ready
        assert w.engine.refused is not None
        assert not w.engine.refused.is_set()  # it runs on
