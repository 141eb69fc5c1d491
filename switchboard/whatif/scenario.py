"""The scenario file's schema: arrivals, human behaviour, staffing and targets of a what-if run."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from switchboard.config.models import Id, Week
from switchboard.config.settings import Model

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _rates(value: dict[str, float]) -> dict[str, float]:
    for key in value:
        if not _CLOCK.match(key):
            raise ValueError(f"{key!r} is not a time of day HH:MM")
    return value


class Mean(Model):
    """An exponential distribution by its mean."""

    mean: float = Field(gt=0)


class MeanSd(Model):
    """A lognormal distribution by the mean and standard deviation of the values themselves."""

    mean: float = Field(gt=0)
    sd: float = Field(gt=0)


class Dist(Model):
    """Seconds drawn from exactly one of: `fixed: 30`, `exponential: {mean}`, `lognormal: {mean, sd}`."""

    fixed: float | None = Field(default=None, ge=0)
    exponential: Mean | None = None
    lognormal: MeanSd | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        if sum(x is not None for x in (self.fixed, self.exponential, self.lognormal)) != 1:
            raise ValueError("give exactly one of fixed, exponential or lognormal")
        return self

    @property
    def mean(self) -> float:
        """The distribution's mean in seconds."""
        if self.fixed is not None:
            return self.fixed
        shape = self.exponential or self.lognormal
        assert shape is not None
        return shape.mean


Rates = Annotated[dict[str, Annotated[float, Field(ge=0, le=100_000)]], AfterValidator(_rates)]


class Stream(Model):
    """Calls to one tenant's service: calls per hour from each time of day on (tenant's time)."""

    tenant: Id
    service: Id | None = None  # default: the tenant's default service
    days: str = "mon-sun"  # the weekdays these rates apply to (mon-fri, sat,sun, ...)
    per_hour: Rates = Field(min_length=1)  # {"07:30": 20, "12:00": 10, "16:30": 0}
    handle: Dist | None = None  # overrides the scenario's handle time for these calls
    patience: Dist | Literal["none"] | None = None  # overrides the scenario's patience


class Shift(Model):
    """Agents logged in during these weekly hours (in each agent's home tenant's time)."""

    agents: tuple[Id, ...] | Literal["all"]
    hours: Week


class Target(Model):
    """A tenant's service level goal: `level` of calls answered within `answer_within_s`."""

    level: float = Field(gt=0, le=1)
    answer_within_s: int | None = Field(default=None, gt=0, le=3600)  # default: the service's


class Scenario(Model):
    """A what-if scenario for `switchboard simulate`."""

    start: date  # the first simulated day (--start overrides)
    days: int = Field(default=1, ge=1, le=366)
    seed: int = 1
    arrivals: tuple[Stream, ...] = Field(min_length=1)
    handle: Dist = Dist(exponential=Mean(mean=180))  # talk time, from answer to hang-up
    wrapup: Dist | Literal["config"] = "config"  # "config": the configured wrap-up
    ring: Dist = Dist(fixed=4)  # how long an operator's phone rings before an answer
    no_answer: float = Field(default=0.0, ge=0, le=1)  # chance an offered operator lets it ring
    unpause_after: Dist = Dist(fixed=60)  # an operator paused for misses unpauses after this
    patience: Dist | Literal["none"] = "none"  # how long a caller waits before hanging up
    callback_accept: float = Field(default=0.5, ge=0, le=1)  # takes a callback when offered
    staffing: tuple[Shift, ...] = ()  # empty: every agent logged in all the time
    targets: dict[Id, Target] = Field(default_factory=dict)
    short_abandon_s: float = Field(default=5, ge=0)
    interval: Literal["15m", "30m", "1h", "day"] = "1h"  # report series and staffing search
    price_per_minute: float | None = Field(default=None, ge=0)


class ScenarioError(ValueError):
    """Raised for a scenario that cannot be run against a configuration."""
