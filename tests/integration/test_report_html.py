"""The HTML report opened offline in a real headless Chromium (Debian's `chromium`, driven by
Playwright with the system executable): the charts are drawn and the matrix is rendered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Request

from switchboard.cli import main
from switchboard.store.store import Store
from tests.browser import chromium
from tests.integration.report_day import DAY, WORLD, run, write


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    """The day's report as one HTML file."""
    store = Store(tmp_path / "sb.db")
    write(run(), store)
    assert store.close()
    config = tmp_path / "sb.yaml"
    config.write_text(WORLD)
    out = tmp_path / "report.html"
    args = ["-c", str(config), "--from", DAY, "--to", DAY, "--store", str(tmp_path / "sb.db")]
    assert main(["report", *args, "--format", "html", "--output", str(out)]) == 0
    return out


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    """A fresh Chromium profile, offline."""
    with chromium(tmp_path / "profile", offline=True) as context:
        yield context


def test_the_html_report_shows_its_charts_and_the_matrix_offline(
    browser: BrowserContext, page_file: Path
) -> None:
    page = browser.new_page()
    fetched: list[str] = []
    page.on("request", lambda r: _remote(r, fetched))
    page.goto(page_file.as_uri())
    assert page.title().startswith("switchboard report: 2026-10-25")
    charts = page.locator("svg.chart")
    assert charts.count() == 3  # alpha's and beta's calls per hour, the heat map
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box is not None
        assert box["width"] >= 200
        assert box["height"] >= 60
    bars = page.locator("svg.chart rect.bar")
    assert bars.count() == 50  # 25 hours each on the day the clocks go back
    assert page.locator("svg.chart polyline.level").count() == 2
    heat = charts.nth(2)
    titles = heat.locator("rect title").all_text_contents()
    assert "alpha answered by beta: 3.3" in titles
    matrix = page.locator("h2#matrix + table tbody tr")
    assert matrix.count() == 3
    assert matrix.nth(1).locator("td").all_text_contents() == ["alpha", "beta", "1", "3.3", "26.7%"]
    settlement = page.locator("h2#settlements + table tbody tr td").all_text_contents()
    assert settlement == ["alpha", "beta", "6.00", "SEK"]
    assert fetched == []  # self-contained: nothing but the file itself


def _remote(request: Request, fetched: list[str]) -> None:
    if not request.url.startswith("file://"):
        fetched.append(request.url)
