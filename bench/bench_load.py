"""Load through the engine: engine CPU per call and the caller's time to an operator's answer.

Run: .venv/bin/python bench/bench_load.py [--mode auto|asterisk|sim] [--rates 10,20,30]
     [--seconds 60] [--operators 40] [--keep DIR] [--trace]
     (for the real Asterisk: PATH=/opt/asterisk/sbin:$PATH, or SWITCHBOARD_ASTERISK=...)

- sim: `switchboard run` as a subprocess against the fake PBX (switchboard.fakepbx, in this
  process, with the generated manager.conf's event filter): engine CPU per call from /proc.
  Runs anywhere; the fake PBX's own cost stays in this process. Then, at the same rate, the
  floor (bench/load_floor.py): a bare server doing only the I/O of each call, as recorded from
  Asterisk; the engine's CPU per call is printed as a multiple of the floor's.
- asterisk (bench/load_asterisk.py): a real Asterisk (found as the e2e suite finds it:
  SWITCHBOARD_ASTERISK, else PATH; with no Asterisk or no sipp it says so and exits 0) with
  sipp callers and sipp operators answering at once, first through the engine, then in the same
  run through the static fallback queue with the engine stopped: attempted, reached an
  operator, failed, INVITE-to-answer p50/p95/p99 both ways and what the engine adds, CPU-seconds
  of the engine and of Asterisk per call. --keep DIR leaves its configuration, logs and traces;
  --trace writes Asterisk's configuration with the dialplan trace (`switchboard asterisk-config
  --dialplan-trace`: every dialplan step in messages.log, at a cost in Asterisk's CPU).
- auto: asterisk when Asterisk and sipp are found, else sim.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import load_asterisk  # noqa: E402
import load_floor  # noqa: E402
import load_world  # noqa: E402
from load_report import cpu_seconds, table  # noqa: E402
from load_traces import metric  # noqa: E402

from switchboard.asterisk.ami.translate import NEEDED_EVENTS  # noqa: E402
from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig  # noqa: E402
from switchboard.fakepbx.control import Simulator  # noqa: E402
from switchboard.fakepbx.phones import answers  # noqa: E402
from tests.integration.engine_world import TEMPLATE, VETLANDA, free_port  # noqa: E402


@dataclass
class Row:
    """One measured rate."""

    mode: str
    rate: float
    attempted: int
    reached: int
    waits_ms: list[float]
    engine_cpu_s: float
    pbx_cpu_s: float | None = None

    def line(self) -> str:
        q = statistics.quantiles(self.waits_ms, n=100) if len(self.waits_ms) > 1 else [0.0] * 99
        per_call = self.engine_cpu_s / max(self.attempted, 1) * 1000
        pbx = (
            ""
            if self.pbx_cpu_s is None
            else f"  pbx {self.pbx_cpu_s / max(self.attempted, 1) * 1000:5.2f} ms/call"
        )
        return (
            f"{self.mode:<8} {self.rate:5.1f}/s  attempted {self.attempted:5d}  reached {self.reached:5d}  "
            f"failed {self.attempted - self.reached:4d}  to answer p50 {q[49]:6.1f} p95 {q[94]:6.1f} "
            f"p99 {q[98]:6.1f} ms  engine {per_call:5.2f} ms CPU/call{pbx}"
        )


async def sim_rate(rate: float, seconds: float, operators: int) -> Row:
    """One rate through `switchboard run` against the fake PBX."""
    agi, http = free_port(), free_port()
    endpoints = tuple(str(2000 + i) for i in range(operators))
    config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=30, requeue_wait_s=30),
        endpoints=endpoints,
        queues=(
            QueueConfig("vetlanda-switchboard"),
            QueueConfig("savsjo-switchboard"),
            QueueConfig("switchboard-fallback", "leastrecent"),
        ),
        time_scale=1.0,
        event_filter=frozenset(NEEDED_EVENTS),
    )
    with tempfile.TemporaryDirectory() as tmp:
        async with Simulator(config) as sim:
            for ep in endpoints:
                sim.register(ep, answers(0.01, hangup_after_s=1.0))
            agents = "\n".join(
                f"  op{ep}: {{device: PJSIP/{ep}, home: vetlanda, skills: {{vaxel: 3}}}}"
                for ep in endpoints
            )
            text = TEMPLATE.format(
                agi=agi, ami=sim.ami_port, store=Path(tmp) / "sb.db", agents=agents
            )
            path = Path(tmp) / "sb.yaml"
            path.write_text(text.replace("wrapup_s: 5", "wrapup_s: 0"), "utf-8")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "switchboard", "run", "-c", str(path), "--http", f"127.0.0.1:{http}",
                "--log-level", "warning", stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
            try:
                await _wait_logins(sim, endpoints, http)
                before = cpu_seconds(proc.pid) or 0.0
                started = time.monotonic()
                placed = []
                for n in range(int(rate * seconds)):
                    await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
                    placed.append((time.monotonic(), sim.place_call(VETLANDA, f"0705{n:06d}")))
                outcomes = await asyncio.wait_for(
                    asyncio.gather(*(c.outcome for _, c in placed)), seconds + 60
                )
                await asyncio.gather(*(c.ended for _, c in placed))
                used = (cpu_seconds(proc.pid) or 0.0) - before
            finally:
                proc.terminate()
                await proc.wait()
    waits = [
        (o.at - t) * 1000
        for (t, _), o in zip(placed, outcomes, strict=True)
        if o.kind == "answered"
    ]
    return Row("sim", rate, len(placed), len(waits), waits, used)


async def _wait_logins(sim: Simulator, endpoints: tuple[str, ...], http: int) -> None:
    """Log every operator in once the engine answers feature codes (it is up), then wait until
    its /metrics counts them all available."""
    async with asyncio.timeout(20):
        # Polls: the engine may not listen yet; each try is a real FastAGI session.
        while await sim.feature_code(endpoints[0], "login") != "ok":  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    for ep in endpoints[1:]:
        assert await sim.feature_code(ep, "login") == "ok"
    async with asyncio.timeout(20):
        # Polls: the engine is another process; its /metrics is what it shows of its state.
        while await asyncio.to_thread(_available, http) < len(endpoints):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _available(http: int) -> int:
    """Operators the engine on `http` counts available (0 while it does not answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=2) as r:
            text = r.read().decode("utf-8")
    except OSError:
        return 0
    return int(metric(text, "switchboard_agents", 'state="available"'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["auto", "asterisk", "sim"], default="auto")
    parser.add_argument("--rates", default="10,20,30", help="calls per second, comma separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each rate")
    parser.add_argument("--operators", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="asterisk mode: work in DIR and leave it")
    parser.add_argument(
        "--trace", action="store_true", help="asterisk mode: the dialplan trace in messages.log"
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    why = load_asterisk.missing()
    if args.mode == "asterisk" and why is not None:
        print(f"bench_load --mode asterisk: {why}; nothing measured")
        return 0
    if args.mode == "asterisk" or (args.mode == "auto" and why is None):
        return _asterisk(rates, args.seconds, args.operators, args.keep, args.trace)
    if args.mode == "auto":
        print(f"bench_load: {why}; the simulator instead")
    for rate in rates:
        row = asyncio.run(sim_rate(rate, args.seconds, args.operators))
        print(row.line(), flush=True)
        floor = asyncio.run(load_floor.floor_rate(rate, args.seconds, free_port()))
        print(floor.line(row.engine_cpu_s / max(row.attempted, 1) * 1000), flush=True)
    return 0


def _asterisk(
    rates: list[float], seconds: float, operators: int, keep: Path | None, trace: bool
) -> int:
    """The real-Asterisk mode: progress lines as it goes, then the table."""
    with contextlib.ExitStack() as stack:
        if keep is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sb-load-")))
        else:
            keep.mkdir(parents=True, exist_ok=False)
            workdir = keep.resolve()
        phases, floor = load_asterisk.run(rates, seconds, operators, workdir, trace)
    print()
    print(
        f"Through a real Asterisk, {operators} operators answering at once, callers holding "
        f"{load_world.HOLD_MS / 1000:g} s, {seconds:g} s per rate (INVITE-to-answer: the "
        "caller's INVITE to the operator's 200; added: engine minus static):"
    )
    print(table(phases))
    engine = next(p for p in phases if p.path == "engine" and p.rate == floor.rate)
    print(floor.line(engine.ms_per_call(engine.engine_cpu_s), " beside the static path's calls"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
