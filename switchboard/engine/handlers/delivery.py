"""The scripts the dialplan reports to: `delivered` (DIALSTATUS of an offer), `transferred` (a
transfer target's DIALSTATUS), `finished` (it ended a waiting call itself) and `agent` (the
operators' feature codes)."""

from __future__ import annotations

from switchboard.asterisk.agi.request import AgiRequest
from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.topology import device_of_channel
from switchboard.engine.live import Live

FINISH_OUTCOMES = frozenset({"callback", "voicemail", "forward", "hangup"})
AGENT_ACTIONS = frozenset({"login", "logout", "pause", "unpause"})


def delivered_handler(live: Live) -> Handler:
    """Record the delivery path's own DIALSTATUS report (CHANUNAVAIL has no Dial events)."""

    async def delivered(session: AgiSession) -> None:
        request = session.request
        uid = call_id(request)
        device = request.arg(2) or ""
        status = request.query.get("status", "").upper() or "UNKNOWN"
        session.bind(call_id=uid)
        live.submit(cmd.DeliveryReported(uid, device, status))
        session.bind(device=device, status=status)

    return delivered


def transferred_handler(live: Live) -> Handler:
    """A transferred caller's Dial to the target ended unanswered: record it, bring it back.

    Query `status=${DIALSTATUS}&target=...`; args: SB_CALLID, BLINDTRANSFER (the transferer's
    channel, when Asterisk set it), SB_AGENT (the operator it was last delivered to).
    """

    async def transferred(session: AgiSession) -> None:
        request = session.request
        uid = call_id(request)
        status = request.query.get("status", "").upper() or "UNKNOWN"
        target = request.query.get("target", "")
        transferer = device_of_channel(request.arg(2) or "") or (request.arg(3) or "")
        session.bind(call_id=uid)
        live.submit(cmd.TransferReported(uid, status, transferer, target))
        await session.set_variable("SB_RESULT", "ok", last=True)
        session.bind(status=status, target=target, transferer=transferer)

    return transferred


def finished_handler(live: Live) -> Handler:
    """The dialplan ended a waiting call itself (e.g. the caller chose a callback message)."""

    async def finished(session: AgiSession) -> None:
        uid = call_id(session.request)
        outcome = session.request.query.get("outcome", "")
        session.bind(call_id=uid)
        if outcome in FINISH_OUTCOMES:
            live.submit(cmd.CallFinished(uid, outcome))
        result = "ok" if outcome in FINISH_OUTCOMES else "bad-outcome"
        await session.set_variable("SB_RESULT", result, last=True)
        session.bind(outcome=outcome)

    return finished


def agent_handler(live: Live) -> Handler:
    """`agent?action=...&reason=...` with the endpoint as arg 1; answers SB_RESULT."""

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
        await session.set_variable("SB_RESULT", result, last=True)
        session.bind(action=action, result=result)

    return agent


def call_id(request: AgiRequest) -> str:
    """The call a request is about: SB_CALLID as arg 1, else the channel's own Uniqueid."""
    return request.arg(1) or request.uniqueid
