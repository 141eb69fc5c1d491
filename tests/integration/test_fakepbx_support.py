"""Test-side raw AMI client, FastAGI server and recording parser for the simulator tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

Msg = list[tuple[str, str]]

# Events the simulator models; everything else is filtered out of both sides before comparing.
MODELLED = {
    "Newchannel", "Newstate", "HangupRequest", "SoftHangupRequest", "Hangup",
    "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon",
    "DialBegin", "DialState", "DialEnd",
    "BridgeCreate", "BridgeEnter", "BridgeLeave", "BridgeDestroy",
    "DeviceStateChange", "ContactStatus", "PeerStatus", "ExtensionStatus",
    "QueueMemberStatus", "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause",
    "FullyBooted", "Shutdown",
    "QueueParams", "QueueMember", "QueueEntry", "QueueStatusComplete",
    "QueueSummary", "QueueSummaryComplete", "CoreShowChannel", "CoreShowChannelsComplete",
    "DeviceStateListComplete", "ContactList", "ContactListComplete",
}  # fmt: skip


def get(msg: Msg, key: str) -> str | None:
    """First value of `key` in a message."""
    return next((v for k, v in msg if k == key), None)


def parse_ami(data: bytes) -> list[Msg]:
    """Split raw AMI bytes (banner first) into messages of (key, value) pairs."""
    text = data.decode("utf-8")
    _, _, rest = text.partition("\r\n")
    out: list[Msg] = []
    for block in rest.split("\r\n\r\n"):
        lines = [ln for ln in block.split("\r\n") if ln]
        if lines:
            out.append([(k, v) for k, _, v in (ln.partition(": ") for ln in lines)])
    return out


def recorded(recordings: Path, scenario: str, name: str = "ami.rx") -> list[Msg]:
    """The messages of a recorded AMI stream."""
    return parse_ami((recordings / scenario / name).read_bytes())


def modelled_events(msgs: Iterable[Msg], keep: Callable[[Msg], bool] = lambda m: True) -> list[Msg]:
    """Events (broadcast and list items) the simulator models."""
    return [m for m in msgs if get(m, "Event") in MODELLED and keep(m)]


def names(msgs: Iterable[Msg], *, skip: frozenset[str] = frozenset()) -> list[str]:
    """Event names in order, without the `skip` set."""
    return [n for m in msgs if (n := get(m, "Event") or "") not in skip]


def header_sets(msgs: Iterable[Msg]) -> dict[str, set[tuple[str, ...]]]:
    """Per event type, the header-name tuples seen (order included)."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for m in msgs:
        out.setdefault(get(m, "Event") or "", set()).add(tuple(k for k, _ in m))
    return out


def multiset(msgs: Iterable[Msg]) -> Counter[str]:
    """Event names as a multiset."""
    return Counter(get(m, "Event") or "" for m in msgs)


class RawAmi:
    """A minimal AMI client on raw sockets, recording every message it reads."""

    def __init__(self) -> None:
        self.received: list[Msg] = []
        self.raw = bytearray()
        self._changed = asyncio.Event()
        self._seq = 0
        self.eof = False

    async def connect(self, port: int) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.banner = await self.reader.readline()
        self.raw += self.banner
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def login(
        self, user: str = "switchboard", secret: str = "secret", events: bool = True
    ) -> Msg:
        return await self.action(
            "Login", Username=user, Secret=secret, Events="on" if events else "off"
        )

    async def _read(self) -> None:
        buf = b""
        while True:
            chunk = await self.reader.read(65536)
            if not chunk:
                self.eof = True
                self._kick()
                return
            self.raw += chunk
            buf += chunk
            while b"\r\n\r\n" in buf:
                block, buf = buf.split(b"\r\n\r\n", 1)
                lines = block.decode("utf-8").split("\r\n")
                self.received.append([(k, v) for k, _, v in (ln.partition(": ") for ln in lines)])
            self._kick()

    def _kick(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def send(self, action: str, **headers: str) -> str:
        self._seq += 1
        aid = f"t-{self._seq}"
        lines = [
            f"Action: {action}",
            f"ActionID: {aid}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        return aid

    async def wait_for(
        self, pred: Callable[[Msg], bool], within_s: float = 5.0, start: int = 0
    ) -> Msg:
        async with asyncio.timeout(within_s):
            while True:
                for m in self.received[start:]:
                    if pred(m):
                        return m
                if self.eof:
                    raise EOFError("AMI closed")
                await self._changed.wait()

    async def wait_eof(self, within_s: float = 5.0) -> None:
        async with asyncio.timeout(within_s):
            while not self.eof:
                await self._changed.wait()

    async def action(self, action: str, **headers: str) -> Msg:
        aid = self.send(action, **headers)
        return await self.wait_for(
            lambda m: get(m, "ActionID") == aid and get(m, "Response") is not None
        )

    async def list_action(self, action: str, **headers: str) -> list[Msg]:
        aid = self.send(action, **headers)
        await self.wait_for(
            lambda m: get(m, "ActionID") == aid and get(m, "EventList") == "Complete"
        )
        return [m for m in self.received if get(m, "ActionID") == aid]

    async def event(self, name: str, within_s: float = 5.0, **fields: str) -> Msg:
        def match(m: Msg) -> bool:
            return get(m, "Event") == name and all(get(m, k) == v for k, v in fields.items())

        return await self.wait_for(match, within_s)

    def count(self, name: str, **fields: str) -> int:
        return sum(
            1 for m in self.received
            if get(m, "Event") == name and all(get(m, k) == v for k, v in fields.items())
        )  # fmt: skip

    async def close(self) -> None:
        self.writer.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await self._task
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


Script = Callable[[str, dict[str, str]], list[str]]


class AgiServer:
    """A FastAGI server answering each script with a list of commands, then half-closing."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.sessions: list[dict[str, object]] = []
        self._changed = asyncio.Event()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port: int = self.server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        headers: dict[str, str] = {}
        order: list[str] = []
        while line := (await reader.readline()).decode().rstrip("\n"):
            k, _, v = line.partition(": ")
            headers[k] = v
            order.append(k)
        session: dict[str, object] = {"headers": headers, "order": order, "replies": []}
        self.sessions.append(session)
        replies: list[str] = session["replies"]  # type: ignore[assignment]
        script = headers.get("agi_network_script", "").split("?")[0]
        for cmd in self.script(script, headers):
            writer.write((cmd + "\n").encode())
            while True:
                reply = (await reader.readline()).decode().rstrip("\n")
                replies.append(reply)
                if reply != "HANGUP" and not reply.startswith("520-"):
                    break
        writer.write_eof()
        while line_b := await reader.readline():
            replies.append(line_b.decode().rstrip("\n"))
        writer.close()
        session["done"] = True
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_sessions(self, n: int, within_s: float = 5.0) -> None:
        async with asyncio.timeout(within_s):
            while sum(1 for s in self.sessions if s.get("done")) < n:
                await self._changed.wait()
