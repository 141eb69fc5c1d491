"""The engine's operations surfaces: HTTP (health, readiness, metrics), systemd, loop lag.

Other surfaces plug in here: `readiness.add("mqtt", probe, required=False)` reports a check
that never makes the engine unready; `http.add(routes)` serves more routes from the same server.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from switchboard.engine.reload import ReloadStatus
from switchboard.engine.telemetry import EngineCollector, status_line
from switchboard.http import health, metrics, wallboard
from switchboard.http.api import Api, ApiContext, json_errors
from switchboard.http.api.auth import is_loopback
from switchboard.http.api.stream import StreamCollector
from switchboard.http.health import Readiness
from switchboard.http.server import HttpServer
from switchboard.systemd.notify import Notifier
from switchboard.views.build import overrides_of

if TYPE_CHECKING:
    from switchboard.engine.app import Engine

log = structlog.get_logger("switchboard.ops")

STATUS_EVERY_S = 5.0
LAG_PROBE_S = 0.25


class Operations:
    """Built with the engine; `start()` once the engine runs, `stopping()` and `stop()` at the end."""

    def __init__(self, engine: Engine, notifier: Notifier | None = None) -> None:
        self.engine = engine
        self.notifier = Notifier.from_environ() if notifier is None else notifier
        self.readiness = Readiness()
        self.readiness.add("ami", self._ami)
        self.readiness.add("agi", self._agi)
        self.readiness.add("store", self._store)
        self.readiness.add("asterisk", self._asterisk)
        self.readiness.report("reload", lambda: engine.reloader.status.as_dict())
        self.http = HttpServer(engine.config.engine.http)
        self.http.add(health.routes(self.readiness))
        self.http.add(metrics.routes(engine.metrics))
        self.api = Api(_context(engine))
        self.http.app.middlewares.append(json_errors)
        self.http.add(self.api.routes())
        self.http.add(wallboard.routes())
        self.readiness.report("overrides", self._overrides)
        engine.metrics.registry.register(StreamCollector(self.api.hub.stats))
        engine.metrics.registry.register(EngineCollector(engine))
        for conn in (engine.ami.events, engine.ami.actions):
            conn.round_trip_listeners.append(engine.metrics.on_ami_action)
        engine.reloader.observers.append(self._reloaded)

    async def start(self) -> None:
        """Hook the metrics to effects and store, serve HTTP, then READY=1 and the watchdog."""
        e = self.engine
        e.effects.observers.append(e.metrics.on_effects)
        e.effects.observers.append(self.api.hub.observe)
        e.store.writer.listeners.append(e.metrics.on_store_write)
        await self.http.start()
        e.supervisor.spawn("api-stream", self.api.hub.run)
        settings = e.config.engine
        if not settings.api.tokens and not is_loopback(settings.http.host):
            log.warning("api: no tokens configured, so off loopback the API answers 401")
        e.supervisor.spawn("loop-lag", self._lag)
        e.supervisor.spawn("sd-status", self._status)
        interval = self.notifier.watchdog_interval_s
        if interval is not None:
            e.supervisor.spawn("sd-watchdog", lambda: self._watchdog(interval))
        self.notifier.ready(status_line(e))

    def stopping(self) -> None:
        """STOPPING=1 (the watchdog keeps pinging while the engine stops)."""
        self.notifier.stopping()

    async def stop(self) -> None:
        """End the live streams, close the HTTP server and the notification socket."""
        self.api.close()
        await self.http.stop()
        self.notifier.close()

    def _overrides(self) -> dict[str, object]:
        e = self.engine
        found = overrides_of(e.live.state, None, e.clock())
        return {"active": [o.model_dump(mode="json") for o in found]}

    def _ami(self) -> tuple[bool, str]:
        e = self.engine
        if e.bridge.deliverable:
            return True, "logged in, state read"
        return False, "logged in, state not read yet" if e.ami.connected else "not logged in"

    def _asterisk(self) -> tuple[bool, str]:
        absent = self.engine.absent
        if absent is None:
            return True, "not looked at yet"
        return (False, absent.describe()) if absent else (True, "has every queue and operator")

    def _agi(self) -> tuple[bool, str]:
        agi, settings = self.engine.agi, self.engine.config.engine.agi
        if not agi.accepting:
            return False, "not accepting"
        return True, f"listening on {settings.host}:{agi.port}"

    def _store(self) -> tuple[bool, str]:
        h = self.engine.store.health
        if h.writable:
            return True, f"{h.pending} writes pending"
        # The error's type only: its text may hold SQL parameters (caller numbers).
        return False, f"failing: {(h.last_error or '?').split(':')[0]}; {h.pending} writes pending"

    def _reloaded(self, status: ReloadStatus) -> None:
        if status.result == "reloading":
            self.notifier.reloading()
            return
        self.engine.metrics.reloads.labels(status.result).inc()
        self.notifier.ready(status_line(self.engine))

    async def _watchdog(self, every_s: float) -> None:
        # Sent from the event loop itself: a blocked loop stops the pings and systemd kills it.
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(every_s)

    async def _status(self) -> None:
        while True:
            await asyncio.sleep(STATUS_EVERY_S)
            self.notifier.status(status_line(self.engine))

    async def _lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(LAG_PROBE_S)
            self.engine.metrics.on_loop_lag(max(0.0, loop.time() - started - LAG_PROBE_S))


def _context(engine: Engine) -> ApiContext:
    """What the API reads and submits, from the engine (the API never imports the engine)."""
    return ApiContext(
        board=engine.board,
        state=lambda: engine.live.state,
        submit=engine.live.submit,
        settled=engine.live.settled_within,
        config=lambda: engine.config,
        table=lambda: engine.table,
        clock=engine.clock,
        database=lambda: engine.store.engine,
        loopback_server=is_loopback(engine.config.engine.http.host),
    )
