"""Routing with and without 50 wallboards connected to the live stream (/api/stream).

Run: .venv/bin/python bench/bench_wallboard.py [--seconds 20] [--rate 20] [--clients 50] [--rounds 2]

Each phase starts a fresh engine against the fake PBX (real sockets, real time) and places
`--rate` calls per second for `--seconds` (after a 2 s warm-up); 40 operators answer after 0.3 s
and hang up after 1 s. In the `wallboards` phase `--clients` SSE clients read the stream with an
admin token the whole time. Two figures per phase: the
routing decision itself (decide(), as /metrics' switchboard_route_decision_seconds times it) and
the whole `route` FastAGI session as the fake PBX's dialplan runs it (connect to close), which
includes whatever else the event loop is doing, the stream among it. The clients run in a
child process (as browsers would be elsewhere), so their own parsing is not counted. Ratios are over the same
percentile without clients; phases alternate `--rounds` times and samples are pooled. "On
screen" is from placing a call to the first client reading its `arrived` event.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import structlog

import switchboard.fakepbx.dialplan as dialplan
from switchboard.config.loader import parse_config
from switchboard.engine.app import Engine
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers

TOKEN = "bench-admin-token-0123456789"
CONFIG = """
engine:
  agi: {{host: 127.0.0.1, port: {agi}, max_sessions: 1000}}
  ami: {{host: 127.0.0.1, port: {ami}, username: switchboard, secret: secret}}
  http: {{host: 127.0.0.1, port: 0}}
  api: {{tokens: {{bench: {{role: admin, token: {token}}}}}, max_clients: 500}}
  store: {{path: "{store}"}}
dispatch: {{offer_timeout_s: 15, wrapup_s: 0}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
  savsjo:
    name: Sävsjö kommun
    tag: SAVSJO
    numbers: ["+4638215000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
agents:
{agents}
"""
route_times: list[float] = []
placed: dict[str, float] = {}  # call id -> when placed (wall clock: the child compares)
on_screen: dict[str, float] = {}  # caller channel uniqueid -> seconds until a client saw it


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


async def readers(url: str, n: int) -> None:
    """The child process: `n` wallboards read the stream until SIGTERM, then report as JSON."""
    counts = {"bytes": 0, "events": 0}
    seen: dict[str, float] = {}  # call id -> when a client first read its `arrived` (wall clock)

    async def one(http: aiohttp.ClientSession) -> None:
        async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            async for line in response.content:
                counts["bytes"] += len(line)
                if line.startswith(b"event: "):
                    counts["events"] += 1
                elif line.startswith(b'data: {"event":"arrived"'):
                    uid = line.split(b'"call_id":"', 1)[1].split(b'"', 1)[0].decode()
                    seen.setdefault(uid, time.time())

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        tasks = [asyncio.create_task(one(http)) for _ in range(n)]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({**counts, "seen": seen}))


async def phase(
    clients: int, seconds: float, rate: float, n_agents: int, decisions: list[float]
) -> dict[str, float]:
    """Run one phase; route sessions in route_times, decide() times in `decisions`."""
    folder = Path(tempfile.mkdtemp(prefix="bench-wallboard-"))
    endpoints = tuple(str(2000 + i) for i in range(n_agents))
    agi = free_port()
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=300, requeue_wait_s=300),
        endpoints=endpoints,
        queues=tuple(
            QueueConfig(q)
            for q in ("vetlanda-switchboard", "savsjo-switchboard", "switchboard-fallback")
        ),
    )
    stats: dict[str, float] = {}
    async with Simulator(sim_config) as sim:
        agents = "\n".join(
            f"  op{ep}: {{device: PJSIP/{ep}, home: {'vetlanda' if int(ep) % 2 else 'savsjo'},"
            f" tenants: [vetlanda, savsjo], skills: {{vaxel: 3}}}}"
            for ep in endpoints
        )
        text = CONFIG.format(
            agi=agi, ami=sim.ami_port, token=TOKEN, store=folder / "sb.db", agents=agents
        )
        engine = Engine(parse_config(text, "bench.yaml", {}))
        engine.metrics.decision.observe = decisions.append  # type: ignore[method-assign]
        await engine.start()
        url = f"http://127.0.0.1:{engine.ops.http.port}/api/stream"
        child: asyncio.subprocess.Process | None = None
        try:
            await engine.ami.wait_ready(5)
            for ep in endpoints:
                sim.register(ep, answers(0.3, hangup_after_s=1.0))
                assert await sim.feature_code(ep, "login") == "ok"
            if clients:
                child = await asyncio.create_subprocess_exec(
                    sys.executable, __file__, "--readers", url, str(clients),
                    stdout=asyncio.subprocess.PIPE,
                )  # fmt: skip
                hub = engine.ops.api.hub.stats
                async with asyncio.timeout(15):
                    while hub.clients < clients:  # noqa: ASYNC110 - the hub has no signal for it
                        await asyncio.sleep(0.05)
            await load(sim, 2.0, rate)  # warm-up
            route_times.clear()
            decisions.clear()
            cpu = time.process_time()
            await load(sim, seconds, rate)
            stats["cpu_ms"] = (time.process_time() - cpu) * 1000
            hub = engine.ops.api.hub.stats
            stats.update(clients=hub.clients, dropped=hub.dropped)
        finally:
            if child is not None:
                child.terminate()
                out, _ = await child.communicate()
                report = json.loads(out)
                stats.update(events=report["events"], bytes=report["bytes"])
                for uid, at in report["seen"].items():
                    if uid in placed:
                        on_screen[uid] = at - placed[uid]
            await engine.stop(5)
    shutil.rmtree(folder, ignore_errors=True)
    return stats


async def load(sim: Simulator, seconds: float, rate: float) -> None:
    """Place calls at `rate` per second for `seconds`, then wait for every one to end."""
    calls = []
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < seconds:
        call = sim.place_call("038397000" if n % 2 else "038215000", f"0701{n:06d}")
        placed[call.uniqueid] = time.time()
        calls.append(call)
        n += 1
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
    await asyncio.wait_for(asyncio.gather(*(c.ended for c in calls)), 60)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


async def main() -> None:
    if sys.argv[1:2] == ["--readers"]:
        await readers(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    names = {"none": 0, "wallboards": args.clients}
    sessions: dict[str, list[float]] = {n: [] for n in names}
    decided: dict[str, list[float]] = {n: [] for n in names}
    totals: dict[str, dict[str, float]] = {n: {} for n in names}
    for _ in range(args.rounds):  # interleaved, so drift in the machine's load is shared
        for name, clients in names.items():
            gc.collect()
            decisions: list[float] = []
            stats = await phase(clients, args.seconds, args.rate, args.agents, decisions)
            sessions[name] += route_times
            decided[name] += decisions
            for key, value in stats.items():
                totals[name][key] = totals[name].get(key, 0) + value
    print(
        f"{args.rate:g} calls/s for {args.seconds:g} s per phase x {args.rounds} rounds, "
        f"{args.clients} SSE clients in the wallboards phase, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"{'phase':>10} {'calls':>6} {'decide p50 us':>14} {'decide p99 us':>14} {'p99/none':>9}"
        f" {'route p50 ms':>13} {'route p99 ms':>13} {'p99/none':>9} {'CPU ms/call':>12}"
        f" {'events read':>12} {'dropped':>8}"
    )
    for name in names:
        d, r, t = decided[name], sessions[name], totals[name]
        print(
            f"{name:>10} {len(r):>6} {pct(d, 0.5) * 1000:>14.1f} {pct(d, 0.99) * 1000:>14.1f}"
            f" {pct(d, 0.99) / pct(decided['none'], 0.99):>9.2f} {pct(r, 0.5):>13.2f}"
            f" {pct(r, 0.99):>13.2f} {pct(r, 0.99) / pct(sessions['none'], 0.99):>9.2f}"
            f" {t['cpu_ms'] / max(1, len(r)):>12.2f} {t.get('events', 0):>12.0f}"
            f" {t.get('dropped', 0):>8.0f}"
        )
    seen = list(on_screen.values())
    print(f"on screen (placed -> first client read `arrived`): p50 {pct(seen, 0.5):.1f} ms, "
          f"p99 {pct(seen, 0.99):.1f} ms, max {max(seen, default=0) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
