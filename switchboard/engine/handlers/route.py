"""The `route` script: request -> CallFacts -> decide() -> SB_* channel variables; a queued call
becomes a live call the dispatcher delivers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from switchboard.asterisk.agi import answers
from switchboard.asterisk.agi.commands import AgiReply
from switchboard.asterisk.agi.request import AgiRequest
from switchboard.asterisk.agi.server import Handler
from switchboard.asterisk.agi.session import AgiHangupError, AgiSession
from switchboard.core import commands as cmd
from switchboard.core.effects import Offer
from switchboard.core.evolve import replace
from switchboard.core.numbers import normalize
from switchboard.core.overrides import Key, Override
from switchboard.core.routing import NO_OVERRIDES, Action, CallFacts, Decision, decide
from switchboard.core.rules import RoutingTable
from switchboard.engine.live import Live
from switchboard.engine.route_offers import RouteOffers

OnRouted = Callable[[AgiRequest, Decision, bool], None]
"""Called as the answer goes out, before Asterisk can act on it (e.g. to register the live call
ahead of its queue join); the flag is True when a queue decision was turned into the static
fallback."""

DEFAULT_WAIT_SLICE_S = 30
OFFER_WAIT_S = 0.1  # a route session waits this long at most for the single writer's offer


class AtRoute:
    """Offer a queued call to a free operator in its own route answer: no queue join, Setvar or
    Redirect. Not with a greeting to play first (the operator would ring through it)."""

    def __init__(
        self,
        live: Live,
        routes: RouteOffers,
        table: Callable[[], RoutingTable],
        wait_s: float = OFFER_WAIT_S,
    ) -> None:
        self.live = live
        self.routes = routes
        self.table = table
        self.wait_s = wait_s

    def applies(self, decision: Decision, fallback: bool) -> bool:
        """True for a call that goes straight to its queue."""
        return decision.action is Action.QUEUE and not fallback and not decision.greeting

    async def offer(self, request: AgiRequest, decision: Decision) -> Offer | None:
        """Register the call with the core and wait for its offer (None: it waits in its queue)."""
        command = routed_command(request, decision, False, self.table())
        if not isinstance(command, cmd.CallRouted):
            if command is not None:
                self.live.submit(command)  # registered here all the same: on_routed is skipped
            return None
        uid = request.uniqueid
        waiter = self.routes.expect(uid)
        self.live.submit(replace(command, direct=True))
        try:
            async with asyncio.timeout(self.wait_s):
                return await waiter
        except TimeoutError:
            return None  # an offer made later finds nobody waiting: the core takes it back
        finally:
            self.routes.forget(uid)

    def sent(self, uid: str) -> None:
        """Asterisk took the answer carrying the offer."""
        self.live.submit(cmd.OfferSent(uid))

    def failed(self, uid: str, kind: str, reason: str) -> None:
        """The answer carrying the offer did not reach the dialplan (`kind` as OfferFailed)."""
        self.live.submit(cmd.OfferFailed(uid, reason, kind))


def route_handler(
    table: Callable[[], RoutingTable],
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_routed: OnRouted | None = None,
    wait_slice_s: int = DEFAULT_WAIT_SLICE_S,
    deliverable: Callable[[str], bool] = lambda queue: True,
    on_decided: Callable[[float], None] | None = None,
    overrides: Callable[[], Mapping[Key, Override]] = lambda: NO_OVERRIDES,
    at_route: AtRoute | None = None,
) -> Handler:
    """A handler answering `route?did=...` (docs/call-flow.md) from the table current per call.

    While the engine cannot deliver to the decision's queue (`deliverable(queue)` False: AMI
    down or not yet read, or Asterisk lacks that queue), a caller for a queue is sent to the
    dialplan's static fallback at once instead of a memberless (or missing) queue.
    `on_decided` is told how many seconds each decide() took; `overrides` gives a supervisor's
    runtime open/closed switches in force. `at_route` offers a call to an operator free now in
    the answer itself (`deliver`); the call is then registered with the core before the answer.
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
        every = _announce_s(rules, decision)
        direct = at_route is not None and at_route.applies(decision, fallback)
        offer = await at_route.offer(request, decision) if at_route is not None and direct else None
        device = offer.device if offer is not None else None
        values = dict(answer(request, decision, wait_slice_s, fallback, every, device))
        packed = answers.pack(answers.ROUTE, values)
        if offer is None or at_route is None:

            def routed() -> None:  # before Asterisk acts on the answer and reports the call
                if on_routed is not None and not direct:
                    try:
                        on_routed(request, decision, fallback)
                    except Exception:
                        session.log.exception("agi on_routed hook failed")

            reply = await session.set_variable(answers.VARIABLE, packed, last=True, sent=routed)
        else:
            reply = await _carry(session, packed, at_route, request.uniqueid)
            session.bind(agent=offer.agent)
        if not reply.ok:  # the dialplan takes its fallback, which the core sees as a queue join
            session.log.warning("agi route answer refused", code=reply.code)
            return
        action = "deliver" if offer is not None else decision.action.value
        session.bind(action=action, reason=decision.reason, queue=decision.queue)

    return route


async def _carry(session: AgiSession, packed: str, at_route: AtRoute, uid: str) -> AgiReply:
    """Send the answer carrying an offer and tell the core whether it got there: sent as soon as
    it is on its way (Asterisk dials at once, before the engine reads the reply), failed after."""
    try:
        reply = await session.set_variable(
            answers.VARIABLE, packed, last=True, sent=lambda: at_route.sent(uid)
        )
    except AgiHangupError as exc:
        at_route.failed(uid, "gone", f"route session closed: {exc}")
        raise
    except BaseException as exc:  # timed out or cut: the dialplan may have it
        at_route.failed(uid, "unknown", f"route answer: {type(exc).__name__}")
        raise
    if not reply.ok:
        at_route.failed(uid, "refused", f"route answer refused: {reply.code}")
    return reply


def routed_command(
    request: AgiRequest, decision: Decision, fallback: bool, table: RoutingTable
) -> cmd.CallRouted | cmd.CallTurnedAway | None:
    """What the core hears of a route decision (None: no tenant, or a menu to come back from)."""
    caller = request.arg(1) or request.callerid
    caller_num = normalize(caller, table.country_code) or caller
    if decision.tenant is None or decision.action is Action.MENU:
        return None  # unknown number: no tenant to report it to; menu: the call comes back
    return cmd.from_decision(
        decision,
        decision.tenant,
        request.uniqueid,
        request.channel,
        (caller_num, request.calleridname),
        request.query.get("did") or request.extension,
        "fallback" if fallback else "engine",
    )


def on_routed(
    live: Live, table: Callable[[], RoutingTable]
) -> Callable[[AgiRequest, Decision, bool], None]:
    """The route hook: a queued call becomes a live call the dispatcher will deliver."""

    def routed(request: AgiRequest, decision: Decision, fallback: bool) -> None:
        command = routed_command(request, decision, fallback, table())
        if command is not None:
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
    deliver: str | None = None,
) -> list[tuple[str, str]]:
    """The SB_* variables of the answer (sent packed in one SET VARIABLE, see agi/answers.py);
    `deliver`: the device of the operator the call goes to at once (action `deliver`)."""
    queued = decision.action is Action.QUEUE
    action = "fallback" if fallback else "deliver" if deliver else decision.action.value
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
        ("SB_TARGET", deliver or decision.target or ""),
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
