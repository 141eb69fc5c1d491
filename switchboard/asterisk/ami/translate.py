"""AMI events and list items -> the frozen typed events of switchboard.core.events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import structlog

from switchboard.asterisk.ami.message import AmiMessage
from switchboard.core.events import (
    AmiEvent,
    AsteriskBooted,
    AsteriskShutdown,
    BridgeEntered,
    BridgeLeft,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    CallTransferred,
    ChannelHungUp,
    ChannelSeen,
    ContactStatusChanged,
    DeviceStateChanged,
    DialBegan,
    DialEnded,
    QueueMemberChanged,
    QueueMemberRemoved,
)

log = structlog.get_logger(__name__)


class InvalidEvent(ValueError):
    """A needed field is missing or unparsable; the message is rejected, never defaulted."""


class Translator:
    """Translate one message at a time; counts translated, ignored and rejected messages."""

    def __init__(self) -> None:
        self.translated = 0
        self.ignored = 0
        self.errors: Counter[str] = Counter()

    def translate(self, msg: AmiMessage) -> AmiEvent | None:
        """The typed event, or None for an event the core does not need or a rejected one."""
        name = msg.event
        convert = _CONVERTERS.get(name) if name is not None else None
        if convert is None:
            self.ignored += 1
            return None
        try:
            event = convert(msg)
        except InvalidEvent as exc:
            self.errors[name or "?"] += 1
            log.error(
                "ami.translate_error", event_name=name, error=str(exc), uniqueid=msg.get("Uniqueid")
            )
            return None
        if event is None:
            self.ignored += 1
        else:
            self.translated += 1
        return event

    @property
    def error_count(self) -> int:
        """Messages rejected so far, all event names together."""
        return sum(self.errors.values())


def _s(msg: AmiMessage, key: str) -> str:
    value = msg.get(key)
    if value is None:
        raise InvalidEvent(f"{msg.event}: missing {key}")
    return value


def _i(msg: AmiMessage, key: str) -> int:
    value = _s(msg, key)
    try:
        return int(value)
    except ValueError:
        raise InvalidEvent(f"{msg.event}: {key} is not an integer: {value!r}") from None


def _flag(msg: AmiMessage, key: str, true: str, false: str) -> bool:
    value = _s(msg, key)
    if value not in (true, false):
        raise InvalidEvent(f"{msg.event}: {key} is neither {true} nor {false}: {value!r}")
    return value == true


def _device_state(m: AmiMessage) -> AmiEvent:
    return DeviceStateChanged(device=_s(m, "Device"), state=_s(m, "State"))


def _contact_status(m: AmiMessage) -> AmiEvent:
    return ContactStatusChanged(aor=_s(m, "AOR"), uri=_s(m, "URI"), status=_s(m, "ContactStatus"))


def _contact_item(m: AmiMessage) -> AmiEvent:
    # ContactList items carry no AOR field; the contact id is "<aor>;@<hash>"
    # (res_pjsip/location.c ast_sip_location_create_contact; recording 02 `1001;@a781...`).
    aor, sep, _ = _s(m, "ObjectName").partition(";@")
    if not sep or not aor:
        raise InvalidEvent(
            f"ContactList: ObjectName is not '<aor>;@<hash>': {m.get('ObjectName')!r}"
        )
    return ContactStatusChanged(aor=aor, uri=_s(m, "Uri"), status=_s(m, "Status"))


def _member(m: AmiMessage) -> AmiEvent:
    return QueueMemberChanged(
        queue=_s(m, "Queue"),
        interface=_s(m, "Interface"),
        name=_s(m, "MemberName"),
        paused=_flag(m, "Paused", "1", "0"),
        reason=_s(m, "PausedReason"),
        status=_i(m, "Status"),
    )


def _member_item(m: AmiMessage) -> AmiEvent:
    # The QueueStatus item names the fields Location/Name, the events Interface/MemberName (02).
    return QueueMemberChanged(
        queue=_s(m, "Queue"),
        interface=_s(m, "Location"),
        name=_s(m, "Name"),
        paused=_flag(m, "Paused", "1", "0"),
        reason=_s(m, "PausedReason"),
        status=_i(m, "Status"),
    )


def _member_removed(m: AmiMessage) -> AmiEvent:
    return QueueMemberRemoved(queue=_s(m, "Queue"), interface=_s(m, "Interface"))


def _caller_join(m: AmiMessage) -> AmiEvent:
    # CallerIDName stays C-escaped as sent (a CR arrives as the two characters "\r", FACTS).
    return CallerJoined(
        queue=_s(m, "Queue"),
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        linkedid=_s(m, "Linkedid"),
        caller_num=_s(m, "CallerIDNum"),
        caller_name=_s(m, "CallerIDName"),
        position=_i(m, "Position"),
        exten=_s(m, "Exten"),
    )


def _queue_entry(m: AmiMessage) -> AmiEvent:
    return CallerJoined(
        queue=_s(m, "Queue"),
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        linkedid=None,  # QueueEntry has no Linkedid field (17)
        caller_num=_s(m, "CallerIDNum"),
        caller_name=_s(m, "CallerIDName"),
        position=_i(m, "Position"),
        wait_s=_i(m, "Wait"),
    )


def _caller_leave(m: AmiMessage) -> AmiEvent:
    return CallerLeft(
        queue=_s(m, "Queue"),
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        count=_i(m, "Count"),
    )


def _caller_abandon(m: AmiMessage) -> AmiEvent:
    return CallerAbandoned(
        queue=_s(m, "Queue"),
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        hold_time_s=_i(m, "HoldTime"),
    )


def _dial_begin(m: AmiMessage) -> AmiEvent | None:
    if "Channel" not in m:
        return None  # Originate's DialBegin has only Dest* fields (13): no calling channel
    return DialBegan(
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        dest_channel=_s(m, "DestChannel"),
        dest_uniqueid=_s(m, "DestUniqueid"),
        dial_string=_s(m, "DialString"),
    )


def _dial_end(m: AmiMessage) -> AmiEvent | None:
    if "Channel" not in m:
        return None  # as for DialBegin (13)
    return DialEnded(
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        dest_channel=_s(m, "DestChannel"),
        dest_uniqueid=_s(m, "DestUniqueid"),
        status=_s(m, "DialStatus"),
    )


def _bridge_enter(m: AmiMessage) -> AmiEvent:
    return BridgeEntered(
        bridge=_s(m, "BridgeUniqueid"), channel=_s(m, "Channel"), uniqueid=_s(m, "Uniqueid")
    )


def _bridge_leave(m: AmiMessage) -> AmiEvent:
    return BridgeLeft(
        bridge=_s(m, "BridgeUniqueid"), channel=_s(m, "Channel"), uniqueid=_s(m, "Uniqueid")
    )


def _hangup(m: AmiMessage) -> AmiEvent:
    return ChannelHungUp(
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        linkedid=_s(m, "Linkedid"),
        cause=_i(m, "Cause"),
    )


def _channel_item(m: AmiMessage) -> AmiEvent:
    return ChannelSeen(
        channel=_s(m, "Channel"),
        uniqueid=_s(m, "Uniqueid"),
        linkedid=_s(m, "Linkedid"),
        context=_s(m, "Context"),
        exten=_s(m, "Exten"),
        application=_s(m, "Application"),
        bridge=_s(m, "BridgeId"),  # present but empty when not bridged (17)
        duration_s=_duration(m, "Duration"),
        caller_num=_s(m, "CallerIDNum"),
        caller_name=_s(m, "CallerIDName"),
    )


def _duration(msg: AmiMessage, key: str) -> int:
    """`HH:MM:SS` (hours may exceed 24) -> seconds (CoreShowChannel Duration, recording 17)."""
    value = _s(msg, key)
    parts = value.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise InvalidEvent(f"{msg.event}: {key} is not HH:MM:SS: {value!r}")
    hours, minutes, seconds = (int(p) for p in parts)
    return hours * 3600 + minutes * 60 + seconds


def _blind_transfer(m: AmiMessage) -> AmiEvent | None:
    if "TransfereeUniqueid" not in m:
        return None  # no transferee snapshot (stasis_bridges.c: optional): nothing to follow
    return CallTransferred(
        kind="blind",
        result=_s(m, "Result"),
        transferer_channel=_s(m, "TransfererChannel"),
        transferee_uniqueid=_s(m, "TransfereeUniqueid"),
        target=_s(m, "Extension"),
    )


def _attended_transfer(m: AmiMessage) -> AmiEvent | None:
    # Transferee and TransferTarget snapshots are optional (stasis_bridges.c attended_transfer_to_ami)
    if "TransfereeUniqueid" not in m:
        return None
    return CallTransferred(
        kind="attended",
        result=_s(m, "Result"),
        transferer_channel=_s(m, "OrigTransfererChannel"),
        transferee_uniqueid=_s(m, "TransfereeUniqueid"),
        target=m.get("TransferTargetChannel") or "",
    )


def _booted(m: AmiMessage) -> AmiEvent:
    return AsteriskBooted(uptime_s=_i(m, "Uptime"))


def _shutdown(m: AmiMessage) -> AmiEvent:
    return AsteriskShutdown(restart=_flag(m, "Restart", "True", "False"))


_CONVERTERS: dict[str, Callable[[AmiMessage], AmiEvent | None]] = {
    "DeviceStateChange": _device_state,
    "ContactStatus": _contact_status,
    "ContactList": _contact_item,
    "QueueMemberAdded": _member,
    "QueueMemberPause": _member,
    "QueueMemberStatus": _member,
    "QueueMember": _member_item,
    "QueueMemberRemoved": _member_removed,
    "QueueCallerJoin": _caller_join,
    "QueueEntry": _queue_entry,
    "QueueCallerLeave": _caller_leave,
    "QueueCallerAbandon": _caller_abandon,
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "BridgeEnter": _bridge_enter,
    "BridgeLeave": _bridge_leave,
    "Hangup": _hangup,
    "CoreShowChannel": _channel_item,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
    "FullyBooted": _booted,
    "Shutdown": _shutdown,
}
