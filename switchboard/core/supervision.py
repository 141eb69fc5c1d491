"""A supervisor's hand on a waiting call: raise or lower its priority, withdraw it to voicemail.

Withdrawing is two steps: the call is held back from the dispatcher (`withdrawing`) and the
shell moves the caller with an AMI Redirect into the dialplan's voicemail (`Withdraw`); the
Redirect's success ends the call as `withdrawn`, its failure gives the call back to the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from switchboard.core import overrides as ov
from switchboard.core.effects import Effect, Withdraw
from switchboard.core.evolve import replace
from switchboard.core.state import UNANSWERED, CallPhase, State
from switchboard.core.updates import end_call, put_call

if TYPE_CHECKING:
    from switchboard.core.topology import Topology


@dataclass(frozen=True, slots=True)
class ChangePriority:
    """Serve a waiting call at `priority` from now on (higher first)."""

    call_id: str
    priority: int
    by: str


@dataclass(frozen=True, slots=True)
class WithdrawCall:
    """Take a waiting caller out of the queue into voicemail box `target` ("": the default)."""

    call_id: str
    target: str
    by: str


@dataclass(frozen=True, slots=True)
class WithdrawSent:
    """Asterisk accepted the withdrawal's Redirect."""

    call_id: str


@dataclass(frozen=True, slots=True)
class WithdrawFailed:
    """The withdrawal's Redirect did not happen (`kind` as in OfferFailed)."""

    call_id: str
    kind: str
    reason: str


SupervisorCommand = (
    ov.ForceRouting | ov.OverridesRestored | ChangePriority | WithdrawCall | WithdrawSent
    | WithdrawFailed
)  # fmt: skip


def supervise(
    state: State, event: object, topo: Topology, now: float, effects: list[Effect]
) -> State:
    """Apply one command from the API (overrides, priority, withdrawal); others pass through."""
    match event:
        case ov.ForceRouting():
            return ov.force_routing(state, event, now, effects)
        case ov.OverridesRestored():
            return ov.restore_overrides(state, event, now, effects)
        case ChangePriority():
            return change_priority(state, event, now, effects)
        case WithdrawCall():
            return withdraw(state, event, now, effects)
        case WithdrawSent():
            return withdraw_sent(state, topo, event, now, effects)
        case WithdrawFailed():
            return withdraw_failed(state, event, now, effects)
    return state


def withdrawable(phase: CallPhase) -> bool:
    """Only a caller waiting in a queue, not ringing an operator, can be withdrawn."""
    return phase is CallPhase.WAITING


def change_priority(state: State, c: ChangePriority, now: float, effects: list[Effect]) -> State:
    """A new priority for a call not yet answered; anything else is left alone."""
    call = state.calls.get(c.call_id)
    if call is None or call.phase not in UNANSWERED or call.priority == c.priority:
        return state
    changed = replace(
        call, priority=c.priority, timeline=call.note(now, f"priority:{c.priority}:{c.by}")
    )
    return put_call(state, changed, now, effects, "updated")


def withdraw(state: State, c: WithdrawCall, now: float, effects: list[Effect]) -> State:
    """Hold a waiting call back from the dispatcher and ask the shell to move it to voicemail."""
    call = state.calls.get(c.call_id)
    if call is None or call.withdrawing or not withdrawable(call.phase) or call.via != "engine":
        return state
    held = replace(call, withdrawing=True, timeline=call.note(now, f"withdraw:{c.by}"))
    state = put_call(state, held, now, effects, "updated")
    effects.append(Withdraw(call.id, call.channel, call.tenant, c.target, c.by))
    return state


def withdraw_sent(
    state: State, topo: Topology, c: WithdrawSent, now: float, effects: list[Effect]
) -> State:
    """The caller is on its way to voicemail: the call ends as `withdrawn`."""
    call = state.calls.get(c.call_id)
    if call is None or not call.withdrawing:
        return state
    done = replace(call, withdrawing=False)
    return end_call(state, done, "withdrawn", now, effects, topo.wrapup_for(call.queue))


def withdraw_failed(state: State, c: WithdrawFailed, now: float, effects: list[Effect]) -> State:
    """The caller stayed (or hung up: its hangup ends it): it may be dispatched again."""
    call = state.calls.get(c.call_id)
    if call is None or not call.withdrawing:
        return state
    back = replace(call, withdrawing=False, timeline=call.note(now, f"withdraw_failed:{c.kind}"))
    return put_call(state, back, now, effects, "updated")
