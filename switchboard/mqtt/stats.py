"""What the publisher did so far (Prometheus: `MqttCollector`) and how it is now (/readyz)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from pydantic import BaseModel, ConfigDict


@dataclass
class PublisherStats:
    """Counters since the engine started, plus the link's present state; read, never reset."""

    connected: bool = False
    connects: int = 0  # successful connections (the first one included)
    connect_failures: int = 0
    disconnects: int = 0  # connections lost after they were up
    events_published: int = 0  # call event messages the broker accepted
    events_dropped: int = 0  # call milestones dropped from the full buffer, oldest first
    state_published: int = 0  # retained state messages the broker accepted
    state_unchanged: int = 0  # state recomputed but equal to what the broker holds
    publish_failures: int = 0
    buffered: int = 0  # call milestones waiting to be published
    last_error: str | None = None
    changed_at: float | None = None  # wall time of the last connect or disconnect


class MqttHealth(BaseModel):
    """The publisher's health for /readyz: reported, never required for readiness."""

    model_config = ConfigDict(frozen=True)

    state: Literal["connected", "connecting", "down"]
    broker: str
    since: float | None
    buffered: int
    dropped: int
    last_error: str | None


def health_of(stats: PublisherStats, broker: str) -> MqttHealth:
    """The health a publisher with these counters reports."""
    if stats.connected:
        state: Literal["connected", "connecting", "down"] = "connected"
    else:
        state = "down" if stats.last_error else "connecting"
    return MqttHealth(
        state=state,
        broker=broker,
        since=stats.changed_at,
        buffered=stats.buffered,
        dropped=stats.events_dropped,
        last_error=stats.last_error,
    )


def probe_of(health: MqttHealth) -> tuple[bool, str]:
    """The /readyz check: connected, else why not and what waits."""
    if health.state == "connected":
        return True, f"connected to {health.broker}"
    why = f": {health.last_error}" if health.last_error else ""
    return (
        False,
        f"{health.state}{why}; {health.buffered} events buffered, {health.dropped} dropped",
    )


class MqttCollector:
    """`switchboard_mqtt_*`: link state, connects, events published and dropped, state sent."""

    def __init__(self, stats: PublisherStats) -> None:
        self.stats = stats

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry need not call `collect()` at registration."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Every family from the publisher's stats as they stand."""
        s = self.stats
        yield GaugeMetricFamily(
            "switchboard_mqtt_connected", "1 while the broker link is up", value=float(s.connected)
        )
        yield GaugeMetricFamily(
            "switchboard_mqtt_buffered_events",
            "Call milestones waiting to be published",
            s.buffered,
        )
        for name, doc, value in (
            ("connects", "Connections made to the broker", s.connects),
            ("connect_failures", "Connection attempts that failed", s.connect_failures),
            ("disconnects", "Connections lost after they were up", s.disconnects),
            ("events_published", "Call event messages the broker accepted", s.events_published),
            ("events_dropped", "Call milestones dropped from the full buffer", s.events_dropped),
            ("state_published", "Retained state messages the broker accepted", s.state_published),
            ("publish_failures", "Publishes that failed", s.publish_failures),
        ):
            yield CounterMetricFamily(f"switchboard_mqtt_{name}", doc, value=float(value))
