"""Primitive pure updates of State that keep its indexes (free agents, waiting calls) true."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core.effects import CallEnded, Effect
from switchboard.core.state import Agent, AgentStatus, Call, CallPhase, State


def put_agent(state: State, agent: Agent, now: float) -> State:
    """Store `agent` and keep the free set equal to the agents available at `now`."""
    free = state.free
    if agent.status(now) is AgentStatus.AVAILABLE:
        free = free | {agent.id} if agent.id not in free else free
    elif agent.id in free:
        free = free - {agent.id}
    return replace(state, agents=state.agents.set(agent.id, agent), free=free)


def put_call(state: State, call: Call, now: float, effects: list[Effect]) -> State:
    """Store `call` (or retire it when ended, adding CallEnded); index it by tenant while waiting."""
    members = state.waiting.get(call.tenant, frozenset())
    queued = call.phase is CallPhase.WAITING
    if queued and call.id not in members:
        waiting = state.waiting.set(call.tenant, members | {call.id})
    elif not queued and call.id in members:
        waiting = state.waiting.set(call.tenant, members - {call.id})
    else:
        waiting = state.waiting
    if call.outcome is not None:
        effects.append(CallEnded(call))
        calls = state.calls.delete(call.id) if call.id in state.calls else state.calls
        return replace(state, calls=calls, waiting=waiting)
    return replace(state, calls=state.calls.set(call.id, call), waiting=waiting)


def end_call(
    state: State, call: Call, outcome: str, now: float, effects: list[Effect], wrapup_s: float
) -> State:
    """Give `call` its one terminal outcome and release any agent tied to it."""
    if call.offer is not None:
        state = release_offer(state, call.offer, now)
    agent = state.agents.get(call.agent) if call.agent is not None else None
    if agent is not None and agent.call == call.id:
        state = finish_agent_call(state, agent.id, now, wrapup_s)
    ended = replace(
        call,
        outcome=outcome,
        ended_at=now,
        in_queue=False,
        offer=None,
        timeline=call.note(now, outcome),
    )
    return put_call(state, ended, now, effects)


def release_offer(state: State, agent_id: str, now: float) -> State:
    """Clear the agent's pending offer without counting a miss."""
    agent = state.agents.get(agent_id)
    if agent is None or agent.offer is None:
        return state
    return put_agent(state, replace(agent, offer=None, offer_at=0.0), now)


def finish_agent_call(state: State, agent_id: str, now: float, wrapup_s: float) -> State:
    """The agent's call is over: wrap-up starts now and idle time counts from its end."""
    agent = state.agents.get(agent_id)
    if agent is None:
        return state
    until = now + wrapup_s
    done = replace(agent, call=None, wrapup_until=until, idle_since=until)
    return put_agent(state, done, now)
