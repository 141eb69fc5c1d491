"""The pure router: `decide(call, table, now)` says what happens to an inbound call."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from switchboard.core.calendar import Verdict, opening_verdict
from switchboard.core.numbers import normalize
from switchboard.core.rules import OverflowRule, RoutingTable, ServiceRule, TenantRule


class Action(StrEnum):
    """What the dialplan does with the call."""

    QUEUE = "queue"
    CLOSED = "closed"
    FORWARD = "forward"
    VOICEMAIL = "voicemail"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What is known about an inbound call when it reaches the engine."""

    dialled: str
    caller: str = ""
    caller_name: str = ""
    digit: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one call."""

    action: Action
    reason: str
    tenant: str | None = None
    tenant_name: str | None = None
    service: str | None = None
    queue: str | None = None
    tag: str | None = None
    priority: int = 0
    target_answer_s: int | None = None
    skills: tuple[str, ...] = ()
    language: str | None = None
    announce: str | None = None
    target: str | None = None
    overflow: tuple[OverflowRule, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "action": self.action.value,
            "reason": self.reason,
            "tenant": self.tenant,
            "tenant_name": self.tenant_name,
            "service": self.service,
            "queue": self.queue,
            "tag": self.tag,
            "priority": self.priority,
            "target_answer_s": self.target_answer_s,
            "skills": list(self.skills),
            "language": self.language,
            "announce": self.announce,
            "target": self.target,
            "overflow": [step.as_dict() for step in self.overflow],
        }


def decide(call: CallFacts, table: RoutingTable, now: datetime) -> Decision:
    """Route `call` at the aware instant `now`; never raises for any call facts."""
    dialled = normalize(call.dialled, table.country_code)
    entry = table.numbers.get(dialled)
    if entry is None:
        return Decision(Action.REJECT, "unknown_number")
    tenant = table.tenants[entry[0]]
    service = tenant.services[_service_id(tenant, entry[1], call.digit)]
    caller = normalize(call.caller, table.country_code)
    rules = [r for r in tenant.callers if caller and r.matches(caller)]
    base = _base(tenant, service, call)
    if any(r.block for r in rules):
        return replace(base, action=Action.REJECT, reason="blocked_caller")
    verdict = _verdict(tenant, service, now)
    if not verdict.open:
        closed = service.closed or tenant.closed
        target = {"voicemail": closed.voicemail, "forward": closed.forward}.get(closed.then)
        action = {"voicemail": Action.VOICEMAIL, "forward": Action.FORWARD}.get(
            closed.then, Action.CLOSED
        )
        return replace(
            base, action=action, reason=verdict.reason, announce=closed.announce, target=target
        )
    return replace(
        base,
        reason=verdict.reason,
        queue=service.queue,
        priority=service.priority + max((r.priority for r in rules), default=0),
        target_answer_s=service.target_answer_s,
        skills=service.skills,
        overflow=service.overflow if service.overflow is not None else tenant.overflow,
    )


def _service_id(tenant: TenantRule, by_number: str | None, digit: str | None) -> str:
    if by_number is not None:
        return by_number
    if digit is not None and digit in tenant.menu:
        return tenant.menu[digit]
    return tenant.main_service


def _base(tenant: TenantRule, service: ServiceRule, call: CallFacts) -> Decision:
    return Decision(
        Action.QUEUE,
        "",
        tenant=tenant.id,
        tenant_name=tenant.name,
        service=service.id,
        tag=tenant.tag,
        language=call.language or tenant.language,
    )


def _verdict(tenant: TenantRule, service: ServiceRule, now: datetime) -> Verdict:
    local = now.astimezone(tenant.zone)
    return opening_verdict(
        local,
        service.hours or tenant.hours,
        tenant.special,
        tenant.holiday,
        service.force or tenant.force,
    )
