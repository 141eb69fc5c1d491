"""What a caller whose queue wait slice ended gets next: keep waiting (saying position and
estimated wait when they are due), a callback offer or voicemail."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.core.commands import SliceEnded
from switchboard.core.effects import Effect
from switchboard.core.evolve import replace
from switchboard.core.state import Call, State
from switchboard.core.updates import put_call

DUE_EARLY_S = 0.5  # a slice ending this close to the announcement time says it now


@dataclass(frozen=True, slots=True)
class NextStep:
    """The `requeue` answer: an action for the dialplan and the next wait slice in seconds."""

    action: str  # queue | callback | voicemail
    wait_s: int
    announce: bool = False  # say position and estimated wait before the next slice


def next_step(call: Call | None, now: float, slice_s: int, announce_s: int = 0) -> NextStep:
    """Decide at a queue timeout; an unknown call (engine restarted) simply waits on.

    `announce_s` is the tenant's announcement interval (0: none): the slice also ends when the
    next announcement is due, so the dialplan can say it between two slices.
    """
    if call is None:
        return NextStep("queue", slice_s)
    waited = call.waited(now)
    reached = [s for s in call.overflow if s.after_s <= waited]
    if any(s.action == "voicemail" for s in reached):
        return NextStep("voicemail", 0)
    announce = False
    limit = slice_s
    if announce_s > 0:
        due = announce_due(call, announce_s)
        announce = due - now <= DUE_EARLY_S
        limit = min(slice_s, announce_s if announce else max(1, int(due - now + 0.999)))
    if any(s.offer == "callback" for s in reached) and not call.callback_offered:
        return NextStep("callback", _slice(call, waited, limit))
    return NextStep("queue", _slice(call, waited, limit), announce)


def announce_due(call: Call, announce_s: int) -> float:
    """When the caller should next hear position and wait: every `announce_s` of waiting."""
    since = call.announced_at if call.announced_at is not None else call.wait_from
    return (since if since is not None else call.arrived_at) + announce_s


def slice_ended(state: State, call: Call, e: SliceEnded, now: float, eff: list[Effect]) -> State:
    """The caller waits on: between the two slices a Redirect still reaches it; record what it
    was told."""
    said = e.position is not None or e.minutes is not None
    between = replace(
        call,
        between_slices=True,
        announced_at=now if said else call.announced_at,
        timeline=call.note(now, f"announced:{e.position}:{e.minutes}") if said else call.timeline,
    )
    return put_call(state, between, now, eff, "updated" if said else None)


def _slice(call: Call, waited: float, slice_s: int) -> int:
    """The wait until the next step that needs the dialplan, at most `slice_s`, at least 1 s."""
    upcoming = [
        s.after_s - waited for s in call.overflow if (s.offer or s.action) and s.after_s > waited
    ]
    return max(1, int(min([slice_s, *upcoming]) + 0.999))
