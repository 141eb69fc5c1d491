"""AMI list actions for state rebuild: QueueStatus, QueueSummary, CoreShowChannels, devices, contacts."""

from __future__ import annotations

import time
from collections.abc import Callable

from switchboard.fakepbx import events as ev
from switchboard.fakepbx.ami_server import Request
from switchboard.fakepbx.model import DEVICE_HINT_STATUS, DEVICE_MEMBER_STATUS, Member
from switchboard.fakepbx.wire import Message, list_item, response


def queue_status(req: Request) -> None:
    """QueueStatus: QueueParams, its QueueMember items, then QueueEntry items per queue."""
    pbx, aid, items = req.pbx, req.action_id, []
    for q in pbx.queues.values():
        if req.get("Queue") and q.name != req.get("Queue"):
            continue
        items.append(list_item("QueueParams", aid, [
            ("Queue", q.name), ("Max", "0"), ("Strategy", q.strategy),
            ("Calls", str(len(q.entries))), ("Holdtime", "0"), ("TalkTime", "0"),
            ("Completed", "0"), ("Abandoned", str(q.abandoned)), ("ServiceLevel", "0"),
            ("ServicelevelPerf", "0.0"), ("ServicelevelPerf2", "0.0"), ("Weight", "0"),
        ], id_last=True))  # fmt: skip
        for m in q.members.values():
            fields = _member(q.name, m, pbx.member_state(m))
            items.append(list_item("QueueMember", aid, fields, id_last=True))
        for pos, e in enumerate(q.entries, 1):
            ch = e.channel
            items.append(list_item("QueueEntry", aid, [
                ("Queue", q.name), ("Position", str(pos)), ("Channel", ch.name),
                ("Uniqueid", ch.uniqueid), ("CallerIDNum", ch.caller_num),
                ("CallerIDName", ch.caller_name), ("ConnectedLineNum", "unknown"),
                ("ConnectedLineName", "unknown"), ("Wait", str(pbx.sim_seconds(e.joined))),
                ("Priority", "0"),
            ], id_last=True))  # fmt: skip
    _send_list(req, "Queue status will follow", "QueueStatusComplete", items)


def queue_summary(req: Request) -> None:
    """QueueSummary: logged-in / available members, callers, longest hold time."""
    pbx, items = req.pbx, []
    for q in pbx.queues.values():
        states = [(m, pbx.member_state(m)) for m in q.members.values()]
        logged = [m for m, s in states if s != "UNAVAILABLE"]
        avail = [m for m, s in states if s == "NOT_INUSE" and not m.paused]
        longest = max((pbx.sim_seconds(e.joined) for e in q.entries), default=0)
        items.append(list_item("QueueSummary", req.action_id, [
            ("Queue", q.name), ("LoggedIn", str(len(logged))), ("Available", str(len(avail))),
            ("Callers", str(len(q.entries))), ("HoldTime", "0"), ("TalkTime", "0"),
            ("LongestHoldTime", str(longest)),
        ], id_last=True))  # fmt: skip
    _send_list(req, "Queue summary will follow", "QueueSummaryComplete", items)


def core_show_channels(req: Request) -> None:
    """CoreShowChannels: one CoreShowChannel per live channel (17)."""
    pbx, items = req.pbx, []
    for ch in pbx.channels.values():
        secs = pbx.sim_seconds(ch.created)
        dur = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        items.append(list_item("CoreShowChannel", req.action_id, [
            *ev.channel_block(ch), ("Application", ch.application),
            ("ApplicationData", ch.app_data), ("Duration", dur), ("BridgeId", ch.bridge_id),
        ], id_last=False))  # fmt: skip
    _send_list(req, "Channels will follow", "CoreShowChannelsComplete", items)


def device_state_list(req: Request) -> None:
    """DeviceStateList: the device state cache as DeviceStateChange items."""
    items = [list_item("DeviceStateChange", req.action_id, [("Device", d), ("State", s)],
                       id_last=False) for d, s in req.pbx.devices.items()]  # fmt: skip
    _send_list(req, "Device State Changes will follow", "DeviceStateListComplete", items)


def pjsip_show_contacts(req: Request) -> None:
    """PJSIPShowContacts: a ContactList item per registered contact (02)."""
    items = []
    for ep in req.pbx.endpoints.values():
        if ep.contact_uri is None:
            continue
        port = ep.contact_uri.rsplit(":", 1)[-1]
        items.append(list_item("ContactList", req.action_id, [
            ("ObjectType", "contact"), ("ObjectName", f"{ep.name};@{ep.contact_hash}"),
            ("ViaAddr", "127.0.0.1"), ("QualifyTimeout", "3.000000"), ("Qualify2xxOnly", "false"),
            ("CallId", f"1-{ep.name}@127.0.0.1"), ("RegServer", ""), ("PruneOnBoot", "no"),
            ("Path", ""), ("Endpoint", ep.name), ("ViaPort", port), ("AuthenticateQualify", "no"),
            ("Uri", ep.contact_uri), ("QualifyFrequency", "0"), ("UserAgent", "switchboard-sim"),
            ("ExpirationTime", str(ep.expiration)), ("OutboundProxy", ""),
            ("Status", "NonQualified"), ("RoundtripUsec", "N/A"),
        ], id_last=False))  # fmt: skip
    if not items:  # Asterisk 22.10.1 with nobody registered (seen by tests/e2e)
        req.reply("Error", "No Contacts found")
        return
    _send_list(req, "A listing of Contacts follows, presented as ContactList events",
               "ContactListComplete", items)  # fmt: skip


def extension_state_list(req: Request) -> None:
    """ExtensionStateList: one ExtensionStatus per operator hint."""
    pbx, items = req.pbx, []
    for ep in pbx.endpoints.values():
        code, text = DEVICE_HINT_STATUS[pbx.devices.get(ep.device, "UNAVAILABLE")]
        items.append(list_item("ExtensionStatus", req.action_id, [
            ("Exten", ep.name), ("Context", pbx.config.dialplan.agents_context),
            ("Hint", ep.device), ("Status", str(code)), ("StatusText", text),
        ], id_last=False))  # fmt: skip
    _send_list(req, "Extension Statuses will follow", "ExtensionStateListComplete", items)


def core_status(req: Request) -> None:
    """CoreStatus: startup/reload time of the current boot and call counters."""
    pbx = req.pbx
    stamp = time.gmtime(pbx.boot_epoch)
    day, clock = time.strftime("%Y-%m-%d", stamp), time.strftime("%H:%M:%S", stamp)
    req.reply("Success", None, ("CoreStartupDate", day), ("CoreStartupTime", clock),
              ("CoreReloadDate", day), ("CoreReloadTime", clock),
              ("CoreCurrentCalls", str(len(pbx.channels))),
              ("CoreProcessedCalls", str(pbx.processed_calls)))  # fmt: skip


def _member(queue: str, m: Member, state: str) -> list[tuple[str, str]]:
    return [
        ("Queue", queue), ("Name", m.name), ("Location", m.interface),
        ("StateInterface", m.state_interface), ("Membership", "dynamic" if m.dynamic else "static"),
        ("Penalty", str(m.penalty)), ("CallsTaken", "0"), ("LastCall", "0"),
        ("LastPause", str(m.last_pause)), ("LoginTime", str(m.login_time)), ("InCall", "0"),
        ("Status", str(DEVICE_MEMBER_STATUS[state])), ("Paused", "1" if m.paused else "0"),
        ("PausedReason", m.reason), ("Wrapuptime", "0"),
    ]  # fmt: skip


def _send_list(req: Request, message: str, complete: str, items: list[Message]) -> None:
    aid = req.action_id
    req.session.send(response("Success", aid, [("EventList", "start")], message))
    for item in items:
        req.session.send(item)
    req.session.send(list_item(complete, aid, [("EventList", "Complete"),
                                               ("ListItems", str(len(items)))], id_last=False))  # fmt: skip


LIST_HANDLERS: dict[str, Callable[[Request], None]] = {
    "queuestatus": queue_status,
    "queuesummary": queue_summary,
    "coreshowchannels": core_show_channels,
    "devicestatelist": device_state_list,
    "pjsipshowcontacts": pjsip_show_contacts,
    "extensionstatelist": extension_state_list,
    "corestatus": core_status,
}
