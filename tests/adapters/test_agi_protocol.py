"""The pure FastAGI protocol against the recordings: header blocks, replies, command quoting."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchboard.asterisk.agi import (
    AgiCommandError,
    AgiProtocolError,
    AgiReply,
    ReplyReader,
    format_command,
    parse_reply,
    parse_request,
)
from switchboard.asterisk.agi.peer import header_block, split_args
from tests.adapters.test_agi_support import SESSIONS, load_session


@pytest.mark.parametrize("name", SESSIONS)
def test_every_recorded_header_block_parses(recordings: Path, name: str) -> None:
    session = load_session(recordings, name)
    request = parse_request(session.header)
    assert len(request.headers) == 23
    assert request.version == "22.10.1"
    assert request.uniqueid
    assert request.channel.startswith("PJSIP/inbound-")
    assert request.calleridname == "Åsa Öberg"
    assert request.query["did"] == "4638397000"
    assert request.script in ("route", "queue-exit")


def test_route_request_is_typed(recordings: Path) -> None:
    request = parse_request(load_session(recordings, "04-fastagi-route/agi").header)
    assert request.script == "route"
    assert dict(request.query) == {"did": "4638397000"}
    assert request.args == ("070123456",)
    assert request.arg(1) == "070123456"
    assert request.arg(2) is None
    assert (request.context, request.extension, request.priority) == ("sb-inbound", "4638397000", 4)
    assert request.callerid == "070123456"
    assert request.accountcode == ""
    assert request.enhanced is False
    assert request.callingpres == 0
    assert request.rdnis == "unknown"


def test_query_keeps_plus_and_ampersands(recordings: Path) -> None:
    request = parse_request(load_session(recordings, "11-queue-timeout/agi-2").header)
    assert request.script == "queue-exit"
    assert dict(request.query) == {"did": "4638397000", "status": "TIMEOUT"}
    plus = parse_request(header_block("route?did=+4638397000&digit=2&digit=3"))
    assert dict(plus.query) == {"did": "+4638397000", "digit": "2"}


@pytest.mark.parametrize(
    "field", ["agi_uniqueid", "agi_channel", "agi_network_script", "agi_calleridname"]
)
def test_missing_required_header_is_an_error(field: str) -> None:
    lines = header_block().split(b"\n")[:-2]
    block = b"".join(x + b"\n" for x in lines if not x.startswith(field.encode() + b":")) + b"\n"
    with pytest.raises(AgiProtocolError, match=field):
        parse_request(block)


@pytest.mark.parametrize(
    "block",
    [
        b"agi_network: yes\ngarbage\n\n",
        b"\x16\x03\x01\x02\x00\x01\x00\n\n",
        header_block(priority="four"),
        header_block(uniqueid=""),
        header_block(enhanced="2.0"),
        header_block().replace(b"agi_type", b"agi_channel"),
    ],
)
def test_malformed_header_block_is_an_error(block: bytes) -> None:
    with pytest.raises(AgiProtocolError):
        parse_request(block)


def test_every_recorded_reply_parses(recordings: Path) -> None:
    replies: list[AgiReply] = []
    hangups = 0
    for name in SESSIONS:
        reader = ReplyReader()
        for unit in load_session(recordings, name).units:
            got = [reader.feed(line) for line in unit.decode().split("\n")[:-1]]
            assert all(r is None for r in got[:-1])
            if unit == b"HANGUP\n":
                assert got == [None]
                assert reader.hangup
                hangups += 1
            else:
                assert isinstance(got[-1], AgiReply)
                replies.append(got[-1])
    assert hangups == 2 + 1 + 0 + 1 + 2 + 2 + 20
    codes = sorted({r.code for r in replies})
    assert codes == [200, 510, 511, 520]


def test_recording_04_replies(recordings: Path) -> None:
    reader = ReplyReader()
    lines = (recordings / "04-fastagi-route/agi.rx").read_bytes().decode().split("\n\n", 1)[1]
    replies = [r for r in (reader.feed(x) for x in lines.split("\n")[:-1]) if r is not None]
    assert [r.code for r in replies] == [200] * 7 + [510, 520]
    assert replies[0] == AgiReply(200, "1", "PJSIP/inbound-00000000", None, replies[0].text)
    assert replies[1].result_int == 0
    assert replies[1].data is None
    assert replies[2].data == "Åsa Öberg"
    assert replies[5].data == 'Åsa said "hej" to the switchboard'
    assert replies[7].text == "Invalid or unknown command"
    assert not replies[7].ok
    assert replies[8].text == "Invalid command syntax.  Proper usage follows:"
    assert len(replies[8].usage) == 2
    assert replies[8].usage[1].startswith("Example return code")
    assert reader.hangup


def test_unsolicited_hangup_never_shifts_replies(recordings: Path) -> None:
    reader = ReplyReader()
    lines = (recordings / "05-agi-hangup-during/agi.rx").read_bytes().decode().split("\n\n", 1)[1]
    replies = [r for r in (reader.feed(x) for x in lines.split("\n")[:-1]) if r is not None]
    assert [r.code for r in replies] == [511, 200, 511, 200, 511]
    assert replies[1].data == "PJSIP/inbound-00000000"
    assert replies[0].text.startswith("Command Not Permitted on a dead channel")


@pytest.mark.parametrize(
    ("line", "result", "data", "endpos"),
    [
        ("200 result=0 endpos=24807", "0", None, 24807),
        ("200 result=49 endpos=8640", "49", None, 8640),
        ("200 result=-1", "-1", None, None),
        ("200 result= (timeout)", "", "timeout", None),
        ("200 result=1 (digit) digit=5 endpos=120", "1", "digit", 120),
        ("200 result=1 (a) b endpos=3)", "1", "a) b endpos=3", None),
        ("200 result=12# (timeout)", "12#", "timeout", None),
        ("503 result=-2 Memory allocation failure", "-2", None, None),
    ],
)
def test_reply_forms_of_res_agi(line: str, result: str, data: str | None, endpos: int) -> None:
    reply = parse_reply(line)
    assert (reply.result, reply.data, reply.endpos) == (result, data, endpos)


def test_provisional_100_and_single_line_520() -> None:
    reader = ReplyReader()
    assert reader.feed("100 result=0 Trying...") is None
    assert reader.feed("200 result=0 Gosub complete") == AgiReply(
        200, "0", text="result=0 Gosub complete"
    )
    lone = reader.feed("520 Invalid command syntax.  Proper usage not available.")
    assert lone is not None
    assert lone.code == 520
    assert lone.usage == ()


@pytest.mark.parametrize("line", ["", "20 result=1", "abc", "200 result=1 (unterminated"])
def test_bad_reply_is_an_error(line: str) -> None:
    with pytest.raises(AgiProtocolError):
        ReplyReader().feed(line)


def test_recorded_commands_are_formatted_byte_exact(recordings: Path) -> None:
    assert format_command("SET VARIABLE", "SB_NOTE", 'Åsa said "hej" to the switchboard') == (
        'SET VARIABLE SB_NOTE "Åsa said \\"hej\\" to the switchboard"\n'.encode()
    )
    assert format_command("STREAM FILE", "beep", "") == b'STREAM FILE beep ""\n'
    assert format_command("GET FULL VARIABLE", "${CALLERID(name)}") == (
        b"GET FULL VARIABLE ${CALLERID(name)}\n"
    )
    tx = (recordings / "04-fastagi-route/agi.tx").read_bytes()
    assert format_command("VERBOSE", "engine: did 4638397000 routed to vetlanda", "1") in tx


@pytest.mark.parametrize(
    "value", ["back\\slash", 'q"uote', "tab\there", "  ", "", "\\", '"', 'x\\"y', "ä ö"]
)
def test_quoting_round_trips_through_parse_args(value: str) -> None:
    line = format_command("SET VARIABLE", "X", value).decode()[:-1]
    assert split_args(line) == ["SET", "VARIABLE", "X", value]


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\x00b"])
def test_cr_lf_nul_are_refused(value: str) -> None:
    with pytest.raises(AgiCommandError):
        format_command("SET VARIABLE", "X", value)
    with pytest.raises(AgiCommandError):
        format_command(f"VERBOSE{value}")


def test_command_longer_than_asterisk_buffer_is_refused() -> None:
    assert len(format_command("VERBOSE", "x" * 2030)) == 2039
    with pytest.raises(AgiCommandError):
        format_command("VERBOSE", "x" * 2100)
