"""Callbacks that keep the caller's place (pure).

A caller who asks to be called back hangs up, and the call waits on without a channel: same
place, same priority, same overflow steps. When the dispatcher would give it to an operator,
the offer becomes a callout (`CallbackOffer`, an AMI Originate of a Local channel pair): the
operator is rung first; once the operator answers, the caller's number is dialled. Pacing comes
with it: each callout holds the operator it rings, so there are never more callouts at once
than free operators. A caller who does not answer is tried again after `retry_after_s`, up to
`max_attempts` calls; the call ends as `called_back`, `callback_failed` or `callback_expired`.

The Local channels carry ids the engine chose (Originate ChannelId/OtherChannelId):
`<call>-cb<n>` and `<call>-cb<n>o` for the n-th offer of the call.
"""

from __future__ import annotations

from collections.abc import Mapping

from switchboard.core import commands as cmd
from switchboard.core.effects import CallbackOffer, Effect
from switchboard.core.events import ChannelSeen
from switchboard.core.evolve import replace
from switchboard.core.numbers import normalize
from switchboard.core.offers import answered
from switchboard.core.state import Call, Callback, State
from switchboard.core.topology import Topology
from switchboard.core.updates import end_call, finish_agent_call, put_call, release_offer

MARK = "-cb"


def channel_ids(call_id: str, offer_no: int) -> tuple[str, str]:
    """Uniqueids of the Local channel pair of the call's `offer_no`-th offer (;1, ;2)."""
    return f"{call_id}{MARK}{offer_no}", f"{call_id}{MARK}{offer_no}o"


def call_of_channel(uniqueid: str) -> str | None:
    """The call a callout's Local channel belongs to, or None for any other channel."""
    base, sep, tail = uniqueid.rpartition(MARK)
    return base if sep and base and tail.removesuffix("o").isdigit() else None


def request(
    state: State, call: Call, e: cmd.CallbackRequested, now: float, eff: list[Effect]
) -> State:
    """The caller pressed 1: keep the place and wait without a channel."""
    if call.callback is not None or call.offer is not None or call.agent is not None:
        return state
    since = call.wait_from if call.wait_from is not None else call.waiting_since or now
    callback = Callback(
        number=e.number,
        requested_at=now,
        wait_from=since,
        max_attempts=e.max_attempts,
        retry_after_s=e.retry_after_s,
        keep_until=now + e.keep_s,
    )
    waiting = replace(
        call,
        callback=callback,
        in_queue=False,
        between_slices=False,
        wait_from=since,
        timeline=call.note(now, "callback_requested"),
    )
    return put_call(state, waiting, now, eff, "updated")


def callout(call: Call, topo: Topology, agent_id: str) -> CallbackOffer:
    """The offer of a waiting callback to `agent_id` (after its attempt was added)."""
    assert call.callback is not None
    first, second = channel_ids(call.id, len(call.attempts))
    return CallbackOffer(
        uniqueid=call.id,
        agent=agent_id,
        device=topo.agents[agent_id].device,
        tenant=call.tenant,
        tag=call.tag,
        queue=call.queue,
        number=call.callback.number,
        from_number=normalize(call.did, topo.country_code) or call.did,
        attempt=call.callback.attempts + 1,
        channel_id=first,
        other_id=second,
    )


def caller_reached(state: State, call: Call, status: str, now: float, eff: list[Effect]) -> State:
    """The callout's Dial to the caller ended: talking, or tried again later, or given up."""
    cb = call.callback
    if cb is None or call.agent is None or cb.connected:
        return state
    if status == "ANSWER":
        talking = replace(
            call,
            callback=replace(cb, connected=True, last="answered"),
            timeline=call.note(now, f"called_back:{cb.attempts + 1}"),
        )
        return put_call(state, talking, now, eff, "answered")
    result = status.lower() or "failed"
    tries = cb.attempts + 1
    missed = replace(cb, attempts=tries, last=result, not_before=now + cb.retry_after_s)
    if tries >= cb.max_attempts:
        given_up = replace(
            call, callback=missed, timeline=call.note(now, f"callback_missed:{tries}:{result}")
        )
        return end_call(state, given_up, "callback_failed", now, eff, 0.0)
    return _waiting_again(state, call, missed, f"callback_missed:{tries}:{result}", now, eff)


def leg_hung_up(state: State, topo: Topology, call: Call, now: float, eff: list[Effect]) -> State:
    """A callout's Local channel hung up: the conversation is over, or the callout never got
    to the caller (an unreported ring, or the operator left first: not counted as a try)."""
    cb = call.callback
    if cb is None:
        return state
    if cb.connected:
        return end_call(state, call, "called_back", now, eff, topo.wrapup_for(call.queue))
    pending = call.pending
    if pending is not None:
        state = release_offer(state, pending.agent, now, eff)
        lost = replace(pending, result="lost", ended_at=now)
        back = replace(
            call, attempts=call.with_attempt(lost), timeline=call.note(now, "callback_lost")
        )
        return put_call(state, back, now, eff, "missed")
    if call.agent is not None:
        return _waiting_again(
            state, call, replace(cb, not_before=now), "callback_aborted", now, eff
        )
    return state


def expire(state: State, now: float, eff: list[Effect]) -> State:
    """Callbacks still waiting past their `keep_until` end as callback_expired."""
    for ids in list(state.waiting.values()):
        for cid in ids:
            call = state.calls[cid]
            cb = call.callback
            if cb is not None and cb.keep_until <= now and call.offer is None:
                state = end_call(state, call, "callback_expired", now, eff, 0.0)
    return state


def reconcile(
    state: State,
    topo: Topology,
    call: Call,
    alive: Mapping[str, ChannelSeen],
    now: float,
    eff: list[Effect],
) -> State:
    """After a snapshot: a callout whose Local channels Asterisk no longer has is over; one
    whose operator half is in a bridge was answered by the operator, one whose caller half is
    reached the caller (reports the AMI link may have lost)."""
    if call.offer is None and call.agent is None:
        return state  # waiting: no channel, by design
    caller_half, operator_half = channel_ids(call.id, len(call.attempts))
    if caller_half not in alive and operator_half not in alive:
        return leg_hung_up(state, topo, call, now, eff)
    ringing, pending = alive.get(operator_half), call.pending
    if ringing is not None and ringing.bridge and pending is not None and call.agent is None:
        leg = next(
            (c for c in alive.values() if c.bridge == ringing.bridge and c is not ringing), None
        )
        at = leg.answered_at if leg is not None else None
        state = answered(state, topo, call, pending.agent, now, eff, at=at)
        call = state.calls[call.id]
    dialling = alive.get(caller_half)
    if dialling is not None and dialling.bridge:  # Dial bridged it with the answered caller
        return caller_reached(state, call, "ANSWER", now, eff)
    return state


def _waiting_again(
    state: State, call: Call, cb: Callback, what: str, now: float, eff: list[Effect]
) -> State:
    """The operator is free again (no wrap-up: nobody was talked to) and the call waits on."""
    agent = call.agent
    if agent is not None:
        state = finish_agent_call(state, agent, call.id, now, 0.0, eff)
    attempts = call.attempts
    last = attempts[-1] if attempts else None
    first_answer = last is not None and last.answered_at == call.answered_at
    if last is not None and last.ended_at is None:
        attempts = call.with_attempt(replace(last, ended_at=now))
    back = replace(
        call,
        callback=cb,
        agent=None,
        attempts=attempts,
        answered_at=None if first_answer else call.answered_at,
        answered_by=None if first_answer else call.answered_by,
        wait_from=cb.wait_from,
        timeline=call.note(now, what),
    )
    return put_call(state, back, now, eff, "updated")
