"""The load benchmark's figures: one measured rate and path, CPU from /proc, the table."""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path


def cpu_seconds(pid: int | None) -> float | None:
    """utime + stime of a process (all its threads) from /proc; None without one."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def all_processes() -> dict[int, tuple[str, float]]:
    """pid -> (name, CPU-seconds) of every process now."""
    found: dict[int, tuple[str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        found[int(stat.parent.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return found


def busiest(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], skip: set[int]
) -> list[tuple[str, float]]:
    """The three processes outside `skip` that used the most CPU between two readings."""
    used = [
        (name, cpu - before.get(pid, (name, 0.0))[1])
        for pid, (name, cpu) in after.items()
        if pid not in skip
    ]
    return sorted(used, key=lambda u: -u[1])[:3]


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU-seconds of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    idle = values[3] + values[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


@dataclass
class Phase:
    """One rate through one path (engine or static) of a real Asterisk."""

    path: str
    rate: float
    attempted: int
    reached: int
    waits_ms: list[float]
    engine_cpu_s: float | None
    asterisk_cpu_s: float
    sipp_cpu_s: float
    wall_s: float
    busy: float  # share of all CPUs busy over the window
    machine_cpu_s: float  # CPU-seconds the whole machine used in the window
    others: list[tuple[str, float]]  # the busiest other processes in the window (CPU-seconds)
    sipp_failed: int
    reasons: list[str]
    achieved: float  # calls per second sipp really placed
    fallback: int  # calls app_queue completed in the fallback queue in the window
    per_call: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return self.attempted - self.reached

    def quantile(self, p: int) -> float:
        """p-th percentile of INVITE-to-answer (ms); NaN without two answered calls."""
        if len(self.waits_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.waits_ms, n=100, method="inclusive")[p - 1]

    def ms_per_call(self, seconds: float | None) -> float | None:
        return None if seconds is None else seconds / max(self.attempted, 1) * 1000

    def line(self) -> str:
        """One progress line with everything measured."""
        extra = " ".join(
            f"{k.removeprefix('switchboard_')} {v:.1f}/call" for k, v in self.per_call.items()
        )
        engine = self.ms_per_call(self.engine_cpu_s)
        return (
            f"{self.path:<6} {self.rate:g}/s (placed {self.achieved:.2f}/s): attempted "
            f"{self.attempted} reached {self.reached} failed {self.failed} (sipp {self.sipp_failed})"
            f" p50 {self.quantile(50):.1f} p95 {self.quantile(95):.1f} p99 {self.quantile(99):.1f}"
            f" ms; CPU/call engine {_ms(engine)} Asterisk {_ms(self.ms_per_call(self.asterisk_cpu_s))}"
            f" sipp {_ms(self.ms_per_call(self.sipp_cpu_s))} ms; {self.busy:.0%} of the CPUs busy"
            f" (busiest others: {', '.join(f'{n} {s:.2f} s' for n, s in self.others)});"
            f" fallback queue completed {self.fallback}; {extra}"
            + "".join(f"\n    {reason}" for reason in self.reasons[:10])
        )


def table(phases: list[Phase]) -> str:
    """Per rate, the engine's and the static queue's rows, and what the engine added."""
    lines = [
        f"{'':<47}{'INVITE-to-answer ms':^22}  {'CPU ms per call':^17}  {'engine adds ms':^14}",
        f"{'rate/s':>6}  {'path':<6} {'attempted':>9} {'reached':>7} {'failed (sipp)':>13}"
        f"  {'p50':>6} {'p95':>6} {'p99':>6}  {'engine':>8} {'Asterisk':>8}  {'p50':>6} {'p95':>6}",
    ]
    by_rate: dict[float, dict[str, Phase]] = {}
    for phase in phases:
        by_rate.setdefault(phase.rate, {})[phase.path] = phase
    for rate, paths in by_rate.items():
        engine, static = paths.get("engine"), paths.get("static")
        for phase in (engine, static):
            if phase is None:
                continue
            added = ""
            if phase is engine and static is not None:
                added = (
                    f"  {phase.quantile(50) - static.quantile(50):>+6.1f}"
                    f" {phase.quantile(95) - static.quantile(95):>+6.1f}"
                )
            lines.append(
                f"{rate:>6g}  {phase.path:<6} {phase.attempted:>9} {phase.reached:>7}"
                f" {f'{phase.failed} ({phase.sipp_failed})':>13}  {phase.quantile(50):>6.1f}"
                f" {phase.quantile(95):>6.1f} {phase.quantile(99):>6.1f}"
                f"  {_ms(phase.ms_per_call(phase.engine_cpu_s)):>8}"
                f" {_ms(phase.ms_per_call(phase.asterisk_cpu_s)):>8}{added}"
            )
    return "\n".join(lines)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
