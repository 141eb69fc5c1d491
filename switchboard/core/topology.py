"""Static facts about agents, tenants and queues, compiled once from the configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from switchboard.core.rules import OverflowRule, RoutingTable


@dataclass(frozen=True, slots=True)
class AgentInfo:
    """What the configuration says about one agent."""

    id: str
    device: str
    home: str
    serves: tuple[str, ...]
    skills: Mapping[str, int]
    languages: tuple[str, ...]
    order: int


@dataclass(frozen=True, slots=True)
class QueueInfo:
    """The tenant and service behind an Asterisk queue name, for calls the engine did not route."""

    tenant: str
    service: str
    tag: str
    priority: int
    skills: tuple[str, ...]
    target_answer_s: int
    overflow: tuple[OverflowRule, ...]
    wrapup_s: int


@dataclass(frozen=True, slots=True)
class Topology:
    """Agents, who serves which tenant, who may be borrowed by whom, and the queue map."""

    agents: Mapping[str, AgentInfo]
    by_device: Mapping[str, str]
    serving: Mapping[str, tuple[str, ...]]
    home_agents: Mapping[str, tuple[str, ...]]
    borrowers: Mapping[str, tuple[str, ...]]
    queues: Mapping[str, QueueInfo]
    selection: str
    offer_timeout_s: int
    misses_before_pause: int
    wrapup_s: int
    sticky_agent_s: int
    retry_after_s: int = 30
    handle_time_s: int = 180  # assumed talk time until calls have been measured
    fallback_queue: str = "switchboard-fallback"
    deliver_context: str = "switchboard-deliver"  # a caller joining from it was not delivered
    numbers: Mapping[str, str] = field(default_factory=dict)  # E.164 number -> tenant
    main_queue: Mapping[str, str] = field(default_factory=dict)  # tenant -> its main queue
    country_code: str = "46"
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    retiring: frozenset[str] = frozenset()  # removed by a reload while busy: cannot log in

    def local_day(self, now: float) -> int:
        """The engine's local calendar day at `now` (counters reset at its midnight)."""
        return datetime.fromtimestamp(now, self.zone).toordinal()

    def local_midnight(self, now: float) -> float:
        """The timestamp of the engine's last local midnight at or before `now`."""
        local = datetime.fromtimestamp(now, self.zone)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def wrapup_for(self, queue: str) -> int:
        """Wrap-up seconds after a call from `queue` (its service's, tenant's or the default)."""
        info = self.queues.get(queue)
        return self.wrapup_s if info is None else info.wrapup_s


@dataclass(frozen=True, slots=True)
class Absent:
    """What the engine routes to that Asterisk does not have (empty: Asterisk matches)."""

    queues: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.queues or self.devices)

    def describe(self) -> str:
        """One line for ops."""
        parts = []
        if self.queues:
            parts.append("queue(s) " + ", ".join(self.queues))
        if self.devices:
            parts.append("operator device(s) " + ", ".join(self.devices))
        return "Asterisk has no " + " and no ".join(parts)


def absent_from_asterisk(topo: Topology, queues: Iterable[str], devices: Iterable[str]) -> Absent:
    """The queues (QueueStatus) and PJSIP operator devices (DeviceStateList) the engine routes
    to that Asterisk lacks.

    A PJSIP endpoint missing from pjsip.conf is absent from DeviceStateList even when a hint
    or queue member names it, while an unregistered one reads UNAVAILABLE [M: 22.10.1]; other
    technologies are not checked.
    """
    have_queues, have_devices = set(queues), set(devices)
    wanted = [*topo.queues, topo.fallback_queue]
    return Absent(
        queues=tuple(q for q in dict.fromkeys(wanted) if q not in have_queues),
        devices=tuple(
            a.device
            for a in topo.agents.values()
            if a.device.startswith("PJSIP/") and a.device not in have_devices
        ),
    )


def device_of_channel(channel: str) -> str:
    """`PJSIP/1001-0000002a` -> `PJSIP/1001` (the device part of a channel name)."""
    base, sep, _ = channel.rpartition("-")
    return base if sep else channel


def borrowers_from(table: RoutingTable) -> dict[str, tuple[str, ...]]:
    """Map partner tenant -> tenants whose overflow plans may borrow that partner's agents."""
    result: dict[str, set[str]] = {}
    for tid, tenant in table.tenants.items():
        plans = [tenant.overflow] + [s.overflow for s in tenant.services.values() if s.overflow]
        for plan in plans:
            for step in plan:
                for partner in step.partners:
                    result.setdefault(partner, set()).add(tid)
    return {k: tuple(sorted(v)) for k, v in result.items()}
