"""The engine's FastAGI scripts (docs/call-flow.md), one module per family, registered together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from switchboard.asterisk.agi.server import AgiServer
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.callback import callback_handler
from switchboard.engine.handlers.delivery import (
    agent_handler,
    call_id,
    delivered_handler,
    finished_handler,
    transferred_handler,
)
from switchboard.engine.handlers.requeue import requeue_handler
from switchboard.engine.handlers.route import AtRoute, on_routed, route_handler
from switchboard.engine.live import Live
from switchboard.engine.route_offers import RouteOffers

__all__ = ["call_id", "register"]


def register(
    server: AgiServer,
    live: Live,
    table: Callable[[], RoutingTable],
    slice_s: int,
    deliverable: Callable[[str], bool],
    *,
    clock: Callable[[], datetime],
    on_decided: Callable[[float], None],
    routes: RouteOffers,
) -> None:
    """Register every script of the contract on `server` (`clock` decides opening hours;
    through `routes`, a call an operator is free for is offered in its route answer)."""
    server.register(
        "route",
        route_handler(
            table,
            clock=clock,
            on_routed=on_routed(live, table),
            wait_slice_s=slice_s,
            deliverable=deliverable,
            on_decided=on_decided,
            overrides=lambda: live.state.overrides,
            at_route=AtRoute(live, routes, table),
        ),
    )
    server.register("requeue", requeue_handler(live, table, slice_s, deliverable))
    server.register("delivered", delivered_handler(live))
    server.register("transferred", transferred_handler(live))
    server.register("agent", agent_handler(live))
    server.register("finished", finished_handler(live))
    server.register("callback", callback_handler(live, table))
