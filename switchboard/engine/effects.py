"""Carry out the core's effects: deliver offers over AMI, persist sessions and call records."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.errors import AmiActionError, AmiError, AmiNotConnected
from switchboard.core.commands import EngineEvent, OfferFailed
from switchboard.core.effects import AgentPaused, AgentSession, CallEnded, Effect, Offer
from switchboard.store.sqlite import Store

log = structlog.get_logger("switchboard.effects")

DELIVER_CONTEXT = "switchboard-deliver"


class Effects:
    """The sink of the single writer: quick local work inline, AMI round trips in named tasks."""

    def __init__(
        self,
        ami: AmiClient,
        store: Store,
        submit: Callable[[EngineEvent], None],
        clock: Callable[[], float],
    ) -> None:
        self.ami = ami
        self.store = store
        self.submit = submit
        self.clock = clock
        self.tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0

    def __call__(self, effects: list[Effect]) -> None:
        """Handle effects in order; never raises into the writer."""
        for effect in effects:
            try:
                self._one(effect)
            except Exception:
                log.exception("effect failed", effect=repr(effect)[:300])

    async def drain(self, within_s: float) -> None:
        """Wait for deliveries under way, at most `within_s`."""
        if self.tasks:
            await asyncio.wait(list(self.tasks), timeout=within_s)

    def _one(self, effect: Effect) -> None:
        match effect:
            case Offer():
                task = asyncio.create_task(self._deliver(effect), name=f"deliver-{effect.uniqueid}")
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
            case AgentSession(agent=agent, logged_in=logged_in, paused=paused):
                self.store.save_session(agent, logged_in, paused, self.clock())
                log.info("agent session", agent=agent, logged_in=logged_in, paused=paused)
            case AgentPaused(agent=agent, reason=reason):
                log.warning("agent paused by the engine", agent=agent, reason=reason)
            case CallEnded(call=call):
                self.store.record_call(call)
                log.info(
                    "call ended",
                    call_id=call.id,
                    tenant=call.tenant,
                    agent=call.agent,
                    outcome=call.outcome,
                )

    async def _deliver(self, offer: Offer) -> None:
        """Setvar SB_AGENT, then Redirect to the delivery context (recording 07)."""
        bound = log.bind(call_id=offer.uniqueid, tenant=offer.tenant, agent=offer.agent)
        try:
            await self.ami.send_action(
                "Setvar",
                (("Channel", offer.channel), ("Variable", "SB_AGENT"), ("Value", offer.device)),
            )
            await self.ami.send_action(
                "Redirect",
                (
                    ("Channel", offer.channel),
                    ("Context", DELIVER_CONTEXT),
                    ("Exten", "s"),
                    ("Priority", "1"),
                ),
            )
            self.delivered += 1
            bound.info("offer delivered", device=offer.device)
        except (AmiActionError, AmiNotConnected) as exc:
            # Refused or never sent: the caller is still waiting (or gone, recording 10).
            bound.warning("offer not delivered", error=str(exc))
            self.submit(OfferFailed(offer.uniqueid, str(exc)))
        except AmiError as exc:
            # Lost or timed out: it may have run; the engine's offer timeout settles it.
            bound.error("offer outcome unknown", error=str(exc))
