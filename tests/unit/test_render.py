"""asterisk-config/render as the container entrypoint calls it (explicit directories)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RENDER = ROOT / "asterisk-config" / "render"


def render(tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    modules = tmp / "modules"
    modules.mkdir(exist_ok=True)
    args = [sys.executable, str(RENDER), str(tmp / "out"), "--quiet", "--modules", str(modules),
            "--sounds", str(tmp), "--moh", str(tmp), "--ami-secret", "s3cret",
            "--operator-secret", "opsecret", "--engine", "127.0.0.1:4573", *extra]  # fmt: skip
    return subprocess.run(args, capture_output=True, text=True, check=False)


def test_explicit_directories_render_every_placeholder(tmp_path: Path) -> None:
    done = render(tmp_path, "--sip-host", "0.0.0.0", "--ami-port", "35038")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    texts = {p.name: p.read_text() for p in out.glob("*.conf")}
    assert "switchboard.conf" in texts
    leftovers = {name: re.findall(r"@[A-Z_]+@", text) for name, text in texts.items()}
    assert {name: found for name, found in leftovers.items() if found} == {}
    assert f"astmoddir => {tmp_path / 'modules'}" in texts["asterisk.conf"]
    assert "secret = s3cret" in texts["manager.conf"]
    assert "35038" in texts["manager.conf"]
    assert (out / "data" / "sounds").is_symlink()


def test_line_breaks_in_values_are_refused(tmp_path: Path) -> None:
    done = render(tmp_path, "--trunk-host", "1.2.3.4\nexten => evil")
    assert done.returncode == 2
    assert "must not contain CR, LF" in done.stderr
    assert not (tmp_path / "out").exists()
