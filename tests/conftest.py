"""Shared test fixtures: paths to the example config and to the Asterisk recordings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "smaland.yaml"
RECORDINGS = Path(
    os.environ.get("SWITCHBOARD_RECORDINGS", ROOT.parent / "shared" / "asterisk-recordings")
)


@pytest.fixture(scope="session")
def recordings() -> Path:
    """The folder of real Asterisk 22.10.1 recordings (../shared/asterisk-recordings)."""
    if not RECORDINGS.is_dir():
        pytest.fail(f"recordings not found at {RECORDINGS} (set SWITCHBOARD_RECORDINGS)")
    return RECORDINGS
