"""Small configurations and scenarios for the what-if tests."""

from __future__ import annotations

from datetime import date

from switchboard.config.loader import parse_config
from switchboard.config.models import Config
from switchboard.core.records import CallRecord
from switchboard.whatif.load import parse_scenario
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.simulation import Result, Simulation

QUEUE_WORLD = """
dispatch: {{offer_timeout_s: 15, misses_before_pause: 2, wrapup_s: 0}}
tenants:
  solo:
    name: Solo
    tag: SOLO
    numbers: ["+46100000000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services:
      main: {{target_answer_s: 20}}
agents:
{agents}
"""

START = date(2026, 1, 12)  # a Monday far from any DST change


def one_queue(agents: int) -> Config:
    """One tenant open around the clock with `agents` identical operators and no wrap-up."""
    lines = "\n".join(f"  a{i}: {{device: PJSIP/{1000 + i}, home: solo}}" for i in range(agents))
    return parse_config(QUEUE_WORLD.format(agents=lines), "queue.yaml", {})


def poisson_scenario(
    calls_per_hour: float, hours: int, handle_s: float, patience_s: float | None, seed: int = 1
) -> Scenario:
    """Poisson arrivals for `hours` from midnight, exponential talk, instant answer, no misses."""
    patience = "none" if patience_s is None else f"{{exponential: {{mean: {patience_s}}}}}"
    text = f"""
start: {START.isoformat()}
seed: {seed}
arrivals:
  - {{tenant: solo, per_hour: {{"00:00": {calls_per_hour}, "{hours:02d}:00": 0}}}}
handle: {{exponential: {{mean: {handle_s}}}}}
ring: {{fixed: 0}}
no_answer: 0
patience: {patience}
short_abandon_s: 0
"""
    return parse_scenario(text, "scenario.yaml").scenario


def run(config: Config, scenario: Scenario, days: int = 1) -> Result:
    """One simulation of the scenario from its start."""
    return Simulation(config, scenario, scenario.start, days).run()


def queued(result: Result) -> list[CallRecord]:
    """The queued calls in arrival order."""
    return sorted((r for r in result.records if r.queue), key=lambda r: r.arrived_at)
