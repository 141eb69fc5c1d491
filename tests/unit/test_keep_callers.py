"""Nobody who calls is dropped or forgotten: timed refusals, offers that never left, rebuilds
that race events, transfers that fail, fallback answers, restores and daily counters."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import AgentChanged, CallChanged, Offer
from switchboard.core.records import call_of, record_of
from switchboard.core.state import AgentStatus, CallPhase
from tests.unit.dispatch_fixture import Driver


def status(d: Driver, aid: str) -> AgentStatus:
    return d.state.agents[aid].status(d.now)


def milestones(d: Driver, uid: str) -> list[str]:
    return [e.milestone for e in d.effects if isinstance(e, CallChanged) and e.call.id == uid]


# ------------------------------------------------------------------ refusals that expire


def test_a_miss_bars_the_operator_only_until_the_others_were_tried() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    first = d.offered_to(uid)
    d.deliver(uid, "NOANSWER")
    second = d.offered_to(uid)
    assert second not in (None, first)
    d.deliver(uid, "NOANSWER")
    # both home operators tried: the first one may have the call again at once
    assert d.offered_to(uid) == first


def test_a_miss_bars_the_operator_only_for_retry_after_s() -> None:
    d = Driver()
    d.login("a1", "a2")
    d.send(ev.DeviceStateChanged("PJSIP/1002", "INUSE"))  # a2 busy on a private call
    uid = d.call()
    assert d.offered_to(uid) == "a1"
    d.deliver(uid, "NOANSWER")
    assert d.offered_to(uid) is None  # a2 is untried, so a1 waits out the bar
    d.wait(29)
    assert d.offered_to(uid) is None
    d.wait(1)
    assert d.offered_to(uid) == "a1"  # retry_after_s (30) passed


def test_an_offer_never_sent_is_no_miss_and_bars_nobody() -> None:
    """The actions login is down while operators become free: they stay eligible."""
    d = Driver()
    calls = [d.call(caller=f"+4670000000{i}") for i in range(3)]
    d.login("a1", "a2", "ab")
    for _ in range(3):  # each offer fails to leave the engine, and is offered again
        for uid in calls:
            d.send(cmd.OfferFailed(uid, "AMI actions is not connected", "unsent"))
    for uid in calls:
        call = d.state.calls[uid]
        assert not call.refused
        assert call.offer is not None  # offered again at once, not blacklisted
    assert all(a.misses == 0 for a in d.state.agents.values())


def test_only_a_phone_that_rang_counts_towards_the_no_answer_pause() -> None:
    d = Driver()
    d.login("a1")
    for n in range(3):
        uid = d.call(caller=f"+4670000001{n}")
        d.send(cmd.DeliveryReported(uid, "PJSIP/1001", "CHANUNAVAIL"))  # no contact: no ring
        d.hangup(uid)
    assert d.state.agents["a1"].misses == 0
    assert status(d, "a1") is AgentStatus.AVAILABLE
    uid = d.call()
    d.deliver(uid, "NOANSWER")  # DialBegin seen: it rang
    d.deliver(uid, "BUSY")
    assert d.state.agents["a1"].paused == "no-answer"


def test_an_offer_lost_with_the_link_is_no_miss_after_the_timeout() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.send(cmd.OfferFailed(uid, "connection lost", "unknown"))
    assert d.offered_to(uid) == "a1"  # it may have run: kept until something tells
    d.wait(21)
    call = d.state.calls[uid]
    assert call.attempts[0].result == "lost"
    assert not call.refused
    assert d.state.agents["a1"].misses == 0


# ------------------------------------------------------------------ rebuilds that race events


def test_a_caller_who_hung_up_during_the_snapshot_is_not_brought_back() -> None:
    d = Driver()
    uid = d.call()
    call = d.state.calls[uid]
    started = d.now
    d.now += 0.2
    d.hangup(uid)  # while QueueStatus was being collected
    d.now += 0.2
    entry = ev.CallerJoined(call.queue, call.channel, uid, None, call.caller_num, "x", 1, 3)
    seen = ev.ChannelSeen(call.channel, uid, uid, "switchboard-wait", "s", "Queue", "")
    d.send(cmd.Snapshot((entry,), (seen,), (), None, started_at=started))
    assert uid not in d.state.calls
    assert not d.state.waiting.get("alpha")


def test_a_caller_who_joined_during_the_snapshot_is_dispatchable_at_once() -> None:
    d = Driver()
    started = d.now
    d.now += 0.2
    uid = d.call()  # routed and joined while the lists were collected: not in them
    d.now += 0.2
    d.send(cmd.Snapshot((), (), (), None, started_at=started))
    assert d.state.calls[uid].dispatchable
    d.login("a1")
    assert d.offered_to(uid) == "a1"


def test_a_device_change_during_the_snapshot_wins_over_the_older_list() -> None:
    d = Driver()
    d.login("a1")
    started = d.now
    d.now += 0.2
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))
    d.now += 0.2
    old = ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE")
    d.send(cmd.Snapshot((), (), (old,), None, started_at=started))
    assert status(d, "a1") is AgentStatus.BUSY


def test_a_ghost_never_makes_its_tenant_look_overdue() -> None:
    d = Driver()
    uid = d.call("beta-main")
    d.wait(60)  # beta's caller is overdue (target 20 s): beta's operators are not lent
    d.send(cmd.Snapshot((), (), (), None, started_at=d.now))  # Asterisk no longer has it
    assert uid not in d.state.calls
    assert d.ended() == {uid: "abandoned"}
    d.login("b1")
    alpha = d.call("alpha-main")
    d.wait(31)  # alpha's partner step opens: beta's b1 may be borrowed again
    assert d.offered_to(alpha) == "b1"


# ------------------------------------------------------------------ transfers


def transfer(d: Driver, uid: str, by: str, target: str) -> None:
    d.send(ev.CallTransferred("blind", "Success", f"PJSIP/{by}-00000009", uid, target))
    d.send(ev.ChannelHungUp(f"PJSIP/{by}-00000009", f"leg-{uid}", uid, 16))


def test_a_failed_transfer_recalls_the_transferring_operator() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    agent = d.offered_to(uid)
    assert agent is not None
    d.deliver(uid, "ANSWER")
    transfer(d, uid, d.topo.agents[agent].device.removeprefix("PJSIP/"), "+46700000000")
    call = d.state.calls[uid]
    assert call.phase is CallPhase.TRANSFERRED
    assert status(d, agent) is AgentStatus.WRAPUP
    d.send(cmd.TransferReported(uid, "NOANSWER", d.topo.agents[agent].device, "+46700000000"))
    call = d.state.calls[uid]
    assert call.recall == agent
    d.send(ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "x", 1))
    recall = d.last_offer()
    assert (recall.uniqueid, recall.agent, recall.recall) == (uid, agent, True)
    d.deliver(uid, "ANSWER")
    call = d.state.calls[uid]
    assert [t.result for t in call.transfers] == ["noanswer"]
    assert [(a.agent, a.result, a.recall) for a in call.attempts] == [
        (agent, "answered", False),
        (agent, "answered", True),
    ]
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}


def test_a_failed_transfer_goes_to_the_front_when_its_operator_is_busy() -> None:
    d = Driver()
    d.login("a1")
    older = d.call(caller="+46700000001")
    d.deliver(older, "ANSWER")
    d.wait(5)
    newer = d.call(caller="+46700000002")  # waits: a1 is busy
    transfer(d, older, "1001", "1002")
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))  # a1 takes another line at once
    d.send(cmd.TransferReported(older, "BUSY", "PJSIP/1001", "1002"))
    assert d.state.calls[older].recall is None
    call = d.state.calls[older]
    d.send(ev.CallerJoined(call.queue, call.channel, older, older, call.caller_num, "x", 1))
    d.send(ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"))
    # a1 is free again but this is no recall: the caller kept its place ahead of the newer one
    offer = d.last_offer()
    assert (offer.uniqueid, offer.agent, offer.recall) == (older, "a1", False)
    assert d.offered_to(newer) is None


def test_a_transfer_learnt_only_from_the_report_is_recorded() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.send(ev.ChannelHungUp("PJSIP/1001-00000009", f"leg-{uid}", uid, 16))
    d.send(cmd.TransferReported(uid, "CHANUNAVAIL", "PJSIP/1001", "1006"))
    [t] = d.state.calls[uid].transfers
    assert (t.by, t.target, t.result) == ("a1", "1006", "chanunavail")


def test_a_transfer_answered_by_the_target_stays_one_answered_call() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    transfer(d, uid, "1001", "+46700000009")
    call = d.state.calls[uid]
    d.send(ev.DialBegan(call.channel, uid, "PJSIP/trunk-0000000a", "t1", "PJSIP/+467@trunk"))
    d.send(ev.DialEnded(call.channel, uid, "PJSIP/trunk-0000000a", "t1", "ANSWER"))
    assert d.state.calls[uid].transfers[0].result == "answered"
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}
    assert "transferred" in milestones(d, uid)
    assert "transfer_ended" in milestones(d, uid)


# ------------------------------------------------------------------ fallback and records


def test_a_caller_answered_through_the_fallback_queue_is_recorded_as_answered() -> None:
    d = Driver()
    uid = d.call()
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.send(ev.CallerJoined("switchboard-fallback", call.channel, uid, uid, "+46", "x", 1))
    assert d.state.calls[uid].via == "fallback"
    assert not d.state.calls[uid].dispatchable  # app_queue rings the operators itself
    d.send(ev.DialBegan(call.channel, uid, "PJSIP/1002-0000000b", "leg-b", "PJSIP/1002"))
    d.send(ev.DialEnded(call.channel, uid, "PJSIP/1002-0000000b", "leg-b", "ANSWER"))
    d.hangup(uid)
    [ended] = [e.call for e in d.effects if isinstance(e, CallChanged) and e.ended]
    assert (ended.outcome, ended.answered_by, ended.via) == ("answered", "a2", "fallback")


def test_a_fallback_caller_found_bridged_after_a_restart_is_recorded() -> None:
    d = Driver()
    caller = ev.ChannelSeen(
        "PJSIP/trunk-00000001", "9.1", "9.1", "switchboard-fallback", "46100000000", "Queue",
        "br-1", duration_s=40, caller_num="070111", caller_name="Åsa",
    )  # fmt: skip
    leg = ev.ChannelSeen("PJSIP/1001-00000002", "9.2", "9.1", "switchboard-operators", "",
                         "AppQueue", "br-1", duration_s=20)  # fmt: skip
    d.send(cmd.Snapshot((), (caller, leg), (), None, started_at=d.now))
    call = d.state.calls["9.1"]
    assert (call.tenant, call.via, call.agent, call.arrived_at) == (
        "alpha",
        "fallback",
        "a1",
        d.now - 40,
    )
    d.send(ev.ChannelHungUp("PJSIP/1001-00000002", "9.2", "9.1", 16))
    assert d.state.calls["9.1"].agent is None
    d.hangup("9.1")
    assert d.ended() == {"9.1": "answered"}


def test_every_milestone_is_reported_for_the_store() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.hangup(uid)
    assert milestones(d, uid) == ["arrived", "queued", "offered", "answered", "ended"]


def test_a_restored_call_keeps_arrival_place_priority_and_refusals() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call(prio=2)
    d.deliver(uid, "NOANSWER")
    d.wait(40)
    before = d.state.calls[uid]
    record = record_of(before, d.topo)
    fresh = Driver(topo=d.topo, now=d.now + 5)
    fresh.send(cmd.CallsRestored((call_of(record, d.topo),)))
    fresh.now += 0.5  # the snapshot is taken once the engine is up
    call = before
    entry = ev.CallerJoined(call.queue, call.channel, uid, None, call.caller_num, "x", 1, 2)
    seen = ev.ChannelSeen(call.channel, uid, uid, "switchboard-wait", "s", "Queue", "", 47)
    fresh.send(cmd.Snapshot((entry,), (seen,), (), None, started_at=fresh.now))
    after = fresh.state.calls[uid]
    assert (after.waiting_since, after.arrived_at, after.priority) == (
        before.waiting_since,
        before.arrived_at,
        before.priority,
    )
    assert after.refused == before.refused
    assert after.overflow_step == before.overflow_step == 1
    assert after.dispatchable


def test_calls_today_reset_at_the_engines_local_midnight() -> None:
    d = Driver()
    zone = ZoneInfo("Europe/Stockholm")
    d.topo = replace(d.topo, zone=zone)
    d.now = datetime(2026, 12, 1, 23, 59, 50, tzinfo=zone).timestamp()
    d.state = replace(d.state, day=d.topo.local_day(d.now))
    d.send(cmd.AgentsRestored((("a1", True, None),), (("a1", 7),)))
    assert d.state.agents["a1"].calls_today == 7  # survives the restart
    d.wait(5)
    assert d.state.agents["a1"].calls_today == 7
    d.wait(10)  # 00:00:05 local, 23:00:05 UTC: a new local day
    assert d.state.agents["a1"].calls_today == 0


def test_offers_carry_the_recall_flag() -> None:
    assert Offer("u", "c", "a", "d", "t", "g", "q").recall is False


def test_the_end_of_a_wrapup_is_reported_when_it_ended() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.hangup(uid)  # wrap-up 10 s from now
    ended = d.now + 10
    d.wait(25)  # the tick comes late
    changes = [e for e in d.effects if isinstance(e, AgentChanged) and e.agent.id == "a1"]
    assert [(c.status.value, c.at) for c in changes[-2:]] == [
        ("wrapup", ended - 10),
        ("available", ended),
    ]


def test_nothing_is_offered_while_the_engine_cannot_deliver() -> None:
    d = Driver()
    d.login("a1")
    d.send(cmd.LinkChanged(False))
    uid = d.call()
    assert d.offered_to(uid) is None
    d.send(cmd.OfferFailed(uid, "not connected", "unsent"))  # a stale failure changes nothing
    d.wait(5)
    assert d.offered_to(uid) is None
    d.send(cmd.LinkChanged(True))
    assert d.offered_to(uid) == "a1"


def test_an_attended_transfer_is_recorded_and_frees_the_operator() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.send(
        ev.CallTransferred("attended", "Success", "PJSIP/1001-00000009", uid, "PJSIP/1004-0000000c")
    )
    d.send(ev.ChannelHungUp("PJSIP/1001-00000009", f"leg-{uid}", uid, 16))
    call = d.state.calls[uid]
    [t] = call.transfers
    assert (t.kind, t.by, t.target, t.result) == ("attended", "a1", "b1", "answered")
    assert call.phase is CallPhase.TRANSFERRED
    assert status(d, "a1") is AgentStatus.WRAPUP
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}


def test_a_transfer_asterisk_refused_keeps_the_call_with_its_operator() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    d.send(ev.CallTransferred("blind", "Invalid", "PJSIP/1001-00000009", uid, "9999"))
    call = d.state.calls[uid]
    assert (call.transfers, call.agent, call.phase) == ((), "a1", CallPhase.CONNECTED)


def _answered_unheard(answered_at: float | None) -> tuple[Driver, str]:
    """a1 answered an offered call while the engine heard nothing (AMI down); 10.5 s later a
    snapshot finds the two bridged, the leg carrying `answered_at`."""
    d = Driver()
    d.login("a1")
    uid = d.call()
    assert d.offered_to(uid) == "a1"
    d.wait(10)  # the offer's timeout may pass meanwhile
    d.now += 0.5  # the snapshot is taken after that
    call = d.state.calls[uid]
    caller = ev.ChannelSeen(call.channel, uid, uid, "switchboard-deliver", "s", "Dial", "br-1")
    leg = ev.ChannelSeen("PJSIP/1001-0000000a", "leg-a", uid, "switchboard-operators", "",
                         "AppDial", "br-1", answered_at=answered_at)  # fmt: skip
    d.send(cmd.Snapshot((), (caller, leg), (), None, started_at=d.now))
    return d, uid


def test_a_caller_the_engine_still_had_queued_is_tied_to_the_operator_found_bridged() -> None:
    """The link dropped before the caller's QueueCallerLeave: the snapshot's own "no longer in
    the queue" must not hide the call from the bridged operator (it did: the call then counted
    as changed after the snapshot began)."""
    d, uid = _answered_unheard(None)
    call = d.state.calls[uid]
    assert (call.agent, call.answered_at, call.in_queue) == ("a1", d.now, False)  # when found
    assert d.state.agents["a1"].call == uid


def test_an_answer_found_by_a_snapshot_keeps_the_time_the_operators_leg_carries() -> None:
    """[switchboard-answered] leaves SB_ANSWERED_AT on the leg: the wait and the talk are timed
    from the real answer, not from when the engine found out."""
    d, uid = _answered_unheard(Driver().now + 2.5)
    call = d.state.calls[uid]
    offered_at = d.now - 10.5
    assert (call.agent, call.answered_at) == ("a1", offered_at + 2.5)
    assert [a.answered_at for a in call.attempts if a.answered_at] == [offered_at + 2.5]
    d.wait(20)
    d.hangup(uid)
    [ended] = [e.call for e in d.effects if isinstance(e, CallChanged) and e.ended]
    record = record_of(ended, d.topo)
    assert record.answered_at == offered_at + 2.5


def test_an_answer_time_outside_the_call_is_not_believed() -> None:
    """A leg time before the caller arrived or after the snapshot (another clock): when found."""
    for wrong in (Driver().now - 60, Driver().now + 60):
        d, uid = _answered_unheard(wrong)
        assert d.state.calls[uid].answered_at == d.now
