"""Request and response models of the REST API (the views' models are reused as they are)."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from switchboard.config.api import Role

SAFE = r"^[^\x00-\x1f\x7f]*$"  # no control characters: logged, stored and shown on screens
MAX_FORCE_S = 7 * 86_400  # a forgotten override ends within a week


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldProblem(Strict):
    """One field of the request and what is wrong with it."""

    field: str = Field(description="where: body.reason, query.tenant, path.agent, ...")
    message: str


class ApiErrorBody(Strict):
    """Every error answer: a word for programs, a sentence for people, the fields at fault."""

    error: Literal[
        "malformed",
        "unauthorized",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "conflict",
        "invalid",
        "unavailable",
        "internal",
    ]
    message: str
    fields: list[FieldProblem] = Field(default_factory=list)


class Me(Strict):
    """Who the token belongs to and what it may do."""

    name: str
    role: Role
    tenants: list[str] | None = Field(description="None: every tenant")
    agent: str | None = Field(description="an operator's own agent")
    agents: list[str] = Field(description="the agents this token may log in, out and pause")
    language: str = Field(description="the language of its (first) tenant, for displays")


class PauseBody(Strict):
    """Pause with a reason (shown on the wallboard and kept in the agent's state intervals)."""

    reason: str = Field(default="pause", min_length=1, max_length=64, pattern=SAFE)


class ForceBody(Strict):
    """Force open or closed until `until`, or for `for_s` seconds from now (one of them)."""

    force: Literal["open", "closed"]
    until: AwareDatetime | None = Field(
        default=None, description="ISO 8601 with an offset, within a week"
    )
    for_s: int | None = Field(default=None, ge=60, le=MAX_FORCE_S)
    reason: str = Field(default="", max_length=200, pattern=SAFE)

    @model_validator(mode="after")
    def _one_expiry(self) -> Self:
        if (self.until is None) == (self.for_s is None):
            raise ValueError("give exactly one of until or for_s")
        return self

    def expiry(self, now: float) -> float:
        """The Unix time the override ends."""
        if self.until is not None:
            return self.until.timestamp()
        return now + float(self.for_s or 0)


class PriorityBody(Strict):
    """The call's new priority (higher is served first; routing gives 0-200)."""

    priority: int = Field(ge=0, le=1000)


class Withdrawn(Strict):
    """A withdrawal under way: the caller is moved to `target` ("" is the switchboard's box)."""

    call_id: str
    target: str


class TenantQuery(Strict):
    """Optionally one tenant's only."""

    tenant: str | None = Field(default=None, max_length=40)


class ReportQuery(BaseModel):
    """A period of days (each tenant's own local days) as in `switchboard report`."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    first: date = Field(alias="from", description="first day, YYYY-MM-DD")
    last: date = Field(alias="to", description="last day (included)")
    tenant: str | None = Field(default=None, max_length=40, description="one tenant's view")
    interval: Literal["15m", "30m", "1h", "day"] = "1h"
    format: Literal["json", "csv", "html", "table"] = "json"

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.last < self.first:
            raise ValueError("`to` is before `from`")
        if (self.last - self.first).days > 366:
            raise ValueError("a period is at most 367 days")
        return self
