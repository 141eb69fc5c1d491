"""Callbacks through the fake PBX: the caller presses 1 and hangs up, keeping the place; an
operator who becomes free is rung first, then the caller's number through the trunk."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from switchboard.core.records import CallRecord
from switchboard.fakepbx.calls import CallHandle
from switchboard.fakepbx.phones import answers, never_answers
from tests.integration.engine_world import World
from tests.integration.example_world import VETLANDA, example_world
from tests.records import engine_records

CALLER = "+46701000001"


def callback_after_10s(text: str) -> str:
    text = text.replace(
        "      - {after_s: 30, partners: [savsjo]}\n"
        "      - {after_s: 180, offer: callback}\n"
        "      - {after_s: 300, action: voicemail}\n",
        "      - {after_s: 10, offer: callback}\n",
    )
    return text.replace(
        "callback: {attempts: 3, retry_after_s: 300,", "callback: {attempts: 2, retry_after_s: 20,"
    )


async def ended(w: World, n: int, within_s: float) -> list[CallRecord]:
    """The engine's records once `n` calls have ended (oldest first)."""
    async with asyncio.timeout(within_s):
        while True:
            done = [r for r in await engine_records(w.engine) if r.outcome]
            if len(done) >= n:
                return done
            await asyncio.sleep(0.05)  # polls the store, which has no signal of its own


async def asks_for_a_callback(w: World, caller: str = CALLER) -> CallHandle:
    call = w.sim.place_call(VETLANDA.removeprefix("+"), caller_num=caller)
    await call.wait_step("read vm-nobodyavail", within_s=10)
    call.press("1")
    outcome = await asyncio.wait_for(call.outcome, 10)
    assert (outcome.kind, outcome.detail) == ("callback", "requested")
    await call.ended
    return call


async def test_the_operator_is_rung_first_then_the_caller(tmp_path: Path) -> None:
    async with example_world(tmp_path, edit=callback_after_10s) as w:
        call = await asks_for_a_callback(w)
        assert call.steps_like("playback auth-thankyou")  # told it will be called back
        w.sim.outside_phone(CALLER, answers(1.0, hangup_after_s=5))
        w.sim.register("1001", answers(1.0))
        assert await w.sim.feature_code("1001", "login") == "ok"
        [record] = await ended(w, 1, 20)
        assert record.id == call.uniqueid
        assert (record.outcome, record.answered_by, record.caller_num) == (
            "called_back",
            "asa",
            CALLER,
        )
        assert record.callback is not None
        assert record.callback.attempts == 0  # reached at the first call
        pbx = w.sim.pbx
        assert pbx is not None
        operator, trunk = pbx.callouts  # the ring to the operator, then the call to the caller
        assert operator.steps_like("dial PJSIP/1001") == ["dial PJSIP/1001 ANSWER"]
        assert operator.steps_like("playback") == ["playback vetlanda-callback sv"]  # whisper
        assert trunk.steps_like("dial") == ["dial PJSIP/trunk ANSWER"]  # PJSIP/<number>@trunk
        answered_operator = next(at for at, s in operator.steps if s.startswith("dial PJSIP/1001"))
        answered_caller = next(at for at, s in trunk.steps if s.startswith("dial PJSIP/trunk"))
        assert answered_operator < answered_caller
        assert operator.channel.caller_name == "CALLBACK VETLANDA"


async def test_an_unanswered_callback_is_tried_again_then_recorded_as_failed(
    tmp_path: Path,
) -> None:
    async with example_world(tmp_path, scale=20.0, edit=callback_after_10s) as w:
        call = await asks_for_a_callback(w)
        w.sim.outside_phone(CALLER, never_answers())
        w.sim.register("1001", answers(1.0))
        assert await w.sim.feature_code("1001", "login") == "ok"
        [record] = await ended(w, 1, 30)
        assert record.id == call.uniqueid
        assert record.outcome == "callback_failed"
        assert record.callback is not None
        assert (record.callback.attempts, record.callback.last) == (2, "noanswer")
        missed = [w for _, w in record.timeline if w.startswith("callback_missed")]
        assert missed == ["callback_missed:1:noanswer", "callback_missed:2:noanswer"]


async def test_never_more_callouts_at_once_than_free_operators(tmp_path: Path) -> None:
    async with example_world(tmp_path, edit=callback_after_10s) as w:
        callers = [f"+4670100000{n}" for n in range(1, 4)]
        for number in callers:
            await asks_for_a_callback(w, number)
            w.sim.outside_phone(number, answers(1.0, hangup_after_s=3))
        pbx = w.sim.pbx
        assert pbx is not None
        assert pbx.callouts == []  # nobody free: nothing is originated
        w.sim.register("1001", answers(1.0))
        assert await w.sim.feature_code("1001", "login") == "ok"
        records = await ended(w, 3, 40)
        assert [r.outcome for r in records] == ["called_back"] * 3  # in the order they called
        talks = [(r.answered_at or 0, r.ended_at or 0) for r in records]
        assert all(end <= start for (_, end), (start, _) in itertools.pairwise(talks))


async def test_a_caller_who_answers_the_callback_while_the_ami_link_is_down_is_not_called_again(
    tmp_path: Path,
) -> None:
    """The caller's answer (a UserEvent, and Dial's DialEnd) is lost with the AMI link: the
    snapshot after the reconnect finds the callout bridged with the caller, so the call ends as
    called back when they hang up, and nobody rings the caller a second time."""
    async with example_world(tmp_path, edit=callback_after_10s) as w:
        call = await asks_for_a_callback(w)
        uid = call.uniqueid
        w.sim.outside_phone(CALLER, answers(10.0, hangup_after_s=20))
        w.sim.register("1001", answers(1.0))
        assert await w.sim.feature_code("1001", "login") == "ok"
        await w.until(lambda: w.engine.live.state.calls[uid].agent == "asa")  # operator answered
        ami = w.sim.ami
        assert ami is not None
        await ami.stop_listening()
        await w.sim.drop_ami()
        await w.until(lambda: not w.engine.bridge.deliverable)
        pbx = w.sim.pbx
        assert pbx is not None
        await w.until(lambda: len(pbx.callouts) == 2)
        trunk = pbx.callouts[1]
        await w.until(lambda: trunk.steps_like("dial PJSIP/trunk ANSWER") != [])  # caller answered
        snapshots = w.engine.bridge.snapshots
        await ami.listen()
        await w.until(lambda: w.engine.bridge.snapshots > snapshots)
        callback = w.engine.live.state.calls[uid].callback
        assert callback is not None
        assert callback.connected
        [record] = await ended(w, 1, 20)
        assert (record.outcome, record.answered_by) == ("called_back", "asa")
        assert len(pbx.callouts) == 2  # the operator's ring and the one call to the caller


async def test_a_callout_answered_by_both_while_the_ami_link_is_down_ends_as_called_back(
    tmp_path: Path,
) -> None:
    """The link drops while the callout rings the operator; the operator answers, then the
    caller: the snapshot after the reconnect finds both bridged, times the operator's answer
    from its leg, and the call ends as called back with the caller rung once."""
    async with example_world(tmp_path, edit=callback_after_10s) as w:
        call = await asks_for_a_callback(w)
        uid = call.uniqueid
        w.sim.outside_phone(CALLER, answers(1.0, hangup_after_s=30))
        w.sim.register("1001", answers(10.0))
        ami = w.sim.ami
        pbx = w.sim.pbx
        assert ami is not None
        assert pbx is not None
        assert await w.sim.feature_code("1001", "login") == "ok"
        await w.until(lambda: len(pbx.callouts) == 1)  # the operator's phone rings
        await ami.stop_listening()
        await w.sim.drop_ami()
        await w.until(lambda: not w.engine.bridge.deliverable)
        operator = pbx.callouts[0]
        await w.until(lambda: operator.steps_like("dial PJSIP/1001 ANSWER") != [])
        answered_at = w.engine.clock()
        await w.until(lambda: len(pbx.callouts) == 2)
        trunk = pbx.callouts[1]
        await w.until(lambda: trunk.steps_like("dial PJSIP/trunk ANSWER") != [])
        snapshots = w.engine.bridge.snapshots
        await ami.listen()
        await w.until(lambda: w.engine.bridge.snapshots > snapshots)
        talking = w.engine.live.state.calls[uid]
        assert talking.agent == "asa"
        assert talking.callback is not None
        assert talking.callback.connected
        assert talking.answered_at is not None
        assert abs(talking.answered_at - answered_at) <= 1.0  # ${EPOCH}, and this test's delay
        w.sim.hangup(trunk)
        [record] = await ended(w, 1, 20)
        assert (record.outcome, record.answered_by) == ("called_back", "asa")
        assert len(pbx.callouts) == 2
