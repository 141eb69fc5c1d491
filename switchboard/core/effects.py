"""What the core asks the shell to do or to record, returned from every transition."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.core.state import Call


@dataclass(frozen=True, slots=True)
class Offer:
    """Deliver the waiting caller to the agent: AMI Setvar SB_AGENT, then Redirect."""

    uniqueid: str
    channel: str
    agent: str
    device: str
    tenant: str
    tag: str
    queue: str


@dataclass(frozen=True, slots=True)
class AgentPaused:
    """The engine paused an agent (reason `no-answer` after repeated misses)."""

    agent: str
    reason: str


@dataclass(frozen=True, slots=True)
class AgentSession:
    """An agent's login or pause changed: persist it so a restart keeps it."""

    agent: str
    logged_in: bool
    paused: str | None


@dataclass(frozen=True, slots=True)
class CallEnded:
    """A call reached its terminal outcome; the record is final."""

    call: Call


Effect = Offer | AgentPaused | AgentSession | CallEnded
