"""Transfers by operators: recorded on the call, and a failed one brings the caller back
(first to the operator who transferred, if free: a recall; else to the front of the queue)."""

from __future__ import annotations

from switchboard.core import events as ev
from switchboard.core.effects import Effect
from switchboard.core.evolve import replace
from switchboard.core.state import BUSY_DEVICE, Agent, Call, State, Transfer
from switchboard.core.topology import Topology, device_of_channel
from switchboard.core.updates import hang_up_agent_leg, put_call


def transfer_started(
    state: State, topo: Topology, e: ev.CallTransferred, now: float, effects: list[Effect]
) -> State:
    """Asterisk reports a blind (REFER) or attended transfer of a caller the engine knows."""
    call = state.calls.get(e.transferee_uniqueid)
    if call is None:
        return state  # an operator's own call
    if e.result != "Success":
        failed = replace(call, timeline=call.note(now, f"transfer_refused:{e.kind}:{e.result}"))
        return put_call(state, failed, now, effects, "updated")
    by = topo.by_device.get(device_of_channel(e.transferer_channel))
    target = _target(topo, e)
    attended = e.kind == "attended"
    transfer = Transfer(now, by, target, e.kind, result="answered" if attended else None)
    moved = replace(
        call,
        transfers=(*call.transfers, transfer),
        timeline=call.note(now, f"transferred:{e.kind}:{target}"),
    )
    return put_call(state, moved, now, effects, "transferred")


def transfer_answered(state: State, call: Call, now: float, effects: list[Effect]) -> State:
    """The caller's own Dial to the transfer target was answered (DialEnd ANSWER)."""
    last = call.transfer
    if last is None:
        return state
    done = replace(last, result="answered")
    moved = replace(
        call,
        transfers=(*call.transfers[:-1], done),
        timeline=call.note(now, f"transfer_answered:{last.target}"),
    )
    return put_call(state, moved, now, effects, "transfer_ended")


def transfer_reported(
    state: State,
    topo: Topology,
    call: Call,
    report: tuple[str, str, str],
    now: float,
    effects: list[Effect],
) -> State:
    """The dialplan's `transferred` report (status, transferer device, target) after its Dial."""
    status, transferer, target = report
    last = call.transfer
    if last is None:  # the AMI event was missed (link down): the report alone tells it
        last = Transfer(now, topo.by_device.get(transferer), target, "blind")
        call = replace(call, transfers=(*call.transfers, last))
    if status == "ANSWER":
        return transfer_answered(state, call, now, effects)
    if call.agent is not None:  # the operator's leg has not hung up yet
        state = hang_up_agent_leg(state, call, now, effects, topo.wrapup_for(call.queue))
        call = state.calls[call.id]
    failed = replace(last, result=status.lower() or "failed", ended_at=now)
    by = state.agents.get(last.by) if last.by is not None else None
    back = replace(
        call,
        transfers=(*call.transfers[:-1], failed),
        wait_from=now,
        recall=by.id if by is not None and recallable(by) else None,
        timeline=call.note(now, f"transfer_failed:{last.target}:{status.lower()}"),
    )
    return put_call(state, back, now, effects, "transfer_ended")


def recallable(agent: Agent) -> bool:
    """True when a caller may go straight back to this operator (wrap-up does not hold it back)."""
    return (
        agent.logged_in
        and agent.reachable
        and agent.paused is None
        and agent.offer is None
        and agent.call is None
        and agent.device not in BUSY_DEVICE
    )


def _target(topo: Topology, e: ev.CallTransferred) -> str:
    if e.kind == "blind":
        return e.target
    device = device_of_channel(e.target)
    return topo.by_device.get(device, device)
