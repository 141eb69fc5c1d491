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


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A loopback port nobody uses right now (TCP by default, SOCK_DGRAM for UDP)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_udp_pair() -> int:
    """A free even UDP port whose successor is free too (RTP + RTCP for sipp's media)."""
    for _ in range(50):
        port = free_port(socket.SOCK_DGRAM) & ~1
        with contextlib.ExitStack() as stack:
            try:
                for p in (port, port + 1):
                    s = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    s.bind(("127.0.0.1", p))
            except OSError:
                continue
            return port
    raise RuntimeError("no free UDP port pair")


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
    sip_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    trunk_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))
    ami_port: int = field(default_factory=free_port)
    agi_port: int = field(default_factory=free_port)
    rtp_start: int = field(default_factory=lambda: 20000 + (os.getpid() * 7 % 400) * 100)
    qualify_s: int = 0  # OPTIONS pings to the operators' phones (0: off)
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
                "--rtp-ports=100",
                f"--operator-secret={OPERATOR_SECRET}",
                f"--qualify={self.qualify_s}",
                f"--max-slice={MAX_SLICE_S}",
                f"--fallback-wait={FALLBACK_WAIT_S}",
                f"--transfer-ring={TRANSFER_RING_S}",
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


@dataclass
class SipMessage:
    """One SIP message from a sipp -trace_msg file."""

    direction: str  # "received" or "sent"
    text: str

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].strip()

    def header(self, name: str) -> str | None:
        for line in self.text.split("\n")[1:]:
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() == name.lower():
                return value.strip()
        return None


def read_trace(path: Path) -> list[SipMessage]:
    """Parse a sipp -trace_msg file: "UDP message received [n] bytes :" / "sent (n bytes):" blocks."""
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n")
    messages: list[SipMessage] = []
    for block in re.split(r"\n?-{10,}[^\n]*\n", text):
        head = re.match(
            r"\s*\S+ message (received|sent) (?:\[\d+\] bytes :|\(\d+ bytes\):)\n+", block
        )
        if head:
            messages.append(SipMessage(head.group(1), block[head.end() :].strip("\n")))
    return messages


@dataclass
class Sipp:
    """A sipp process of one test, with its message trace."""

    name: str
    proc: subprocess.Popen[bytes]
    trace: Path
    port: int

    def messages(self) -> list[SipMessage]:
        return read_trace(self.trace)

    def received(self, method: str) -> list[SipMessage]:
        return [
            m
            for m in self.messages()
            if m.direction == "received" and m.first_line.startswith(f"{method} ")
        ]

    def sent(self, status: str) -> list[SipMessage]:
        return [
            m
            for m in self.messages()
            if m.direction == "sent" and m.first_line.startswith(f"SIP/2.0 {status}")
        ]

    @property
    def done(self) -> bool:
        return self.proc.poll() is not None


class Phones:
    """The sipp operators and callers of one test; `close()` kills them and unregisters phones."""

    def __init__(self, pbx: Asterisk, workdir: Path) -> None:
        self.pbx = pbx
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.sipp_bin = find_sipp() or "sipp"
        self.procs: list[Sipp] = []
        self.registered: dict[str, int] = {}
        self.count = 0

    def register(self, endpoint: str, port: int, expires: int = 3600) -> None:
        """Register (or with expires=0 unregister) `endpoint` with Contact 127.0.0.1:port."""
        done = subprocess.run(
            [
                *self._args("register.xml", port, endpoint),
                *("-m", "1", "-au", endpoint, "-ap", OPERATOR_SECRET),
                *("-key", "expires", str(expires)),
            ],
            capture_output=True,
            timeout=15,
            cwd=self.workdir,
        )
        if done.returncode != 0:
            raise AssertionError(f"sipp register {endpoint} failed: {done.stdout[-500:]!r}")
        if expires:
            self.registered[endpoint] = port
        else:
            self.registered.pop(endpoint, None)

    def operator(self, endpoint: str, behaviour: str = "answer", **keys: str) -> Sipp:
        """A registered operator phone (sipp UAS) that answers, never answers, is busy or
        transfers its first call (`refer`, with key `target`); `keys` are sipp -key values."""
        port = free_port(socket.SOCK_DGRAM)
        self.register(endpoint, port)
        extra = [arg for key, value in keys.items() for arg in ("-key", key, value)]
        return self._start(f"op{endpoint}", f"operator-{behaviour}.xml", port, endpoint, extra)

    def call(self, number: str, caller: str, hold_ms: int, expect_hangup: bool = False) -> Sipp:
        """A caller on the trunk dialling `number`; holds `hold_ms` after the answer, then BYE.

        With `expect_hangup`, the call fails unless Asterisk hangs up within `hold_ms`.
        """
        self.count += 1
        template = (SIPP_DIR / "caller.xml.in").read_text("utf-8")
        scenario = self.workdir / f"caller-{self.count}.xml"
        attr = "" if expect_hangup else 'ontimeout="hangup"'
        note = "Asterisk must hang up first." if expect_hangup else "Then hangs up."
        scenario.write_text(
            template.replace("@HOLD_MS@", str(hold_ms))
            .replace("@ON_TIMEOUT_ATTR@", attr)
            .replace("@ON_TIMEOUT@", note),
            "utf-8",
        )
        port = free_port(socket.SOCK_DGRAM)
        return self._start(
            f"caller-{self.count}-{caller}",
            str(scenario),
            port,
            number,
            ["-m", "1", "-key", "caller", caller],
        )

    def feature_code(self, endpoint: str, code: str) -> Sipp:
        """Operator `endpoint` dials feature `code` (digest-authenticated INVITE)."""
        port = free_port(socket.SOCK_DGRAM)
        extra = ["-m", "1", "-key", "operator", endpoint, "-au", endpoint, "-ap", OPERATOR_SECRET]
        return self._start(f"fc{endpoint}{code}", "feature-code.xml", port, code, extra)

    def close(self) -> None:
        """Kill every sipp, unregister every phone, hang up whatever calls are left."""
        for sipp in self.procs:
            if sipp.proc.poll() is None:
                sipp.proc.terminate()
        for sipp in self.procs:
            try:
                sipp.proc.wait(3)
            except subprocess.TimeoutExpired:
                sipp.proc.kill()
                sipp.proc.wait(3)
        for endpoint, port in list(self.registered.items()):
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self.register(endpoint, port, expires=0)
        with contextlib.suppress(RuntimeError):
            self.pbx.cli("channel request hangup all")

    def _start(self, name: str, scenario: str, port: int, service: str, extra: list[str]) -> Sipp:
        trace = self.workdir / f"{name}.msg"
        args = self._args(scenario, port, service) + extra
        args += ["-trace_msg", "-message_file", str(trace), "-mp", str(free_udp_pair())]
        with (self.workdir / f"{name}.out").open("ab") as out:
            proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.workdir,
            )  # fmt: skip
        sipp = Sipp(name, proc, trace, port)
        self.procs.append(sipp)
        return sipp

    def _args(self, scenario: str, port: int, service: str) -> list[str]:
        path = scenario if "/" in scenario else str(SIPP_DIR / scenario)
        return [
            self.sipp_bin,
            f"127.0.0.1:{self.pbx.sip_port}",
            "-sf",
            path,
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-s",
            service,
            "-nostdin",
            "-timeout",
            "120",
            "-timeout_error",
        ]
