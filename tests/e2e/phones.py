"""The sipp side of the e2e suite: operator phones, callers, the phone behind the trunk, and the
SIP messages they traced."""

from __future__ import annotations

import contextlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness import (
    OPERATOR_SECRET,
    SIPP_DIR,
    Asterisk,
    find_sipp,
    free_sip_port,
    free_udp_pair,
)


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
        port = free_sip_port()
        self.register(endpoint, port)
        extra = [arg for key, value in keys.items() for arg in ("-key", key, value)]
        return self._start(f"op{endpoint}", f"operator-{behaviour}.xml", port, endpoint, extra)

    def call(
        self,
        number: str,
        caller: str,
        hold_ms: int,
        expect_hangup: bool = False,
        press: tuple[int, str] | None = None,
    ) -> Sipp:
        """A caller on the trunk dialling `number`; holds `hold_ms` after the answer, then BYE.

        With `expect_hangup`, the call fails unless Asterisk hangs up within `hold_ms`. With
        `press=(ms, digit)` the caller presses `digit` (SIP INFO) `ms` after the answer.
        """
        self.count += 1
        name = "caller.xml.in" if press is None else "caller-dtmf.xml.in"
        template = (SIPP_DIR / name).read_text("utf-8")
        if press is not None:
            template = template.replace("@DTMF_MS@", str(press[0])).replace("@DIGIT@", press[1])
        scenario = self.workdir / f"caller-{self.count}.xml"
        attr = "" if expect_hangup else 'ontimeout="hangup"'
        note = "Asterisk must hang up first." if expect_hangup else "Then hangs up."
        scenario.write_text(
            template.replace("@HOLD_MS@", str(hold_ms))
            .replace("@ON_TIMEOUT_ATTR@", attr)
            .replace("@ON_TIMEOUT@", note),
            "utf-8",
        )
        port = free_sip_port()
        return self._start(
            f"caller-{self.count}-{caller}",
            str(scenario),
            port,
            number,
            ["-m", "1", "-key", "caller", caller],
        )

    def outside_phone(self, talk_ms: int) -> Sipp:
        """The phone behind the trunk (on the trunk's port): answers one call, talks, hangs up."""
        scenario = self.workdir / "callee.xml"
        template = (SIPP_DIR / "callee.xml.in").read_text("utf-8")
        scenario.write_text(template.replace("@TALK_MS@", str(talk_ms)), "utf-8")
        return self._start("outside", str(scenario), self.pbx.trunk_port, "callee", ["-m", "1"])

    def feature_code(self, endpoint: str, code: str) -> Sipp:
        """Operator `endpoint` dials feature `code` (digest-authenticated INVITE)."""
        port = free_sip_port()
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
