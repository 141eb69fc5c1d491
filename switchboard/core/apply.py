"""The pure transition: `apply(state, event, topo, now) -> (state, effects)`, then dispatch."""

from __future__ import annotations

from switchboard.core import callbacks
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core import supervision as sv
from switchboard.core.agents import agent_command, agents_restored, on_agent
from switchboard.core.dispatch import dispatch
from switchboard.core.effects import Effect
from switchboard.core.evolve import replace
from switchboard.core.offers import answered, dial_result, offer_failed, offer_sent, phone_rang
from switchboard.core.requeue import slice_ended
from switchboard.core.snapshot import rebuild, restore, unrouted_call
from switchboard.core.state import Agent, Call, State
from switchboard.core.ticks import tick
from switchboard.core.topology import Topology, device_of_channel
from switchboard.core.transfers import transfer_answered, transfer_reported, transfer_started
from switchboard.core.updates import end_call, hang_up_agent_leg, put_agent, put_call

Event = ev.AmiEvent | cmd.EngineEvent | sv.SupervisorCommand


def initial_state(topo: Topology, now: float) -> State:
    """Every configured agent, logged out, and no calls."""
    state = State(day=topo.local_day(now))
    for aid in topo.agents:
        state = put_agent(state, Agent(aid, idle_since=now), now, [])
    return state


def apply(state: State, event: Event, topo: Topology, now: float) -> tuple[State, list[Effect]]:
    """Apply one event at `now`, then offer what can be offered; never raises on unknown ids."""
    effects: list[Effect] = []
    event = _callout_leg(state, event)
    before = state
    state = _transition(state, event, topo, now, effects)
    if state is before:
        return state, effects  # nothing changed (an unknown id, a duplicate): nothing to offer
    uid = _channel_of(event)
    if uid is not None and uid in state.calls:
        state = replace(state, calls=state.calls.set(uid, replace(state.calls[uid], seen_at=now)))
    state, offers = dispatch(state, topo, now)
    if isinstance(event, cmd.CallRouted) and event.direct:
        state = _route_answered(state, event.uniqueid, now, offers)
    return state, effects + offers


def _route_answered(state: State, uid: str, now: float, effects: list[Effect]) -> State:
    """No operator for the call while its route session waited: it waits for its queue join."""
    call = state.calls.get(uid)
    if call is None or not call.at_route:
        return state
    return put_call(state, replace(call, at_route=False), now, effects)


def _callout_leg(state: State, event: Event) -> Event:
    """A Dial of a callback's Local channel is the call's own Dial (callbacks.channel_ids)."""
    match event:
        case ev.DialBegan(uniqueid=uid) | ev.DialEnded(uniqueid=uid) if uid not in state.calls:
            cid = callbacks.call_of_channel(uid)
            if cid is not None and cid in state.calls:
                return replace(event, uniqueid=cid)
    return event


def _channel_of(event: Event) -> str | None:
    """The caller channel an event from Asterisk or the dialplan is about, if any."""
    match event:
        case (
            ev.CallerJoined(uniqueid=uid)
            | ev.CallerLeft(uniqueid=uid)
            | ev.DialBegan(uniqueid=uid)
            | ev.DialEnded(uniqueid=uid)
            | ev.AnswerReported(uniqueid=uid)
            | ev.CallbackAnswerReported(uniqueid=uid)
            | cmd.CallRouted(uniqueid=uid)
            | cmd.DeliveryReported(uniqueid=uid)
            | cmd.OfferSent(uniqueid=uid)
            | cmd.TransferReported(uniqueid=uid)
            | cmd.CallbackOffered(uniqueid=uid)
            | cmd.SliceEnded(uniqueid=uid)
        ):
            return uid
        case ev.CallTransferred(transferee_uniqueid=uid):
            return uid
    return None


def _transition(
    state: State, event: Event, topo: Topology, now: float, effects: list[Effect]
) -> State:
    calls = state.calls
    match event:
        case ev.DeviceStateChanged(device=device, state=value):
            change = lambda a: replace(a, device=value, device_at=now)  # noqa: E731
            return on_agent(state, topo, device, now, effects, change)
        case ev.ContactStatusChanged(aor=aor, status=status):
            alive = status not in ("Removed", "Unreachable")
            change = lambda a: replace(a, contact=alive, device_at=now)  # noqa: E731
            return on_agent(state, topo, f"PJSIP/{aor}", now, effects, change)
        case ev.CallerJoined():
            return _joined(state, topo, event, now, effects)
        case ev.CallerLeft(uniqueid=uid) if uid in calls:
            # Without an offer under way it left by the slice's timeout (a hangup is followed
            # by its Hangup at once, recording 10): between two slices a Redirect still works.
            left = replace(calls[uid], in_queue=False, between_slices=calls[uid].offer is None)
            return put_call(state, left, now, effects)
        case ev.DialBegan(uniqueid=uid, dest_uniqueid=leg, dest_channel=dest) if uid in calls:
            aid = topo.by_device.get(device_of_channel(dest))
            state = replace(state, legs=state.legs.set(leg, (uid, aid)))
            return phone_rang(state, calls[uid], aid, now)
        case ev.DialEnded(uniqueid=uid, dest_channel=dest, status=status) if uid in calls:
            return _dial_ended(
                state, topo, calls[uid], device_of_channel(dest), status, now, effects
            )
        case ev.ChannelHungUp(uniqueid=uid):
            return _hung_up(state, topo, uid, now, effects)
        case ev.CallTransferred():
            return transfer_started(state, topo, event, now, effects)
        case cmd.CallRouted():
            return _routed(state, event, now, effects)
        case cmd.CallTurnedAway():
            return _turned_away(state, event, now, effects)
        case cmd.DeliveryReported(uniqueid=uid, device=device, status=status) if uid in calls:
            return dial_result(state, topo, calls[uid], device, status, now, effects)
        case ev.AnswerReported(uniqueid=uid, device=device) if uid in calls:
            return dial_result(state, topo, calls[uid], device, "ANSWER", now, effects)
        case cmd.OfferSent(uniqueid=uid) if uid in calls:
            return offer_sent(state, calls[uid], now, effects)
        case cmd.OfferFailed(uniqueid=uid, reason=reason, kind=kind) if uid in calls:
            return offer_failed(state, topo, calls[uid], kind, reason, now, effects)
        case cmd.TransferReported(uniqueid=uid) if uid in calls:
            report = (event.status, event.transferer, event.target)
            return transfer_reported(state, topo, calls[uid], report, now, effects)
        case cmd.CallFinished(uniqueid=uid, outcome=outcome) if uid in calls:
            call = calls[uid]
            return end_call(state, call, outcome, now, effects, topo.wrapup_for(call.queue))
        case cmd.CallbackOffered(uniqueid=uid) if uid in calls:
            offered = replace(calls[uid], callback_offered=True)
            offered = replace(offered, timeline=offered.note(now, "callback_offered"))
            return put_call(state, offered, now, effects, "updated")
        case cmd.SliceEnded(uniqueid=uid) if uid in calls:
            return slice_ended(state, calls[uid], event, now, effects)
        case cmd.CallbackRequested(uniqueid=uid) if uid in calls:
            return callbacks.request(state, calls[uid], event, now, effects)
        case cmd.CallbackReported(uniqueid=uid, status=status) if uid in calls:
            return callbacks.caller_reached(state, calls[uid], status, now, effects)
        case ev.CallbackAnswerReported(uniqueid=uid) if uid in calls:
            return callbacks.caller_reached(state, calls[uid], "ANSWER", now, effects)
        case cmd.AgentCommand() if event.agent not in topo.retiring:
            return agent_command(state, event, now, effects)
        case cmd.LinkChanged(deliverable=deliverable):
            return replace(state, deliverable=deliverable)
        case cmd.Tick():
            return tick(state, topo, now, effects)
        case cmd.Snapshot():
            return rebuild(state, topo, event, now, effects)
        case cmd.AgentsRestored():
            return agents_restored(state, event, now, effects)
        case cmd.CallsRestored(calls=restored):
            return restore(state, restored, now, effects)
    return sv.supervise(state, event, topo, now, effects)


def _routed(state: State, e: cmd.CallRouted, now: float, effects: list[Effect]) -> State:
    if e.uniqueid in state.calls or e.uniqueid in state.ended:
        return state
    call = Call(
        id=e.uniqueid,
        channel=e.channel,
        tenant=e.tenant,
        service=e.service,
        queue=e.queue,
        tag=e.tag,
        priority=e.priority,
        skills=e.skills,
        target_answer_s=e.target_answer_s,
        overflow=e.overflow,
        caller_num=e.caller_num,
        caller_name=e.caller_name,
        language=e.language,
        arrived_at=now,
        did=e.did,
        via=e.via,
        timeline=((now, f"routed:{e.queue}" if e.via == "engine" else "routed:fallback"),),
    )
    state = put_call(state, call, now, effects, "arrived")
    if not e.direct or e.via != "engine":
        return state
    # Queued now, its place counting from here: a free operator takes it in the route answer
    # (dispatch, in rank order with every other waiting call), else it waits for its queue join.
    queued = replace(
        call,
        at_route=True,
        waiting_since=now,
        wait_from=now,
        timeline=call.note(now, f"queued:{e.queue}"),
    )
    return put_call(state, queued, now, effects, "queued")


def _turned_away(state: State, e: cmd.CallTurnedAway, now: float, effects: list[Effect]) -> State:
    """Only a record: the call never waits, so nothing live changes."""
    call = Call(
        id=e.uniqueid,
        channel=e.channel,
        tenant=e.tenant,
        service=e.service,
        queue="",
        tag="",
        priority=0,
        skills=(),
        target_answer_s=0,
        overflow=(),
        caller_num=e.caller_num,
        caller_name=e.caller_name,
        arrived_at=now,
        did=e.did,
        outcome=e.outcome,
        ended_at=now,
        timeline=((now, f"{e.outcome}:{e.reason}"),),
    )
    return put_call(state, call, now, effects)


def _joined(
    state: State, topo: Topology, e: ev.CallerJoined, now: float, effects: list[Effect]
) -> State:
    if e.uniqueid in state.ended:
        return state
    call = state.calls.get(e.uniqueid) or unrouted_call(topo, e, None, now)
    if call is None:
        return state
    pending = call.pending
    if pending is not None and e.context in (None, topo.deliver_context):
        # back in the queue from the delivery without its report: not delivered. A join from
        # anywhere else raced the offer's Redirect, which will take the caller out again.
        device = topo.agents[pending.agent].device
        state = dial_result(state, topo, call, device, "UNKNOWN", now, effects)
        call = state.calls[e.uniqueid]
    if (
        call.wait_from is not None
        and not call.attempts
        and not call.in_queue
        and e.queue == call.queue
    ):
        # queued at its route already (no operator was free then): only where it waits is new
        return put_call(state, replace(call, in_queue=True, between_slices=False), now, effects)
    since = call.waiting_since if call.waiting_since is not None else now - e.wait_s
    joined = replace(
        call,
        in_queue=True,
        between_slices=False,
        via="fallback" if e.queue == topo.fallback_queue else call.via,
        waiting_since=since,
        wait_from=call.wait_from if call.wait_from is not None else since,
        timeline=call.note(now, f"queued:{e.queue}"),
    )
    return put_call(state, joined, now, effects, "queued")


def _dial_ended(
    state: State,
    topo: Topology,
    call: Call,
    device: str,
    status: str,
    now: float,
    effects: list[Effect],
) -> State:
    aid = topo.by_device.get(device)
    if call.offer is not None:
        return dial_result(state, topo, call, device, status, now, effects)
    if status != "ANSWER":
        return state
    if call.transfer is not None:
        return transfer_answered(state, call, now, effects)
    if call.via == "fallback" and aid is not None and call.agent is None:
        return answered(state, topo, call, aid, now, effects)
    return state


def _hung_up(state: State, topo: Topology, uid: str, now: float, effects: list[Effect]) -> State:
    cid = callbacks.call_of_channel(uid)
    if cid is not None and cid in state.calls:
        return callbacks.leg_hung_up(state, topo, state.calls[cid], now, effects)
    if uid in state.calls:
        call = state.calls[uid]
        if call.callback is not None:
            return state  # the caller hung up to be called back
        outcome = "answered" if call.answered_at is not None else "abandoned"
        return end_call(state, call, outcome, now, effects, topo.wrapup_for(call.queue))
    leg = state.legs.get(uid)
    if leg is None:
        return state
    state = replace(state, legs=state.legs.delete(uid))
    call_id, aid = leg
    talking = state.calls.get(call_id)
    if talking is None or aid is None or talking.agent != aid:
        return state
    return hang_up_agent_leg(state, talking, now, effects, topo.wrapup_for(talking.queue))
