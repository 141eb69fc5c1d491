"""What the publisher did so far (for Prometheus) and how it is now (for /readyz)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
