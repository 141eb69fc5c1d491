"""The `route` handler over a real socket against examples/smaland.yaml."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.asterisk.agi import AgiProtocolError, AgiRequest, answers, parse_request
from switchboard.asterisk.agi.peer import FakeChannel, header_block, run_session
from switchboard.asterisk.agi.session import AgiSession
from switchboard.config.compile import compile_routing
from switchboard.config.loader import load_config
from switchboard.core.routing import Action, CallFacts, Decision, decide
from switchboard.core.rules import RoutingTable
from switchboard.engine.handlers.route import call_facts, route_handler, wait_slice
from tests.adapters.test_agi_hostile import until
from tests.adapters.test_agi_support import serving
from tests.conftest import EXAMPLE

TUESDAY_10 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # 10:00 in Vetlanda
CHRISTMAS_10 = datetime(2026, 12, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return compile_routing(load_config(EXAMPLE))


async def _route(
    table: RoutingTable, now: datetime, header: bytes
) -> tuple[dict[str, str], list[str], list[tuple[AgiRequest, Decision]]]:
    routed: list[tuple[AgiRequest, Decision]] = []
    handler = route_handler(
        lambda: table, clock=lambda: now, on_routed=lambda r, d, f: routed.append((r, d))
    )
    channel = FakeChannel()
    async with serving({"route": handler}) as server:
        result = await run_session("127.0.0.1", server.port, header, channel.respond)
    assert result.half_closed
    assert server.stats.answered == 1
    assert set(channel.variables) == {"SB_ANSWER"}  # the whole answer in one round trip
    variables = answers.unpack(answers.ROUTE, channel.variables["SB_ANSWER"])
    assert variables is not None
    return variables, result.commands, routed


async def test_open_call_is_queued(table: RoutingTable) -> None:
    variables, commands, routed = await _route(table, TUESDAY_10, header_block())
    assert variables == {
        "SB_CALLID": "1795345541.0",
        "SB_REASON": "open",
        "SB_TENANT": "vetlanda",
        "SB_SERVICE": "switchboard",
        "SB_QUEUE": "vetlanda-switchboard",
        "SB_PRIO": "0",
        "SB_TAG": "VETLANDA",
        "SB_WAIT": "30",
        "SB_ANNOUNCE": "",
        "SB_TARGET": "",
        "SB_LANG": "sv",
        "SB_GREETING": "vetlanda-greeting",
        "SB_MENU": "",
        "SB_MENU_DIGITS": "",
        "SB_MENU_TIMEOUT": "",
        "SB_MENU_RETRIES": "",
        "SB_ACTION": "queue",
    }
    assert commands == [
        "SET VARIABLE SB_ANSWER v1|queue|1795345541.0|open|vetlanda|switchboard|"
        "vetlanda-switchboard|0|VETLANDA|30|||sv|vetlanda-greeting||||"
    ]
    assert [d.action for _, d in routed] == [Action.QUEUE]
    assert routed[0][0].uniqueid == "1795345541.0"


async def test_holiday_goes_to_voicemail(table: RoutingTable) -> None:
    variables, _, _ = await _route(table, CHRISTMAS_10, header_block())
    assert variables["SB_ACTION"] == "voicemail"
    assert variables["SB_REASON"] == "holiday:Juldagen"
    assert variables["SB_ANNOUNCE"] == "vetlanda-closed"
    assert variables["SB_TARGET"] == "100@vetlanda"
    assert variables["SB_QUEUE"] == ""
    assert variables["SB_WAIT"] == ""


async def test_unknown_number_is_rejected(table: RoutingTable) -> None:
    header = header_block("route?did=4600000000")
    variables, _, routed = await _route(table, TUESDAY_10, header)
    assert variables["SB_ACTION"] == "reject"
    assert variables["SB_REASON"] == "unknown_number"
    assert variables["SB_TENANT"] == ""
    assert routed[0][1].tenant is None


@pytest.mark.parametrize(
    "name",
    [
        'Evil\r" ; SET VARIABLE SB_ACTION hangup',
        '"\\" \\\\ "" \t ${SB_TAG} $[1+1]',
        "Å" * 3000,
        "\x00\x01\x7f",
    ],
)
async def test_hostile_caller_name_never_breaks_the_answer(table: RoutingTable, name: str) -> None:
    header = header_block(calleridname=name, callerid='0701"23\r', arg_1="")
    variables, commands, _ = await _route(table, TUESDAY_10, header)
    assert variables["SB_ACTION"] == "queue"
    assert variables["SB_TENANT"] == "vetlanda"
    assert len(commands) == 1


def route_answer(channel: FakeChannel) -> dict[str, str]:
    variables = answers.unpack(answers.ROUTE, channel.variables["SB_ANSWER"])
    assert variables is not None
    return variables


def test_a_value_cannot_shift_the_fields_and_a_partial_answer_is_none() -> None:
    packed = answers.pack(answers.REQUEUE, {"SB_ACTION": "queue", "SB_TARGET": 'a|b,c(d)"e\\'})
    assert packed == "v1|queue||a¦b¦c¦d¦¦e¦|||"
    assert answers.unpack(answers.REQUEUE, packed) == {
        "SB_ACTION": "queue",
        "SB_WAIT": "",
        "SB_TARGET": "a¦b¦c¦d¦¦e¦",
        "SB_POSITION": "",
        "SB_EWT": "",
        "SB_CB_OFFER": "",
    }
    assert answers.unpack(answers.REQUEUE, packed[:-1]) is None  # one field short
    assert answers.unpack(answers.REQUEUE, "v2" + packed[2:]) is None
    with pytest.raises(ValueError, match="SB_QUEUE"):
        answers.pack(answers.REQUEUE, {"SB_QUEUE": "x"})


def app_args(text: str, limit: int = 100) -> list[str]:
    """Asterisk's AST_STANDARD_APP_ARGS, which ARRAY() splits its value with (main/app.c
    __ast_app_separate_args, remove_chars on): `,` outside ( ) [ ] and quotes, `"` and `\\`
    removed, the character after a `\\` taken as it is."""
    args: list[str] = []
    i, paren, bracket, quote, after_delim = 0, 0, 0, False, False
    while i < len(text) and len(args) < limit - 1:
        arg: list[str] = []
        after_delim = False
        while i < len(text):
            c = text[i]
            if c == '"':
                quote, i = not quote, i + 1
                continue
            if c == "\\":
                arg.append(text[i + 1 : i + 2])
                i += 2
                continue
            if c == "," and not (paren or bracket or quote):
                i, after_delim = i + 1, True
                break
            paren += (c == "(") - (c == ")" and paren > 0)
            bracket += (c == "[") - (c == "]" and bracket > 0)
            arg.append(c)
            i += 1
        args.append("".join(arg))
    if i < len(text):
        args.append(text[i:])
    elif after_delim:
        args.append("")
    return args


def dialplan_unpack(fields: tuple[str, ...], packed: str) -> dict[str, str] | None:
    """What the generated Gosub sets: FIELDQTY and version checked, then one ARRAY()."""
    parts = packed.split("|")
    if len(parts) != len(fields) + 1 or parts[0] != "v1":
        return None
    values = app_args(packed.replace("|", ","))
    names = [answers.VARIABLE, *fields]
    return {name: values[i] if i < len(values) else "" for i, name in enumerate(names)}


def test_the_generated_gosub_checks_then_sets_every_field_in_one_array() -> None:
    lines = answers.unpacker("switchboard-requeue-answer", answers.REQUEUE)
    array = [line for line in lines if line.startswith(" same") and "ARRAY(" in line]
    assert array == [
        " same => n,Set(ARRAY(SB_ANSWER,SB_ACTION,SB_WAIT,SB_TARGET,SB_POSITION,SB_EWT,"
        "SB_CB_OFFER)=${STRREPLACE(SB_ANSWER,|,\\,)})"
    ]
    checks = [i for i, line in enumerate(lines) if "FIELDQTY" in line or '"v1"' in line]
    assert len(checks) == 2
    assert max(checks) < lines.index(array[0])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(answers.ROUTE), st.text(max_size=12)))
def test_array_unpacks_any_packed_answer_to_exactly_its_fields(values: dict[str, str]) -> None:
    packed = answers.pack(answers.ROUTE, values)
    unpacked = answers.unpack(answers.ROUTE, packed)
    assert unpacked is not None
    assert dialplan_unpack(answers.ROUTE, packed) == {answers.VARIABLE: "v1", **unpacked}
    for name in answers.ROUTE:  # only the reserved characters were stood in for
        sent = values.get(name, "")
        assert unpacked[name] == "".join(
            answers.STAND_IN if c in answers.RESERVED else c for c in sent
        )


def test_without_the_stand_ins_array_would_shift_the_fields() -> None:
    raw = "v1|queue|1.2|open|vetlanda|switchboard|q|0|A,B|30||||||||"
    assert dialplan_unpack(answers.ROUTE, raw)["SB_WAIT"] == "B"  # why pack() stands in


async def test_the_answer_carries_the_half_close_so_asterisk_need_not_wait(
    table: RoutingTable,
) -> None:
    """res_agi runs the answer, replies and reads EOF at once: the dialplan goes on without a
    round trip back to the engine, so the call is registered before Asterisk can report its
    queue join; the engine still reads the reply after its half-close."""
    routed: list[Decision] = []
    handler = route_handler(
        lambda: table, clock=lambda: TUESDAY_10, on_routed=lambda r, d, f: routed.append(d)
    )
    async with serving({"route": handler}) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(header_block())
        command = await asyncio.wait_for(reader.readline(), 5)
        assert command.startswith(b"SET VARIABLE SB_ANSWER ")
        assert await asyncio.wait_for(reader.read(1), 5) == b""  # EOF before any reply
        assert [d.queue for d in routed] == ["vetlanda-switchboard"]  # before Asterisk acts
        assert server.stats.answered == 0  # the engine still waits for the reply
        writer.write(b"200 result=1\nHANGUP\n")
        writer.close()
        await until(lambda: server.stats.answered == 1, 5)
    assert server.stats.errors == 0


async def test_no_command_after_the_last_one() -> None:
    sent: list[BaseException] = []

    async def handler(session: AgiSession) -> None:
        await session.set_variable("SB_RESULT", "ok", last=True)
        try:
            await session.verbose("too late")
        except AgiProtocolError as exc:
            sent.append(exc)

    channel = FakeChannel()
    async with serving({"x": handler}) as server:
        result = await run_session("127.0.0.1", server.port, header_block("x"), channel.respond)
    assert result.commands == ["SET VARIABLE SB_RESULT ok"]
    assert channel.variables == {"SB_RESULT": "ok"}
    assert [str(e) for e in sent] == ["the session's last command was already sent"]


async def test_caller_from_arg1_gets_caller_priority(table: RoutingTable) -> None:
    header = header_block(arg_1="+46701234567")
    variables, _, _ = await _route(table, TUESDAY_10, header)
    assert variables["SB_PRIO"] == "10"


async def test_hook_failure_does_not_break_the_answer(table: RoutingTable) -> None:
    def broken(request: AgiRequest, decision: Decision, fallback: bool) -> None:
        raise RuntimeError("state layer down")

    channel = FakeChannel()
    handler = route_handler(lambda: table, clock=lambda: TUESDAY_10, on_routed=broken)
    async with serving({"route": handler}) as server:
        await run_session("127.0.0.1", server.port, header_block(), channel.respond)
    assert route_answer(channel)["SB_ACTION"] == "queue"
    assert server.stats.answered == 1
    assert server.stats.errors == 0


async def test_table_is_read_per_call(table: RoutingTable) -> None:
    tables = [table]
    handler = route_handler(lambda: tables[-1], clock=lambda: TUESDAY_10)
    empty = RoutingTable(tenants={}, numbers={}, country_code="46")
    async with serving({"route": handler}) as server:
        first, second = FakeChannel(), FakeChannel()
        await run_session("127.0.0.1", server.port, header_block(), first.respond)
        tables.append(empty)
        await run_session("127.0.0.1", server.port, header_block(), second.respond)
    assert route_answer(first)["SB_ACTION"] == "queue"
    assert route_answer(second)["SB_ACTION"] == "reject"


def test_call_facts_from_request() -> None:
    request = parse_request(header_block("route?did=+4638136000&digit=2", arg_1=""))
    facts = call_facts(request)
    assert (facts.dialled, facts.caller, facts.caller_name, facts.digit, facts.offer_menu) == (
        "+4638136000",
        "070123456",
        "Åsa Öberg",
        "2",
        False,
    )
    first = call_facts(parse_request(header_block("route?did=+4638136000")))
    assert (first.digit, first.offer_menu) == (None, True)
    nothing = call_facts(parse_request(header_block("route?did=+4638136000&digit=")))
    assert (nothing.digit, nothing.offer_menu) == ("", False)


async def test_the_first_request_for_a_tenant_with_a_menu_asks_it(table: RoutingTable) -> None:
    header = header_block("route?did=%2B4638136000")
    variables, commands, routed = await _route(table, TUESDAY_10, header)
    assert {k: v for k, v in variables.items() if k.startswith("SB_MENU")} == {
        "SB_MENU": "eksjo-menu",
        "SB_MENU_DIGITS": "12",
        "SB_MENU_TIMEOUT": "5",
        "SB_MENU_RETRIES": "1",
    }
    assert (variables["SB_GREETING"], variables["SB_QUEUE"], variables["SB_TAG"]) == (
        "eksjo-greeting",
        "",
        "EKSJO",
    )
    assert commands[0].startswith("SET VARIABLE SB_ANSWER v1|menu|")
    assert [d.action for _, d in routed] == [Action.MENU]  # the hook registers no call yet
    again, _, _ = await _route(table, TUESDAY_10, header_block("route?did=%2B4638136000&digit=2"))
    assert (again["SB_ACTION"], again["SB_SERVICE"]) == ("voicemail", "school-transport")
    assert again["SB_GREETING"] == "eksjo-school-transport"
    assert again["SB_MENU"] == ""


def test_wait_slice_is_cut_by_dialplan_overflow_steps(table: RoutingTable) -> None:
    decision = decide(CallFacts("4638397000"), table, TUESDAY_10)
    assert wait_slice(decision, 30) == 30
    assert wait_slice(decision, 600) == 180
