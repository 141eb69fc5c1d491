"""The `callback` script: the caller asks to be called back, and the callout reports whether it
reached the caller (docs/call-flow.md, "Callbacks")."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.numbers import is_e164, normalize
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.delivery import call_id
from switchboard.engine.live import Live


def callback_handler(live: Live, table: Callable[[], RoutingTable]) -> Handler:
    """`callback?action=request` (arg 1 SB_CALLID, arg 2 the caller's number): SB_RESULT `ok`
    with SB_CB_CONFIRM, or why not (`unknown-call`, `no-number`, `not-offered`);
    `callback?status=${DIALSTATUS}` (arg 1 SB_CALLID): the callout's Dial to the caller ended."""

    async def callback(session: AgiSession) -> None:
        request = session.request
        uid = call_id(request)
        session.bind(call_id=uid)
        if "status" in request.query:
            status = request.query["status"].upper()
            live.submit(cmd.CallbackReported(uid, status))
            await session.set_variable("SB_RESULT", "ok", last=True)
            session.bind(status=status)
            return
        rules = table()
        call = live.state.calls.get(uid)
        number = normalize(request.arg(2) or request.callerid, rules.country_code)
        tenant = rules.tenants.get(call.tenant) if call is not None else None
        confirm = ""
        if call is None or tenant is None:
            result = "unknown-call"
        elif not is_e164(number):
            result = "no-number"  # anonymous or not a public number: nothing to call back
        elif not call.callback_offered:
            result = "not-offered"
        else:
            cb = tenant.callback
            live.submit(
                cmd.CallbackRequested(uid, number, cb.attempts, cb.retry_after_s, cb.keep_s)
            )
            result, confirm = "ok", cb.confirm or ""
        await session.set_variable("SB_CB_CONFIRM", confirm)
        await session.set_variable("SB_RESULT", result, last=True)
        session.bind(result=result)

    return callback
