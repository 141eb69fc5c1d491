"""The `switchboard check` and `route` commands as ops use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switchboard.cli import EXIT_CONFIG, EXIT_CONFIG_RUN, EXIT_OK, EXIT_USAGE, main
from tests.conftest import EXAMPLE


def test_check_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "-c", str(EXAMPLE)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.strip().endswith("OK: 4 tenants, 5 services, 5 numbers, 6 agents")


def test_check_reports_problems_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("partners: [savsjo]", "partners: [nassjo]"))
    assert main(["check", "-c", str(bad)]) == EXIT_CONFIG
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0]
        == f"{bad}:43: tenants.vetlanda.overflow.0.partners.0: unknown partner tenant 'nassjo'"
    )
    assert err[-1] == f"1 problem(s) in {bad}"


def route(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert main(["route", "-c", str(EXAMPLE), *args]) == EXIT_OK
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def test_route_at_local_time_of_the_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    out = route(capsys, "--number", "038397000", "--at", "2026-06-19T10:00")
    assert out["at"] == "2026-06-19T10:00:00+02:00"
    assert (out["action"], out["reason"], out["target"]) == (
        "voicemail",
        "holiday:Midsommarafton",
        "100@vetlanda",
    )


def test_route_with_offset_digit_and_caller(capsys: pytest.CaptureFixture[str]) -> None:
    out = route(
        capsys,
        *("--number", "+4638136000", "--digit", "2", "--caller", "0701234567"),
        *("--at", "2026-11-19T07:00:00+00:00"),
    )
    assert (out["service"], out["queue"], out["priority"]) == (
        "school-transport",
        "eksjo-school-transport",
        2,
    )


def test_route_now_and_unknown_number(capsys: pytest.CaptureFixture[str]) -> None:
    out = route(capsys, "--number", "12345")
    assert (out["action"], out["reason"]) == ("reject", "unknown_number")


def test_route_rejects_a_bad_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "-c", str(EXAMPLE), "--number", "1", "--at", "soon"]) == EXIT_USAGE
    assert "--at:" in capsys.readouterr().err


def test_run_with_an_invalid_file_exits_78_before_starting_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("partners: [savsjo]", "partners: [nassjo]"))
    assert main(["run", "-c", str(bad)]) == EXIT_CONFIG_RUN == 78  # RestartPreventExitStatus
    assert capsys.readouterr().err.startswith(f"{bad}:43: ")


def test_reload_without_a_running_engine_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reload", "--pid-file", str(tmp_path / "none.pid")]) == 1
    assert "systemctl reload switchboard" in capsys.readouterr().err
