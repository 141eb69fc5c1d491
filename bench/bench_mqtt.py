"""Route-session latency with MQTT off, broker up, broker down and broker hung (SIGSTOP).

Run: .venv/bin/python bench/bench_mqtt.py [--seconds 30] [--rate 20] [--rounds 1] [--gc-freeze]

Each phase starts a fresh engine against the fake PBX (real sockets, real time) and places
`--rate` calls per second for `--seconds` (after a 2 s warm-up); 40 operators answer after
0.3 s and hang up after 1 s. Latency is one `route` FastAGI session as the fake PBX's dialplan
runs it (connect to close), so it includes whatever else the engine's event loop is doing,
the MQTT publisher among it. The broker is a real Mosquitto on a free loopback port: started
(up), stopped for the whole phase (down), or frozen with SIGSTOP (hung: connections stay
open, nothing is answered). Ratios are each phase's percentile over the same with MQTT off;
with `--rounds N` the phases alternate N times and their samples are pooled (the spread of the
rounds' p99 shows how much the machine's own load moves the figures). CPU ms/call is this
process's CPU time (engine and fake PBX, not the broker) over the measured calls: the publisher's
own cost, which other load on the machine hardly moves.
`--gc-freeze` moves the engine's start-up heap out of the garbage collector's way once it runs
(gc.freeze()): full collections over that heap otherwise stall the loop for 50-150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import structlog

import switchboard.fakepbx.dialplan as dialplan
from switchboard.config.loader import parse_config
from switchboard.engine.app import Engine
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers

PHASES = ("off", "up", "down", "hung")
CONFIG = """
engine:
  agi: {{host: 127.0.0.1, port: {agi}, max_sessions: 1000}}
  ami: {{host: 127.0.0.1, port: {ami}, username: switchboard, secret: secret}}
  mqtt: {{enabled: {enabled}, port: {mqtt}, topic_prefix: bench}}
  store: {{path: "{store}"}}
dispatch: {{offer_timeout_s: 15, wrapup_s: 0}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
agents:
{agents}
"""
route_times: list[float] = []


async def timed_agi(pbx: object, ch: object, script: str, args: list[str]) -> str:
    """The dialplan's FastAGI call, timed when it is `route`."""
    started = time.perf_counter()
    status = await original_agi(pbx, ch, script, args)  # type: ignore[arg-type]
    if script.startswith("route"):
        route_times.append(time.perf_counter() - started)
    return status


original_agi = dialplan.run_agi
dialplan.run_agi = timed_agi  # type: ignore[assignment]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(folder: Path, port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("mosquitto", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if binary is None:
        sys.exit("no mosquitto: install Debian's mosquitto package")
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    proc = subprocess.Popen([binary, "-c", str(conf)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.01)
    sys.exit("mosquitto did not start")


async def phase(
    name: str, seconds: float, rate: float, n_agents: int, freeze: bool
) -> dict[str, float]:
    """Run one phase; latencies in route_times, MQTT counters returned."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-mqtt-{name}-"))
    port = free_port()
    broker = start_broker(folder, port) if name != "off" else None
    endpoints = tuple(str(2000 + i) for i in range(n_agents))
    agi = free_port()
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=300, requeue_wait_s=300),
        endpoints=endpoints,
        queues=(QueueConfig("vetlanda-switchboard"),),
    )
    stats: dict[str, float] = {}
    try:
        async with Simulator(sim_config) as sim:
            agents = "\n".join(
                f"  op{ep}: {{device: PJSIP/{ep}, home: vetlanda, skills: {{vaxel: 3}}}}"
                for ep in endpoints
            )
            text = CONFIG.format(
                agi=agi, ami=sim.ami_port, enabled=str(name != "off").lower(), mqtt=port,
                store=folder / "sb.db", agents=agents,
            )  # fmt: skip
            engine = Engine(parse_config(text, "bench.yaml", {}))
            await engine.start()
            try:
                await engine.ami.wait_ready(5)
                for ep in endpoints:
                    sim.register(ep, answers(0.3, hangup_after_s=1.0))
                    assert await sim.feature_code(ep, "login") == "ok"
                if engine.mqtt is not None:
                    async with asyncio.timeout(15):  # polls: the link has no event to wait on
                        while not engine.mqtt.stats.connected:  # noqa: ASYNC110
                            await asyncio.sleep(0.05)
                await load(sim, 2.0, rate)  # warm-up
                if freeze:
                    gc.collect()
                    gc.freeze()
                if broker is not None and name == "down":
                    broker.terminate()
                    broker.wait()
                elif broker is not None and name == "hung":
                    broker.send_signal(signal.SIGSTOP)
                route_times.clear()
                cpu = time.process_time()
                await load(sim, seconds, rate)
                stats["cpu_ms"] = (time.process_time() - cpu) * 1000
                if engine.mqtt is not None:
                    s = engine.mqtt.stats
                    stats.update(published=s.events_published, dropped=s.events_dropped)
            finally:
                if broker is not None and broker.poll() is None:
                    broker.send_signal(signal.SIGCONT)
                await engine.stop(5)
                gc.unfreeze()
    finally:  # a failed phase must not leave its broker running
        if broker is not None and broker.poll() is None:
            broker.terminate()
            broker.wait()
    shutil.rmtree(folder, ignore_errors=True)
    return stats


async def load(sim: Simulator, seconds: float, rate: float) -> None:
    """Place calls at `rate` per second for `seconds`, then wait for every one to end."""
    calls = []
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        calls.append(sim.place_call("038397000", f"0701{n:06d}"))
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
    await asyncio.wait_for(asyncio.gather(*(c.ended for c in calls)), 60)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--gc-freeze", action="store_true")
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    times: dict[str, list[float]] = {name: [] for name in PHASES}
    p99s: dict[str, list[float]] = {name: [] for name in PHASES}
    sent: dict[str, dict[str, float]] = {name: {} for name in PHASES}
    for _ in range(args.rounds):  # phases interleaved, so drift in the machine's load is shared
        for name in PHASES:
            stats = await phase(name, args.seconds, args.rate, args.agents, args.gc_freeze)
            times[name] += route_times
            p99s[name].append(pct(route_times, 0.99))
            for key, value in stats.items():
                sent[name][key] = sent[name].get(key, 0) + value
    report(args, times, p99s, sent)


def report(
    args: argparse.Namespace,
    times: dict[str, list[float]],
    p99s: dict[str, list[float]],
    sent: dict[str, dict[str, float]],
) -> None:
    base = times["off"]
    print(
        f"route sessions, {args.rate:g} calls/s for {args.seconds:g} s per phase x {args.rounds}"
        f" rounds, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
        + (", gc frozen after start-up" if args.gc_freeze else "")
    )
    print(
        f"{'broker':>6} {'calls':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
        f" {'p50/off':>8} {'p99/off':>8} {'p99 per round':>16} {'CPU ms/call':>12}"
        f" {'CPU/off':>8} {'events sent':>12} {'dropped':>8}"
    )
    cpu = {name: sent[name]["cpu_ms"] / max(1, len(lat)) for name, lat in times.items()}
    for name, lat in times.items():
        spread = f"{min(p99s[name]):.0f}-{max(p99s[name]):.0f}"
        print(
            f"{name:>6} {len(lat):>6} {pct(lat, 0.5):>7.2f} {pct(lat, 0.99):>7.2f}"
            f" {max(lat) * 1000:>7.2f} {pct(lat, 0.5) / pct(base, 0.5):>8.2f}"
            f" {pct(lat, 0.99) / pct(base, 0.99):>8.2f} {spread:>16}"
            f" {cpu[name]:>12.2f} {cpu[name] / cpu['off']:>8.2f}"
            f" {sent[name].get('published', 0):>12.0f} {sent[name].get('dropped', 0):>8.0f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
