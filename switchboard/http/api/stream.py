"""Server-Sent Events: the same state changes as MQTT (views and call events), live.

`observe()` runs inside the single writer and only marks what changed. The hub's task builds
each changed view once per frame (at most every FRAME_S) and hands the encoded message to every
client's bounded queue without waiting: a client whose queue is full is dropped (its browser
reconnects and starts again from a snapshot), so a slow reader never slows routing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from switchboard.config.api import ApiSettings
from switchboard.core.effects import CallChanged, Effect
from switchboard.http.api.auth import Principal
from switchboard.http.api.binding import ApiError
from switchboard.http.api.context import ApiContext
from switchboard.views.build import overrides_of
from switchboard.views.changes import Subject, changed_by
from switchboard.views.events import PUBLISHED, call_events
from switchboard.views.history import WaitingHistory
from switchboard.views.models import View

FRAME_S = 0.2  # changes within this are sent together
TICK_S = 1.0  # the clock event; tenant views are rebuilt too (waits pass their targets)
EVENTS_KEPT = 2000  # call milestones waiting for the next frame


@dataclass(frozen=True, slots=True)
class Message:
    """One encoded SSE message and the tenants it concerns (None: everyone may see it)."""

    data: bytes
    tenants: frozenset[str] | None


@dataclass(eq=False)
class Client:
    """One connected stream: its principal, its bounded queue, its request (to cut it off)."""

    principal: Principal
    request: web.Request
    queue: asyncio.Queue[bytes | None]
    dropped: bool = False

    def offer(self, frame: bytes) -> bool:
        """Queue one frame; False when the queue is full (the client lags)."""
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            return False
        return True

    def end(self) -> None:
        """Stop its stream: the queue is emptied and closed; a stalled socket is aborted."""
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


@dataclass
class StreamStats:
    """For /metrics: streams open, opened, dropped for lagging, messages queued."""

    clients: int = 0
    opened: int = 0
    dropped: int = 0
    messages: int = 0


@dataclass
class Hub:
    """Fans the engine's changes out to every connected stream."""

    ctx: ApiContext
    settings: Callable[[], ApiSettings]
    monotonic: Callable[[], float] = time.monotonic
    clients: set[Client] = field(default_factory=set)
    history: WaitingHistory = field(default_factory=WaitingHistory)
    stats: StreamStats = field(default_factory=StreamStats)
    _dirty: set[Subject] = field(default_factory=set)
    _events: deque[CallChanged] = field(default_factory=lambda: deque(maxlen=EVENTS_KEPT))
    _sent: dict[Subject, str] = field(default_factory=dict)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def observe(self, effects: Sequence[Effect]) -> None:
        """Mark what these effects change (an `Effects.observers` entry); cheap, never blocks."""
        if not self.clients:
            return
        self._events.extend(
            e for e in effects if isinstance(e, CallChanged) and e.milestone in PUBLISHED
        )
        self._dirty |= changed_by(effects, self.ctx.board.catalog)
        self._wake.set()

    async def run(self) -> None:
        """Send a frame whenever something changed (at most every FRAME_S), a tick every second."""
        last_tick = 0.0
        while True:
            wait = max(0.0, last_tick + TICK_S - self.monotonic())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()
            tick = self.monotonic() - last_tick >= TICK_S
            if tick:
                last_tick = self.monotonic()
                self.history.sample(
                    self.ctx.state(), self.ctx.board.catalog.tenants, self.ctx.clock()
                )
            self.frame(tick)
            await asyncio.sleep(FRAME_S)  # a rate limit, not a synchronisation: frames coalesce

    def frame(self, tick: bool) -> None:
        """Encode what changed since the last frame and queue it for every client."""
        if not self.clients:
            self._events.clear()
            self._dirty.clear()
            self._sent.clear()
            return
        catalog = self.ctx.board.catalog
        messages: list[Message] = []
        while self._events:
            change = self._events.popleft()
            for event in call_events(change, catalog, include_caller=False):
                messages.append(_message("call", event.model_dump_json(), {event.tenant}))
        if tick:
            self._dirty |= {("tenant", t) for t in catalog.tenants} | {("overview", "")}
        dirty, self._dirty = self._dirty, set()
        for subject in sorted(dirty):
            found = self._view(subject)
            if found is None:
                continue
            view, tenants = found
            stable = view.stable_json()
            if self._sent.get(subject) != stable:
                self._sent[subject] = stable
                messages.append(_message(subject[0], view.model_dump_json(), tenants))
        if tick:
            messages.append(_message("tick", json.dumps({"at": round(self.ctx.clock(), 3)}), None))
        self.broadcast(messages)

    def broadcast(self, messages: Sequence[Message]) -> None:
        """Queue one frame of `messages` for every client (joined once per token scope); drop
        the clients that cannot keep up."""
        frames: dict[frozenset[str] | None, bytes] = {}
        for client in list(self.clients):
            scope = client.principal.tenants
            if scope not in frames:
                frames[scope] = b"".join(m.data for m in messages if _visible(m, scope))
            if frames[scope] and not client.offer(frames[scope]):
                self._drop(client)
        self.stats.messages += len(messages) * len(self.clients)

    async def serve(self, request: web.Request, principal: Principal) -> web.StreamResponse:
        """Stream to one client: a snapshot of everything it may see first, then the changes."""
        settings = self.settings()
        if len(self.clients) >= settings.max_clients:
            raise ApiError(
                503, f"too many live streams (engine.api.max_clients {len(self.clients)})"
            )
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        client = Client(principal, request, asyncio.Queue(settings.stream_buffer))
        # No await between the snapshot and joining: the next frame holds every later change.
        client.queue.put_nowait(self._snapshot(principal))
        self.clients.add(client)
        self.stats.opened += 1
        self.stats.clients = len(self.clients)
        self._wake.set()
        try:
            while (batch := await _batch(client.queue)) is not None:
                await response.write(batch)  # one write per wake-up, however many messages
        except (ConnectionError, RuntimeError):
            pass  # the client went away (or was cut off for lagging)
        finally:
            self.clients.discard(client)
            self.stats.clients = len(self.clients)
        return response

    def close(self) -> None:
        """End every stream (the engine stops)."""
        for client in list(self.clients):
            client.end()
        self.clients.clear()

    def _drop(self, client: Client) -> None:
        client.dropped = True
        self.clients.discard(client)
        self.stats.dropped += 1
        self.stats.clients = len(self.clients)
        client.end()
        transport = client.request.transport
        if transport is not None:
            transport.abort()  # a socket that stopped draining never finishes a write

    def _view(self, subject: Subject) -> tuple[View, frozenset[str] | None] | None:
        kind, key = subject
        board, catalog = self.ctx.board, self.ctx.board.catalog
        if kind == "overview":
            return board.overview(), None
        if kind == "tenant" and key in catalog.tenants:
            return board.tenant(key), frozenset({key})
        if kind == "queue" and key in catalog.queues:
            return board.queue(key), frozenset({catalog.queues[key].tenant})
        if kind == "agent" and key in catalog.agents:
            return board.agent(key), frozenset(catalog.agents[key].serves)
        return None

    def _snapshot(self, p: Principal) -> bytes:
        board, now = self.ctx.board, self.ctx.clock()
        catalog = board.catalog
        tenants = self.ctx.tenants(p)
        agents = [a for a, e in catalog.agents.items() if p.reads_any(e.serves) or p.agent == a]
        queues = [q for q, e in catalog.queues.items() if p.reads(e.tenant)]
        body = {
            "at": round(now, 3),
            "me": self.ctx.me(p).model_dump(mode="json"),
            "overview": board.overview().model_dump(mode="json"),
            "tenants": [board.tenant(t).model_dump(mode="json") for t in tenants],
            "queues": [board.queue(q).model_dump(mode="json") for q in queues],
            "agents": [board.agent(a).model_dump(mode="json") for a in agents],
            "overrides": [
                o.model_dump(mode="json")
                for o in overrides_of(self.ctx.state(), None, now)
                if p.reads(o.tenant)
            ],
            "history": {
                "step_s": self.history.step_s,
                "tenants": {t: self.history.points(t) for t in tenants},
            },
        }
        return _message("snapshot", json.dumps(body, ensure_ascii=False), None).data


def _visible(m: Message, scope: frozenset[str] | None) -> bool:
    return m.tenants is None or scope is None or bool(m.tenants & scope)


async def _batch(queue: asyncio.Queue[bytes | None]) -> bytes | None:
    """Everything queued now (waiting for the first); None once the stream is to end."""
    first = await queue.get()
    if first is None:
        return None
    chunks = [first]
    while not queue.empty():
        more = queue.get_nowait()
        if more is None:
            queue.put_nowait(None)  # end after writing what came before
            break
        chunks.append(more)
    return b"".join(chunks)


def _message(kind: str, data: str, tenants: frozenset[str] | set[str] | None) -> Message:
    scope = frozenset(tenants) if tenants is not None else None
    return Message(f"event: {kind}\ndata: {data}\n\n".encode(), scope)


class StreamCollector:
    """Reads the hub's StreamStats at scrape time."""

    def __init__(self, stats: StreamStats) -> None:
        self.stats = stats

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry need not call `collect()` at registration."""
        return []

    def collect(self) -> Iterator[Metric]:
        """switchboard_stream_clients, _opened_total, _dropped_total, _messages_total."""
        s = self.stats
        yield GaugeMetricFamily("switchboard_stream_clients", "Live streams open", value=s.clients)
        for name, doc, value in (
            ("opened", "Live streams (/api/stream) opened", s.opened),
            ("dropped", "Live streams cut off because the client fell behind", s.dropped),
            ("messages", "Messages queued to live streams", s.messages),
        ):
            yield CounterMetricFamily(f"switchboard_stream_{name}", doc, value=float(value))
