"""Today's figures per tenant and each agent's status-since, folded from the core's effects
(and, at start, from the day's call records), counted as the reports count them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from immutables import Map

from switchboard.core.effects import AgentChanged, CallChanged, Effect
from switchboard.core.evolve import replace
from switchboard.core.records import CallRecord
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
    short_abandoned: int = 0
    turned_away: int = 0
    answered_by_partners: int = 0  # its callers answered by another tenant's home operators
    answered_for_partners: int = 0  # other tenants' callers answered by its home operators
    settled: int = 0  # answered, or ended unanswered but for short abandons

    @property
    def service_level(self) -> float | None:
        """Answered within target over settled calls (None before the first)."""
        return round(self.answered_in_target / self.settled, 4) if self.settled else None


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


def seed(t: Tally, records: Iterable[CallRecord], catalog: Catalog, now: float) -> Tally:
    """Count what the day's records say happened today (after an engine restart)."""
    days = {tid: entry.local_day(now) for tid, entry in catalog.tenants.items()}
    for r in records:
        entry = catalog.tenants.get(r.tenant)
        if entry is None:
            continue
        today = days[r.tenant]
        ended_today = r.ended_at is not None and entry.local_day(r.ended_at) == today
        if not r.queue:
            t = _add(
                t, catalog, r.tenant, now, turned_away=int(ended_today and r.outcome is not None)
            )
            continue
        if r.outcome is None:
            t = replace(t, seen=t.seen.set(r.id, r.tenant))
        if entry.local_day(r.arrived_at) == today:
            t = _add(t, catalog, r.tenant, now, offered=1)
        if r.answered_at is not None and entry.local_day(r.answered_at) == today:
            waited = r.waited_s or 0.0  # to the answer; 0 when never queued
            t = _answered(
                t, catalog, r.tenant, now, waited <= r.target_answer_s, r.answered_by_home
            )
        elif r.answered_at is None and r.outcome is not None and ended_today:
            t = _unanswered(t, catalog, r.tenant, now, r.outcome, r.waited_s or 0.0)  # to the end
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
    if milestone == "answered" and call.answered_by is not None and _first_answer(call):
        answered_at = call.answered_at if call.answered_at is not None else at
        in_target = _waited(call.waiting_since, answered_at) <= call.target_answer_s
        t = _answered(t, catalog, tenant, at, in_target, catalog.home_of(call.answered_by))
    if milestone == "ended":
        if call.answered_at is None and call.outcome is not None:
            t = _unanswered(t, catalog, tenant, at, call.outcome, _waited(call.waiting_since, at))
        t = replace(t, seen=t.seen.delete(call.id))
    return t


def _first_answer(call: Call) -> bool:
    """True when the call has just been answered for the first time (so counts as answered)."""
    if call.callback is not None:
        # A callout's operator answers first, perhaps on several tries; the caller answers once.
        return call.callback.connected
    return sum(a.result == "answered" for a in call.attempts) == 1


def _answered(
    t: Tally, catalog: Catalog, tenant: str, at: float, in_target: bool, home: str | None
) -> Tally:
    t = _add(t, catalog, tenant, at, answered=1, answered_in_target=int(in_target), settled=1)
    if home is not None and home != tenant:
        t = _add(t, catalog, tenant, at, answered_by_partners=1)
        t = _add(t, catalog, home, at, answered_for_partners=1)
    return t


def _unanswered(
    t: Tally, catalog: Catalog, tenant: str, at: float, outcome: str, waited: float
) -> Tally:
    if outcome != "abandoned":
        return _add(t, catalog, tenant, at, settled=1)
    if waited < catalog.short_abandon_s:
        return _add(t, catalog, tenant, at, abandoned=1, short_abandoned=1)
    return _add(t, catalog, tenant, at, abandoned=1, settled=1)


def _waited(queued_at: float | None, until: float | None) -> float:
    """Seconds from first joining a queue (0 when never queued, as the reports count it)."""
    return 0.0 if queued_at is None or until is None else max(0.0, until - queued_at)


def _add(t: Tally, catalog: Catalog, tenant: str, at: float, **counts: int) -> Tally:
    if tenant not in catalog.tenants:
        return t
    day = t.today(catalog, tenant, at)
    bumped = replace(day, **{k: getattr(day, k) + v for k, v in counts.items()})
    return replace(t, days=t.days.set(tenant, bumped))
