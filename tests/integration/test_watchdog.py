"""The systemd watchdog over a real NOTIFY_SOCKET: a frozen engine stops pinging, is killed as
systemd would kill it, and the FastAGI sessions it held are closed so Asterisk continues."""

from __future__ import annotations

import asyncio
import resource
import signal
from pathlib import Path

from switchboard.asterisk.agi.peer import header_block
from tests.integration.daemon import Systemd, daemon

WATCHDOG_USEC = 1_000_000  # WatchdogSec=1s: the engine pings every 0.5 s


def no_core_dump() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the SIGABRT below must leave no core file


async def route_session(
    port: int, uniqueid: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Asterisk in AGI(route): connected, header sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(header_block("route?did=4638397000", uniqueid=uniqueid))
    await writer.drain()
    return reader, writer


async def closed_by_peer(reader: asyncio.StreamReader, within_s: float) -> bool:
    """True when the engine side closed (EOF or reset) within `within_s`."""
    try:
        async with asyncio.timeout(within_s):
            while await reader.read(4096):
                pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


async def test_a_frozen_engine_misses_its_pings_is_killed_and_asterisk_continues(
    tmp_path: Path, systemd: Systemd
) -> None:
    env = {"NOTIFY_SOCKET": str(systemd.path), "WATCHDOG_USEC": str(WATCHDOG_USEC)}
    async with daemon(tmp_path, env=env, preexec_fn=no_core_dump) as d:
        ready = await systemd.until("READY=1", within_s=5)
        assert any(line.startswith("STATUS=AMI ") for line in ready)
        loop = asyncio.get_running_loop()
        pings = []
        while len(pings) < 3:
            assert await systemd.until("WATCHDOG=1", within_s=WATCHDOG_USEC / 1e6)
            pings.append(loop.time())
        assert pings[-1] - pings[0] < 2 * WATCHDOG_USEC / 1e6

        # The engine bounds every session itself: a peer that never replies is let go.
        hung, hung_writer = await route_session(d.agi, "1795345541.1")
        assert (await hung.readline()).startswith(b"SET VARIABLE SB_ANSWER")
        assert await closed_by_peer(hung, within_s=3)
        await d.logged("agi session", call_id="1795345541.1", outcome="deadline")
        hung_writer.close()

        # Caller A is in AGI(route) when the engine freezes; caller B connects after.
        a, a_writer = await route_session(d.agi, "1795345541.2")
        assert (await a.readline()).startswith(b"SET VARIABLE SB_ANSWER")
        d.proc.send_signal(signal.SIGSTOP)
        frozen_at = loop.time()
        b, b_writer = await route_session(d.agi, "1795345541.3")  # the listen backlog accepts it

        # systemd's view: no WATCHDOG=1 within WatchdogSec (one already in flight is allowed).
        while (got := await systemd.next(WATCHDOG_USEC / 1e6)) is not None:
            assert "WATCHDOG=1" not in got or loop.time() - frozen_at < 0.05, "pinged while frozen"
        assert not await closed_by_peer(b, within_s=0.1)  # both callers stranded so far

        d.proc.send_signal(signal.SIGABRT)  # WatchdogSignal=SIGABRT, then SIGCONT, as systemd does
        d.proc.send_signal(signal.SIGCONT)
        assert await d.exited(5) == -signal.SIGABRT
        assert await closed_by_peer(a, within_s=2)
        assert await closed_by_peer(b, within_s=2)
        a_writer.close()
        b_writer.close()
    assert b"Fatal Python error: Aborted" in d.output  # faulthandler: the stacks are in the journal
