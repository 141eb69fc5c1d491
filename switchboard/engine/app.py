"""The composition root: build config, state, adapters and servers; start, run, stop with a deadline."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime

import structlog

from switchboard.asterisk.agi.server import AgiServer
from switchboard.asterisk.ami.client import AmiClient
from switchboard.asterisk.ami.options import AmiOptions
from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.models import Config
from switchboard.core.commands import AgentsRestored, CallsRestored, Tick, TopologyChanged
from switchboard.core.overrides import OverridesRestored
from switchboard.core.records import call_of
from switchboard.core.rules import RoutingTable
from switchboard.core.topology import Absent, Topology
from switchboard.engine import handlers
from switchboard.engine.ami_bridge import AmiBridge
from switchboard.engine.effects import Effects
from switchboard.engine.live import Live
from switchboard.engine.ops import Operations
from switchboard.engine.reload import Loader, Reloader
from switchboard.engine.route_offers import RouteOffers
from switchboard.engine.supervise import Supervisor
from switchboard.http.metrics import Metrics
from switchboard.mqtt import MqttPublisher
from switchboard.mqtt.stats import MqttCollector
from switchboard.store.store import Store
from switchboard.systemd.notify import Notifier
from switchboard.views import Board, catalog_of

log = structlog.get_logger("switchboard.engine")

WAIT_SLICE_S = 30
TICK_S = 1.0
EXIT_ASTERISK = 4  # the first look at Asterisk found a queue or operator device missing


class Engine:
    """One running engine: `await start()`, then `await stop(deadline_s)` (or `run_forever()`)."""

    effects: Effects
    store: Store

    def __init__(
        self,
        config: Config,
        *,
        clock: Callable[[], float] = time.time,
        tick_s: float = TICK_S,
        audit_s: float = 60.0,
        load: Loader | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        """`load` reads the configuration file again on reload (SIGHUP); without it, no reload."""
        self.config = config
        self.clock = clock
        self.tick_s = tick_s
        self.table = compile_routing(config)
        self.supervisor = Supervisor()
        self.metrics = Metrics()
        self.live = Live(
            compile_topology(config, self.table), clock, lambda effects: self.effects(effects)
        )
        self.board = Board(lambda: self.live.state, catalog_of(config, self.topo), clock)
        self.mqtt: MqttPublisher | None = None
        self.ami = AmiClient(
            AmiOptions.from_settings(config.engine.ami),
            on_connect=lambda client: self.bridge.on_connect(client),
            on_disconnect=lambda: self.bridge.on_disconnect(),
            on_actions_connect=lambda client: self.bridge.on_actions_connect(client),
            on_actions_disconnect=lambda: self.bridge.on_actions_disconnect(),
        )
        self.bridge = AmiBridge(
            self.live, self.ami, clock, audit_s=audit_s, on_checked=self._checked
        )
        self.absent: Absent | None = None  # None until Asterisk was looked at
        self.refused: asyncio.Event | None = None

        def deliverable(queue: str) -> bool:
            absent = self.absent
            return self.bridge.deliverable and (absent is None or queue not in absent.queues)

        self.routes = RouteOffers()
        # one info line per routing decision; the dialplan's delivery reports log at debug
        self.agi = AgiServer(config.engine.agi, quiet=frozenset({"delivered", "callback"}))
        handlers.register(
            self.agi,
            self.live,
            lambda: self.table,
            WAIT_SLICE_S,
            deliverable,
            clock=lambda: datetime.fromtimestamp(self.clock(), UTC),
            on_decided=self.metrics.on_decision,
            routes=self.routes,
        )
        self.reloader = Reloader(load, lambda: self.config, self._reconfigure)
        self.ops = Operations(self, notifier)

    @property
    def topo(self) -> Topology:
        """The topology the single writer uses now (swapped by a reload)."""
        return self.live.topo

    async def start(self) -> None:
        """Open the store and restore from it; start the writer, ticker, AMI and FastAGI."""
        settings = self.config.engine.store
        self.store = await asyncio.to_thread(Store, settings.path, settings.url)
        self.effects = Effects(
            self.ami,
            self.store,
            self.live.submit,
            lambda: self.topo,
            self.clock,
            lambda: self.table,
            self.routes,
        )
        self.refused = asyncio.Event()
        self.bridge.tell()  # nothing can be delivered before AMI is up and read
        self.effects.observers.append(self.board.observe)
        if self.config.engine.mqtt.enabled:
            self._start_mqtt()
        await self._restore()
        self.supervisor.spawn("live", self.live.run)
        self.supervisor.spawn("ticker", self._tick)
        self.supervisor.spawn("ami-audit", self.bridge.audit)
        self.ami.listen(self.bridge.handle, name="ami-events")  # it only translates and submits
        self.ami.start()
        await self.agi.start()
        await self.ops.start()
        # Everything made so far (config, topology, imports) lives as long as the engine: out of
        # the collector's sight, a full collection no longer walks it (pauses of 50-150 ms).
        gc.freeze()
        log.info(
            "engine started",
            agi=f"{self.config.engine.agi.host}:{self.agi.port}",
            http=f"{self.config.engine.http.host}:{self.ops.http.port}",
            ami=f"{self.config.engine.ami.host}:{self.config.engine.ami.port}",
            store=self.store.url.split("@")[-1],
            tenants=len(self.config.tenants),
            agents=len(self.config.agents),
        )

    async def stop(self, deadline_s: float = 10.0) -> None:
        """Stop accepting calls, let AGI sessions answer, finish deliveries, then close everything."""
        started = time.monotonic()
        self.ops.stopping()
        await self.reloader.stop()
        await self.agi.stop(grace_s=deadline_s / 2)
        await self.effects.drain(max(0.1, deadline_s / 4))
        await self.live.settled_within(max(0.1, deadline_s - (time.monotonic() - started)))
        await self.ami.close()
        await self.supervisor.stop()
        await self.ops.stop()
        left = max(0.5, deadline_s - (time.monotonic() - started))
        if not await asyncio.to_thread(self.store.close, left):
            log.error("store: writes left unwritten at stop", pending=self.store.health.pending)
        log.info("engine stopped", took_s=round(time.monotonic() - started, 3))

    @property
    def ready(self) -> bool:
        """True when calls can be delivered and Asterisk has every queue and operator device."""
        return self.bridge.deliverable and self.absent is not None and not self.absent

    async def run_forever(self, deadline_s: float = 10.0) -> int:
        """Run until SIGTERM or SIGINT (0; reloading on SIGHUP), or until the first look at
        Asterisk shows it lacks what the configuration routes to (EXIT_ASTERISK); stop
        gracefully within `deadline_s`."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        loop.add_signal_handler(signal.SIGHUP, self.reloader.request)
        await self.start()
        assert self.refused is not None
        refused = asyncio.create_task(self.refused.wait(), name="asterisk-check")
        stopped = asyncio.create_task(stop.wait(), name="stop-signal")
        try:
            await asyncio.wait({refused, stopped}, return_when=asyncio.FIRST_COMPLETED)
            log.info("stop requested" if stop.is_set() else "refusing to run")
        finally:
            loop.add_signal_handler(signal.SIGHUP, log.info, "reload ignored: stopping")
            refused.cancel()
            stopped.cancel()
            await self.stop(deadline_s)
        return EXIT_ASTERISK if self.refused.is_set() and not stop.is_set() else 0

    def _checked(self, absent: Absent) -> None:
        """After every snapshot: the first refuses to run on a mismatch, later ones report."""
        first, before = self.absent is None, self.absent
        self.absent = absent
        if absent and first:
            log.error("asterisk lacks what the configuration routes to", problem=absent.describe())
            if self.refused is not None:
                self.refused.set()
        elif absent and absent != before:
            log.error("engine unready", problem=absent.describe())
        elif not absent and before:
            log.info("engine ready: asterisk has every queue and operator device again")

    def _start_mqtt(self) -> None:
        """The publisher: effects in, a supervised task out, reported on /readyz and /metrics."""
        mqtt = self.mqtt = MqttPublisher(self.config.engine.mqtt, self.board)
        self.effects.observers.append(mqtt.observe)
        self.ops.readiness.add("mqtt", mqtt.probe, required=False)
        self.metrics.registry.register(MqttCollector(mqtt.stats))
        mqtt.reloaded(self.reloader.status.as_dict())
        self.reloader.observers.append(lambda status: mqtt.reloaded(status.as_dict()))
        self.supervisor.spawn("mqtt", mqtt.run)  # cancelled at stop: says offline

    def _reconfigure(self, config: Config, table: RoutingTable, topo: Topology) -> None:
        # One loop step: events submitted before see the old topology, after it the new one;
        # route decisions from now on use the new table.
        self.live.submit(TopologyChanged(topo))
        self.table, self.config = table, config
        self.board.catalog = catalog_of(config, topo)
        self.bridge.resnapshot()  # new agents' and changed devices' state

    async def _restore(self) -> None:
        """Logins, pauses, today's counts and live calls from the store (read off the loop)."""
        now = self.clock()
        store = self.store
        sessions = await asyncio.to_thread(store.load_sessions)
        overrides = await asyncio.to_thread(store.load_overrides)
        today = await asyncio.to_thread(store.calls_today, self.topo.local_midnight(now))
        await asyncio.to_thread(store.close_intervals, now)
        day = await asyncio.to_thread(store.day_records, self.board.catalog.first_midnight(now))
        self.board.seed(day)  # today's tenant figures
        records = [r for r in day if r.outcome is None]  # live when the engine stopped
        self.live.submit(AgentsRestored(sessions, today))
        self.live.submit(OverridesRestored(overrides))
        if records:
            self.live.submit(CallsRestored(tuple(call_of(r, self.topo) for r in records)))
            log.info("calls restored from the store", calls=len(records))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.live.submit(Tick())
