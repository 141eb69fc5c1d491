"""The composition root: build config, state, adapters and servers; start, run, stop with a deadline."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable

import structlog

from switchboard.asterisk.agi.route import route_handler
from switchboard.asterisk.agi.server import AgiServer
from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.options import AmiOptions
from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.models import Config
from switchboard.core.commands import AgentsRestored, Tick
from switchboard.engine.agi_handlers import (
    agent_handler,
    delivered_handler,
    finished_handler,
    on_routed,
    requeue_handler,
)
from switchboard.engine.ami_bridge import AmiBridge
from switchboard.engine.effects import Effects
from switchboard.engine.live import Live
from switchboard.engine.supervise import Supervisor
from switchboard.store.sqlite import Store

log = structlog.get_logger("switchboard.engine")

WAIT_SLICE_S = 30
TICK_S = 1.0


class Engine:
    """One running engine: `await start()`, then `await stop(deadline_s)` (or `run_forever()`)."""

    def __init__(
        self, config: Config, *, clock: Callable[[], float] = time.time, tick_s: float = TICK_S
    ) -> None:
        self.config = config
        self.clock = clock
        self.tick_s = tick_s
        self.table = compile_routing(config)
        self.topo = compile_topology(config, self.table)
        self.store = Store(config.engine.store.path)
        self.supervisor = Supervisor()
        self.live = Live(self.topo, clock, lambda effects: self.effects(effects))
        self.ami = AmiClient(
            AmiOptions.from_settings(config.engine.ami),
            on_connect=lambda client: self.bridge.on_connect(client),
        )
        self.bridge = AmiBridge(self.live, self.ami)
        self.effects = Effects(self.ami, self.store, self.live.submit, clock)
        self.agi = AgiServer(config.engine.agi)
        self.agi.register(
            "route",
            route_handler(
                lambda: self.table,
                on_routed=on_routed(self.live, lambda: self.table),
                wait_slice_s=WAIT_SLICE_S,
            ),
        )
        self.agi.register("requeue", requeue_handler(self.live, lambda: self.table, WAIT_SLICE_S))
        self.agi.register("delivered", delivered_handler(self.live))
        self.agi.register("agent", agent_handler(self.live))
        self.agi.register("finished", finished_handler(self.live))

    async def start(self) -> None:
        """Restore agent sessions, start the writer, the ticker, AMI and the FastAGI server."""
        self.live.submit(AgentsRestored(self.store.load_sessions()))
        self.supervisor.spawn("live", self.live.run)
        self.supervisor.spawn("ticker", self._tick)
        self.ami.subscribe(self.bridge.handle, name="ami-events")
        self.ami.start()
        await self.agi.start()
        log.info(
            "engine started",
            agi=f"{self.config.engine.agi.host}:{self.agi.port}",
            ami=f"{self.config.engine.ami.host}:{self.config.engine.ami.port}",
            tenants=len(self.config.tenants),
            agents=len(self.config.agents),
        )

    async def stop(self, deadline_s: float = 10.0) -> None:
        """Stop accepting calls, let AGI sessions answer, finish deliveries, then close everything."""
        started = time.monotonic()
        await self.agi.stop(grace_s=deadline_s / 2)
        await self.effects.drain(max(0.1, deadline_s / 4))
        await self.live.settled_within(max(0.1, deadline_s - (time.monotonic() - started)))
        await self.ami.close()
        await self.supervisor.stop()
        self.store.close()
        log.info("engine stopped", took_s=round(time.monotonic() - started, 3))

    async def run_forever(self, deadline_s: float = 10.0) -> None:
        """Run until SIGTERM or SIGINT, then stop gracefully within `deadline_s`."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
            log.info("stop requested")
        finally:
            await self.stop(deadline_s)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.live.submit(Tick())
