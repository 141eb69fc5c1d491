"""A new configuration's topology, swapped in between two events by the single writer.

Calls carry their own tenant, queue, skills, priority and overflow plan from the moment they
were routed, so calls in progress keep their decisions. Agents new in the file appear logged
out; agents gone from it are logged out (their saved session says so). One still ringing or
talking stays known as `retiring` (it can no longer log in) until a later reload finds it idle,
so its call ends, and is recorded, as any other.
"""

from __future__ import annotations

from switchboard.core.dispatch import dispatch
from switchboard.core.effects import AgentSession, Effect
from switchboard.core.evolve import replace
from switchboard.core.offers import offer_failed
from switchboard.core.state import Agent, State
from switchboard.core.topology import AgentInfo, Topology
from switchboard.core.updates import put_agent, release_offer


def reconfigure(
    state: State, old: Topology, new: Topology, now: float
) -> tuple[State, Topology, list[Effect]]:
    """The state and the effective topology after replacing `old` by `new` at `now`."""
    effects: list[Effect] = []
    retiring: dict[str, AgentInfo] = {}
    for aid in sorted(set(state.agents) - set(new.agents)):
        state = _log_out(state, state.agents[aid], now, effects)
        agent = state.agents[aid]
        info = old.agents.get(aid)
        busy = agent.offer is not None or agent.call is not None
        if busy and info is not None and info.device not in new.by_device:
            retiring[aid] = info
            continue
        # Idle, or its device now belongs to another agent (an agent renamed while ringing):
        # the offer cannot be told apart any more, so the caller goes back to waiting.
        state = _withdraw(state, new, agent, now, effects)
        agents = state.agents.delete(aid)
        state = replace(state, agents=agents, free=state.free - {aid})
    for aid in new.agents:
        if aid not in state.agents:
            state = put_agent(state, Agent(aid, idle_since=now), now, effects)
    topo = with_retiring(new, retiring)
    state, offers = dispatch(state, topo, now)
    return state, topo, effects + offers


def with_retiring(topo: Topology, retiring: dict[str, AgentInfo]) -> Topology:
    """`topo` that still knows the `retiring` agents (by id and device), which serve nobody."""
    if not retiring:
        return topo
    return replace(
        topo,
        agents={**topo.agents, **retiring},
        by_device={**topo.by_device, **{info.device: aid for aid, info in retiring.items()}},
        retiring=frozenset(retiring),
    )


def _log_out(state: State, agent: Agent, now: float, effects: list[Effect]) -> State:
    if agent.logged_in or agent.paused is not None:
        effects.append(AgentSession(agent.id, False, None))
    return put_agent(state, replace(agent, logged_in=False, paused=None), now, effects)


def _withdraw(
    state: State, topo: Topology, agent: Agent, now: float, effects: list[Effect]
) -> State:
    call = state.calls.get(agent.offer or "")
    pending = call.pending if call is not None else None
    if call is None or pending is None or pending.agent != agent.id:
        return release_offer(state, agent.id, now, effects)
    return offer_failed(state, topo, call, "withdrawn", "agent_removed", now, effects)
