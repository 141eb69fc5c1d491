"""Primitive pure updates of State that keep its indexes (free agents, waiting calls) true."""

from __future__ import annotations

from switchboard.core.effects import AgentChanged, CallChanged, Effect
from switchboard.core.evolve import replace
from switchboard.core.state import Agent, AgentStatus, Call, CallPhase, State

ENDED_KEPT_S = 600.0  # how long an ended call id is remembered against stale snapshots
HANDLED_KEPT = 50  # recent talk times kept per queue for the wait estimate


def put_agent(state: State, agent: Agent, now: float, effects: list[Effect]) -> State:
    """Store `agent`, keep the free set equal to the agents available at `now`, report changes."""
    free = state.free
    status = agent.status(now)
    if status is AgentStatus.AVAILABLE:
        free = free | {agent.id} if agent.id not in free else free
    elif agent.id in free:
        free = free - {agent.id}
    before = state.agents.get(agent.id)
    if before is None or before.status(now) is not status or before.paused != agent.paused:
        effects.append(AgentChanged(agent, status, now))
    return replace(state, agents=state.agents.set(agent.id, agent), free=free)


def put_call(
    state: State, call: Call, now: float, effects: list[Effect], milestone: str | None = None
) -> State:
    """Store `call` (or retire it when ended); index it while waiting; report a milestone."""
    call = replace(call, changed_at=now)
    members = state.waiting.get(call.tenant, frozenset())
    queued = call.phase is CallPhase.WAITING
    if queued and call.id not in members:
        waiting = state.waiting.set(call.tenant, members | {call.id})
    elif not queued and call.id in members:
        waiting = state.waiting.set(call.tenant, members - {call.id})
    else:
        waiting = state.waiting
    recalls = state.recalls
    if call.recall is not None and call.outcome is None:
        recalls = recalls | {call.id} if call.id not in recalls else recalls
    elif call.id in recalls:
        recalls = recalls - {call.id}
    if call.outcome is not None:
        effects.append(CallChanged(call, "ended"))
        calls = state.calls.delete(call.id) if call.id in state.calls else state.calls
        ended = state.ended.set(call.id, now)
        return replace(state, calls=calls, waiting=waiting, recalls=recalls, ended=ended)
    if milestone is not None:
        effects.append(CallChanged(call, milestone))
    return replace(state, calls=state.calls.set(call.id, call), waiting=waiting, recalls=recalls)


def end_call(
    state: State, call: Call, outcome: str, now: float, effects: list[Effect], wrapup_s: float
) -> State:
    """Give `call` its one terminal outcome and release any agent tied to it."""
    if call.offer is not None:
        state = release_offer(state, call.offer, now, effects)
    if call.agent is not None:
        state = record_talk(state, call, now)
        state = finish_agent_call(state, call.agent, call.id, now, wrapup_s, effects)
    attempts = call.attempts
    if attempts and (attempts[-1].result is None or attempts[-1].talking):
        last = attempts[-1]
        attempts = (*attempts[:-1], replace(last, result=last.result or "gone", ended_at=now))
    transfers = call.transfers
    if transfers and transfers[-1].ended_at is None:
        last_t = transfers[-1]
        transfers = (*transfers[:-1], replace(last_t, result=last_t.result or "gone", ended_at=now))
    ended = replace(
        call,
        outcome=outcome,
        ended_at=now,
        in_queue=False,
        attempts=attempts,
        transfers=transfers,
        agent=None,
        recall=None,
        timeline=call.note(now, outcome),
    )
    return put_call(state, ended, now, effects)


def release_offer(state: State, agent_id: str, now: float, effects: list[Effect]) -> State:
    """Clear the agent's pending offer without counting a miss."""
    agent = state.agents.get(agent_id)
    if agent is None or agent.offer is None:
        return state
    return put_agent(state, replace(agent, offer=None, offer_at=0.0), now, effects)


def finish_agent_call(
    state: State, agent_id: str, call_id: str, now: float, wrapup_s: float, effects: list[Effect]
) -> State:
    """The agent's part of `call_id` is over: wrap-up starts now, idle time counts from its end."""
    agent = state.agents.get(agent_id)
    if agent is None or agent.call != call_id:
        return state
    until = now + wrapup_s
    done = replace(agent, call=None, wrapup_until=until, idle_since=until)
    return put_agent(state, done, now, effects)


def hang_up_agent_leg(
    state: State, call: Call, now: float, effects: list[Effect], wrapup_s: float
) -> State:
    """The operator left the conversation (hung up or transferred): the call goes on without."""
    if call.agent is None:
        return state
    state = record_talk(state, call, now)
    state = finish_agent_call(state, call.agent, call.id, now, wrapup_s, effects)
    attempts = call.attempts
    for i in range(len(attempts) - 1, -1, -1):
        if attempts[i].talking and attempts[i].agent == call.agent:
            attempts = (*attempts[:i], replace(attempts[i], ended_at=now), *attempts[i + 1 :])
            break
    left = replace(
        call, agent=None, attempts=attempts, timeline=call.note(now, f"agent_left:{call.agent}")
    )
    return put_call(state, left, now, effects, "updated")


def record_talk(state: State, call: Call, now: float) -> State:
    """Keep how long the operator talking to `call` talked, for its queue's wait estimates."""
    talk = next((a for a in reversed(call.attempts) if a.talking and a.agent == call.agent), None)
    if talk is None or talk.answered_at is None:
        return state
    recent = (*state.handled.get(call.queue, ())[-(HANDLED_KEPT - 1) :], now - talk.answered_at)
    return replace(state, handled=state.handled.set(call.queue, recent))


def prune_ended(state: State, now: float) -> State:
    """Forget ended call ids older than ENDED_KEPT_S."""
    old = [cid for cid, at in state.ended.items() if now - at > ENDED_KEPT_S]
    if not old:
        return state
    ended = state.ended.mutate()
    for cid in old:
        del ended[cid]
    return replace(state, ended=ended.finish())
