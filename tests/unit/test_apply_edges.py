"""Edge transitions: agent leg hangs up first, duplicate and unknown ids, restores, day change."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.state import AgentStatus, CallPhase
from tests.unit.dispatch_fixture import Driver


def test_operator_hangs_up_first_then_the_caller() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.send(ev.ChannelHungUp("PJSIP/1001-00000001", f"leg-{uid}", uid, 16))
    assert d.state.agents["a1"].status(d.now) is AgentStatus.WRAPUP
    assert d.state.calls[uid].phase is CallPhase.CONNECTED
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}
    assert d.state.agents["a1"].status(d.now) is AgentStatus.WRAPUP


def test_unknown_ids_and_duplicates_change_nothing() -> None:
    d = Driver()
    d.login("a1")
    before = d.state
    for event in (
        ev.ChannelHungUp("PJSIP/x", "nope", "nope", 16),
        ev.DeviceStateChanged("PJSIP/9999", "INUSE"),
        ev.CallerJoined("no-such-queue", "PJSIP/inbound-1", "u1", None, "1", "x", 1),
        cmd.DeliveryReported("nope", "PJSIP/1001", "ANSWER"),
        cmd.CallFinished("nope", "voicemail"),
        cmd.AgentCommand("nobody", "login"),
        cmd.AgentCommand("a1", "dance"),
    ):
        d.send(event)
    assert d.state == before
    uid = d.call()
    d.send(
        cmd.CallRouted(
            uid, "PJSIP/other", "alpha", "main", "alpha-main", "ALPHA", 9, (), 30, (), "1", "x"
        )
    )
    assert d.state.calls[uid].channel != "PJSIP/other"  # the first route wins


def test_requeue_outcomes_end_or_mark_the_call() -> None:
    d = Driver()
    uid = d.call()
    d.send(cmd.CallbackOffered(uid))
    assert d.state.calls[uid].callback_offered
    d.send(cmd.CallFinished(uid, "voicemail"))
    assert d.ended() == {uid: "voicemail"}


def test_back_in_queue_without_a_report_counts_as_a_miss() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    first = d.offered_to(uid)
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.send(ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "x", 1))
    assert first in d.state.calls[uid].refused
    assert d.offered_to(uid) not in (None, first)


def test_restored_sessions_and_day_change() -> None:
    d = Driver()
    d.send(cmd.AgentsRestored((("a1", True, "lunch"), ("gone", True, None))))
    assert d.state.agents["a1"].paused == "lunch"
    d.send(cmd.AgentCommand("a1", "unpause"))
    d.send(ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"))
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.hangup(uid)
    assert d.state.agents["a1"].calls_today == 1
    d.wait(86_400)
    assert d.state.agents["a1"].calls_today == 0


def test_offer_whose_call_vanished_is_released_by_the_tick() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.state = replace(d.state, calls=d.state.calls.delete(uid))  # lost without any event
    d.wait(21)
    assert d.state.agents["a1"].offer is None


def test_snapshot_keeps_connected_calls_and_releases_stale_ties() -> None:
    d = Driver()
    d.login("a1", "a2")
    talking = d.call()
    d.deliver(talking, "ANSWER")
    offered = d.call()
    assert d.offered_to(offered) == "a2"
    channels = (
        ev.ChannelSeen(
            d.state.calls[talking].channel,
            talking,
            talking,
            "switchboard-deliver",
            "s",
            "Dial",
            "b1",
        ),
    )
    entries = (
        ev.CallerJoined("alpha-main", "PJSIP/inbound-x", offered, None, "+4670", "x", 1, 12),
    )
    contacts = tuple(ev.ContactStatusChanged(a, "sip:x", "NonQualified") for a in ("1001", "1002"))
    d.send(cmd.Snapshot(entries, channels, (), contacts))
    assert d.state.calls[talking].phase is CallPhase.CONNECTED
    assert d.state.agents["a1"].status(d.now) is AgentStatus.ON_CALL
    # the offered caller is back in the queue per Asterisk: its offer is void, a2 takes it again
    assert d.offered_to(offered) == "a2"
    # now Asterisk says the talking call is gone: a1 is freed
    d.send(cmd.Snapshot((), (), (), contacts))
    assert talking in d.ended()
    assert d.state.agents["a1"].call is None


def test_snapshot_sees_a_routed_caller_in_dial_and_one_that_never_joined() -> None:
    d = Driver()
    d.login("a1")
    dialling = d.call()
    assert d.offered_to(dialling) == "a1"
    channel = d.state.calls[dialling].channel
    d.send(ev.CallerLeft("alpha-main", channel, dialling, 0))
    d.send(
        cmd.CallRouted(
            "9.9",
            "PJSIP/inbound-9",
            "alpha",
            "main",
            "alpha-main",
            "ALPHA",
            0,
            (),
            30,
            (),
            "1",
            "x",
        )
    )
    contacts = (ev.ContactStatusChanged("1001", "sip:x", "NonQualified"),)
    seen = (ev.ChannelSeen(channel, dialling, dialling, "switchboard-deliver", "s", "Dial", ""),)
    entries = (
        ev.CallerJoined("alpha-main", "PJSIP/inbound-9", "9.9", None, "1", "x", 1, 7),
        ev.CallerJoined("no-such-queue", "PJSIP/inbound-8", "8.8", None, "1", "x", 2, 7),
        ev.CallerJoined("alpha-main", channel, dialling, None, "1", "x", 3, 7),
    )
    d.send(
        cmd.Snapshot(entries[:2], seen, (ev.DeviceStateChanged("PJSIP/7777", "INUSE"),), contacts)
    )
    # QueueEntry's Wait restarts at every Queue() slice: the place counts from the arrival
    assert d.state.calls["9.9"].waiting_since == d.state.calls["9.9"].arrived_at
    assert "8.8" not in d.state.calls
    assert d.offered_to(dialling) == "a1"  # in Dial: its offer stands
    d.send(cmd.Snapshot(entries, seen, (), contacts))
    # back in the queue per Asterisk, but its Redirect may still be in flight: the offer stands
    assert d.state.calls[dialling].in_queue
    assert d.offered_to(dialling) == "a1"
    d.now += 1
    d.send(cmd.OfferFailed(dialling, "connection lost", "unknown"))
    assert d.offered_to(dialling) == "a1"  # it may have run
    d.now += 1
    d.send(cmd.Snapshot(entries, seen, (), contacts, started_at=d.now))
    # settled before this collection began and the caller is in the queue: offered anew
    assert [a.result for a in d.state.calls[dialling].attempts] == ["lost", None]


def test_the_dialplans_answer_report_connects_the_call_once() -> None:
    """[switchboard-answered]'s UserEvent comes before Dial's DialEnd (app_dial.c publishes
    ANSWER after the U() subroutine): it connects the call; the DialEnd after it is a duplicate."""
    d = Driver()
    d.login("a1")
    uid = d.call()
    assert d.offered_to(uid) == "a1"
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.send(ev.DialBegan(call.channel, uid, "PJSIP/1001-00000009", f"leg-{uid}", "PJSIP/1001"))
    d.send(ev.AnswerReported(uid, "PJSIP/1001"))
    connected = d.state.calls[uid]
    assert (connected.phase, connected.agent, connected.answered_by) == (
        CallPhase.CONNECTED,
        "a1",
        "a1",
    )
    assert d.state.agents["a1"].calls_today == 1
    after = d.state
    d.send(ev.DialEnded(call.channel, uid, "PJSIP/1001-00000009", f"leg-{uid}", "ANSWER"))
    assert d.state.calls[uid].attempts == after.calls[uid].attempts
    assert d.state.agents["a1"].calls_today == 1
    d.send(ev.AnswerReported(uid, "PJSIP/1002"))  # another operator's report: stale, ignored
    assert d.state.calls[uid].agent == "a1"
