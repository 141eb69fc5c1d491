"""AMI Originate of a callback into the simulated dialplan's [switchboard-callout]: a Local
channel pair whose second half rings the operator and whose first half, once the operator
answered, whispers and dials the caller's number through the trunk (docs/call-flow.md)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.agi_client import run_agi
from switchboard.fakepbx.ami_server import Request
from switchboard.fakepbx.calls import CallHandle, Outcome
from switchboard.fakepbx.dial import answered_gosub, dial, user_event_gosub
from switchboard.fakepbx.model import Channel
from switchboard.fakepbx.pbx import Pbx
from switchboard.fakepbx.prompts import playback

_LOCAL = re.compile(r"^Local/([^@/]+)@([^@/]+)(/n)?$")
CONTEXT = "switchboard-callout"


def originate(req: Request) -> None:
    """Originate (Async): `Originate successfully queued`, then the Local pair runs."""
    channel = req.get("Channel")
    if not channel:
        req.reply("Error", "Channel not specified")
        return
    local = _LOCAL.match(channel)
    if local is None or local.group(2) != CONTEXT or req.get("Context") != CONTEXT:
        req.reply("Error", "Originate failed")  # the simulator dials only the callout
        return
    variables = dict(
        value.split("=", 1) for key, value in req.msg if key.lower() == "variable" and "=" in value
    )
    pbx = req.pbx
    first = _local(pbx, local.group(1), req.get("ChannelId"), ";1", variables)
    second = _local(pbx, local.group(1), req.get("OtherChannelId"), ";2", variables)
    handle = CallHandle(local.group(1), variables.get("SB_CB_NUMBER", ""), second)
    pbx.callouts.append(handle)
    req.reply("Success", "Originate successfully queued")
    pbx.spawn(_run(pbx, first, second, handle))


async def _run(pbx: Pbx, first: Channel, second: Channel, handle: CallHandle) -> None:
    """`operator` on the second half; `caller` on the first once the operator answered."""
    v = second.variables
    agent = v.get("SB_AGENT", "")
    # the operator sees the callback and whose it is before answering
    second.caller_num, second.caller_name = v.get("SB_CB_NUMBER", ""), f"CALLBACK {v.get('SB_TAG')}"
    ring = float(v["SB_RING"]) if v.get("SB_RING", "").isdigit() else None
    call_id = v.get("SB_CALLID", "")

    async def answered_by(leg: Channel) -> None:  # U(switchboard-answered), as a delivery
        answered_gosub(pbx, leg, call_id, agent)

    ringing = asyncio.ensure_future(dial(pbx, second, agent, handle, answered_by, timeout_s=ring))
    answered = asyncio.ensure_future(asyncio.shield(handle.outcome))
    both: set[asyncio.Future[Any]] = {ringing, answered}
    await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
    if answered.done() and answered.result().kind == "answered":
        await _caller(pbx, first, second, handle)
        await ringing
    else:
        answered.cancel()
        status = await ringing
        await run_agi(pbx, second, f"delivered?status={status}", [v["SB_CALLID"], agent])
    for ch in (first, second):
        if not ch.gone:
            pbx.destroy(ch)


async def _caller(pbx: Pbx, first: Channel, second: Channel, handle: CallHandle) -> None:
    """The whisper to the operator, then the caller's number; the operator leg ends with it."""
    v = first.variables
    call_id = v.get("SB_CALLID", "")
    if re.fullmatch(r"[a-z][a-z]", v.get("SB_LANG", "")):
        first.language = v["SB_LANG"]
    await playback(pbx, first, handle, v.get("SB_CB_WHISPER") or "beep")
    number = v.get("SB_CB_NUMBER", "")
    ring = float(v["SB_CB_RING"]) if v.get("SB_CB_RING", "").isdigit() else 30.0
    caller = CallHandle(number, number, first)
    pbx.callouts.append(caller)

    async def reached(leg: Channel) -> None:  # U(switchboard-callout-answered) on the answer
        body = ("CallId", call_id)
        user_event_gosub(
            pbx, leg, "switchboard-callout-answered", "SwitchboardCallbackAnswered", body
        )

    status = await dial(pbx, first, f"PJSIP/{number}@trunk", caller, reached, timeout_s=ring)
    if status != "ANSWER":
        await run_agi(pbx, first, f"callback?status={status}", [call_id])
        await playback(pbx, first, handle, "number-not-answering")
    pbx.request_hangup(second)  # the callout is over: the operator's side ends with it
    handle.settle(Outcome("callout", detail=status))


def _local(pbx: Pbx, exten: str, uniqueid: str, half: str, variables: dict[str, str]) -> Channel:
    seq = pbx.next_seq()
    name = f"Local/{exten}@{CONTEXT}-{seq:08x}{half}"
    ch = Channel(name, uniqueid or f"local.{seq}", uniqueid or f"local.{seq}", "", "",
                 CONTEXT, exten if half == ";2" else "caller", state=6, created=pbx.now())  # fmt: skip
    ch.variables.update(variables)
    pbx.channels[name] = ch
    pbx.emit(ev.channel_event("Newchannel", ch))
    return ch
