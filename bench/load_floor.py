"""The floor under the engine's CPU per call: a bare server doing only the I/O a call brings.

Per call, the bytes a real Asterisk 22.10.1 sends (recordings 04 and 12): one FastAGI session
(the header block written a line at a time, as res_agi.c writes it; one answer command back;
`200 result=1`; the engine's half-close; Asterisk's closing `HANGUP`) and 7 AMI events, each
written on its own (DialBegin, DeviceStateChange, DialEnd; after the conversation two Hangups
and two DeviceStateChanges). The bare server, on uvloop like `switchboard run`, splits the
header and every event into fields and answers with a `route` answer made once in advance; it
decides, keeps and stores nothing. Its CPU per call is what any engine in Python pays on this machine before it
does anything of its own; bench_load prints the engine's CPU per call as a multiple of it.

Run alone: .venv/bin/python bench/load_floor.py [--rate 30] [--seconds 30]
(`load_floor.py serve AGI_PORT AMI_PORT` is the bare server's own process.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from load_report import cpu_seconds

from switchboard.asterisk.agi.answers import ROUTE, VARIABLE, pack

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = Path(
    os.environ.get("SWITCHBOARD_RECORDINGS", ROOT.parent / "shared" / "asterisk-recordings")
)
HOLD_S = 1.0  # the conversation, as bench_load's callers hold
# A `route` answer as the engine packs it (switchboard/asterisk/agi/answers.py); %s: the call
ROUTED = {
    "SB_ACTION": "deliver", "SB_CALLID": "%s", "SB_REASON": "open", "SB_TENANT": "vetlanda",
    "SB_SERVICE": "vaxel", "SB_QUEUE": "vetlanda-switchboard", "SB_PRIO": "5", "SB_WAIT": "30",
    "SB_TARGET": "PJSIP/2001", "SB_LANG": "sv",
}  # fmt: skip
ANSWER = f'SET VARIABLE {VARIABLE} "{pack(ROUTE, ROUTED)}"\n'.encode()
# The events of one delivered call, in their order; two of each kind where a call has two.
CALL_EVENTS = ("DialBegin", "DeviceStateChange", "DialEnd")
END_EVENTS = ("Hangup", "Hangup", "DeviceStateChange", "DeviceStateChange")


@dataclass
class Floor:
    """The bare server's CPU over `calls` placed at `rate`."""

    rate: float
    calls: int
    cpu_s: float

    @property
    def ms_per_call(self) -> float:
        """CPU-milliseconds per call."""
        return self.cpu_s / max(self.calls, 1) * 1000

    def line(self, engine_ms: float | None, beside: str = "") -> str:
        """One printed line; with the engine's CPU per call at that rate, the multiple."""
        ratio = (
            ""
            if engine_ms is None
            else f": the engine uses {engine_ms / self.ms_per_call:.1f}x the floor"
        )
        return (
            f"floor    {self.rate:5.1f}/s  calls {self.calls:5d}  bare server "
            f"{self.ms_per_call:.2f} ms CPU/call{beside}{ratio}"
        )


def header_lines() -> list[bytes]:
    """Recording 04's header block, a line each (res_agi.c writes one line per write)."""
    raw = (RECORDINGS / "04-fastagi-route" / "agi.rx").read_bytes()
    return raw[: raw.index(b"\n\n") + 2].splitlines(keepends=True)


def recorded_events() -> dict[str, list[bytes]]:
    """Recording 12's AMI events by name, each as sent (a device's own DeviceStateChanges)."""
    raw = (RECORDINGS / "12-app-queue-delivery" / "ami.rx").read_bytes()
    found: dict[str, list[bytes]] = {}
    for message in raw.split(b"\r\n\r\n"):
        name = message.partition(b"\r\n")[0].removeprefix(b"Event: ").decode()
        if name == "DeviceStateChange" and b"Device: PJSIP/" not in message:
            continue
        found.setdefault(name, []).append(message + b"\r\n\r\n")
    return found


def events_of_call() -> tuple[list[bytes], list[bytes]]:
    """The 3 events while a call is delivered, and the 4 when it ends."""
    found = recorded_events()
    taken: dict[str, int] = {}

    def take(name: str) -> bytes:
        n = taken[name] = taken.get(name, -1) + 1
        return found[name][n % len(found[name])]

    return [take(n) for n in CALL_EVENTS], [take(n) for n in END_EVENTS]


def serve(agi_port: int, ami_port: int) -> None:
    """The bare server: FastAGI on `agi_port`, an AMI client of `ami_port`, forever."""
    import uvloop

    class Agi(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: asyncio.Transport = transport  # type: ignore[assignment]
            self.buffer = bytearray()
            self.header = True

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            if self.header and b"\n\n" in self.buffer:
                self.header = False
                lines = self.buffer.decode("utf-8", "replace").split("\n")
                fields = dict(line.partition(": ")[::2] for line in lines if line)
                self.transport.write(ANSWER % fields["agi_uniqueid"].encode())
                self.transport.write_eof()

        def eof_received(self) -> bool:
            self.transport.close()
            return False

    class Ami(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.rest = b""
            self.events = 0

        def data_received(self, data: bytes) -> None:
            *whole, self.rest = (self.rest + data).split(b"\r\n\r\n")
            for message in whole:
                lines = message.decode("utf-8", "replace").split("\r\n")
                fields = dict(line.partition(": ")[::2] for line in lines)
                self.events += "Event" in fields

    async def main() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_server(Agi, "127.0.0.1", agi_port)
        await loop.create_connection(Ami, "127.0.0.1", ami_port)
        await asyncio.Event().wait()

    uvloop.run(main())


async def floor_rate(rate: float, seconds: float, agi_port: int) -> Floor:
    """Calls placed at `rate` for `seconds` against a bare server, and its CPU."""
    connected: asyncio.Future[asyncio.StreamWriter] = asyncio.get_running_loop().create_future()

    def accepted(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not connected.done():
            connected.set_result(writer)

    listener = await asyncio.start_server(accepted, "127.0.0.1", 0)
    ami_port = listener.sockets[0].getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "serve", str(agi_port), str(ami_port)
    )
    try:
        ami = await asyncio.wait_for(connected, 20)
        await _until_listening(agi_port)
        during, ending = events_of_call()
        lines = header_lines()
        before = cpu_seconds(proc.pid) or 0.0
        started = time.monotonic()
        calls = []
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            calls.append(asyncio.ensure_future(_call(agi_port, ami, lines, during, ending)))
        await asyncio.gather(*calls)
        return Floor(rate, len(calls), (cpu_seconds(proc.pid) or 0.0) - before)
    finally:
        proc.kill()
        await proc.wait()
        listener.close()


def floor_in_thread(rate: float, seconds: float, agi_port: int) -> Future[Floor]:
    """`floor_rate` on its own event loop in a thread, beside blocking work."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="floor")
    future = pool.submit(asyncio.run, floor_rate(rate, seconds, agi_port))
    pool.shutdown(wait=False)  # the submitted run still completes
    return future


async def _until_listening(port: int) -> None:
    async with asyncio.timeout(20):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.05)
                continue
            writer.close()
            return


async def _call(
    agi_port: int,
    ami: asyncio.StreamWriter,
    lines: list[bytes],
    during: list[bytes],
    ending: list[bytes],
) -> None:
    """One call's FastAGI session, then its AMI events, each written on its own."""
    reader, writer = await asyncio.open_connection("127.0.0.1", agi_port)
    for line in lines:
        writer.write(line)
    await reader.readline()
    writer.write(b"200 result=1\n")
    await reader.read()
    writer.write(b"HANGUP\n")
    writer.close()
    for events in (during, ending):
        for event in events:
            ami.write(event)
            await asyncio.sleep(0.001)
        await asyncio.sleep(HOLD_S if events is during else 0)


def main() -> int:
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.integration.engine_world import free_port

    print(asyncio.run(floor_rate(args.rate, args.seconds, free_port())).line(None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
