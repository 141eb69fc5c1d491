"""Call events: what a CallChanged effect means to a listener, as a flat JSON-ready model."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from switchboard.core.effects import CallChanged
from switchboard.core.state import Call, CallPhase
from switchboard.views.catalog import Catalog

EventName = Literal[
    "arrived",
    "queued",
    "offered",
    "answered",
    "missed",
    "overflowed",
    "transferred",
    "transfer_ended",
    "abandoned",
    "ended",
]
PUBLISHED: frozenset[str] = frozenset(get_args(EventName))  # "updated" stays internal


class CallEvent(BaseModel):
    """One milestone of one call; `agent` is the operator the milestone concerns, if any."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )

    event: EventName
    at: float = Field(description="Unix time on the engine's clock")
    call_id: str = Field(description="the caller channel's Asterisk Uniqueid")
    tenant: str
    service: str
    queue: str
    tag: str
    priority: int
    did: str = Field(description="the number dialled")
    via: Literal["engine", "fallback"]
    phase: CallPhase
    caller_num: str | None = Field(description="only with engine.mqtt.include_caller")
    caller_name: str | None = Field(description="only with engine.mqtt.include_caller")
    language: str | None
    arrived_at: float
    waiting_since: float | None = Field(description="first joined a queue")
    waited_s: float | None = Field(description="queue wait until the answer, else until `at`")
    agent: str | None
    agent_home: str | None = Field(description="the home tenant of `agent`")
    answered_by: str | None = Field(description="the first operator who answered")
    answered_at: float | None
    attempts: int = Field(description="offers so far")
    recall: bool = Field(description="offered: back to the operator whose transfer failed")
    result: str | None = Field(
        description="missed: how the offer ended; transfer_ended: the transfer's result"
    )
    transfer_target: str | None
    overflow_step: int
    outcome: str | None = Field(description="ended: answered, abandoned, voicemail, ...")


def call_events(change: CallChanged, catalog: Catalog, include_caller: bool) -> list[CallEvent]:
    """The events a milestone publishes: none for `updated`, `abandoned` before an abandon's end."""
    call = change.call
    milestone = change.milestone
    if milestone not in PUBLISHED:
        return []
    names: list[EventName] = []
    if milestone == "ended" and call.outcome == "abandoned" and call.answered_at is None:
        names.append("abandoned")
    names.append(milestone)  # type: ignore[arg-type]  # checked against PUBLISHED above
    return [_event(name, call, catalog, include_caller) for name in names]


def _event(name: EventName, call: Call, catalog: Catalog, include_caller: bool) -> CallEvent:
    at = call.changed_at
    last = call.attempts[-1] if call.attempts else None
    transfer = call.transfers[-1] if call.transfers else None
    agent = _agent(name, call)
    result: str | None = None
    if name == "missed" and last is not None:
        result = last.result
    elif name == "transfer_ended" and transfer is not None:
        result = transfer.result
    started = call.waiting_since
    until = call.answered_at if call.answered_at is not None else at
    return CallEvent(
        event=name,
        at=round(at, 3),
        call_id=call.id,
        tenant=call.tenant,
        service=call.service,
        queue=call.queue,
        tag=call.tag,
        priority=call.priority,
        did=call.did,
        via="fallback" if call.via == "fallback" else "engine",
        phase=call.phase,
        caller_num=call.caller_num if include_caller else None,
        caller_name=call.caller_name if include_caller else None,
        language=call.language,
        arrived_at=round(call.arrived_at, 3),
        waiting_since=round(started, 3) if started is not None else None,
        waited_s=round(max(0.0, until - started), 1) if started is not None else None,
        agent=agent,
        agent_home=catalog.home_of(agent),
        answered_by=call.answered_by,
        answered_at=round(call.answered_at, 3) if call.answered_at is not None else None,
        attempts=len(call.attempts),
        recall=name == "offered" and last is not None and last.recall,
        result=result,
        transfer_target=transfer.target if transfer is not None else None,
        overflow_step=call.overflow_step,
        outcome=call.outcome,
    )


def _agent(name: EventName, call: Call) -> str | None:
    last = call.attempts[-1] if call.attempts else None
    if name in ("offered", "missed"):
        return last.agent if last is not None else None
    if name in ("transferred", "transfer_ended"):
        transfer = call.transfers[-1] if call.transfers else None
        return transfer.by if transfer is not None else None
    if name == "answered":
        return call.agent
    if name in ("ended", "abandoned"):
        return call.answered_by
    return None
