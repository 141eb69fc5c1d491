"""Debian's Chromium, headless and offline, driven by Playwright with the system executable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Error, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# As root in a closed network: no sandbox, and nothing that phones home at start.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[BrowserContext]:
    """A fresh persistent context in `profile` (the test is skipped, with the reason, when
    Chromium is missing or cannot start); `options` go to launch_persistent_context."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package")
    with sync_playwright() as p:
        try:
            context = p.chromium.launch_persistent_context(
                str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS, **options
            )
        except Error as exc:
            pytest.skip(f"Chromium at {CHROMIUM} cannot start: {exc}")
        try:
            yield context
        finally:
            context.close()
