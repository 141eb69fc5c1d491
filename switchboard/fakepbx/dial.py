"""The Dial() application against a scripted phone, with the bridge that follows an answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.calls import CallHandle, Outcome
from switchboard.fakepbx.model import Channel, Endpoint, Interrupt
from switchboard.fakepbx.pbx import Pbx
from switchboard.fakepbx.phones import Reaction
from switchboard.fakepbx.wire import Header

OnAnswer = Callable[[Channel], Awaitable[None]]


def user_event_gosub(pbx: Pbx, leg: Channel, context: str, name: str, *body: Header) -> None:
    """A U() subroutine `context` running UserEvent(`name`, `body`) on `leg`, then Return()."""
    where = leg.context, leg.exten, leg.priority, leg.application
    leg.context, leg.exten, leg.priority, leg.application = context, "s", 1, "UserEvent"
    pbx.emit(ev.user_event(leg, name, *body))
    leg.context, leg.exten, leg.priority, leg.application = where


def answered_gosub(pbx: Pbx, leg: Channel, call_id: str, agent: str) -> None:
    """[switchboard-answered] on an operator's leg (Dial's U option): SB_ANSWERED_AT=${EPOCH},
    then the SwitchboardAnswered UserEvent."""
    pbx.set_var(leg, "SB_ANSWERED_AT", str(int(pbx.config.epoch())))
    body = (("CallId", call_id), ("Agent", agent))
    user_event_gosub(pbx, leg, "switchboard-answered", "SwitchboardAnswered", *body)


async def dial(
    pbx: Pbx,
    caller: Channel,
    device: str,
    call: CallHandle,
    on_answer: OnAnswer | None = None,
    *,
    timeout_s: float | None = None,
) -> str:
    """Dial `device` (an operator, or `PJSIP/<number>@trunk` out through the trunk) for the
    dial timeout (or `timeout_s`); returns DIALSTATUS as app_dial sets it.

    `on_answer` runs on the answered channel before the bridge (Dial's U option).
    """
    ep = _endpoint(pbx, device)
    if ep is None or ep.contact_uri is None:
        # No contact: chan_pjsip fails the request, so no channel and no Dial events (09a).
        caller.cause, caller.tech_cause = 3, 404
        return _status(pbx, caller, "CHANUNAVAIL", call, device)
    dp = pbx.config.dialplan
    agent = pbx.new_channel(ep.name, "s", "<unknown>", dp.agents_context, "s", state=0,
                            linkedid=caller.linkedid)  # fmt: skip
    agent.connected_num, agent.connected_name = caller.caller_num, caller.caller_name
    agent.application, agent.app_data = "AppDial", "(Outgoing Line)"
    agent_int = agent.fresh_interrupt()
    pbx.emit(ev.channel_event("Newchannel", agent), ev.dial("DialBegin", caller, agent,
                                                           ("DialString", ep.name)))  # fmt: skip
    beh = ep.behaviour
    if beh.unregister_after_s is not None:
        _later(pbx, beh.unregister_after_s, lambda: pbx.unregister(ep))
    caller_int = caller.fresh_interrupt()
    limit_s = pbx.config.dial_timeout_s if timeout_s is None else timeout_s
    deadline = pbx.now() + limit_s * pbx.config.time_scale
    if beh.reaction is Reaction.BUSY:
        await pbx.sleep(beh.ring_delay_s)
        agent.cause, agent.tech_cause = 17, 486
        pbx.emit(ev.hangup_request(agent, 17))
        pbx.emit(ev.dial("DialEnd", caller, agent, ("DialStatus", "BUSY")))
        caller.cause, caller.tech_cause = 17, 486
        _later(pbx, 0, lambda: pbx.destroy(agent, soft_first=False))
        return _status(pbx, caller, "BUSY", call, device)
    if beh.reaction is not Reaction.STALE:
        if await _wait(pbx, caller_int, agent_int, beh.ring_delay_s * pbx.config.time_scale):
            return _cancel(pbx, caller, agent, call, device)
        agent.state = 5
        pbx.emit(ev.dial("DialState", caller, agent, ("DialStatus", "RINGING")))
        pbx.emit(ev.channel_event("Newstate", agent))
        pbx.refresh_endpoint(ep)
    answer_at = deadline
    if beh.reaction is Reaction.ANSWER:
        answer_at = min(deadline, pbx.now() + beh.answer_after_s * pbx.config.time_scale)
    if await _wait(pbx, caller_int, agent_int, answer_at - pbx.now()):
        return _cancel(pbx, caller, agent, call, device)
    if answer_at >= deadline:
        pbx.emit(ev.dial("DialEnd", caller, agent, ("DialStatus", "NOANSWER")))
        if beh.reaction is Reaction.STALE:
            pbx.destroy(agent, soft_first=False)  # silent leg: Hangup right after DialEnd (09b)
        else:  # a ringing leg ends with a CANCEL transaction: its Hangup trails (08a)
            _later(pbx, 0, lambda: pbx.destroy(agent, soft_first=False))
        return _status(pbx, caller, "NOANSWER", call, device)
    if on_answer is not None:
        await on_answer(agent)
    await _talk(pbx, caller, agent, ep, call)
    return "ANSWER"


def _endpoint(pbx: Pbx, device: str) -> Endpoint | None:
    """The operator endpoint, or for `PJSIP/<number>@<trunk>` the outside phone behind it."""
    if not device.startswith("PJSIP/"):
        return None
    name, _, trunk = device.removeprefix("PJSIP/").partition("@")
    if not trunk:
        return pbx.endpoints.get(name)
    behaviour = pbx.outside.get(name)
    if behaviour is None:
        return None
    return Endpoint(trunk, contact_uri=f"sip:{name}@trunk", behaviour=behaviour)


async def _talk(pbx: Pbx, caller: Channel, agent: Channel, ep: Endpoint, call: CallHandle) -> None:
    agent.state, agent.exten = 6, ""
    caller.variables["DIALSTATUS"] = "ANSWER"
    call.dial_results.append((ep.device, "ANSWER"))
    call.note(f"dial {ep.device} ANSWER")
    call.settle(Outcome("answered", ep.device, pbx.now()))
    before = [ev.channel_event("Newstate", agent), ev.var_set(caller, "DIALSTATUS", "ANSWER"),
              ev.dial("DialEnd", caller, agent, ("DialStatus", "ANSWER"))]  # fmt: skip
    bridge = pbx.bridge(caller, agent, ep, before)
    caller_int, agent_int = caller.fresh_interrupt(), agent.fresh_interrupt()
    talk = ep.behaviour.talk_s() if ep.behaviour.talk_s else ep.behaviour.hangup_after_s
    agent_done = await _wait(
        pbx, caller_int, agent_int, None if talk is None else talk * pbx.config.time_scale
    )
    if caller_int.done():
        pbx.unbridge(bridge, caller)  # caller BYE: HangupRequest was already sent
        pbx.destroy(caller, soft_first=False)
        agent.cause = 16
        pbx.destroy(agent, soft_first=False)
        return
    if not agent_done or not agent.hungup:
        pbx.request_hangup(agent)  # the operator hangs up (not recorded; mirrors 07)
    pbx.unbridge(bridge, agent)
    pbx.destroy(agent, soft_first=False)


def _status(pbx: Pbx, caller: Channel, status: str, call: CallHandle, device: str) -> str:
    pbx.set_var(caller, "DIALSTATUS", status)
    call.dial_results.append((device, status))
    call.note(f"dial {device} {status}")
    return status


def _cancel(pbx: Pbx, caller: Channel, agent: Channel, call: CallHandle, device: str) -> str:
    pbx.emit(ev.dial("DialEnd", caller, agent, ("DialStatus", "CANCEL")))
    pbx.destroy(agent, soft_first=False)
    caller.variables["DIALSTATUS"] = "CANCEL"
    call.note(f"dial {device} CANCEL")
    return "CANCEL"


async def _wait(pbx: Pbx, a: asyncio.Future[Interrupt], b: asyncio.Future[Interrupt],
                limit_s: float | None) -> bool:  # fmt: skip
    """Wait until either interrupt fires (True) or the time limit passes (False)."""
    if limit_s is not None and limit_s <= 0:
        return a.done() or b.done()
    done, _ = await asyncio.wait({a, b}, timeout=limit_s, return_when=asyncio.FIRST_COMPLETED)
    return bool(done)


def _later(pbx: Pbx, sim_s: float, fn: object) -> None:
    """Run `fn` after `sim_s` simulated seconds, outside the caller's dialplan task."""

    async def run() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await pbx.sleep(sim_s)
            assert callable(fn)
            fn()

    pbx.spawn(run())
