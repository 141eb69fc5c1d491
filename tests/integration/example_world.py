"""The example configuration end to end: the fake PBX loaded from the Asterisk configuration
`switchboard asterisk-config` writes for it, and the engine on a scaled clock."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from switchboard.cli import with_overrides
from switchboard.config.loader import load_config
from switchboard.engine.app import Engine
from switchboard.fakepbx.config import DialplanConfig
from switchboard.fakepbx.control import Simulator
from tests.conftest import EXAMPLE
from tests.integration.engine_world import World, free_port, written

EKSJO = "+4638136000"
VETLANDA = "+4638397000"
SAVSJO = "+4638215000"
HALDEN = "+4769170000"


def always_open(text: str) -> str:
    """The example with every tenant and service open around the clock, every day."""
    text = re.sub(r"(?m)^(\s+)holidays: .*\n", "", text)
    text = re.sub(r"(?m)^(\s+)hours: .*\n", r'\1hours: {mon-sun: "00:00-24:00"}\n', text)
    text = re.sub(r"(?m)^    special_days:\n(      .*\n)+", "", text)
    return re.sub(r"(?m)^    special_days: .*\n", "", text)


def example_yaml(tmp: Path, edit: Callable[[str], str] = lambda t: t) -> Path:
    path = tmp / "example.yaml"
    path.write_text(edit(always_open(EXAMPLE.read_text())))
    return path


@asynccontextmanager
async def example_world(
    tmp: Path,
    *,
    scale: float = 10.0,
    engine: bool = True,
    edit: Callable[[str], str] = lambda t: t,
    **sim_kw: object,
) -> AsyncIterator[World]:
    """Fake PBX (from the written configuration) and, unless `engine` is False, the engine."""
    agi = free_port()
    yaml = example_yaml(tmp, edit)
    dialplan = DialplanConfig(agi_port=agi, default_wait_s=300, requeue_wait_s=300)
    start = time.time()
    clock = lambda: start + (time.time() - start) * scale  # noqa: E731  also Asterisk's ${EPOCH}
    sim_config = written(tmp, yaml, dialplan=dialplan, time_scale=1 / scale, epoch=clock, **sim_kw)
    async with Simulator(sim_config) as sim:
        config = with_overrides(
            load_config(yaml, {"SWITCHBOARD_AMI__SECRET": "secret"}),
            f"127.0.0.1:{agi}",
            f"127.0.0.1:{sim.ami_port}",
            "127.0.0.1:0",
            str(tmp / "sb.db"),
        )
        if not engine:
            yield World(sim, None, config)  # type: ignore[arg-type]
            return
        app = Engine(config, clock=clock, tick_s=0.05)
        await app.start()
        w = World(sim, app, config)
        try:
            await app.ami.wait_ready(5)
            await w.until(lambda: app.bridge.snapshots > 0)
            yield w
        finally:
            await w.engine.stop(5)
