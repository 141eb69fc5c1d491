"""Reconcile live state with what Asterisk reports after a (re)connect, and restore from the store.

The snapshot is collected while events keep flowing, so whatever Asterisk told the engine about
a channel after the collection began (`Snapshot.started_at`) is newer than the snapshot and is
left alone: a caller who hung up meanwhile stays ended, one who joined meanwhile stays
dispatchable.
"""

from __future__ import annotations

from switchboard.core import callbacks
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import Effect
from switchboard.core.evolve import replace
from switchboard.core.numbers import normalize
from switchboard.core.offers import answered
from switchboard.core.state import Call, State
from switchboard.core.topology import QueueInfo, Topology, device_of_channel
from switchboard.core.updates import end_call, put_agent, put_call, release_offer


def rebuild(
    state: State, topo: Topology, snap: cmd.Snapshot, now: float, effects: list[Effect]
) -> State:
    """Devices, contacts and queue entries from Asterisk win; calls it no longer has are ended."""
    fresh = snap.started_at or float("inf")  # 0: taken at an unknown time, older than nothing
    # Changed after the snapshot began (this rebuild's own changes do not count)
    newer = {call.id for call in state.calls.values() if call.changed_at >= fresh}
    state = _devices(state, topo, snap, fresh, now, effects)
    alive = {c.uniqueid: c for c in snap.channels}
    queued = {e.uniqueid: e for e in snap.entries}
    for call in list(state.calls.values()):
        if call.seen_at >= fresh:
            continue
        if call.callback is not None:
            state = callbacks.reconcile(state, topo, call, alive, now, effects)
            continue
        if call.id not in alive and call.id not in queued:
            gone = replace(call, timeline=call.note(now, "gone:absent_from_asterisk"))
            outcome = "answered" if call.answered_at is not None else "abandoned"
            state = end_call(state, gone, outcome, now, effects, topo.wrapup_for(call.queue))
        elif call.id not in queued and call.in_queue:
            state = put_call(state, replace(call, in_queue=False), now, effects)
    for entry in snap.entries:
        known = state.calls.get(entry.uniqueid)
        if entry.uniqueid in state.ended or (known is not None and known.seen_at >= fresh):
            continue
        state = _entry(state, topo, entry, alive.get(entry.uniqueid), fresh, now, effects)
    state = _connected(state, topo, alive, newer, now, effects)
    for aid, agent in state.agents.items():
        if agent.offer is not None and agent.offer not in state.calls:
            state = release_offer(state, aid, now, effects)
        if agent.call is not None and agent.call not in state.calls:
            state = put_agent(state, replace(agent, call=None, idle_since=now), now, effects)
    legs = state.legs.mutate()
    for leg in state.legs:
        if leg not in alive:
            del legs[leg]
    return replace(state, legs=legs.finish())


def restore(state: State, calls: tuple[Call, ...], now: float, effects: list[Effect]) -> State:
    """Calls the store kept as not ended: back in the state, with their operators tied again."""
    for call in calls:
        if call.id in state.calls or call.id in state.ended:
            continue
        pending = call.pending
        if pending is not None:  # the engine died mid-offer: it may or may not have run
            lost = replace(pending, delivery="unknown", delivery_at=now)
            call = replace(call, attempts=call.with_attempt(lost))
        call = replace(call, in_queue=False, timeline=call.note(now, "restored"))
        state = put_call(state, call, now, effects)
        if call.offer is not None and call.offer in state.agents:
            agent = state.agents[call.offer]
            state = put_agent(state, replace(agent, offer=call.id, offer_at=now), now, effects)
        if call.agent is not None and call.agent in state.agents:
            state = put_agent(state, replace(state.agents[call.agent], call=call.id), now, effects)
    return state


def unrouted_call(
    topo: Topology, e: ev.CallerJoined, channel: ev.ChannelSeen | None, now: float
) -> Call | None:
    """A call the engine did not route (fallback, or lost before a restart), known by its queue."""
    if e.queue == topo.fallback_queue:
        exten = e.exten or (channel.exten if channel is not None else "")
        return fallback_call(topo, e.uniqueid, e.channel, exten, e.caller_num, e.caller_name,
                             channel.duration_s if channel is not None else e.wait_s, now)  # fmt: skip
    info = topo.queues.get(e.queue)
    if info is None:
        return None
    age = channel.duration_s if channel is not None else e.wait_s
    return _call(info, e.queue, e.uniqueid, e.channel, e.caller_num, e.caller_name, now - age, now)


def fallback_call(
    topo: Topology,
    uid: str,
    channel: str,
    exten: str,
    caller_num: str,
    caller_name: str,
    age_s: int,
    now: float,
) -> Call | None:
    """A caller the dialplan's static fallback took; its tenant is the number it dialled."""
    tenant = topo.numbers.get(normalize(exten, topo.country_code))
    queue = topo.main_queue.get(tenant or "")
    info = topo.queues.get(queue or "")
    if info is None or queue is None:
        return None
    call = _call(info, queue, uid, channel, caller_num, caller_name, now - age_s, now)
    return replace(call, did=exten, via="fallback")


def _call(
    info: QueueInfo,
    queue: str,
    uid: str,
    channel: str,
    caller_num: str,
    caller_name: str,
    arrived_at: float,
    now: float,
) -> Call:
    return Call(
        id=uid,
        channel=channel,
        tenant=info.tenant,
        service=info.service,
        queue=queue,
        tag=info.tag,
        priority=info.priority,
        skills=info.skills,
        target_answer_s=info.target_answer_s,
        overflow=info.overflow,
        caller_num=caller_num,
        caller_name=caller_name,
        arrived_at=arrived_at,
        timeline=((now, f"recovered:{queue}"),),
    )


def _devices(
    state: State, topo: Topology, snap: cmd.Snapshot, fresh: float, now: float, eff: list[Effect]
) -> State:
    for device in snap.devices:
        aid = topo.by_device.get(device.device)
        if aid is not None and state.agents[aid].device_at < fresh:
            state = put_agent(state, replace(state.agents[aid], device=device.state), now, eff)
    if snap.contacts is None:
        return state
    registered = {
        f"PJSIP/{c.aor}" for c in snap.contacts if c.status not in ("Removed", "Unreachable")
    }
    for aid, info in topo.agents.items():
        if info.device.startswith("PJSIP/") and state.agents[aid].device_at < fresh:
            contact = info.device in registered
            state = put_agent(state, replace(state.agents[aid], contact=contact), now, eff)
    return state


def _entry(
    state: State,
    topo: Topology,
    e: ev.CallerJoined,
    channel: ev.ChannelSeen | None,
    fresh: float,
    now: float,
    effects: list[Effect],
) -> State:
    call = state.calls.get(e.uniqueid) or unrouted_call(topo, e, channel, now)
    if call is None:
        return state
    since = call.waiting_since if call.waiting_since is not None else call.arrived_at
    pending = call.pending
    if pending is not None and pending.delivery == "unknown" and pending.delivery_at < fresh:
        # The Redirect's fate was settled before the collection began and the caller is here.
        state = release_offer(state, pending.agent, now, effects)
        lost = replace(pending, result="lost", ended_at=now)
        call = replace(call, attempts=call.with_attempt(lost))
    waiting = replace(
        call,
        in_queue=True,
        via="fallback" if e.queue == topo.fallback_queue else call.via,
        waiting_since=since,
        wait_from=call.wait_from if call.wait_from is not None else since,
    )
    return put_call(
        state, waiting, now, effects, "queued" if e.uniqueid not in state.calls else None
    )


def _connected(
    state: State,
    topo: Topology,
    alive: dict[str, ev.ChannelSeen],
    newer: set[str],
    now: float,
    effects: list[Effect],
) -> State:
    """Tie operators' channels bridged with a caller to that call (fallback answers included),
    but for calls changed after the snapshot began (`newer`)."""
    by_bridge: dict[str, list[ev.ChannelSeen]] = {}
    for channel in alive.values():
        if channel.bridge:
            by_bridge.setdefault(channel.bridge, []).append(channel)
    for members in by_bridge.values():
        agents = [
            (leg, aid)
            for leg in members
            if (aid := topo.by_device.get(device_of_channel(leg.channel))) is not None
        ]
        for caller in members:
            call = state.calls.get(caller.uniqueid)
            if call is None and caller.context == topo.fallback_queue:
                call = _found_in_fallback(state, topo, caller, now)
            if call is None or call.id in newer:
                continue
            for leg, aid in agents:
                if leg is caller:
                    continue
                state = replace(state, legs=state.legs.set(leg.uniqueid, (call.id, aid)))
                agent = state.agents[aid]
                if call.agent is None and call.answered_at is None and agent.call is None:
                    state = answered(state, topo, call, aid, now, effects, at=leg.answered_at)
                elif call.agent == aid and agent.call is None:
                    state = put_agent(state, replace(agent, call=call.id), now, effects)
    return state


def _found_in_fallback(
    state: State, topo: Topology, caller: ev.ChannelSeen, now: float
) -> Call | None:
    if caller.uniqueid in state.ended:
        return None
    return fallback_call(
        topo,
        caller.uniqueid,
        caller.channel,
        caller.exten,
        caller.caller_num,
        caller.caller_name,
        caller.duration_s,
        now,
    )
