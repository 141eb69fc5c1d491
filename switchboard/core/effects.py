"""What the core asks the shell to do or to record, returned from every transition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from switchboard.core.state import Agent, AgentStatus, Call

if TYPE_CHECKING:
    from switchboard.core.overrides import Override


@dataclass(frozen=True, slots=True)
class Offer:
    """Deliver the waiting caller to the agent: AMI Setvar SB_AGENT, then Redirect (`answer`:
    in the call's own route answer instead, which is still open)."""

    uniqueid: str
    channel: str
    agent: str
    device: str
    tenant: str
    tag: str
    queue: str
    recall: bool = False
    answer: bool = False


@dataclass(frozen=True, slots=True)
class CallbackOffer:
    """Call a caller back through the agent: AMI Originate of the Local channel pair
    `channel_id`;1/`other_id`;2 into the dialplan's switchboard-callout, which rings the agent
    first and then `number` from `from_number` (the number the caller dialled)."""

    uniqueid: str
    agent: str
    device: str
    tenant: str
    tag: str
    queue: str
    number: str
    from_number: str
    attempt: int  # 1 for the first call to the caller
    channel_id: str
    other_id: str


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
class AgentChanged:
    """An agent's derived status changed at `at` (for state intervals, MQTT and the wallboard)."""

    agent: Agent
    status: AgentStatus
    at: float


MILESTONES = (
    "arrived",  # routed by the engine (or found waiting after a restart)
    "queued",  # joined a queue
    "offered",  # an operator was chosen and the delivery sent
    "answered",  # an operator answered (also a recall or a fallback answer)
    "missed",  # an offer ended without an answer
    "transferred",  # an operator passed the caller on
    "transfer_ended",  # the transfer target answered or did not
    "overflowed",  # the wait reached another overflow step
    "updated",  # anything else worth persisting (callback offered, agent leg ended...)
    "ended",  # the call's one terminal outcome
)


@dataclass(frozen=True, slots=True)
class CallChanged:
    """A call reached a milestone; `call` is its whole state after it (persisted every time)."""

    call: Call
    milestone: str

    @property
    def ended(self) -> bool:
        """True for the call's final record."""
        return self.call.outcome is not None


@dataclass(frozen=True, slots=True)
class Withdraw:
    """Setvar SB_TARGET on the waiting caller, then Redirect it to the dialplan's voicemail."""

    uniqueid: str
    channel: str
    tenant: str
    target: str
    by: str


@dataclass(frozen=True, slots=True)
class OverridesChanged:
    """The calendar overrides in force now (core/overrides.py): persist and show them."""

    overrides: tuple[Override, ...]
    at: float


Effect = (
    Offer
    | CallbackOffer
    | AgentPaused
    | AgentSession
    | AgentChanged
    | CallChanged
    | Withdraw
    | OverridesChanged
)
