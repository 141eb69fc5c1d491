"""Report figures from call records and agent state intervals, with nothing but `now`-free data.

`figures(records, intervals, settings)` is the one entry point: per tenant and service, per
operator, the answered-by matrix with the cost split, and per-interval series in each tenant's
own time zone. The daemon's `switchboard report` and the what-if simulator both read it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from switchboard.core.records import CallRecord
from switchboard.reports.matrix import Matrix, answered_by_matrix
from switchboard.reports.operators import AgentInterval, OperatorFigures, operator_figures
from switchboard.reports.series import SeriesPoint, series

TURNED_AWAY = frozenset({"closed", "voicemail", "forward", "reject"})


@dataclass(frozen=True, slots=True)
class Settings:
    """What the figures depend on besides the records; every field has a usable default."""

    short_abandon_s: float = 5.0  # abandons quicker than this are left out of service level
    answer_within_s: Mapping[str, float] = field(default_factory=dict)  # tenant -> target
    price_per_minute: float | None = None  # handled minute price for the cost split
    homes: Mapping[str, str] = field(default_factory=dict)  # operator -> home tenant
    zones: Mapping[str, ZoneInfo] = field(default_factory=dict)  # tenant -> its time zone
    interval: str = "1h"  # 15m | 30m | 1h | day
    start: float | None = None  # period [start, end); None: from the records
    end: float | None = None


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One tenant's service (or, with `service` None, the whole tenant) over the period."""

    tenant: str
    service: str | None
    offered: int  # calls that reached a queue
    answered: int
    abandoned: int
    short_abandoned: int
    answered_in_target: int
    service_level: float | None  # answered in target / (offered - short abandons)
    wait_avg_s: float | None
    wait_p90_s: float | None
    asa_s: float | None  # average wait of answered calls
    aht_s: float | None  # average talk per answered call (answered attempts' talk)
    overflowed: int  # answered by an operator whose home is another tenant
    callbacks: int
    voicemails: int
    closed: int  # turned away at routing: closed, voicemail, forward
    rejected: int  # unknown number or blocked caller


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything a report shows, for one period."""

    start: float
    end: float
    interval: str
    services: tuple[ServiceFigures, ...]
    tenants: tuple[ServiceFigures, ...]
    operators: tuple[OperatorFigures, ...]
    matrix: Matrix
    series: tuple[SeriesPoint, ...]


def figures(
    records: Iterable[CallRecord],
    intervals: Iterable[AgentInterval] = (),
    settings: Settings | None = None,
) -> Figures:
    """All figures of the ended calls that arrived in the period (live calls are left out)."""
    cfg = settings or Settings()
    chosen = [
        r
        for r in records
        if r.outcome is not None
        and (cfg.start is None or r.arrived_at >= cfg.start)
        and (cfg.end is None or r.arrived_at < cfg.end)
    ]
    start = cfg.start if cfg.start is not None else min((r.arrived_at for r in chosen), default=0.0)
    end = (
        cfg.end if cfg.end is not None else max((r.ended_at or 0.0 for r in chosen), default=start)
    )
    by_service: dict[tuple[str, str], list[CallRecord]] = {}
    by_tenant: dict[str, list[CallRecord]] = {}
    for r in chosen:
        by_service.setdefault((r.tenant, r.service), []).append(r)
        by_tenant.setdefault(r.tenant, []).append(r)
    services = tuple(service_figures(t, s, rs, cfg) for (t, s), rs in sorted(by_service.items()))
    tenants = tuple(service_figures(t, None, rs, cfg) for t, rs in sorted(by_tenant.items()))
    return Figures(
        start=start,
        end=end,
        interval=cfg.interval,
        services=services,
        tenants=tenants,
        operators=operator_figures(chosen, list(intervals), cfg.homes, start, end),
        matrix=answered_by_matrix(chosen, cfg.homes, cfg.price_per_minute),
        series=series(chosen, cfg.zones, cfg.interval, start, end, lambda rs: level_of(rs, cfg)),
    )


def service_figures(
    tenant: str, service: str | None, records: Sequence[CallRecord], cfg: Settings
) -> ServiceFigures:
    """The figures of one tenant's calls (all of one service, or of every service)."""
    queued = [r for r in records if r.queue]
    answered = [r for r in queued if r.answered_at is not None]
    abandoned = [r for r in queued if r.answered_at is None and r.outcome == "abandoned"]
    short = [r for r in abandoned if (r.waited_s or 0.0) < cfg.short_abandon_s]
    waits = sorted(w for r in queued if (w := r.waited_s) is not None)
    answer_waits = [w for r in answered if (w := r.waited_s) is not None]
    talks = [talk_s(r) for r in answered]
    in_target, level = level_of(queued, cfg)
    return ServiceFigures(
        tenant=tenant,
        service=service,
        offered=len(queued),
        answered=len(answered),
        abandoned=len(abandoned),
        short_abandoned=len(short),
        answered_in_target=in_target,
        service_level=level,
        wait_avg_s=_mean(waits),
        wait_p90_s=percentile(waits, 0.9),
        asa_s=_mean(answer_waits),
        aht_s=_mean(talks),
        overflowed=sum(1 for r in answered if _home(r, cfg.homes) not in (None, r.tenant)),
        callbacks=sum(1 for r in queued if r.outcome == "callback"),
        voicemails=sum(1 for r in queued if r.outcome == "voicemail"),
        closed=sum(1 for r in records if not r.queue and r.outcome in TURNED_AWAY - {"reject"}),
        rejected=sum(1 for r in records if not r.queue and r.outcome == "reject"),
    )


def talk_s(record: CallRecord) -> float:
    """Seconds of conversation over the call's answered attempts."""
    return sum(
        a.ended_at - a.answered_at
        for a in record.attempts
        if a.answered_at is not None and a.ended_at is not None
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values` (None when empty)."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def level_of(records: Sequence[CallRecord], cfg: Settings) -> tuple[int, float | None]:
    """(answered within target, service level) of queued records; short abandons left out."""
    counted = 0
    within = 0
    for r in records:
        if not r.queue:
            continue
        waited = r.waited_s or 0.0
        if r.answered_at is None and r.outcome == "abandoned" and waited < cfg.short_abandon_s:
            continue
        counted += 1
        target = cfg.answer_within_s.get(r.tenant, r.target_answer_s)
        if r.answered_at is not None and waited <= target:
            within += 1
    return within, (within / counted if counted else None)


def _home(record: CallRecord, homes: Mapping[str, str]) -> str | None:
    if record.answered_by_home is not None:
        return record.answered_by_home
    return homes.get(record.answered_by or "")


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
