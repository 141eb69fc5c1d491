"""What the API needs from the engine, as plain callables (the API never imports the engine)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import Engine as Database

from switchboard.config.models import Config
from switchboard.core.apply import Event
from switchboard.core.rules import RoutingTable
from switchboard.core.state import State
from switchboard.http.api.auth import Principal, agents_for
from switchboard.http.api.binding import ApiError
from switchboard.http.api.models import Me
from switchboard.views.board import Board


@dataclass(frozen=True, slots=True)
class ApiContext:
    """Snapshots to read, a writer to submit typed commands to, and the store for reports."""

    board: Board
    state: Callable[[], State]
    submit: Callable[[Event], None]
    settled: Callable[[float], Awaitable[bool]]  # every submitted event applied (within s)
    config: Callable[[], Config]
    table: Callable[[], RoutingTable]
    clock: Callable[[], float]
    database: Callable[[], Database]  # the store's, for reports (read in threads)
    loopback_server: bool

    def tenant(self, principal: Principal, tenant: str, where: str = "path.tenant") -> str:
        """`tenant` if it exists (404) and the principal may read it (403)."""
        if tenant not in self.board.catalog.tenants:
            raise ApiError(404, f"no tenant {tenant!r}", {where: "unknown tenant"})
        if not principal.reads(tenant):
            raise ApiError(403, f"this token does not cover tenant {tenant!r}")
        return tenant

    def tenants(self, principal: Principal) -> list[str]:
        """The tenants the principal may read, in configuration order."""
        return [t for t in self.board.catalog.tenants if principal.reads(t)]

    def agent(self, principal: Principal, agent: str) -> str:
        """`agent` if it exists (404) and serves a tenant the principal may read (403)."""
        entry = self.board.catalog.agents.get(agent)
        if entry is None:
            raise ApiError(404, f"no agent {agent!r}", {"path.agent": "unknown agent"})
        if not principal.reads_any(entry.serves) and principal.agent != agent:
            raise ApiError(403, f"this token does not cover agent {agent!r}")
        return agent

    def me(self, p: Principal) -> Me:
        """Who the principal is and what it may do."""
        catalog = self.board.catalog
        tenants = self.tenants(p)
        first = catalog.tenants.get(tenants[0]) if tenants else None
        return Me(
            name=p.name,
            role=p.role,
            tenants=sorted(p.tenants) if p.tenants is not None else None,
            agent=p.agent,
            agents=agents_for(p, {a: e.home for a, e in catalog.agents.items()}),
            language=first.language if first is not None else "en",
        )

    async def applied(self) -> None:
        """Wait (at most 2 s) until what was just submitted has been applied."""
        if not await self.settled(2.0):
            raise ApiError(503, "the engine is busy: the command is queued, not yet applied")
