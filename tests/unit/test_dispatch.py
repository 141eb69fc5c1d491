"""The dispatcher with a fake clock: policies, tiers, overflow, misses, wrap-up and rebuild."""

from __future__ import annotations

import pytest

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import AgentPaused, Offer
from switchboard.core.state import AgentStatus, CallPhase
from tests.unit.dispatch_fixture import Driver, topology


def status(d: Driver, aid: str) -> AgentStatus:
    return d.state.agents[aid].status(d.now)


def test_a_call_is_offered_to_a_free_home_agent_with_tag_and_device() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    offer = d.last_offer()
    assert offer == Offer(
        uid, "PJSIP/inbound-00000001", "a1", "PJSIP/1001", "alpha", "ALPHA", "alpha-main"
    )
    assert status(d, "a1") is AgentStatus.RESERVED
    assert d.state.calls[uid].phase is CallPhase.OFFERED


def test_no_agent_no_offer_and_logged_out_agents_are_never_offered() -> None:
    d = Driver()
    uid = d.call()
    assert d.offers() == []
    assert d.state.calls[uid].phase is CallPhase.WAITING
    d.login("a2")
    assert d.last_offer().agent == "a2"


def test_longest_idle_agent_gets_the_call() -> None:
    d = Driver()
    d.login("a1")
    d.wait(5)
    d.login("a2")
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))  # a1 busy on a private call
    d.wait(5)
    d.send(ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"))
    d.call()
    assert d.last_offer().agent == "a1"  # idle since login, 10 s, not reset by device state


def test_home_agents_come_before_agents_serving_from_another_tenant() -> None:
    d = Driver()
    d.login("ab")  # beta's agent serving alpha directly, idle longest
    d.wait(60)
    d.login("a2")
    d.call()
    assert d.last_offer().agent == "a2"


def test_agent_serving_the_tenant_takes_the_call_when_no_home_agent_is_free() -> None:
    d = Driver()
    d.login("ab")
    d.call()
    assert d.last_offer().agent == "ab"


def test_partner_agents_only_from_the_overflow_step() -> None:
    d = Driver()
    d.login("b1")
    uid = d.call()
    assert d.offered_to(uid) is None
    d.wait(29)
    assert d.offered_to(uid) is None
    d.wait(1)
    assert d.offered_to(uid) == "b1"


def test_partner_protection_keeps_the_lender_for_its_own_overdue_callers() -> None:
    d = Driver()
    beta1 = d.call("beta-main")
    beta2 = d.call("beta-main")
    d.wait(25)  # beta's target is 20 s: both overdue
    uid = d.call()
    d.wait(30)  # alpha's caller passed its 30 s step: beta's agents could be borrowed
    d.login("b1")
    assert d.offered_to(beta1) == "b1"
    assert d.offered_to(uid) is None
    d.login("b2")
    assert d.offered_to(beta2) == "b2"
    assert d.offered_to(uid) is None
    d.deliver(beta1, "NOANSWER")  # b1 free again, beta1 waits on (overdue, b1 refused)
    assert d.state.agents["b1"].status(d.now) is AgentStatus.AVAILABLE
    assert d.offered_to(uid) is None  # still protected: beta1 is overdue
    d.hangup(beta1)
    assert d.offered_to(uid) == "b1"  # nothing overdue at beta any more: b1 is lent


def test_partner_agent_lent_once_the_lender_has_no_overdue_caller() -> None:
    d = Driver()
    d.login("b1")
    uid = d.call()
    d.wait(31)
    assert d.offered_to(uid) == "b1"


def test_free_agent_takes_highest_priority_then_longest_waiting_across_tenants() -> None:
    d = Driver()
    first = d.call()
    d.wait(10)
    legal = d.call("alpha-legal")  # priority 3, needs juridik: only a1 has it
    d.wait(10)
    urgent = d.call(prio=5)
    d.login("a2")  # no juridik: takes the urgent one (priority 5) before the older call
    assert d.offered_to(urgent) == "a2"
    d.login("a1")  # priority 3 legal beats the older priority-0 call
    assert d.offered_to(legal) == "a1"
    assert d.offered_to(first) is None


def test_no_answer_keeps_the_place_skips_the_agent_and_pauses_after_two_misses() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    first = d.offered_to(uid)
    d.deliver(uid, "NOANSWER")
    second = d.offered_to(uid)
    assert second is not None
    assert second != first
    assert first in d.state.calls[uid].refused
    assert d.state.agents[first].misses == 1
    uid2 = d.call()
    assert d.offered_to(uid2) == first  # it may take another call
    d.deliver(uid2, "BUSY")
    assert AgentPaused(first, "no-answer") in d.effects
    assert status(d, first) is AgentStatus.PAUSED


def test_unreachable_agent_gets_no_offer() -> None:
    d = Driver()
    d.login("a1")
    d.send(ev.ContactStatusChanged("1001", "sip:1001@127.0.0.1:25070", "Removed"))
    assert status(d, "a1") is AgentStatus.UNREACHABLE
    uid = d.call()
    assert d.offered_to(uid) is None
    d.send(ev.ContactStatusChanged("1001", "sip:1001@127.0.0.1:25070", "NonQualified"))
    assert d.offered_to(uid) == "a1"


def test_answer_connects_then_wrapup_then_available() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    assert status(d, "a1") is AgentStatus.ON_CALL
    assert d.state.calls[uid].phase is CallPhase.CONNECTED
    d.wait(60)
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}
    assert status(d, "a1") is AgentStatus.WRAPUP
    nxt = d.call()
    assert d.offered_to(nxt) is None
    d.wait(10)
    assert d.offered_to(nxt) == "a1"
    assert d.state.agents["a1"].calls_today == 1


def test_caller_hangs_up_during_offer_releases_the_agent_without_a_miss() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.hangup(uid)
    assert d.ended() == {uid: "abandoned"}
    assert status(d, "a1") is AgentStatus.AVAILABLE
    assert d.state.agents["a1"].misses == 0


def test_redirect_refused_releases_the_agent_and_the_call_waits_on() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    first = d.offered_to(uid)
    assert first is not None
    d.send(cmd.OfferFailed(uid, "Permission denied", "refused"))
    # not the operator's doing: nobody is barred and nobody counts a miss
    assert d.state.calls[uid].attempts[0].result == "refused"
    assert d.offered_to(uid) is not None
    assert not d.state.calls[uid].refused
    assert d.state.agents[first].misses == 0


def test_redirect_to_a_vanished_channel_ends_the_call() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    d.send(cmd.OfferFailed(uid, "No such channel", "gone"))
    assert d.ended() == {uid: "abandoned"}
    assert status(d, "a1") is AgentStatus.AVAILABLE
    assert not d.state.waiting.get("alpha")


def test_engine_enforces_the_offer_timeout() -> None:
    d = Driver()
    d.login("a1", "a2")
    uid = d.call()
    first = d.offered_to(uid)
    d.wait(20)
    assert d.offered_to(uid) == first  # Asterisk's own dial timeout (15 s) normally ends it first
    d.wait(1)
    assert d.state.calls[uid].attempts[0].result == "timeout"
    assert first in d.state.calls[uid].refused
    assert d.offered_to(uid) not in (None, first)
    # the phone never rang (no DialBegin): not a miss towards the no-answer pause
    assert first is not None
    assert d.state.agents[first].misses == 0


def test_pause_and_logout_by_command() -> None:
    d = Driver()
    d.login("a1")
    d.send(cmd.AgentCommand("a1", "pause", "lunch"))
    assert d.state.agents["a1"].paused == "lunch"
    uid = d.call()
    assert d.offered_to(uid) is None
    d.send(cmd.AgentCommand("a1", "unpause"))
    assert d.offered_to(uid) == "a1"
    d.send(cmd.AgentCommand("a1", "logout"))
    assert status(d, "a1") is AgentStatus.LOGGED_OUT


@pytest.mark.parametrize(
    ("selection", "expected"),
    [("longest_idle", "a2"), ("fewest_calls", "a1"), ("best_skill", "a2")],
)
def test_selection_policies(selection: str, expected: str) -> None:
    d = Driver(topo=topology(selection))
    d.login("a2")  # vaxel 5
    first = d.call()
    d.deliver(first, "ANSWER")
    d.wait(20)
    d.hangup(first)  # a2: one call today, idle from the end of wrap-up (+10 s)
    d.wait(15)
    d.login("a1")  # vaxel 3, no calls, idle only from now (5 s after a2)
    uid = d.call()
    assert d.offered_to(uid) == expected


def test_round_robin_rotates() -> None:
    d = Driver(topo=topology("round_robin"))
    d.login("a1", "a2")
    picked = []
    for _ in range(4):
        uid = d.call()
        picked.append(d.offered_to(uid))
        d.hangup(uid)
    assert picked == ["a1", "a2", "a1", "a2"]


def test_sticky_agent_is_preferred_within_the_window() -> None:
    d = Driver(topo=topology(sticky=600))
    d.login("a1", "a2")
    uid = d.call(caller="+46709999999")
    agent = d.offered_to(uid)
    d.deliver(uid, "ANSWER")
    d.hangup(uid)
    d.wait(11)
    d.wait(100)
    again = d.call(caller="+46709999999")
    assert d.offered_to(again) == agent


def test_rebuild_after_restart_recovers_waiting_callers_and_ends_lost_ones() -> None:
    d = Driver()
    lost = d.call()
    d.wait(5)
    entries = tuple(
        ev.CallerJoined(
            "alpha-main", f"PJSIP/inbound-{i:08x}", f"1800.{i}", None, "+4670", "x", i + 1, 40 + i
        )
        for i in range(20)
    )
    d.login("a1", "a2")
    offered_before = len(d.offers())
    contacts = tuple(
        ev.ContactStatusChanged(aor, f"sip:{aor}@127.0.0.1", "NonQualified")
        for aor in ("1001", "1002")
    )
    devices = (
        ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"),
        ev.DeviceStateChanged("PJSIP/1003", "UNAVAILABLE"),
    )
    d.send(cmd.Snapshot(entries, (), devices, contacts))
    assert d.ended()[lost] == "abandoned"
    waiting = [c for c in d.state.calls.values() if c.phase is not CallPhase.ENDED]
    assert len(waiting) == 20
    new = d.offers()[offered_before:]
    assert sorted(o.uniqueid for o in new) == ["1800.18", "1800.19"]  # the two longest waiting
    assert d.state.agents["ab"].status(d.now) is AgentStatus.LOGGED_OUT
    assert not d.state.agents["b1"].contact  # registered nowhere in the snapshot


def test_caller_cancel_while_ringing_is_not_the_agents_miss() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.send(ev.DialEnded(call.channel, uid, "PJSIP/1001-00000009", "leg", "CANCEL"))
    d.hangup(uid)
    assert d.state.agents["a1"].misses == 0
    assert d.state.agents["a1"].status(d.now) is AgentStatus.AVAILABLE
    assert d.ended() == {uid: "abandoned"}


def test_requeue_steps_callback_once_then_voicemail() -> None:
    from switchboard.core.requeue import next_step
    from switchboard.core.rules import OverflowRule

    d = Driver()
    uid = d.call()
    call = d.state.calls[uid]
    plan = (
        OverflowRule(30, partners=("beta",)),
        OverflowRule(180, offer="callback"),
        OverflowRule(300, action="voicemail"),
    )
    call = call.__class__(
        **{f: getattr(call, f) for f in call.__slots__ if f != "overflow"}, overflow=plan
    )
    assert next_step(None, d.now, 30).action == "queue"
    assert (next_step(call, d.now + 10, 30).action, next_step(call, d.now + 10, 30).wait_s) == (
        "queue",
        30,
    )
    assert next_step(call, d.now + 170, 30).wait_s == 10  # cut to the callback step
    assert next_step(call, d.now + 181, 30).action == "callback"
    offered = call.__class__(
        **{f: getattr(call, f) for f in call.__slots__ if f != "callback_offered"},
        callback_offered=True,
    )
    assert next_step(offered, d.now + 200, 30).action == "queue"
    assert next_step(offered, d.now + 300, 30).action == "voicemail"


def test_wrapup_follows_the_service_of_the_call() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call("alpha-legal")  # legal: 40 s wrap-up; the default is 10 s
    d.deliver(uid, "ANSWER")
    d.hangup(uid)
    d.wait(11)
    assert d.state.agents["a1"].status(d.now) is AgentStatus.WRAPUP
    d.wait(30)
    assert d.state.agents["a1"].status(d.now) is AgentStatus.AVAILABLE


def test_sticky_memory_is_kept_only_for_the_window() -> None:
    d = Driver(topo=topology(sticky=60))
    d.login("a1")
    uid = d.call(caller="+46709999999")
    d.deliver(uid, "ANSWER")
    assert "+46709999999" in d.state.recent
    d.hangup(uid)
    d.wait(61)
    assert "+46709999999" not in d.state.recent
    plain = Driver()
    plain.login("a1")
    other = plain.call()
    plain.deliver(other, "ANSWER")
    assert len(plain.state.recent) == 0
