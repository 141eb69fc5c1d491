"""Stateful property test: dispatcher invariants under any interleaving of events."""

from __future__ import annotations

from collections import Counter

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.apply import initial_state
from switchboard.core.effects import CallChanged, Offer
from switchboard.core.select import BORROWED, eligible, overdue, pick_agent, policy_key, tier
from switchboard.core.state import AgentStatus, Call, State
from switchboard.core.topology import Topology
from tests.unit.dispatch_fixture import Driver, topology

AGENTS = ["a1", "a2", "ab", "b1", "b2"]
QUEUES = ["alpha-main", "alpha-legal", "beta-main"]
DIAL = ["ANSWER", "NOANSWER", "BUSY", "CHANUNAVAIL"]


class Dispatching(RuleBasedStateMachine):
    """Random arrivals, hangups, agent changes, dial results, time and engine restarts."""

    def __init__(self) -> None:
        super().__init__()
        self.d = Driver(topology(sticky=30))  # a returning caller's last operator first
        self.checked = 0

    @rule(queue=st.sampled_from(QUEUES), prio=st.integers(0, 3))
    def arrive(self, queue: str, prio: int) -> None:
        self.d.call(queue, caller=f"+4670{self.d.seq % 4:07d}", prio=prio)  # callers return

    @precondition(lambda self: len(self.d.state.calls) > 0)
    @rule(data=st.data())
    def caller_hangs_up(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(self.d.state.calls)))
        self.d.hangup(uid)

    @precondition(lambda self: any(c.offer for c in self.d.state.calls.values()))
    @rule(data=st.data(), status=st.sampled_from(DIAL))
    def dial_ends(self, data: st.DataObject, status: str) -> None:
        offered = sorted(c.id for c in self.d.state.calls.values() if c.offer)
        self.d.deliver(data.draw(st.sampled_from(offered)), status)

    @precondition(lambda self: any(c.agent for c in self.d.state.calls.values()))
    @rule(data=st.data())
    def agent_leg_hangs_up(self, data: st.DataObject) -> None:
        connected = sorted(c.id for c in self.d.state.calls.values() if c.agent)
        uid = data.draw(st.sampled_from(connected))
        self.d.send(ev.ChannelHungUp("PJSIP/100x-1", f"leg-{uid}", uid, 16))

    @rule(
        agent=st.sampled_from(AGENTS),
        action=st.sampled_from(["login", "logout", "pause", "unpause"]),
    )
    def agent_command(self, agent: str, action: str) -> None:
        self.d.send(cmd.AgentCommand(agent, action, "lunch"))

    @rule(
        agent=st.sampled_from(AGENTS),
        state=st.sampled_from(["NOT_INUSE", "INUSE", "UNAVAILABLE", "RINGING"]),
    )
    def device_changes(self, agent: str, state: str) -> None:
        self.d.send(ev.DeviceStateChanged(self.d.topo.agents[agent].device, state))

    @rule(seconds=st.sampled_from([1, 5, 11, 16, 25, 31, 50]))
    def time_passes(self, seconds: int) -> None:
        self.d.wait(seconds)

    @rule()
    def engine_restarts(self) -> None:
        """A new engine: empty state, agents restored from the store, snapshot from Asterisk."""
        d = self.d
        sessions = tuple((a.id, a.logged_in, a.paused) for a in d.state.agents.values())
        entries = tuple(
            ev.CallerJoined(
                c.queue, c.channel, c.id, None, c.caller_num, "x", 1, int(c.waited(d.now))
            )
            for c in d.state.calls.values()
            if c.in_queue and c.offer is None
        )
        contacts = tuple(
            ev.ContactStatusChanged(i.device.split("/")[1], "sip:x", "NonQualified")
            for i in d.topo.agents.values()
        )
        d.state = initial_state(d.topo, d.now)
        d.send(cmd.AgentsRestored(sessions))
        d.send(cmd.Snapshot(entries, (), (), contacts))

    @invariant()
    def offers_are_one_to_one(self) -> None:
        s = self.d.state
        for aid, agent in s.agents.items():
            if agent.offer is not None and agent.offer in s.calls:
                assert s.calls[agent.offer].offer == aid
        for cid, call in s.calls.items():
            if call.offer is not None:
                assert s.agents[call.offer].offer == cid
        offered = [a.offer for a in s.agents.values() if a.offer is not None]
        assert len(offered) == len(set(offered))

    @invariant()
    def the_pick_is_the_best_eligible_free_agent(self) -> None:
        s, now = self.d.state, self.d.now
        for call in s.calls.values():  # offered and connected calls too: they have candidates
            assert pick_agent(s, self.d.topo, call, now) == best_by_scan(s, self.d.topo, call, now)

    @invariant()
    def no_idle_agent_beside_a_caller_it_may_take(self) -> None:
        s, now = self.d.state, self.d.now
        for aid in s.free:
            assert s.agents[aid].status(now) is AgentStatus.AVAILABLE
            for call in s.calls.values():
                if call.dispatchable:
                    assert eligible(s, self.d.topo, self.d.topo.agents[aid], call, now) is None, (
                        aid,
                        call.id,
                    )

    @invariant()
    def free_set_is_exact(self) -> None:
        s, now = self.d.state, self.d.now
        available = {a for a, ag in s.agents.items() if ag.status(now) is AgentStatus.AVAILABLE}
        # wrap-ups expire on the next tick, so the set may lag only for those agents
        lagging = {a for a in available - s.free if s.agents[a].wrapup_until}
        assert s.free == available - lagging

    @invariant()
    def each_call_ends_once(self) -> None:
        ended = Counter(e.call.id for e in self.d.effects if isinstance(e, CallChanged) and e.ended)
        assert all(n == 1 for n in ended.values())
        assert not set(ended) & set(self.d.state.calls)

    @invariant()
    def borrowed_agents_only_when_the_lender_is_within_target(self) -> None:
        s, now = self.d.state, self.d.now
        new = [e for e in self.d.effects[self.checked :] if isinstance(e, Offer)]
        self.checked = len(self.d.effects)
        for offer in new:
            call = s.calls.get(offer.uniqueid)
            if call is None or call.offer != offer.agent:
                continue
            info = self.d.topo.agents[offer.agent]
            if tier(info, call, now) == BORROWED:
                assert not overdue(s, info.home, now)


def best_by_scan(s: State, topo: Topology, call: Call, now: float) -> str | None:
    """The rule pick_agent implements, checked candidate by candidate: every free eligible
    agent ranked by tier, sticky agent, language, then the selection policy."""
    partners = [a for p in sorted(call.open_partners(now)) for a in topo.home_agents.get(p, ())]
    recent = s.recent.get(call.caller_num)
    best: tuple[tuple[float, ...], str] | None = None
    for aid in (*topo.serving.get(call.tenant, ()), *partners):
        info = topo.agents[aid]
        level = eligible(s, topo, info, call, now)
        if aid not in s.free or level is None:
            continue
        sticky = (
            recent is not None
            and topo.sticky_agent_s > 0
            and recent[0] == aid
            and now - recent[1] <= topo.sticky_agent_s
        )
        language = call.language is None or call.language in info.languages
        key = (level, 0 if sticky else 1, 0 if language else 1, *policy_key(s, topo, info, call))
        if best is None or key < best[0]:
            best = (key, aid)
    return None if best is None else best[1]


TestDispatching = Dispatching.TestCase
TestDispatching.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
