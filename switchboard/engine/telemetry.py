"""What a running engine reports at scrape time (Prometheus) and to systemd (STATUS=)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from switchboard.core.state import AgentStatus

if TYPE_CHECKING:
    from switchboard.engine.app import Engine


class EngineCollector:
    """Gauges and counters read from the engine's live state and adapters on each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry need not call `collect()` at registration."""
        return []

    def collect(self) -> Iterator[Metric]:
        """Every metric family, from one consistent snapshot of the live state."""
        yield from self._live()
        yield from self._agi()
        yield from self._ami()
        yield from self._store()
        yield from self._engine()

    def _live(self) -> Iterator[Metric]:
        e = self.engine
        state, topo, now = e.live.state, e.live.topo, e.clock()
        tenants = sorted(topo.home_agents)
        by = Counter(
            (topo.agents[aid].home if aid in topo.agents else "", agent.status(now).value)
            for aid, agent in state.agents.items()
        )
        agents = GaugeMetricFamily(
            "switchboard_agents", "Agents by state and home tenant", labels=("tenant", "state")
        )
        for tenant in sorted({*tenants, *(t for t, _ in by)}):
            for status in AgentStatus:
                agents.add_metric((tenant, status.value), by.get((tenant, status.value), 0))
        yield agents
        waiting = GaugeMetricFamily(
            "switchboard_calls_waiting", "Callers waiting for an operator", labels=("tenant",)
        )
        longest = GaugeMetricFamily(
            "switchboard_longest_wait_seconds", "The longest current wait", labels=("tenant",)
        )
        for tenant in sorted({*tenants, *state.waiting}):
            calls = [state.calls[cid] for cid in state.waiting.get(tenant, frozenset())]
            waiting.add_metric((tenant,), len(calls))
            longest.add_metric((tenant,), max((c.waited(now) for c in calls), default=0.0))
        yield waiting
        yield longest
        yield _gauge("switchboard_calls_live", "Calls the engine tracks now", len(state.calls))
        yield _counter("switchboard_events_applied", "Events applied by the writer", e.live.applied)
        yield _gauge("switchboard_events_backlog", "Events waiting for the writer", e.live.backlog)

    def _agi(self) -> Iterator[Metric]:
        s = self.engine.agi.stats
        yield _gauge(
            "switchboard_agi_listening", "1 while FastAGI accepts", self.engine.agi.accepting
        )
        yield _gauge("switchboard_agi_active_sessions", "FastAGI sessions in progress", s.active)
        yield _counter("switchboard_agi_connections", "FastAGI connections accepted", s.accepted)
        yield _counter("switchboard_agi_sessions", "FastAGI sessions run by a handler", s.sessions)
        yield _counter("switchboard_agi_answered", "FastAGI sessions answered", s.answered)
        yield _counter("switchboard_agi_errors", "FastAGI protocol and handler errors", s.errors)
        yield _counter(
            "switchboard_agi_deadline_misses",
            "FastAGI sessions closed at their deadline (header or answer)",
            s.timeouts,
        )
        refused = CounterMetricFamily(
            "switchboard_agi_refused", "FastAGI connections refused", labels=("reason",)
        )
        refused.add_metric(("peer",), s.refused_peer)
        refused.add_metric(("busy",), s.refused_busy)
        yield refused

    def _ami(self) -> Iterator[Metric]:
        ami = self.engine.ami
        up = GaugeMetricFamily(
            "switchboard_ami_connected", "1 while logged in", labels=("connection",)
        )
        logins = CounterMetricFamily("switchboard_ami_logins", "AMI logins", labels=("connection",))
        again = CounterMetricFamily(
            "switchboard_ami_reconnects", "AMI logins after the first", labels=("connection",)
        )
        timeouts = CounterMetricFamily(
            "switchboard_ami_action_timeouts", "AMI actions without a reply", labels=("connection",)
        )
        lost = CounterMetricFamily(
            "switchboard_ami_lost_actions", "AMI actions lost with the link", labels=("connection",)
        )
        for conn in (ami.events, ami.actions):
            up.add_metric((conn.name,), conn.connected)
            logins.add_metric((conn.name,), conn.stats.connects)
            again.add_metric((conn.name,), max(0, conn.stats.connects - 1))
            timeouts.add_metric((conn.name,), conn.stats.action_timeouts)
            lost.add_metric((conn.name,), conn.stats.lost_actions)
        yield from (up, logins, again, timeouts, lost)
        yield _gauge(
            "switchboard_ami_deliverable",
            "1 while both logins are up and the state was read on them",
            self.engine.bridge.deliverable,
        )
        yield _counter(
            "switchboard_ami_snapshots", "State snapshots read", self.engine.bridge.snapshots
        )
        yield _counter("switchboard_ami_events", "AMI events received", ami.stats.events)
        yield _counter(
            "switchboard_ami_dropped_events", "AMI events dropped", ami.stats.dropped_events
        )

    def _store(self) -> Iterator[Metric]:
        store = getattr(self.engine, "store", None)
        if store is None:
            return
        h = store.health
        yield _gauge("switchboard_store_writable", "1 while the last write succeeded", h.writable)
        yield _gauge("switchboard_store_pending_writes", "Writes queued for the store", h.pending)
        yield _counter("switchboard_store_writes", "Items written to the store", h.writes)
        yield _counter("switchboard_store_write_failures", "Failed store commits", h.failures)
        yield _counter("switchboard_store_dropped", "Writes dropped while failing", h.dropped)

    def _engine(self) -> Iterator[Metric]:
        e = self.engine
        status = e.reloader.status
        yield _gauge("switchboard_config_generation", "Configuration generation", status.generation)
        yield _gauge(
            "switchboard_config_last_reload_success",
            "0 when the last reload was rejected",
            status.ok,
        )
        if status.at is not None:
            yield _gauge(
                "switchboard_config_last_reload_timestamp_seconds", "Last reload", status.at
            )
        restarts = CounterMetricFamily(
            "switchboard_task_restarts", "Background task restarts", labels=("task",)
        )
        for task, count in sorted(e.supervisor.restarts.items()):
            restarts.add_metric((task,), count)
        yield restarts
        effects = getattr(e, "effects", None)
        if effects is not None:
            yield _counter(
                "switchboard_offers_delivered", "Offers Asterisk accepted", effects.delivered
            )


def status_line(engine: Engine) -> str:
    """One line for `systemctl status`: AMI state, calls waiting, agents available."""
    state, now = engine.live.state, engine.clock()
    if engine.bridge.deliverable:
        ami = "AMI ready"
    else:
        ami = "AMI logged in, reading state" if engine.ami.connected else "AMI down"
    waiting = sum(len(ids) for ids in state.waiting.values())
    logged_in = sum(1 for a in state.agents.values() if a.logged_in)
    available = sum(1 for a in state.agents.values() if a.status(now) is AgentStatus.AVAILABLE)
    generation = engine.reloader.status.generation
    return (
        f"{ami}; {waiting} calls waiting; {available} of {logged_in} agents logged in available; "
        f"config generation {generation}"
    )


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=float(value))


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, value=float(value))
