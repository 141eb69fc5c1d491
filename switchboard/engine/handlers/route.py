"""The `route` script: request -> CallFacts -> decide() -> SB_* channel variables; a queued call
becomes a live call the dispatcher delivers."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from switchboard.asterisk.agi import answers
from switchboard.asterisk.agi.request import AgiRequest
from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiSession
from switchboard.core import commands as cmd
from switchboard.core.numbers import normalize
from switchboard.core.overrides import Key, Override
from switchboard.core.routing import NO_OVERRIDES, Action, CallFacts, Decision, decide
from switchboard.core.rules import RoutingTable
from switchboard.engine.live import Live

OnRouted = Callable[[AgiRequest, Decision, bool], None]
"""Called once Asterisk has acknowledged the whole answer (e.g. to register the live call);
the flag is True when a queue decision was turned into the static fallback."""

DEFAULT_WAIT_SLICE_S = 30


def route_handler(
    table: Callable[[], RoutingTable],
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_routed: OnRouted | None = None,
    wait_slice_s: int = DEFAULT_WAIT_SLICE_S,
    deliverable: Callable[[str], bool] = lambda queue: True,
    on_decided: Callable[[float], None] | None = None,
    overrides: Callable[[], Mapping[Key, Override]] = lambda: NO_OVERRIDES,
) -> Handler:
    """A handler answering `route?did=...` (docs/call-flow.md) from the table current per call.

    While the engine cannot deliver to the decision's queue (`deliverable(queue)` False: AMI
    down or not yet read, or Asterisk lacks that queue), a caller for a queue is sent to the
    dialplan's static fallback at once instead of a memberless (or missing) queue.
    `on_decided` is told how many seconds each decide() took; `overrides` gives a supervisor's
    runtime open/closed switches in force.
    """

    async def route(session: AgiSession) -> None:
        request = session.request
        facts, rules, now = call_facts(request), table(), clock()
        started = time.perf_counter()
        decision = decide(facts, rules, now, overrides())
        if on_decided is not None:
            on_decided(time.perf_counter() - started)
        session.bind(tenant=decision.tenant)
        fallback = decision.action is Action.QUEUE and not deliverable(decision.queue or "")
        if fallback:
            session.log.warning("agi route: cannot deliver, static fallback", queue=decision.queue)
        every = _announce_s(table(), decision)
        values = dict(answer(request, decision, wait_slice_s, fallback, every))
        reply = await session.set_variable(answers.VARIABLE, answers.pack(answers.ROUTE, values))
        if not reply.ok:
            session.log.warning("agi route answer refused", code=reply.code)
            return
        session.bind(action=decision.action.value, reason=decision.reason, queue=decision.queue)
        if on_routed is not None:
            try:
                on_routed(request, decision, fallback)
            except Exception:
                session.log.exception("agi on_routed hook failed")

    return route


def on_routed(
    live: Live, table: Callable[[], RoutingTable]
) -> Callable[[AgiRequest, Decision, bool], None]:
    """The route hook: a queued call becomes a live call the dispatcher will deliver."""

    def routed(request: AgiRequest, decision: Decision, fallback: bool) -> None:
        caller = request.arg(1) or request.callerid
        caller_num = normalize(caller, table().country_code) or caller
        if decision.tenant is None or decision.action is Action.MENU:
            return  # unknown number: no tenant to report it to; menu: the call comes back
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


def _announce_s(table: RoutingTable, decision: Decision) -> int:
    tenant = table.tenants.get(decision.tenant or "")
    return tenant.announce_every_s if tenant is not None else 0


def call_facts(request: AgiRequest) -> CallFacts:
    """What the route request says about the call: did from the query, caller from arg 1, the
    menu's answer as `digit=` (present but empty: the menu got none; absent: not asked yet)."""
    caller = request.arg(1)
    digit = request.query.get("digit")
    return CallFacts(
        dialled=request.query.get("did") or request.extension,
        caller=caller if caller else request.callerid,
        caller_name=request.calleridname,
        digit=digit,
        language=None,
        offer_menu=digit is None,
    )


def answer(
    request: AgiRequest,
    decision: Decision,
    wait_slice_s: int,
    fallback: bool = False,
    announce_s: int = 0,
) -> list[tuple[str, str]]:
    """The SB_* variables of the answer (sent packed in one SET VARIABLE, see agi/answers.py)."""
    queued = decision.action is Action.QUEUE
    action = "fallback" if fallback else decision.action.value
    return [
        ("SB_CALLID", request.uniqueid),
        ("SB_REASON", "engine_cannot_deliver" if fallback else decision.reason),
        ("SB_TENANT", decision.tenant or ""),
        ("SB_SERVICE", decision.service or ""),
        ("SB_QUEUE", decision.queue or ""),
        ("SB_PRIO", str(decision.priority)),
        ("SB_TAG", decision.tag or ""),
        ("SB_WAIT", str(wait_slice(decision, wait_slice_s, announce_s)) if queued else ""),
        ("SB_ANNOUNCE", decision.announce or ""),
        ("SB_TARGET", decision.target or ""),
        ("SB_LANG", decision.language or ""),
        ("SB_GREETING", decision.greeting or ""),
        *_menu(decision),
        ("SB_ACTION", action),
    ]


def _menu(decision: Decision) -> list[tuple[str, str]]:
    menu = decision.menu
    if decision.action is not Action.MENU or menu is None:
        return []
    return [
        ("SB_MENU", menu.prompt),
        ("SB_MENU_DIGITS", "".join(menu.digits)),
        ("SB_MENU_TIMEOUT", str(menu.timeout_s)),
        ("SB_MENU_RETRIES", str(menu.retries)),
    ]


def wait_slice(decision: Decision, default_s: int, announce_s: int = 0) -> int:
    """First Queue() slice: the default, cut to the first announcement (every `announce_s`) and
    to the first overflow step needing the dialplan."""
    if announce_s > 0:
        default_s = min(default_s, announce_s)
    # Partner steps need no dialplan turn: the dispatcher serves them while the caller waits.
    for step in decision.overflow:
        if (step.offer or step.action) and step.after_s > 0:
            return min(default_s, step.after_s)
    return default_s
