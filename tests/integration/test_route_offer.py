"""The route answer that carries an offer, over a real socket: what the dialplan reads, and what
the core is told when the answer gets there, is refused, or the session is cut under it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from switchboard.asterisk.agi import answers
from switchboard.asterisk.agi.peer import FakeChannel, header_block, run_session
from switchboard.config.compile import compile_routing
from switchboard.core import commands as cmd
from switchboard.core.effects import Offer
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.route import AtRoute, on_routed, route_handler
from switchboard.engine.route_offers import RouteOffers
from tests.adapters.test_agi_support import serving
from tests.integration.engine_world import world_config

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
UID = "1795345541.0"  # header_block's agi_uniqueid


class CoreStandIn:
    """Takes the submitted commands; for a direct route, offers `device` (None: no operator)."""

    def __init__(self, routes: RouteOffers, device: str | None) -> None:
        self.routes = routes
        self.device = device
        self.submitted: list[Any] = []
        self.outcome = asyncio.Event()  # OfferSent or OfferFailed came

    def submit(self, event: Any) -> None:
        self.submitted.append(event)
        if isinstance(event, cmd.OfferSent | cmd.OfferFailed):
            self.outcome.set()
        if isinstance(event, cmd.CallRouted) and event.direct and self.device is not None:
            offer = Offer(
                event.uniqueid, event.channel, "op1001", self.device, event.tenant, event.tag,
                event.queue, answer=True,
            )  # fmt: skip
            asyncio.get_running_loop().call_soon(self.routes.offered, offer)

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.submitted if isinstance(e, kind)]


def routing(tmp_path: Path) -> RoutingTable:
    return compile_routing(world_config(tmp_path, {"1001": "vetlanda"}, 4573, 5038))


def handler(table: RoutingTable, core: CoreStandIn, routes: RouteOffers) -> Any:
    at_route = AtRoute(core, routes, lambda: table, wait_s=0.05)  # type: ignore[arg-type]
    return route_handler(
        lambda: table,
        clock=lambda: NOW,
        on_routed=on_routed(core, lambda: table),  # type: ignore[arg-type]
        at_route=at_route,
    )


async def test_an_operator_free_now_rides_the_answer_and_is_counted_sent(tmp_path: Path) -> None:
    table, routes = routing(tmp_path), RouteOffers()
    core = CoreStandIn(routes, "PJSIP/1001")
    channel = FakeChannel()
    async with serving({"route": handler(table, core, routes)}) as server:
        result = await run_session("127.0.0.1", server.port, header_block(), channel.respond)
    assert result.half_closed
    assert len(result.commands) == 1  # still one round trip
    values = answers.unpack(answers.ROUTE, channel.variables["SB_ANSWER"])
    assert values is not None
    assert values["SB_ACTION"] == "deliver"
    assert values["SB_TARGET"] == "PJSIP/1001"
    # where the caller waits if that operator does not answer
    assert values["SB_QUEUE"] == "vetlanda-switchboard"
    assert values["SB_WAIT"] == "30"
    [routed] = core.of(cmd.CallRouted)  # registered once, before the answer
    assert routed.direct
    assert routed.uniqueid == UID
    assert [e.uniqueid for e in core.of(cmd.OfferSent)] == [UID]
    assert core.of(cmd.OfferFailed) == []


async def test_no_operator_free_answers_queue(tmp_path: Path) -> None:
    table, routes = routing(tmp_path), RouteOffers()
    core = CoreStandIn(routes, None)
    channel = FakeChannel()
    async with serving({"route": handler(table, core, routes)}) as server:
        await run_session("127.0.0.1", server.port, header_block(), channel.respond)
    values = answers.unpack(answers.ROUTE, channel.variables["SB_ANSWER"])
    assert values is not None
    assert values["SB_ACTION"] == "queue"
    assert values["SB_TARGET"] == ""
    assert len(core.of(cmd.CallRouted)) == 1
    assert core.of(cmd.OfferSent) == core.of(cmd.OfferFailed) == []


async def test_a_refused_answer_releases_the_operator(tmp_path: Path) -> None:
    table, routes = routing(tmp_path), RouteOffers()
    core = CoreStandIn(routes, "PJSIP/1001")
    async with serving({"route": handler(table, core, routes)}) as server:
        await run_session(
            "127.0.0.1", server.port, header_block(), lambda words: "510 Invalid or unknown command"
        )
    [failed] = core.of(cmd.OfferFailed)
    assert (failed.uniqueid, failed.kind) == (UID, "refused")
    told = [type(e) for e in core.submitted if isinstance(e, cmd.OfferSent | cmd.OfferFailed)]
    assert told == [cmd.OfferSent, cmd.OfferFailed]  # sent as it left, failed on the reply


async def test_a_session_cut_under_the_answer_tells_the_core_the_caller_is_gone(
    tmp_path: Path,
) -> None:
    table, routes = routing(tmp_path), RouteOffers()
    core = CoreStandIn(routes, "PJSIP/1001")
    async with serving({"route": handler(table, core, routes)}) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(header_block())
        line = await asyncio.wait_for(reader.readline(), 5)
        assert line.startswith(b"SET VARIABLE SB_ANSWER")
        writer.close()  # Asterisk's end of the session goes away before it replies
        await asyncio.wait_for(core.outcome.wait(), 5)
    [failed] = core.of(cmd.OfferFailed)
    assert (failed.uniqueid, failed.kind) == (UID, "gone")
    told = [type(e) for e in core.submitted if isinstance(e, cmd.OfferSent | cmd.OfferFailed)]
    assert told == [cmd.OfferSent, cmd.OfferFailed]  # sent as it left, failed on the reply
