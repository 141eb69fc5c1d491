"""The engine against the simulated Asterisk: a caller with an operator free goes straight there
from its route answer; one whose operator does not answer waits at the head of its queue."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from switchboard.fakepbx.phones import answers, never_answers
from tests.integration.engine_world import VETLANDA, world
from tests.records import engine_records


async def test_a_caller_with_a_free_operator_joins_no_queue_and_needs_no_redirect(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        await w.login("1001")
        w.sim.set_behaviour("1001", answers(0.5, hangup_after_s=1))
        call = w.sim.place_call(VETLANDA)
        outcome = await asyncio.wait_for(call.outcome, 10)
        assert outcome.agent == "PJSIP/1001"
        assert call.steps_like("queue") == []  # never waited in an Asterisk queue
        assert w.engine.effects.delivered == 0  # no Setvar/Redirect was sent
        assert call.channel.caller_name.startswith("VETLANDA ")  # the tag, as on any delivery
        await asyncio.wait_for(call.ended, 10)
        await w.until(lambda: not w.engine.live.state.calls)
        [record] = await engine_records(w.engine)
        assert (record.outcome, record.answered_by) == ("answered", "op1001")
        assert record.queued_at is not None
        assert record.waited_s is not None


async def test_an_operator_who_misses_the_route_offer_hands_the_caller_to_the_next(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, {"1001": "vetlanda", "1002": "vetlanda"}) as w:
        await w.login("1001")  # idle longest: offered first
        await w.login("1002")
        w.sim.set_behaviour("1001", never_answers())
        w.sim.set_behaviour("1002", answers(0.5))
        call = w.sim.place_call(VETLANDA)
        outcome = await asyncio.wait_for(call.outcome, 20)
        assert outcome.agent == "PJSIP/1002"
        assert call.dial_results[0] == ("PJSIP/1001", "NOANSWER")
        assert call.steps_like("queue") == ["queue vetlanda-switchboard 1"]  # back at the head
        assert w.engine.effects.delivered == 1  # then by Redirect, as any waiting caller
        assert w.engine.live.state.agents["op1001"].misses == 1


async def test_an_older_dialplans_fastagi_answer_report_is_still_taken(tmp_path: Path) -> None:
    """A dialplan written by an older engine reports the answer with `delivered?status=ANSWER`
    from the operator's channel instead of the UserEvent: the engine still serves it."""
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        pbx = w.sim.pbx
        pbx.config = replace(pbx.config, dialplan=replace(pbx.config.dialplan, answer_report="agi"))
        await w.login("1001")
        served = w.engine.agi.stats.answered
        w.sim.set_behaviour("1001", answers(0.5, hangup_after_s=1))
        call = w.sim.place_call(VETLANDA)
        assert (await asyncio.wait_for(call.outcome, 10)).agent == "PJSIP/1001"
        await asyncio.wait_for(call.ended, 10)
        await w.until(lambda: not w.engine.live.state.calls)
        assert w.engine.agi.stats.answered == served + 2  # route, then the answer's report
        assert w.engine.agi.stats.errors == 0
        [record] = await engine_records(w.engine)
        assert (record.outcome, record.answered_by) == ("answered", "op1001")


async def test_an_answer_while_the_ami_link_is_down_is_found_by_the_next_snapshot(
    tmp_path: Path,
) -> None:
    """The answer report and Dial's DialEnd both travel over AMI: an operator who answers while
    the link is down is tied to the call by the snapshot taken once the engine is back, and the
    call is timed from the answer (the SB_ANSWERED_AT the dialplan left on the operator's leg),
    not from the snapshot."""
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        await w.login("1001")
        w.sim.set_behaviour("1001", answers(3.0, hangup_after_s=30))
        call = w.sim.place_call(VETLANDA)
        await w.until(lambda: call.channel.uniqueid in w.engine.live.state.calls)
        uid = call.channel.uniqueid
        await w.until(lambda: w.engine.live.state.calls[uid].offer == "op1001")
        ami = w.sim.ami
        assert ami is not None
        await ami.stop_listening()  # Asterisk's AMI gone while the operator's phone rings
        await w.sim.drop_ami()
        await w.until(lambda: not w.engine.bridge.deliverable)
        assert (await asyncio.wait_for(call.outcome, 10)).agent == "PJSIP/1001"
        answered_at = w.engine.clock()
        assert w.engine.live.state.calls[uid].answered_by is None  # nothing told the engine
        await asyncio.sleep(1.0)  # the outage goes on after the answer (10 engine seconds)
        snapshots = w.engine.bridge.snapshots
        await ami.listen()
        await w.until(lambda: w.engine.bridge.snapshots > snapshots)
        await w.until(lambda: w.engine.live.state.calls[uid].agent == "op1001")
        assert w.engine.live.state.agents["op1001"].call == uid
        w.sim.hangup(call)
        await asyncio.wait_for(call.ended, 10)
        await w.until(lambda: uid not in w.engine.live.state.calls)
        [record] = await engine_records(w.engine)
        assert (record.outcome, record.answered_by) == ("answered", "op1001")
        assert record.answered_at is not None
        # ${EPOCH} is whole seconds: the middle of its second, and this test's own delay
        assert abs(record.answered_at - answered_at) <= 1.0
