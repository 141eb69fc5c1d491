"""The simulator's docs/call-flow.md dialplan, FastAGI client and AMI edges (recordings 01, 04, 05, 06, 13)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from switchboard.asterisk.agi import answers as contract
from switchboard.fakepbx.config import DialplanConfig, Fallback, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers, never_answers
from tests.integration.test_fakepbx_support import AgiServer, RawAmi, get

DID = "4638397000"


def config(agi_port: int, **dp: object) -> SimConfig:
    return replace(SimConfig(dialplan=replace(DialplanConfig(agi_port=agi_port), **dp)),  # type: ignore[arg-type]
                   time_scale=0.01, login_fail_delay_s=0.05)  # fmt: skip


@pytest.fixture
async def clients() -> AsyncIterator[list[RawAmi]]:
    made: list[RawAmi] = []
    yield made
    for c in made:
        await c.close()


async def connect(sim: Simulator, clients: list[RawAmi]) -> RawAmi:
    ami = RawAmi()
    clients.append(ami)
    await ami.connect(sim.ami_port)
    return ami


async def test_route_headers_match_recording_04(recordings: Path) -> None:
    closed = contract.pack(contract.ROUTE, {"SB_ACTION": "closed"})
    agi = AgiServer(lambda script, h: [f"SET VARIABLE SB_ANSWER {closed}"])
    await agi.start()
    async with Simulator(config(agi.port)) as sim:
        call = sim.place_call(DID)
        outcome = await call.outcome
        await call.ended
    await agi.stop()
    assert outcome.kind == "closed"
    want = [ln.split(": ")[0] for ln in (recordings / "04-fastagi-route" / "agi.rx").read_text().split("\n\n")[0].splitlines()]  # fmt: skip
    session = agi.sessions[0]
    assert session["order"] == want
    assert len(want) == 23
    headers = session["headers"]
    assert isinstance(headers, dict)
    assert headers["agi_network_script"] == f"route?did={DID}"
    assert headers["agi_request"] == f"agi://127.0.0.1:{agi.port}/route?did={DID}"
    assert (headers["agi_arg_1"], headers["agi_calleridname"]) == ("070123456", "Åsa Öberg")
    assert session["replies"] == ["200 result=1", "HANGUP"]


async def test_agi_replies_and_hangup_during_agi() -> None:
    cmds = ["GET VARIABLE CHANNEL", "GET VARIABLE SB_DOES_NOT_EXIST", "SET VARIABLE SB_NOTE \"said \\\"hej\\\"\"",
            "GET VARIABLE SB_NOTE", "FLY TO THE MOON", "GET VARIABLE"]  # fmt: skip
    agi = AgiServer(lambda script, h: cmds)
    await agi.start()
    async with Simulator(config(agi.port)) as sim:
        call = sim.place_call(DID)
        await call.ended
    replies = agi.sessions[0]["replies"]
    assert replies[:5] == [f"200 result=1 ({call.name})", "200 result=0", "200 result=1",
                           '200 result=1 (said "hej")', "510 Invalid or unknown command"]  # fmt: skip
    assert replies[5] == "520-Invalid command syntax.  Proper usage follows:"
    assert replies[-2:] == ["520 End of proper usage.", "HANGUP"]

    # 05: the caller hangs up while the engine holds the AGI session.
    def hang_up_then_answer(script: str, h: dict[str, str]) -> list[str]:
        sim.hangup(sim.calls[0])
        return ["ANSWER", "GET VARIABLE CHANNEL", "SET VARIABLE SB_QUEUE x"]

    agi.script = hang_up_then_answer
    async with Simulator(config(agi.port)) as sim:
        call = sim.place_call(DID)
        await call.ended
        await agi.wait_sessions(2)
    assert agi.sessions[1]["replies"] == [
        "HANGUP", "511 Command Not Permitted on a dead channel or intercept routine",
        f"200 result=1 ({call.name})", "200 result=1", "HANGUP",
    ]  # fmt: skip
    assert (await call.outcome).kind == "abandoned"
    await agi.stop()


async def test_engine_down_takes_static_fallback(clients: list[RawAmi]) -> None:
    cfg = config(1, fallback=Fallback(agents=("PJSIP/1002",)))  # nothing listens on port 1
    async with Simulator(cfg) as sim:
        sim.register("1002", answers(0.5))
        call = sim.place_call(DID)
        outcome = await call.outcome
        assert (outcome.kind, outcome.agent) == ("answered", "PJSIP/1002")
        assert call.has_step("route FAILURE")
        assert call.has_step("fallback engine-down")
        sim.hangup(call)
        await call.ended


async def test_engine_closes_without_answer_is_noroute() -> None:
    agi = AgiServer(lambda script, h: [])
    await agi.start()
    async with Simulator(config(agi.port)) as sim:
        call = sim.place_call(DID)
        assert (await call.outcome).kind == "fallback"
        assert call.has_step("route SUCCESS")
        assert call.has_step("fallback noroute")
    await agi.stop()


async def test_delivery_reports_status_and_requeues_at_position_one(clients: list[RawAmi]) -> None:
    def engine(script: str, h: dict[str, str]) -> list[str]:
        if script == "route":
            queued = contract.pack(contract.ROUTE, {"SB_ACTION": "queue", "SB_QUEUE": "vetlanda",
                                  "SB_CALLID": "c-1", "SB_TAG": "VETLANDA", "SB_WAIT": "60"})  # fmt: skip
            return [f"SET VARIABLE SB_ANSWER {queued}"]
        return []

    agi = AgiServer(engine)
    await agi.start()
    async with Simulator(config(agi.port)) as sim:
        sim.register("1001", never_answers())
        sim.register("1002", answers(1.0))
        ami = await connect(sim, clients)
        await ami.login()
        actions = await connect(sim, clients)
        await actions.login(events=False)
        a, b = sim.place_call(DID), sim.place_call(DID, caller_num="070999")
        await ami.event("QueueCallerJoin", Channel=b.name)
        for agent in ("PJSIP/1001", "PJSIP/1002"):
            await actions.action("Setvar", Channel=a.name, Variable="SB_AGENT", Value=agent)
            r = await actions.action(
                "Redirect", Channel=a.name, Context="switchboard-deliver", Exten="s", Priority="1"
            )
            assert get(r, "Message") == "Redirect successful"
            if agent == "PJSIP/1001":
                await ami.event("QueueCallerJoin", Channel=a.name, Position="1", Count="2")
        outcome = await a.outcome
        assert (outcome.kind, outcome.agent) == ("answered", "PJSIP/1002")
        assert a.dial_results == [("PJSIP/1001", "NOANSWER"), ("PJSIP/1002", "ANSWER")]
        begin = await ami.event(
            "DialBegin", DestChannel=next(c for c in sim.pbx.channels if c.startswith("PJSIP/1002"))
        )  # type: ignore[union-attr]
        assert get(begin, "CallerIDName") == "VETLANDA Åsa Öberg"
        delivered = [
            s
            for s in agi.sessions
            if str(s["headers"]["agi_network_script"]).startswith("delivered")
        ]  # type: ignore[index]
        assert len(delivered) == 1  # the answer is not an AGI report
        assert delivered[0]["headers"]["agi_network_script"] == "delivered?status=NOANSWER"  # type: ignore[index]
        assert delivered[0]["headers"]["agi_arg_1"] == "c-1"  # type: ignore[index]
        # the operator's channel reported its answer with [switchboard-answered]'s UserEvent
        report = await ami.event("UserEvent")
        assert get(report, "UserEvent") == "SwitchboardAnswered"
        assert (get(report, "CallId"), get(report, "Agent")) == ("c-1", "PJSIP/1002")
        assert (get(report, "Channel") or "").startswith("PJSIP/1002-")
        assert get(report, "Privilege") == "user,all"
        assert actions.count("QueueCallerJoin") == 0  # Events: off
        sim.hangup(a)
        sim.hangup(b)
        await a.ended
        await b.ended
    await agi.stop()


async def test_ami_edges(clients: list[RawAmi]) -> None:
    async with Simulator(config(1)) as sim:
        ami = await connect(sim, clients)
        assert ami.banner == b"Asterisk Call Manager/11.0.0\r\n"
        r = await ami.action("Ping")
        assert get(r, "Message") == "Permission denied"
        await ami.login()
        booted = await ami.event("FullyBooted")
        assert [k for k, _ in booted] == ["Event", "Privilege", "Uptime", "LastReload", "Status"]
        r = await ami.action("ping")
        assert (get(r, "Ping"), [k for k, _ in r]) == (
            "Pong",
            ["Response", "ActionID", "Ping", "Timestamp"],
        )
        r = await ami.action("FooBar")
        assert (
            get(r, "Message")
            == "Invalid/unknown command: FooBar. Use Action: ListCommands to show available commands."
        )
        for action, headers, message in [
            ("Redirect", {}, "Channel not specified"),
            ("Redirect", {"Channel": "PJSIP/1001-0000dead"}, "Channel does not exist: PJSIP/1001-0000dead"),
            ("Setvar", {"Channel": "x"}, "No variable specified"),
            ("Setvar", {"Channel": "x", "Variable": "A"}, "No such channel"),
            ("Getvar", {"Channel": "x", "Variable": "A"}, "No such channel"),
            ("Hangup", {"Channel": "x"}, "No such channel"),
            ("QueueAdd", {"Queue": "support"}, "'Interface' not specified."),
            ("QueueAdd", {"Queue": "nope", "Interface": "PJSIP/1001"}, "Unable to add interface to queue: No such queue"),
            ("QueuePause", {"Interface": "PJSIP/1001"}, "Need 'Interface' and 'Paused' parameters."),
        ]:  # fmt: skip
            r = await ami.action(action, **headers)
            assert (get(r, "Response"), get(r, "Message")) == ("Error", message), action
        r = await ami.action("QueuePause", Interface="PJSIP/1001", Paused="true")
        assert get(r, "Message") == "Interface paused successfully"
        pause = await ami.event("QueueMemberPause", Queue="classic")
        assert get(pause, "Paused") == "1"
        bad = await connect(sim, clients)
        r = await bad.login(secret="wrong")
        assert get(r, "Message") == "Authentication failed"
        await bad.wait_eof()
        r = await ami.action("Logoff")
        assert (get(r, "Response"), get(r, "Message")) == ("Goodbye", "Thanks for all the fish.")
        await ami.wait_eof()


async def test_empty_contact_list_is_an_error_as_on_asterisk_22(clients: list[RawAmi]) -> None:
    async with Simulator(config(1)) as sim:
        ami = await connect(sim, clients)
        await ami.login()
        reply = await ami.action("PJSIPShowContacts")
        assert (get(reply, "Response"), get(reply, "Message")) == ("Error", "No Contacts found")
        sim.register("1001")
        listed = await ami.list_action("PJSIPShowContacts")
        assert [get(m, "Event") for m in listed][1:] == ["ContactList", "ContactListComplete"]


async def test_event_filter_passes_only_the_listed_events(clients: list[RawAmi]) -> None:
    wanted = frozenset({"FullyBooted", "QueueCallerJoin", "Hangup"})
    cfg = replace(config(1), event_filter=wanted)
    async with Simulator(cfg) as sim:
        ami = await connect(sim, clients)
        await ami.login()
        call = sim.place_call(DID)  # no engine: the caller takes the (empty) fallback and ends
        await call.ended
        await ami.wait_for(lambda m: get(m, "Event") == "Hangup")
        seen = {get(m, "Event") for m in ami.received if get(m, "Event")}
        assert seen <= wanted
        assert "Hangup" in seen
