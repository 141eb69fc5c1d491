"""Typed events the core consumes, translated at the edge from AMI messages.

Field meanings follow the AMI events of the same name (see asterisk-recordings/README.md);
every field is required: a message lacking one is rejected by the translator, never defaulted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeviceStateChanged:
    """`DeviceStateChange` (also each item of DeviceStateList): device such as `PJSIP/1001`."""

    device: str
    state: str  # NOT_INUSE, INUSE, BUSY, RINGING, RINGINUSE, ONHOLD, UNAVAILABLE, INVALID, UNKNOWN


@dataclass(frozen=True, slots=True)
class ContactStatusChanged:
    """`ContactStatus` event or `ContactList` item: a registration appearing or going."""

    aor: str
    uri: str
    status: str  # NonQualified, Reachable, Unreachable, Removed, Created, Unknown


@dataclass(frozen=True, slots=True)
class QueueMemberChanged:
    """`QueueMemberAdded`/`QueueMemberPause`/`QueueMemberStatus` or a QueueStatus `QueueMember` item."""

    queue: str
    interface: str
    name: str
    paused: bool
    reason: str
    status: int


@dataclass(frozen=True, slots=True)
class QueueMemberRemoved:
    """`QueueMemberRemoved`."""

    queue: str
    interface: str


@dataclass(frozen=True, slots=True)
class CallerJoined:
    """`QueueCallerJoin` or a QueueStatus `QueueEntry` item (`wait_s` 0 for a join event)."""

    queue: str
    channel: str
    uniqueid: str
    linkedid: str | None  # None only for a QueueEntry item: Asterisk sends no Linkedid there (17)
    caller_num: str
    caller_name: str
    position: int
    wait_s: int = 0
    exten: str | None = None  # QueueCallerJoin's Exten (the dialled number); QueueEntry has none
    context: str | None = None  # QueueCallerJoin's Context (switchboard-deliver: a re-entry)


@dataclass(frozen=True, slots=True)
class CallerLeft:
    """`QueueCallerLeave`: the channel left the queue (answered, redirected, timed out or hung up)."""

    queue: str
    channel: str
    uniqueid: str
    count: int


@dataclass(frozen=True, slots=True)
class CallerAbandoned:
    """`QueueCallerAbandon`: emitted for a hangup, a timeout and a Redirect alike (finding 6)."""

    queue: str
    channel: str
    uniqueid: str
    hold_time_s: int


@dataclass(frozen=True, slots=True)
class DialBegan:
    """`DialBegin` with a calling channel (Originate's DialBegin has none and is skipped)."""

    channel: str
    uniqueid: str
    dest_channel: str
    dest_uniqueid: str
    dial_string: str


@dataclass(frozen=True, slots=True)
class DialEnded:
    """`DialEnd`: ANSWER, NOANSWER, BUSY, CANCEL, CONGESTION, CHANUNAVAIL ..."""

    channel: str
    uniqueid: str
    dest_channel: str
    dest_uniqueid: str
    status: str


@dataclass(frozen=True, slots=True)
class BridgeEntered:
    """`BridgeEnter`."""

    bridge: str
    channel: str
    uniqueid: str


@dataclass(frozen=True, slots=True)
class BridgeLeft:
    """`BridgeLeave`."""

    bridge: str
    channel: str
    uniqueid: str


@dataclass(frozen=True, slots=True)
class ChannelHungUp:
    """`Hangup`: the channel is gone (Cause is not a who-hung-up signal, finding 10)."""

    channel: str
    uniqueid: str
    linkedid: str
    cause: int


@dataclass(frozen=True, slots=True)
class ChannelSeen:
    """A `CoreShowChannel` item: a live channel at snapshot time."""

    channel: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    application: str
    bridge: str
    duration_s: int = 0  # the channel's age: a caller's real wait across Queue() slices
    caller_num: str = ""
    caller_name: str = ""
    # An operator's leg: when [switchboard-answered] ran on it (its SB_ANSWERED_AT, read by
    # Getvar after the snapshot), for an answer the engine did not hear (AMI down, engine dead)
    answered_at: float | None = None


@dataclass(frozen=True, slots=True)
class AnswerReported:
    """`UserEvent` `SwitchboardAnswered` from `[switchboard-answered]`: the operator's channel
    (`device`) answered the call `uniqueid` (the caller's SB_CALLID)."""

    uniqueid: str
    device: str


@dataclass(frozen=True, slots=True)
class CallbackAnswerReported:
    """`UserEvent` `SwitchboardCallbackAnswered` from `[switchboard-callout-answered]`: the
    caller answered the callback of call `uniqueid` (its SB_CALLID)."""

    uniqueid: str


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """`BlindTransfer` (target: the Extension) or `AttendedTransfer` (target: the target channel)."""

    kind: str  # blind | attended
    result: str  # Success, Fail, Invalid, Not Permitted
    transferer_channel: str
    transferee_uniqueid: str
    target: str


@dataclass(frozen=True, slots=True)
class QueueListed:
    """A QueueStatus `QueueParams` item: the queue exists in Asterisk's queues.conf."""

    queue: str


@dataclass(frozen=True, slots=True)
class AsteriskBooted:
    """`FullyBooted`; uptime 0 right after a restart tells a restart from a reconnect."""

    uptime_s: int


@dataclass(frozen=True, slots=True)
class AsteriskShutdown:
    """`Shutdown`: Asterisk is stopping (or restarting)."""

    restart: bool


AmiEvent = (
    DeviceStateChanged
    | ContactStatusChanged
    | QueueMemberChanged
    | QueueMemberRemoved
    | CallerJoined
    | CallerLeft
    | CallerAbandoned
    | DialBegan
    | DialEnded
    | AnswerReported
    | CallbackAnswerReported
    | BridgeEntered
    | BridgeLeft
    | ChannelHungUp
    | ChannelSeen
    | CallTransferred
    | QueueListed
    | AsteriskBooted
    | AsteriskShutdown
)
