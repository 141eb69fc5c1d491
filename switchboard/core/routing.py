"""The pure router: `decide(call, table, now)` says what happens to an inbound call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from switchboard.core.calendar import Verdict, opening_verdict
from switchboard.core.evolve import replace
from switchboard.core.numbers import normalize
from switchboard.core.overrides import Key, Override, forced
from switchboard.core.rules import (
    CallerRule,
    MenuRule,
    OverflowRule,
    RoutingTable,
    ServiceRule,
    TenantRule,
)


class Action(StrEnum):
    """What the dialplan does with the call."""

    QUEUE = "queue"
    CLOSED = "closed"
    FORWARD = "forward"
    VOICEMAIL = "voicemail"
    REJECT = "reject"
    MENU = "menu"  # play the tenant's menu, then ask again with the digit


@dataclass(frozen=True, slots=True)
class CallFacts:
    """What is known about an inbound call when it reaches the engine."""

    dialled: str
    caller: str = ""
    caller_name: str = ""
    digit: str | None = None  # the menu's answer ("" when it got none); None: no menu asked
    language: str | None = None
    offer_menu: bool = False  # the dialplan can still play the tenant's menu


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
    greeting: str | None = None
    menu: MenuRule | None = None

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
            "greeting": self.greeting,
            "menu": self.menu.as_dict() if self.menu is not None else None,
        }


NO_OVERRIDES: Mapping[Key, Override] = {}


def decide(
    call: CallFacts,
    table: RoutingTable,
    now: datetime,
    overrides: Mapping[Key, Override] = NO_OVERRIDES,
) -> Decision:
    """Route `call` at the aware instant `now`; never raises for any call facts.

    `overrides` (a supervisor's runtime switches, core/overrides.py) win over the calendar.
    """
    dialled = normalize(call.dialled, table.country_code)
    entry = table.numbers.get(dialled)
    if entry is None:
        return Decision(Action.REJECT, "unknown_number")
    tenant = table.tenants[entry[0]]
    service = tenant.services[_service_id(tenant, entry[1], call.digit)]
    caller = normalize(call.caller, table.country_code)
    rules = [r for r in tenant.callers if caller and r.matches(caller)]
    base = _base(tenant, service, call, rules, by_number=entry[1] is not None)
    if any(r.block for r in rules):
        return replace(base, action=Action.REJECT, reason="blocked_caller", greeting=None)
    menu = tenant.menu
    if (
        call.offer_menu
        and entry[1] is None
        and menu is not None
        and _menu_open(tenant, now, overrides)
    ):
        return replace(base, action=Action.MENU, reason="menu", service=None, menu=menu)
    verdict = _verdict(tenant, service, now, overrides)
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
    if digit is not None and tenant.menu is not None and digit in tenant.menu.digits:
        return tenant.menu.digits[digit]
    return tenant.main_service


def _base(
    tenant: TenantRule,
    service: ServiceRule,
    call: CallFacts,
    rules: list[CallerRule],
    *,
    by_number: bool,
) -> Decision:
    # After the menu only the chosen service's own greeting is left to play; a direct line to
    # the service, or a call without a menu, hears it (or the tenant's) first of all.
    after_menu = call.digit is not None and not by_number
    greeting = service.greeting if after_menu else service.greeting or tenant.greeting
    language = next((r.language for r in rules if r.language), None)
    return Decision(
        Action.QUEUE,
        "",
        tenant=tenant.id,
        tenant_name=tenant.name,
        service=service.id,
        tag=tenant.tag,
        language=call.language or language or tenant.language,
        greeting=greeting,
    )


def _menu_open(tenant: TenantRule, now: datetime, overrides: Mapping[Key, Override]) -> bool:
    """True when the main service or a service the menu reaches is open (else: no menu)."""
    assert tenant.menu is not None
    reachable = {tenant.main_service, *tenant.menu.digits.values()}
    return any(_verdict(tenant, tenant.services[sid], now, overrides).open for sid in reachable)


def _verdict(
    tenant: TenantRule, service: ServiceRule, now: datetime, overrides: Mapping[Key, Override]
) -> Verdict:
    local = now.astimezone(tenant.zone)
    override = forced(overrides, tenant.id, service.id, now.timestamp()) if overrides else None
    return opening_verdict(
        local,
        service.hours or tenant.hours,
        tenant.special,
        tenant.holiday,
        override or service.force or tenant.force,
    )
