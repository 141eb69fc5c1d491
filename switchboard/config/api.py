"""The REST API's bearer tokens: who may read and act, set in the file or the environment.

`engine.api.tokens` maps a name to `{role, token, tenants, agent}`; every key can come from the
environment instead (`SWITCHBOARD_API__TOKENS__WALL__TOKEN=...`), so secrets stay out of the file.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator

Role = Literal["wallboard", "operator", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("wallboard", "operator", "supervisor", "admin")
MIN_TOKEN_LEN = 16


def _words(value: object) -> object:
    """A list from the environment arrives as one string: `vetlanda,savsjo`."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


Tenants = Annotated[tuple[str, ...] | None, BeforeValidator(_words)]


class Model(BaseModel):
    """Unknown keys are errors, instances are immutable (as every config model)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiToken(Model):
    """One bearer token: `wallboard` reads, `operator` acts on its `agent`, `supervisor` on its
    `tenants`, `admin` on everything; `tenants` also limits what a token reads."""

    role: Role
    token: SecretStr | None = None
    tenants: Tenants = None
    agent: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Self:
        value = self.token.get_secret_value() if self.token is not None else ""
        if not value:
            raise ValueError(
                "token is missing: set it here or in SWITCHBOARD_API__TOKENS__<NAME>__TOKEN"
            )
        if len(value) < MIN_TOKEN_LEN or any(c.isspace() for c in value):
            raise ValueError(f"token must be at least {MIN_TOKEN_LEN} characters, no spaces")
        if self.role == "operator" and not self.agent:
            raise ValueError("an operator token needs the agent it acts for (agent: <id>)")
        if self.role != "operator" and self.agent:
            raise ValueError("only an operator token names an agent")
        if self.role == "supervisor" and not self.tenants:
            raise ValueError("a supervisor token needs its tenants (tenants: [<id>, ...])")
        if self.role in ("admin", "operator") and self.tenants is not None:
            raise ValueError(f"an {self.role} token takes no tenants")
        return self


class ApiSettings(Model):
    """The REST API and the wallboard on the engine's HTTP server (`engine.http`)."""

    tokens: dict[str, ApiToken] = Field(default_factory=dict)
    # clients on loopback read without a token (server on loopback only); None: while no token is set
    loopback_read: bool | None = None
    # frames (at most 5 a second, and a tick) a live stream may lag before it is cut off
    stream_buffer: int = Field(default=64, ge=4, le=100_000)
    max_clients: int = Field(default=200, ge=1, le=10_000)  # live streams at once

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        seen: dict[str, str] = {}
        for name, entry in self.tokens.items():
            value = entry.token.get_secret_value() if entry.token is not None else ""
            if value in seen:
                raise ValueError(f"tokens {seen[value]!r} and {name!r} have the same value")
            seen[value] = name
        return self

    def secrets(self) -> tuple[str, ...]:
        """Every token value (kept out of logs)."""
        return tuple(t.token.get_secret_value() for t in self.tokens.values() if t.token)
