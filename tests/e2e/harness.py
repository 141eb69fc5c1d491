"""A real Asterisk for the e2e suite: find, render, run and restart it; sipp phones and callers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SIPP_DIR = Path(__file__).resolve().parent / "sipp"
AMI_SECRET = "e2e-ami-secret"
OPERATOR_SECRET = "e2e-operator-secret"
RING_S = 5  # the test config's dispatch.offer_timeout_s: the ring time per offer
MAX_SLICE_S = 5  # longest Queue() slice: how long a dead engine can strand a caller
FALLBACK_WAIT_S = 6  # how long the static fallback rings the operators
WRAPUP_S = 1  # the test config's dispatch.wrapup_s, also the fallback queue's wrap-up
TRANSFER_RING_S = 4  # how long a transfer target rings before the caller comes back


def find_asterisk() -> tuple[str | None, str]:
    """The Asterisk binary to use, or None and why not (a one-line skip reason)."""
    configured = os.environ.get("SWITCHBOARD_ASTERISK")
    if configured:
        if os.access(configured, os.X_OK):
            return configured, ""
        return None, f"SWITCHBOARD_ASTERISK={configured} is not an executable"
    found = shutil.which("asterisk")
    if found:
        return found, ""
    return None, "no Asterisk: set SWITCHBOARD_ASTERISK or put asterisk on PATH"


def find_sipp() -> str | None:
    return shutil.which("sipp")


def asterisk_and_sipp() -> tuple[str | None, str]:
    """The Asterisk binary to run with sipp, or None and why the real-Asterisk tests cannot run."""
    binary, why = find_asterisk()
    if binary is None:
        return None, why
    if find_sipp() is None:
        return None, "no sipp on PATH (Debian package sip-tester)"
    return binary, ""


# Ports are only bound when sipp starts: a port free now may be promised to another already.
_MEDIA_GIVEN: set[int] = set()  # the first port of every media block handed out
_SIP_GIVEN: set[int] = set()


def free_sip_port() -> int:
    """A free UDP port for a SIP side (sipp's -p, Asterisk's), inside no media block handed out."""
    for _ in range(50):
        port = free_port(socket.SOCK_DGRAM)
        if port & ~3 not in _MEDIA_GIVEN:
            _SIP_GIVEN.add(port)
            return port
    raise RuntimeError("no free UDP port outside the media blocks")


def free_udp_pair() -> int:
    """A free UDP port p (p % 4 == 0) with p+1..p+3 free too, never handed out before and
    holding no SIP port handed out: sipp's -mp takes p and p+1 for audio and p+2, p+3 for
    video, so a pair is not enough."""
    for _ in range(50):
        port = free_port(socket.SOCK_DGRAM) & ~3
        if port in _MEDIA_GIVEN or not _SIP_GIVEN.isdisjoint(range(port, port + 4)):
            continue
        with contextlib.ExitStack() as stack:
            try:
                for p in range(port, port + 4):
                    s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    s.bind(("127.0.0.1", p))
            except OSError:
                continue
            _MEDIA_GIVEN.add(port)
            return port
    raise RuntimeError("no four free UDP ports in a row")


def deadline_loop(within_s: float, what: str) -> Iterator[None]:
    """Yield until `within_s` has passed, then fail naming `what` (for blocking polls)."""
    end = time.monotonic() + within_s
    while time.monotonic() < end:
        yield
    raise AssertionError(f"timed out after {within_s} s waiting for {what}")


async def until(predicate: Callable[[], object], within_s: float, what: str) -> None:
    """Poll `predicate` until it is true; fail after `within_s` naming `what`."""
    end = time.monotonic() + within_s
    # Polls: the predicates read engine state, sipp traces and Asterisk's CLI, which share no signal.
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {within_s} s waiting for {what}")
        await asyncio.sleep(0.05)


@dataclass
class Asterisk:
    """One Asterisk in the foreground, configured by `switchboard asterisk-config` under `root`."""

    binary: str
    root: Path
    sip_port: int = field(default_factory=free_sip_port)
    trunk_port: int = field(default_factory=free_sip_port)
    ami_port: int = field(default_factory=free_port)
    agi_port: int = field(default_factory=free_port)
    rtp_start: int = field(default_factory=lambda: 20000 + (os.getpid() * 7 % 400) * 100)
    rtp_ports: int = 100  # two per call leg: enough for the suite, not for a load test
    qualify_s: int = 0  # OPTIONS pings to the operators' phones (0: off)
    trace: bool = True  # the dialplan trace in messages.log, which the tests read
    proc: subprocess.Popen[bytes] | None = None

    @property
    def conf(self) -> Path:
        return self.root / "asterisk.conf"

    @property
    def console_log(self) -> Path:
        return self.root / "console.log"

    @property
    def messages_log(self) -> Path:
        return self.root / "var" / "log" / "messages.log"

    def render(self, config: Path, recordings: Path | None = None) -> None:
        """Write the configuration for the YAML `config` into `root` (its engine section names
        this instance's AMI and FastAGI ports and the AMI secret); SIP, RTP and timings here."""
        extra = [f"--recordings={recordings}"] if recordings is not None else []
        subprocess.run(
            [
                *(sys.executable, "-m", "switchboard", "asterisk-config", "-c", str(config)),
                str(self.root),
                "--quiet",
                f"--asterisk={self.binary}",
                f"--sip-port={self.sip_port}",
                f"--trunk-port={self.trunk_port}",
                f"--rtp-start={self.rtp_start}",
                f"--rtp-ports={self.rtp_ports}",
                f"--operator-secret={OPERATOR_SECRET}",
                f"--qualify={self.qualify_s}",
                f"--max-slice={MAX_SLICE_S}",
                f"--fallback-wait={FALLBACK_WAIT_S}",
                f"--transfer-ring={TRANSFER_RING_S}",
                *(["--dialplan-trace"] if self.trace else []),
                *extra,
            ],
            check=True,
            timeout=30,
        )

    def start(self, within_s: float = 30) -> None:
        """Start in the foreground (`-f -C`) and wait until fully booted."""
        with self.console_log.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "-f", "-C", str(self.conf)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                start_new_session=True,
            )
        self.wait_booted(within_s)

    def wait_booted(self, within_s: float) -> None:
        for _ in deadline_loop(within_s, "Asterisk to boot"):
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"Asterisk exited with {self.proc.returncode}: {self.tail()}")
            out = self._rx("core waitfullybooted", timeout=within_s)
            if out is not None and "fully booted" in out:
                return
            time.sleep(0.05)

    def restart(self, within_s: float = 30) -> None:
        """`core restart now` (Asterisk re-executes itself) and wait for the new boot."""
        ready = self.console_log.read_bytes().count(b"Asterisk Ready.")
        self._rx("core restart now", timeout=10)
        for _ in deadline_loop(within_s, "Asterisk to restart"):
            if self.console_log.read_bytes().count(b"Asterisk Ready.") > ready:
                break
            time.sleep(0.05)
        self.wait_booted(within_s)

    def cli(self, command: str, timeout: float = 10) -> str:
        """Run one CLI command over the control socket; its output."""
        out = self._rx(command, timeout)
        if out is None:
            raise RuntimeError(f"asterisk -rx {command!r} failed: {self.tail()}")
        return out

    def stop(self) -> None:
        """Stop gracefully, kill after a deadline; idempotent."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self._rx("core stop now", timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def log_size(self) -> int:
        return self.messages_log.stat().st_size if self.messages_log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.messages_log.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def tail(self, lines: int = 30) -> str:
        text = self.console_log.read_text("utf-8", "replace") if self.console_log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _rx(self, command: str, timeout: float) -> str | None:
        try:
            done = subprocess.run(
                [self.binary, "-C", str(self.conf), "-rx", command],
                capture_output=True,
                timeout=timeout,
                cwd=self.root,
            )
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        return done.stdout.decode("utf-8", "replace")

    def queue_callers(self, queue: str) -> int:
        """How many callers `queue show` lists in `queue`."""
        match = re.search(r" has (\d+) calls", self.cli(f"queue show {queue}"))
        return int(match.group(1)) if match else 0
