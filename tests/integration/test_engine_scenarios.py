"""Scenarios of the whole engine against the simulated Asterisk, over real sockets."""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

from switchboard.fakepbx.phones import answers, never_answers
from tests.integration.engine_world import SAVSJO, VETLANDA, world
from tests.records import engine_records


async def test_calls_go_to_home_operators_then_to_the_partner(tmp_path: Path) -> None:
    async with world(tmp_path, {"1001": "vetlanda", "1003": "savsjo"}) as w:
        await w.login("1001", "1003")
        w.sim.set_behaviour("1001", answers(1.0))
        w.sim.set_behaviour("1003", answers(1.0))
        first = w.sim.place_call(VETLANDA)
        assert (await asyncio.wait_for(first.outcome, 10)).agent == "PJSIP/1001"
        # 1001 is now busy: the next Vetlanda caller waits for the 30 s step, then gets Sävsjö's
        second = w.sim.place_call(VETLANDA, "0701111111")
        outcome = await asyncio.wait_for(second.outcome, 10)
        assert outcome.agent == "PJSIP/1003"

        def answered() -> bool:
            c = w.engine.live.state.calls.get(second.uniqueid)
            return c is not None and c.answered_at is not None

        await w.until(answered)
        call = w.engine.live.state.calls[second.uniqueid]
        assert call.answered_at is not None
        assert call.waiting_since is not None
        answered_after = call.answered_at - call.waiting_since
        assert 30 <= answered_after < 45, answered_after


async def test_burst_of_fifty_callers_with_ten_operators(tmp_path: Path) -> None:
    agents = {str(1001 + i): ("vetlanda" if i < 5 else "savsjo") for i in range(10)}
    async with world(tmp_path, agents) as w:
        await w.login(*agents)
        for ep in agents:
            w.sim.set_behaviour(ep, answers(0.5, hangup_after_s=3))
        calls = [
            w.sim.place_call(VETLANDA if i % 2 else SAVSJO, f"07000{i:05d}") for i in range(50)
        ]
        outcomes = await asyncio.wait_for(asyncio.gather(*(c.outcome for c in calls)), 60)
        assert {o.kind for o in outcomes} == {"answered"}
        # no operator ever had two calls at once: answered intervals per agent never overlap
        spans: dict[str, list[tuple[float, float]]] = {}
        for c, o in zip(calls, outcomes, strict=True):
            end = await asyncio.wait_for(c.ended, 20)
            spans.setdefault(o.agent or "", []).append((o.at, end))
        for agent, intervals in spans.items():
            intervals.sort()
            for (_, end), (start, _) in itertools.pairwise(intervals):
                assert start >= end, agent
        await w.until(lambda: not w.engine.live.state.calls)
        records = await engine_records(w.engine)
        assert len(records) == 50
        assert {r.outcome for r in records} == {"answered"}


async def test_operator_who_never_answers_is_skipped_and_paused(tmp_path: Path) -> None:
    async with world(tmp_path, {"1001": "vetlanda", "1002": "vetlanda"}) as w:
        await w.login("1001", "1002")
        w.sim.set_behaviour("1001", never_answers())
        w.sim.set_behaviour("1002", answers(1.0, hangup_after_s=2))
        outcomes = []
        for caller in ("0701000001", "0701000002", "0701000003"):
            call = w.sim.place_call(VETLANDA, caller)
            outcomes.append(await asyncio.wait_for(call.outcome, 20))
        assert {o.agent for o in outcomes} == {"PJSIP/1002"}
        await w.until(lambda: w.status("op1001") == "paused")
        assert w.engine.live.state.agents["op1001"].paused == "no-answer"


async def test_phone_unregisters_mid_offer(tmp_path: Path) -> None:
    async with world(tmp_path, {"1001": "vetlanda", "1002": "vetlanda"}) as w:
        await w.login("1001", "1002")
        w.sim.set_behaviour("1001", never_answers(unregister_after_s=1))
        w.sim.set_behaviour("1002", answers(1.0))
        w.sim.unregister("1002")
        call = w.sim.place_call(VETLANDA)
        await w.until(lambda: w.status("op1001") == "unreachable", 10)
        w.sim.register("1002")
        outcome = await asyncio.wait_for(call.outcome, 20)
        assert outcome.agent == "PJSIP/1002"


async def test_caller_hangs_up_during_the_offer(tmp_path: Path) -> None:
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        await w.login("1001")
        w.sim.set_behaviour("1001", answers(5.0))
        call = w.sim.place_call(VETLANDA)
        await w.until(lambda: w.status("op1001") == "ringing")
        w.sim.hangup(call)
        await asyncio.wait_for(call.ended, 5)
        await w.until(lambda: w.status("op1001") == "available")
        assert w.engine.live.state.agents["op1001"].misses == 0
        await w.until(lambda: not w.engine.live.state.calls)
        [record] = await engine_records(w.engine)
        assert record.outcome == "abandoned"


async def test_engine_restarted_with_twenty_callers_waiting(tmp_path: Path) -> None:
    agents = {"1001": "vetlanda", "1002": "vetlanda", "1003": "savsjo"}
    async with world(tmp_path, agents) as w:
        await w.login(*agents)
        for ep in agents:
            w.sim.unregister(ep)
        calls = [w.sim.place_call(VETLANDA, f"07011{i:05d}") for i in range(20)]
        await w.until(lambda: sum(c.in_queue for c in w.engine.live.state.calls.values()) == 20)
        before = {c.id: c.waiting_since for c in w.engine.live.state.calls.values()}
        await w.restart_engine()
        state = w.engine.live.state
        assert {c.id for c in state.calls.values() if c.in_queue} == set(before)
        for uid, since in before.items():  # QueueEntry Wait has whole seconds
            assert abs((state.calls[uid].waiting_since or 0) - (since or 0)) < 1.5 * 10 + 1
        assert all(a.logged_in for a in state.agents.values())  # logins survived
        for ep in agents:
            w.sim.register(ep, answers(0.2, hangup_after_s=0.5))
        outcomes = await asyncio.wait_for(asyncio.gather(*(c.outcome for c in calls)), 60)
        assert {o.kind for o in outcomes} == {"answered"}


async def test_offers_that_cannot_be_sent_blacklist_nobody(tmp_path: Path) -> None:
    """The actions login is cut for 8 s while three operators finish their calls: once it is
    back, the three waiting callers are answered (none of the operators was barred)."""
    agents = {"1001": "vetlanda", "1002": "vetlanda", "1003": "vetlanda"}
    async with world(tmp_path, agents) as w:
        await w.login(*agents)
        for ep in agents:
            w.sim.set_behaviour(ep, answers(0.2, hangup_after_s=4))
        talking = [w.sim.place_call(VETLANDA, f"0702000{i:03d}") for i in range(3)]
        await asyncio.wait_for(asyncio.gather(*(c.outcome for c in talking)), 10)
        waiting = [w.sim.place_call(VETLANDA, f"0702001{i:03d}") for i in range(3)]
        await w.until(lambda: sum(c.in_queue for c in w.engine.live.state.calls.values()) == 3)
        await w.sim.cut_actions(0.8)  # 8 engine seconds at the world's scale
        await asyncio.wait_for(asyncio.gather(*(c.ended for c in talking)), 10)
        await w.until(lambda: w.engine.bridge.deliverable, 10)
        outcomes = await asyncio.wait_for(asyncio.gather(*(c.outcome for c in waiting)), 3)
        assert {o.kind for o in outcomes} == {"answered"}
        assert all(a.misses == 0 for a in w.engine.live.state.agents.values())


HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


async def test_calls_are_routed_and_delivered_while_the_database_is_locked(
    tmp_path: Path,
) -> None:
    agents = {"1001": "vetlanda", "1002": "vetlanda"}
    async with world(tmp_path, agents) as w:
        await w.login(*agents)
        for ep in agents:
            w.sim.set_behaviour(ep, answers(0.2, hangup_after_s=1))
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD_LOCK, w.config.engine.store.path,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert holder.stdout is not None
        assert holder.stdin is not None
        assert (await holder.stdout.readline()).strip() == b"locked"
        calls = [w.sim.place_call(VETLANDA, f"07040000{i:02d}") for i in range(6)]
        outcomes = await asyncio.wait_for(asyncio.gather(*(c.outcome for c in calls)), 15)
        assert {o.kind for o in outcomes} == {"answered"}
        await w.until(lambda: not w.engine.store.health.writable)  # it noticed, and went on
        holder.stdin.close()
        await holder.wait()
        await asyncio.wait_for(asyncio.gather(*(c.ended for c in calls)), 15)
        await w.until(lambda: not w.engine.live.state.calls)
        records = await engine_records(w.engine)
        assert sorted(r.caller_num for r in records) == [f"+467040000{i:02d}" for i in range(6)]
        assert {r.outcome for r in records} == {"answered"}
        assert w.engine.store.health.writable


async def test_a_login_during_asterisks_boot_waits_for_fully_booted(tmp_path: Path) -> None:
    """After `core restart now` the engine logs in again before the boot ends: it waits for
    FullyBooted instead of asking QueueStatus too early and dropping the connection."""
    async with world(tmp_path, {"1001": "vetlanda"}, restart_boot_s=1.0) as w:
        await w.login("1001")
        connects = w.engine.ami.events.stats.connects
        snapshots = w.engine.bridge.snapshots
        restart = asyncio.create_task(w.sim.restart())
        await w.until(lambda: w.engine.ami.events.stats.connects > connects, 5)
        assert not w.engine.bridge.deliverable  # logged in, but Asterisk is still booting
        await restart
        await w.until(lambda: w.engine.bridge.deliverable, 5)
        assert w.engine.bridge.snapshots > snapshots
        assert w.engine.ami.events.stats.connects == connects + 1  # no drop and retry
        w.sim.register("1001", answers(0.2))
        call = w.sim.place_call(VETLANDA)
        assert (await asyncio.wait_for(call.outcome, 10)).agent == "PJSIP/1001"
