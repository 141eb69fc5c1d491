"""`--find-staffing`: the smallest head count per tenant and interval of day meeting each goal.

A greedy search over whole runs: start from the whole operators each interval's offered load
needs (Erlangs, rounded down), run the scenario, and wherever a tenant misses its goal in an
interval add one of its home operators (the tenant furthest below first, one per interval per
round); repeat until every goal is met or nobody is left to add. Partners' operators count
where the configuration lets them answer, so sharing shows up as fewer heads. Levels are pooled
over the simulated days: more days give steadier answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.models import Config
from switchboard.core.records import CallRecord
from switchboard.reports.figures import level_of
from switchboard.reports.series import INTERVALS
from switchboard.whatif.draws import minute_of
from switchboard.whatif.outcome import settings_for
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.simulation import Result, Simulation
from switchboard.whatif.staffing import from_counts

DEFAULT_GOAL = 0.8  # for tenants the scenario gives no target


@dataclass(frozen=True, slots=True)
class Staffing:
    """The head counts found, the run that proves them, and the intervals no count could fix."""

    counts: dict[tuple[str, int], int]
    slot_s: int
    result: Result
    rounds: int
    short: tuple[tuple[str, int], ...]  # (tenant, slot) still below the goal with nobody left


def find_staffing(
    config: Config,
    scenario: Scenario,
    start: date,
    days: int,
    progress: Callable[[int, int], None] | None = None,
    max_rounds: int = 60,
) -> Staffing:
    """Search the head counts (see the module doc); `progress(round, heads)` after each run."""
    topo = compile_topology(config, compile_routing(config))
    zones = {tid: t.zone for tid, t in compile_routing(config).tenants.items()}
    slot_s = min(INTERVALS[scenario.interval], 3600)
    counts = _erlang_floor(scenario, slot_s)
    rounds = 0
    while True:
        rounds += 1
        spans = from_counts(counts, slot_s, topo, zones, start, days)
        result = Simulation(config, scenario, start, days, spans).run()
        if progress is not None:
            progress(rounds, sum(counts.values()))
        levels = _levels(config, scenario, result, slot_s)
        short: list[tuple[str, int]] = []
        added = False
        for slot in sorted({s for _, s in levels}):
            failing = sorted(
                (level, tenant)
                for (tenant, s), level in levels.items()
                if s == slot and level < _goal(scenario, tenant)
            )
            for _, tenant in failing:
                if counts.get((tenant, slot), 0) < len(topo.home_agents.get(tenant, ())):
                    counts[(tenant, slot)] = counts.get((tenant, slot), 0) + 1
                    added = True
                    break
            else:
                short.extend((t, slot) for _, t in failing)
        if not added or rounds >= max_rounds:
            return Staffing(dict(counts), slot_s, result, rounds, tuple(short))


def _goal(scenario: Scenario, tenant: str) -> float:
    target = scenario.targets.get(tenant)
    return DEFAULT_GOAL if target is None else target.level


def _erlang_floor(scenario: Scenario, slot_s: int) -> dict[tuple[str, int], int]:
    """Offered load per tenant and slot (calls/s x mean talk), rounded down: a lower bound."""
    load: dict[tuple[str, int], float] = {}
    for stream in scenario.arrivals:
        steps = sorted((minute_of(k) * 60, v) for k, v in stream.per_hour.items())
        mean = (stream.handle or scenario.handle).mean
        for slot in range(86400 // slot_s):
            mid = slot * slot_s + slot_s / 2
            rate = next((v for t, v in reversed(steps) if t <= mid), 0.0)
            if rate > 0:
                key = (stream.tenant, slot)
                load[key] = load.get(key, 0.0) + rate / 3600 * mean
    return {key: math.floor(a) for key, a in load.items()}


def _levels(
    config: Config, scenario: Scenario, result: Result, slot_s: int
) -> dict[tuple[str, int], float]:
    """Service level per (tenant, slot of the local day), pooled over the days."""
    settings = settings_for(config, scenario, result)
    grouped: dict[tuple[str, int], list[CallRecord]] = {}
    for r in result.records:
        if not r.queue:
            continue
        local = datetime.fromtimestamp(r.arrived_at, settings.zones[r.tenant])
        slot = (local.hour * 3600 + local.minute * 60 + local.second) // slot_s
        grouped.setdefault((r.tenant, slot), []).append(r)
    out = {}
    for key, records in grouped.items():
        level = level_of(records, settings)[1]
        if level is not None:
            out[key] = level
    return out


def counts_table(staffing: Staffing) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Columns (slot, tenants...) and one row per slot with any head count."""
    tenants = sorted({t for t, _ in staffing.counts})
    slots = sorted({s for (_, s), n in staffing.counts.items() if n})
    rows = tuple(
        (
            f"{s * staffing.slot_s // 3600:02d}:{s * staffing.slot_s % 3600 // 60:02d}",
            *(str(staffing.counts.get((t, s), 0)) for t in tenants),
        )
        for s in slots
    )
    return ("from", *tenants), rows
