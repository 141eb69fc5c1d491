"""Run the demo: the fake PBX, the real engine (FastAGI, AMI, store) and the synthetic people."""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from switchboard.asterisk.ami.translate import NEEDED_EVENTS
from switchboard.config.api import ApiSettings, ApiToken
from switchboard.config.compile import compile_routing
from switchboard.config.models import Config
from switchboard.demo.feed import Feed
from switchboard.demo.traffic import Line, Traffic
from switchboard.engine.app import Engine
from switchboard.fakepbx.config import DialplanConfig, Fallback, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.logs import add_secrets

FALLBACK_QUEUE = "switchboard-fallback"


@dataclass(frozen=True)
class DemoOptions:
    """How the demo runs; `start` is the demo's wall clock at its beginning."""

    config: Config
    config_path: Path
    db: Path  # the store's SQLite file
    per_minute: float = 6.0
    speed: float = 1.0
    start: datetime | None = None
    seconds: float | None = None
    seed: int = 1
    http_port: int = 8080  # 0: any free port


async def run_demo(opts: DemoOptions, out: TextIO = sys.stdout) -> int:
    """Run until Ctrl-C, SIGTERM or `seconds` (real); returns the exit code."""
    db = opts.db
    operators = _operators(opts.config)
    sim = Simulator(_pbx(opts, operators, _free_port()))
    await sim.start()
    clock = _clock(opts.start, opts.speed)
    engine = Engine(
        _engine_config(opts, sim.config.dialplan.agi_port, sim.ami_port, db),
        clock=clock,
        tick_s=max(0.05, 1.0 / opts.speed),
        audit_s=60.0 / opts.speed,
    )
    names = {aid: a.name or aid for aid, a in opts.config.agents.items()}
    feed = Feed(engine.topo, names, {tid: t.tag for tid, t in opts.config.tenants.items()})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []
    try:
        traffic = Traffic(
            sim,
            _lines(opts.config),
            operators,
            opts.per_minute,
            opts.speed,
            random.Random(opts.seed),
        )
        for endpoint in operators:
            sim.register(endpoint, traffic.talker())
        await engine.start()
        engine.effects.observers.append(feed)
        await _ready(engine)
        for endpoint in operators:
            await sim.feature_code(endpoint, "login")
        tasks = [
            asyncio.create_task(traffic.callers(), name="demo-callers"),
            asyncio.create_task(traffic.operators_live(), name="demo-operators"),
            asyncio.create_task(_show(engine, feed, clock, out), name="demo-board"),
        ]
        print(_banner(opts, engine, db), file=out, flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), opts.seconds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await engine.stop(5)
        await sim.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print(_goodbye(opts, db, clock()), file=out, flush=True)
    return 0


def _operators(config: Config) -> list[str]:
    return [a.device.removeprefix("PJSIP/") for a in config.agents.values()]


def _lines(config: Config) -> list[Line]:
    """Every public number, the main numbers busier than the direct service lines."""
    lines = []
    for tenant in config.tenants.values():
        lines += [Line(n.lstrip("+"), 3.0) for n in tenant.numbers]
        for service in tenant.services.values():
            lines += [Line(n.lstrip("+"), 1.0) for n in service.numbers]
    return lines


def _pbx(opts: DemoOptions, operators: list[str], agi_port: int) -> SimConfig:
    table = compile_routing(opts.config)
    queues = [s.queue for t in table.tenants.values() for s in t.services.values()]
    return SimConfig(
        dialplan=DialplanConfig(
            agi_port=agi_port,
            default_wait_s=30,
            requeue_wait_s=30,
            fallback=Fallback(queue=FALLBACK_QUEUE),
        ),
        endpoints=tuple(operators),
        queues=(*(QueueConfig(q) for q in queues), QueueConfig(FALLBACK_QUEUE, "leastrecent")),
        time_scale=1.0 / opts.speed,
        event_filter=frozenset(NEEDED_EVENTS),
        secret="demo",
    )


def _engine_config(opts: DemoOptions, agi: int, ami: int, db: Path) -> Config:
    e = opts.config.engine
    api = e.api
    if not api.tokens:  # a token of the demo's own for acting; reading needs none on loopback
        token = ApiToken(role="admin", token=SecretStr(secrets.token_urlsafe(18)))
        api = ApiSettings(tokens={"demo": token}, loopback_read=True)
        add_secrets(api.secrets())  # printed once for the user, never logged
    engine = e.model_copy(
        update={
            "api": api,
            "http": e.http.model_copy(update={"host": "127.0.0.1", "port": opts.http_port}),
            "agi": e.agi.model_copy(update={"host": "127.0.0.1", "port": agi}),
            "ami": e.ami.model_copy(
                update={"host": "127.0.0.1", "port": ami, "secret": SecretStr("demo")}
            ),
            "store": e.store.model_copy(update={"path": str(db), "url": None}),
            "mqtt": e.mqtt.model_copy(update={"enabled": False}),
        }
    )
    return opts.config.model_copy(update={"engine": engine})


def _clock(start: datetime | None, speed: float) -> Callable[[], float]:
    origin = (start or datetime.now(UTC)).timestamp()
    real = time.time()
    return lambda: origin + (time.time() - real) * speed


async def _ready(engine: Engine) -> None:
    async with asyncio.timeout(15):
        while not engine.bridge.deliverable:  # noqa: ASYNC110 - no signal for this flag
            await asyncio.sleep(0.05)


async def _show(engine: Engine, feed: Feed, clock: Callable[[], float], out: TextIO) -> None:
    tty = out.isatty()
    while True:
        await asyncio.sleep(1.0 if tty else 10.0)
        now = clock()
        stamp = datetime.fromtimestamp(now, engine.topo.zone).strftime("%a %H:%M:%S")
        lines = feed.board(engine.board, stamp)
        if tty:
            out.write("\x1b[H\x1b[2J" + "\n".join(lines) + "\n")
        else:
            out.write(lines[0] + "\n")
        out.flush()


def _banner(opts: DemoOptions, engine: Engine, db: Path) -> str:
    base = f"http://127.0.0.1:{engine.ops.http.port}"
    demo = engine.config.engine.api.tokens.get("demo")
    secret = f"#token={demo.token.get_secret_value()}" if demo and demo.token else ""
    return (
        f"switchboard demo: {len(opts.config.tenants)} tenants, {len(opts.config.agents)} "
        f"operators, {opts.per_minute:g} calls per demo minute at {opts.speed:g}x\n"
        f"wallboard: {base}/   (read-only without a token, on this machine only)\n"
        f"act as admin: {base}/{secret}   agent view: {base}/agent{secret}   "
        f"API: {base}/api/docs\n"
        f"records: {db}   engine log: {db.parent / 'engine.log'}\n"
        "Ctrl-C stops."
    )


def _goodbye(opts: DemoOptions, db: Path, now: float) -> str:
    day = datetime.fromtimestamp(now, UTC).date().isoformat()
    return (
        f"demo stopped; its records stay in {db}\n"
        f"report: switchboard report -c {opts.config_path} --store {db} --from {day} --to {day}"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
