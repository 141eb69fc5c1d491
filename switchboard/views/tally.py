"""Today's figures per tenant and each agent's status-since, folded from the core's effects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from immutables import Map

from switchboard.core.effects import AgentChanged, CallChanged, Effect
from switchboard.core.state import AgentStatus, Call
from switchboard.views.catalog import Catalog


@dataclass(frozen=True, slots=True)
class TenantDay:
    """One tenant's counters for one local day (`day` is the date's ordinal in its zone)."""

    day: int = 0
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    turned_away: int = 0
    answered_by_partners: int = 0  # its callers answered by another tenant's home operators
    answered_for_partners: int = 0  # other tenants' callers answered by its home operators


@dataclass(frozen=True, slots=True)
class Tally:
    """The accumulator: tenant days, live calls already counted, agent status changes."""

    started_at: float
    days: Map[str, TenantDay] = field(default_factory=Map)
    seen: Map[str, str] = field(default_factory=Map)  # live call id -> tenant, counted offered
    since: Map[str, tuple[AgentStatus, float]] = field(default_factory=Map)

    def today(self, catalog: Catalog, tenant: str, now: float) -> TenantDay:
        """The tenant's counters for its local day at `now` (zeros once its midnight passed)."""
        entry = catalog.tenants.get(tenant)
        day = entry.local_day(now) if entry is not None else 0
        counted = self.days.get(tenant)
        return counted if counted is not None and counted.day == day else TenantDay(day=day)

    def status_since(self, agent: str) -> float:
        """When the agent's status last changed (the tally's start if not since then)."""
        known = self.since.get(agent)
        return known[1] if known is not None else self.started_at


def tally(t: Tally, effects: Iterable[Effect], catalog: Catalog) -> Tally:
    """Fold a batch of effects into the tally (other effects are ignored)."""
    for effect in effects:
        if isinstance(effect, CallChanged):
            t = _call(t, effect.call, effect.milestone, catalog)
        elif isinstance(effect, AgentChanged):
            before = t.since.get(effect.agent.id)
            if before is None or before[0] is not effect.status:
                t = replace(t, since=t.since.set(effect.agent.id, (effect.status, effect.at)))
    return t


def _call(t: Tally, call: Call, milestone: str, catalog: Catalog) -> Tally:
    at = call.changed_at
    tenant = call.tenant
    if tenant not in catalog.tenants:
        return t
    if milestone == "ended" and call.queue == "" and call.id not in t.seen:
        return _add(t, catalog, tenant, at, turned_away=1)  # the route answer turned it away
    if call.id not in t.seen:
        t = _add(t, catalog, tenant, at, offered=1)
        t = replace(t, seen=t.seen.set(call.id, tenant))
    first_answer = sum(a.result == "answered" for a in call.attempts) == 1
    if milestone == "answered" and call.answered_by is not None and first_answer:
        started = call.waiting_since if call.waiting_since is not None else call.arrived_at
        in_target = int(at - started <= call.target_answer_s)
        home = catalog.home_of(call.answered_by)
        partner = int(home is not None and home != tenant)
        t = _add(t, catalog, tenant, at, answered=1, answered_in_target=in_target)
        if partner and home is not None:
            t = _add(t, catalog, tenant, at, answered_by_partners=1)
            t = _add(t, catalog, home, at, answered_for_partners=1)
    if milestone == "ended":
        if call.outcome == "abandoned" and call.answered_at is None:
            t = _add(t, catalog, tenant, at, abandoned=1)
        t = replace(t, seen=t.seen.delete(call.id))
    return t


def _add(t: Tally, catalog: Catalog, tenant: str, at: float, **counts: int) -> Tally:
    if tenant not in catalog.tenants:
        return t
    day = t.today(catalog, tenant, at)
    bumped = replace(day, **{k: getattr(day, k) + v for k, v in counts.items()})
    return replace(t, days=t.days.set(tenant, bumped))
