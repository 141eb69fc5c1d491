"""The requeue answer goes out with the half-close, so Asterisk acts on it at once: what the core
must know of it (here: the slice ended) is submitted before Asterisk can rejoin the queue."""

from __future__ import annotations

import asyncio

from switchboard.asterisk.agi.peer import header_block
from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.apply import apply
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.requeue import requeue_handler
from switchboard.engine.live import Live
from tests.adapters.test_agi_hostile import until
from tests.adapters.test_agi_support import serving
from tests.unit.dispatch_fixture import WORLD

NOW = 1_000_000.0
UID = "1700000000.1"


def waiting_live() -> tuple[Live, list[object], RoutingTable]:
    """A Live whose state holds one caller waiting in alpha-main; submissions are kept."""
    config = parse_config(WORLD.format(selection="longest_idle", sticky=0), "world.yaml", {})
    table = compile_routing(config)
    topo = compile_topology(config, table)
    live = Live(topo, lambda: NOW + 20, lambda effects: None)
    info = topo.queues["alpha-main"]
    routed = cmd.CallRouted(
        UID, "PJSIP/inbound-1", info.tenant, info.service, "alpha-main", info.tag,
        info.priority, info.skills, info.target_answer_s, info.overflow, "+46701111111", "Åsa",
    )  # fmt: skip
    joined = ev.CallerJoined("alpha-main", "PJSIP/inbound-1", UID, UID, "+46701111111", "Åsa", 1)
    for event in (routed, joined):
        live.state, _ = apply(live.state, event, topo, NOW)
    submitted: list[object] = []
    live.submit = submitted.append  # type: ignore[method-assign]
    return live, submitted, table


async def test_the_slice_end_is_submitted_before_asterisk_can_act_on_the_answer() -> None:
    live, submitted, table = waiting_live()
    handler = requeue_handler(live, lambda: table, 30)
    async with serving({"requeue": handler}) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(header_block("requeue?status=TIMEOUT", arg_1=UID))
        command = await asyncio.wait_for(reader.readline(), 5)
        assert command.startswith(b"SET VARIABLE SB_ANSWER ")
        assert await asyncio.wait_for(reader.read(1), 5) == b""  # the half-close came with it
        assert [type(s) for s in submitted] == [cmd.SliceEnded]  # before any reply
        writer.write(b"200 result=1\nHANGUP\n")
        writer.close()
        await until(lambda: server.stats.answered == 1, 5)
    assert [type(s) for s in submitted] == [cmd.SliceEnded]
