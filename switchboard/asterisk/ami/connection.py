"""One AMI login over TCP: reconnect with backoff, keep-alive Ping, action and list correlation."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from switchboard.asterisk.ami.backoff import Backoff
from switchboard.asterisk.ami.errors import (
    AmiActionError,
    AmiActionTimeout,
    AmiAuthError,
    AmiConnectionLost,
    AmiError,
    AmiNotConnected,
)
from switchboard.asterisk.ami.message import AmiMessage
from switchboard.asterisk.ami.options import AmiOptions
from switchboard.asterisk.ami.pending import Pending, Reply
from switchboard.asterisk.ami.protocol import AmiParser, Fields, encode_action

log = structlog.get_logger(__name__)

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Opener = Callable[[str, int], Awaitable[Streams]]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class ConnectionStats:
    """Counters for metrics; they only ever grow."""

    connects: int = 0
    messages: int = 0
    parse_errors: int = 0
    action_timeouts: int = 0
    lost_actions: int = 0
    ping_failures: int = 0
    unmatched_responses: int = 0
    event_errors: int = 0


class AmiConnection:
    """A supervised AMI session; actions are sent once, never queued and never re-sent."""

    def __init__(
        self,
        options: AmiOptions,
        *,
        name: str = "ami",
        events: bool = True,
        on_event: Callable[[AmiMessage], None] | None = None,
        on_connect: Callable[[], Awaitable[None]] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        open_connection: Opener = asyncio.open_connection,
    ) -> None:
        self.options = options
        self.name = name
        self.events = events
        self.stats = ConnectionStats()
        self._on_event = on_event
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._open = open_connection
        self._ids = itertools.count(1)
        self._id_prefix = f"{name}-{secrets.token_hex(3)}"
        self._pending: dict[str, Pending] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._ready = False
        self._closing = False
        self._fatal: AmiAuthError | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.round_trip_listeners: list[Callable[[str, str, float], None]] = []  # (conn, action, s)

    @property
    def connected(self) -> bool:
        """True between a successful login and the loss of that TCP session."""
        return self._ready

    def start(self) -> None:
        """Start the supervising task (connect, login, serve, reconnect until close)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._supervise(), name=f"ami-{self.name}"
            )

    async def wait_connected(self, within_s: float) -> None:
        """Return once logged in; raise AmiAuthError if login was refused, TimeoutError on timeout."""
        async with asyncio.timeout(within_s):
            while not self._ready:
                if self._fatal is not None:
                    raise self._fatal
                await self._changed.wait()

    async def close(self) -> None:
        """Log off (best effort), stop reconnecting and end the supervising task."""
        self._closing = True
        if self._ready:
            with contextlib.suppress(AmiError):
                await self.send_action("Logoff", timeout_s=1.0)
        self.drop("closing")
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def drop(self, reason: str) -> None:
        """Abort the current TCP session; pending actions fail; a reconnect follows unless closing."""
        if self._writer is not None:
            log.warning("ami.drop", conn=self.name, reason=reason)
            self._writer.transport.abort()

    async def send_action(
        self, action: str, fields: Fields = (), *, timeout_s: float | None = None
    ) -> AmiMessage:
        """Send once and return the response; AmiActionError on `Response: Error`."""
        response, _ = await self._request(action, fields, timeout_s, is_list=False)
        return response

    async def list_action(
        self, action: str, fields: Fields = (), *, timeout_s: float | None = None
    ) -> list[AmiMessage]:
        """Send a list action (QueueStatus, CoreShowChannels...) and return its items in order."""
        _, items = await self._request(action, fields, timeout_s, is_list=True)
        return items

    async def _request(
        self,
        action: str,
        fields: Fields,
        timeout_s: float | None,
        *,
        is_list: bool,
        login: bool = False,
    ) -> Reply:
        writer = self._writer
        if writer is None or not (self._ready or login):
            raise AmiNotConnected(f"AMI {self.name} is not connected; {action} was not sent")
        action_id = f"{self._id_prefix}-{next(self._ids)}"
        data = encode_action(action, action_id, fields)
        pending = Pending(action, asyncio.get_running_loop(), is_list)
        self._pending[action_id] = pending
        limit = self.options.action_timeout if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(limit):
                writer.write(data)
                await writer.drain()
                return await pending.future
        except TimeoutError:
            self.stats.action_timeouts += 1
            raise AmiActionTimeout(
                f"AMI {self.name}: no reply to {action} ({action_id}) in {limit} s"
            ) from None
        except ConnectionError as exc:
            raise AmiConnectionLost(
                f"AMI {self.name}: {action} ({action_id}) not delivered: {exc!r}"
            ) from exc
        finally:
            self._pending.pop(action_id, None)

    async def _supervise(self) -> None:
        while not self._closing:
            try:
                await self._session()
            except AmiAuthError as exc:
                self._fatal = exc
                log.error("ami.login_refused", conn=self.name, error=str(exc))
                self._notify()
                return
            except Exception as exc:
                log.warning("ami.session_ended", conn=self.name, error=repr(exc))
            if self._closing:
                return
            delay = self._backoff.next_delay()
            log.info("ami.reconnect_wait", conn=self.name, delay_s=round(delay, 3))
            await self._sleep(delay)

    async def _session(self) -> None:
        opts = self.options
        async with asyncio.timeout(opts.connect_timeout):
            reader, writer = await self._open(opts.host, opts.port)
        parser = AmiParser(opts.max_message_bytes)
        loop = asyncio.get_running_loop()
        self._writer = writer
        reading = loop.create_task(self._read_loop(reader, parser), name=f"ami-{self.name}-read")
        pinging: asyncio.Task[None] | None = None
        try:
            await self._login()
            self._ready = True
            self.stats.connects += 1
            self._notify()
            log.info("ami.connected", conn=self.name, banner=parser.banner, events=self.events)
            pinging = loop.create_task(self._keepalive(), name=f"ami-{self.name}-ping")
            if self._on_connect is not None:
                await self._on_connect()
            # Reset only now: a hook that keeps failing must not reconnect at the initial delay.
            self._backoff.reset()
            await reading
        finally:
            was_ready, self._ready, self._writer = self._ready, False, None
            writer.transport.abort()
            tasks = [t for t in (pinging, reading) if t is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._fail_pending()
            self.stats.parse_errors += parser.errors
            self._notify()
            if was_ready and self._on_disconnect is not None:
                self._on_disconnect()

    async def _login(self) -> None:
        user = self.options.username
        fields = {
            "Username": user,
            "Secret": self.options.secret,
            "Events": "on" if self.events else "off",
        }
        try:
            await self._request(
                "Login", fields, self.options.login_timeout, is_list=False, login=True
            )
        except AmiActionError as exc:
            raise AmiAuthError(
                f"AMI {self.name}: login as {user!r} refused: {exc.message}"
            ) from None

    async def _read_loop(self, reader: asyncio.StreamReader, parser: AmiParser) -> None:
        try:
            while data := await reader.read(self.options.read_size):
                messages = parser.feed(data)
                self.stats.messages += len(messages)
                for message in messages:
                    self._route(message)
        finally:
            self._fail_pending()

    async def _keepalive(self) -> None:
        opts = self.options
        while True:
            await asyncio.sleep(opts.ping_interval)
            try:
                await self._request("Ping", (), opts.ping_timeout, is_list=False)
            except AmiActionTimeout:
                self.stats.ping_failures += 1
                self.drop(f"no Ping reply within {opts.ping_timeout} s (half-open connection?)")
                return
            except AmiError:
                return

    def _route(self, msg: AmiMessage) -> None:
        action_id = msg.action_id
        pending = self._pending.get(action_id) if action_id is not None else None
        if pending is not None and not pending.future.done():
            if msg.response is not None:
                pending.on_response(msg)
                for listener in self.round_trip_listeners:
                    listener(self.name, pending.action, pending.elapsed())
                return
            # OriginateResponse carries the Originate's ActionID but also Privilege: a broadcast.
            if pending.is_list and not msg.is_broadcast:
                pending.on_item(msg)
                return
        if msg.event is not None:
            if self._on_event is not None:
                try:
                    self._on_event(msg)
                except Exception:
                    self.stats.event_errors += 1
                    log.exception("ami.event_sink_failed", conn=self.name, event_name=msg.event)
        elif msg.response is not None:
            self.stats.unmatched_responses += 1
            log.info("ami.unmatched_response", conn=self.name, action_id=action_id)

    def _fail_pending(self) -> None:
        for action_id, pending in list(self._pending.items()):
            if not pending.future.done():
                self.stats.lost_actions += 1
                pending.future.set_exception(
                    AmiConnectionLost(
                        f"AMI {self.name}: connection lost before {pending.action} ({action_id}) "
                        "was answered; it may have run and is not re-sent"
                    )
                )

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
