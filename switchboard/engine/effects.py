"""Carry out the core's effects: deliver offers over AMI, persist sessions and call records."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

import structlog

from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.errors import AmiActionError, AmiError, AmiNotConnected
from switchboard.core.commands import EngineEvent, OfferFailed, OfferSent
from switchboard.core.effects import (
    AgentChanged,
    AgentPaused,
    AgentSession,
    CallbackOffer,
    CallChanged,
    Effect,
    Offer,
    OverridesChanged,
    Withdraw,
)
from switchboard.core.records import record_of
from switchboard.core.rules import RoutingTable
from switchboard.core.supervision import SupervisorCommand, WithdrawFailed, WithdrawSent
from switchboard.core.topology import Topology
from switchboard.engine.callout import originate_fields
from switchboard.engine.route_offers import RouteOffers
from switchboard.store.store import Store

log = structlog.get_logger("switchboard.effects")

DELIVER_CONTEXT = "switchboard-deliver"
VOICEMAIL = ("switchboard-closed", "voicemail")  # the dialplan template: plays, then records
GONE = ("No such channel", "Channel does not exist")  # recording 10b: the caller hung up
Observer = Callable[[list[Effect]], None]


class Effects:
    """The sink of the single writer: quick local work inline, AMI round trips in named tasks."""

    def __init__(
        self,
        ami: AmiClient,
        store: Store,
        submit: Callable[[EngineEvent | SupervisorCommand], None],
        topo: Callable[[], Topology],
        clock: Callable[[], float],
        table: Callable[[], RoutingTable],
        routes: RouteOffers,
    ) -> None:
        self.table = table
        self.routes = routes
        self.ami = ami
        self.store = store
        self.submit = submit
        self.topo = topo
        self.clock = clock
        self.tasks: set[asyncio.Task[None]] = set()
        self.observers: list[Observer] = []
        self.delivered = 0

    def __call__(self, effects: list[Effect]) -> None:
        """Handle effects in order, then tell the observers; never raises into the writer."""
        for effect in effects:
            try:
                self._one(effect)
            except Exception:
                log.exception("effect failed", effect=repr(effect)[:300])
        self.routes.settle(effects)
        for observer in self.observers:
            try:
                observer(effects)
            except Exception:
                log.exception("effect observer failed", observer=repr(observer)[:100])

    async def drain(self, within_s: float) -> None:
        """Wait for deliveries under way, at most `within_s`."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=within_s)

    def _one(self, effect: Effect) -> None:
        match effect:
            case Offer(answer=True):
                if not self.routes.offered(effect):
                    self.submit(OfferFailed(effect.uniqueid, "its route session ended", "unsent"))
            case Offer():
                self._spawn(self._deliver(effect), f"deliver-{effect.uniqueid}")
            case CallbackOffer():
                self._spawn(self._originate(effect), f"callout-{effect.uniqueid}")
            case Withdraw():
                self._spawn(self._withdraw(effect), f"withdraw-{effect.uniqueid}")
            case OverridesChanged(overrides=overrides):
                self.store.save_overrides(overrides)
            case CallChanged(call=call, milestone=milestone):
                topo = self.topo()  # the record is made in the writer thread, if still newest
                self.store.put_call_later(call.id, functools.partial(record_of, call, topo))
                if milestone == "ended":
                    log.info(
                        "call ended",
                        call_id=call.id,
                        tenant=call.tenant,
                        agent=call.answered_by,
                        outcome=call.outcome,
                    )
            case AgentChanged(agent=agent, status=status, at=at):
                self.store.agent_state(agent.id, status.value, agent.paused, at)
            case AgentSession(agent=agent, logged_in=logged_in, paused=paused):
                self.store.save_session(agent, logged_in, paused, self.clock())
                log.info("agent session", agent=agent, logged_in=logged_in, paused=paused)
            case AgentPaused(agent=agent, reason=reason):
                log.warning("agent paused by the engine", agent=agent, reason=reason)

    def _spawn(self, work: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(work)
        task.set_name(name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _withdraw(self, w: Withdraw) -> None:
        """A waiting caller to voicemail at once: Redirect interrupts the queue's announcement,
        where QueueWithdrawCaller waits for it to end (recordings README, finding 8 and 07b)."""
        bound = log.bind(call_id=w.uniqueid, tenant=w.tenant, by=w.by)
        context, exten = VOICEMAIL
        actions = (
            ("Setvar", (("Channel", w.channel), ("Variable", "SB_TARGET"), ("Value", w.target))),
            ("Setvar", (("Channel", w.channel), ("Variable", "SB_ANNOUNCE"), ("Value", ""))),
            (
                "Redirect",
                (
                    ("Channel", w.channel),
                    ("Context", context),
                    ("Exten", exten),
                    ("Priority", "1"),
                ),
            ),
        )
        try:
            for action, headers in actions:
                await self.ami.send_action(action, headers)
        except AmiError as exc:
            kind = "unsent" if isinstance(exc, AmiNotConnected) else "refused"
            bound.warning("withdrawal to voicemail failed", error=str(exc), kind=kind)
            self.submit(WithdrawFailed(w.uniqueid, kind, str(exc)))
        else:
            bound.info("call withdrawn to voicemail", target=w.target or "default")
            self.submit(WithdrawSent(w.uniqueid))

    async def _deliver(self, offer: Offer) -> None:
        """Setvar SB_AGENT, then Redirect to the delivery context (recording 07)."""
        exten = "recall" if offer.recall else "s"

        async def send() -> None:
            await self.ami.send_action(
                "Setvar",
                (("Channel", offer.channel), ("Variable", "SB_AGENT"), ("Value", offer.device)),
            )
            await self.ami.send_action(
                "Redirect",
                (
                    ("Channel", offer.channel),
                    ("Context", DELIVER_CONTEXT),
                    ("Exten", exten),
                    ("Priority", "1"),
                ),
            )

        bound = log.bind(call_id=offer.uniqueid, tenant=offer.tenant, agent=offer.agent)
        if await self._sent(offer.uniqueid, send(), bound):
            bound.debug("offer delivered", device=offer.device, recall=offer.recall)

    async def _originate(self, offer: CallbackOffer) -> None:
        """Originate the callback's Local channel pair (engine/callout.py)."""
        tenant = self.table().tenants.get(offer.tenant)
        fields = originate_fields(offer, tenant, self.topo().offer_timeout_s)
        bound = log.bind(call_id=offer.uniqueid, tenant=offer.tenant, agent=offer.agent)
        sent = await self._sent(offer.uniqueid, self.ami.send_action("Originate", fields), bound)
        if sent:
            bound.info("callback originated", device=offer.device, attempt=offer.attempt)

    async def _sent(
        self, uid: str, sending: Awaitable[object], bound: structlog.BoundLogger
    ) -> bool:
        """Await the AMI round trips of an offer and tell the core how they went."""
        try:
            await sending
        except AmiNotConnected as exc:
            bound.warning("offer not sent: AMI link down", error=str(exc))
            self.submit(OfferFailed(uid, str(exc), "unsent"))
        except AmiActionError as exc:
            gone = any(text in exc.message for text in GONE)
            bound.warning("offer refused by Asterisk", error=str(exc), gone=gone)
            self.submit(OfferFailed(uid, exc.message, "gone" if gone else "refused"))
        except AmiError as exc:
            # Lost or timed out after sending: it may have run; a report, the next snapshot or
            # the engine's offer timeout settles it.
            bound.error("offer outcome unknown", error=str(exc))
            self.submit(OfferFailed(uid, str(exc), "unknown"))
        else:
            self.delivered += 1
            self.submit(OfferSent(uid))
            return True
        return False
