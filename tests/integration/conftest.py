"""Fixtures of the integration tests that run `switchboard run` as a process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.daemon import Systemd


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[Systemd]:
    """The service manager's end of a real NOTIFY_SOCKET (a unix datagram socket)."""
    manager = Systemd(tmp_path / "notify")
    yield manager
    manager.close()
