"""The matching loop: offer waiting calls to free agents until no eligible pair is left."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core.effects import Effect, Offer
from switchboard.core.select import pick_agent, pick_call
from switchboard.core.state import Call, State
from switchboard.core.topology import Topology
from switchboard.core.updates import put_agent, put_call


def dispatch(state: State, topo: Topology, now: float) -> tuple[State, list[Effect]]:
    """Reserve agents for waiting calls; returns the new state and one Offer per match."""
    effects: list[Effect] = []
    while (pair := next_pair(state, topo, now)) is not None:
        call, agent_id = pair
        state = offer(state, topo, call, agent_id, now, effects)
    return state, effects


def next_pair(state: State, topo: Topology, now: float) -> tuple[Call, str] | None:
    """The next (call, agent) to match, scanning whichever side is smaller."""
    waiting = sum(len(ids) for ids in state.waiting.values())
    if not waiting or not state.free:
        return None
    if len(state.free) <= waiting:
        for agent_id in sorted(state.free):
            call = pick_call(state, topo, agent_id, now)
            if call is not None:
                # The call then chooses among all free agents, so home agents still come first.
                chosen = pick_agent(state, topo, call, now)
                return call, chosen or agent_id
        return None
    calls = (state.calls[cid] for ids in state.waiting.values() for cid in ids)
    calls = (c for c in calls if c.dispatchable)
    for call in sorted(
        calls, key=lambda c: (-c.priority, c.waiting_since or 0.0, c.arrived_at, c.id)
    ):
        best = pick_agent(state, topo, call, now)
        if best is not None:
            return call, best
    return None


def offer(
    state: State, topo: Topology, call: Call, agent_id: str, now: float, effects: list[Effect]
) -> State:
    """Reserve `agent_id` for `call` and emit the Offer the shell delivers."""
    agent = state.agents[agent_id]
    info = topo.agents[agent_id]
    state = put_agent(state, replace(agent, offer=call.id, offer_at=now), now)
    offered = replace(
        call, offer=agent_id, offer_at=now, timeline=call.note(now, f"offered:{agent_id}")
    )
    state = put_call(state, offered, now, effects)
    state = replace(state, rr_cursor=info.order)
    effects.append(
        Offer(call.id, call.channel, agent_id, info.device, call.tenant, call.tag, call.queue)
    )
    return state
