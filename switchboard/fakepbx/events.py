"""AMI event builders; header names and order copied from the Asterisk 22.10.1 recordings."""

from __future__ import annotations

from switchboard.fakepbx.model import (
    CAUSE_TEXT,
    CHANNEL_STATES,
    DEVICE_HINT_STATUS,
    DEVICE_MEMBER_STATUS,
    Bridge,
    Channel,
    Member,
)
from switchboard.fakepbx.wire import Header, Message, event


def channel_block(ch: Channel, prefix: str = "") -> list[Header]:
    """The 14-field channel snapshot (`Channel` … `Linkedid`), optionally `Dest`-prefixed."""
    p = prefix
    return [
        (f"{p}Channel", ch.name),
        (f"{p}ChannelState", str(ch.state)),
        (f"{p}ChannelStateDesc", CHANNEL_STATES[ch.state]),
        (f"{p}CallerIDNum", ch.caller_num),
        (f"{p}CallerIDName", ch.caller_name),
        (f"{p}ConnectedLineNum", ch.connected_num),
        (f"{p}ConnectedLineName", ch.connected_name),
        (f"{p}Language", ch.language),
        (f"{p}AccountCode", ""),
        (f"{p}Context", ch.context),
        (f"{p}Exten", ch.exten),
        (f"{p}Priority", str(ch.priority)),
        (f"{p}Uniqueid", ch.uniqueid),
        (f"{p}Linkedid", ch.linkedid),
    ]


def channel_event(name: str, ch: Channel, *extra: Header) -> Message:
    """Newchannel, Newstate, MusicOnHold… style: the channel block plus extra headers."""
    return event(name, [*channel_block(ch), *extra])


def var_set(ch: Channel, variable: str, value: str) -> Message:
    """VarSet for a channel variable."""
    return channel_event("VarSet", ch, ("Variable", variable), ("Value", value))


def user_event(ch: Channel, name: str, *body: Header) -> Message:
    """The UserEvent application's event: the channel block, `UserEvent`, then its body
    [S: main/stasis.c multi_user_event_to_ami]."""
    return channel_event("UserEvent", ch, ("UserEvent", name), *body)


def hangup_request(ch: Channel, cause: int | None) -> Message:
    """HangupRequest: Cause only when the channel has one, TechCause when the SIP side set it."""
    extra: list[Header] = []
    if cause:
        extra.append(("Cause", str(cause)))
        if ch.tech_cause is not None:
            extra.append(("TechCause", str(ch.tech_cause)))
    return channel_event("HangupRequest", ch, *extra)


def soft_hangup_request(ch: Channel, cause: int = 16) -> Message:
    """SoftHangupRequest (always Cause, plus TechCause when set)."""
    extra: list[Header] = [("Cause", str(cause))]
    if ch.tech_cause is not None:
        extra.append(("TechCause", str(ch.tech_cause)))
    return channel_event("SoftHangupRequest", ch, *extra)


def hangup(ch: Channel) -> Message:
    """Hangup with the channel's cause; after a failed Dial the caller keeps the Dial's cause."""
    extra: list[Header] = [("Cause", str(ch.cause)), ("Cause-txt", CAUSE_TEXT.get(ch.cause, ""))]
    if ch.tech_cause is not None:
        extra.append(("TechCause", str(ch.tech_cause)))
    return channel_event("Hangup", ch, *extra)


def queue_caller(name: str, ch: Channel, queue: str, position: int, *tail: Header) -> Message:
    """QueueCallerJoin/Leave (`Count`) and QueueCallerAbandon (`OriginalPosition`, `HoldTime`)."""
    return channel_event(name, ch, ("Queue", queue), ("Position", str(position)), *tail)


def dial(name: str, caller: Channel, dest: Channel, *tail: Header) -> Message:
    """DialBegin (`DialString`), DialState and DialEnd (`DialStatus`)."""
    return event(name, [*channel_block(caller), *channel_block(dest, "Dest"), *tail])


def bridge_block(bridge: Bridge) -> list[Header]:
    """The bridge snapshot fields of Bridge* events."""
    return [
        ("BridgeUniqueid", bridge.uniqueid),
        ("BridgeType", "basic"),
        ("BridgeTechnology", "simple_bridge"),
        ("BridgeCreator", "<unknown>"),
        ("BridgeName", "<unknown>"),
        ("BridgeNumChannels", str(len(bridge.channels))),
        ("BridgeVideoSourceMode", "none"),
    ]


def bridge_event(name: str, bridge: Bridge, ch: Channel | None = None) -> Message:
    """BridgeCreate/Destroy (bridge only) and BridgeEnter/Leave (bridge + channel)."""
    return event(name, [*bridge_block(bridge), *(channel_block(ch) if ch else [])])


def device_state(device: str, state: str) -> Message:
    """DeviceStateChange broadcast."""
    return event("DeviceStateChange", [("Device", device), ("State", state)])


def extension_status(exten: str, context: str, hint: str, state: str) -> Message:
    """ExtensionStatus for a hint (`Hint: ` is empty while hints load after a restart)."""
    code, text = DEVICE_HINT_STATUS[state]
    return event(
        "ExtensionStatus",
        [("Exten", exten), ("Context", context), ("Hint", hint), ("Status", str(code)),
         ("StatusText", text)],
    )  # fmt: skip


def member_fields(queue: str, m: Member, device_state: str) -> list[Header]:
    """The member block shared by QueueMemberStatus/Added/Removed/Pause events."""
    return [
        ("Queue", queue),
        ("MemberName", m.name),
        ("Interface", m.interface),
        ("StateInterface", m.state_interface),
        ("Membership", "dynamic" if m.dynamic else "static"),
        ("Penalty", str(m.penalty)),
        ("CallsTaken", "0"),
        ("LastCall", "0"),
        ("LastPause", str(m.last_pause)),
        ("LoginTime", str(m.login_time)),
        ("InCall", "0"),
        ("Status", str(DEVICE_MEMBER_STATUS[device_state])),
        ("Paused", "1" if m.paused else "0"),
        ("PausedReason", m.reason),
        ("Ringinuse", "0"),
        ("Wrapuptime", "0"),
    ]


def member_event(name: str, queue: str, m: Member, device_state: str) -> Message:
    """QueueMemberStatus / QueueMemberAdded / QueueMemberRemoved / QueueMemberPause."""
    return event(name, member_fields(queue, m, device_state))


def peer_status(endpoint: str, status: str) -> Message:
    """PeerStatus (Reachable / Unreachable) on register / unregister."""
    return event("PeerStatus", [("ChannelType", "PJSIP"), ("Peer", f"PJSIP/{endpoint}"),
                                ("PeerStatus", status)])  # fmt: skip


def contact_status(endpoint: str, uri: str, status: str) -> Message:
    """ContactStatus: NonQualified on register (qualify_frequency=0), Removed on unregister."""
    return event(
        "ContactStatus",
        [("URI", uri), ("ContactStatus", status), ("AOR", endpoint), ("EndpointName", endpoint),
         ("RoundtripUsec", "0")],
    )  # fmt: skip


def fully_booted(uptime: int, last_reload: int, *, at_login: bool) -> Message:
    """FullyBooted: at login `Uptime, LastReload, Status`; at end of boot `Status` first (14)."""
    if at_login:
        body = [
            ("Uptime", str(uptime)),
            ("LastReload", str(last_reload)),
            ("Status", "Fully Booted"),
        ]
    else:
        body = [
            ("Status", "Fully Booted"),
            ("Uptime", str(uptime)),
            ("LastReload", str(last_reload)),
        ]
    return event("FullyBooted", body)


def shutdown(restart: bool) -> Message:
    """Shutdown event sent before the AMI sockets close."""
    return event("Shutdown", [("Shutdown", "Cleanly"), ("Restart", "True" if restart else "False")])
