"""Announced waits against real waits: steady load through the fake PBX and the engine.

Six operators, talks lognormal around 120 s (sd 30), 10 s wrap-up, Poisson arrivals at about
93 % occupancy, announcements every 20 s (the offer timeout is long: at 200 simulated seconds
per real one, the loop's own latency would otherwise look like phones that never answer). For each caller who heard one, the first announced
wait is compared with the wait that followed it (after a 10-minute warm-up, for 40 minutes), both from the engine's call records (its
clock). Printed with `pytest -s`.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from pathlib import Path

from switchboard.cli import with_overrides
from switchboard.config.loader import parse_config
from switchboard.core.records import CallRecord
from switchboard.engine.app import Engine
from switchboard.fakepbx.calls import CallHandle
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers
from tests.integration.engine_world import World, free_port

SCALE = 200.0  # simulated seconds per real second
OPERATORS = 6
TALK_MEAN_S, TALK_SD_S, WRAPUP_S = 120.0, 30.0, 10
LOAD = 0.93
WARM_UP_S, MEASURED_S = 600.0, 2400.0
CONFIG = """
engine:
  agi: {{port: 0}}
dispatch: {{offer_timeout_s: 60, misses_before_pause: 5, wrapup_s: {wrapup}, handle_time_s: 120}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    announcements: {{every_s: 20}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
agents:
{agents}
"""


def lognormal(rng: random.Random) -> float:
    sigma = math.sqrt(math.log(1 + (TALK_SD_S / TALK_MEAN_S) ** 2))
    return rng.lognormvariate(math.log(TALK_MEAN_S) - sigma**2 / 2, sigma)


async def test_announced_wait_within_a_minute_for_most_callers(tmp_path: Path) -> None:
    arrivals, talks = random.Random(13), random.Random(14)
    endpoints = [str(1001 + i) for i in range(OPERATORS)]
    agi = free_port()
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=20, requeue_wait_s=20),
        endpoints=tuple(endpoints),
        queues=(QueueConfig("vetlanda-switchboard"), QueueConfig("switchboard-fallback")),
        time_scale=1 / SCALE,
        sound_s=1.0,
    )
    agents = "\n".join(
        f"  op{ep}: {{device: PJSIP/{ep}, home: vetlanda, skills: {{vaxel: 3}}}}"
        for ep in endpoints
    )
    text = CONFIG.format(wrapup=WRAPUP_S, agents=agents)
    async with Simulator(sim_config) as sim:
        for ep in endpoints:
            sim.register(ep, answers(1.0, talk_s=lambda: lognormal(talks)))
        config = with_overrides(
            parse_config(text, "steady.yaml", {"SWITCHBOARD_AMI__SECRET": "secret"}),
            f"127.0.0.1:{agi}",
            f"127.0.0.1:{sim.ami_port}",
            "127.0.0.1:0",
            str(tmp_path / "sb.db"),
        )
        start = time.time()
        engine = Engine(config, clock=lambda: start + (time.time() - start) * SCALE, tick_s=0.005)
        await engine.start()
        w = World(sim, engine, config)
        try:
            await engine.ami.wait_ready(5)
            await w.until(lambda: engine.bridge.snapshots > 0)
            for ep in endpoints:
                assert await sim.feature_code(ep, "login") == "ok"
            calls = await _arrivals(sim, arrivals)
            await asyncio.wait_for(asyncio.gather(*(c.outcome for c in calls)), 60)
            await w.until(lambda: not engine.live.state.calls)
            engine.store.flush(5.0)
            records = engine.store.records()
        finally:
            await engine.stop(5)
    within, errors, wrong_next = _score(records, start)
    share = within / len(errors)
    print(
        f"\nannounced vs real wait: {within}/{len(errors)} callers within ±60 s ({share:.0%}); "
        f"mean |error| {sum(map(abs, errors)) / len(errors):.0f} s, "
        f"median error {sorted(errors)[len(errors) // 2]:+.0f} s; wrong 'you are next': {wrong_next}"
    )
    assert len(errors) >= 40, "too few callers heard an announcement to judge"
    assert share >= 0.8
    assert wrong_next == 0


async def _arrivals(sim: Simulator, rng: random.Random) -> list[CallHandle]:
    """Poisson callers over the warm-up and the measured hour."""
    rate = LOAD * OPERATORS / (TALK_MEAN_S + WRAPUP_S + 1.0)
    pbx = sim.pbx
    assert pbx is not None
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    calls: list[CallHandle] = []
    while (loop.time() - t0) * SCALE < WARM_UP_S + MEASURED_S:
        await pbx.sleep(rng.expovariate(rate))  # the load generator's clock, not a wait
        calls.append(sim.place_call("4638397000", f"07010{len(calls):05d}"))
    return calls


def _score(records: list[CallRecord], start: float) -> tuple[int, list[float], int]:
    """(callers within ±60 s, announced minus real wait per caller, wrong "you are next")."""
    errors: list[float] = []
    wrong_next = 0
    queued = [r for r in records if r.queued_at is not None and r.answered_at is not None]
    for r in queued:
        said = [(at, what.split(":")) for at, what in r.timeline if what.startswith("announced:")]
        if not said or r.arrived_at < start + WARM_UP_S:
            continue
        at, (_, _, minutes) = said[0]
        assert r.answered_at is not None
        if minutes != "None":
            errors.append(int(minutes) * 60 - (r.answered_at - at))
        offered = r.attempts[-1].at
        for when, (_, position, _) in said:
            if position == "1":  # "you are next": nobody who came later is offered before
                wrong_next += sum(
                    1
                    for other in queued
                    if other.arrived_at > r.arrived_at and when < other.attempts[-1].at < offered
                )
    within = sum(1 for e in errors if abs(e) <= 60)
    return within, errors, wrong_next
