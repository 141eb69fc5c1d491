"""Acting routes: agents log in, out, pause and unpause; supervisors force a tenant or service
open or closed, change a waiting call's priority, withdraw a caller to voicemail.

Each checks everything first, submits one typed command to the single writer, waits until it
is applied and answers with what the engine made of it; every action is logged with who did it.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from switchboard.core.commands import AgentCommand
from switchboard.core.overrides import ForceRouting
from switchboard.core.state import UNANSWERED, CallPhase
from switchboard.core.supervision import ChangePriority, WithdrawCall, withdrawable
from switchboard.http.api.auth import AGENT_ACTORS, SUPERVISORS
from switchboard.http.api.binding import ApiError, Call
from switchboard.http.api.context import ApiContext
from switchboard.http.api.models import MAX_FORCE_S, ForceBody, PauseBody, PriorityBody, Withdrawn
from switchboard.http.api.spec import Route
from switchboard.views.build import call_view, overrides_of
from switchboard.views.models import AgentView, CallView, OverrideView

log = structlog.get_logger("switchboard.api")

AGENT = {"agent": "an agent id from the configuration"}
TENANT = {"tenant": "a tenant id from the configuration"}
SERVICE = {**TENANT, "service": "one of the tenant's services"}
CALL = {"call_id": "the call's id (the caller channel's Asterisk Uniqueid)"}


def act_routes(ctx: ApiContext) -> list[Route]:
    """Every POST, PUT and DELETE."""

    def agent_action(action: str) -> object:
        async def handle(c: Call) -> AgentView:
            agent = ctx.agent(c.principal, c.path["agent"])
            home = ctx.board.catalog.agents[agent].home
            if not c.principal.acts_on_agent(agent, home):
                raise ApiError(403, f"this token may not act on agent {agent!r}")
            reason = c.body.reason if isinstance(c.body, PauseBody) else ""
            ctx.submit(AgentCommand(agent, action, reason))
            _log(c, f"agent {action}", agent=agent, reason=reason or None)
            await ctx.applied()
            return ctx.board.agent(agent)

        return handle

    async def force(c: Call) -> list[OverrideView]:
        tenant, service = _where(ctx, c)
        body: ForceBody = c.body
        now = ctx.clock()
        until = body.expiry(now)
        if until <= now:
            raise ApiError(422, "until is in the past", {"body.until": "must be in the future"})
        if until - now > MAX_FORCE_S + 60:
            raise ApiError(422, "until is more than a week away", {"body.until": "within 7 days"})
        ctx.submit(ForceRouting(tenant, service, body.force, until, c.principal.name, body.reason))
        _log(c, f"forced {body.force}", tenant=tenant, service=service or None, until=until)
        await ctx.applied()
        return overrides_of(ctx.state(), tenant, ctx.clock())

    async def unforce(c: Call) -> list[OverrideView]:
        tenant, service = _where(ctx, c)
        ctx.submit(ForceRouting(tenant, service, None, 0.0, c.principal.name))
        _log(c, "override cleared", tenant=tenant, service=service or None)
        await ctx.applied()
        return overrides_of(ctx.state(), tenant, ctx.clock())

    async def priority(c: Call) -> CallView:
        call_id = _call(ctx, c, lambda phase: phase in UNANSWERED, "is no longer waiting")
        body: PriorityBody = c.body
        ctx.submit(ChangePriority(call_id, body.priority, c.principal.name))
        _log(c, "call priority", call_id=call_id, priority=body.priority)
        await ctx.applied()
        now_call = ctx.state().calls.get(call_id)
        if now_call is None or now_call.priority != body.priority:
            raise ApiError(409, "the call was answered or ended meanwhile")
        return call_view(now_call, ctx.clock())

    async def withdraw(c: Call) -> Withdrawn:
        call_id = _call(ctx, c, withdrawable, "is not waiting in a queue")
        call = ctx.state().calls[call_id]
        tenant = ctx.table().tenants.get(call.tenant)
        box = (tenant.closed.voicemail if tenant is not None else None) or ""
        ctx.submit(WithdrawCall(call_id, box, c.principal.name))
        _log(c, "call withdrawn to voicemail", call_id=call_id, target=box or "default")
        await ctx.applied()
        after = ctx.state().calls.get(call_id)
        if after is not None and not after.withdrawing:
            raise ApiError(409, "the call was offered to an operator or ended meanwhile")
        return Withdrawn(call_id=call_id, target=box)

    def agent_route(action: str, summary: str, body: type[PauseBody] | None = None) -> Route:
        path = f"/api/agents/{{agent}}/{action}"
        return Route("POST", path, summary, "agents", agent_action(action), AGENT_ACTORS,  # type: ignore[arg-type]
                     AgentView, errors=(404,), params=AGENT, body=body)  # fmt: skip

    forced = "/api/tenants/{tenant}/force"
    forced_service = "/api/tenants/{tenant}/services/{service}/force"
    return [
        agent_route("login", "Log the operator in (as feature code *21)"),
        agent_route("logout", "Log the operator out (*22)"),
        agent_route("pause", "Pause the operator with a reason (*23)", body=PauseBody),
        agent_route("unpause", "End the operator's pause (*24)"),
        Route("PUT", forced, "Force a tenant open or closed until a time", "overrides", force,
              SUPERVISORS, list[OverrideView], body=ForceBody, errors=(404,), params=TENANT),
        Route("DELETE", forced, "Clear a tenant's override: its calendar rules again",
              "overrides", unforce, SUPERVISORS, list[OverrideView], errors=(404,), params=TENANT),
        Route("PUT", forced_service, "Force one service open or closed until a time",
              "overrides", force, SUPERVISORS, list[OverrideView], body=ForceBody, errors=(404,),
              params=SERVICE),
        Route("DELETE", forced_service, "Clear a service's override", "overrides", unforce,
              SUPERVISORS, list[OverrideView], errors=(404,), params=SERVICE),
        Route("POST", "/api/calls/{call_id}/priority", "Change a waiting call's priority",
              "calls", priority, SUPERVISORS, CallView, body=PriorityBody, errors=(404, 409),
              params=CALL),
        Route("POST", "/api/calls/{call_id}/withdraw",
              "Withdraw a waiting caller to the tenant's voicemail at once", "calls", withdraw,
              SUPERVISORS, Withdrawn, ok=202, errors=(404, 409), params=CALL,
              description="An AMI Redirect into the dialplan's voicemail with SB_TARGET set "
              "(immediate, unlike QueueWithdrawCaller); the call's record ends as `withdrawn`."),
    ]  # fmt: skip


def _where(ctx: ApiContext, c: Call) -> tuple[str, str]:
    tenant = ctx.tenant(c.principal, c.path["tenant"])
    service = c.path.get("service", "")
    config = ctx.config().tenants[tenant]
    if service and service not in config.services:
        raise ApiError(404, f"no service {service!r}", {"path.service": "unknown service"})
    if not c.principal.acts_on_tenant(tenant):
        raise ApiError(403, f"this token may not act on tenant {tenant!r}")
    return tenant, service


def _call(ctx: ApiContext, c: Call, acts_on: Callable[[CallPhase], bool], refusal: str) -> str:
    call_id = c.path["call_id"]
    call = ctx.state().calls.get(call_id)
    if call is None or not c.principal.reads(call.tenant):
        raise ApiError(404, f"no live call {call_id!r}", {"path.call_id": "unknown call"})
    if not c.principal.acts_on_tenant(call.tenant):
        raise ApiError(403, f"this token may not act on tenant {call.tenant!r}")
    if not acts_on(call.phase) or call.withdrawing:
        raise ApiError(409, f"call {call_id} {refusal} ({call.phase.value})")
    if call.via != "engine":
        raise ApiError(409, f"call {call_id} waits in the static fallback queue")
    return call_id


def _log(c: Call, what: str, **fields: object) -> None:
    p = c.principal
    log.info("api action", action=what, by=p.name, role=p.role, **fields)
