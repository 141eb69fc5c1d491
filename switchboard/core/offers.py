"""How an offer ends: answered, missed (the operator is barred for a while), or not the operator's
doing at all (never sent, link lost, caller gone), which bars nobody and counts no miss."""

from __future__ import annotations

from switchboard.core.effects import AgentPaused, AgentSession, Effect
from switchboard.core.evolve import replace
from switchboard.core.state import Attempt, Call, State
from switchboard.core.topology import Topology
from switchboard.core.updates import end_call, put_agent, put_call, release_offer

RANG_STATUSES = frozenset({"NOANSWER", "BUSY"})


def offer_sent(state: State, call: Call, now: float, effects: list[Effect]) -> State:
    """Asterisk accepted the Redirect: the caller is on its way to the operator."""
    pending = call.pending
    if pending is None or pending.delivery != "sending":
        return state
    sent = replace(pending, delivery="sent", delivery_at=now)
    return put_call(state, replace(call, attempts=call.with_attempt(sent)), now, effects)


def phone_rang(state: State, call: Call, agent_id: str | None, now: float) -> State:
    """DialBegin towards the offered operator: a later no-answer is the operator's miss."""
    pending = call.pending
    if pending is None or pending.agent != agent_id or pending.rang:
        return state
    rang = replace(call, attempts=call.with_attempt(replace(pending, rang=True)))
    return replace(state, calls=state.calls.set(call.id, rang))


def offer_failed(
    state: State, topo: Topology, call: Call, kind: str, reason: str, now: float, eff: list[Effect]
) -> State:
    """The delivery did not happen (`unsent`, `refused`), the caller is `gone`, or it is `unknown`."""
    pending = call.pending
    if pending is None:
        return state
    if kind == "gone":
        note = replace(call, timeline=call.note(now, f"gone:{reason}"))
        return end_call(state, note, "abandoned", now, eff, topo.wrapup_for(call.queue))
    if kind == "unknown":
        # It may have run: keep the operator reserved until a report, a snapshot or the timeout.
        lost = replace(pending, delivery="unknown", delivery_at=now)
        unknown = replace(call, attempts=call.with_attempt(lost))
        return put_call(
            state, replace(unknown, timeline=call.note(now, f"offer_unknown:{reason}")), now, eff
        )
    return _release(state, call, kind, reason, now, eff)


def dial_result(
    state: State,
    topo: Topology,
    call: Call,
    device: str,
    status: str,
    now: float,
    effects: list[Effect],
) -> State:
    """The dial to the offered operator ended with DIALSTATUS `status` (or TIMEOUT, UNKNOWN)."""
    aid = topo.by_device.get(device)
    pending = call.pending
    if aid is None or pending is None or pending.agent != aid:
        return state  # a duplicate (DialEnd and the AGI report both tell it) or a stale result
    if status == "ANSWER":
        return answered(state, topo, call, aid, now, effects)
    if status == "CANCEL":  # the caller hung up while the phone rang: not the agent's miss
        return _release(state, call, "cancelled", "caller_cancelled", now, effects)
    rang = pending.rang or status in RANG_STATUSES
    agent = state.agents[aid]
    missed = replace(agent, offer=None, offer_at=0.0)
    if rang:
        missed = replace(missed, misses=agent.misses + 1)
        if missed.misses >= topo.misses_before_pause and agent.paused is None:
            missed = replace(missed, paused="no-answer")
            effects.append(AgentPaused(aid, "no-answer"))
            effects.append(AgentSession(aid, missed.logged_in, "no-answer"))
    state = put_agent(state, missed, now, effects)
    result = replace(pending, rang=rang, result=status.lower(), ended_at=now)
    back = replace(
        call,
        attempts=call.with_attempt(result),
        refused=call.refused.set(aid, now),
        recall=None,
        timeline=call.note(now, f"missed:{aid}:{status.lower()}"),
    )
    return put_call(state, back, now, effects, "missed")


def answered(
    state: State,
    topo: Topology,
    call: Call,
    aid: str,
    now: float,
    effects: list[Effect],
    *,
    at: float | None = None,
) -> State:
    """The operator `aid` answered: the caller is connected (an offer, a recall or the fallback).
    An answer learned late is timed `at` (the operator's leg's own time) when that falls between
    the call's arrival and now, else at `now` (no time, or a clock that disagrees)."""
    at = at if at is not None and call.arrived_at <= at <= now else now
    agent = state.agents[aid]
    state = put_agent(
        state,
        replace(
            agent,
            offer=None,
            offer_at=0.0,
            call=call.id,
            misses=0,
            calls_today=agent.calls_today + 1,
        ),
        now,
        effects,
    )
    pending = call.pending
    if pending is not None and pending.agent == aid:
        attempts = call.with_attempt(replace(pending, rang=True, result="answered", answered_at=at))
    else:  # the fallback queue rang the operators itself
        talk = Attempt(aid, at, delivery=call.via, rang=True, result="answered", answered_at=at)
        attempts = (*call.attempts, talk)
    connected = replace(
        call,
        attempts=attempts,
        agent=aid,
        answered_by=call.answered_by or aid,
        answered_at=call.answered_at if call.answered_at is not None else at,
        wait_from=None,
        in_queue=False,
        between_slices=False,
        recall=None,
        timeline=call.note(now, f"answered:{aid}"),
    )
    if topo.sticky_agent_s > 0:
        state = replace(state, recent=state.recent.set(call.caller_num, (aid, at)))
    return put_call(state, connected, now, effects, "answered")


def _release(
    state: State, call: Call, result: str, reason: str, now: float, effects: list[Effect]
) -> State:
    pending = call.pending
    assert pending is not None
    state = release_offer(state, pending.agent, now, effects)
    back = replace(
        call,
        attempts=call.with_attempt(replace(pending, result=result, ended_at=now)),
        recall=None,
        timeline=call.note(now, f"offer_{result}:{reason}"),
    )
    return put_call(state, back, now, effects, "missed")
