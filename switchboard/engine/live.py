"""The single writer: one task owns the live State, applies events in order, hands out effects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from switchboard.core.apply import Event as CoreEvent
from switchboard.core.apply import apply, initial_state
from switchboard.core.commands import TopologyChanged
from switchboard.core.effects import Effect
from switchboard.core.reload import reconfigure
from switchboard.core.state import State
from switchboard.core.topology import Topology

log = structlog.get_logger("switchboard.live")

Clock = Callable[[], float]
Sink = Callable[[list[Effect]], None]
Event = CoreEvent | TopologyChanged


class Live:
    """Adapters `submit()` typed events; `run()` applies them; readers use the `state` snapshot."""

    def __init__(self, topo: Topology, clock: Clock, sink: Sink) -> None:
        self.topo = topo
        self.clock = clock
        self.sink = sink
        self.state: State = initial_state(topo, clock())
        self.applied = 0
        self._queue: asyncio.Queue[Event] = asyncio.Queue()

    @property
    def backlog(self) -> int:
        """Events submitted and not applied yet."""
        return self._queue.qsize()

    def submit(self, event: Event) -> None:
        """Queue an event for the writer (never blocks)."""
        self._queue.put_nowait(event)

    async def settled(self) -> None:
        """Wait until every event submitted so far has been applied."""
        await self._queue.join()

    async def settled_within(self, within_s: float) -> bool:
        """Like `settled()` but gives up after `within_s`; True when everything was applied."""
        try:
            await asyncio.wait_for(self._queue.join(), within_s)
        except TimeoutError:
            return False
        return True

    async def run(self) -> None:
        """Apply events forever; an event that breaks a transition is logged and skipped."""
        while True:
            event = await self._queue.get()
            try:
                now = self.clock()
                if isinstance(event, TopologyChanged):  # the topology changes with the state
                    self.state, self.topo, effects = reconfigure(
                        self.state, self.topo, event.topo, now
                    )
                else:
                    self.state, effects = apply(self.state, event, self.topo, now)
                self.applied += 1
                if effects:
                    self.sink(effects)
            except Exception:
                log.exception("event could not be applied", event=repr(event)[:300])
            finally:
                self._queue.task_done()
