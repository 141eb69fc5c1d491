"""The AMI facade: an events login feeding isolated consumers and an `Events: off` login for actions."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from switchboard.asterisk.ami.backoff import Backoff
from switchboard.asterisk.ami.connection import AmiConnection, Opener, Sleep
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.options import AmiOptions
from switchboard.asterisk.ami.protocol import Fields

log = structlog.get_logger(__name__)

Handler = Callable[[AmiMessage], Awaitable[object] | None]


@dataclass
class ClientStats:
    """Event-dispatch counters (connection counters live on each AmiConnection.stats)."""

    events: int = 0
    consumer_errors: int = 0
    dropped_events: int = 0


class AmiClient:
    """Owns two AMI logins; a slow consumer never delays action replies (FACTS: second login)."""

    def __init__(
        self,
        options: AmiOptions,
        *,
        on_connect: Callable[[AmiClient], Awaitable[None]] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        on_actions_connect: Callable[[AmiClient], Awaitable[None]] | None = None,
        on_actions_disconnect: Callable[[], None] | None = None,
        queue_size: int = 10_000,
        backoff: Callable[[], Backoff] = Backoff,
        sleep: Sleep = asyncio.sleep,
        open_connection: Opener = asyncio.open_connection,
    ) -> None:
        self.options = options
        self.stats = ClientStats()
        self.queue_size = queue_size
        self._on_connect = on_connect
        self._subscriptions: list[Subscription] = []
        self._listeners: list[tuple[str, Callable[[AmiMessage], None]]] = []
        self.events = AmiConnection(
            options,
            name="events",
            events=True,
            on_event=self._dispatch,
            on_connect=self._events_connected,
            on_disconnect=on_disconnect,
            backoff=backoff(),
            sleep=sleep,
            open_connection=open_connection,
        )
        self._on_actions_connect = on_actions_connect
        self.actions = AmiConnection(
            options,
            name="actions",
            events=False,
            on_connect=self._actions_connected if on_actions_connect else None,
            on_disconnect=on_actions_disconnect,
            backoff=backoff(),
            sleep=sleep,
            open_connection=open_connection,
        )

    @property
    def connected(self) -> bool:
        """True while both logins are up."""
        return self.events.connected and self.actions.connected

    def start(self) -> None:
        """Start both supervised connections (call inside the running loop)."""
        self.actions.start()
        self.events.start()

    async def wait_ready(self, within_s: float) -> None:
        """Wait for both logins; AmiAuthError if refused, TimeoutError after `within_s`."""
        async with asyncio.timeout(within_s):
            await self.actions.wait_connected(within_s)
            await self.events.wait_connected(within_s)

    async def close(self) -> None:
        """Log off both connections and stop every consumer task."""
        for sub in self._subscriptions:
            sub.cancel()
        await asyncio.gather(*(s.task for s in self._subscriptions), return_exceptions=True)
        self._subscriptions.clear()
        await asyncio.gather(self.events.close(), self.actions.close())

    async def send_action(
        self, action: str, fields: Fields = (), *, timeout_s: float | None = None
    ) -> AmiMessage:
        """Send once over the actions login; see AmiConnection.send_action."""
        return await self.actions.send_action(action, fields, timeout_s=timeout_s)

    async def list_action(
        self, action: str, fields: Fields = (), *, timeout_s: float | None = None
    ) -> list[AmiMessage]:
        """Collect a list action's items over the actions login; see AmiConnection.list_action."""
        return await self.actions.list_action(action, fields, timeout_s=timeout_s)

    def subscribe(
        self, handler: Handler, *, name: str, queue_size: int | None = None
    ) -> Subscription:
        """Deliver every event to `handler` (sync or async) from its own task and bounded queue."""
        sub = Subscription(name, handler, queue_size or self.queue_size, self.stats)
        self._subscriptions.append(sub)
        return sub

    def listen(self, handler: Callable[[AmiMessage], None], *, name: str) -> None:
        """Call a quick, never-blocking `handler` for every event from the reader itself (no
        queue or task in between); its exceptions are logged and counted, never raised."""
        self._listeners.append((name, handler))

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to `sub` and cancel its task."""
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)
        sub.cancel()

    async def _events_connected(self) -> None:
        if self._on_connect is None:
            return
        # The hook snapshots state over the actions login, so wait for it; failing here
        # ends the events session and the backoff retries the whole reconnect.
        await self.actions.wait_connected(self.options.connect_timeout + self.options.login_timeout)
        await self._on_connect(self)

    @property
    def epoch(self) -> tuple[int, int]:
        """Changes whenever either login is made again (state learnt before may be stale)."""
        return (self.events.stats.connects, self.actions.stats.connects)

    async def _actions_connected(self) -> None:
        if self._on_actions_connect is not None:
            await self._on_actions_connect(self)

    def _dispatch(self, msg: AmiMessage) -> None:
        self.stats.events += 1
        for name, handler in self._listeners:
            try:
                handler(msg)
            except Exception:
                self.stats.consumer_errors += 1
                log.exception("ami.consumer_failed", consumer=name, event_name=msg.event)
        for sub in self._subscriptions:
            if not sub.offer(msg):
                self.stats.dropped_events += 1
                # Events are not replayable (FACTS): a lost one can only be repaired by the
                # snapshot that on_connect takes, so force a reconnect rather than drift.
                self.events.drop(f"consumer {sub.name} fell {sub.queue.maxsize} events behind")


class Subscription:
    """One consumer: a bounded queue drained by a named task; its exceptions are logged and counted."""

    def __init__(self, name: str, handler: Handler, queue_size: int, stats: ClientStats) -> None:
        self.name = name
        self.queue: asyncio.Queue[AmiMessage] = asyncio.Queue(queue_size)
        self._handler = handler
        self._stats = stats
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"ami-consumer-{name}")

    def offer(self, msg: AmiMessage) -> bool:
        """Queue without blocking the reader; False if the consumer is too far behind."""
        try:
            self.queue.put_nowait(msg)
        except asyncio.QueueFull:
            return False
        return True

    def cancel(self) -> None:
        """Stop the consumer task."""
        self.task.cancel()

    async def _run(self) -> None:
        while True:
            msg = await self.queue.get()
            try:
                result = self._handler(msg)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                self._stats.consumer_errors += 1
                log.exception("ami.consumer_failed", consumer=self.name, event_name=msg.event)
