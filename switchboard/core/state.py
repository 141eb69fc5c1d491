"""Live agent and call state: frozen records in persistent maps, with statuses derived from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from immutables import Map

from switchboard.core.rules import OverflowRule

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
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent's live facts; `status()` derives the state from them."""

    id: str
    logged_in: bool = False
    paused: str | None = None
    contact: bool = True
    device: str = "UNKNOWN"
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
        if not self.contact or self.device in DEAD_DEVICE:
            return AgentStatus.UNREACHABLE
        if self.device in BUSY_DEVICE:
            return AgentStatus.BUSY
        if self.paused is not None:
            return AgentStatus.PAUSED
        if now < self.wrapup_until:
            return AgentStatus.WRAPUP
        return AgentStatus.AVAILABLE


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
    language: str | None = None
    waiting_since: float | None = None
    in_queue: bool = False
    offer: str | None = None
    offer_at: float = 0.0
    agent: str | None = None
    answered_at: float | None = None
    refused: frozenset[str] = frozenset()
    callback_offered: bool = False
    outcome: str | None = None
    ended_at: float | None = None
    timeline: tuple[tuple[float, str], ...] = ()

    @property
    def phase(self) -> CallPhase:
        """The call's phase, derived from its facts."""
        if self.outcome is not None:
            return CallPhase.ENDED
        if self.agent is not None:
            return CallPhase.CONNECTED
        if self.offer is not None:
            return CallPhase.OFFERED
        if self.waiting_since is not None:
            return CallPhase.WAITING
        return CallPhase.ENTERING

    @property
    def dispatchable(self) -> bool:
        """True when the caller sits in an Asterisk queue with no offer pending."""
        return self.in_queue and self.offer is None and self.agent is None and self.outcome is None

    def waited(self, now: float) -> float:
        """Seconds since the caller first joined a queue (kept across re-queues)."""
        return 0.0 if self.waiting_since is None else max(0.0, now - self.waiting_since)

    def open_partners(self, now: float) -> frozenset[str]:
        """Partner tenants whose agents the overflow steps reached so far allow."""
        waited = self.waited(now)
        return frozenset(p for s in self.overflow if s.after_s <= waited for p in s.partners)

    def note(self, now: float, what: str) -> tuple[tuple[float, str], ...]:
        """The timeline with one more entry."""
        return (*self.timeline, (now, what))


@dataclass(frozen=True, slots=True)
class State:
    """Everything live: agents, calls, and the indexes the dispatcher reads."""

    agents: Map[str, Agent] = field(default_factory=Map)
    calls: Map[str, Call] = field(default_factory=Map)
    waiting: Map[str, frozenset[str]] = field(default_factory=Map)  # tenant -> unanswered calls
    free: frozenset[str] = frozenset()
    legs: Map[str, str] = field(default_factory=Map)
    recent: Map[str, tuple[str, float]] = field(
        default_factory=Map
    )  # caller -> agent, while sticky
    rr_cursor: int = -1
    day: int = 0
