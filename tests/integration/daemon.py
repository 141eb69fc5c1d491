"""`switchboard run` as ops run it, against the fake PBX: its log lines, HTTP, signals, output."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers
from tests.integration.engine_world import free_port

SECRET = "Sb-AMI-s3cret-4711"  # the AMI secret every daemon test runs with, then greps for
MQTT_PASSWORD = "Mqtt-pa55word-0815"  # in the file (MQTT off): must never be shown either
VETLANDA, SAVSJO = "038397000", "038215000"

CONFIG = """\
engine:
  agi: {{host: 127.0.0.1, port: {agi}, session_deadline_s: 2}}
  ami: {{host: 127.0.0.1, port: {ami}, username: switchboard, keepalive_s: 2}}
  mqtt: {{enabled: false, username: sb, password: "{mqtt_password}"}}
  http: {{host: 127.0.0.1, port: {http}}}
  store: {{path: "{store}"}}
dispatch: {{offer_timeout_s: 15, misses_before_pause: 2, wrapup_s: 0}}
tenants:
  vetlanda:
    name: Vetlanda kommun
    tag: VETLANDA
    numbers: ["+4638397000"]
    hours: {{mon-sun: "00:00-24:00"}}
    force: {vetlanda_force}
    closed: {{then: voicemail, voicemail: "100@vetlanda"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
  savsjo:
    name: Sävsjö kommun
    tag: SAVSJO
    numbers: ["+4638215000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services: {{switchboard: {{skills: [vaxel], target_answer_s: 30}}}}
agents:
{agents}
"""
AGENTS = {"asa": ("1001", "vetlanda"), "bengt": ("1002", "vetlanda"), "carl": ("1004", "savsjo")}


def config_text(
    agi: int,
    ami: int,
    http: int,
    store: Path,
    agents: Mapping[str, tuple[str, str]] = AGENTS,
    vetlanda_force: str = "null",
) -> str:
    """The daemon's YAML: two tenants open around the clock, no wrap-up, `agents` by id."""
    lines = "\n".join(
        f"  {aid}: {{device: PJSIP/{ep}, home: {home}, skills: {{vaxel: 3}}}}"
        for aid, (ep, home) in agents.items()
    )
    return CONFIG.format(
        agi=agi,
        ami=ami,
        http=http,
        store=store,
        agents=lines,
        vetlanda_force=vetlanda_force,
        mqtt_password=MQTT_PASSWORD,
    )


@dataclass
class Daemon:
    """A running `switchboard run` process; `lines` are its parsed log lines so far."""

    proc: asyncio.subprocess.Process
    sim: Simulator
    tmp: Path
    agi: int
    http: int
    lines: list[dict[str, Any]] = field(default_factory=list)
    output: bytearray = field(default_factory=bytearray)
    bodies: list[bytes] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def config(self) -> Path:
        """The file the daemon reads (rewrite it, then SIGHUP)."""
        return self.tmp / "switchboard.yaml"

    async def logged(
        self, event: str, within_s: float = 10.0, since: int = 0, **fields: object
    ) -> dict[str, Any]:
        """The first log line from index `since` with this event and fields (waits for it)."""
        try:
            async with asyncio.timeout(within_s):
                while True:
                    for line in self.lines[since:]:
                        if line.get("event") == event and fields.items() <= line.items():
                            return line
                    await self._changed.wait()
                    self._changed = asyncio.Event()
        except TimeoutError:
            tail = "\n".join(json.dumps(line, ensure_ascii=False) for line in self.lines[-15:])
            raise AssertionError(
                f"no {event!r} {fields} within {within_s} s; last:\n{tail}"
            ) from None

    async def get(self, path: str) -> tuple[int, bytes]:
        """GET `path` over HTTP/1.0 (the server closes after the answer); (status, body)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.http)
        try:
            writer.write(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            raw = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        head, _, body = raw.partition(b"\r\n\r\n")
        self.bodies.append(raw)
        return int(head.split(b" ", 2)[1]), body

    async def get_json(self, path: str) -> tuple[int, dict[str, Any]]:
        """GET a JSON document."""
        status, body = await self.get(path)
        return status, json.loads(body)

    async def until(
        self, predicate: Callable[[], Any], within_s: float = 10.0, what: str = ""
    ) -> None:
        """Wait for a condition on the fake PBX or on what the daemon said, with a deadline."""
        try:
            async with asyncio.timeout(within_s):
                # Polls: the fake PBX, the log and HTTP answers share no signal.
                while not await _value(predicate()):  # noqa: ASYNC110
                    await asyncio.sleep(0.02)
        except TimeoutError:
            raise AssertionError(f"not within {within_s} s: {what or predicate}") from None

    async def exited(self, within_s: float) -> int:
        """Wait for the process to end; its exit status."""
        async with asyncio.timeout(within_s):
            return await self.proc.wait()

    def everything(self) -> bytes:
        """All the daemon wrote (stdout and stderr) and every HTTP answer it gave."""
        return bytes(self.output) + b"".join(self.bodies)

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while raw := await stream.readline():
            self.output += raw
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"raw": raw.decode("utf-8", "replace")}
            self.lines.append(line if isinstance(line, dict) else {"raw": line})
            self._changed.set()
        self._changed.set()


@asynccontextmanager
async def daemon(
    tmp: Path,
    *,
    endpoints: Sequence[str] = ("1001", "1002", "1004"),
    agents: Mapping[str, tuple[str, str]] = AGENTS,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    **popen: Any,
) -> AsyncIterator[Daemon]:
    """The fake PBX (phones registered and answering) and `switchboard run` against it."""
    agi, http = free_port(), free_port()
    # Asterisk as `switchboard asterisk-config` would write it: every queue and operator device
    # the YAML routes to exists (only `endpoints` register), or `run` refuses to start
    names = ("vetlanda-switchboard", "savsjo-switchboard", "switchboard-fallback")
    queues = tuple(QueueConfig(name) for name in names)
    devices = dict.fromkeys([*endpoints, *(ep for ep, _ in agents.values())])
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi, default_wait_s=300, requeue_wait_s=300),
        endpoints=tuple(devices),
        queues=queues,
        time_scale=0.1,
        secret=SECRET,
    )
    async with Simulator(sim_config) as sim:
        for ep in endpoints:
            sim.register(ep, answers(0.5, hangup_after_s=1.0))
        path = tmp / "switchboard.yaml"
        path.write_text(config_text(agi, sim.ami_port, http, tmp / "sb.db", agents))
        environ = {**os.environ, "SWITCHBOARD_AMI__SECRET": SECRET, **(env or {})}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchboard", "run", "-c", str(path), "--log-level", "debug",
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environ,
            **popen,
        )  # fmt: skip
        assert proc.stdout is not None
        assert proc.stderr is not None
        d = Daemon(proc, sim, tmp, agi, http)
        readers = [asyncio.create_task(d._read(s)) for s in (proc.stdout, proc.stderr)]
        try:
            await d.logged("engine started", within_s=15)
            await d.logged("state read from asterisk")
            yield d
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await asyncio.wait(readers, timeout=5)
            for task in readers:
                task.cancel()
    assert SECRET.encode() not in d.everything()
    assert MQTT_PASSWORD.encode() not in d.everything()


class Systemd:
    """The service manager's end of NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.setblocking(False)
        self.path = path

    async def next(self, within_s: float) -> list[str] | None:
        """The next notification's lines, or None when none came within `within_s`."""
        loop = asyncio.get_running_loop()
        try:
            data = await asyncio.wait_for(loop.sock_recv(self.sock, 4096), within_s)
        except TimeoutError:
            return None
        return data.decode().split("\n")

    async def until(self, line: str, within_s: float) -> list[str]:
        """Wait for a notification holding `line`."""
        async with asyncio.timeout(within_s):
            while True:
                got = await self.next(within_s)
                if got is not None and line in got:
                    return got

    def close(self) -> None:
        """Stop listening."""
        self.sock.close()


async def _value(result: Any) -> Any:
    return await result if asyncio.iscoroutine(result) else result
