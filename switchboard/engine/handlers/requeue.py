"""The `requeue` script: a Queue() wait slice ended; keep waiting (with position and estimated
wait when they are due), offer a callback, or voicemail."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.asterisk.agi import answers
from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.estimate import estimate, spoken_minutes
from switchboard.core.requeue import NextStep, next_step
from switchboard.core.rules import RoutingTable, TenantRule
from switchboard.core.state import Call
from switchboard.engine.handlers.delivery import call_id
from switchboard.engine.live import Live


def requeue_handler(
    live: Live,
    table: Callable[[], RoutingTable],
    slice_s: int,
    deliverable: Callable[[str], bool] = lambda queue: True,
) -> Handler:
    """Answer a Queue() timeout: SB_ACTION (queue, callback, voicemail, fallback), SB_WAIT,
    SB_TARGET, SB_POSITION / SB_EWT (whole minutes, 0: less than one) when they are said, and
    SB_CB_OFFER (the tenant's "press 1" prompt) with a callback offer.

    While the engine cannot deliver, waiting on in a memberless queue helps nobody: the answer
    is the dialplan's static fallback.
    """

    async def requeue(session: AgiSession) -> None:
        uid = call_id(session.request)
        call = live.state.calls.get(uid)
        tenant = table().tenants.get(call.tenant) if call is not None else None
        now = live.clock()
        every = tenant.announce_every_s if tenant is not None else 0
        step = next_step(call, now, slice_s, every)
        session.bind(call_id=uid, tenant=call.tenant if call else None)
        if step.action == "queue" and not deliverable(call.queue if call else ""):
            step = NextStep("fallback", 0)
            session.log.warning("agi requeue: cannot deliver, static fallback")
        target = ""
        if step.action == "voicemail" and tenant is not None:
            target = tenant.closed.voicemail or ""
        position, minutes = _announcement(live, call, tenant, now, step)
        offer = tenant.callback.offer if tenant is not None and step.action == "callback" else None
        values = {
            "SB_ACTION": step.action,
            "SB_WAIT": str(step.wait_s),
            "SB_TARGET": target,
            "SB_POSITION": "" if position is None else str(position),
            "SB_EWT": "" if minutes is None else str(minutes),
            "SB_CB_OFFER": offer or "",
        }
        packed = answers.pack(answers.REQUEUE, values)

        def told() -> None:  # before Asterisk acts on the answer and reports the call
            if step.action == "voicemail":
                live.submit(cmd.CallFinished(uid, "voicemail"))
            elif step.action == "callback":
                live.submit(cmd.CallbackOffered(uid))
            elif step.action == "queue" and call is not None:
                live.submit(cmd.SliceEnded(uid, position, minutes))

        reply = await session.set_variable(answers.VARIABLE, packed, last=True, sent=told)
        if not reply.ok:
            session.log.warning("agi requeue answer refused", code=reply.code)
            return
        session.bind(action=step.action, wait_s=step.wait_s, position=position, ewt=minutes)

    return requeue


def _announcement(
    live: Live, call: Call | None, tenant: TenantRule | None, now: float, step: NextStep
) -> tuple[int | None, int | None]:
    """(position, minutes) to say now, each None when not said."""
    if call is None or tenant is None or step.action != "queue" or not step.announce:
        return None, None
    guess = estimate(live.state, live.topo, call, now)
    position = guess.position if tenant.announce_position else None
    known = tenant.announce_wait and guess.wait_s is not None
    minutes = spoken_minutes(guess.wait_s) if known and guess.wait_s is not None else None
    return position, minutes
