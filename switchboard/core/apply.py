"""The pure transition: `apply(state, event, topo, now) -> (state, effects)`, then dispatch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.dispatch import dispatch
from switchboard.core.effects import AgentPaused, AgentSession, Effect
from switchboard.core.snapshot import rebuild, unrouted_call
from switchboard.core.state import Agent, Call, State
from switchboard.core.topology import Topology, device_of_channel
from switchboard.core.updates import end_call, finish_agent_call, put_agent, put_call, release_offer

Event = ev.AmiEvent | cmd.EngineEvent
DAY = 86_400


def initial_state(topo: Topology, now: float) -> State:
    """Every configured agent, logged out, and no calls."""
    state = State(day=int(now // DAY))
    for aid in topo.agents:
        state = put_agent(state, Agent(aid, idle_since=now), now)
    return state


def apply(state: State, event: Event, topo: Topology, now: float) -> tuple[State, list[Effect]]:
    """Apply one event at `now`, then offer what can be offered; never raises on unknown ids."""
    effects: list[Effect] = []
    state = _transition(state, event, topo, now, effects)
    state, offers = dispatch(state, topo, now)
    return state, effects + offers


def _transition(
    state: State, event: Event, topo: Topology, now: float, effects: list[Effect]
) -> State:
    match event:
        case ev.DeviceStateChanged(device=device, state=value):
            return _on_agent(state, topo, device, now, lambda a: replace(a, device=value))
        case ev.ContactStatusChanged(aor=aor, status=status):
            alive = status not in ("Removed", "Unreachable")
            return _on_agent(state, topo, f"PJSIP/{aor}", now, lambda a: replace(a, contact=alive))
        case ev.CallerJoined():
            return _joined(state, topo, event, now, effects)
        case ev.CallerLeft(uniqueid=uid) if uid in state.calls:
            return put_call(state, replace(state.calls[uid], in_queue=False), now, effects)
        case ev.DialBegan(uniqueid=uid, dest_uniqueid=leg) if uid in state.calls:
            return replace(state, legs=state.legs.set(leg, uid))
        case ev.DialEnded(uniqueid=uid, dest_channel=dest, status=status) if uid in state.calls:
            device = device_of_channel(dest)
            return _dial_result(state, topo, state.calls[uid], device, status, now, effects)
        case ev.ChannelHungUp(uniqueid=uid):
            return _hung_up(state, topo, uid, now, effects)
        case cmd.CallRouted():
            return _routed(state, event, now, effects)
        case cmd.CallTurnedAway():
            return _turned_away(state, event, now, effects)
        case cmd.DeliveryReported(uniqueid=uid, device=device, status=status) if uid in state.calls:
            return _dial_result(state, topo, state.calls[uid], device, status, now, effects)
        case cmd.OfferFailed(uniqueid=uid, reason=reason) if uid in state.calls:
            return _offer_failed(state, state.calls[uid], reason, now, effects)
        case cmd.CallFinished(uniqueid=uid, outcome=outcome) if uid in state.calls:
            return end_call(
                state,
                state.calls[uid],
                outcome,
                now,
                effects,
                topo.wrapup_for(state.calls[uid].queue),
            )
        case cmd.CallbackOffered(uniqueid=uid) if uid in state.calls:
            call = replace(state.calls[uid], callback_offered=True)
            return put_call(state, call, now, effects)
        case cmd.AgentCommand():
            return _agent_command(state, event, now, effects)
        case cmd.Tick():
            return _tick(state, topo, now, effects)
        case cmd.Snapshot():
            return rebuild(state, topo, event, now, effects)
        case cmd.AgentsRestored(sessions=sessions):
            for aid, logged_in, paused in sessions:
                if aid in state.agents:
                    agent = replace(state.agents[aid], logged_in=logged_in, paused=paused)
                    state = put_agent(state, agent, now)
            return state
    return state


def _on_agent(
    state: State, topo: Topology, device: str, now: float, change: Callable[[Agent], Agent]
) -> State:
    aid = topo.by_device.get(device)
    if aid is None:
        return state
    return put_agent(state, change(state.agents[aid]), now)


def _routed(state: State, e: cmd.CallRouted, now: float, effects: list[Effect]) -> State:
    if e.uniqueid in state.calls:
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
        timeline=((now, f"routed:{e.queue}"),),
    )
    return put_call(state, call, now, effects)


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
        outcome=e.outcome,
        ended_at=now,
        timeline=((now, f"{e.outcome}:{e.reason}"),),
    )
    return put_call(state, call, now, effects)


def _joined(
    state: State, topo: Topology, e: ev.CallerJoined, now: float, effects: list[Effect]
) -> State:
    call = state.calls.get(e.uniqueid) or unrouted_call(topo, e, now)
    if call is None:
        return state
    if call.offer is not None:  # back in the queue without a delivery report: a miss
        state = _dial_result(
            state, topo, call, topo.agents[call.offer].device, "UNKNOWN", now, effects
        )
        call = state.calls[e.uniqueid]
    since = call.waiting_since if call.waiting_since is not None else now - e.wait_s
    joined = replace(
        call, in_queue=True, waiting_since=since, timeline=call.note(now, f"queued:{e.queue}")
    )
    return put_call(state, joined, now, effects)


def _dial_result(
    state: State,
    topo: Topology,
    call: Call,
    device: str,
    status: str,
    now: float,
    effects: list[Effect],
) -> State:
    aid = topo.by_device.get(device)
    if aid is None or call.offer != aid:
        return state  # a duplicate (DialEnd and the AGI report both tell it) or stale result
    agent = state.agents[aid]
    if status == "ANSWER":
        state = put_agent(
            state,
            replace(agent, offer=None, call=call.id, misses=0, calls_today=agent.calls_today + 1),
            now,
        )
        connected = replace(
            call, offer=None, agent=aid, answered_at=now, timeline=call.note(now, f"answered:{aid}")
        )
        if topo.sticky_agent_s > 0:
            state = replace(state, recent=state.recent.set(call.caller_num, (aid, now)))
        return put_call(state, connected, now, effects)
    if status == "CANCEL":  # the caller hung up while the phone rang: not the agent's miss
        return _offer_failed(state, call, "caller_cancelled", now, effects, refuse=False)
    misses = agent.misses + 1
    missed = replace(agent, offer=None, offer_at=0.0, misses=misses)
    if misses >= topo.misses_before_pause and agent.paused is None:
        missed = replace(missed, paused="no-answer")
        effects.append(AgentPaused(aid, "no-answer"))
        effects.append(AgentSession(aid, missed.logged_in, "no-answer"))
    state = put_agent(state, missed, now)
    back = replace(
        call,
        offer=None,
        refused=call.refused | {aid},
        timeline=call.note(now, f"missed:{aid}:{status.lower()}"),
    )
    return put_call(state, back, now, effects)


def _offer_failed(
    state: State, call: Call, reason: str, now: float, effects: list[Effect], refuse: bool = True
) -> State:
    if call.offer is None:
        return state
    state = release_offer(state, call.offer, now)
    back = replace(
        call,
        offer=None,
        refused=call.refused | {call.offer} if refuse else call.refused,
        timeline=call.note(now, f"offer_failed:{reason}"),
    )
    return put_call(state, back, now, effects)


def _hung_up(state: State, topo: Topology, uid: str, now: float, effects: list[Effect]) -> State:
    if uid in state.calls:
        call = state.calls[uid]
        outcome = "answered" if call.agent is not None else "abandoned"
        return end_call(state, call, outcome, now, effects, topo.wrapup_for(call.queue))
    call_id = state.legs.get(uid)
    if call_id is None:
        return state
    state = replace(state, legs=state.legs.delete(uid))
    leg_call = state.calls.get(call_id)
    if leg_call is not None and leg_call.agent is not None:
        state = finish_agent_call(state, leg_call.agent, now, topo.wrapup_for(leg_call.queue))
    return state


def _agent_command(state: State, c: cmd.AgentCommand, now: float, effects: list[Effect]) -> State:
    agent = state.agents.get(c.agent)
    if agent is None:
        return state
    if c.action == "login":
        agent = replace(agent, logged_in=True, misses=0, idle_since=max(agent.idle_since, now))
    elif c.action == "logout":
        agent = replace(agent, logged_in=False, paused=None)
    elif c.action == "pause":
        agent = replace(agent, paused=c.reason or "pause")
    elif c.action == "unpause":
        agent = replace(agent, paused=None, misses=0)
    else:
        return state
    effects.append(AgentSession(agent.id, agent.logged_in, agent.paused))
    return put_agent(state, agent, now)


def _tick(state: State, topo: Topology, now: float, effects: list[Effect]) -> State:
    day = int(now // DAY)
    for aid, agent in state.agents.items():
        if day != state.day and agent.calls_today:
            agent = replace(agent, calls_today=0)
            state = put_agent(state, agent, now)
        elif agent.wrapup_until and agent.wrapup_until <= now and aid not in state.free:
            state = put_agent(state, replace(agent, wrapup_until=0.0), now)
        if agent.offer is not None and now - agent.offer_at > topo.offer_timeout_s + 5:
            call = state.calls.get(agent.offer)
            if call is None:
                state = release_offer(state, aid, now)
            else:
                state = _dial_result(
                    state, topo, call, topo.agents[aid].device, "TIMEOUT", now, effects
                )
    expired = [c for c, (_, at) in state.recent.items() if now - at > topo.sticky_agent_s]
    if expired:
        recent = state.recent.mutate()
        for caller in expired:
            del recent[caller]
        state = replace(state, recent=recent.finish())
    return replace(state, day=day)
