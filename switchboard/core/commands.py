"""Events the engine itself feeds to the core (from FastAGI requests, timers and AMI replies)."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.core.events import (
    CallerJoined,
    ChannelSeen,
    ContactStatusChanged,
    DeviceStateChanged,
)
from switchboard.core.rules import OverflowRule


@dataclass(frozen=True, slots=True)
class CallRouted:
    """The route AGI sent the call to a queue (uniqueid is the caller channel's)."""

    uniqueid: str
    channel: str
    tenant: str
    service: str
    queue: str
    tag: str
    priority: int
    skills: tuple[str, ...]
    target_answer_s: int
    overflow: tuple[OverflowRule, ...]
    caller_num: str
    caller_name: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class CallTurnedAway:
    """The route AGI ended the call without a queue: closed, voicemail, forward or reject."""

    uniqueid: str
    channel: str
    tenant: str
    service: str
    outcome: str
    reason: str
    caller_num: str
    caller_name: str


@dataclass(frozen=True, slots=True)
class DeliveryReported:
    """The delivery path's `delivered?status=DIALSTATUS` report."""

    uniqueid: str
    device: str
    status: str


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """The Setvar/Redirect of an offer was refused (typically: the caller is gone)."""

    uniqueid: str
    reason: str


@dataclass(frozen=True, slots=True)
class CallFinished:
    """The call left the switchboard another way (voicemail, callback, forward, hangup)."""

    uniqueid: str
    outcome: str


@dataclass(frozen=True, slots=True)
class CallbackOffered:
    """The caller was offered a callback at a queue timeout."""

    uniqueid: str


@dataclass(frozen=True, slots=True)
class AgentCommand:
    """Log in, log out, pause (with reason) or unpause, from a feature code or the API."""

    agent: str
    action: str  # login | logout | pause | unpause
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: expire wrap-ups and offers, open overflow steps."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What Asterisk reports after a (re)connect: queue entries, channels, devices, contacts.

    `contacts` None means not asked: every device's registration is then read from its state.
    """

    entries: tuple[CallerJoined, ...]
    channels: tuple[ChannelSeen, ...]
    devices: tuple[DeviceStateChanged, ...]
    contacts: tuple[ContactStatusChanged, ...] | None = None


@dataclass(frozen=True, slots=True)
class AgentsRestored:
    """Agent logins and pauses read back from the store at start-up."""

    sessions: tuple[tuple[str, bool, str | None], ...]  # (agent, logged_in, pause reason)


EngineEvent = (
    CallRouted
    | CallTurnedAway
    | DeliveryReported
    | OfferFailed
    | CallFinished
    | CallbackOffered
    | AgentCommand
    | Tick
    | Snapshot
    | AgentsRestored
)
