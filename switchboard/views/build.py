"""Pure view builders: (state, tally, catalog, now) -> a view model; no I/O, no clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import TypedDict

from switchboard.core.state import UNANSWERED, Call, CallPhase, State
from switchboard.views.catalog import Catalog
from switchboard.views.models import (
    AgentCounts,
    AgentView,
    CallView,
    Counts,
    OverrideView,
    Overview,
    QueueView,
    TenantView,
    Today,
)
from switchboard.views.tally import Tally, TenantDay


class _Waits(TypedDict):
    """The fields of a view that tell how long its callers have waited."""

    waiting: int
    oldest_waiting_since: float | None
    longest_wait_s: float


def tenant_view(state: State, t: Tally, catalog: Catalog, tenant: str, now: float) -> TenantView:
    """The tenant's panel at `now`."""
    entry = catalog.tenants[tenant]
    calls = [c for c in state.calls.values() if c.tenant == tenant]
    waiting = [c for c in calls if c.phase in UNANSWERED]
    day = t.today(catalog, tenant, now)
    late = _late(waiting, now)
    return TenantView(
        at=_t(now),
        id=tenant,
        name=entry.name,
        tag=entry.tag,
        **_waits(waiting, now),
        connected=sum(c.phase is CallPhase.CONNECTED for c in calls),
        agents_home=agent_counts(state, entry.home_agents, now),
        agents_serving=agent_counts(state, entry.serving, now),
        today=_today(day),
        language=entry.language,
        target_answer_s=entry.target_answer_s,
        service_level_target=entry.service_level_target,
        waiting_past_target=late,
        target_missed=_missed(late, day, entry.service_level_target),
        overrides=overrides_of(state, tenant, now),
    )


def overrides_of(state: State, tenant: str | None, now: float) -> list[OverrideView]:
    """The runtime switches in force at `now` (of one tenant, or all)."""
    return [
        OverrideView(
            tenant=o.tenant,
            service=o.service or None,
            force="open" if o.force == "open" else "closed",
            until=_t(o.until),
            by=o.by,
            reason=o.reason,
            at=_t(o.at),
        )
        for o in state.overrides.values()
        if (tenant is None or o.tenant == tenant) and o.active(now)
    ]


def queue_view(state: State, catalog: Catalog, queue: str, now: float) -> QueueView:
    """One queue's waiting callers at `now`."""
    entry = catalog.queues[queue]
    waiting = [c for c in state.calls.values() if c.queue == queue and c.phase in UNANSWERED]
    return QueueView(
        at=_t(now),
        name=queue,
        tenant=entry.tenant,
        service=entry.service,
        **_waits(waiting, now),
    )


def agent_view(state: State, t: Tally, catalog: Catalog, agent: str, now: float) -> AgentView:
    """One operator at `now`."""
    entry = catalog.agents[agent]
    live = state.agents[agent]
    call_id = live.call if live.call is not None else live.offer
    call = state.calls.get(call_id) if call_id is not None else None
    since = t.status_since(agent)
    return AgentView(
        at=_t(now),
        id=agent,
        name=entry.name,
        home=entry.home,
        serves=list(entry.serves),
        status=live.status(now),
        paused_reason=live.paused,
        status_since=_t(since),
        time_in_status_s=_s(now - since),
        call_id=call_id,
        call_tenant=call.tenant if call is not None else None,
        calls_today=live.calls_today,
    )


def overview(state: State, t: Tally, catalog: Catalog, now: float) -> Overview:
    """The whole switchboard at `now`: totals over every tenant and agent."""
    waiting = [c for c in state.calls.values() if c.phase in UNANSWERED]
    days = [t.today(catalog, tid, now) for tid in catalog.tenants]
    total = TenantDay(**{k: sum(getattr(d, k) for d in days) for k in (*_COUNTERS, "settled")})
    missed = [
        tid
        for (tid, entry), day in zip(catalog.tenants.items(), days, strict=True)
        if _missed(
            _late([c for c in waiting if c.tenant == tid], now), day, entry.service_level_target
        )
    ]
    return Overview(
        at=_t(now),
        tenants=list(catalog.tenants),
        **_waits(waiting, now),
        connected=sum(c.phase is CallPhase.CONNECTED for c in state.calls.values()),
        agents=agent_counts(state, tuple(catalog.agents), now),
        today=Counts(**_counts(total)),
        target_missed=missed,
    )


def waiting_calls(state: State, now: float, tenant: str | None = None) -> list[CallView]:
    """Callers not yet talking to an operator, in dispatch order (priority, then longest wait)."""
    calls = [c for c in state.calls.values() if c.phase in UNANSWERED]
    calls = [c for c in calls if tenant is None or c.tenant == tenant]
    calls.sort(key=lambda c: (-c.priority, c.wait_from if c.wait_from is not None else now, c.id))
    return [call_view(c, now) for c in calls]


def connected_calls(state: State, now: float, tenant: str | None = None) -> list[CallView]:
    """Callers talking to an operator, longest first."""
    calls = [c for c in state.calls.values() if c.phase is CallPhase.CONNECTED]
    calls = [c for c in calls if tenant is None or c.tenant == tenant]
    calls.sort(key=lambda c: (c.answered_at or now, c.id))
    return [call_view(c, now) for c in calls]


def call_view(call: Call, now: float) -> CallView:
    """One live call at `now`."""
    return CallView(
        at=_t(now),
        id=call.id,
        tenant=call.tenant,
        service=call.service,
        queue=call.queue,
        tag=call.tag,
        priority=call.priority,
        phase=call.phase,
        via=call.via,
        did=call.did,
        caller_num=call.caller_num,
        caller_name=call.caller_name,
        language=call.language,
        arrived_at=_t(call.arrived_at),
        waiting_since=_t(call.waiting_since) if call.waiting_since is not None else None,
        wait_s=_s(call.waited(now)),
        agent=call.agent,
        answered_at=_t(call.answered_at) if call.answered_at is not None else None,
        overflow_step=call.overflow_step,
    )


def agent_counts(state: State, agents: Iterable[str], now: float) -> AgentCounts:
    """How many of `agents` are in each status at `now` (unknown ids are skipped)."""
    counted = Counter(state.agents[a].status(now).value for a in agents if a in state.agents)
    return AgentCounts(**counted)


_COUNTERS = (
    "offered",
    "answered",
    "answered_in_target",
    "abandoned",
    "short_abandoned",
    "turned_away",
    "answered_by_partners",
    "answered_for_partners",
)


def _counts(day: TenantDay) -> dict[str, int | float | None]:
    counts: dict[str, int | float | None] = {k: getattr(day, k) for k in _COUNTERS}
    counts["service_level"] = day.service_level
    return counts


def _today(day: TenantDay) -> Today:
    return Today(date=date.fromordinal(day.day).isoformat(), **_counts(day))


def _late(waiting: list[Call], now: float) -> int:
    return sum(c.waited(now) > c.target_answer_s for c in waiting)


def _missed(late: int, day: TenantDay, goal: float) -> bool:
    level = day.service_level
    return late > 0 or (level is not None and level < goal)


def _oldest(calls: list[Call]) -> float | None:
    starts = [c.wait_from for c in calls if c.wait_from is not None]
    return min(starts) if starts else None


def _waits(waiting: list[Call], now: float) -> _Waits:
    """How many wait, since when the longest (its `wait_from`), and for how long at `now`."""
    oldest = _oldest(waiting)
    if oldest is None:
        return _Waits(waiting=len(waiting), oldest_waiting_since=None, longest_wait_s=0.0)
    return _Waits(
        waiting=len(waiting), oldest_waiting_since=_t(oldest), longest_wait_s=_s(now - oldest)
    )


def _t(at: float) -> float:
    return round(at, 3)


def _s(seconds: float) -> float:
    return round(max(0.0, seconds), 1)
