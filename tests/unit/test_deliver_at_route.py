"""A caller who arrives while an operator is free goes to that operator in its route answer:
no queue join, no Setvar/Redirect; every way that answer can fail keeps the caller and bars
nobody who did not miss."""

from __future__ import annotations

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import CallChanged, Offer
from switchboard.core.records import record_of
from switchboard.core.state import AgentStatus, CallPhase
from tests.unit.dispatch_fixture import Driver


def milestones(d: Driver, uid: str) -> list[str]:
    return [e.milestone for e in d.effects if isinstance(e, CallChanged) and e.call.id == uid]


def offers_of(d: Driver, uid: str) -> list[Offer]:
    return [o for o in d.offers() if o.uniqueid == uid]


def test_a_free_operator_is_offered_in_the_route_answer_and_the_call_counts_as_queued() -> None:
    d = Driver()
    d.login("a1")
    arrived = d.now
    uid = d.call(direct=True)
    [offer] = offers_of(d, uid)
    assert (offer.agent, offer.device, offer.answer) == ("a1", "PJSIP/1001", True)
    call = d.state.calls[uid]
    assert not call.at_route
    assert not call.in_queue
    assert milestones(d, uid) == ["arrived", "queued", "offered"]
    d.now += 4
    d.deliver(uid, "ANSWER")
    call = d.state.calls[uid]
    assert call.phase is CallPhase.CONNECTED
    assert call.answered_by == "a1"
    record = record_of(call, d.topo)
    assert record.queued_at == arrived
    assert record.waited_s == 4  # waited from its route on


def test_without_a_free_operator_it_waits_in_its_queue_counted_queued_once() -> None:
    d = Driver()
    uid = d.call(direct=True)
    assert offers_of(d, uid) == []
    call = d.state.calls[uid]
    assert call.in_queue
    assert not call.at_route
    assert call.phase is CallPhase.WAITING
    assert milestones(d, uid) == ["arrived", "queued"]  # its queue join adds no second one
    d.login("a1")
    [offer] = offers_of(d, uid)
    assert offer.agent == "a1"
    assert not offer.answer  # a waiting caller: Setvar + Redirect


def test_a_caller_still_in_its_route_session_is_not_redirected() -> None:
    """An operator freed between the route answer and the queue join waits for the join: a
    Redirect during the AGI would cut the session."""
    d = Driver()
    uid = d.call(direct=True, join=False)
    d.login("a1")
    assert offers_of(d, uid) == []
    call = d.state.calls[uid]
    d.send(ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "Åsa", 1))
    [offer] = offers_of(d, uid)
    assert offer.agent == "a1"
    assert not offer.answer


def test_the_route_offer_goes_in_rank_order_with_callers_already_waiting() -> None:
    d = Driver()
    d.login("a1")
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))  # a1 busy on a private call
    first = d.call(caller="+46701111111")
    second = d.call(caller="+46702222222", prio=5, direct=True)
    assert d.offers() == []
    d.send(ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"))
    assert d.offered_to(second) == "a1"  # the higher priority first, wherever it waits
    assert d.offered_to(first) is None


def test_an_answer_that_never_reached_the_dialplan_is_no_miss() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call(direct=True)
    d.send(cmd.OfferFailed(uid, "route answer: TimeoutError", "unsent"))
    agent = d.state.agents["a1"]
    assert agent.status(d.now) is AgentStatus.AVAILABLE
    assert agent.misses == 0
    call = d.state.calls[uid]
    assert not call.refused
    assert call.offer is None
    assert call.phase is CallPhase.WAITING  # kept, its place counted from the route
    d.send(ev.CallerJoined("switchboard-fallback", call.channel, uid, uid, "+4670", "Åsa", 1))
    assert d.state.calls[uid].via == "fallback"  # the dialplan without an answer: the fallback


def test_a_caller_who_hung_up_during_the_route_answer_frees_the_operator() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call(direct=True)
    d.send(cmd.OfferFailed(uid, "route session closed", "gone"))
    assert d.ended()[uid] == "abandoned"
    assert d.state.agents["a1"].status(d.now) is AgentStatus.AVAILABLE


def test_an_answer_refused_after_it_went_out_frees_the_operator_and_bars_nobody() -> None:
    """The engine tells the core `sent` as the answer leaves (Asterisk dials before the reply
    is read), then `refused` when the reply says so: the operator is free again."""
    d = Driver()
    d.login("a1")
    uid = d.call(direct=True)
    d.send(cmd.OfferSent(uid))
    d.send(cmd.OfferFailed(uid, "route answer refused: 510", "refused"))
    agent = d.state.agents["a1"]
    assert agent.status(d.now) is AgentStatus.AVAILABLE
    assert agent.misses == 0
    assert d.state.calls[uid].offer is None
    assert d.state.calls[uid].phase is CallPhase.WAITING


def test_a_caller_gone_after_the_answer_went_out_frees_the_operator() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call(direct=True)
    d.send(cmd.OfferSent(uid))
    d.send(cmd.OfferFailed(uid, "route session closed", "gone"))
    assert d.ended()[uid] == "abandoned"
    assert d.state.agents["a1"].status(d.now) is AgentStatus.AVAILABLE


def test_an_operator_who_misses_a_route_offer_is_barred_and_the_caller_keeps_its_place() -> None:
    d = Driver()
    d.login("a1", "a2")
    arrived = d.now
    uid = d.call(direct=True)
    first = d.offered_to(uid)
    d.now += 5
    d.deliver(uid, "NOANSWER")  # reported, then back into the queue at the head
    second = d.offered_to(uid)
    assert second not in (None, first)
    assert d.state.agents[first or ""].misses == 1
    assert not offers_of(d, uid)[-1].answer
    assert d.state.calls[uid].waiting_since == arrived


def test_a_call_sent_to_the_fallback_is_not_offered_at_route() -> None:
    d = Driver()
    d.login("a1")
    info = d.topo.queues["alpha-main"]
    uid = "1700000099.1"
    routed = cmd.CallRouted(
        uid,
        "PJSIP/inbound-99",
        info.tenant,
        info.service,
        "alpha-main",
        info.tag,
        0,
        info.skills,
        info.target_answer_s,
        info.overflow,
        "+46701111111",
        "Åsa",
        via="fallback",
        direct=True,
    )
    d.send(routed)
    assert offers_of(d, uid) == []
    assert not d.state.calls[uid].at_route
