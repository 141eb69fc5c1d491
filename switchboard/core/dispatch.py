"""The matching loop: offer waiting calls to free agents until no eligible pair is left.

Calls are served in rank order (priority, then place in the queue) across every queue and
tenant, each by its best eligible free agent; a caller whose transfer failed goes back to the
operator who transferred first (a recall) while that operator is free.
"""

from __future__ import annotations

from switchboard.core.callbacks import callout
from switchboard.core.effects import Effect, Offer
from switchboard.core.evolve import replace
from switchboard.core.select import pick_agent, pick_call, rank
from switchboard.core.state import Attempt, Call, State
from switchboard.core.topology import Topology
from switchboard.core.transfers import recallable
from switchboard.core.updates import put_agent, put_call


def dispatch(state: State, topo: Topology, now: float) -> tuple[State, list[Effect]]:
    """Reserve agents for waiting calls; returns the new state and one Offer per match."""
    effects: list[Effect] = []
    if not state.deliverable:
        return state, effects
    state = _recalls(state, topo, now, effects)
    while (pair := next_pair(state, topo, now)) is not None:
        call, agent_id = pair
        state = offer(state, topo, call, agent_id, now, effects)
    return state, effects


def next_pair(state: State, topo: Topology, now: float) -> tuple[Call, str] | None:
    """The best-ranked call any free agent may take, with its best agent."""
    waiting = sum(len(ids) for ids in state.waiting.values())
    if not waiting or not state.free:
        return None
    if len(state.free) <= waiting:
        # Each free agent's best call; the best of those is the best call any of them may take.
        best: Call | None = None
        for agent_id in state.free:
            call = pick_call(state, topo, agent_id, now)
            if call is not None and (best is None or rank(call) < rank(best)):
                best = call
        if best is None:
            return None
        chosen = pick_agent(state, topo, best, now)
        return None if chosen is None else (best, chosen)
    calls = (state.calls[cid] for ids in state.waiting.values() for cid in ids)
    for call in sorted((c for c in calls if c.ready(now)), key=rank):
        chosen = pick_agent(state, topo, call, now)
        if chosen is not None:
            return call, chosen
    return None


def offer(
    state: State,
    topo: Topology,
    call: Call,
    agent_id: str,
    now: float,
    effects: list[Effect],
    recall: bool = False,
) -> State:
    """Reserve `agent_id` for `call` and emit the Offer the shell delivers."""
    agent = state.agents[agent_id]
    info = topo.agents[agent_id]
    state = put_agent(state, replace(agent, offer=call.id, offer_at=now), now, effects)
    what = "recalled" if recall else "offered"
    offered = replace(
        call,
        attempts=(*call.attempts, Attempt(agent_id, now, recall=recall)),
        recall=None,
        between_slices=False,
        at_route=False,
        timeline=call.note(now, f"{what}:{agent_id}"),
    )
    state = put_call(state, offered, now, effects, "offered")
    state = replace(state, rr_cursor=info.order)
    if call.callback is not None:  # nobody waits on a channel: ring the operator, then the caller
        effects.append(callout(offered, topo, agent_id))
        return state
    effects.append(
        Offer(
            call.id,
            call.channel,
            agent_id,
            info.device,
            call.tenant,
            call.tag,
            call.queue,
            recall,
            answer=call.at_route,
        )
    )
    return state


def _recalls(state: State, topo: Topology, now: float, effects: list[Effect]) -> State:
    """Deliver waiting recalls to their operator, or drop the recall when it is not free."""
    for cid in state.recalls:
        call = state.calls[cid]
        if not call.ready(now) or call.recall is None:
            continue
        agent = state.agents.get(call.recall)
        if agent is not None and recallable(agent):
            state = offer(state, topo, call, agent.id, now, effects, recall=True)
        else:
            state = put_call(state, replace(call, recall=None), now, effects)
    return state
