"""FastAGI route decisions per second and latency, against a bare-server ceiling and process AGI.

Run: .venv/bin/python bench/bench_agi.py [--seconds 2] [--levels 1,50,200] [--rounds 4]
     [--loops uvloop,asyncio]

Each call is the real exchange: recording 04's header block, then the `route` answer (one
SET VARIABLE SB_ANSWER carrying every variable, see switchboard/asterisk/agi/answers.py)
answered `200 result=1`, with the engine's half-close sent along with the command, then
Asterisk's closing HANGUP. Latency runs from connect (or process spawn) to the engine's
half-close, i.e. until Asterisk would continue the dialplan; CPU is the server's own per
session. Servers run in a child process each, so the load generator (this process) does not
share their event loop; all share the machine's cores. Each level runs `--rounds` rounds of
`--seconds`, engine and bare alternating (engine first in even rounds, bare first in odd ones),
so a drift of the machine's speed during the run weighs on both sides alike; the figures are
the rounds' totals, and the lowest and highest round's ratio show the spread. Each loop in
`--loops` is measured on its own, with both servers and the load generator on it: uvloop is
the loop `switchboard run` uses, asyncio's own the one a bare asyncio server gets by default.

- engine: AgiServer + route handler + decide() on examples/smaland.yaml, logging set up as
          `switchboard run --log-level warning` sets it up.
- bare:   an asyncio server that reads the header block and sends one such command, with no
          parsing or routing: the ceiling for Python asyncio on this machine.
- process: classic AGI, one Python process per call (bench/process_agi.py: imports, loads the
          YAML, decides, answers over stdin/stdout), spawned with asyncio subprocess; one wave
          of max(5, concurrency) calls per level because each call costs ~0.5 s of CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import uvloop  # noqa: E402
from load_report import cpu_seconds  # noqa: E402

RECORDINGS = Path(
    os.environ.get("SWITCHBOARD_RECORDINGS", ROOT.parent / "shared" / "asterisk-recordings")
)
CONFIG = ROOT / "examples" / "smaland.yaml"
PROCESS_AGI = ROOT / "bench" / "process_agi.py"
OK = b"200 result=1\n"


def recorded_header() -> bytes:
    """The header block Asterisk 22.10.1 sent in recording 04 (23 lines + empty line)."""
    raw = (RECORDINGS / "04-fastagi-route" / "agi.rx").read_bytes()
    return raw[: raw.index(b"\n\n") + 2]


def process_header(header: bytes) -> bytes:
    """The same block as a process AGI gets it: no agi_network lines, the script as request."""
    lines = [x for x in header.split(b"\n")[:-2] if not x.startswith(b"agi_network")]
    lines = [
        b"agi_request: " + str(PROCESS_AGI).encode() if x.startswith(b"agi_request:") else x
        for x in lines
    ]
    return b"\n".join(lines) + b"\n\n"


# --- servers (child process) ---------------------------------------------------------------


async def serve(kind: str) -> None:
    """Serve `kind` on an ephemeral port, print it, run until stdin closes."""
    if kind == "engine":
        from switchboard import logs
        from switchboard.asterisk.agi import AgiServer
        from switchboard.config.compile import compile_routing
        from switchboard.config.loader import load_config
        from switchboard.config.settings import AgiSettings
        from switchboard.engine.handlers.route import route_handler

        logs.configure("warning", stream=sys.stderr)  # as `switchboard run --log-level warning`
        table = compile_routing(load_config(CONFIG))
        gc.freeze()  # as the engine does once it has loaded its configuration
        server = AgiServer(
            AgiSettings(port=0, max_sessions=1000), handlers={"route": route_handler(lambda: table)}
        )
        await server.start()
        print(f"PORT {server.port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await server.stop()
        return
    else:
        from switchboard.asterisk.agi import answers

        # the same one command as the engine's packed answer, with no parsing or routing
        values = {
            "SB_ACTION": "queue", "SB_CALLID": "1795345541.0", "SB_REASON": "open",
            "SB_TENANT": "vetlanda", "SB_SERVICE": "switchboard",
            "SB_QUEUE": "vetlanda-switchboard", "SB_PRIO": "0", "SB_TAG": "VETLANDA",
            "SB_WAIT": "30", "SB_LANG": "sv", "SB_GREETING": "vetlanda-greeting",
        }  # fmt: skip
        packed = answers.pack(answers.ROUTE, values)
        commands = [f"SET VARIABLE {answers.VARIABLE} {packed}\n".encode()]
        bare = await asyncio.start_server(lambda r, w: _bare(r, w, commands), "127.0.0.1", 0)
        port = bare.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def _bare(r: asyncio.StreamReader, w: asyncio.StreamWriter, commands: list[bytes]) -> None:
    try:
        await r.readuntil(b"\n\n")
        for command in commands[:-1]:
            w.write(command)
            await r.readline()
        w.write(commands[-1])
        w.write_eof()  # with the last command, as the engine does
        while await r.read(4096):
            pass
    finally:
        w.close()


# --- load generator ----------------------------------------------------------------------


async def fastagi_call(port: int, header: bytes) -> None:
    """One call as Asterisk makes it: header, a reply per command, HANGUP after the close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(header)
    while (await reader.readline()).endswith(b"\n"):
        writer.write(OK)
    writer.write(b"HANGUP\n")
    writer.close()


async def process_call(header: bytes) -> None:
    """One call as Asterisk runs a classic AGI script: spawn, talk over stdin/stdout, reap."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(PROCESS_AGI),
        str(CONFIG),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(header)
    while (await proc.stdout.readline()).endswith(b"\n"):
        proc.stdin.write(OK)
    proc.stdin.close()
    if await proc.wait() != 0:
        raise RuntimeError("process AGI failed")


async def load(
    call: Callable[[], Awaitable[None]], concurrency: int, seconds: float, calls: int | None
) -> tuple[float, list[float]]:
    """Run `concurrency` workers for `seconds` (or until `calls` calls); rate and latencies."""
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    budget = [calls if calls is not None else 1 << 62]

    async def worker() -> None:
        while time.perf_counter() < until and budget[0] > 0:
            budget[0] -= 1
            t0 = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - started), latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop,
    "asyncio": asyncio.new_event_loop,
}
Rows = dict[tuple[str, int], tuple[float, list[float]]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--levels", default="1,50,200")
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds per level, engine and bare alternating"
    )
    parser.add_argument(
        "--loops", default="uvloop,asyncio", help="event loops to measure, comma separated"
    )
    parser.add_argument("--serve", choices=["engine", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=list(LOOPS), default="asyncio", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        with asyncio.Runner(loop_factory=LOOPS[args.loop]) as runner:
            runner.run(serve(args.serve))
        return
    header = recorded_header()
    levels = [int(x) for x in args.levels.split(",")]
    measured = {}
    for loop in args.loops.split(","):
        with asyncio.Runner(loop_factory=LOOPS[loop]) as runner:
            measured[loop] = runner.run(measure(loop, header, levels, args.rounds, args.seconds))
    process = asyncio.run(measure_process(header, levels))
    for loop, (rows, cpu, rounds) in measured.items():
        report(loop, {**rows, **process}, levels, cpu, rounds)


async def measure(
    loop: str, header: bytes, levels: list[int], rounds_n: int, seconds: float
) -> tuple[Rows, dict[tuple[str, int], float], dict[int, list[float]]]:
    """Engine and bare, both served on `loop` and loaded from it, level by level."""
    rows: Rows = {}
    cpu: dict[tuple[str, int], float] = {}  # the server's CPU-seconds per session
    rounds: dict[int, list[float]] = {}  # engine/bare sessions per second, round by round
    children = {kind: await _server(kind, loop) for kind in ("engine", "bare")}
    for n in levels:
        done = {kind: (0, 0.0, 0.0, []) for kind in children}  # sessions, s, CPU-s, latencies
        for r in range(rounds_n):
            rates = {}
            for kind in ("engine", "bare") if r % 2 == 0 else ("bare", "engine"):
                child, port = children[kind]
                call = functools.partial(fastagi_call, port, header)
                await load(call, n, 0.3, None)  # warm-up
                before = cpu_seconds(child.pid) or 0.0
                started = time.perf_counter()
                rate, lat = await load(call, n, seconds, None)
                took = time.perf_counter() - started
                used = (cpu_seconds(child.pid) or 0.0) - before
                calls, secs, spent, lats = done[kind]
                done[kind] = (calls + len(lat), secs + took, spent + used, lats + lat)
                rates[kind] = rate
            rounds.setdefault(n, []).append(rates["engine"] / rates["bare"])
        for kind, (calls, secs, spent, lats) in done.items():
            rows[kind, n] = (calls / secs, lats)
            cpu[kind, n] = spent / calls
    for child, _ in children.values():
        assert child.stdin is not None
        child.stdin.close()
        await child.wait()
    return rows, cpu, rounds


async def measure_process(header: bytes, levels: list[int]) -> Rows:
    """Classic process AGI, one wave per level."""
    proc_header = process_header(header)
    return {
        ("process", n): await load(lambda: process_call(proc_header), n, 600, max(5, n))
        for n in levels
    }


async def _server(kind: str, loop: str) -> tuple[asyncio.subprocess.Process, int]:
    """A child process serving `kind` on `loop`, and its port."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve",
        kind,
        "--loop",
        loop,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    return child, int((await child.stdout.readline()).split()[1])


def report(
    loop: str,
    rows: Rows,
    levels: list[int],
    cpu: dict[tuple[str, int], float],
    rounds: dict[int, list[float]],
) -> None:
    print(
        f"FastAGI route, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, engine, bare"
        f" and load generator on {loop}"
    )
    print(
        f"{'conc':>5} {'server':>8} {'calls':>7} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU us':>7} {'engine/bare':>12} {'engine/process':>15}  rounds engine/bare"
    )
    for n in levels:
        engine_rate = rows["engine", n][0]
        for kind in ("engine", "bare", "process"):
            rate, lat = rows[kind, n]
            spread = f"{min(rounds[n]):.2f}-{max(rounds[n]):.2f}"
            ratio = (
                f"{engine_rate / rows['bare', n][0]:12.2f} "
                f"{engine_rate / rows['process', n][0]:15.1f}x  {spread}"
                if kind == "engine"
                else ""
            )
            used = f"{cpu[kind, n] * 1e6:7.0f}" if (kind, n) in cpu else f"{'-':>7}"
            print(
                f"{n:>5} {kind:>8} {len(lat):>7} {rate:>9.0f} {pct(lat, 0.5):>8.2f}"
                f" {pct(lat, 0.99):>8.2f} {used} {ratio}"
            )
    print("CPU us: the server process's CPU per session (from /proc), load generator excluded")
    print("engine/bare: of the rounds' totals; rounds: the lowest and highest round's own ratio")


if __name__ == "__main__":
    main()
