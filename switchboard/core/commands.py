"""Events the engine itself feeds to the core (from FastAGI requests, timers and AMI replies)."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.core.events import (
    CallerJoined,
    ChannelSeen,
    ContactStatusChanged,
    DeviceStateChanged,
)
from switchboard.core.routing import Action, Decision
from switchboard.core.rules import OverflowRule
from switchboard.core.state import Call
from switchboard.core.topology import Topology


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
    did: str = ""
    via: str = (
        "engine"  # fallback: the engine could not deliver and sent the call to the dialplan's
    )
    direct: bool = False  # the route session waits: an operator free now is offered in its answer


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
    did: str = ""


def from_decision(
    decision: Decision,
    tenant: str,
    uniqueid: str,
    channel: str,
    caller: tuple[str, str],
    did: str,
    via: str = "engine",
) -> CallRouted | CallTurnedAway:
    """What a route decision makes of the call: a queued call, or one turned away.

    `caller` is (number, name); `tenant` stands in when the decision names none.
    """
    caller_num, caller_name = caller
    if decision.action is not Action.QUEUE or decision.queue is None:
        return CallTurnedAway(
            uniqueid=uniqueid,
            channel=channel,
            tenant=decision.tenant or tenant,
            service=decision.service or "",
            outcome=decision.action.value,
            reason=decision.reason,
            caller_num=caller_num,
            caller_name=caller_name,
            did=did,
        )
    return CallRouted(
        uniqueid=uniqueid,
        channel=channel,
        tenant=decision.tenant or tenant,
        service=decision.service or "",
        queue=decision.queue,
        tag=decision.tag or "",
        priority=decision.priority,
        skills=decision.skills,
        target_answer_s=decision.target_answer_s or 30,
        overflow=decision.overflow,
        caller_num=caller_num,
        caller_name=caller_name,
        language=decision.language,
        did=did,
        via=via,
    )


@dataclass(frozen=True, slots=True)
class DeliveryReported:
    """The delivery path's `delivered?status=DIALSTATUS` report."""

    uniqueid: str
    device: str
    status: str


@dataclass(frozen=True, slots=True)
class OfferSent:
    """Asterisk accepted the offer's Redirect."""

    uniqueid: str


@dataclass(frozen=True, slots=True)
class OfferFailed:
    """The offer's Setvar/Redirect did not happen.

    `kind`: `unsent` (no AMI link: never left the engine), `gone` (no such channel: the caller
    hung up), `refused` (Asterisk said no for another reason) or `unknown` (the link dropped or
    timed out after sending: it may have run).
    """

    uniqueid: str
    reason: str
    kind: str = "refused"


@dataclass(frozen=True, slots=True)
class TransferReported:
    """The dialplan's `transferred` report: its Dial to a transfer target ended with `status`."""

    uniqueid: str
    status: str
    transferer: str  # the transferring operator's device (from BLINDTRANSFER or SB_AGENT)
    target: str


@dataclass(frozen=True, slots=True)
class CallFinished:
    """The call left the switchboard another way (voicemail, callback, forward, hangup)."""

    uniqueid: str
    outcome: str


@dataclass(frozen=True, slots=True)
class CallbackRequested:
    """The caller pressed 1 at the callback offer: call `number` back, keeping the place."""

    uniqueid: str
    number: str  # E.164
    max_attempts: int
    retry_after_s: int
    keep_s: int


@dataclass(frozen=True, slots=True)
class CallbackReported:
    """The callout's Dial to the caller's number ended with DIALSTATUS `status`."""

    uniqueid: str
    status: str


@dataclass(frozen=True, slots=True)
class SliceEnded:
    """The requeue answer keeps the caller waiting; `position` and `minutes` when they are said."""

    uniqueid: str
    position: int | None = None
    minutes: int | None = None


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
class LinkChanged:
    """Whether the engine can deliver offers now (AMI logins up and the state read on them)."""

    deliverable: bool


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: expire wrap-ups and offers, open overflow steps."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What Asterisk reports after a (re)connect: queue entries, channels, devices, contacts.

    `started_at` is when the collection began: anything the engine changed since is newer than
    the snapshot and wins. `contacts` None means not asked (registration is read from devices);
    `queues` None means not known (the queues Asterisk has, from QueueStatus).
    """

    entries: tuple[CallerJoined, ...]
    channels: tuple[ChannelSeen, ...]
    devices: tuple[DeviceStateChanged, ...]
    contacts: tuple[ContactStatusChanged, ...] | None = None
    started_at: float = 0.0
    queues: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class AgentsRestored:
    """Agent logins and pauses read back from the store at start-up, with today's answered calls."""

    sessions: tuple[tuple[str, bool, str | None], ...]  # (agent, logged_in, pause reason)
    calls_today: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class CallsRestored:
    """Calls the store holds as not ended, read back at start-up (the snapshot then reconciles)."""

    calls: tuple[Call, ...]


@dataclass(frozen=True, slots=True)
class TopologyChanged:
    """A reloaded configuration's topology; the single writer swaps it in (core/reload.py)."""

    topo: Topology


EngineEvent = (
    CallRouted
    | CallTurnedAway
    | DeliveryReported
    | OfferSent
    | OfferFailed
    | TransferReported
    | CallFinished
    | CallbackOffered
    | SliceEnded
    | CallbackRequested
    | CallbackReported
    | AgentCommand
    | LinkChanged
    | Tick
    | Snapshot
    | AgentsRestored
    | CallsRestored
)
