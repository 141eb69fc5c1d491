"""The live stream's figures on /metrics: clients connected, opened, dropped, messages."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from switchboard.http.api.stream import StreamStats


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
        yield GaugeMetricFamily(
            "switchboard_stream_clients", "Live streams (/api/stream) open now", value=s.clients
        )
        yield CounterMetricFamily(
            "switchboard_stream_opened", "Live streams opened", value=s.opened
        )
        yield CounterMetricFamily(
            "switchboard_stream_dropped",
            "Live streams cut off because the client fell behind",
            value=s.dropped,
        )
        yield CounterMetricFamily(
            "switchboard_stream_messages", "Messages queued to live streams", value=s.messages
        )
