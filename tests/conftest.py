"""Shared test fixtures: paths to the example config and to the Asterisk recordings."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import fresh_database, postgres_server

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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for this test session (skipped with the reason if none starts)."""
    try:
        with postgres_server() as url:
            yield url
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        pytest.skip(f"no PostgreSQL: {exc} {detail}".strip())


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sb.db'}"
    server = request.getfixturevalue("postgres_url")
    return fresh_database(server, re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:60])
