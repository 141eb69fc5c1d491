"""Reconcile live state with what Asterisk reports after a (re)connect."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import Effect
from switchboard.core.state import Call, State
from switchboard.core.topology import Topology
from switchboard.core.updates import end_call, put_agent, put_call, release_offer


def rebuild(
    state: State, topo: Topology, snap: cmd.Snapshot, now: float, effects: list[Effect]
) -> State:
    """Devices, contacts and queue entries from Asterisk win; calls it no longer has are ended."""
    for device in snap.devices:
        aid = topo.by_device.get(device.device)
        if aid is not None:
            state = put_agent(state, replace(state.agents[aid], device=device.state), now)
    registered = (
        None
        if snap.contacts is None
        else {f"PJSIP/{c.aor}" for c in snap.contacts if c.status not in ("Removed", "Unreachable")}
    )
    for aid, info in topo.agents.items():
        if info.device.startswith("PJSIP/"):
            contact = registered is None or info.device in registered
            state = put_agent(state, replace(state.agents[aid], contact=contact), now)
    alive = {c.uniqueid for c in snap.channels}
    queued = {e.uniqueid: e for e in snap.entries}
    for call in list(state.calls.values()):
        if call.id not in alive and call.id not in queued:
            outcome = "answered" if call.agent is not None else "abandoned"
            state = end_call(state, call, outcome, now, effects, topo.wrapup_for(call.queue))
        elif call.id not in queued and call.in_queue:
            state = put_call(state, replace(call, in_queue=False), now, effects)
    for entry in snap.entries:
        state = _entry(state, topo, entry, now, effects)
    for aid, agent in state.agents.items():
        if agent.offer is not None and agent.offer not in state.calls:
            state = release_offer(state, aid, now)
        if agent.call is not None and agent.call not in state.calls:
            state = put_agent(state, replace(agent, call=None, idle_since=now), now)
    live_legs = state.legs
    for leg in state.legs:
        if leg not in alive:
            live_legs = live_legs.delete(leg)
    return replace(state, legs=live_legs)


def _entry(
    state: State, topo: Topology, e: ev.CallerJoined, now: float, effects: list[Effect]
) -> State:
    call = state.calls.get(e.uniqueid) or unrouted_call(topo, e, now)
    if call is None:
        return state
    if call.waiting_since is None:
        call = replace(call, waiting_since=now - e.wait_s)
    if call.offer is not None:
        state = release_offer(state, call.offer, now)
        call = replace(call, offer=None)
    return put_call(state, replace(call, in_queue=True), now, effects)


def unrouted_call(topo: Topology, e: ev.CallerJoined, now: float) -> Call | None:
    """A call the engine did not route (fallback, or before a restart), known by its queue."""
    info = topo.queues.get(e.queue)
    if info is None:
        return None
    return Call(
        id=e.uniqueid,
        channel=e.channel,
        tenant=info.tenant,
        service=info.service,
        queue=e.queue,
        tag=info.tag,
        priority=info.priority,
        skills=info.skills,
        target_answer_s=info.target_answer_s,
        overflow=info.overflow,
        caller_num=e.caller_num,
        caller_name=e.caller_name,
        arrived_at=now - e.wait_s,
        timeline=((now, f"recovered:{e.queue}"),),
    )
