"""AMI events and list items -> the frozen typed events of switchboard.core.events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import structlog

from switchboard.asterisk.ami.fields import InvalidEvent, duration, flag, integer, text
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.core.events import (
    AmiEvent,
    AnswerReported,
    AsteriskBooted,
    AsteriskShutdown,
    BridgeEntered,
    BridgeLeft,
    CallbackAnswerReported,
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
    QueueListed,
    QueueMemberChanged,
    QueueMemberRemoved,
)

log = structlog.get_logger(__name__)


# The events the engine uses: manager.conf lets only these through (`eventfilter`, written
# by `switchboard asterisk-config`), so Asterisk neither sends nor the engine parses the rest.
# Bridge*, QueueMember* and QueueCallerAbandon are translated when seen but not asked for.
NEEDED_EVENTS = (
    "FullyBooted",
    "Shutdown",
    "DeviceStateChange",
    "ContactStatus",
    "QueueCallerJoin",
    "QueueCallerLeave",
    "DialBegin",
    "DialEnd",
    "BlindTransfer",
    "AttendedTransfer",
    "Hangup",
    "UserEvent",
)
# The dialplan's own UserEvents (docs/call-flow.md): [switchboard-answered] and
# [switchboard-callout-answered]; manager.conf lets only these through.
ANSWERED = "SwitchboardAnswered"
CALLBACK_ANSWERED = "SwitchboardCallbackAnswered"
USER_EVENTS = (ANSWERED, CALLBACK_ANSWERED)
# Set by [switchboard-answered] on the operator's leg: ${EPOCH} (whole seconds) at the answer
ANSWERED_AT = "SB_ANSWERED_AT"


def answer_time(value: str | None) -> float | None:
    """A leg's SB_ANSWERED_AT as a time: the middle of its whole second; None when unset or
    not a number."""
    if not value or not (value.isascii() and value.isdigit()):
        return None
    return int(value) + 0.5


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


def _device_state(m: AmiMessage) -> AmiEvent:
    return DeviceStateChanged(device=text(m, "Device"), state=text(m, "State"))


def _contact_status(m: AmiMessage) -> AmiEvent:
    return ContactStatusChanged(
        aor=text(m, "AOR"), uri=text(m, "URI"), status=text(m, "ContactStatus")
    )


def _contact_item(m: AmiMessage) -> AmiEvent:
    # ContactList items carry no AOR field; the contact id is "<aor>;@<hash>"
    # (res_pjsip/location.c ast_sip_location_create_contact; recording 02 `1001;@a781...`).
    aor, sep, _ = text(m, "ObjectName").partition(";@")
    if not sep or not aor:
        raise InvalidEvent(
            f"ContactList: ObjectName is not '<aor>;@<hash>': {m.get('ObjectName')!r}"
        )
    return ContactStatusChanged(aor=aor, uri=text(m, "Uri"), status=text(m, "Status"))


def _member(m: AmiMessage) -> AmiEvent:
    return QueueMemberChanged(
        queue=text(m, "Queue"),
        interface=text(m, "Interface"),
        name=text(m, "MemberName"),
        paused=flag(m, "Paused", "1", "0"),
        reason=text(m, "PausedReason"),
        status=integer(m, "Status"),
    )


def _member_item(m: AmiMessage) -> AmiEvent:
    # The QueueStatus item names the fields Location/Name, the events Interface/MemberName (02).
    return QueueMemberChanged(
        queue=text(m, "Queue"),
        interface=text(m, "Location"),
        name=text(m, "Name"),
        paused=flag(m, "Paused", "1", "0"),
        reason=text(m, "PausedReason"),
        status=integer(m, "Status"),
    )


def _member_removed(m: AmiMessage) -> AmiEvent:
    return QueueMemberRemoved(queue=text(m, "Queue"), interface=text(m, "Interface"))


def _caller_join(m: AmiMessage) -> AmiEvent:
    # CallerIDName stays C-escaped as sent (a CR arrives as the two characters "\r", FACTS).
    return CallerJoined(
        queue=text(m, "Queue"),
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        linkedid=text(m, "Linkedid"),
        caller_num=text(m, "CallerIDNum"),
        caller_name=text(m, "CallerIDName"),
        position=integer(m, "Position"),
        exten=text(m, "Exten"),
        context=text(m, "Context"),
    )


def _queue_entry(m: AmiMessage) -> AmiEvent:
    return CallerJoined(
        queue=text(m, "Queue"),
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        linkedid=None,  # QueueEntry has no Linkedid field (17)
        caller_num=text(m, "CallerIDNum"),
        caller_name=text(m, "CallerIDName"),
        position=integer(m, "Position"),
        wait_s=integer(m, "Wait"),
    )


def _caller_leave(m: AmiMessage) -> AmiEvent:
    return CallerLeft(
        queue=text(m, "Queue"),
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        count=integer(m, "Count"),
    )


def _caller_abandon(m: AmiMessage) -> AmiEvent:
    return CallerAbandoned(
        queue=text(m, "Queue"),
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        hold_time_s=integer(m, "HoldTime"),
    )


def _dial_begin(m: AmiMessage) -> AmiEvent | None:
    if "Channel" not in m:
        return None  # Originate's DialBegin has only Dest* fields (13): no calling channel
    return DialBegan(
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        dest_channel=text(m, "DestChannel"),
        dest_uniqueid=text(m, "DestUniqueid"),
        dial_string=text(m, "DialString"),
    )


def _dial_end(m: AmiMessage) -> AmiEvent | None:
    if "Channel" not in m:
        return None  # as for DialBegin (13)
    return DialEnded(
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        dest_channel=text(m, "DestChannel"),
        dest_uniqueid=text(m, "DestUniqueid"),
        status=text(m, "DialStatus"),
    )


def _user_event(m: AmiMessage) -> AmiEvent | None:
    name = m.get("UserEvent")
    if name == ANSWERED:
        return AnswerReported(uniqueid=text(m, "CallId"), device=text(m, "Agent"))
    if name == CALLBACK_ANSWERED:
        return CallbackAnswerReported(uniqueid=text(m, "CallId"))
    return None  # another application's UserEvent: the `user` class carries them all


def _bridge_enter(m: AmiMessage) -> AmiEvent:
    return BridgeEntered(
        bridge=text(m, "BridgeUniqueid"), channel=text(m, "Channel"), uniqueid=text(m, "Uniqueid")
    )


def _bridge_leave(m: AmiMessage) -> AmiEvent:
    return BridgeLeft(
        bridge=text(m, "BridgeUniqueid"), channel=text(m, "Channel"), uniqueid=text(m, "Uniqueid")
    )


def _hangup(m: AmiMessage) -> AmiEvent:
    return ChannelHungUp(
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        linkedid=text(m, "Linkedid"),
        cause=integer(m, "Cause"),
    )


def _channel_item(m: AmiMessage) -> AmiEvent:
    return ChannelSeen(
        channel=text(m, "Channel"),
        uniqueid=text(m, "Uniqueid"),
        linkedid=text(m, "Linkedid"),
        context=text(m, "Context"),
        exten=text(m, "Exten"),
        application=text(m, "Application"),
        bridge=text(m, "BridgeId"),  # present but empty when not bridged (17)
        duration_s=duration(m, "Duration"),
        caller_num=text(m, "CallerIDNum"),
        caller_name=text(m, "CallerIDName"),
    )


def _blind_transfer(m: AmiMessage) -> AmiEvent | None:
    if "TransfereeUniqueid" not in m:
        return None  # no transferee snapshot (stasis_bridges.c: optional): nothing to follow
    return CallTransferred(
        kind="blind",
        result=text(m, "Result"),
        transferer_channel=text(m, "TransfererChannel"),
        transferee_uniqueid=text(m, "TransfereeUniqueid"),
        target=text(m, "Extension"),
    )


def _attended_transfer(m: AmiMessage) -> AmiEvent | None:
    # Transferee and TransferTarget snapshots are optional (stasis_bridges.c attended_transfer_to_ami)
    if "TransfereeUniqueid" not in m:
        return None
    return CallTransferred(
        kind="attended",
        result=text(m, "Result"),
        transferer_channel=text(m, "OrigTransfererChannel"),
        transferee_uniqueid=text(m, "TransfereeUniqueid"),
        target=m.get("TransferTargetChannel") or "",
    )


def _queue_params(m: AmiMessage) -> AmiEvent:
    return QueueListed(queue=text(m, "Queue"))


def _booted(m: AmiMessage) -> AmiEvent:
    return AsteriskBooted(uptime_s=integer(m, "Uptime"))


def _shutdown(m: AmiMessage) -> AmiEvent:
    return AsteriskShutdown(restart=flag(m, "Restart", "True", "False"))


_CONVERTERS: dict[str, Callable[[AmiMessage], AmiEvent | None]] = {
    "DeviceStateChange": _device_state,
    "ContactStatus": _contact_status,
    "ContactList": _contact_item,
    "QueueMemberAdded": _member,
    "QueueMemberPause": _member,
    "QueueMemberStatus": _member,
    "QueueMember": _member_item,
    "QueueParams": _queue_params,
    "QueueMemberRemoved": _member_removed,
    "QueueCallerJoin": _caller_join,
    "QueueEntry": _queue_entry,
    "QueueCallerLeave": _caller_leave,
    "QueueCallerAbandon": _caller_abandon,
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "UserEvent": _user_event,
    "BridgeEnter": _bridge_enter,
    "BridgeLeave": _bridge_leave,
    "Hangup": _hangup,
    "CoreShowChannel": _channel_item,
    "BlindTransfer": _blind_transfer,
    "AttendedTransfer": _attended_transfer,
    "FullyBooted": _booted,
    "Shutdown": _shutdown,
}
