"""Report figures from call records and agent state intervals, with nothing but `now`-free data.

`figures(records, intervals, settings)` counts records in Python (the what-if simulator's way);
`switchboard report` counts the same in SQL (`stored.stored_figures`). Both end in `assemble`:
per tenant and service, per operator, the answered-by matrix with the cost split, and
per-interval series in each tenant's own time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from switchboard.core.records import CallRecord
from switchboard.reports.matrix import Matrix, Totals, answered_by_totals, matrix_of
from switchboard.reports.operators import (
    AgentInterval,
    OfferTotals,
    OperatorFigures,
    StateTotals,
    offer_totals,
    operator_figures,
    state_totals,
)
from switchboard.reports.series import SeriesPoint, bucket_start, series
from switchboard.reports.settings import Settings
from switchboard.reports.tally import (
    ServiceFigures,
    Tally,
    percentile,
    service_from,
    talk_s,
    tally_of,
    waits_of,
)

__all__ = ["Figures", "ServiceFigures", "Settings", "figures", "level_of", "percentile", "talk_s"]

Key = tuple[str, str]  # (tenant, service)


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


@dataclass(frozen=True, slots=True)
class Parts:
    """What `assemble` turns into figures: tallies, percentiles, totals (from Python or SQL)."""

    start: float
    end: float
    services: Mapping[Key, Tally]
    service_p90: Mapping[Key, float | None]
    tenant_p90: Mapping[str, float | None]
    buckets: Mapping[tuple[str, float], Tally]  # (tenant, local bucket start)
    matrix: Totals
    offers: Mapping[str, OfferTotals]
    states: StateTotals


def figures(
    records: Iterable[CallRecord],
    intervals: Iterable[AgentInterval] = (),
    settings: Settings | None = None,
) -> Figures:
    """All figures of the ended calls that arrived in the period (live calls are left out)."""
    cfg = settings or Settings()
    chosen = [r for r in records if r.outcome is not None and _in_period(r, cfg)]
    start = cfg.start if cfg.start is not None else min((r.arrived_at for r in chosen), default=0.0)
    end = (
        cfg.end if cfg.end is not None else max((r.ended_at or 0.0 for r in chosen), default=start)
    )
    by_service: dict[Key, list[CallRecord]] = {}
    by_bucket: dict[tuple[str, float], list[CallRecord]] = {}
    for r in chosen:
        by_service.setdefault((r.tenant, r.service), []).append(r)
        at = bucket_start(r.arrived_at, cfg.zone_of(r.tenant), cfg.interval)
        by_bucket.setdefault((r.tenant, at), []).append(r)
    by_tenant: dict[str, list[CallRecord]] = {}
    for (tenant, _), rs in by_service.items():
        by_tenant.setdefault(tenant, []).extend(rs)
    window = operator_window(cfg, start, end)
    parts = Parts(
        start=start,
        end=end,
        services={k: tally_of(rs, cfg) for k, rs in by_service.items()},
        service_p90={k: percentile(waits_of(rs), 0.9) for k, rs in by_service.items()},
        tenant_p90={t: percentile(waits_of(rs), 0.9) for t, rs in by_tenant.items()},
        buckets={k: tally_of(rs, cfg) for k, rs in by_bucket.items()},
        matrix=answered_by_totals(chosen, cfg.homes),
        offers=offer_totals(chosen),
        states=state_totals(intervals, window),
    )
    return assemble(parts, cfg)


def assemble(parts: Parts, cfg: Settings) -> Figures:
    """The figures of one period from its parts."""
    tenant_tallies: dict[str, Tally] = {}
    for (tenant, _), t in parts.services.items():
        tenant_tallies[tenant] = tenant_tallies.get(tenant, Tally()) + t
    services = tuple(
        service_from(t, s, tally, parts.service_p90.get((t, s)))
        for (t, s), tally in sorted(parts.services.items())
    )
    tenants = tuple(
        service_from(t, None, tally, parts.tenant_p90.get(t))
        for t, tally in sorted(tenant_tallies.items())
    )
    return Figures(
        start=parts.start,
        end=parts.end,
        interval=cfg.interval,
        services=services,
        tenants=tenants,
        operators=operator_figures(parts.offers, parts.states, cfg.homes),
        matrix=matrix_of(parts.matrix, cfg),
        series=series(parts.buckets, {*tenant_tallies, *cfg.zones}, cfg, parts.start, parts.end),
    )


def level_of(records: Sequence[CallRecord], cfg: Settings) -> tuple[int, float | None]:
    """(answered within target, service level) of records; short abandons left out."""
    t = tally_of(records, cfg)
    return t.in_target, t.level


def _in_period(r: CallRecord, cfg: Settings) -> bool:
    start, end = cfg.period_of(r.tenant)
    return (start is None or r.arrived_at >= start) and (end is None or r.arrived_at < end)


def operator_window(
    cfg: Settings, start: float, end: float
) -> Callable[[str], tuple[float, float]]:
    """An operator's states count in the period of its home tenant, else the common one."""

    def window(agent: str) -> tuple[float, float]:
        home = cfg.homes.get(agent)
        return cfg.periods.get(home, (start, end)) if home is not None else (start, end)

    return window


def focus(fig: Figures, tenant: str, homes: Mapping[str, str]) -> Figures:
    """One tenant's view: its services and series, its home operators, and the matrix rows and
    columns it takes part in (so its settlements are whole)."""
    m = fig.matrix
    matrix = replace(
        m,
        cells=tuple(c for c in m.cells if tenant in (c.tenant, c.home)),
        settlements=tuple(s for s in m.settlements if tenant in (s.payer, s.payee)),
    )
    return replace(
        fig,
        services=tuple(s for s in fig.services if s.tenant == tenant),
        tenants=tuple(s for s in fig.tenants if s.tenant == tenant),
        operators=tuple(o for o in fig.operators if homes.get(o.agent) == tenant),
        matrix=matrix,
        series=tuple(p for p in fig.series if p.tenant == tenant),
    )
