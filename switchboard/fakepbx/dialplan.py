"""The dialplan of docs/call-flow.md: number map, route AGI, greeting and menu, Queue() slices,
delivery by Redirect, fallback."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from switchboard.asterisk.agi import answers
from switchboard.fakepbx import events as ev
from switchboard.fakepbx.agi_client import run_agi
from switchboard.fakepbx.calls import CallHandle, Outcome
from switchboard.fakepbx.dial import answered_gosub, dial
from switchboard.fakepbx.model import Channel, Interrupt
from switchboard.fakepbx.pbx import Pbx
from switchboard.fakepbx.prompts import callback_offer, greet, menu, number_facts, say_position

# Priorities as in the recordings' extensions.conf, so event fields look like a real dialplan.
P_ROUTE, P_QUEUE, P_REQUEUE = 4, 8, 10
P_DIAL, P_DELIVERED, P_REQUEUE_DELIVER = 3, 4, 6
ENDING_ACTIONS = ("closed", "voicemail", "forward", "reject", "hangup")


async def run_call(pbx: Pbx, ch: Channel, call: CallHandle) -> None:
    """Drive one inbound caller from Answer() to its end, following AMI Redirects."""
    try:
        ch.priority, ch.state = 2, 6
        ch.application = "Answer"
        pbx.emit(ev.channel_event("Newstate", ch))
        pbx.refresh_inbound()
        await pbx.sleep(pbx.config.answer_delay_s)
        dp = pbx.config.dialplan
        while not ch.hungup:
            if ch.context == dp.inbound_context:
                await _inbound(pbx, ch, call)
            elif ch.context == dp.deliver_context:
                await _deliver(pbx, ch, call)
            elif ch.context == dp.closed_context:  # e.g. a supervisor's withdrawal to voicemail
                target = ch.variables.get("SB_TARGET", "")
                call.settle(Outcome(ch.exten, at=pbx.now(), detail=target))
            else:
                break  # no such extension: the channel hangs up
            if ch.redirect_to is None:
                break
            ch.redirect_to = None
        if not ch.gone:
            if not ch.hungup and not ch.cause:
                ch.cause = 16  # Hangup() in the dialplan (11: Cause 16 Normal Clearing)
            pbx.destroy(ch)
        if ch.hungup and not call.outcome.done():
            call.settle(Outcome("abandoned", at=pbx.now()))
    finally:
        call.finish(pbx.now())


async def _inbound(pbx: Pbx, ch: Channel, call: CallHandle) -> None:
    dp = pbx.config.dialplan
    ch.variables["SB_DID"] = ch.exten
    ch.variables["SB_CNAME"] = ch.caller_name
    number_facts(pbx, ch)
    ch.priority = P_ROUTE
    status = await _agi(pbx, ch, f"{dp.route_script}?did={quote(ch.exten)}", [ch.caller_num])
    call.note(f"route {status}")
    if _stop(ch) or not await greet(pbx, ch, call):
        return
    if status != "SUCCESS":
        await _fallback(pbx, ch, call, "engine-down")
        return
    await _follow(pbx, ch, call, position=None, priority=P_QUEUE)


async def _deliver(pbx: Pbx, ch: Channel, call: CallHandle) -> None:
    dp = pbx.config.dialplan
    agent = ch.variables.get("SB_AGENT", "")
    tag = ch.variables.get("SB_TAG")
    if tag and not ch.caller_name.startswith(f"{tag} "):
        ch.caller_name = f"{tag} {ch.caller_name}"  # once, even when delivered again
    ch.priority, ch.application = P_DIAL, "Dial"
    args = [ch.variables.get("SB_CALLID", ""), agent]

    async def answered(leg: Channel) -> None:  # [switchboard-answered], Dial's U option
        if dp.delivered_script and dp.answer_report == "agi":
            await run_agi(pbx, leg, f"{dp.delivered_script}?status=ANSWER", args)
        elif dp.delivered_script:
            answered_gosub(pbx, leg, args[0], agent)

    status = await dial(pbx, ch, agent, call, answered)
    if _stop(ch):
        return
    if dp.delivered_script and status != "ANSWER":
        ch.priority = P_DELIVERED
        await _agi(pbx, ch, f"{dp.delivered_script}?status={status}", args)
        if _stop(ch):
            return
    if status == "ANSWER":
        return
    ch.variables["SB_ACTION"] = "queue"  # back in at position 1, place kept
    await _follow(pbx, ch, call, position=1, priority=P_REQUEUE_DELIVER)


async def _follow(pbx: Pbx, ch: Channel, call: CallHandle, position: int | None,
                  priority: int) -> None:  # fmt: skip
    """Act on SB_ACTION: wait in SB_QUEUE slice by slice (asking `requeue`) or end the call."""
    dp = pbx.config.dialplan
    implicit = True  # a route answer with only SB_QUEUE (the recordings' engine) means "queue"
    while True:
        action = ch.variables.get("SB_ACTION", "")
        queue = ch.variables.get("SB_QUEUE", "")
        if not action and implicit and queue:
            action = "queue"
        if action == "menu" and not ch.variables.get("SB_MENU_DONE"):
            status = await menu(pbx, ch, call, _agi, dp.route_script)
            if status is None or _stop(ch) or not await greet(pbx, ch, call):
                return
            if status != "SUCCESS":
                await _fallback(pbx, ch, call, "engine-down")
                return
            implicit = False
            continue
        if action == "callback":
            ended = await callback_offer(pbx, ch, call, _agi)
            if ended is not False or _stop(ch):
                return
            ch.variables["SB_ACTION"] = "queue"  # nothing pressed: the next slice
            continue
        if action == "deliver":  # [switchboard-act] deliver: an operator was free at once
            ch.variables["SB_AGENT"] = ch.variables.pop("SB_TARGET", "")
            ch.context, ch.exten = dp.deliver_context, "s"
            await _deliver(pbx, ch, call)
            return
        if action in ENDING_ACTIONS:
            call.settle(Outcome(action, at=pbx.now(), detail=ch.variables.get("SB_TARGET", "")))
            return
        if action != "queue" or not queue:
            await _fallback(pbx, ch, call, "noroute")
            return
        wait = _seconds(ch, dp.default_wait_s if position is None else dp.requeue_wait_s)
        ch.priority = priority
        qstatus = await queue_app(pbx, ch, call, queue, wait, position)
        if qstatus != "TIMEOUT":
            return
        ch.priority = P_REQUEUE
        for name in ("SB_ACTION", "SB_POSITION", "SB_EWT"):
            ch.variables.pop(name, None)
        args = [ch.variables.get("SB_CALLID", "")]
        await _agi(pbx, ch, f"{dp.requeue_script}?status={qstatus}", args)
        if _stop(ch):
            return
        if ch.variables.get("SB_ACTION") == "queue" and not await say_position(pbx, ch, call):
            return
        position, implicit = None, False


async def queue_app(pbx: Pbx, ch: Channel, call: CallHandle, name: str, timeout_s: float,
                    position: int | None) -> str:  # fmt: skip
    """Queue(name,,,,timeout,,,,position): wait until timeout, Redirect or hangup; QUEUESTATUS."""
    if _stop(ch):  # a pending Redirect or hangup: the next application never starts
        return "HANGUP" if ch.hungup else "REDIRECT"
    q = pbx.queues.get(name)
    if q is None:
        pbx.set_var(ch, "QUEUESTATUS", "UNKNOWN")
        return "UNKNOWN"
    ch.application, ch.app_data = "Queue", f"{name},,,,{timeout_s:g}"
    interrupt = ch.fresh_interrupt()
    entry = pbx.join(q, ch, position)
    call.note(f"queue {name} {q.entries.index(entry) + 1}")
    try:
        why = await asyncio.wait_for(asyncio.shield(interrupt), timeout_s * pbx.config.time_scale)
    except TimeoutError:
        why = None
    pbx.leave(q, entry)
    if why is None:
        pbx.set_var(ch, "QUEUESTATUS", "TIMEOUT")
        call.note(f"queue-timeout {name}")
        return "TIMEOUT"
    return "REDIRECT" if why is Interrupt.REDIRECT else "HANGUP"


async def _fallback(pbx: Pbx, ch: Channel, call: CallHandle, reason: str) -> None:
    fb = pbx.config.dialplan.fallback
    call.note(f"fallback {reason}")
    tag = ch.variables.get("SB_TAG", "")
    if tag:  # the tenant's tag (from the engine or the number map), once before the name
        ch.caller_name = f"{tag} {ch.variables.get('SB_CNAME', ch.caller_name)}"
    for agent in fb.agents:
        if await dial(pbx, ch, agent, call) == "ANSWER" or _stop(ch):
            return
    if fb.queue and not _stop(ch):
        await queue_app(pbx, ch, call, fb.queue, pbx.config.dialplan.default_wait_s, None)
    if not _stop(ch):
        call.settle(Outcome("fallback", at=pbx.now(), detail=reason))


async def _agi(pbx: Pbx, ch: Channel, script: str, args: list[str]) -> str:
    ch.application = "AGI"
    status = await run_agi(pbx, ch, script, args)
    if not ch.gone:
        pbx.set_var(ch, "AGISTATUS", status)
        dp = pbx.config.dialplan
        fields = {dp.route_script: answers.ROUTE, dp.requeue_script: answers.REQUEUE}
        name = script.split("?", 1)[0]
        if name in fields:
            _unpack(ch, fields[name])
    return status


def _unpack(ch: Channel, fields: tuple[str, ...]) -> None:
    """[switchboard-route-answer] / [switchboard-requeue-answer]: SB_ANSWER into SB_*."""
    ch.variables.pop("SB_ACTION", None)
    values = answers.unpack(fields, ch.variables.pop(answers.VARIABLE, ""))
    if values is not None:
        ch.variables.update(values)


def _stop(ch: Channel) -> bool:
    return ch.hungup or ch.redirect_to is not None


def _seconds(ch: Channel, default: float) -> float:
    raw = ch.variables.get("SB_WAIT") or ch.variables.get("SB_QUEUE_TIMEOUT") or ""
    try:
        return float(raw) if raw else default
    except ValueError:
        return default
