"""AMI channel and queue-membership actions, with the error wording of recordings 10 and 13."""

from __future__ import annotations

import time

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.ami_lists import LIST_HANDLERS
from switchboard.fakepbx.ami_server import Handler, Request, events, ping
from switchboard.fakepbx.callout import originate
from switchboard.fakepbx.model import Interrupt, Member, Queue


def setvar(req: Request) -> None:
    """Setvar: `Variable Set`; VarSet follows the response (07)."""
    var = req.get("Variable")
    if not var:
        req.reply("Error", "No variable specified")
        return
    ch = req.pbx.channels.get(req.get("Channel"))
    if ch is None:
        req.reply("Error", "No such channel")
        return
    req.reply("Success", "Variable Set")
    req.pbx.set_var(ch, var, req.get("Value"))


def getvar(req: Request) -> None:
    """Getvar: `Variable` and `Value` (manager.c action_getvar)."""
    var = req.get("Variable")
    if not var:
        req.reply("Error", "No variable specified")
        return
    ch = req.pbx.channels.get(req.get("Channel"))
    if ch is None:
        req.reply("Error", "No such channel")
        return
    req.reply("Success", None, ("Variable", var), ("Value", ch.variables.get(var, "")))


def redirect(req: Request) -> None:
    """Redirect: takes effect at once; the queue leave events follow the response (07)."""
    name = req.get("Channel")
    if not name:
        req.reply("Error", "Channel not specified")
        return
    ch = req.pbx.channels.get(name)
    if ch is None or ch.hungup:
        req.reply("Error", f"Channel does not exist: {name}")
        return
    prio = req.get("Priority") or "1"
    ch.context, ch.exten = req.get("Context") or ch.context, req.get("Exten") or ch.exten
    ch.priority = int(prio) if prio.isdigit() else 1
    ch.redirect_to = (ch.context, ch.exten, ch.priority)
    req.reply("Success", "Redirect successful")
    ch.signal(Interrupt.REDIRECT)


def hangup(req: Request) -> None:
    """Hangup: soft hangup request with the given Cause (default 16)."""
    name = req.get("Channel")
    if not name:
        req.reply("Error", "No channel specified")
        return
    ch = req.pbx.channels.get(name)
    if ch is None:
        req.reply("Error", "No such channel")
        return
    cause = req.get("Cause")
    req.reply("Success", "Channel Hungup")
    req.pbx.request_hangup(ch, soft=True, cause=int(cause) if cause.isdigit() else 16)


def queue_add(req: Request) -> None:
    """QueueAdd: dynamic member; pause device, QueueMemberAdded, avail device (03)."""
    iface = req.get("Interface")
    if not iface:
        req.reply("Error", "'Interface' not specified.")
        return
    q = req.pbx.queues.get(req.get("Queue"))
    if q is None:
        req.reply("Error", "Unable to add interface to queue: No such queue")
        return
    if iface in q.members:
        req.reply("Error", "Unable to add interface: Already there")
        return
    paused = req.get("Paused").lower() in ("true", "yes", "1")
    penalty = req.get("Penalty")
    m = Member(iface, req.get("MemberName") or iface, req.get("StateInterface") or iface,
               dynamic=True, penalty=int(penalty) if penalty.isdigit() else 0, paused=paused,
               reason=req.get("Reason") if paused else "", login_time=int(time.time()))  # fmt: skip
    q.members[iface] = m
    req.reply("Success", "Added interface to queue")
    pbx = req.pbx
    pbx.set_device(f"Queue:{q.name}_pause_{iface}", "INUSE" if paused else "NOT_INUSE")
    pbx.emit(ev.member_event("QueueMemberAdded", q.name, m, pbx.member_state(m)))
    pbx.refresh_avail(q)


def queue_remove(req: Request) -> None:
    """QueueRemove: QueueMemberRemoved, then the avail device."""
    iface = req.get("Interface")
    q = req.pbx.queues.get(req.get("Queue"))
    if not iface or not req.get("Queue"):
        req.reply("Error", "Need 'Queue' and 'Interface' parameters.")
        return
    if q is None:
        req.reply("Error", "Unable to remove interface from queue: No such queue")
        return
    m = q.members.get(iface)
    if m is None:
        req.reply("Error", "Unable to remove interface: Not there")
        return
    if not m.dynamic:
        req.reply("Error", "Member not dynamic")
        return
    del q.members[iface]
    req.reply("Success", "Removed interface from queue")
    req.pbx.emit(ev.member_event("QueueMemberRemoved", q.name, m, req.pbx.member_state(m)))
    req.pbx.refresh_avail(q)


def queue_pause(req: Request) -> None:
    """QueuePause: without Queue it pauses the interface in every queue (13)."""
    iface, paused_raw = req.get("Interface"), req.get("Paused")
    if not iface or not paused_raw:
        req.reply("Error", "Need 'Interface' and 'Paused' parameters.")
        return
    paused = paused_raw.lower() in ("true", "yes", "1")
    name = req.get("Queue")
    targets: list[tuple[Queue, Member]] = [
        (q, q.members[iface]) for q in req.pbx.queues.values()
        if iface in q.members and (not name or q.name == name)
    ]  # fmt: skip
    if not targets:
        req.reply("Error", "Interface not found")
        return
    req.reply("Success", f"Interface {'paused' if paused else 'unpaused'} successfully")
    pbx = req.pbx
    for q, m in targets:
        m.paused, m.reason = paused, req.get("Reason") if paused else ""
        if paused:
            m.last_pause = int(time.time())
        pbx.set_device(f"Queue:{q.name}_pause_{iface}", "INUSE" if paused else "NOT_INUSE")
        pbx.refresh_avail(q)
        pbx.emit(ev.member_event("QueueMemberPause", q.name, m, pbx.member_state(m)))


HANDLERS: dict[str, Handler] = {
    "ping": ping,
    "events": events,
    "setvar": setvar,
    "getvar": getvar,
    "redirect": redirect,
    "hangup": hangup,
    "queueadd": queue_add,
    "queueremove": queue_remove,
    "queuepause": queue_pause,
    "originate": originate,
    **LIST_HANDLERS,
}
