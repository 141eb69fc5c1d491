"""Recorded FastAGI sessions replayed byte for byte over a real socket against the server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from switchboard.asterisk.agi import AgiReply, AgiSession, parse_request
from switchboard.asterisk.agi.peer import split_args
from tests.adapters.test_agi_support import Recorded, load_session, serving

# Longest first, so `GET FULL VARIABLE` wins over `GET VARIABLE` (words are case-insensitive).
VERBS = sorted(
    (
        "GET FULL VARIABLE",
        "GET VARIABLE",
        "SET VARIABLE",
        "VERBOSE",
        "FLY TO THE MOON",
        "ANSWER",
        "STREAM FILE",
        "CHANNEL STATUS",
    ),
    key=len,
    reverse=True,
)


def _verb_and_args(line: bytes) -> tuple[str, list[str]]:
    words = split_args(line.decode()[:-1])
    for verb in VERBS:
        n = len(verb.split())
        if [w.upper() for w in words[:n]] == verb.split():
            return verb, words[n:]
    raise AssertionError(f"unknown recorded verb in {line!r}")


class Replayer:
    """Asterisk's side from a recording: each command gets the next recorded reply unit."""

    def __init__(self, recorded: Recorded) -> None:
        self.recorded = recorded
        self.sent_by_server: list[bytes] = []
        self.trailer = b""

    async def run(self, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        units = list(self.recorded.units)
        async with asyncio.timeout(5):
            writer.write(self.recorded.header)
            # HANGUP lines before the first reply were unsolicited (caller hung up, 05).
            while units and units[0] == b"HANGUP\n" and len(units) > 1:
                writer.write(units.pop(0))
            while line := await reader.readline():
                self.sent_by_server.append(line)
                writer.write(units.pop(0))
                while units and units[0] == b"HANGUP\n" and len(units) > 1:
                    writer.write(units.pop(0))
            # EOF from the server (its half-close): the rest is Asterisk's closing HANGUP.
            self.trailer = b"".join(units)
            writer.write(self.trailer)
        writer.close()
        await writer.wait_closed()


@pytest.mark.parametrize(
    "name",
    [
        "04-fastagi-route/agi",
        "05-agi-hangup-during/agi",
        "07-queue-redirect-deliver/agi",
        "11-queue-timeout/agi-1",
        "11-queue-timeout/agi-2",
    ],
)
async def test_recorded_session_replays_byte_exact(recordings: Path, name: str) -> None:
    recorded = load_session(recordings, name)
    script = parse_request(recorded.header).script
    replies: list[AgiReply] = []
    hung_up: list[bool] = []

    async def replay_commands(session: AgiSession) -> None:
        for line in recorded.commands:
            verb, args = _verb_and_args(line)
            replies.append(await session.command(verb, *args))
        hung_up.append(session.hung_up)

    async with serving({script: replay_commands}) as server:
        replayer = Replayer(recorded)
        await replayer.run(server.port)
    assert replayer.sent_by_server == list(recorded.commands)
    assert replayer.trailer == b"HANGUP\n"
    assert len(replies) == len(recorded.commands)
    expected = [u for u in recorded.units if u != b"HANGUP\n"]
    assert [r.code for r in replies] == [int(u[:3]) for u in expected]
    assert hung_up == [name.startswith("05")]
    assert server.stats.answered == 1
    assert server.stats.errors == 0


async def test_recording_04_reads_back_what_it_set(recordings: Path) -> None:
    recorded = load_session(recordings, "04-fastagi-route/agi")
    seen: dict[str, object] = {}

    async def handler(session: AgiSession) -> None:
        seen["channel"] = await session.get_variable("CHANNEL")
        seen["missing"] = await session.get_variable("SB_DOES_NOT_EXIST")
        seen["name"] = (await session.command("GET FULL VARIABLE", "${CALLERID(name)}")).data
        await session.set_variable("SB_QUEUE", "vetlanda")
        await session.set_variable("SB_NOTE", 'Åsa said "hej" to the switchboard')
        seen["note"] = await session.get_variable("SB_NOTE")
        await session.verbose("engine: did 4638397000 routed to vetlanda")
        seen["unknown"] = (await session.command("FLY TO THE MOON")).code
        seen["usage"] = (await session.command("GET VARIABLE")).usage

    async with serving({"route": handler}) as server:
        replayer = Replayer(recorded)
        await replayer.run(server.port)
    assert replayer.sent_by_server == list(recorded.commands)
    assert seen["channel"] == "PJSIP/inbound-00000000"
    assert seen["missing"] is None
    assert seen["name"] == "Åsa Öberg"
    assert seen["note"] == 'Åsa said "hej" to the switchboard'
    assert seen["unknown"] == 510
    assert isinstance(seen["usage"], tuple)
    assert len(seen["usage"]) == 2
