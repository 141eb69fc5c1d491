"""The static side of the views: names, tags, time zones and who belongs where, from the config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from switchboard.config.models import Config
from switchboard.core.topology import Topology


@dataclass(frozen=True, slots=True)
class TenantEntry:
    """One tenant as the views show it."""

    id: str
    name: str
    tag: str
    zone: ZoneInfo
    language: str
    queues: tuple[str, ...]
    home_agents: tuple[str, ...]
    serving: tuple[str, ...]  # every agent who answers for it, its home agents first
    target_answer_s: int = 30  # its main service's
    service_level_target: float = 0.8

    def local_day(self, at: float) -> int:
        """The tenant's local calendar day at `at` (its counters reset at its midnight)."""
        return datetime.fromtimestamp(at, self.zone).toordinal()


@dataclass(frozen=True, slots=True)
class AgentEntry:
    """One operator as the views show it."""

    id: str
    name: str | None
    home: str
    serves: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One Asterisk queue: the tenant and service behind it."""

    name: str
    tenant: str
    service: str
    target_answer_s: int


@dataclass(frozen=True, slots=True)
class Catalog:
    """Tenants, agents and queues by id, in configuration order."""

    tenants: Mapping[str, TenantEntry]
    agents: Mapping[str, AgentEntry]
    queues: Mapping[str, QueueEntry]
    short_abandon_s: float = 5.0  # abandons quicker stay out of the service level (reports too)

    def first_midnight(self, now: float) -> float:
        """The earliest of the tenants' last local midnights at `now` (their day's start)."""
        starts = [
            datetime.fromtimestamp(now, t.zone)
            .replace(hour=0, minute=0, second=0, microsecond=0)
            .timestamp()
            for t in self.tenants.values()
        ]
        return min(starts, default=now)

    def home_of(self, agent: str | None) -> str | None:
        """The agent's home tenant (None for an unknown or missing agent)."""
        entry = self.agents.get(agent) if agent is not None else None
        return entry.home if entry is not None else None


def catalog_of(config: Config, topo: Topology) -> Catalog:
    """Build the catalog from a validated configuration and its compiled topology."""
    queues = {
        name: QueueEntry(name, q.tenant, q.service, q.target_answer_s)
        for name, q in topo.queues.items()
    }
    tenants = {
        tid: TenantEntry(
            id=tid,
            name=t.name,
            tag=t.tag,
            zone=ZoneInfo(t.timezone),
            language=t.language,
            queues=tuple(n for n, q in queues.items() if q.tenant == tid),
            home_agents=tuple(topo.home_agents.get(tid, ())),
            serving=tuple(topo.serving.get(tid, ())),
            target_answer_s=t.services[t.main_service].target_answer_s,
            service_level_target=t.service_level_target,
        )
        for tid, t in config.tenants.items()
    }
    agents = {
        aid: AgentEntry(aid, a.name, a.home, a.serves) for aid, a in sorted(config.agents.items())
    }
    return Catalog(tenants, agents, queues, config.reports.short_abandon_s)
