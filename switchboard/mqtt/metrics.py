"""The publisher's counters for Prometheus, read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from switchboard.mqtt.publisher import MqttPublisher


class MqttCollector:
    """`switchboard_mqtt_*`: link state, connects, events published and dropped, state sent."""

    def __init__(self, publisher: MqttPublisher) -> None:
        self.publisher = publisher

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry need not call `collect()` at registration."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Every family from the publisher's stats as they stand."""
        s = self.publisher.stats
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
