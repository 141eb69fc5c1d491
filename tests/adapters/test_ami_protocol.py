"""AMI parser and encoder: framing, banner, odd fields, bounds, CR/LF refusal, fuzzing."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.asterisk.ami import AmiEncodeError, AmiMessage, AmiParser, encode_action

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
LOGIN_OK = b"Response: Success\r\nActionID: a1\r\nMessage: Authentication accepted\r\n\r\n"


def feed_bytewise(parser: AmiParser, data: bytes) -> list[AmiMessage]:
    return [m for i in range(len(data)) for m in parser.feed(data[i : i + 1])]


def test_banner_without_blank_line_then_response() -> None:
    parser = AmiParser()
    [msg] = parser.feed(BANNER + LOGIN_OK)
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert msg.response == "Success"
    assert msg.action_id == "a1"
    assert msg["Message"] == "Authentication accepted"


def test_banner_split_across_reads() -> None:
    parser = AmiParser()
    msgs = feed_bytewise(parser, BANNER + LOGIN_OK)
    assert parser.banner == "Asterisk Call Manager/11.0.0"
    assert [m.response for m in msgs] == ["Success"]
    assert parser.errors == 0


def test_utf8_split_between_reads_survives() -> None:
    data = "Event: QueueCallerJoin\r\nCallerIDName: Åsa Öberg\r\n\r\n".encode()
    cut = data.index("Å".encode()) + 1  # inside the two-byte Å
    parser = AmiParser()
    assert parser.feed(data[:cut]) == []
    [msg] = parser.feed(data[cut:])
    assert msg["CallerIDName"] == "Åsa Öberg"


def test_empty_value_colon_value_and_duplicates() -> None:
    data = (
        b"Event: Newchannel\r\nAccountCode: \r\nBare:\r\nAppData: a: b: c\r\n"
        b"ChanVariable: A=1\r\nChanVariable: B=2\r\n\r\n"
    )
    [msg] = AmiParser().feed(data)
    assert msg["AccountCode"] == ""
    assert msg["Bare"] == ""
    assert msg["AppData"] == "a: b: c"
    assert msg["ChanVariable"] == "A=1"
    assert msg.get_all("ChanVariable") == ["A=1", "B=2"]
    assert [k for k, _ in msg.fields] == [
        "Event",
        "AccountCode",
        "Bare",
        "AppData",
        "ChanVariable",
        "ChanVariable",
    ]


def test_c_escaped_values_stay_escaped() -> None:
    [msg] = AmiParser().feed(b'Event: VarSet\r\nValue: a\\r\\nb \\"q\\"\r\n\r\n')
    assert msg["Value"] == 'a\\r\\nb \\"q\\"'


def test_garbage_message_is_counted_and_parser_resyncs() -> None:
    parser = AmiParser()
    msgs = parser.feed(b"no colon here\r\n\r\n\xff\xfe: x\r\n\r\nEvent: Ok\r\n\r\n")
    assert [m.event for m in msgs] == ["Ok"]
    assert parser.errors == 2


def test_oversized_message_dropped_then_resync() -> None:
    parser = AmiParser(max_message_bytes=100)
    msgs = parser.feed(b"Event: Big\r\nData: " + b"x" * 500)
    msgs += parser.feed(b"y" * 500 + b"\r\n\r\nEvent: After\r\n\r\n")
    assert [m.event for m in msgs] == ["After"]
    assert parser.errors == 1


def test_oversized_complete_message_in_one_read_is_dropped() -> None:
    parser = AmiParser(max_message_bytes=50)
    msgs = parser.feed(b"Event: Big\r\nData: " + b"x" * 100 + b"\r\n\r\nEvent: Small\r\n\r\n")
    assert [m.event for m in msgs] == ["Small"]
    assert parser.errors == 1


def test_no_banner_and_stray_blank_lines() -> None:
    parser = AmiParser()
    msgs = parser.feed(b"\r\n\r\nEvent: A\r\n\r\n\r\nEvent: B\r\n\r\n")
    assert [m.event for m in msgs] == ["A", "B"]
    assert parser.banner is None
    assert parser.errors == 0


def test_encode_action_format() -> None:
    data = encode_action(
        "Redirect", "x-1", {"Channel": "PJSIP/inbound-00000000", "Context": "sb-deliver"}
    )
    assert data == (
        b"Action: Redirect\r\nActionID: x-1\r\nChannel: PJSIP/inbound-00000000\r\n"
        b"Context: sb-deliver\r\n\r\n"
    )


def test_encode_repeated_keys_and_utf8() -> None:
    data = encode_action("Originate", "o", [("Variable", "A=1"), ("Variable", "B=Åsa")])
    assert data.endswith("Variable: A=1\r\nVariable: B=Åsa\r\n\r\n".encode())


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("Setvar", {"Value": "evil\r\nAction: Originate"}),
        ("Setvar", {"Value": "lf\nonly"}),
        ("Setvar", {"Value": "cr\ronly"}),
        ("Setvar", {"Bad\nKey": "v"}),
        ("Setvar", {"Key: x": "v"}),
        ("Setvar", {"": "v"}),
        ("Red\r\nirect", {}),
    ],
)
def test_encoder_refuses_crlf_and_bad_keys(action: str, fields: dict[str, str]) -> None:
    with pytest.raises(AmiEncodeError):
        encode_action(action, "id-1", fields)


def test_encoder_refuses_crlf_in_action_id() -> None:
    with pytest.raises(AmiEncodeError, match="CR or LF"):
        encode_action("Ping", "id\r\n")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 2000), max_size=20))
def test_fuzz_arbitrary_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    parser = AmiParser(max_message_bytes=256)
    bounds = sorted({0, len(data), *(c for c in cuts if c <= len(data))})
    for a, b in itertools.pairwise(bounds):
        parser.feed(data[a:b])
    assert len(parser._buf) <= 256 + 3


@settings(max_examples=300, deadline=None)
@given(garbage=st.binary(max_size=600), size=st.integers(1, 64))
def test_fuzz_valid_message_after_garbage_is_parsed(garbage: bytes, size: int) -> None:
    parser = AmiParser(max_message_bytes=256)
    tail = "\r\n\r\nEvent: After\r\nCallerIDName: Åsa Öberg\r\n\r\n".encode()
    data = garbage + tail
    msgs = [m for i in range(0, len(data), size) for m in parser.feed(data[i : i + size])]
    assert msgs
    assert msgs[-1].fields == (("Event", "After"), ("CallerIDName", "Åsa Öberg"))
