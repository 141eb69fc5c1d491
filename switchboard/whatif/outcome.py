"""From a run to report figures, and how far each tenant is from its service level goal."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.config.compile import compile_routing
from switchboard.config.models import Config
from switchboard.reports.figures import Figures, Settings, figures
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.simulation import Result


@dataclass(frozen=True, slots=True)
class Goal:
    """A tenant's service level over the run against its goal."""

    tenant: str
    level: float | None
    goal: float
    met: bool


def settings_for(config: Config, scenario: Scenario, result: Result) -> Settings:
    """The figure settings a scenario implies for one configuration."""
    zones = {tid: t.zone for tid, t in compile_routing(config).tenants.items()}
    within = {
        tid: float(t.answer_within_s)
        for tid, t in scenario.targets.items()
        if t.answer_within_s is not None
    }
    return Settings(
        short_abandon_s=scenario.short_abandon_s,
        answer_within_s=within,
        price_per_minute=scenario.price_per_minute,
        homes={aid: a.home for aid, a in config.agents.items()},
        zones=zones,
        interval=scenario.interval,
        start=result.start,
        end=result.end,
    )


def figures_of(config: Config, scenario: Scenario, result: Result) -> Figures:
    """The report figures of one run."""
    settings = settings_for(config, scenario, result)
    return figures(result.records, result.intervals, settings)


def goals(scenario: Scenario, fig: Figures) -> list[Goal]:
    """Each targeted tenant's service level over the whole run against its goal."""
    levels = {t.tenant: t.service_level for t in fig.tenants}
    out = []
    for tenant, target in sorted(scenario.targets.items()):
        level = levels.get(tenant)
        out.append(Goal(tenant, level, target.level, level is None or level >= target.level))
    return out
