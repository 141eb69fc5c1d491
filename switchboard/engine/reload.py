"""Hot reload (SIGHUP): validate the file off the loop, then swap the rules in one step.

An invalid file is rejected with its `FILE:LINE: path: message` lines in the log and the running
configuration is kept. A valid one replaces the routing table and the topology between two
events (core/reload.py). What was bound at start (listen and connect addresses, the store)
keeps its running value until a restart; a change there is logged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import structlog

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.errors import ConfigError
from switchboard.config.models import Config
from switchboard.core.rules import RoutingTable
from switchboard.core.topology import Topology
from switchboard.logs import add_secrets

log = structlog.get_logger("switchboard.reload")

RESTART_ONLY = ("agi", "ami", "mqtt", "http", "store")  # engine sections bound at start
MAX_PROBLEMS = 50

Loader = Callable[[], Config]
Swap = Callable[[Config, RoutingTable, Topology], None]
Observer = Callable[["ReloadStatus"], None]


@dataclass(frozen=True, slots=True)
class ReloadStatus:
    """The configuration in use and the last reload's outcome (for /readyz, metrics, MQTT)."""

    generation: int = 1  # +1 per applied reload
    result: str = "initial"  # initial | reloading | applied | rejected
    at: float | None = None  # wall-clock end of the last reload
    problems: tuple[str, ...] = ()  # FILE:LINE lines of a rejected file
    restart_needed: tuple[str, ...] = ()  # engine sections changed, applied at the next start

    @property
    def ok(self) -> bool:
        """False when the last reload was rejected."""
        return self.result != "rejected"

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


class Reloader:
    """Runs reloads one at a time; `observers` hear every status change."""

    def __init__(
        self,
        load: Loader | None,
        current: Callable[[], Config],
        swap: Swap,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.load = load
        self.current = current
        self.swap = swap
        self.clock = clock
        self.status = ReloadStatus()
        self.observers: list[Observer] = []
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[ReloadStatus]] = set()

    def request(self) -> None:
        """Reload soon (the SIGHUP handler); requests queue up and run in order."""
        task = asyncio.get_running_loop().create_task(self.reload(), name="config-reload")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload(self) -> ReloadStatus:
        """Validate and apply the file now; returns the resulting status."""
        async with self._lock:
            if self.load is None:
                log.warning("config reload requested but the engine has no file to read")
                return self.status
            self._set(replace(self.status, result="reloading"))
            log.info("config reload requested")
            try:
                config, table, topo = await asyncio.to_thread(_prepare, self.load)
            except Exception as exc:
                lines = exc.lines() if isinstance(exc, ConfigError) else [_failure(exc)]
                for line in lines:
                    log.error("config problem", problem=line)
                log.error("config reload rejected, running configuration kept", problems=len(lines))
                rejected = (*lines[:MAX_PROBLEMS], *(["..."] if len(lines) > MAX_PROBLEMS else []))
                return self._set(
                    replace(self.status, result="rejected", at=self.clock(), problems=rejected)
                )
            return self._apply(config, table, topo)

    async def stop(self) -> None:
        """Cancel reloads still running."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _apply(self, config: Config, table: RoutingTable, topo: Topology) -> ReloadStatus:
        add_secrets(config.engine.secrets())
        old = self.current()
        kept = {k: getattr(old.engine, k) for k in RESTART_ONLY}
        changed = tuple(k for k in RESTART_ONLY if getattr(config.engine, k) != kept[k])
        merged = config.model_copy(update={"engine": config.engine.model_copy(update=kept)})
        self.swap(merged, table, topo)
        status = ReloadStatus(self.status.generation + 1, "applied", self.clock(), (), changed)
        log.info(
            "config reloaded",
            generation=status.generation,
            tenants=len(config.tenants),
            agents=len(config.agents),
            agents_added=sorted(set(config.agents) - set(old.agents)),
            agents_removed=sorted(set(old.agents) - set(config.agents)),
        )
        if changed:
            log.warning("engine settings changed: they apply at the next restart", sections=changed)
        return self._set(status)

    def _set(self, status: ReloadStatus) -> ReloadStatus:
        self.status = status
        for observer in self.observers:
            try:
                observer(status)
            except Exception:
                log.exception("reload observer failed", observer=repr(observer)[:100])
        return status


def _failure(exc: Exception) -> str:
    log.error("config reload failed", exc_info=exc)
    return f"reload failed: {type(exc).__name__}: {exc}"


def _prepare(load: Loader) -> tuple[Config, RoutingTable, Topology]:
    """Read, validate and compile (blocking: runs in a thread)."""
    config = load()
    table = compile_routing(config)
    return config, table, compile_topology(config, table)
