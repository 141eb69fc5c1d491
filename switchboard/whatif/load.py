"""Load a scenario file: validate it like the configuration and check it against one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap

from switchboard.config.errors import ConfigError, Loc, Problem
from switchboard.config.hours import HoursError, parse_week
from switchboard.config.loader import problem_at, read_document, validate_document
from switchboard.config.models import Config
from switchboard.whatif.scenario import Scenario


@dataclass(frozen=True, slots=True)
class ScenarioFile:
    """A validated scenario and its round-trip document (for line numbers of later checks)."""

    scenario: Scenario
    doc: CommentedMap
    name: str

    def check(self, config: Config) -> None:
        """Raise ConfigError, with FILE:LINE for each problem, unless `config` can run it."""
        problems = cross_check(self.scenario, self.doc, config)
        if problems:
            raise ConfigError(self.name, problems)


def load_scenario(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario file; raise ConfigError listing every problem."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(name, [Problem((), f"cannot read file: {exc}")]) from None
    return parse_scenario(text, name)


def parse_scenario(text: str, name: str) -> ScenarioFile:
    """Validate scenario YAML `text` (named `name` in messages)."""
    doc = read_document(text, name)
    problems: list[Problem] = []
    scenario = validate_document(Scenario, doc, problems)
    if scenario is not None:
        for i, stream in enumerate(scenario.arrivals):
            try:
                parse_week({stream.days: "00:00-24:00"})
            except HoursError as exc:
                problems.append(problem_at(doc, ("arrivals", i, "days"), str(exc)))
    if problems or scenario is None:
        raise ConfigError(name, problems)
    return ScenarioFile(scenario, doc, name)


def cross_check(scenario: Scenario, doc: CommentedMap, config: Config) -> list[Problem]:
    """Every tenant, service and agent the scenario names exists, and each service is reachable."""
    problems: list[Problem] = []
    for i, stream in enumerate(scenario.arrivals):
        tenant = config.tenants.get(stream.tenant)
        if tenant is None:
            problems.append(
                problem_at(doc, ("arrivals", i, "tenant"), _unknown("tenant", stream.tenant))
            )
            continue
        sid = stream.service or tenant.main_service
        service = tenant.services.get(sid)
        if service is None:
            loc = ("arrivals", i, "service")
            problems.append(
                problem_at(doc, loc, f"tenant {stream.tenant!r} has no service {sid!r}")
            )
        elif sid != tenant.main_service and not service.numbers and service.menu_digit is None:
            loc = ("arrivals", i, "service")
            message = f"service {sid!r} has neither a number nor a menu digit: no call reaches it"
            problems.append(problem_at(doc, loc, message))
    for i, shift in enumerate(scenario.staffing):
        if shift.agents == "all":
            continue
        for j, agent in enumerate(shift.agents):
            if agent not in config.agents:
                where: Loc = ("staffing", i, "agents", j)
                problems.append(problem_at(doc, where, _unknown("agent", agent)))
    for tid in scenario.targets:
        if tid not in config.tenants:
            problems.append(problem_at(doc, ("targets", tid), _unknown("tenant", tid)))
    return problems


def _unknown(kind: str, name: str) -> str:
    return f"unknown {kind} {name!r} (not in the configuration)"
