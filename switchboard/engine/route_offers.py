"""Offers that ride a route answer: a route session waits here for what dispatch made of its call."""

from __future__ import annotations

import asyncio

from switchboard.core.effects import CallChanged, Effect, Offer


class RouteOffers:
    """Route sessions waiting by call id; the effects sink settles them after each apply."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[Offer | None]] = {}

    def expect(self, uid: str) -> asyncio.Future[Offer | None]:
        """A future for the call's offer: the Offer, or None when no operator took it."""
        future: asyncio.Future[Offer | None] = asyncio.get_running_loop().create_future()
        self._waiting[uid] = future
        return future

    def forget(self, uid: str) -> None:
        """The route session stopped waiting (answered, timed out or gone)."""
        self._waiting.pop(uid, None)

    def offered(self, offer: Offer) -> bool:
        """Hand `offer` to its route session; False when none waits for it any more."""
        future = self._waiting.pop(offer.uniqueid, None)
        if future is None or future.done():
            return False
        future.set_result(offer)
        return True

    def settle(self, effects: list[Effect]) -> None:
        """A waiting call these effects show applied without an offer: no operator took it."""
        if not self._waiting:
            return
        for effect in effects:
            if isinstance(effect, CallChanged):
                future = self._waiting.pop(effect.call.id, None)
                if future is not None and not future.done():
                    future.set_result(None)
