"""The dispatcher's FastAGI scripts: `requeue`, `delivered`, `transferred`, `finished` and
`agent` (docs/call-flow.md)."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.asterisk.agi.request import AgiRequest
from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.numbers import normalize
from switchboard.core.requeue import NextStep, next_step
from switchboard.core.routing import Decision
from switchboard.core.rules import RoutingTable
from switchboard.core.topology import device_of_channel
from switchboard.engine.live import Live

AGENT_ACTIONS = frozenset({"login", "logout", "pause", "unpause"})


def on_routed(
    live: Live, table: Callable[[], RoutingTable]
) -> Callable[[AgiRequest, Decision, bool], None]:
    """The route hook: a queued call becomes a live call the dispatcher will deliver."""

    def routed(request: AgiRequest, decision: Decision, fallback: bool) -> None:
        caller = request.arg(1) or request.callerid
        caller_num = normalize(caller, table().country_code) or caller
        if decision.tenant is None:
            return  # unknown number: no tenant to report it to
        command = cmd.from_decision(
            decision,
            decision.tenant,
            request.uniqueid,
            request.channel,
            (caller_num, request.calleridname),
            request.query.get("did") or request.extension,
            "fallback" if fallback else "engine",
        )
        live.submit(command)

    return routed


def requeue_handler(
    live: Live,
    table: Callable[[], RoutingTable],
    slice_s: int,
    deliverable: Callable[[], bool] = lambda: True,
) -> Handler:
    """Answer a Queue() timeout: keep waiting (SB_WAIT), offer a callback, or go to voicemail.

    While the engine cannot deliver, waiting on in a memberless queue helps nobody: the answer
    is the dialplan's static fallback.
    """

    async def requeue(session: AgiSession) -> None:
        uid = _call_id(session.request)
        call = live.state.calls.get(uid)
        step = next_step(call, live.clock(), slice_s)
        session.bind(call_id=uid, tenant=call.tenant if call else None)
        if step.action == "queue" and not deliverable():
            step = NextStep("fallback", 0)
            session.log.warning("agi requeue: cannot deliver, static fallback")
        target = ""
        if step.action == "voicemail" and call is not None:
            tenant = table().tenants.get(call.tenant)
            target = (tenant.closed.voicemail if tenant else None) or ""
        await session.set_variable("SB_WAIT", str(step.wait_s))
        await session.set_variable("SB_TARGET", target)
        await session.set_variable("SB_ACTION", step.action)
        if step.action == "voicemail":
            live.submit(cmd.CallFinished(uid, "voicemail"))
        elif step.action == "callback":
            live.submit(cmd.CallbackOffered(uid))
        session.log.info("agi requeue", action=step.action, wait_s=step.wait_s)

    return requeue


def delivered_handler(live: Live) -> Handler:
    """Record the delivery path's own DIALSTATUS report (CHANUNAVAIL has no Dial events)."""

    async def delivered(session: AgiSession) -> None:
        request = session.request
        uid = _call_id(request)
        device = request.arg(2) or ""
        status = request.query.get("status", "").upper() or "UNKNOWN"
        session.bind(call_id=uid)
        live.submit(cmd.DeliveryReported(uid, device, status))
        session.log.info("agi delivered", device=device, status=status)

    return delivered


def transferred_handler(live: Live) -> Handler:
    """A transferred caller's Dial to the target ended unanswered: record it, bring it back.

    Query `status=${DIALSTATUS}&target=...`; args: SB_CALLID, BLINDTRANSFER (the transferer's
    channel, when Asterisk set it), SB_AGENT (the operator it was last delivered to).
    """

    async def transferred(session: AgiSession) -> None:
        request = session.request
        uid = _call_id(request)
        status = request.query.get("status", "").upper() or "UNKNOWN"
        target = request.query.get("target", "")
        transferer = device_of_channel(request.arg(2) or "") or (request.arg(3) or "")
        session.bind(call_id=uid)
        live.submit(cmd.TransferReported(uid, status, transferer, target))
        await session.set_variable("SB_RESULT", "ok")
        session.log.info("agi transferred", status=status, target=target, transferer=transferer)

    return transferred


FINISH_OUTCOMES = frozenset({"callback", "voicemail", "forward", "hangup"})


def finished_handler(live: Live) -> Handler:
    """The dialplan ended a waiting call itself (e.g. the caller chose a callback message)."""

    async def finished(session: AgiSession) -> None:
        uid = _call_id(session.request)
        outcome = session.request.query.get("outcome", "")
        session.bind(call_id=uid)
        if outcome in FINISH_OUTCOMES:
            live.submit(cmd.CallFinished(uid, outcome))
        await session.set_variable(
            "SB_RESULT", "ok" if outcome in FINISH_OUTCOMES else "bad-outcome"
        )
        session.log.info("agi finished", outcome=outcome)

    return finished


def agent_handler(live: Live) -> Handler:
    """Operator feature codes: log in, log out, pause with a reason, unpause."""

    async def agent(session: AgiSession) -> None:
        request = session.request
        endpoint = request.arg(1) or ""
        device = endpoint if "/" in endpoint else f"PJSIP/{endpoint}"
        agent_id = live.topo.by_device.get(device)
        action = request.query.get("action", "")
        if agent_id is None:
            result = "unknown-agent"
        elif action not in AGENT_ACTIONS:
            result = "bad-action"
        else:
            live.submit(cmd.AgentCommand(agent_id, action, request.query.get("reason", "")))
            result = "ok"
        session.bind(agent=agent_id)
        await session.set_variable("SB_RESULT", result)
        session.log.info("agi agent", action=action, result=result)

    return agent


def _call_id(request: AgiRequest) -> str:
    return request.arg(1) or request.uniqueid
