"""Property tests: header and reply parsers only ever raise AgiProtocolError; quoting round-trips."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.asterisk.agi import (
    AgiCommandError,
    AgiProtocolError,
    ReplyReader,
    format_command,
    parse_request,
)
from switchboard.asterisk.agi.peer import RECORDED_HEADERS, header_block, split_args
from switchboard.asterisk.agi.request import build_request, parse_header_line, parse_header_lines

RECORDED_LINES = [f"{k}: {v}" for k, v in RECORDED_HEADERS] + [
    "",
    "HANGUP",
    "200 result=1 (PJSIP/inbound-00000000)",
    "510 Invalid or unknown command",
    "511 Command Not Permitted on a dead channel or intercept routine",
    "520-Invalid command syntax.  Proper usage follows:",
    "520 End of proper usage.",
    "100 result=0 Trying...",
]
lines = st.one_of(
    st.sampled_from(RECORDED_LINES),
    st.text(max_size=60),
    st.from_regex(
        r"[0-9]{3}[ -]result=-?[0-9]{0,3}( \(.{0,10}\)?)?( endpos=-?[0-9]*)?", fullmatch=True
    ),
)


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_header_parser_on_random_bytes(block: bytes) -> None:
    with contextlib.suppress(AgiProtocolError):
        parse_request(block)


@settings(max_examples=250)
@given(st.lists(lines, max_size=30))
def test_header_parser_on_mutated_lines(picked: list[str]) -> None:
    try:
        request = parse_request("\n".join(picked) + "\n\n")
    except AgiProtocolError:
        return
    assert request.uniqueid
    assert request.script


@settings(max_examples=300)
@given(st.sampled_from(RECORDED_HEADERS), st.text(max_size=40))
def test_one_changed_field_parses_or_is_refused(field: tuple[str, str], value: str) -> None:
    key = field[0].removeprefix("agi_")
    with contextlib.suppress(AgiProtocolError):
        parse_request(header_block(**{key: value.replace("\n", "")}))


@settings(max_examples=250)
@given(st.lists(lines, max_size=40))
def test_reply_reader_never_raises_anything_else(picked: list[str]) -> None:
    reader = ReplyReader()
    for line in picked:
        try:
            reply = reader.feed(line)
        except AgiProtocolError:
            reader = ReplyReader()
            continue
        if reply is not None:
            assert 101 <= reply.code <= 599
            assert reply.code != 100


@settings(max_examples=250)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=50))
def test_any_value_round_trips_or_is_refused(value: str) -> None:
    try:
        line = format_command("SET VARIABLE", "SB_X", value)
    except AgiCommandError:
        assert any(c in value for c in "\r\n\x00")
        return
    assert split_args(line.decode()[:-1]) == ["SET", "VARIABLE", "SB_X", value]


def _outcome(parse: Callable[[], object]) -> object:
    try:
        return parse()
    except AgiProtocolError as exc:
        return f"refused: {exc}"


header_lines = st.one_of(
    st.sampled_from([f"{k}: {v}" for k, v in RECORDED_HEADERS]),
    st.sampled_from(["", "agi_x:", "agi_x: 1", "agi x: 1", "agí_x: 1", "x: 1", "agi_arg_1: a"]),
    st.text(max_size=30),
)


@settings(max_examples=400)
@given(st.lists(header_lines, max_size=40), st.booleans())
def test_the_one_pass_header_parse_agrees_with_the_line_by_line_one(
    picked: list[str], whole: bool
) -> None:
    """The server's fast path gives the same request, or the same refusal, as the careful one."""
    recorded = [f"{k}: {v}" for k, v in RECORDED_HEADERS]
    lines = [*recorded, *picked] if whole else picked
    fast = _outcome(lambda: parse_header_lines(lines))
    careful = _outcome(lambda: build_request([parse_header_line(line) for line in lines]))
    assert fast == careful
