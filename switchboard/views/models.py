"""The view models: what MQTT publishes, and what the REST API and the wallboard will serve."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from switchboard.core.state import AgentStatus, CallPhase

Seconds = float  # Unix time or a duration in seconds, on the engine's clock


class View(BaseModel):
    """Base of every view: frozen, no extra keys; VOLATILE fields move with time alone."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )
    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at"})

    def stable_json(self) -> str:
        """The JSON without the fields that change by the clock alone (to tell real changes)."""
        return self.model_dump_json(exclude=set(self.VOLATILE))


class AgentCounts(View):
    """How many agents are in each status."""

    logged_out: int = 0
    available: int = 0
    reserved: int = 0
    ringing: int = 0
    on_call: int = 0
    busy: int = 0
    wrapup: int = 0
    paused: int = 0
    unreachable: int = 0


class Counts(View):
    """Call counts since local midnight, counted as `switchboard report` counts them."""

    offered: int = Field(description="calls that reached the operators' queues")
    answered: int
    answered_in_target: int = Field(description="answered within the service's target_answer_s")
    abandoned: int = Field(description="callers who hung up before any answer")
    short_abandoned: int = Field(
        description="of those, after waiting under reports.short_abandon_s (default 5 s)"
    )
    turned_away: int = Field(description="closed, blocked or sent to voicemail at routing")
    answered_by_partners: int = Field(description="answered by another tenant's home operators")
    answered_for_partners: int = Field(description="other tenants' calls its operators answered")
    service_level: float | None = Field(
        ge=0,
        le=1,
        description="answered in target over calls answered or ended unanswered (short "
        "abandons left out); None before the first",
    )


class Today(Counts):
    """A tenant's counts for its local date."""

    date: str = Field(description="the tenant's local date, YYYY-MM-DD")


class OverrideView(View):
    """A supervisor's runtime switch over the calendar, in force until `until`."""

    tenant: str
    service: str | None = Field(description="None: the whole tenant")
    force: Literal["open", "closed"]
    until: Seconds
    by: str = Field(description="the API token's name that set it")
    reason: str
    at: Seconds = Field(description="when it was set")


class TenantView(View):
    """A tenant's live panel: callers waiting, agents by status, today's figures."""

    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at", "longest_wait_s"})

    at: Seconds
    id: str
    name: str
    tag: str
    waiting: int = Field(description="callers not yet talking to an operator (queued or ringing)")
    oldest_waiting_since: Seconds | None
    longest_wait_s: Seconds
    connected: int = Field(description="callers talking to an operator")
    agents_home: AgentCounts = Field(description="its home operators")
    agents_serving: AgentCounts = Field(description="every operator who answers for it")
    today: Today
    language: str = Field(description="the tenant's language (sv, en, ...), for displays")
    target_answer_s: int = Field(description="its main service's answer target")
    service_level_target: float = Field(ge=0, le=1, description="today's service level goal")
    waiting_past_target: int = Field(description="callers waiting longer than their target")
    target_missed: bool = Field(
        description="a caller waits past its target, or today's service level is under the goal"
    )
    overrides: list[OverrideView] = Field(description="runtime open/closed switches in force")


class QueueView(View):
    """One Asterisk queue (a tenant's service)."""

    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at", "longest_wait_s"})

    at: Seconds
    name: str
    tenant: str
    service: str
    waiting: int
    oldest_waiting_since: Seconds | None
    longest_wait_s: Seconds


class AgentView(View):
    """One operator: status, pause reason, how long in it, the call's tenant, calls today."""

    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at", "time_in_status_s"})

    at: Seconds
    id: str
    name: str | None
    home: str
    serves: list[str]
    status: AgentStatus
    paused_reason: str | None
    status_since: Seconds
    time_in_status_s: Seconds
    call_id: str | None = Field(description="the call offered to or connected with the agent")
    call_tenant: str | None
    calls_today: int


class CallView(View):
    """A live call (waiting or connected)."""

    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at", "wait_s"})

    at: Seconds
    id: str
    tenant: str
    service: str
    queue: str
    tag: str
    priority: int
    phase: CallPhase
    via: str
    did: str
    caller_num: str
    caller_name: str
    language: str | None
    arrived_at: Seconds
    waiting_since: Seconds | None
    wait_s: Seconds = Field(description="the current wait (0 while talking)")
    agent: str | None
    answered_at: Seconds | None
    overflow_step: int


class Overview(View):
    """The whole switchboard at a glance."""

    VOLATILE: ClassVar[frozenset[str]] = frozenset({"at", "longest_wait_s"})

    at: Seconds
    tenants: list[str]
    waiting: int
    oldest_waiting_since: Seconds | None
    longest_wait_s: Seconds
    connected: int
    agents: AgentCounts
    today: Counts
    target_missed: list[str] = Field(description="tenants whose panel shows a missed target")


class ConfigReport(View):
    """The configuration in use: its generation and how the last reload went."""

    generation: int = Field(description="1 at start, +1 per applied reload")
    result: Literal["initial", "reloading", "applied", "rejected"]
    at: Seconds | None = Field(description="wall-clock end of the last reload")
    problems: list[str] = Field(description="FILE:LINE: path: message lines of a rejected file")
    restart_needed: list[str] = Field(description="engine sections changed, applied at restart")
