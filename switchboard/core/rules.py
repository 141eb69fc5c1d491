"""Compiled routing rules: plain frozen data the pure router reads (built once at load time)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from switchboard.core.calendar import HolidayLookup, SpecialDays, WeeklyHours


@dataclass(frozen=True, slots=True)
class OverflowRule:
    """After `after_s` seconds of waiting: open partners' agents, offer callback, or voicemail."""

    after_s: int
    partners: tuple[str, ...] = ()
    offer: str | None = None
    action: str | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, without empty fields."""
        out: dict[str, object] = {"after_s": self.after_s}
        if self.partners:
            out["partners"] = list(self.partners)
        if self.offer:
            out["offer"] = self.offer
        if self.action:
            out["action"] = self.action
        return out


@dataclass(frozen=True, slots=True)
class ClosedRule:
    """Closed handling: announcement then hang up, voicemail or forward."""

    announce: str | None
    then: str
    voicemail: str | None
    forward: str | None


@dataclass(frozen=True, slots=True)
class CallerRule:
    """A caller number (exact E.164) or digit prefix with a priority or a block."""

    number: str | None
    prefix: str | None
    priority: int
    block: bool
    language: str | None = None

    def matches(self, caller: str) -> bool:
        """True when the normalised caller number falls under this rule."""
        if self.number is not None:
            return caller == self.number
        assert self.prefix is not None
        return caller.lstrip("+").startswith(self.prefix.lstrip("+"))


@dataclass(frozen=True, slots=True)
class ServiceRule:
    """A compiled service."""

    id: str
    queue: str
    skills: tuple[str, ...]
    target_answer_s: int
    priority: int
    hours: WeeklyHours | None
    force: str | None
    closed: ClosedRule | None
    overflow: tuple[OverflowRule, ...] | None
    greeting: str | None = None


@dataclass(frozen=True, slots=True)
class MenuRule:
    """The tenant's menu: its prompt, which digit picks which service, timeout and retries."""

    prompt: str
    digits: Mapping[str, str]
    timeout_s: int
    retries: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "prompt": self.prompt,
            "digits": dict(self.digits),
            "timeout_s": self.timeout_s,
            "retries": self.retries,
        }


@dataclass(frozen=True, slots=True)
class CallbackRule:
    """How a tenant's callbacks are offered, placed and retried (config CallbackSettings)."""

    attempts: int = 3
    retry_after_s: int = 300
    ring_s: int = 30
    keep_s: int = 14_400
    offer: str | None = None
    confirm: str | None = None
    whisper: str | None = None


@dataclass(frozen=True, slots=True)
class TenantRule:
    """A compiled tenant."""

    id: str
    name: str
    tag: str
    zone: ZoneInfo
    language: str
    holiday: HolidayLookup
    hours: WeeklyHours
    special: SpecialDays
    force: str | None
    closed: ClosedRule
    services: Mapping[str, ServiceRule]
    main_service: str
    menu: MenuRule | None
    callers: tuple[CallerRule, ...]
    overflow: tuple[OverflowRule, ...]
    greeting: str | None = None
    announce_every_s: int = 0  # position and wait announcements (0: none)
    announce_position: bool = True
    announce_wait: bool = True
    callback: CallbackRule = CallbackRule()


@dataclass(frozen=True, slots=True)
class RoutingTable:
    """Every tenant, and each public number mapped to (tenant id, service id or None)."""

    tenants: Mapping[str, TenantRule]
    numbers: Mapping[str, tuple[str, str | None]]
    country_code: str
