"""`switchboard simulate`: run a scenario (or two configurations on it) and print the figures."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML

from switchboard.config.errors import ConfigError
from switchboard.config.loader import load_config
from switchboard.config.models import Config
from switchboard.progress import Progress
from switchboard.reports import FORMATS, Figures, Section, charts, render_report, sections
from switchboard.reports.html import render_html
from switchboard.reports.render import render_csv, render_json, render_table
from switchboard.reports.sections import pct
from switchboard.whatif.compare import compare_sections
from switchboard.whatif.load import ScenarioFile, load_scenario
from switchboard.whatif.outcome import figures_of, goals
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.search import counts_table, find_staffing
from switchboard.whatif.simulation import Result, Simulation
from switchboard.whatif.staffing import shifts_of

EXIT_OK, EXIT_CONFIG = 0, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `simulate` subcommand's options."""
    parser.add_argument("-c", "--config", required=True, help="YAML configuration file")
    parser.add_argument("--scenario", required=True, help="scenario YAML file")
    parser.add_argument("--seed", type=int, help="random seed (default: the scenario's)")
    parser.add_argument("--days", type=int, help="days to simulate (default: the scenario's)")
    parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument(
        "--compare", metavar="CONFIG2", help="run a second configuration on the same callers"
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--find-staffing",
        action="store_true",
        help="search the smallest head count per tenant and interval meeting the targets",
    )


def simulate(config: Config, args: argparse.Namespace) -> int:
    """Run the command; returns the exit code (2 for an invalid scenario or second config)."""
    try:
        scenario_file = load_scenario(args.scenario)
        scenario_file.check(config)
        other = _other(args.compare, scenario_file)
    except ConfigError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {exc.filename}", file=sys.stderr)
        return EXIT_CONFIG
    scenario = scenario_file.scenario
    if args.seed is not None:
        scenario = scenario.model_copy(update={"seed": args.seed})
    start: date = args.start or scenario.start
    days: int = args.days or scenario.days
    title = f"switchboard simulate: {args.scenario} from {start} for {days} day(s), seed {scenario.seed}"
    if args.find_staffing:
        text = _find(config, scenario, start, days, args.format, title)
    elif other is None:
        result = _run(config, scenario, start, days, args.config)
        fig = figures_of(config, scenario, result)
        text = _with_goals(args.format, render_report(args.format, title, fig), scenario, fig)
    else:
        text = _compare(config, other, scenario, start, days, args, title)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _other(path: str | None, scenario_file: ScenarioFile) -> Config | None:
    if path is None:
        return None
    config = load_config(path)
    scenario_file.check(config)
    return config


def _run(config: Config, scenario: Scenario, start: date, days: int, label: str) -> Result:
    sim = Simulation(config, scenario, start, days)
    with Progress(label, days * 24, "h") as update:
        return sim.run(lambda done: update(done / 3600))


def _compare(
    config: Config,
    other: Config,
    scenario: Scenario,
    start: date,
    days: int,
    args: argparse.Namespace,
    title: str,
) -> str:
    names = (Path(args.config).name, Path(args.compare).name)
    if names[0] == names[1]:
        names = (args.config, args.compare)
    fig_a = figures_of(config, scenario, _run(config, scenario, start, days, names[0]))
    fig_b = figures_of(other, scenario, _run(other, scenario, start, days, names[1]))
    table = compare_sections(fig_a, fig_b, names)
    if args.format == "json":
        return render_json(
            {"title": title, "configs": names, "a": fig_a, "b": fig_b, "compare": table}
        )
    if args.format == "csv":
        return render_csv(table)
    if args.format == "html":
        body = [
            *table,
            *(_prefixed(s, names[0]) for s in sections(fig_a)),
            *(_prefixed(s, names[1]) for s in sections(fig_b)),
        ]
        return render_html(title, body, charts(fig_a, names[0]) + charts(fig_b, names[1]))
    return render_table(
        title, [*table, _goals(scenario, fig_a, names[0]), _goals(scenario, fig_b, names[1])]
    )


def _find(config: Config, scenario: Scenario, start: date, days: int, fmt: str, title: str) -> str:
    with Progress("finding staffing", 0, "runs") as update:
        found = find_staffing(config, scenario, start, days, lambda rounds, _: update(rounds))
    fig = figures_of(config, scenario, found.result)
    columns, rows = counts_table(found)
    heads = Section(
        "staffing",
        f"Logged-in home operators per tenant from each time of day ({found.rounds} runs)",
        columns,
        rows,
    )
    short = Section(
        "short",
        "Still below the goal with every home operator in",
        ("tenant", "slot"),
        tuple((t, str(s)) for t, s in found.short),
    )
    shifts = shifts_of(found.counts, found.slot_s, Simulation(config, scenario, start, 1).topo)
    if fmt == "json":
        return render_json(
            {
                "title": title,
                "staffing": [dict(zip(columns, r, strict=True)) for r in rows],
                "shifts": shifts,
                "short": found.short,
                "figures": fig,
            }
        )
    if fmt == "csv":
        return render_csv([heads, *sections(fig)])
    if fmt == "html":
        return render_html(title, [heads, short, *sections(fig)], charts(fig))
    yaml = YAML()
    yaml.default_flow_style = None
    lines: list[str] = []
    yaml.dump({"staffing": shifts}, _Lines(lines))
    text = render_table(title, [heads, short, _goals(scenario, fig, "")])
    return text + "\nScenario staffing for these counts:\n" + "".join(lines)


def _with_goals(fmt: str, text: str, scenario: Scenario, fig: Figures) -> str:
    if fmt != "table" or not scenario.targets:
        return text
    return text + render_table("", [_goals(scenario, fig, "")]).split("\n", 2)[2]


def _goals(scenario: Scenario, fig: Figures, label: str) -> Section:
    rows = tuple(
        (g.tenant, pct(g.level), pct(g.goal), "yes" if g.met else "NO")
        for g in goals(scenario, fig)
    )
    title = f"{label}: service level goals" if label else "Service level goals"
    return Section("goals", title, ("tenant", "level", "goal", "met"), rows)


def _prefixed(section: Section, label: str) -> Section:
    return Section(
        f"{label}:{section.name}", f"{label}: {section.title}", section.columns, section.rows
    )


class _Lines:
    """A write() target collecting text (for ruamel's dump)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str | bytes) -> None:
        self.lines.append(text if isinstance(text, str) else text.decode())
