"""Who is logged in when: the scenario's shifts, or a head count per tenant and interval of day."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from switchboard.config.hours import parse_week
from switchboard.core.topology import Topology
from switchboard.whatif.scenario import Shift

Spans = dict[str, list[tuple[float, float]]]  # agent -> sorted, disjoint (login, logout)
Counts = Mapping[tuple[str, int], int]  # (tenant, slot of the day) -> home agents logged in


def from_shifts(
    shifts: Sequence[Shift],
    topo: Topology,
    zones: Mapping[str, ZoneInfo],
    start: date,
    days: int,
) -> Spans:
    """Login spans from the shifts (every agent all the time when there are none)."""
    first, last = _bounds(start, days)
    if not shifts:
        return {aid: [(first, last)] for aid in topo.agents}
    spans: Spans = {}
    for shift in shifts:
        week = parse_week(shift.hours)
        agents = topo.agents if shift.agents == "all" else shift.agents
        for aid in agents:
            zone = zones[topo.agents[aid].home]
            for offset in range(-1, days + 1):
                day = start + timedelta(days=offset)
                for r in week.days[day.weekday()]:
                    spans.setdefault(aid, []).append(
                        (_at(day, r.start, zone), _at(day, r.end, zone))
                    )
    return {aid: _merge(s, first, last) for aid, s in spans.items()}


def from_counts(
    counts: Counts,
    slot_s: int,
    topo: Topology,
    zones: Mapping[str, ZoneInfo],
    start: date,
    days: int,
) -> Spans:
    """Login spans giving each tenant the first `n` of its home agents in each slot of each day."""
    first, last = _bounds(start, days)
    spans: Spans = {}
    for (tenant, slot), n in counts.items():
        zone = zones[tenant]
        for aid in topo.home_agents.get(tenant, ())[:n]:
            for offset in range(days):
                day = start + timedelta(days=offset)
                begin = _at(day, slot * slot_s // 60, zone)
                spans.setdefault(aid, []).append((begin, _at(day, (slot + 1) * slot_s // 60, zone)))
    return {aid: _merge(s, first, last) for aid, s in spans.items()}


def shifts_of(counts: Counts, slot_s: int, topo: Topology) -> list[dict[str, object]]:
    """Counts as scenario `staffing` entries (every day), to paste into a scenario file."""
    by_agent: dict[str, list[int]] = {}
    for (tenant, slot), n in sorted(counts.items()):
        for aid in topo.home_agents.get(tenant, ())[:n]:
            by_agent.setdefault(aid, []).append(slot)
    out: list[dict[str, object]] = []
    for aid, slots in sorted(by_agent.items()):
        ranges: list[str] = []
        for slot in sorted(slots):
            begin, end = slot * slot_s // 60, (slot + 1) * slot_s // 60
            if ranges and ranges[-1].endswith(f"-{_clock(begin)}"):
                ranges[-1] = ranges[-1].rsplit("-", 1)[0] + f"-{_clock(end)}"
            else:
                ranges.append(f"{_clock(begin)}-{_clock(end)}")
        out.append({"agents": [aid], "hours": {"mon-sun": ranges}})
    return out


def _at(day: date, minute: int, zone: ZoneInfo) -> float:
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute)
    return local.timestamp()


def _bounds(start: date, days: int) -> tuple[float, float]:
    """The period in UTC seconds, widened by a day on each side for other zones."""
    utc = ZoneInfo("UTC")
    return _at(start, -1440, utc), _at(start, (days + 1) * 1440, utc)


def _merge(
    spans: list[tuple[float, float]], first: float, last: float
) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for begin, end in sorted(spans):
        begin, end = max(begin, first), min(end, last)
        if end <= begin:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
