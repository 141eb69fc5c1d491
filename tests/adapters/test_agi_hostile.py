"""Hostile and broken peers: the server closes them with a log line and stays responsive."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import pytest
import structlog

from switchboard.asterisk.agi import AgiLimits, AgiProtocolError, AgiServer, AgiSession
from switchboard.asterisk.agi.link import AgiLink
from switchboard.asterisk.agi.peer import FakeChannel, header_block, run_session
from tests.adapters.test_agi_support import serving


async def answer(session: AgiSession) -> None:
    await session.set_variable("SB_ACTION", "queue")


async def still_answers(server: AgiServer) -> float:
    """Run one normal session and return how long it took (s)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    channel = FakeChannel()
    result = await run_session("127.0.0.1", server.port, header_block(), channel.respond)
    assert result.half_closed
    assert channel.variables == {"SB_ACTION": "queue"}
    return loop.time() - started


async def closed_after(port: int, data: bytes, *, close_write: bool = False) -> float:
    """Send `data`, then return the seconds until the server closes the connection."""
    loop = asyncio.get_running_loop()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = loop.time()
    writer.write(data)
    if close_write:
        writer.write_eof()
    # A close with our bytes still unread arrives as a reset: closed all the same.
    with contextlib.suppress(ConnectionResetError):
        async with asyncio.timeout(5):
            while await reader.read(65536):
                pass
    elapsed = loop.time() - started
    writer.close()
    with contextlib.suppress(ConnectionResetError):
        await writer.wait_closed()
    return elapsed


async def until(condition: Callable[[], bool], timeout_s: float = 3.0) -> None:
    """Wait, turn by turn of the loop, for `condition()` to hold within `timeout_s`."""
    # The server exposes plain counters, not events: poll once per loop turn, under a deadline.
    async with asyncio.timeout(timeout_s):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("data", "close_write"),
    [
        (header_block()[:300], True),  # EOF before the empty line
        (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\n", False),  # TLS hello with a LF
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", False),
        (b"agi_network: yes\n" + b"x" * 9000, False),  # oversized line
        (b"agi_arg_1: " + b"y" * 9000 + b"\n\n", False),
        (header_block().replace(b"agi_priority: 4", b"agi_priority: 4)"), False),
    ],
)
async def test_broken_header_closes_at_once(data: bytes, close_write: bool) -> None:
    async with serving({"route": answer}) as server:
        with structlog.testing.capture_logs() as logs:
            elapsed = await closed_after(server.port, data, close_write=close_write)
            await until(lambda: server.stats.active == 0)
        assert elapsed < 0.5
        assert server.stats.errors == 1
        assert any(e["event"] == "agi bad header block, closed" for e in logs)
        assert await still_answers(server) < 0.5


async def test_silent_peer_is_closed_by_the_header_timeout() -> None:
    limits = AgiLimits(header_timeout_s=0.2)
    async with serving({"route": answer}, limits) as server:
        elapsed = await closed_after(server.port, b"agi_network: yes\n")
        assert 0.15 < elapsed < 1.0
        assert server.stats.timeouts == 1


async def test_peer_not_in_allowlist_is_refused_and_logged() -> None:
    async with serving({"route": answer}, allowed_peers=["10.0.0.0/8", "::1"]) as server:
        with structlog.testing.capture_logs() as logs:
            elapsed = await closed_after(server.port, header_block())
            await until(lambda: server.stats.refused_peer == 1)
    assert elapsed < 0.5
    assert server.stats.sessions == 0
    refused = [e for e in logs if e["event"] == "agi peer not in allowed_peers, closed"]
    assert refused[0]["peer"] == "127.0.0.1"


async def test_unknown_script_is_closed_without_answer() -> None:
    async with serving({"route": answer}) as server:
        channel = FakeChannel()
        result = await run_session(
            "127.0.0.1", server.port, header_block("nosuch?x=1"), channel.respond
        )
    assert result.commands == []
    assert server.stats.errors == 1


async def test_hangup_mid_command_is_a_flag_and_the_reply_follows() -> None:
    replies: list[int] = []

    async def handler(session: AgiSession) -> None:
        replies.append((await session.command("ANSWER")).code)
        replies.append((await session.set_variable("SB_X", "1")).code)
        replies.append(int(session.hung_up))

    def dead_channel(words: list[str]) -> str:
        if words[0] == "ANSWER":
            return "HANGUP\n511 Command Not Permitted on a dead channel or intercept routine"
        return "200 result=1"

    async with serving({"route": handler}) as server:
        await run_session("127.0.0.1", server.port, header_block(), dead_channel)
    assert replies == [511, 200, 1]
    assert server.stats.hangups == 1
    assert server.stats.answered == 1


async def test_eof_mid_command_ends_the_session_quietly() -> None:
    async def handler(session: AgiSession) -> None:
        await session.command("ANSWER")

    async with serving({"route": handler}) as server:
        closed = await closed_after(server.port, header_block(), close_write=True)
    assert closed < 0.5
    assert server.stats.errors == 0
    assert server.stats.answered == 0


async def test_520_usage_block_keeps_replies_in_step() -> None:
    seen: list[tuple[int, int]] = []

    async def handler(session: AgiSession) -> None:
        bad = await session.command("SET VARIABLE", "ONLY_A_NAME")
        seen.append((bad.code, len(bad.usage)))
        seen.append(((await session.set_variable("SB_X", "ok")).code, 0))

    channel = FakeChannel()
    async with serving({"route": handler}) as server:
        await run_session("127.0.0.1", server.port, header_block(), channel.respond)
    assert seen == [(520, 1), (200, 0)]
    assert channel.variables == {"SB_X": "ok"}


async def test_a_reply_line_past_the_limit_ends_the_session_as_a_protocol_error() -> None:
    limits = AgiLimits(max_header_bytes=1024)

    def endless(words: list[str]) -> str:
        return "200 result=1 (" + "x" * 5000  # no LF before far past the limit

    async with serving({"route": answer}, limits) as server:
        with structlog.testing.capture_logs() as logs:
            await run_session("127.0.0.1", server.port, header_block(), endless)
            await until(lambda: server.stats.active == 0)
        assert server.stats.errors == 1
        assert server.stats.answered == 0
        ended = [e for e in logs if e["event"] == "agi session"]
        assert ended[0]["outcome"] == "protocol_error: reply line too long"
        assert await still_answers(server) < 0.5


async def test_a_flood_of_lines_is_read_in_step_and_the_reply_still_found() -> None:
    """Far more than the buffer's limit arrives before the reply: reading pauses and resumes,
    the HANGUP lines are skipped and the reply after them is the command's."""
    flood = 5000

    def flooding(words: list[str]) -> str:
        return "HANGUP\n" * flood + "200 result=1"

    limits = AgiLimits(max_header_bytes=1024)
    async with serving({"route": answer}, limits) as server:
        result = await run_session("127.0.0.1", server.port, header_block(), flooding)
    assert result.commands == ["SET VARIABLE SB_ACTION queue"]
    assert result.half_closed
    assert server.stats.answered == 1
    assert server.stats.hangups == 1


async def test_hung_handler_is_closed_at_the_session_deadline() -> None:
    async def hangs(session: AgiSession) -> None:
        await asyncio.Event().wait()

    async with serving({"route": answer, "hang": hangs}, session_deadline_s=0.3) as server:
        elapsed = await closed_after(server.port, header_block("hang"))
        assert 0.25 < elapsed < 0.8
        assert server.stats.timeouts == 1
        assert await still_answers(server) < 0.5


async def test_silent_asterisk_is_cut_at_the_command_timeout() -> None:
    async def handler(session: AgiSession) -> None:
        await session.command("ANSWER")

    limits = AgiLimits(command_timeout_s=0.2)
    async with serving({"route": handler}, limits, session_deadline_s=5) as server:
        elapsed = await closed_after(server.port, header_block())
    assert 0.15 < elapsed < 0.7
    assert server.stats.timeouts == 1


async def test_excess_sessions_are_closed_at_once() -> None:
    release = asyncio.Event()

    async def slow(session: AgiSession) -> None:
        await release.wait()
        await session.set_variable("SB_ACTION", "queue")

    async with serving({"route": slow}, max_sessions=1, session_deadline_s=5) as server:
        channel = FakeChannel()
        first = asyncio.create_task(
            run_session("127.0.0.1", server.port, header_block(), channel.respond)
        )
        await until(lambda: server.stats.sessions == 1)
        assert await closed_after(server.port, header_block()) < 0.5
        assert server.stats.refused_busy == 1
        release.set()
        await first
    assert channel.variables == {"SB_ACTION": "queue"}


async def test_stop_lets_sessions_finish_then_cancels_the_rest() -> None:
    release = asyncio.Event()

    async def slow(session: AgiSession) -> None:
        await release.wait()
        await session.set_variable("SB_ACTION", "queue")

    async with serving({"route": slow}, session_deadline_s=10) as server:
        port = server.port
        channel = FakeChannel()
        call = asyncio.create_task(
            run_session("127.0.0.1", server.port, header_block(), channel.respond)
        )
        await until(lambda: server.stats.sessions == 1)
        stopping = asyncio.create_task(server.stop(grace_s=2.0))
        await until(lambda: not server.accepting)
        release.set()
        await stopping
        await call
        assert channel.variables == {"SB_ACTION": "queue"}
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)

    async with serving({"route": slow}, session_deadline_s=10) as server:
        late = asyncio.create_task(closed_after(server.port, header_block()))
        await until(lambda: server.stats.sessions == 1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await server.stop(grace_s=0.2)
        assert loop.time() - started < 1.0
        assert await late < 1.0


async def test_a_header_written_line_by_line_reaches_the_session_in_one_piece(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """res_agi.c writes each header line on its own: the server still gets it once, whole."""
    blocks: list[bytes | AgiProtocolError] = []
    original = AgiServer.header

    def header(self: AgiServer, link: AgiLink, block: bytes | AgiProtocolError) -> None:
        blocks.append(block)
        original(self, link, block)

    monkeypatch.setattr(AgiServer, "header", header)
    async with serving({"route": answer}) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        for line in header_block().splitlines(keepends=True):
            writer.write(line)
            await writer.drain()
            await asyncio.sleep(0.001)  # a write per line, as Asterisk does
        command = await asyncio.wait_for(reader.readline(), 5)
        writer.write(b"200 result=1\nHANGUP\n")
        writer.close()
        await until(lambda: server.stats.answered == 1)
    assert command == b"SET VARIABLE SB_ACTION queue\n"
    assert blocks == [header_block()]
