"""Route latency of `switchboard run` with and without Prometheus scrapes and readiness probes.

Run: .venv/bin/python bench/bench_scrape.py [--seconds 3] [--rounds 3] [--concurrency 20]
         [--scrape-every 0.05]

The engine runs as ops run it (a process, JSON logs, AMI logged in to the fake PBX) and is sent
route sessions (recording 04's header block, every command answered `200 result=1`) by
`--concurrency` workers. Latency runs from connect to the engine's close, i.e. until Asterisk
would continue the dialplan. The second phase adds a client that GETs /metrics and /readyz
every `--scrape-every` seconds (Prometheus scrapes every 15 s; this is far harsher).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from switchboard.asterisk.agi.peer import header_block
from switchboard.fakepbx.config import SimConfig
from switchboard.fakepbx.control import Simulator

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def route_once(port: int, uid: str) -> float:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(header_block("route?did=4638397000", uniqueid=uid))
    while (await reader.readline()).endswith(b"\n"):
        writer.write(b"200 result=1\n")
    took = time.perf_counter() - started
    writer.write(b"HANGUP\n")
    writer.close()
    return took


async def load(port: int, seconds: float, workers: int, tag: str) -> list[float]:
    until = time.perf_counter() + seconds
    out: list[float] = []

    async def worker(w: int) -> None:
        n = 0
        while time.perf_counter() < until:
            n += 1
            out.append(await route_once(port, f"{tag}.{w}.{n}"))

    await asyncio.gather(*(worker(w) for w in range(workers)))
    return out


async def scraper(http: int, every_s: float, took: list[float]) -> None:
    while True:
        for path in ("/metrics", "/readyz"):
            started = time.perf_counter()
            reader, writer = await asyncio.open_connection("127.0.0.1", http)
            writer.write(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            await reader.read()
            writer.close()
            took.append(time.perf_counter() - started)
        await asyncio.sleep(every_s)


def report(name: str, samples: list[float], seconds: float) -> None:
    q = statistics.quantiles(samples, n=100)
    print(
        f"{name:<22} {len(samples) / seconds:7.0f} per s   p50 {q[49] * 1000:6.2f} ms"
        f"   p99 {q[98] * 1000:6.2f} ms   max {max(samples) * 1000:6.2f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    agi, http = free_port(), free_port()
    async with Simulator(SimConfig(endpoints=("1001",))) as sim:
        tmp = Path(tempfile.mkdtemp(prefix="sb-bench-"))
        config = tmp / "sb.yaml"
        text = (ROOT / "examples" / "smaland.yaml").read_text()
        config.write_text(
            text.replace("    tag: VETLANDA\n", "    tag: VETLANDA\n    force: open\n")
        )
        env = {**os.environ, "SWITCHBOARD_AMI__SECRET": "secret"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchboard", "run", "-c", str(config),
            "--agi", f"127.0.0.1:{agi}", "--ami", f"127.0.0.1:{sim.ami_port}",
            "--http", f"127.0.0.1:{http}", "--store", str(tmp / "sb.db"),
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stderr is not None
        while b"state read from asterisk" not in await proc.stderr.readline():
            pass  # the engine logs at info, as in production: its lines are read and dropped
        draining = asyncio.create_task(drain(proc.stderr))
        quiet: list[float] = []
        scraped: list[float] = []
        scrapes: list[float] = []
        try:
            await load(agi, 1.0, args.concurrency, "warm")
            for rnd in range(args.rounds):
                quiet += await load(agi, args.seconds, args.concurrency, f"q{rnd}")
                if args.no_scrape:
                    continue
                scraping = asyncio.create_task(scraper(http, args.scrape_every, scrapes))
                scraped += await load(agi, args.seconds, args.concurrency, f"s{rnd}")
                scraping.cancel()
        finally:
            proc.terminate()
            await proc.wait()
            draining.cancel()
    total = args.seconds * args.rounds
    print(f"concurrency {args.concurrency}, {args.rounds} x {args.seconds} s per phase")
    report("no scraping", quiet, total)
    if scraped:
        report(f"{len(scrapes)} GETs meanwhile", scraped, total)
        report("the GETs themselves", scrapes, total)


async def drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--scrape-every", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-scrape", action="store_true", help="for an engine without HTTP")
    asyncio.run(main(parser.parse_args()))
