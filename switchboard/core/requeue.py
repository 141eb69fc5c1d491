"""What a caller whose queue wait slice ended gets next: keep waiting, callback or voicemail."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.core.state import Call


@dataclass(frozen=True, slots=True)
class NextStep:
    """The `requeue` answer: an action for the dialplan and the next wait slice in seconds."""

    action: str  # queue | callback | voicemail
    wait_s: int


def next_step(call: Call | None, now: float, slice_s: int) -> NextStep:
    """Decide at a queue timeout; an unknown call (engine restarted) simply waits on."""
    if call is None:
        return NextStep("queue", slice_s)
    waited = call.waited(now)
    reached = [s for s in call.overflow if s.after_s <= waited]
    if any(s.action == "voicemail" for s in reached):
        return NextStep("voicemail", 0)
    if any(s.offer == "callback" for s in reached) and not call.callback_offered:
        return NextStep("callback", _slice(call, waited, slice_s))
    return NextStep("queue", _slice(call, waited, slice_s))


def _slice(call: Call, waited: float, slice_s: int) -> int:
    """The wait until the next step that needs the dialplan, at most `slice_s`, at least 1 s."""
    upcoming = [
        s.after_s - waited for s in call.overflow if (s.offer or s.action) and s.after_s > waited
    ]
    return max(1, int(min([slice_s, *upcoming]) + 0.999))
