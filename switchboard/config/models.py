"""The configuration schema: pydantic models validated field by field, frozen once loaded."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal, Self

import holidays
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from switchboard.config.hours import HoursValue, parse_special_days, parse_week
from switchboard.config.settings import DispatchSettings, Engine, Model, TimeZone
from switchboard.config.voice import (
    Announcements,
    CallbackSettings,
    Language,
    MenuSettings,
    Sound,
)
from switchboard.core.numbers import is_e164

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_DEVICE = re.compile(r"^(PJSIP|SIP|IAX2|Local)/[A-Za-z0-9_.@-]+$")
_PREFIX = re.compile(r"^\+?[0-9]{1,15}$")
_SAFE_NAME = re.compile(r"^[^\r\n\x00]*$")
# shown as the caller ID name in pjsip.conf (`callerid = Name <1001>`): nothing that ends it
_PERSON = re.compile(r"^[^\r\n\x00;<>\"\\\[\]]*$")

Id = Annotated[str, Field(pattern=ID_PATTERN)]


def _e164(value: str) -> str:
    if not is_e164(value):
        raise ValueError(f"{value!r} is not an E.164 number such as +46383970000")
    return value


def _week(value: dict[str, HoursValue]) -> dict[str, HoursValue]:
    parse_week(value)
    return value


def _special(value: dict[str, HoursValue]) -> dict[str, HoursValue]:
    parse_special_days(value)
    return value


def _no_newline(value: str) -> str:
    if not _SAFE_NAME.match(value):
        raise ValueError("must not contain CR, LF or NUL")
    return value


def _person(value: str) -> str:
    if not _PERSON.match(value):
        raise ValueError('must not contain CR, LF, NUL or any of ; < > " \\ [ ]')
    return value


def _prompt(value: object) -> object:
    """`menu: eksjo-menu` is short for `menu: {prompt: eksjo-menu}`."""
    return {"prompt": value} if isinstance(value, str) else value


E164 = Annotated[str, AfterValidator(_e164)]
Week = Annotated[dict[str, HoursValue], AfterValidator(_week)]
Special = Annotated[dict[str, HoursValue], AfterValidator(_special)]
SafeText = Annotated[str, AfterValidator(_no_newline)]


class Force(StrEnum):
    """Manual switch that overrides the calendar."""

    OPEN = "open"
    CLOSED = "closed"


class Selection(StrEnum):
    """How the dispatcher picks among eligible free agents."""

    LONGEST_IDLE = "longest_idle"
    FEWEST_CALLS = "fewest_calls"
    BEST_SKILL = "best_skill"
    ROUND_ROBIN = "round_robin"


class HolidayCalendar(Model):
    """Public holidays from the `holidays` package for one country."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    subdivision: str | None = None
    categories: tuple[str, ...] = ("public",)
    include: tuple[str, ...] = ()
    language: str | None = None

    @model_validator(mode="after")
    def _known(self) -> Self:
        try:
            holidays.country_holidays(
                self.country,
                subdiv=self.subdivision,
                categories=self.all_categories,
                language=self.language,
            )
        except NotImplementedError:
            raise ValueError(f"no holiday calendar for country {self.country!r}") from None
        except (ValueError, KeyError) as exc:
            raise ValueError(str(exc).strip("'\"")) from None
        return self

    @property
    def all_categories(self) -> tuple[str, ...]:
        """The configured categories plus `include` (e.g. public + de_facto)."""
        return tuple(dict.fromkeys(self.categories + self.include))


class ClosedHandling(Model):
    """What a caller hears and where the call goes when the tenant or service is closed."""

    announce: Sound | None = None
    then: Literal["hangup", "voicemail", "forward"] = "hangup"
    voicemail: SafeText | None = None
    forward: E164 | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if self.then == "voicemail" and not self.voicemail:
            raise ValueError("then: voicemail needs a voicemail box (voicemail: 'box@context')")
        if self.then == "forward" and not self.forward:
            raise ValueError("then: forward needs a forward number in E.164")
        return self


class OverflowStep(Model):
    """One step of the overflow plan, taken once the caller has waited `after_s` seconds."""

    after_s: int = Field(ge=0, le=86_400)
    partners: tuple[Id, ...] = ()
    offer: Literal["callback"] | None = None
    action: Literal["voicemail"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [bool(self.partners), self.offer is not None, self.action is not None]
        if sum(kinds) != 1:
            raise ValueError(
                "a step has exactly one of partners, offer: callback, action: voicemail"
            )
        return self


class CallerRule(Model):
    """Priority or blocking for one caller number or number prefix."""

    number: E164 | None = None
    prefix: str | None = Field(default=None, pattern=_PREFIX.pattern)
    priority: int = Field(default=0, ge=0, le=100)
    block: bool = False
    language: Language | None = None  # these callers hear the prompts in this language

    @model_validator(mode="after")
    def _one_match(self) -> Self:
        if (self.number is None) == (self.prefix is None):
            raise ValueError("a caller rule has exactly one of number or prefix")
        if not self.block and self.priority == 0 and self.language is None:
            raise ValueError("a caller rule sets a priority above 0, block: true or a language")
        return self


class Service(Model):
    """A line of business within a tenant, with its own skills, target and optionally hours."""

    menu_digit: str | None = Field(default=None, pattern=r"^[0-9*#]$")
    greeting: Sound | None = None  # instead of the tenant's, for this service's callers
    numbers: tuple[E164, ...] = ()
    skills: tuple[str, ...] = ()
    target_answer_s: int = Field(default=30, gt=0, le=3600)
    priority: int = Field(default=0, ge=0, le=100)
    hours: Week | None = None
    force: Force | None = None
    closed: ClosedHandling | None = None
    overflow: tuple[OverflowStep, ...] | None = None
    queue: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    wrapup_s: int | None = Field(default=None, ge=0, le=600)


class Tenant(Model):
    """A municipality or agency: its numbers, calendar, services and overflow plan."""

    name: SafeText
    tag: str = Field(pattern=r"^[A-Z0-9ÅÄÖÆØ_-]{1,20}$")
    numbers: tuple[E164, ...] = ()
    timezone: TimeZone = "Europe/Stockholm"
    language: Language = "sv"
    greeting: Sound | None = None  # played to every caller before anything else
    menu: Annotated[MenuSettings | None, BeforeValidator(_prompt)] = None
    announcements: Announcements = Announcements()
    callback: CallbackSettings = CallbackSettings()
    holidays: HolidayCalendar | None = None
    hours: Week
    special_days: Special = Field(default_factory=dict)
    force: Force | None = None
    closed: ClosedHandling = ClosedHandling()
    services: dict[Id, Service] = Field(min_length=1)
    default_service: Id | None = None
    callers: tuple[CallerRule, ...] = ()
    overflow: tuple[OverflowStep, ...] = ()
    wrapup_s: int | None = Field(default=None, ge=0, le=600)
    # share of calls answered within target_answer_s the wallboard holds the day to
    service_level_target: float = Field(default=0.8, gt=0, le=1)

    @field_validator("overflow")
    @classmethod
    def _increasing(cls, steps: tuple[OverflowStep, ...]) -> tuple[OverflowStep, ...]:
        _check_increasing(steps)
        return steps

    @model_validator(mode="after")
    def _services(self) -> Self:
        if self.default_service is not None and self.default_service not in self.services:
            raise ValueError(f"default_service {self.default_service!r} is not one of the services")
        digits = [s.menu_digit for s in self.services.values() if s.menu_digit is not None]
        if len(digits) != len(set(digits)):
            raise ValueError("two services use the same menu digit")
        if digits and self.menu is None:
            raise ValueError("services have menu digits: name the menu prompt (menu: <sound>)")
        for service in self.services.values():
            if service.overflow is not None:
                _check_increasing(service.overflow)
        return self

    @property
    def main_service(self) -> str:
        """The service a call to a tenant number gets without a menu choice."""
        return self.default_service or next(iter(self.services))


class Agent(Model):
    """An operator: device, home tenant, tenants served, skills and languages."""

    name: Annotated[str, AfterValidator(_person)] | None = None
    device: str = Field(pattern=_DEVICE.pattern)
    home: Id
    tenants: tuple[Id, ...] = ()
    skills: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(default_factory=dict)
    languages: tuple[str, ...] = ("sv",)

    @property
    def serves(self) -> tuple[str, ...]:
        """The home tenant followed by every other tenant this agent answers for."""
        return tuple(dict.fromkeys((self.home, *self.tenants)))


class ReportSettings(Model):
    """`switchboard report`: the short abandon threshold and the prices of the cost split."""

    short_abandon_s: float = Field(default=5.0, ge=0, le=600)
    price_per_minute: float | None = Field(default=None, ge=0)  # every partner's handled minute
    partner_prices: dict[Id, Annotated[float, Field(ge=0)]] = Field(default_factory=dict)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")  # ISO 4217, e.g. SEK


class DirectoryEntry(Model):
    """A named transfer target outside the switchboard: an extension operators dial or transfer
    to, which rings a public number through the trunk."""

    name: SafeText
    extension: str = Field(pattern=r"^[1-9][0-9]{1,7}$")
    number: E164


class Config(Model):
    """The whole configuration file."""

    engine: Engine = Engine()
    selection: Selection = Selection.LONGEST_IDLE
    dispatch: DispatchSettings = DispatchSettings()
    tenants: dict[Id, Tenant]
    agents: dict[Id, Agent] = Field(default_factory=dict)
    reports: ReportSettings = ReportSettings()
    directory: dict[Id, DirectoryEntry] = Field(default_factory=dict)


def _check_increasing(steps: tuple[OverflowStep, ...]) -> None:
    times = [s.after_s for s in steps]
    if times != sorted(set(times)):
        raise ValueError("overflow steps must have strictly increasing after_s")
