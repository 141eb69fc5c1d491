"""Prometheus metrics of one engine: its own registry, fed by hooks, served on `/metrics`.

Counters and histograms here are fed as things happen (call milestones from the core's
effects, routing decisions, AMI round trips, store commits, loop lag, reloads); gauges of the
live state are read at scrape time by collectors the engine registers on `registry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from switchboard.core.effects import CallChanged, Effect
from switchboard.core.state import Call

WAIT_BUCKETS = (1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600)
DECISION_BUCKETS = (2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05)
ROUND_TRIP_BUCKETS = (5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
LAG_BUCKETS = (1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
CALL = ("tenant", "service")


class Metrics:
    """The engine's instruments; the `on_*` hooks are cheap and safe from any thread."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        self.offered = Counter(
            "switchboard_calls_offered",
            "Calls offered to the switchboard: routed to a queue or found waiting in one",
            CALL,
            registry=r,
        )
        self.answered = Counter(
            "switchboard_calls_answered",
            "Calls answered by an operator (once each)",
            CALL,
            registry=r,
        )
        self.abandoned = Counter(
            "switchboard_calls_abandoned", "Callers who hung up before an answer", CALL, registry=r
        )
        self.overflowed = Counter(
            "switchboard_calls_overflowed",
            "Calls that reached an overflow step (once each)",
            CALL,
            registry=r,
        )
        self.ended = Counter(
            "switchboard_calls_ended", "Calls ended, by outcome", (*CALL, "outcome"), registry=r
        )
        self.milestones = Counter(
            "switchboard_call_milestones",
            "Call milestones: arrived, queued, offered (to an operator), answered, missed, ...",
            (*CALL, "milestone"),
            registry=r,
        )
        self.wait = Histogram(
            "switchboard_call_wait_seconds",
            "Answered calls: wait from joining the queue to the answer",
            CALL,
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self.decision = Histogram(
            "switchboard_route_decision_seconds",
            "Time of one routing decision (decide()) in the route FastAGI script",
            buckets=DECISION_BUCKETS,
            registry=r,
        )
        self.ami_action = Histogram(
            "switchboard_ami_action_seconds",
            "AMI action round trips that got a reply, by login and action",
            ("connection", "action"),
            buckets=ROUND_TRIP_BUCKETS,
            registry=r,
        )
        self.store_write = Histogram(
            "switchboard_store_write_seconds",
            "Store batch commits that succeeded",
            buckets=ROUND_TRIP_BUCKETS,
            registry=r,
        )
        self.loop_lag = Histogram(
            "switchboard_event_loop_lag_seconds",
            "How late a periodic timer fired on the event loop",
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.reloads = Counter(
            "switchboard_config_reloads",
            "Configuration reloads, by result",
            ("result",),
            registry=r,
        )
        self._overflowed: set[str] = set()
        self._children: dict[tuple[Counter | Histogram, tuple[str, ...]], Any] = {}

    def on_effects(self, effects: Sequence[Effect]) -> None:
        """Effects observer: count the call milestones."""
        for effect in effects:
            if isinstance(effect, CallChanged):
                self._milestone(effect.call, effect.milestone)

    def on_decision(self, seconds: float) -> None:
        """One routing decision took `seconds`."""
        self.decision.observe(seconds)

    def on_ami_action(self, connection: str, action: str, seconds: float) -> None:
        """An AMI action got its reply after `seconds`."""
        self.ami_action.labels(connection, action).observe(seconds)

    def on_store_write(self, seconds: float, _items: int, ok: bool) -> None:
        """Store writer listener (runs on the writer thread)."""
        if ok:
            self.store_write.observe(seconds)

    def on_loop_lag(self, seconds: float) -> None:
        """A timer fired `seconds` late."""
        self.loop_lag.observe(seconds)

    def render(self) -> bytes:
        """The Prometheus text exposition of every metric."""
        return generate_latest(self.registry)

    def _milestone(self, call: Call, milestone: str) -> None:
        labels = (call.tenant, call.service)
        self._child(self.milestones, *labels, milestone).inc()
        if milestone == "arrived":
            self._child(self.offered, *labels).inc()
        elif milestone == "answered" and sum(a.answered_at is not None for a in call.attempts) == 1:
            self._child(self.answered, *labels).inc()
            since = call.waiting_since if call.waiting_since is not None else call.arrived_at
            if call.answered_at is not None:
                self._child(self.wait, *labels).observe(max(0.0, call.answered_at - since))
        elif milestone == "overflowed" and call.id not in self._overflowed:
            self._overflowed.add(call.id)
            self._child(self.overflowed, *labels).inc()
        elif milestone == "ended":
            self._overflowed.discard(call.id)
            self._child(self.ended, *labels, call.outcome or "").inc()
            if call.outcome == "abandoned":
                self._child(self.abandoned, *labels).inc()

    def _child(self, metric: Counter | Histogram, *labels: str) -> Any:
        """`metric.labels(*labels)`, looked up once (labels() checks and locks on every call)."""
        child = self._children.get((metric, labels))
        if child is None:
            child = self._children[metric, labels] = metric.labels(*labels)
        return child


def routes(metrics: Metrics) -> list[web.RouteDef]:
    """GET /metrics."""

    async def scrape(_: web.Request) -> web.Response:
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/metrics", scrape)]
