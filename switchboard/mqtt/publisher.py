"""The MQTT publisher: retained state and call events, never in the way of routing.

`observe()` runs inside the single writer and only appends to a bounded buffer and marks
views dirty; `run()` (a supervised task) connects, publishes up to IN_FLIGHT messages at once
(one wake-up of the loop for many), and reconnects with backoff.
Call events are delivered at least once; when the buffer is full the oldest are dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

import aiomqtt
import structlog

from switchboard.config.settings import MqttSettings
from switchboard.core.effects import CallChanged, Effect
from switchboard.mqtt.broker import (
    IN_FLIGHT,
    LEAVE_S,
    LINK_ERRORS,
    OFFLINE,
    ONLINE,
    Topics,
    abandon,
    broker,
    cancellable,
    client_id,
    leave,
    new_client,
    tls_context,
    watch,
)
from switchboard.mqtt.retained import Retained, changed_by, every_subject
from switchboard.mqtt.stats import MqttHealth, PublisherStats, health_of, probe_of
from switchboard.views.board import Board
from switchboard.views.changes import Subject
from switchboard.views.events import PUBLISHED, call_events
from switchboard.views.models import ConfigReport, View

log = structlog.get_logger("switchboard.mqtt")

FIRST_RETRY_S = 0.5
REFRESH_S = 30.0  # recompute every view this often: midnight resets, anything time alone moves
GOODBYE_S = 2.0  # at stop: flush and say offline within this, then disconnect


class MqttPublisher:
    """Publishes the board's views as retained state and call milestones as events."""

    def __init__(
        self,
        settings: MqttSettings,
        board: Board,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.board = board
        self.monotonic = monotonic
        self.topics = Topics(settings.topic_prefix)
        self.stats = PublisherStats()
        self.retained = Retained(settings.state_interval_ms / 1000)
        self.retained.mark(self._subjects())
        self._events: deque[CallChanged] = deque(maxlen=settings.buffer_events)
        self._wake = asyncio.Event()
        self._refresh_at = 0.0
        self._config: ConfigReport | None = None

    def observe(self, effects: Sequence[Effect]) -> None:
        """Buffer call milestones and mark what they change (an `Effects.observers` entry)."""
        for effect in effects:
            if isinstance(effect, CallChanged) and effect.milestone in PUBLISHED:
                if len(self._events) == self._events.maxlen:
                    self.stats.events_dropped += 1
                self._events.append(effect)
        marks = changed_by(effects, self.board.catalog)
        if marks:
            self.retained.mark(marks)
            self.stats.buffered = len(self._events)
            self._wake.set()

    def reloaded(self, status: Mapping[str, object]) -> None:
        """Publish the configuration's generation and last reload result (a reload observer)."""
        self._config = ConfigReport.model_validate(status)
        self.retained.mark(self._subjects())  # new tenants, agents, queues; gone ones cleared
        self._wake.set()

    def probe(self) -> tuple[bool, str]:
        """The /readyz check (added as not required): connected, else why not."""
        return probe_of(self.health())

    def health(self) -> MqttHealth:
        """The link now, for /readyz (MQTT is reported there, never required)."""
        return health_of(self.stats, broker(self.settings))

    async def run(self) -> None:
        """Connect, publish, reconnect with exponential backoff; cancel to stop (says offline)."""
        first = min(FIRST_RETRY_S, self.settings.reconnect_max_s)
        delay = first
        while True:
            try:
                await cancellable(self._session(), GOODBYE_S + LEAVE_S)
            except LINK_ERRORS as exc:
                was_up = self.stats.connected
                self._down(exc)
                delay = first if was_up else min(delay * 2, self.settings.reconnect_max_s)
                log.warning(
                    "mqtt link lost" if was_up else "mqtt broker unreachable",
                    broker=broker(self.settings),
                    error=self.stats.last_error,
                    retry_in_s=delay,
                )
            except asyncio.CancelledError:
                self.stats.connected = False
                raise
            except Exception as exc:  # a bug: the supervisor restarts run(); health says down
                self._down(exc)
                raise
            await asyncio.sleep(delay)

    async def _session(self) -> None:
        tls = self.settings.tls
        context = await asyncio.to_thread(tls_context, tls) if tls is not None else None
        client = new_client(self.settings, self.topics, context)
        try:
            await client.__aenter__()
        except LINK_ERRORS as exc:
            self.stats.connect_failures += 1
            self.stats.last_error = str(exc) or type(exc).__name__
            abandon(client)
            raise
        except asyncio.CancelledError:
            abandon(client)
            raise
        try:
            self._up()
            try:
                await self._publish(client, self.topics.status, ONLINE, retain=True)
                self.retained.forget()
                self.retained.mark(self._subjects())
                await self._serve(client)
            except asyncio.CancelledError:
                await self._goodbye(client)
                raise
        finally:
            await leave(client)

    async def _serve(self, client: aiomqtt.Client) -> None:
        watcher = asyncio.create_task(watch(client), name="mqtt-watch")
        pump = asyncio.create_task(self._pump(client), name="mqtt-pump")
        try:
            done, _ = await asyncio.wait({watcher, pump}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (watcher, pump):
                task.cancel()
            await asyncio.gather(watcher, pump, return_exceptions=True)
        for task in done:
            task.result()

    async def _pump(self, client: aiomqtt.Client) -> None:
        while True:
            self._wake.clear()  # before flushing: what is observed meanwhile wakes the next turn
            await self._flush_events(client)
            next_at = await self._flush_state(client)
            if self._events:
                continue
            now = self.monotonic()
            wait = min(self._refresh_at - now, next_at - now if next_at is not None else REFRESH_S)
            if wait > 0:
                try:
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                except TimeoutError:
                    pass

    async def _flush_events(self, client: aiomqtt.Client) -> None:
        catalog, include = self.board.catalog, self.settings.include_caller
        while self._events:
            batch = [self._events.popleft() for _ in range(min(IN_FLIGHT, len(self._events)))]
            messages = [
                (self.topics.call_event(e.tenant, e.event), e.model_dump_json().encode())
                for change in batch
                for e in call_events(change, catalog, include)
            ]
            try:
                await asyncio.gather(*(self._publish(client, t, p) for t, p in messages))
            except BaseException:
                room = (self._events.maxlen or 0) - len(self._events)
                kept = batch[max(0, len(batch) - room) :]  # the oldest go first
                self.stats.events_dropped += len(batch) - len(kept)
                self._events.extendleft(reversed(kept))  # published again after the reconnect
                raise
            else:
                self.stats.events_published += len(messages)
            finally:
                self.stats.buffered = len(self._events)

    async def _flush_state(self, client: aiomqtt.Client) -> float | None:
        now = self.monotonic()
        if now >= self._refresh_at:
            self._refresh_at = now + REFRESH_S
            self.retained.mark(self._subjects())
        ready, next_at = self.retained.due(now)
        for start in range(0, len(ready), IN_FLIGHT):
            chunk = ready[start : start + IN_FLIGHT]
            for subject in chunk:
                self.retained.take(subject)
            try:
                await asyncio.gather(*(self._publish_state(client, s) for s in chunk))
            except BaseException:
                self.retained.mark(chunk)  # published after the reconnect
                raise
        return next_at

    async def _publish_state(self, client: aiomqtt.Client, subject: Subject) -> None:
        view = self._view(subject)
        topic = self.topics.state(subject)
        # Recorded as held before the broker acknowledges: a failed publish means a reconnect,
        # which forgets everything held and publishes it all again.
        if view is None:  # gone from the configuration: clear its retained message
            self.retained.published(subject, None, self.monotonic())
            await self._publish(client, topic, b"", retain=True)
            return
        stable = view.stable_json()
        if self.retained.unchanged(subject, stable):
            self.stats.state_unchanged += 1
            return
        self.retained.published(subject, stable, self.monotonic())
        await self._publish(client, topic, view.model_dump_json().encode(), retain=True)
        self.stats.state_published += 1

    async def _goodbye(self, client: aiomqtt.Client) -> None:
        """Flush what is buffered and publish `offline`, within GOODBYE_S; never raises."""
        try:
            async with asyncio.timeout(GOODBYE_S):
                await self._flush_events(client)
                await self._flush_state(client)
                await self._publish(client, self.topics.status, OFFLINE, retain=True)
        except (*LINK_ERRORS, TimeoutError) as exc:
            log.warning("mqtt: offline not published at stop", error=str(exc))

    async def _publish(
        self, client: aiomqtt.Client, topic: str, payload: bytes, *, retain: bool = False
    ) -> None:
        try:
            await client.publish(topic, payload, qos=self.settings.qos, retain=retain)
        except LINK_ERRORS:
            self.stats.publish_failures += 1
            raise

    def _view(self, subject: Subject) -> View | None:
        kind, key = subject
        catalog = self.board.catalog
        if kind == "overview":
            return self.board.overview()
        if kind == "config":
            return self._config
        if kind == "tenant" and key in catalog.tenants:
            return self.board.tenant(key)
        if kind == "queue" and key in catalog.queues:
            return self.board.queue(key)
        if kind == "agent" and key in catalog.agents:
            return self.board.agent(key)
        return None

    def _subjects(self) -> set[Subject]:
        return every_subject(self.board.catalog) | set(self.retained.held)  # held but gone: cleared

    def _up(self) -> None:
        s = self.stats
        s.connected, s.connects, s.last_error, s.changed_at = (
            True,
            s.connects + 1,
            None,
            time.time(),
        )
        log.info(
            "mqtt connected",
            broker=broker(self.settings),
            client_id=client_id(self.settings),
            username=self.settings.username,
            tls=self.settings.tls is not None,
        )

    def _down(self, exc: BaseException) -> None:
        s = self.stats
        if s.connected:
            s.disconnects += 1
            s.changed_at = time.time()
        s.connected = False
        s.last_error = str(exc) or type(exc).__name__
