"""The shipped systemd unit: `systemd-analyze verify` accepts it without a single warning."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from switchboard.cli import EXIT_CONFIG_RUN
from switchboard.engine.app import EXIT_ASTERISK
from tests.conftest import ROOT

UNIT = ROOT / "packaging" / "systemd" / "switchboard.service"
INSTALLED = "/opt/switchboard/bin/switchboard"


def service_section() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT)
    return dict(parser["Service"])


def test_systemd_analyze_verify_passes(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (Debian package systemd; .ci/run installs it)")
    # verify checks that ExecStart exists: point it at this checkout's command.
    command = Path(sys.executable).with_name("switchboard")
    assert command.exists(), f"{command}: install the project (make install)"
    unit = tmp_path / "switchboard.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED, str(command)))
    done = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # verify exits 0 on lines it ignores: none allowed


def test_the_unit_asks_what_the_engine_does() -> None:
    service = service_section()
    assert service["Type"] == "notify"
    assert service["ExecStart"].startswith(f"{INSTALLED} run ")
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert {str(EXIT_CONFIG_RUN), str(EXIT_ASTERISK)} <= set(
        service["RestartPreventExitStatus"].split()
    )
    assert service["Restart"] == "on-failure"
    assert service["CapabilityBoundingSet"] == ""
    assert (service["ProtectSystem"], service["NoNewPrivileges"], service["PrivateTmp"]) == (
        "strict",
        "yes",
        "yes",
    )
    assert service["StateDirectory"] == service["RuntimeDirectory"] == "switchboard"
    assert "/var/lib/switchboard/" in service["ExecStart"]  # the database in StateDirectory
