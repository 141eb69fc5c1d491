"""Routing while the database is locked: route sessions p50/p99 with and without another process
holding SQLite's write lock, side by side, and how long the queued records take to land after.

Run: .venv/bin/python bench/bench_store_lock.py [--seconds 30] [--rate 50]

The engine runs in this process (its writer thread beside its event loop) with no AMI, so
every `route` is answered (the static fallback) and written as a record at once. The load
generator is a fake Asterisk (switchboard.asterisk.agi.peer) on the same loop: `rate` sessions
per second, each measured from connect to the engine's close. Phase 1 runs with a free
database, phase 2 while a second process holds `BEGIN EXCLUSIVE` for the whole phase.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import structlog

from switchboard.asterisk.agi.peer import FakeChannel, header_block, run_session
from switchboard.config.loader import parse_config
from switchboard.engine.app import Engine

CONFIG = """
engine:
  agi: {{host: 127.0.0.1, port: 0}}
  ami: {{host: 127.0.0.1, port: 1, secret: x}}
  store: {{path: "{db}"}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel]}}}}
agents:
  asa: {{device: PJSIP/1001, home: vetlanda, skills: {{vaxel: 3}}}}
"""
HOLD = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


async def phase(engine: Engine, seconds: float, rate: float, base: int) -> list[float]:
    """Route sessions at `rate` per second for `seconds`; their latencies in ms."""
    latencies: list[float] = []
    tasks: set[asyncio.Task[None]] = set()

    async def one(n: int) -> None:
        header = header_block(uniqueid=f"1800000000.{base + n}", arg_1="070123456")
        started = time.perf_counter()
        await run_session("127.0.0.1", engine.agi.port, header, FakeChannel().respond)
        latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    for n in range(int(seconds * rate)):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        task = asyncio.create_task(one(n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return latencies


def summary(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=100)
    return f"{name:<22} n={len(ms):>5}  p50={q[49]:6.2f} ms  p99={q[98]:6.2f} ms  max={max(ms):7.2f} ms"


async def main(seconds: float, rate: float) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "sb.db"
        engine = Engine(parse_config(CONFIG.format(db=db), "bench.yaml", {}))
        await engine.start()
        try:
            free = await phase(engine, seconds, rate, 0)
            holder = await asyncio.create_subprocess_exec(
                sys.executable, "-c", HOLD, str(db),
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert holder.stdout is not None
            assert holder.stdin is not None
            assert (await holder.stdout.readline()).strip() == b"locked"
            locked = await phase(engine, seconds, rate, 1_000_000)
            health = engine.store.health
            pending, failures = health.pending, health.failures
            holder.stdin.close()
            await holder.wait()
            released = time.perf_counter()
            flushed = await asyncio.to_thread(engine.store.flush, 60.0)
            landed_s = time.perf_counter() - released
        finally:
            await engine.stop(5)
        print(summary("route, database free", free))
        print(summary("route, database locked", locked))
        p99_free = statistics.quantiles(free, n=100)[98]
        p99_locked = statistics.quantiles(locked, n=100)[98]
        print(f"p99 locked / free: {p99_locked / p99_free:.2f}x")
        print(
            f"during the lock: {pending} records queued, {failures} failed write attempts; "
            f"all written {landed_s:.2f} s after the lock was released ({'ok' if flushed else 'NOT all'})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=50.0, help="route sessions per second")
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.rate))
