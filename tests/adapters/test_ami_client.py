"""AMI client against a fake AMI server on 127.0.0.1:0 that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from switchboard.asterisk.ami import (
    AmiActionError,
    AmiActionTimeout,
    AmiAuthError,
    AmiClient,
    AmiConnection,
    AmiConnectionLost,
    AmiEncodeError,
    AmiMessage,
    AmiNotConnected,
    AmiOptions,
    AmiParser,
    Backoff,
    Translator,
)
from switchboard.core.events import CallerJoined, QueueMemberChanged

SECRET = "pw"


def fast() -> Backoff:
    return Backoff(initial=0.01, cap=0.05, jitter=0.0)


def wire(fields: tuple[tuple[str, str], ...]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n").encode()


@dataclass
class Session:
    writer: asyncio.StreamWriter
    events: bool = False
    actions: list[AmiMessage] = field(default_factory=list)


class FakeAmi:
    """Answers Login/Ping/Logoff like Asterisk 22; knobs make it fail in specific ways."""

    def __init__(self) -> None:
        self.sessions: list[Session] = []
        self.silent: set[str] = set()  # never answered (socket stays open)
        self.drop_on: set[str] = set()  # connection closed on receipt, no answer
        self.errors: dict[str, str] = {}  # Response: Error with this Message
        self.lists: dict[str, list[AmiMessage]] = {}  # recorded replies, ActionID substituted
        self.interleave: tuple[tuple[str, str], ...] | None = None
        self.port = 0
        self.active = 0

    async def __aenter__(self) -> FakeAmi:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        self.kick()
        await until(lambda: self.active == 0)  # let handlers end before the loop closes
        await self.server.wait_closed()

    def actions(self, name: str) -> list[AmiMessage]:
        return [a for s in self.sessions for a in s.actions if a.action == name]

    def broadcast(self, *fields: tuple[str, str]) -> None:
        for s in self.sessions:
            if s.events and not s.writer.is_closing():
                s.writer.write(wire((fields[0], ("Privilege", "call,all"), *fields[1:])))

    def kick(self) -> None:
        for s in self.sessions:
            s.writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(writer)
        self.sessions.append(session)
        self.active += 1
        writer.write(b"Asterisk Call Manager/11.0.0\r\n")
        parser = AmiParser()
        try:
            while data := await reader.read(4096):
                for msg in parser.feed(data):
                    session.actions.append(msg)
                    self._answer(session, msg)
        except ConnectionError:
            pass
        finally:
            writer.transport.abort()
            self.active -= 1

    def _answer(self, session: Session, msg: AmiMessage) -> None:
        name, aid, w = msg.action or "", msg.action_id or "", session.writer
        if name in self.drop_on:
            w.transport.abort()
        elif name in self.silent:
            return
        elif name == "Login" and msg.get("Secret") != SECRET:
            w.write(
                wire(
                    (("Response", "Error"), ("ActionID", aid), ("Message", "Authentication failed"))
                )
            )
            w.close()
        elif name == "Login":
            session.events = msg.get("Events") != "off"
            w.write(
                wire(
                    (
                        ("Response", "Success"),
                        ("ActionID", aid),
                        ("Message", "Authentication accepted"),
                    )
                )
            )
        elif name in self.errors:
            w.write(
                wire((("Response", "Error"), ("ActionID", aid), ("Message", self.errors[name])))
            )
        elif name in self.lists:
            for i, m in enumerate(self.lists[name]):
                if i == 2 and self.interleave:
                    self.broadcast(*self.interleave)
                w.write(wire(tuple((k, aid if k == "ActionID" else v) for k, v in m.fields)))
        elif name == "Logoff":
            w.write(
                wire(
                    (
                        ("Response", "Goodbye"),
                        ("ActionID", aid),
                        ("Message", "Thanks for all the fish."),
                    )
                )
            )
            w.close()
        else:
            pong = (("Ping", "Pong"),) if name == "Ping" else (("Message", "ok"),)
            w.write(wire((("Response", "Success"), ("ActionID", aid), *pong)))


async def until(cond: Callable[[], bool], within: float = 5.0) -> None:
    """Wait for a condition with a deadline (polling, never a bare sleep as synchronisation)."""
    async with asyncio.timeout(within):
        while not cond():  # noqa: ASYNC110 - any predicate, not one Event
            await asyncio.sleep(0.002)


def options(
    port: int, *, ping_interval: float = 5.0, ping_timeout: float = 5.0, action_timeout: float = 2.0
) -> AmiOptions:
    return AmiOptions(
        host="127.0.0.1",
        port=port,
        username="sb",
        secret=SECRET,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        action_timeout=action_timeout,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeAmi]:
    async with FakeAmi() as server:
        yield server


@pytest.fixture
async def conn(fake: FakeAmi) -> AsyncIterator[AmiConnection]:
    c = AmiConnection(options(fake.port), name="t", events=False, backoff=fast())
    c.start()
    await c.wait_connected(3)
    yield c
    await c.close()


async def test_client_logs_in_twice_and_calls_on_connect(fake: FakeAmi) -> None:
    seen: list[AmiClient] = []

    async def on_connect(client: AmiClient) -> None:
        assert client.actions.connected
        seen.append(client)

    client = AmiClient(options(fake.port), on_connect=on_connect)
    client.start()
    await client.wait_ready(3)
    assert client.connected
    assert (await client.send_action("Ping"))["Ping"] == "Pong"
    await until(lambda: len(seen) == 1)
    assert sorted(a["Events"] for a in fake.actions("Login")) == ["off", "on"]
    await client.close()
    assert len(fake.actions("Logoff")) == 2
    assert not client.connected


async def test_wrong_secret_is_a_clear_fatal_error(fake: FakeAmi) -> None:
    opts = AmiOptions(host="127.0.0.1", port=fake.port, username="sb", secret="wrong")
    c = AmiConnection(opts, backoff=fast())
    c.start()
    with pytest.raises(AmiAuthError, match="Authentication failed"):
        await c.wait_connected(3)
    assert c._task is not None
    await until(c._task.done)
    assert len(fake.actions("Login")) == 1  # not retried with a secret that cannot work
    await c.close()


async def test_drop_mid_action_fails_pending_and_never_resends(
    fake: FakeAmi, conn: AmiConnection
) -> None:
    fake.silent.add("Setvar")
    fake.drop_on.add("Redirect")
    setvar = asyncio.create_task(
        conn.send_action("Setvar", {"Variable": "SB_AGENT", "Value": "PJSIP/1001"})
    )
    await until(lambda: len(fake.actions("Setvar")) == 1)
    with pytest.raises(AmiConnectionLost, match="not re-sent"):
        await conn.send_action(
            "Redirect", {"Channel": "PJSIP/inbound-00000000", "Context": "sb-deliver"}
        )
    with pytest.raises(AmiConnectionLost):
        await setvar
    await until(lambda: conn.connected and conn.stats.connects == 2)
    assert (await conn.send_action("Ping"))["Ping"] == "Pong"
    assert len(fake.actions("Redirect")) == 1
    assert len(fake.actions("Setvar")) == 1
    assert [a.action for a in fake.sessions[-1].actions] == ["Login", "Ping"]
    assert conn.stats.lost_actions == 2


async def test_half_open_connection_is_detected_by_ping(fake: FakeAmi) -> None:
    c = AmiConnection(options(fake.port, ping_interval=0.1, ping_timeout=0.2), backoff=fast())
    c.start()
    await c.wait_connected(3)
    fake.silent.add("Ping")  # the peer stays connected but stops answering
    started = time.monotonic()
    await until(lambda: c.stats.ping_failures == 1, within=3)
    fake.silent.clear()
    await until(lambda: c.connected and c.stats.connects == 2, within=3)
    assert time.monotonic() - started < 0.1 + 0.2 + 0.5
    await c.close()


def test_default_keepalive_detects_half_open_within_ten_seconds() -> None:
    opts = AmiOptions(host="h", port=1, username="u", secret="s")
    assert opts.ping_interval + opts.ping_timeout <= 10


async def test_slow_consumer_never_delays_action_replies(fake: FakeAmi) -> None:
    gate = asyncio.Event()
    client = AmiClient(options(fake.port))
    client.start()
    await client.wait_ready(3)
    sub = client.subscribe(lambda _msg: gate.wait(), name="slow")
    for i in range(200):
        fake.broadcast(("Event", "Newexten"), ("Uniqueid", str(i)))
    await until(lambda: client.stats.events == 200)
    started = time.monotonic()
    assert (await client.send_action("Ping"))["Ping"] == "Pong"
    assert time.monotonic() - started < 0.5  # the consumer holds 200 events meanwhile
    assert sub.queue.qsize() >= 198
    gate.set()
    await until(sub.queue.empty)
    await client.close()


async def test_consumer_overflow_forces_a_resync(fake: FakeAmi) -> None:
    reconnects: list[int] = []

    async def on_connect(client: AmiClient) -> None:
        reconnects.append(1)

    client = AmiClient(options(fake.port), on_connect=on_connect, backoff=fast)
    client.start()
    await client.wait_ready(3)
    client.subscribe(lambda _msg: asyncio.Event().wait(), name="stuck", queue_size=5)
    for i in range(10):
        fake.broadcast(("Event", "Newexten"), ("Uniqueid", str(i)))
    await until(lambda: len(reconnects) == 2)
    assert client.stats.dropped_events >= 1
    await client.close()


async def test_action_timeout_keeps_the_connection(fake: FakeAmi, conn: AmiConnection) -> None:
    fake.silent.add("QueueStatus")
    with pytest.raises(AmiActionTimeout, match="QueueStatus"):
        await conn.send_action("QueueStatus", timeout_s=0.1)
    assert conn.stats.action_timeouts == 1
    assert conn.connected
    assert (await conn.send_action("Ping"))["Ping"] == "Pong"


async def test_consumer_exception_does_not_break_the_stream(fake: FakeAmi) -> None:
    got: list[str | None] = []

    def bad(_msg: AmiMessage) -> None:
        raise RuntimeError("consumer bug")

    client = AmiClient(options(fake.port))
    client.start()
    await client.wait_ready(3)
    client.subscribe(bad, name="bad")
    client.subscribe(lambda m: got.append(m.get("Uniqueid")), name="good")
    for i in range(3):
        fake.broadcast(("Event", "Hangup"), ("Uniqueid", str(i)))
    await until(lambda: len(got) == 3 and client.stats.consumer_errors == 3)
    assert got == ["0", "1", "2"]
    assert client.connected
    assert client.events.stats.connects == 1
    await client.close()


async def test_a_listener_sees_every_event_in_order_and_its_exception_breaks_nothing(
    fake: FakeAmi,
) -> None:
    """`listen` runs in the reader itself: a failing listener is counted, the next still runs."""
    got: list[str | None] = []
    queued: list[str | None] = []

    def bad(_msg: AmiMessage) -> None:
        raise RuntimeError("listener bug")

    client = AmiClient(options(fake.port))
    client.start()
    await client.wait_ready(3)
    client.listen(bad, name="bad")
    client.listen(lambda m: got.append(m.get("Uniqueid")), name="good")
    client.subscribe(lambda m: queued.append(m.get("Uniqueid")), name="queued")
    for i in range(5):
        fake.broadcast(("Event", "Hangup"), ("Uniqueid", str(i)))
    await until(lambda: len(queued) == 5)
    assert got == ["0", "1", "2", "3", "4"]
    assert client.stats.consumer_errors == 5
    assert client.connected
    assert client.events.stats.connects == 1
    await client.close()


def test_backoff_grows_caps_and_resets() -> None:
    b = Backoff(initial=0.1, factor=2.0, cap=1.0, jitter=0.5, rand=lambda: 0.0)
    assert [round(b.next_delay(), 3) for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    b.reset()
    assert b.next_delay() == pytest.approx(0.1)
    j = Backoff(initial=0.1, factor=2.0, cap=1.0, jitter=0.5, rand=lambda: 1.0)
    assert [round(j.next_delay(), 3) for _ in range(5)] == [0.05, 0.1, 0.2, 0.4, 0.5]


async def test_reconnect_delays_grow_and_cap_against_a_closed_port() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    backoff = Backoff(initial=0.1, factor=2.0, cap=1.0, jitter=0.2, rand=lambda: 0.0)
    c = AmiConnection(options(port), backoff=backoff, sleep=sleep)
    c.start()
    await until(lambda: len(delays) >= 7)
    await c.close()
    assert [round(d, 3) for d in delays[:7]] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]
    assert not c.connected


async def test_list_action_collects_recorded_items_among_broadcasts(
    fake: FakeAmi, recordings: Path
) -> None:
    recorded = AmiParser().feed((recordings / "17-snapshot-busy/ami.rx").read_bytes())
    fake.lists["QueueStatus"] = [m for m in recorded if m.action_id == "17-04-queuestatus"]
    fake.interleave = (("Event", "Newexten"), ("ActionID", "x"), ("Uniqueid", "9.9"))
    events: list[AmiMessage] = []
    c = AmiConnection(options(fake.port), events=True, on_event=events.append)
    c.start()
    await c.wait_connected(3)
    items = await c.list_action("QueueStatus")
    assert len(items) == int(fake.lists["QueueStatus"][-1]["ListItems"]) == 5
    assert [m.event for m in events] == ["Newexten"]
    translator = Translator()
    typed = [translator.translate(m) for m in items]
    assert any(isinstance(e, CallerJoined) and e.position == 1 for e in typed)
    assert any(isinstance(e, QueueMemberChanged) and e.interface == "PJSIP/1001" for e in typed)
    await c.close()


async def test_error_response_raises_with_asterisk_message(
    fake: FakeAmi, conn: AmiConnection
) -> None:
    fake.errors["Redirect"] = "Channel does not exist: PJSIP/inbound-00000000"
    with pytest.raises(AmiActionError, match="Channel does not exist") as info:
        await conn.send_action("Redirect", {"Channel": "PJSIP/inbound-00000000"})
    assert info.value.message == "Channel does not exist: PJSIP/inbound-00000000"
    assert conn.connected


async def test_refusals_send_nothing(fake: FakeAmi, conn: AmiConnection) -> None:
    with pytest.raises(AmiEncodeError):
        await conn.send_action("Setvar", {"Value": "x\r\nAction: Originate"})
    idle = AmiConnection(options(fake.port))
    with pytest.raises(AmiNotConnected):
        await idle.send_action("Redirect", {"Channel": "PJSIP/inbound-00000000"})
    assert fake.actions("Setvar") == fake.actions("Redirect") == []


async def test_on_connect_and_on_disconnect_after_every_reconnect(fake: FakeAmi) -> None:
    ups: list[int] = []
    downs: list[int] = []

    async def on_connect(client: AmiClient) -> None:
        ups.append(len(await client.list_action("DeviceStateList")))

    fake.lists["DeviceStateList"] = [
        AmiMessage.of(("Response", "Success"), ("ActionID", ""), ("EventList", "start")),
        AmiMessage.of(
            ("Event", "DeviceStateListComplete"), ("ActionID", ""), ("EventList", "Complete")
        ),
    ]
    client = AmiClient(
        options(fake.port),
        on_connect=on_connect,
        on_disconnect=lambda: downs.append(1),
        backoff=fast,
    )
    client.start()
    await until(lambda: ups == [0])
    fake.kick()
    await until(lambda: ups == [0, 0] and client.connected)
    assert downs == [1]
    await client.close()
