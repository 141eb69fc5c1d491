"""Read routes: who am I, the overview, tenants, queues, agents, live calls and overrides."""

from __future__ import annotations

from switchboard.http.api.auth import READERS, Principal
from switchboard.http.api.binding import ApiError, Call
from switchboard.http.api.context import ApiContext
from switchboard.http.api.models import Me, TenantQuery
from switchboard.http.api.spec import Route
from switchboard.views.build import overrides_of
from switchboard.views.models import (
    AgentView,
    CallView,
    OverrideView,
    Overview,
    QueueView,
    TenantView,
)

TENANT = {"tenant": "a tenant id from the configuration"}
MASKED = "***"


def read_routes(ctx: ApiContext) -> list[Route]:
    """Every GET of the live state."""
    board = ctx.board

    async def me(c: Call) -> Me:
        return ctx.me(c.principal)

    async def overview(_: Call) -> Overview:
        return board.overview()

    async def tenants(c: Call) -> list[TenantView]:
        return [board.tenant(t) for t in ctx.tenants(c.principal)]

    async def tenant(c: Call) -> TenantView:
        return board.tenant(ctx.tenant(c.principal, c.path["tenant"]))

    async def queues(c: Call) -> list[QueueView]:
        catalog = board.catalog
        return [board.queue(q) for q, e in catalog.queues.items() if c.principal.reads(e.tenant)]

    async def queue(c: Call) -> QueueView:
        entry = board.catalog.queues.get(c.path["queue"])
        if entry is None:
            raise ApiError(404, f"no queue {c.path['queue']!r}", {"path.queue": "unknown queue"})
        ctx.tenant(c.principal, entry.tenant)
        return board.queue(entry.name)

    async def agents(c: Call) -> list[AgentView]:
        catalog = board.catalog
        return [
            board.agent(a)
            for a, e in catalog.agents.items()
            if c.principal.reads_any(e.serves) or c.principal.agent == a
        ]

    async def agent(c: Call) -> AgentView:
        return board.agent(ctx.agent(c.principal, c.path["agent"]))

    async def waiting(c: Call) -> list[CallView]:
        return _calls(ctx, c, board.waiting_calls)

    async def connected(c: Call) -> list[CallView]:
        return _calls(ctx, c, board.connected_calls)

    async def overrides(c: Call) -> list[OverrideView]:
        every = overrides_of(ctx.state(), None, ctx.clock())
        return [o for o in every if c.principal.reads(o.tenant)]

    def get(path: str, summary: str, handler: object, result: object, **kw: object) -> Route:
        return Route("GET", path, summary, "live", handler, READERS, result, **kw)  # type: ignore[arg-type]

    return [
        get("/api/me", "The token's name, role, tenants and the agents it may act on", me, Me),
        get("/api/overview", "The whole switchboard now", overview, Overview),
        get("/api/tenants", "Each tenant's panel: waiting, longest wait, today", tenants,
            list[TenantView]),
        get("/api/tenants/{tenant}", "One tenant's panel", tenant, TenantView, errors=(404,),
            params=TENANT),
        get("/api/queues", "Each queue's waiting callers", queues, list[QueueView]),
        get("/api/queues/{queue}", "One queue", queue, QueueView, errors=(404,),
            params={"queue": "an Asterisk queue name, e.g. vetlanda-switchboard"}),
        get("/api/agents", "Every operator's state and time in it", agents, list[AgentView]),
        get("/api/agents/{agent}", "One operator", agent, AgentView, errors=(404,),
            params={"agent": "an agent id from the configuration"}),
        get("/api/calls/waiting", "Callers waiting, in the order they will be served", waiting,
            list[CallView], query=TenantQuery, errors=(404,)),
        get("/api/calls/connected", "Callers talking to an operator", connected,
            list[CallView], query=TenantQuery, errors=(404,)),
        get("/api/overrides", "Runtime open/closed switches in force", overrides,
            list[OverrideView]),
    ]  # fmt: skip


def _calls(ctx: ApiContext, c: Call, read: object) -> list[CallView]:
    """Live calls the principal may see; the wallboard role gets no caller numbers or names."""
    query: TenantQuery = c.query
    if query.tenant is not None:
        ctx.tenant(c.principal, query.tenant, "query.tenant")
    calls: list[CallView] = read(query.tenant)  # type: ignore[operator]
    seen = [v for v in calls if c.principal.reads(v.tenant)]
    return [_masked(v) if _private(c.principal) else v for v in seen]


def _private(p: Principal) -> bool:
    return p.role == "wallboard"


def _masked(view: CallView) -> CallView:
    number = view.caller_num
    shown = number[: max(0, len(number) - 4)] + MASKED if number else number
    return view.model_copy(update={"caller_num": shown, "caller_name": ""})
