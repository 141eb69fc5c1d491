"""bench_load's real-Asterisk mode: sipp callers at a rate and sipp operators answering at once,
first through the engine, then in the same run through the static fallback queue with the
engine stopped.

Run (Asterisk found as the e2e suite finds it: SWITCHBOARD_ASTERISK, else `asterisk` on PATH;
sipp on PATH; with either missing it says so and exits 0):

    PATH=/opt/asterisk/sbin:$PATH .venv/bin/python bench/bench_load.py --mode asterisk \\
        [--rates 10,20,30] [--seconds 60] [--operators 40] [--keep DIR] [--trace]

Set-up (bench/load_world.py), in a temporary directory or in DIR (--keep) with every log/trace:
- one tenant open around the clock, operators op01.. on PJSIP/2001.. (wrap-up 0, offer timeout
  5 s); `switchboard asterisk-config` (qualify off, 2000 RTP ports; no dialplan trace unless
  --trace) through tests/e2e/harness.py's Asterisk; the engine is `switchboard run` logging at warning;
- one sipp UAS per operator, registered, answering every INVITE at once (180 and 200 back to back)
  and keeping the call until the BYE; logged in to the engine by feature code (*21) and to
  nothing in Asterisk, which knows them only as the fallback queue's static members;
- per rate and path, after 20 warm-up calls, one sipp UAC (-r RATE -rp 1000 -m RATE*SECONDS);
  its callers send audio from the 200 on, as phones do, and hang up 1 s after the answer.

Figures per rate and path (bench/load_report.py): attempted (INVITEs sent), reached (an
operator answered that caller), failed (the rest; sipp's own failures and reasons printed too);
INVITE-to-answer p50/p95/p99, the caller's INVITE leaving to the operator's 200 leaving (caller
-trace_shortmsg, operators -trace_msg, matched by the caller's own number in the INVITE's From:
the caller's own 200 comes from the dialplan's Answer() within ~2 ms, so sipp's rtd cannot time
the operator); CPU-seconds per call of the engine and of Asterisk from /proc/<pid>/stat over
that rate's calls only, with what the sipps and the whole machine used meanwhile; through the
engine, AMI events and FastAGI sessions per call (its /metrics, read outside the window); the
calls app_queue completed in the fallback queue (0 through the engine when it delivered all).
Last, at the highest rate, the floor (bench/load_floor.py: a bare server doing only a call's
recorded I/O, CPU per call), measured while the static path's callers load Asterisk and the
machine as in the phases.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from load_floor import Floor, floor_in_thread
from load_report import Phase, all_processes, busiest, cpu_seconds, machine_busy
from load_traces import (
    caller_invites,
    metric,
    operator_answers,
    placed_rate,
    queue_completed,
    queue_members,
    sipp_failures,
)
from load_world import DIALLED, SIPP, TENANT_QUEUE, caller_scenario, world_yaml

from tests.e2e.harness import (
    AMI_SECRET,
    Asterisk,
    asterisk_and_sipp,
    free_port,
    free_sip_port,
    free_udp_pair,
)
from tests.e2e.phones import Phones

ROOT = Path(__file__).resolve().parents[1]
FALLBACK = "switchboard-fallback"
WARMUP_CALLS = 20
COUNTERS = ("switchboard_ami_events", "switchboard_agi_sessions", "switchboard_events_applied")


def missing() -> str | None:
    """Why the Asterisk mode cannot run here, or None."""
    binary, why = asterisk_and_sipp()
    return why if binary is None else None


def run(
    rates: list[float], seconds: float, operators: int, workdir: Path, trace: bool = False
) -> tuple[list[Phase], Floor]:
    """Every rate through the engine, then every rate through the static fallback queue, then
    the floor at the highest rate; `trace`: Asterisk logs its dialplan trace (as
    `asterisk-config --dialplan-trace` writes it)."""
    binary, _ = asterisk_and_sipp()
    assert binary is not None
    rig = Rig(binary, workdir, operators, trace)
    try:
        rig.start()
        print(f"callers send {rig.media}", flush=True)
        rig.start_engine()
        print(rig.idle(10), flush=True)
        phases = [rig.measure("engine", rate, seconds) for rate in rates]
        rig.stop_engine()
        rig.check_static()
        phases += [rig.measure("static", rate, seconds) for rate in rates]
        floor = rig.floor(max(rates), seconds)
    finally:
        rig.close()
    return phases, floor


@dataclass
class Callers:
    """One caller sipp's files; its callers' numbers are `prefix` + sipp's call number."""

    prefix: str
    short: Path
    errors: Path
    stat: Path
    cpu_s: float = 0.0


class Rig:
    """One Asterisk, its operators' sipp phones, the engine and the callers of one run."""

    def __init__(self, binary: str, workdir: Path, operators: int, trace: bool) -> None:
        self.workdir = workdir
        self.pbx = Asterisk(binary, workdir / "asterisk", rtp_ports=2000, trace=trace)
        self.pbx.root.mkdir(parents=True)
        self.http_port = free_port()
        self.endpoints = [str(2001 + i) for i in range(operators)]
        self.phones = Phones(self.pbx, workdir / "sipp")
        self.scenario, self.media = caller_scenario(self.phones.workdir)
        self.uas: list[tuple[subprocess.Popen[bytes], Path]] = []
        self.engine: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def start(self) -> None:
        """Asterisk configured from the YAML, then the operators registered and listening."""
        yaml = self.workdir / "load.yaml"
        pbx, store = self.pbx, self.workdir / "switchboard.db"
        text = world_yaml(
            self.endpoints, pbx.agi_port, pbx.ami_port, AMI_SECRET, self.http_port, store
        )
        yaml.write_text(text, "utf-8")
        pbx.render(yaml)
        pbx.start()
        self.uas = [self._operator(endpoint) for endpoint in self.endpoints]

    def start_engine(self) -> None:
        """`switchboard run`, ready, with every operator logged in by feature code."""
        with (self.workdir / "engine.log").open("ab") as log:
            self.engine = subprocess.Popen(
                [sys.executable, "-m", "switchboard", "run", "-c", str(self.workdir / "load.yaml"),
                 "--log-level", "warning"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )  # fmt: skip
        self._until(lambda: self._get("/readyz") is not None, 30, "the engine to be ready")
        pending = self.endpoints
        for _ in range(3):  # a free port may be taken before sipp binds it: try again
            logins = [(ep, self.phones.feature_code(ep, "*21")) for ep in pending]
            pending = [ep for ep, login in logins if login.proc.wait(30) != 0]
        self._until(lambda: self._available() == len(self.endpoints), 20, "every login")

    def stop_engine(self) -> None:
        """SIGTERM; with its AGI port closed the route AGI fails at once from then on."""
        assert self.engine is not None
        self.engine.send_signal(signal.SIGTERM)
        try:
            self.engine.wait(20)
        except subprocess.TimeoutExpired:
            self.engine.kill()
            self.engine.wait(5)
        self.engine = None

    def idle(self, seconds: float) -> str:
        """What the engine, Asterisk and the operators' sipps use with no call, per second."""
        before = self._cpu()
        time.sleep(seconds)
        used = {k: (v - before[k]) / seconds * 1000 for k, v in self._cpu().items()}
        return (
            f"idle, {seconds:g} s: engine {used['engine']:.1f}, Asterisk {used['asterisk']:.1f},"
            f" the operators' sipps {used['sipp']:.1f} ms of CPU per second"
        )

    def check_static(self) -> None:
        """Only the fallback queue's static members can be rung: the tenant's queue has none."""
        members = queue_members(self.pbx.cli(f"queue show {FALLBACK}"))
        if members != len(self.endpoints):
            raise RuntimeError(f"{FALLBACK} has {members} members, not {len(self.endpoints)}")
        if queue_members(self.pbx.cli(f"queue show {TENANT_QUEUE}")):
            raise RuntimeError(f"{TENANT_QUEUE} has members besides the static path")

    def measure(self, path: str, rate: float, seconds: float) -> Phase:
        """20 warm-up calls, then `rate` calls/s for `seconds`, measured."""
        self._callers(path, 10.0, WARMUP_CALLS)
        self._settle()
        counters = self._counters()
        completed = queue_completed(self.pbx.cli(f"queue show {FALLBACK}"))
        offsets = [trace.stat().st_size if trace.exists() else 0 for _, trace in self.uas]
        before, processes = self._cpu(), all_processes()
        callers = self._callers(path, rate, round(rate * seconds))
        used = {k: v - before[k] for k, v in self._cpu().items()}
        ours = {os.getpid(), *(p.pid for p, _ in self.uas)}
        ours |= {p.pid for p in (self.engine, self.pbx.proc) if p is not None}
        others = busiest(processes, all_processes(), ours)
        invites = caller_invites(callers.short, callers.prefix)
        answers = operator_answers([t for _, t in self.uas], offsets, callers.prefix)
        waits = [(answers[n] - t) * 1000 for n, t in invites.items() if n in answers]
        sipp_failed, reasons = sipp_failures(callers.stat, callers.errors)
        phase = Phase(
            path=path, rate=rate, attempted=len(invites), reached=len(waits), waits_ms=waits,
            engine_cpu_s=used["engine"] if self.engine else None, asterisk_cpu_s=used["asterisk"],
            sipp_cpu_s=used["sipp"] + callers.cpu_s, wall_s=used["wall"],
            busy=used["busy"] / max(used["cpus"], 1e-9), machine_cpu_s=used["busy"], others=others,
            sipp_failed=sipp_failed,
            reasons=reasons, achieved=placed_rate(invites),
            fallback=queue_completed(self.pbx.cli(f"queue show {FALLBACK}")) - completed,
        )  # fmt: skip
        if self.engine is not None:
            now = self._counters()
            phase.per_call = {k: (now[k] - counters[k]) / max(len(invites), 1) for k in now}
        self._settle()
        print(phase.line(), flush=True)
        return phase

    def floor(self, rate: float, seconds: float) -> Floor:
        """The floor at `rate`, beside the static path's callers at that rate (a few seconds
        more of them, to cover the bare server's start)."""
        running = floor_in_thread(rate, seconds, free_port())
        self._callers("static", rate, round(rate * (seconds + 5)))
        floor = running.result()
        self._settle()
        print(floor.line(None, " beside the static path's calls"), flush=True)
        return floor

    def close(self) -> None:
        """The engine, the phones (unregistered) and Asterisk stopped."""
        if self.engine is not None:
            self.stop_engine()
        for proc, _ in self.uas:
            proc.terminate()
        for proc, _ in self.uas:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        self.phones.close()
        self.pbx.stop()

    def _operator(self, endpoint: str) -> tuple[subprocess.Popen[bytes], Path]:
        """A registered sipp UAS answering for `endpoint`, up and listening."""
        trace = self.phones.workdir / f"op{endpoint}.msg"
        for _ in range(3):  # a free port may be taken before sipp binds it: try again
            port = free_sip_port()
            self.phones.register(endpoint, port)
            args = self._sipp(SIPP / "operator-load.xml", port, endpoint)
            proc = self._popen(
                [*args, "-trace_msg", "-message_file", str(trace)], f"op{endpoint}.out"
            )
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.3)
            if proc.returncode is None:
                return proc, trace
        raise RuntimeError(f"no sipp could listen for operator {endpoint}: see op{endpoint}.out")

    def _callers(self, path: str, rate: float, calls: int) -> Callers:
        """One sipp UAC placing `calls` at `rate`, waited for."""
        self.runs += 1
        name = self.phones.workdir / f"callers-{self.runs:02d}-{path}-{rate:g}"
        # each run's callers have numbers of their own: 07<run><sipp's call number>
        out = Callers(f"07{self.runs:02d}", *(Path(f"{name}.{x}") for x in ("short", "err", "csv")))
        traces = ["-trace_shortmsg", "-shortmessage_file", str(out.short), "-trace_err"]
        traces += ["-error_file", str(out.errors), "-trace_stat", "-stf", str(out.stat)]
        for _ in range(3):  # a free port may be taken before sipp binds it: try again
            args = [
                *self._sipp(self.scenario, free_sip_port(), DIALLED),
                *("-r", f"{rate:g}", "-rp", "1000", "-m", str(calls), "-l", str(int(rate * 20))),
                *("-key", "prefix", out.prefix, *traces),
                *("-timeout", str(int(calls / rate) + 60), "-timeout_error"),
            ]
            proc = self._popen(args, f"{name.name}.out")
            _, status, usage = os.wait4(proc.pid, 0)  # reaped here: its own CPU exactly
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.cpu_s = usage.ru_utime + usage.ru_stime
            if out.short.exists():
                break
        return out

    def _sipp(self, scenario: Path, port: int, service: str) -> list[str]:
        return [
            self.phones.sipp_bin, f"127.0.0.1:{self.pbx.sip_port}", "-sf", str(scenario),
            "-i", "127.0.0.1", "-p", str(port), "-s", service, "-nostdin",
            "-mp", str(free_udp_pair()),
        ]  # fmt: skip

    def _popen(self, args: list[str], out: str) -> subprocess.Popen[bytes]:
        with (self.phones.workdir / out).open("ab") as log:
            return subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.phones.workdir,
            )  # fmt: skip

    def _cpu(self) -> dict[str, float]:
        """CPU-seconds so far of the engine, Asterisk and the operators' sipps; the wall clock;
        the machine's busy and total CPU-seconds."""
        busy, cpus = machine_busy()
        return {
            "engine": cpu_seconds(self.engine.pid if self.engine else None) or 0.0,
            "asterisk": cpu_seconds(self.pbx.proc.pid if self.pbx.proc else None) or 0.0,
            "sipp": sum(cpu_seconds(p.pid) or 0.0 for p, _ in self.uas),
            "wall": time.monotonic(),
            "busy": busy,
            "cpus": cpus,
        }

    def _settle(self) -> None:
        """Wait until Asterisk carries no call (a rate's last BYEs before the next rate)."""
        idle = lambda: self.pbx.cli("core show channels count").startswith("0 active channels")  # noqa: E731
        self._until(idle, 30, "the last calls to end")

    def _get(self, path: str) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=2) as r:
                return str(r.read().decode("utf-8"))
        except OSError:
            return None

    def _counters(self) -> dict[str, float]:
        text = self._get("/metrics") or "" if self.engine is not None else ""
        return {name: metric(text, name) for name in COUNTERS} if text else {}

    def _available(self) -> int:
        return int(metric(self._get("/metrics") or "", "switchboard_agents", 'state="available"'))

    def _until(self, predicate: Callable[[], bool], within_s: float, what: str) -> None:
        end = time.monotonic() + within_s
        while not predicate():
            if self.engine is not None and self.engine.poll() is not None:
                raise RuntimeError(f"the engine exited with {self.engine.returncode}")
            if time.monotonic() > end:
                raise RuntimeError(f"timed out after {within_s} s waiting for {what}")
            time.sleep(0.1)
