"""The engine against the simulated Asterisk over real sockets, on a scaled clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from switchboard.asterisk.config import AsteriskOptions, write_asterisk_config
from switchboard.config.api import ApiSettings
from switchboard.config.loader import load_config, parse_config
from switchboard.config.models import Config
from switchboard.config.settings import MqttSettings
from switchboard.engine.app import Engine
from switchboard.fakepbx.asterisk_conf import sim_config
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from tests.ports import free_port

SCALE = 10.0  # engine seconds per real second; the simulator runs at 1/SCALE

TEMPLATE = """
engine:
  agi: {{host: 127.0.0.1, port: {agi}}}
  ami: {{host: 127.0.0.1, port: {ami}, username: switchboard, secret: secret, keepalive_s: 2}}
  http: {{port: 0}}
  store: {{path: "{store}"}}
dispatch: {{offer_timeout_s: 15, misses_before_pause: 2, wrapup_s: 5}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
    overflow: [{{after_s: 30, partners: [savsjo]}}]
  savsjo:
    name: Sävsjö kommun
    tag: SAVSJO
    numbers: ["+4638215000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
    overflow: [{{after_s: 30, partners: [vetlanda]}}]
agents:
{agents}
"""
VETLANDA = "4638397000"
SAVSJO = "4638215000"


def written(tmp: Path, yaml: Path, **sim_kw: object) -> SimConfig:
    """The fake PBX loaded from the Asterisk configuration `switchboard asterisk-config` writes
    for `yaml` (into tmp/asterisk)."""
    modules = tmp / "modules"
    modules.mkdir(exist_ok=True)
    options = AsteriskOptions(modules=str(modules), sounds=str(tmp), moh=str(tmp), quiet=True)
    out = tmp / "asterisk"
    write_asterisk_config(load_config(yaml, {}), str(yaml), out, options)
    return sim_config(out, **sim_kw)


def world_config(tmp: Path, agents: dict[str, str], agi: int, ami: int) -> Config:
    """`agents` maps endpoint (1001...) to home tenant."""
    lines = "\n".join(
        f"  op{ep}: {{device: PJSIP/{ep}, home: {home}, skills: {{vaxel: 3}}}}"
        for ep, home in agents.items()
    )
    text = TEMPLATE.format(agi=agi, ami=ami, store=tmp / "sb.db", agents=lines)
    return parse_config(text, "world.yaml", {})


@dataclass
class World:
    sim: Simulator
    engine: Engine
    config: Config

    async def until(self, predicate: Callable[[], bool], within_s: float = 10.0) -> None:
        """Wait for a condition on engine or simulator state, with a deadline."""
        async with asyncio.timeout(within_s):
            # Polls: the predicates read engine and simulator state, which have no common signal.
            while not predicate():  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    def status(self, agent: str) -> str:
        return self.engine.live.state.agents[agent].status(self.engine.clock()).value

    async def restart_engine(self) -> None:
        """Stop this engine and start a new one on the same config, store and ports."""
        await self.engine.stop(5)
        self.engine = Engine(self.config, clock=self.engine.clock, tick_s=0.05)  # time goes on
        await self.engine.start()
        await self.engine.ami.wait_ready(5)
        await self.until(lambda: self.engine.bridge.snapshots > 0)

    async def login(self, *endpoints: str) -> None:
        for ep in endpoints:
            assert await self.sim.feature_code(ep, "login") == "ok"
        await self.until(lambda: all(self.status(f"op{ep}") != "logged_out" for ep in endpoints))


def scaled_clock() -> Callable[[], float]:
    start = time.time()
    return lambda: start + (time.time() - start) * SCALE


@asynccontextmanager
async def world(
    tmp: Path,
    agents: dict[str, str],
    mqtt: MqttSettings | None = None,
    api: ApiSettings | None = None,
    **sim_kw: object,
) -> AsyncIterator[World]:
    """Simulator + engine, both started; agents registered as answering phones."""
    clock = scaled_clock()  # the engine's, and Asterisk's wall clock in the simulator
    agi = free_port()
    config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=300, requeue_wait_s=300),
        endpoints=tuple(agents),
        queues=(
            QueueConfig("vetlanda-switchboard"),
            QueueConfig("savsjo-switchboard"),
            QueueConfig("switchboard-fallback"),
        ),
        time_scale=1 / SCALE,
        epoch=clock,
        **sim_kw,  # type: ignore[arg-type]
    )
    async with Simulator(config) as sim:
        for ep in agents:
            sim.register(ep)
        engine_config = world_config(tmp, agents, agi, sim.ami_port)
        if mqtt is not None or api is not None:
            update = {"mqtt": mqtt} if mqtt is not None else {}
            update |= {"api": api} if api is not None else {}
            settings = engine_config.engine.model_copy(update=update)
            engine_config = engine_config.model_copy(update={"engine": settings})
        engine = Engine(engine_config, clock=clock, tick_s=0.05)
        await engine.start()
        try:
            await engine.ami.wait_ready(5)
            w = World(sim, engine, engine_config)
            await w.until(lambda: engine.bridge.snapshots > 0)
            yield w
        finally:
            await w.engine.stop(5)
