"""Live agent and call state: frozen records in persistent maps, with statuses derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from immutables import Map

from switchboard.core.rules import OverflowRule

if TYPE_CHECKING:
    from switchboard.core.overrides import Override

BUSY_DEVICE = frozenset({"INUSE", "BUSY", "ONHOLD", "RINGING", "RINGINUSE"})
DEAD_DEVICE = frozenset({"UNAVAILABLE", "INVALID"})


class AgentStatus(StrEnum):
    """What an agent is doing, as shown on the wallboard."""

    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    RESERVED = "reserved"
    RINGING = "ringing"
    ON_CALL = "on_call"
    BUSY = "busy"
    WRAPUP = "wrapup"
    PAUSED = "paused"
    UNREACHABLE = "unreachable"


class CallPhase(StrEnum):
    """Where a call is in its life."""

    ENTERING = "entering"
    WAITING = "waiting"
    OFFERED = "offered"
    CONNECTED = "connected"
    TRANSFERRED = "transferred"
    ENDED = "ended"


UNANSWERED = frozenset({CallPhase.WAITING, CallPhase.OFFERED})  # not yet talking to an operator


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent's live facts; `status()` derives the state from them."""

    id: str
    logged_in: bool = False
    paused: str | None = None
    contact: bool = True
    device: str = "UNKNOWN"
    device_at: float = 0.0  # when an AMI event last changed `device` (snapshot consistency)
    offer: str | None = None
    offer_at: float = 0.0
    call: str | None = None
    wrapup_until: float = 0.0
    idle_since: float = 0.0
    calls_today: int = 0
    misses: int = 0

    def status(self, now: float) -> AgentStatus:
        """The agent's state at `now` (engine offers and calls win over device state)."""
        if not self.logged_in:
            return AgentStatus.LOGGED_OUT
        if self.offer is not None:
            ringing = self.device in ("RINGING", "RINGINUSE")
            return AgentStatus.RINGING if ringing else AgentStatus.RESERVED
        if self.call is not None:
            return AgentStatus.ON_CALL
        if not self.reachable:
            return AgentStatus.UNREACHABLE
        if self.device in BUSY_DEVICE:
            return AgentStatus.BUSY
        if self.paused is not None:
            return AgentStatus.PAUSED
        if now < self.wrapup_until:
            return AgentStatus.WRAPUP
        return AgentStatus.AVAILABLE

    @property
    def reachable(self) -> bool:
        """True while the phone is registered and its device is not dead."""
        return self.contact and self.device not in DEAD_DEVICE


@dataclass(frozen=True, slots=True)
class Attempt:
    """One offer of the call to an operator, and how it ended."""

    agent: str
    at: float
    recall: bool = False
    delivery: str = "sending"  # sending | sent | unknown (the AMI link dropped mid-send)
    delivery_at: float = 0.0
    rang: bool = False  # the phone really rang: DialBegin seen, or NOANSWER/BUSY reported
    result: str | None = None  # None while pending, else answered, noanswer, busy, ...
    answered_at: float | None = None
    ended_at: float | None = None

    @property
    def talking(self) -> bool:
        """True while this attempt is an answered conversation that has not ended."""
        return self.result == "answered" and self.ended_at is None


@dataclass(frozen=True, slots=True)
class Transfer:
    """An operator passed the call on (blind: REFER; attended: after talking to the target)."""

    at: float
    by: str | None  # the transferring agent, when the transferer channel is an operator
    target: str
    kind: str  # blind | attended
    result: str | None = None  # None while ringing, else answered, noanswer, busy, ...
    ended_at: float | None = None


@dataclass(frozen=True, slots=True)
class Callback:
    """The caller hung up to be called back: the call waits on without a channel, its place and
    priority kept, until an operator would take it (core/callbacks.py)."""

    number: str  # the caller's number to call, E.164
    requested_at: float
    wait_from: float  # the wait the callback continues (for overflow steps and reports)
    max_attempts: int = 3
    retry_after_s: int = 300
    keep_until: float = 0.0  # not called back by then: the call ends as callback_expired
    attempts: int = 0  # calls placed to the caller so far
    not_before: float = 0.0  # after an unanswered call, the next waits until then
    connected: bool = False  # the caller answered the call under way
    last: str | None = None  # how the last call to the caller ended (noanswer, busy, ...)


@dataclass(frozen=True, slots=True)
class Call:
    """One caller's call as the engine knows it; the caller channel's Uniqueid is its id."""

    id: str
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
    arrived_at: float
    did: str = ""
    via: str = "engine"  # engine | fallback (the dialplan's static queue rang the operators)
    language: str | None = None
    waiting_since: float | None = None  # first joined a queue: the caller's place
    wait_from: float | None = None  # the current wait began; None before queueing and while served
    in_queue: bool = False
    between_slices: bool = False  # the dialplan is between two Queue() slices (announcing)
    at_route: bool = False  # its route session is open: an offer now rides the route answer
    announced_at: float | None = None  # position and wait were last said then
    attempts: tuple[Attempt, ...] = ()
    agent: str | None = None  # the operator the caller is talking to now
    answered_by: str | None = None  # the first operator who answered
    answered_at: float | None = None
    transfers: tuple[Transfer, ...] = ()
    recall: str | None = None  # an operator whose failed transfer brings the caller back
    refused: Map[str, float] = field(default_factory=Map)  # operator -> when it missed
    overflow_step: int = 0  # overflow steps reached so far
    callback_offered: bool = False
    callback: Callback | None = None  # the caller chose to be called back
    withdrawing: bool = False  # a supervisor's withdrawal to voicemail is under way
    outcome: str | None = None
    ended_at: float | None = None
    changed_at: float = 0.0
    seen_at: float = 0.0  # Asterisk or the dialplan last told something about this channel
    timeline: tuple[tuple[float, str], ...] = ()

    @property
    def offer(self) -> str | None:
        """The operator this call is being offered to right now, if any."""
        last = self.attempts[-1] if self.attempts else None
        return last.agent if last is not None and last.result is None else None

    @property
    def pending(self) -> Attempt | None:
        """The attempt still waiting for its outcome, if any."""
        last = self.attempts[-1] if self.attempts else None
        return last if last is not None and last.result is None else None

    @property
    def transfer(self) -> Transfer | None:
        """The last transfer while it is still ringing, if any."""
        last = self.transfers[-1] if self.transfers else None
        return last if last is not None and last.result is None else None

    @property
    def phase(self) -> CallPhase:
        """The call's phase, derived from its facts."""
        if self.outcome is not None:
            return CallPhase.ENDED
        if self.agent is not None:
            return CallPhase.CONNECTED
        if self.offer is not None:
            return CallPhase.OFFERED
        if self.wait_from is not None:
            return CallPhase.WAITING
        if self.answered_at is not None:
            last = self.transfers[-1] if self.transfers else None
            passed_on = last is not None and last.result in (None, "answered")
            return CallPhase.TRANSFERRED if passed_on else CallPhase.CONNECTED
        return CallPhase.ENTERING

    @property
    def dispatchable(self) -> bool:
        """True when the caller waits in one of the engine's queues (or between two of its Queue()
        slices, where a Redirect reaches it as well, or for a callback) with no offer pending."""
        return (
            (self.in_queue or self.between_slices or self.at_route or self.callback is not None)
            and self.via == "engine"
            and self.offer is None
            and self.agent is None
            and self.outcome is None
            and not self.withdrawing
        )

    def ready(self, now: float) -> bool:
        """Dispatchable at `now` (a callback that did not reach the caller waits to retry)."""
        return self.dispatchable and (self.callback is None or self.callback.not_before <= now)

    def waited(self, now: float) -> float:
        """Seconds of the current wait (kept across re-queues and restarts, not across a talk)."""
        return 0.0 if self.wait_from is None else max(0.0, now - self.wait_from)

    def open_partners(self, now: float) -> frozenset[str]:
        """Partner tenants whose agents the overflow steps reached so far allow."""
        waited = self.waited(now)
        return frozenset(p for s in self.overflow if s.after_s <= waited for p in s.partners)

    def note(self, now: float, what: str) -> tuple[tuple[float, str], ...]:
        """The timeline with one more entry."""
        return (*self.timeline, (now, what))

    def with_attempt(self, attempt: Attempt) -> tuple[Attempt, ...]:
        """The attempts with the last one replaced by `attempt`."""
        return (*self.attempts[:-1], attempt)


@dataclass(frozen=True, slots=True)
class State:
    """Everything live: agents, calls, and the indexes the dispatcher reads."""

    agents: Map[str, Agent] = field(default_factory=Map)
    calls: Map[str, Call] = field(default_factory=Map)
    waiting: Map[str, frozenset[str]] = field(default_factory=Map)  # tenant -> unanswered calls
    free: frozenset[str] = frozenset()
    recalls: frozenset[str] = frozenset()  # waiting calls with an operator to recall first
    legs: Map[str, tuple[str, str | None]] = field(default_factory=Map)  # leg -> (call, agent)
    ended: Map[str, float] = field(default_factory=Map)  # recently ended call ids -> when
    recent: Map[str, tuple[str, float]] = field(
        default_factory=Map
    )  # caller -> agent, while sticky
    handled: Map[str, tuple[float, ...]] = field(default_factory=Map)  # queue -> recent talks
    rr_cursor: int = -1
    day: int = 0
    deliverable: bool = True  # False while AMI cannot carry offers: nothing is offered
    overrides: Map[tuple[str, str], Override] = field(default_factory=Map)  # core/overrides.py
