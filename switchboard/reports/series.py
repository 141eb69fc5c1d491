"""Per-interval series: buckets of 15m, 30m, 1h or a day in each tenant's own time zone.

Buckets follow the tenant's wall clock: a bucket starts at a local quarter, half or full hour,
or at local midnight; the day a clock goes forward has 23 hourly buckets and the day it goes
back 25 (the repeated hour is two buckets, told apart by their UTC offset).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from switchboard.reports.settings import Settings
from switchboard.reports.tally import Tally

INTERVALS = {"15m": 900, "30m": 1800, "1h": 3600, "day": 86400}
EMPTY = Tally()


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One tenant's calls that arrived in one bucket."""

    tenant: str
    start: str  # ISO 8601 local time with its UTC offset, e.g. 2026-10-25T02:00:00+01:00
    start_ts: float
    offered: int
    answered: int
    abandoned: int
    service_level: float | None
    wait_avg_s: float | None


def bucket_start(ts: float, zone: ZoneInfo, interval: str) -> float:
    """The start (a timestamp) of the local bucket holding `ts`."""
    local = datetime.fromtimestamp(ts, zone)
    if interval == "day":
        midnight = datetime(local.year, local.month, local.day, tzinfo=zone)
        return midnight.timestamp()
    step = INTERVALS[interval] // 60
    minute = local.minute - local.minute % step if step < 60 else 0
    return local.replace(minute=minute, second=0, microsecond=0).timestamp()


def buckets(zone: ZoneInfo, interval: str, start: float, end: float) -> Iterator[float]:
    """Every bucket start from the one holding `start` up to (not including) `end`."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    at = bucket_start(start, zone, interval)
    while at < end:
        yield at
        if interval == "day":
            day = datetime.fromtimestamp(at, zone).date() + timedelta(days=1)
            at = datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
        else:
            # Whole-hour UTC offsets keep a fixed step aligned with the local clock.
            at = bucket_start(at + INTERVALS[interval], zone, interval)


def label(ts: float, zone: ZoneInfo) -> str:
    """`ts` as local ISO 8601 with the offset (the repeated hour of a DST day stays distinct)."""
    return datetime.fromtimestamp(ts, zone).isoformat()


def series(
    tallies: Mapping[tuple[str, float], Tally],
    tenants: Iterable[str],
    cfg: Settings,
    start: float,
    end: float,
) -> tuple[SeriesPoint, ...]:
    """Per tenant, one point per bucket of its period (empty buckets included).

    `tallies` holds the calls of (tenant, bucket start); a tenant's period is its own in
    `cfg.periods`, else [start, end).
    """
    points: list[SeriesPoint] = []
    for tenant in sorted(set(tenants)):
        zone = cfg.zone_of(tenant)
        first, last = cfg.periods.get(tenant, (start, end))
        for at in buckets(zone, cfg.interval, first, max(last, first + 1)):
            t = tallies.get((tenant, at), EMPTY)
            points.append(
                SeriesPoint(
                    tenant=tenant,
                    start=label(at, zone),
                    start_ts=at,
                    offered=t.offered,
                    answered=t.answered,
                    abandoned=t.abandoned,
                    service_level=t.level,
                    wait_avg_s=t.wait_avg_s,
                )
            )
    return tuple(points)


def utc_label(ts: float) -> str:
    """`ts` as UTC ISO 8601 (for periods that span tenants of several zones)."""
    return datetime.fromtimestamp(ts, UTC).isoformat()
