"""10,000 idle connections: closed by eviction or the header timeout while calls still route."""

from __future__ import annotations

import asyncio
import resource
import socket
import statistics

import pytest

from switchboard.asterisk.agi import AgiLimits
from tests.adapters.test_agi_hostile import answer, still_answers, until
from tests.adapters.test_agi_support import serving

IDLE = 10_000
BATCH = 250


@pytest.fixture
def enough_files() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # Client sockets stay open here; the server side holds at most max_sessions of them.
    needed = IDLE + 2_000
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


@pytest.mark.usefixtures("enough_files")
async def test_ten_thousand_idle_connections_leave_routing_responsive() -> None:
    loop = asyncio.get_running_loop()
    limits = AgiLimits(header_timeout_s=1.0, backlog=4096)
    latencies: list[float] = []
    idle: list[socket.socket] = []
    flooding = True

    async with serving({"route": answer}, limits, max_sessions=1_000) as server:

        async def probe() -> None:
            while flooding:
                latencies.append(await still_answers(server))

        async def connect_idle() -> None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            idle.append(sock)
            await loop.sock_connect(sock, ("127.0.0.1", server.port))

        prober = asyncio.create_task(probe())
        started = loop.time()
        try:
            for _ in range(IDLE // BATCH):
                await asyncio.gather(*(connect_idle() for _ in range(BATCH)))
            flood_s = loop.time() - started
            await until(lambda: server.stats.accepted >= IDLE, timeout_s=10)
            # Slots still held by idle peers are released by the header timeout.
            await until(lambda: server.stats.active == 0, timeout_s=limits.header_timeout_s + 3)
        finally:
            flooding = False
            await prober
            for sock in idle:
                sock.close()
        stats = server.stats
    closed = stats.evicted + stats.timeouts + stats.refused_busy
    print(
        f"flood {flood_s:.2f}s, probes {len(latencies)}, p50 {statistics.median(latencies) * 1000:.1f}"
        f" ms, max {max(latencies) * 1000:.1f} ms, {stats}"
    )
    assert closed >= IDLE
    assert stats.answered == len(latencies) >= 10
    assert statistics.median(latencies) < 0.1
    assert max(latencies) < 1.0
