"""`switchboard demo` headless: starts, routes calls through the real engine, stops cleanly and
leaves records a report can read."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp

from switchboard.cli import main
from switchboard.config.loader import load_config
from switchboard.demo.run import DemoOptions, run_demo
from tests.conftest import EXAMPLE
from tests.records import read_records


async def test_the_demo_routes_calls_and_stops_within_its_time(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    out = io.StringIO()
    # a Tuesday at 15:20 in Sweden: Halden (Norway, open until 15:30) closes during the demo
    start = datetime(2026, 12, 1, 15, 27, tzinfo=ZoneInfo("Europe/Stockholm"))
    options = DemoOptions(
        config=load_config(EXAMPLE),
        config_path=EXAMPLE,
        per_minute=12,
        speed=40,
        start=start,
        seconds=8,
        seed=3,
        db=db,
        http_port=0,
    )
    began = time.monotonic()
    demo = asyncio.create_task(run_demo(options, out))
    async with asyncio.timeout(10):
        # Polls: the demo writes its banner to a plain text stream once it is up.
        while "wallboard: http" not in out.getvalue():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    url = re.search(r"wallboard: (http://\S+)", out.getvalue())
    assert url is not None
    async with aiohttp.ClientSession() as http, http.get(url.group(1)) as page:
        assert page.status == 200
        assert "<html" in (await page.text()).lower()
    assert await demo == 0
    assert time.monotonic() - began < 20
    text = out.getvalue()
    assert "switchboard demo: 4 tenants, 6 operators" in text
    assert f"--store {db}" in text
    assert "wallboard: http://127.0.0.1:" in text
    assert "/agent#token=" in text  # a token of the demo's own to act with
    records = read_records(db)
    outcomes = {r.outcome for r in records}
    assert len(records) > 20
    assert "answered" in outcomes
    assert "closed" in outcomes  # Halden after 15:30
    assert any(r.answered_by_home not in (None, r.tenant) for r in records)  # a partner answered
    assert any(a.result == "noanswer" for r in records for a in r.attempts)  # a miss, re-offered
    # the printed report command reads the demo's records
    command = re.search(r"report: switchboard (report .*)", text)
    assert command is not None
    report = tmp_path / "report.json"
    assert main([*command.group(1).split(), "--format", "json", "--output", str(report)]) == 0
    figures = json.loads(report.read_text("utf-8"))["figures"]
    assert {t["tenant"] for t in figures["tenants"]} >= {"vetlanda", "savsjo"}
