"""The wallboard and the agent view in a real headless Chromium (Debian's, driven by Playwright)
against the engine and the fake PBX: every tenant shown, a call on screen within 2 s, a missed
target turns its panel red, pausing from the agent view pauses the operator in the engine."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect

from tests.browser import chromium
from tests.integration.api_world import TOKENS, Served, served
from tests.integration.engine_world import VETLANDA

FULL_HD = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Served]:
    """The engine with its API and the fake PBX, in a thread of its own."""
    (tmp_path / "world").mkdir()
    with served(tmp_path / "world") as s:
        yield s


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile the size of a 1080p wall screen."""
    with chromium(tmp_path / "profile", viewport=FULL_HD) as context:
        yield context


def test_the_wallboard_shows_calls_live_and_a_missed_target_in_red(
    browser: BrowserContext, daemon: Served, tmp_path: Path
) -> None:
    page = browser.new_page()
    elsewhere = _watch(page, daemon.base)
    page.goto(f"{daemon.base}/#token={TOKENS['admin']['token']}")
    panels = page.locator("section.tenant")
    expect(panels).to_have_count(2)
    assert panels.evaluate_all("ps => ps.map(p => p.dataset.tenant)") == ["vetlanda", "savsjo"]
    vetlanda = page.locator('section.tenant[data-tenant="vetlanda"]')
    expect(vetlanda.locator("h2")).to_have_text("Vetlanda kommun")
    expect(vetlanda).to_contain_text("Väntar")  # the tenant's language: Swedish
    expect(page.locator("#status")).to_have_class("live")
    assert "#token" not in page.url  # taken out of the address bar
    waiting = vetlanda.locator(".figure.waiting .value")
    expect(waiting).to_have_text("0")

    started = time.monotonic()
    daemon.run(_call(daemon))
    expect(waiting).to_have_text("1", timeout=2000)
    assert time.monotonic() - started < 2.0
    expect(vetlanda).not_to_have_class("tenant missed")
    # 30 s answer target at the world's 10x clock: about 3 s until the caller is late
    expect(vetlanda).to_have_class("tenant missed", timeout=8000)
    colour = vetlanda.evaluate("p => getComputedStyle(p).backgroundColor")
    red, green, blue = (int(x) for x in colour.removeprefix("rgb(").rstrip(")").split(","))
    assert red > 2 * max(green, blue), colour
    expect(page.locator("#overview")).to_have_class("overview missed")
    expect(vetlanda.locator("svg.chart polyline")).to_have_attribute("points", re.compile(r"\d"))
    page.screenshot(path=str(tmp_path / "wallboard.png"), full_page=True)
    page.set_viewport_size(LAPTOP)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP["width"]  # no sideways scrolling on a laptop
    assert elsewhere == []  # nothing from outside the engine: it works offline


def test_pausing_from_the_agent_view_pauses_the_operator_in_the_engine(
    browser: BrowserContext, daemon: Served, tmp_path: Path
) -> None:
    page = browser.new_page()
    elsewhere = _watch(page, daemon.base)
    page.goto(f"{daemon.base}/agent#token={TOKENS['op']['token']}")
    state = page.locator("#state")
    expect(state).to_have_attribute("data-status", "logged_out")
    page.locator("#login").click()
    expect(state).to_have_attribute("data-status", "available")
    daemon.run(daemon.world.w.until(lambda: daemon.world.w.status("op1001") == "available"))
    page.locator("#reason").fill("lunch")
    page.locator("#pause").click()
    expect(state).to_have_attribute("data-status", "paused")
    expect(page.locator("#reason-now")).to_contain_text("lunch")
    engine = daemon.world.w.engine
    daemon.run(daemon.world.w.until(lambda: daemon.world.w.status("op1001") == "paused"))
    assert engine.live.state.agents["op1001"].paused == "lunch"
    page.screenshot(path=str(tmp_path / "agent.png"), full_page=True)
    assert elsewhere == []


async def _call(daemon: Served) -> None:
    daemon.world.w.sim.place_call(VETLANDA)


def _watch(page: Page, base: str) -> list[str]:
    fetched: list[str] = []

    def seen(request: Request) -> None:
        if not request.url.startswith(base):
            fetched.append(request.url)

    page.on("request", seen)
    return fetched
