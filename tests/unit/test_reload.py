"""Swapping the topology between two events (core/reload.py): calls keep their decisions,
new agents appear logged out, removed agents are logged out and retire once idle."""

from __future__ import annotations

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import AgentSession, CallChanged, Offer
from switchboard.core.records import record_of
from switchboard.core.reload import reconfigure
from switchboard.core.state import AgentStatus, CallPhase
from switchboard.core.topology import Topology
from tests.unit.dispatch_fixture import WORLD, Driver

A2 = "  a2: {{device: PJSIP/1002, home: alpha, skills: {{vaxel: 5}}, languages: [sv, en]}}\n"


def edited(*edits: tuple[str, str]) -> Topology:
    text = WORLD
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    config = parse_config(text.format(selection="longest_idle", sticky=0), "new.yaml", {})
    return compile_topology(config, compile_routing(config))


def swap(d: Driver, new: Topology) -> list[object]:
    d.state, d.topo, effects = reconfigure(d.state, d.topo, new, d.now)
    d.effects += effects
    return list(effects)


def status(d: Driver, aid: str) -> AgentStatus:
    return d.state.agents[aid].status(d.now)


def test_new_agents_appear_logged_out_and_removed_idle_agents_are_logged_out_and_gone() -> None:
    d = Driver()
    d.login("a1", "a2")
    new = edited((A2, "  a3: {{device: PJSIP/1009, home: alpha, skills: {{vaxel: 1}}}}\n"))
    effects = swap(d, new)
    assert AgentSession("a2", False, None) in effects
    assert "a2" not in d.state.agents
    assert "a2" not in d.state.free
    assert "a2" not in d.topo.agents
    assert status(d, "a3") is AgentStatus.LOGGED_OUT
    assert status(d, "a1") is AgentStatus.AVAILABLE  # kept agents keep their live state
    assert d.topo is new  # nobody busy was removed: the new topology as compiled


def test_calls_in_progress_keep_their_decisions_and_new_calls_meet_the_new_rules() -> None:
    d = Driver()
    uid = d.call()  # nobody logged in: waits with alpha's plan (partner beta after 30 s)
    before = d.state.calls[uid]
    swap(
        d, edited(("skills: [vaxel], target_answer_s: 30", "skills: [vaxel], target_answer_s: 99"))
    )
    kept = d.state.calls[uid]
    assert (kept.skills, kept.target_answer_s, kept.overflow) == (
        before.skills,
        before.target_answer_s,
        before.overflow,
    )
    assert d.topo.queues["alpha-main"].target_answer_s == 99
    d.login("a1")
    assert d.last_offer().uniqueid == uid


def test_a_removed_agent_on_a_call_retires_the_call_ends_normally_and_is_recorded() -> None:
    d = Driver()
    d.login("a2")
    uid = d.call()
    d.deliver(uid, "ANSWER")
    swap(d, edited((A2, "")))
    assert d.topo.retiring == {"a2"}
    assert "PJSIP/1002" in d.topo.by_device
    assert status(d, "a2") is AgentStatus.LOGGED_OUT
    assert d.state.calls[uid].agent == "a2"
    d.send(cmd.AgentCommand("a2", "login"))  # a retiring agent cannot come back by phone
    assert status(d, "a2") is AgentStatus.LOGGED_OUT
    d.hangup(uid)
    assert d.ended() == {uid: "answered"}
    ended = [e.call for e in d.effects if isinstance(e, CallChanged) and e.ended]
    assert record_of(ended[-1], d.topo).answered_by_home == "alpha"
    swap(d, edited((A2, "")))  # the next reload finds it idle: gone
    assert "a2" not in d.state.agents
    assert d.topo.retiring == frozenset()


def test_a_removed_agent_still_ringing_keeps_the_offer_until_it_is_answered() -> None:
    d = Driver()
    d.login("a1", "a2")
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))  # a1 busy: the call goes to a2
    uid = d.call()
    assert d.offered_to(uid) == "a2"
    swap(d, edited((A2, "")))
    assert d.offered_to(uid) == "a2"
    assert d.state.calls[uid].phase is CallPhase.OFFERED
    d.deliver(uid, "ANSWER")
    assert d.state.calls[uid].answered_by == "a2"
    assert [o.agent for o in d.offers()] == ["a2"]  # never offered twice


def test_an_agent_renamed_while_ringing_gives_the_caller_back_to_the_queue() -> None:
    d = Driver()
    d.login("a1", "a2")
    d.send(ev.DeviceStateChanged("PJSIP/1001", "INUSE"))
    uid = d.call()
    assert d.offered_to(uid) == "a2"
    swap(d, edited((A2, A2.replace("a2:", "a9:"))))  # same phone, new agent id
    call = d.state.calls[uid]
    assert call.phase is CallPhase.WAITING
    assert call.attempts[-1].result == "withdrawn"
    assert d.topo.by_device["PJSIP/1002"] == "a9"
    assert "a2" not in d.state.agents
    missed = [e for e in d.effects if isinstance(e, CallChanged) and e.milestone == "missed"]
    assert missed
    assert missed[-1].call.id == uid
    d.send(ev.DeviceStateChanged("PJSIP/1001", "NOT_INUSE"))
    assert d.last_offer() == Offer(
        uid, call.channel, "a1", "PJSIP/1001", "alpha", "ALPHA", "alpha-main"
    )


def test_reconfigure_with_the_same_topology_changes_nothing() -> None:
    d = Driver()
    d.login("a1")
    d.call()
    state, topo = d.state, d.topo
    effects = swap(d, topo)
    assert (d.state, d.topo, effects) == (state, topo, [])
