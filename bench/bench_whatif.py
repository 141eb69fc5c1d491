"""What-if simulator speed: simulated calls per CPU second, event-driven ticks vs a tick every second.

Run: python bench/bench_whatif.py
Figures: (a) a day of 20 tenants and 200 operators; (b) a month (22 working days) of a
15-partner switchboard; (c) the baseline side by side on the same two hours of callers: the
same simulator also ticking the core every virtual second, as a naive simulation would.
"""

from __future__ import annotations

import time
from datetime import date

from switchboard.config.loader import parse_config
from switchboard.config.models import Config
from switchboard.whatif.agenda import Kind
from switchboard.whatif.load import parse_scenario
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.simulation import Result, Simulation

START = date(2026, 11, 2)


def world(tenants: int, per_tenant: int) -> Config:
    """`tenants` municipalities in a ring of partners, each with `per_tenant` operators."""
    lines = ["dispatch: {offer_timeout_s: 15, misses_before_pause: 2, wrapup_s: 10}", "tenants:"]
    for i in range(tenants):
        partner = (i + 1) % tenants
        lines += [
            f"  t{i:02d}:",
            f"    name: Tenant {i}",
            f"    tag: T{i:02d}",
            f'    numbers: ["+46100{i:02d}0000"]',
            '    hours: {mon-fri: "07:00-18:00"}',
            "    services: {main: {target_answer_s: 30}}",
            f"    overflow: [{{after_s: 30, partners: [t{partner:02d}]}}, {{after_s: 240, action: voicemail}}]",
        ]
    lines.append("agents:")
    for i in range(tenants):
        for j in range(per_tenant):
            other = (i + 1) % tenants
            lines.append(
                f"  a{i:02d}x{j:02d}: {{device: PJSIP/{10000 + i * 100 + j}, home: t{i:02d}, tenants: [t{other:02d}]}}"
            )
    return parse_config("\n".join(lines), "bench.yaml", {})


def scenario(tenants: int, calls_per_hour: float, until: str = "18:00") -> Scenario:
    """Busy working days: Poisson arrivals, lognormal talk, impatient callers, a few misses."""
    streams = "\n".join(
        f'  - {{tenant: t{i:02d}, days: mon-fri, per_hour: {{"07:00": {calls_per_hour}, "{until}": 0}}}}'
        for i in range(tenants)
    )
    text = f"""
start: {START.isoformat()}
arrivals:
{streams}
handle: {{lognormal: {{mean: 170, sd: 100}}}}
patience: {{exponential: {{mean: 180}}}}
no_answer: 0.03
"""
    return parse_scenario(text, "bench-scenario.yaml").scenario


class EverySecond(Simulation):
    """The baseline: also tick the core every virtual second of the period."""

    def run(self, progress: object = None) -> Result:
        t = self.start + 7 * 3600
        while t < self.start + 9.5 * 3600:
            self.agenda.push(t, Kind.TICK, None)
            t += 1.0
        return super().run()


def measure(sim: Simulation) -> tuple[Result, float]:
    began = time.process_time()
    result = sim.run()
    return result, time.process_time() - began


def report(name: str, result: Result, cpu: float) -> float:
    rate = result.callers / cpu
    print(
        f"{name:<44} {result.callers:>8} calls {result.events:>9} core events "
        f"{cpu:>7.2f} s CPU {rate:>8.0f} calls/s"
    )
    return rate


def main() -> None:
    day = world(20, 10)
    result, cpu = measure(Simulation(day, scenario(20, 30), START, 1))
    report("(a) one day, 20 tenants, 200 operators", result, cpu)
    month = world(15, 1)
    result, cpu = measure(Simulation(month, scenario(15, 4), START, 30))
    report("(b) a month, 15 partners, 15 operators", result, cpu)
    two_hours = scenario(20, 30, until="09:00")
    result, cpu = measure(Simulation(day, two_hours, START, 1))
    fast = report("(c) two hours, event-driven ticks", result, cpu)
    result, cpu = measure(EverySecond(day, two_hours, START, 1))
    slow = report("(c) two hours, a tick every virtual second", result, cpu)
    print(
        f"event-driven ticks are {fast / slow:.1f}x the calls per CPU second of ticking every second"
    )


if __name__ == "__main__":
    main()
