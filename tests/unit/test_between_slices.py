"""A caller between two Queue() slices (the requeue AGI, an announcement) is still waiting, and
a re-join that races an offer's Redirect is not taken for a failed delivery."""

from __future__ import annotations

from switchboard.core import events as ev
from tests.unit.dispatch_fixture import Driver


def leave(d: Driver, uid: str) -> None:
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))


def join(d: Driver, uid: str, context: str) -> None:
    call = d.state.calls[uid]
    d.send(ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "Åsa", 1,
                           context=context))  # fmt: skip


def test_a_caller_whose_slice_ended_is_offered_to_an_operator_who_frees() -> None:
    d = Driver()
    uid = d.call()
    leave(d, uid)  # the slice timed out: the dialplan asks requeue, then announces
    assert d.state.calls[uid].dispatchable
    d.login("a1")
    assert d.offered_to(uid) == "a1"


def test_a_rejoin_racing_the_redirect_keeps_the_offer() -> None:
    d = Driver()
    uid = d.call()
    leave(d, uid)
    d.login("a1")
    assert d.offered_to(uid) == "a1"
    join(d, uid, "switchboard-wait")  # the announcement ended before the Redirect landed
    call = d.state.calls[uid]
    assert call.offer == "a1"
    assert [w for _, w in call.timeline if w.startswith("missed")] == []
    assert d.state.agents["a1"].offer == uid


def test_a_rejoin_from_the_delivery_without_its_report_is_a_failed_delivery() -> None:
    d = Driver()
    uid = d.call()
    d.login("a1")
    assert d.offered_to(uid) == "a1"
    leave(d, uid)
    join(d, uid, "switchboard-deliver")  # Queue(...,1) after the Dial, its AGI report lost
    call = d.state.calls[uid]
    assert [(a.agent, a.result) for a in call.attempts] == [("a1", "unknown"), ("a1", None)]
    assert "missed:a1:unknown" in [w for _, w in call.timeline]
