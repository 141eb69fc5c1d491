"""Named background tasks that are restarted with backoff when they crash, never lost silently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger("switchboard.supervisor")

Factory = Callable[[], Awaitable[None]]


class Supervisor:
    """Runs each task under a name; a crash is logged and the task restarted (1 s doubling to 30 s)."""

    def __init__(self, *, first_delay_s: float = 1.0, max_delay_s: float = 30.0) -> None:
        self.first_delay_s = first_delay_s
        self.max_delay_s = max_delay_s
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.restarts: dict[str, int] = {}

    def spawn(self, name: str, factory: Factory) -> None:
        """Start `factory()` as task `name`, restarting it whenever it raises."""
        self.restarts[name] = 0
        self.tasks[name] = asyncio.create_task(self._keep(name, factory), name=name)

    async def stop(self, within_s: float = 5.0) -> None:
        """Cancel every task and wait for them, at most `within_s`."""
        for task in self.tasks.values():
            task.cancel()
        if self.tasks:
            await asyncio.wait(self.tasks.values(), timeout=within_s)
        self.tasks.clear()

    async def _keep(self, name: str, factory: Factory) -> None:
        delay = self.first_delay_s
        while True:
            try:
                await factory()
                log.warning("task ended, restarting", task=name)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("task crashed, restarting", task=name, delay_s=delay)
            self.restarts[name] += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay_s)
