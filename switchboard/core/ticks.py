"""Time passing: wrap-ups end, offers time out, overflow steps open, callbacks expire, counters
reset at midnight."""

from __future__ import annotations

from switchboard.core.callbacks import expire
from switchboard.core.effects import AgentChanged, Effect
from switchboard.core.evolve import replace
from switchboard.core.offers import dial_result
from switchboard.core.overrides import expire_overrides
from switchboard.core.state import Agent, AgentStatus, State
from switchboard.core.topology import Topology
from switchboard.core.updates import prune_ended, put_agent, put_call, release_offer

OFFER_GRACE_S = 5  # past the ring time, before the engine gives up on a delivery report


def tick(state: State, topo: Topology, now: float, effects: list[Effect]) -> State:
    """Apply what `now` changes without any event."""
    day = topo.local_day(now)
    for aid, agent in state.agents.items():
        if day != state.day and agent.calls_today:
            agent = replace(agent, calls_today=0)
            state = put_agent(state, agent, now, effects)
        if agent.wrapup_until and agent.wrapup_until <= now and aid not in state.free:
            state = _wrapup_ended(state, agent, now, effects)
        if agent.offer is not None and now - agent.offer_at > topo.offer_timeout_s + OFFER_GRACE_S:
            state = _offer_timed_out(state, topo, aid, now, effects)
    state = _overflow_steps(state, now, effects)
    state = expire(state, now, effects)
    state = expire_overrides(state, now, effects)
    expired = [c for c, (_, at) in state.recent.items() if now - at > topo.sticky_agent_s]
    if expired:
        recent = state.recent.mutate()
        for caller in expired:
            del recent[caller]
        state = replace(state, recent=recent.finish())
    return replace(prune_ended(state, now), day=day)


def _wrapup_ended(state: State, agent: Agent, now: float, effects: list[Effect]) -> State:
    """Clear an expired wrap-up; its end is reported at the moment it ended, not at the tick."""
    ended_at = agent.wrapup_until
    cleared = replace(agent, wrapup_until=0.0)
    state = put_agent(state, cleared, now, effects)
    if agent.status(ended_at - 1e-6) is AgentStatus.WRAPUP:
        # status() is derived from the time, so at `now` nothing seems to change: tell it.
        effects.append(AgentChanged(cleared, cleared.status(now), ended_at))
    return state


def _offer_timed_out(
    state: State, topo: Topology, aid: str, now: float, effects: list[Effect]
) -> State:
    agent = state.agents[aid]
    call = state.calls.get(agent.offer or "")
    pending = call.pending if call is not None else None
    if call is None or pending is None or pending.agent != aid:
        return release_offer(state, aid, now, effects)
    if pending.delivery == "unknown" and not pending.rang:
        # The AMI link dropped mid-send and nothing shows the phone rang: nobody's miss.
        state = release_offer(state, aid, now, effects)
        lost = replace(pending, result="lost", ended_at=now)
        back = replace(
            call, attempts=call.with_attempt(lost), timeline=call.note(now, "offer_lost")
        )
        return put_call(state, back, now, effects, "missed")
    return dial_result(state, topo, call, topo.agents[aid].device, "TIMEOUT", now, effects)


def _overflow_steps(state: State, now: float, effects: list[Effect]) -> State:
    for ids in list(state.waiting.values()):
        for cid in ids:
            call = state.calls[cid]
            if call.overflow_step >= len(call.overflow):
                continue
            waited = call.waited(now)
            reached = sum(1 for step in call.overflow if step.after_s <= waited)
            if reached > call.overflow_step:
                stepped = replace(
                    call, overflow_step=reached, timeline=call.note(now, f"overflow:{reached}")
                )
                state = put_call(state, stepped, now, effects, "overflowed")
    return state
