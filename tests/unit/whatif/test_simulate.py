"""`switchboard simulate`: determinism, common random numbers, --compare, validation, staffing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.cli import EXIT_CONFIG, EXIT_OK, main
from switchboard.config.loader import load_config
from switchboard.whatif.load import load_scenario
from switchboard.whatif.simulation import Simulation
from tests.conftest import EXAMPLE

SCENARIO = EXAMPLE.parent / "smaland-scenario.yaml"


def one_day(seed: int, config_path: Path = EXAMPLE) -> Simulation:
    config = load_config(config_path)
    scenario = load_scenario(SCENARIO).scenario.model_copy(update={"seed": seed})
    return Simulation(config, scenario, scenario.start, 1)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**31))
def test_the_same_seed_gives_the_same_records(seed: int) -> None:
    first, second = one_day(seed).run(), one_day(seed).run()
    assert first.records == second.records
    assert first.intervals == second.intervals
    assert first.callers > 100


def test_another_seed_other_callers() -> None:
    a, b = one_day(1).run(), one_day(2).run()
    assert [r.arrived_at for r in a.records] != [r.arrived_at for r in b.records]


def test_two_configurations_meet_the_same_callers(tmp_path: Path) -> None:
    lone = tmp_path / "lone.yaml"
    lone.write_text(EXAMPLE.read_text().replace("tenants: [savsjo], ", ""))
    a, b = one_day(5).run(), one_day(5, lone).run()
    arrivals = lambda r: sorted((x.id, x.arrived_at, x.tenant) for x in r.records)  # noqa: E731
    assert arrivals(a) == arrivals(b)
    talk = {x.id: x.ended_at - x.answered_at for x in a.records if x.answered_at and x.ended_at}
    other = {x.id: x.ended_at - x.answered_at for x in b.records if x.answered_at and x.ended_at}
    same = list(talk.keys() & other.keys())
    assert same
    assert all(abs(talk[c] - other[c]) < 1e-6 for c in same)


def test_every_call_ends_and_closed_tenants_turn_callers_away() -> None:
    result = one_day(3).run()
    assert all(r.outcome is not None for r in result.records)
    outcomes = {r.outcome for r in result.records}
    assert {"answered", "voicemail"} <= outcomes  # vetlanda's calls after 16:30 go to voicemail
    closed = [r for r in result.records if not r.queue]
    assert closed
    assert all(r.tenant == "vetlanda" for r in closed)


def test_compare_prints_both_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lone = tmp_path / "lone.yaml"
    lone.write_text(EXAMPLE.read_text().replace("partners: [savsjo]", "partners: [eksjo]"))
    args = ["simulate", "-c", str(EXAMPLE), "--scenario", str(SCENARIO), "--days", "1"]
    assert main([*args, "--compare", str(lone), "--format", "json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["configs"] == ["smaland.yaml", "lone.yaml"]
    offered = (
        {t["tenant"]: t["offered"] for t in out["a"]["tenants"]},
        {t["tenant"]: t["offered"] for t in out["b"]["tenants"]},
    )
    assert offered[0] == offered[1]  # the same callers
    rows = out["compare"][0]["rows"]
    assert rows[[r[:2] for r in rows].index(["vetlanda", "offered"])][:2] == ["vetlanda", "offered"]
    assert main([*args, "--compare", str(lone)]) == EXIT_OK
    table = capsys.readouterr().out
    assert "smaland.yaml vs lone.yaml" in table
    assert "change" in table


@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_formats_and_output_file(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    args = ["simulate", "-c", str(EXAMPLE), "--scenario", str(SCENARIO), "--days", "1"]
    assert main([*args, "--format", fmt, "--output", str(out), "--seed", "4"]) == EXIT_OK
    text = out.read_text()
    assert "vetlanda" in text
    if fmt == "html":
        assert text.count("<svg") >= 2


def test_scenario_errors_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = SCENARIO.read_text().splitlines()

    def line(needle: str) -> int:
        return next(i for i, text in enumerate(lines, 1) if needle in text)

    bad = tmp_path / "bad.yaml"
    text = SCENARIO.read_text().replace("no_answer: 0.03", "no_answer: 1.5")
    bad.write_text(text.replace('"06:30": 8', '"6h30": 8'))
    assert main(["simulate", "-c", str(EXAMPLE), "--scenario", str(bad)]) == EXIT_CONFIG
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}:{line('06:30')}: arrivals.3.per_hour: '6h30' is not a time of day HH:MM",
        f"{bad}:{line('no_answer:')}: no_answer: Input should be less than or equal to 1",
        f"2 problem(s) in {bad}",
    ]
    text = SCENARIO.read_text().replace("  - tenant: halden", "  - tenant: nassjo")
    bad.write_text(text.replace("{agents: [bengt]", "{agents: [bengt, zorro]"))
    assert main(["simulate", "-c", str(EXAMPLE), "--scenario", str(bad)]) == EXIT_CONFIG
    unknown = "(not in the configuration)"
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}:{line('tenant: halden')}: arrivals.4.tenant: unknown tenant 'nassjo' {unknown}",
        f"{bad}:{line('agents: [bengt]')}: staffing.1.agents.1: unknown agent 'zorro' {unknown}",
        f"2 problem(s) in {bad}",
    ]


def test_find_staffing_meets_the_goals(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "-c", str(EXAMPLE), "--scenario", str(SCENARIO), "--days", "1"]
    assert main([*args, "--find-staffing", "--format", "json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["staffing"]
    assert out["shifts"]
    levels = {t["tenant"]: t["service_level"] for t in out["figures"]["tenants"]}
    short = {t for t, _ in out["short"]}
    goals = {"vetlanda": 0.8, "savsjo": 0.8, "eksjo": 0.8, "halden": 0.7}
    assert all(levels[t] >= g for t, g in goals.items() if t not in short), (levels, short)
