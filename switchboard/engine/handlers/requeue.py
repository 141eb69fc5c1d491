"""The `requeue` script: a Queue() wait slice ended; keep waiting, offer a callback, or voicemail."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.requeue import NextStep, next_step
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.delivery import call_id
from switchboard.engine.live import Live


def requeue_handler(
    live: Live,
    table: Callable[[], RoutingTable],
    slice_s: int,
    deliverable: Callable[[str], bool] = lambda queue: True,
) -> Handler:
    """Answer a Queue() timeout: keep waiting (SB_WAIT), offer a callback, or go to voicemail.

    While the engine cannot deliver, waiting on in a memberless queue helps nobody: the answer
    is the dialplan's static fallback.
    """

    async def requeue(session: AgiSession) -> None:
        uid = call_id(session.request)
        call = live.state.calls.get(uid)
        step = next_step(call, live.clock(), slice_s)
        session.bind(call_id=uid, tenant=call.tenant if call else None)
        if step.action == "queue" and not deliverable(call.queue if call else ""):
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
