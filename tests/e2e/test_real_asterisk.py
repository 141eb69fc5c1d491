"""The engine, the dialplan and asterisk-config against a real Asterisk, with sipp phones.

Every wait polls a condition with a deadline; every process is cleaned up by the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from functools import partial
from pathlib import Path

import pytest

from switchboard.asterisk.ami import AmiMessage
from switchboard.asterisk.ami.translate import NEEDED_EVENTS
from switchboard.core.records import CallRecord
from switchboard.engine.app import Engine
from tests.e2e.checks import (
    ami_sessions,
    exited,
    invites_from,
    is_available,
    login,
    records,
    status,
)
from tests.e2e.harness import (
    AMI_SECRET,
    FALLBACK_WAIT_S,
    MAX_SLICE_S,
    Asterisk,
    asterisk_and_sipp,
    until,
)
from tests.e2e.phones import Phones
from tests.e2e.world import (
    HALDEN,
    NASSJO_PERMITS,
    PARTNER_AFTER_S,
    SAVSJO,
    UNKNOWN,
    VETLANDA,
    call_from,
    engine_config,
    start_engine_process,
    write_world,
)
from tests.records import read_records

pytestmark = pytest.mark.e2e


ALLOWED_EVENTS = set(NEEDED_EVENTS)  # what manager.conf's eventfilter lets through


async def test_routed_by_number(pbx: Asterisk, engine: Engine, phones: Phones) -> None:
    """The engine's decision is visible in Asterisk: each caller waits in its tenant's queue."""
    first = phones.call(VETLANDA, "0701000001", hold_ms=30_000)
    second = phones.call(SAVSJO, "0701000002", hold_ms=30_000)
    unknown = phones.call(UNKNOWN, "0701000003", hold_ms=15_000, expect_hangup=True)
    await until(lambda: call_from(engine, "0701000001") is not None, 10, "the vetlanda call")
    await until(lambda: call_from(engine, "0701000002") is not None, 10, "the savsjo call")
    vetlanda = call_from(engine, "0701000001")
    savsjo = call_from(engine, "0701000002")
    assert vetlanda is not None
    assert savsjo is not None
    assert (vetlanda.tenant, vetlanda.queue) == ("vetlanda", "vetlanda-switchboard")
    assert (savsjo.tenant, savsjo.queue) == ("savsjo", "savsjo-switchboard")
    await until(lambda: pbx.queue_callers("vetlanda-switchboard") == 1, 10, "vetlanda queue")
    await until(lambda: pbx.queue_callers("savsjo-switchboard") == 1, 10, "savsjo queue")
    # the snapshot the engine takes after every (re)connect sees them through the filter
    items = await engine.ami.list_action("QueueStatus")
    entries = {m.get("Queue") for m in items if m.event == "QueueEntry"}
    assert entries == {"vetlanda-switchboard", "savsjo-switchboard"}
    channels = await engine.ami.list_action("CoreShowChannels")
    assert len([m for m in channels if m.event == "CoreShowChannel"]) >= 2
    devices = await engine.ami.list_action("DeviceStateList")
    assert any(m.event == "DeviceStateChange" for m in devices)
    # an unknown number is rejected with a message, and Asterisk hangs up
    assert await exited(unknown, 20) == 0
    assert unknown.received("BYE")
    assert not first.done, "the vetlanda caller still waits"
    assert not second.done, "the savsjo caller still waits"


async def test_a_closed_service_line_hears_the_stock_message(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Nässjö's permits line is closed: the caller hears the closed message and Asterisk hangs
    up (no nassjo closed announcement is configured, so the stock one plays)."""
    mark = pbx.log_size()
    caller = phones.call(NASSJO_PERMITS, "0701000010", hold_ms=20_000, expect_hangup=True)
    assert await exited(caller, 25) == 0
    assert caller.received("BYE")
    log = pbx.log_since(mark)
    assert "SB_ACTION=closed SB_REASON=forced_closed" in log
    assert '"im-sorry&please-try-call-later"' in log
    assert call_from(engine, "0701000010") is None
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.tenant, record.service, record.outcome) == ("nassjo", "permits", "closed")


async def test_delivered_to_longest_idle_with_tag(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Operators log in by feature code; the call goes to the one idle longest, tagged."""
    asa = phones.operator("1001")
    bengt = phones.operator("1002")
    for endpoint, agent in (("1002", "bengt"), ("1001", "asa")):  # bengt idles longer
        code = phones.feature_code(endpoint, "*21")
        assert await exited(code, 15) == 0, f"feature code from {endpoint}"
        assert code.received("BYE"), "Asterisk ends the feature-code call"
        await until(partial(is_available, engine, agent), 5, f"{agent} logged in")
    mark = pbx.log_size()
    reports: list[AmiMessage] = []
    engine.ami.subscribe(
        lambda m: reports.append(m) if m.event == "UserEvent" else None, name="test-reports"
    )
    caller = phones.call(VETLANDA, "0701000020", hold_ms=4_000)
    await until(lambda: invites_from(bengt, "0701000020"), 15, "the INVITE to bengt (1002)")
    [invite] = [m for m in bengt.received("INVITE") if "0701000020" in (m.header("From") or "")]
    assert (invite.header("From") or "").startswith('"VETLANDA Åsa Öberg"')
    assert invite.header("X-Switchboard-Tenant") == "vetlanda"
    assert not invites_from(asa, "0701000020")
    assert await exited(caller, 20) == 0
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.outcome, record.answered_by, record.queue) == (
        "answered",
        "bengt",
        "vetlanda-switchboard",
    )
    # the operator's channel reported the answer itself (Dial's U option), before the bridge,
    # with an AMI UserEvent naming the call and the operator, through manager.conf's filter
    assert re.search(
        r'UserEvent\("PJSIP/1002-\w+", "SwitchboardAnswered,CallId: [\d.]+,Agent: PJSIP/1002"\)',
        pbx.log_since(mark),
    )
    [report] = reports
    assert (report.get("UserEvent"), report.get("Agent")) == ("SwitchboardAnswered", "PJSIP/1002")
    assert report.get("CallId") == record.id
    assert (report.get("Channel") or "").startswith("PJSIP/1002-")
    assert report.get("Context") == "switchboard-answered"


async def test_no_answer_goes_to_the_next_operator_with_place_kept(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """1001 rings out (NOANSWER); the caller re-enters at position 1 and 1002 answers."""
    asa = phones.operator("1001", "noanswer")
    bengt = phones.operator("1002", "answer")
    login(engine, "asa")
    await until(lambda: status(engine, "asa") == "available", 5, "asa available")
    login(engine, "bengt")
    await until(lambda: status(engine, "bengt") == "available", 5, "bengt available")
    mark = pbx.log_size()
    caller = phones.call(VETLANDA, "0701000030", hold_ms=12_000)
    await until(lambda: invites_from(asa, "0701000030"), 10, "the INVITE to asa (1001)")
    call = call_from(engine, "0701000030")
    assert call is not None
    assert call.waiting_since is not None
    since = call.waiting_since
    await until(lambda: invites_from(bengt, "0701000030"), 20, "the INVITE to bengt (1002)")
    again = call_from(engine, "0701000030")
    assert again is not None
    assert again.waiting_since == since  # the wait keeps counting across the re-entry
    notes = [what for _, what in again.timeline]
    assert "missed:asa:noanswer" in notes
    assert engine.live.state.agents["asa"].misses == 1
    assert asa.sent("487"), "Asterisk cancelled the unanswered offer"
    for from_header in invites_from(asa, "0701000030") + invites_from(bengt, "0701000030"):
        assert from_header.startswith('"VETLANDA Åsa Öberg"')  # the tag once, not twice
    log = pbx.log_since(mark)
    assert "delivered?status=NOANSWER" in log
    # back into the queue with the position argument 1
    assert re.search(r'Queue\("PJSIP/trunk-\w+", "vetlanda-switchboard,,,,\d+,,,,1"\)', log)
    assert await exited(caller, 20) == 0


async def test_overflow_to_the_partner_after_the_step(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Only a Sävsjö operator is there: a Vetlanda caller gets her after PARTNER_AFTER_S."""
    cecilia = phones.operator("1003")
    login(engine, "cecilia")
    await until(lambda: status(engine, "cecilia") == "available", 5, "cecilia available")
    started = time.monotonic()
    caller = phones.call(VETLANDA, "0701000040", hold_ms=PARTNER_AFTER_S * 1000 + 4_000)
    await until(lambda: invites_from(cecilia, "0701000040"), 15, "the INVITE to cecilia (1003)")
    assert time.monotonic() - started >= PARTNER_AFTER_S
    [invite] = [m for m in cecilia.received("INVITE") if "0701000040" in (m.header("From") or "")]
    assert (invite.header("From") or "").startswith('"VETLANDA Åsa Öberg"')
    assert invite.header("X-Switchboard-Tenant") == "vetlanda"
    assert await exited(caller, 20) == 0
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.outcome, record.answered_by) == ("answered", "cecilia")
    answered_at, arrived_at = record.answered_at, record.arrived_at
    assert isinstance(answered_at, float)
    assert isinstance(arrived_at, float)
    assert answered_at - arrived_at >= PARTNER_AFTER_S


async def test_caller_abandons(pbx: Asterisk, engine: Engine, phones: Phones) -> None:
    """Nobody logged in; the caller gives up after 3 s: the engine records an abandon."""
    caller = phones.call(VETLANDA, "0701000050", hold_ms=3_000)
    await until(lambda: call_from(engine, "0701000050") is not None, 10, "the call")
    assert await exited(caller, 15) == 0
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.outcome, record.tenant, record.answered_by) == (
        "abandoned",
        "vetlanda",
        None,
    )
    assert not engine.live.state.calls


async def test_wait_slices_end_in_a_callback_offer_and_in_voicemail(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Nobody answers: at the slice end the engine offers Sävsjö's caller a callback (no
    digit: back to waiting) and sends Halden's caller to voicemail."""
    mark = pbx.log_size()
    savsjo = phones.call(SAVSJO, "0701000100", hold_ms=40_000)
    halden = phones.call(HALDEN, "0701000101", hold_ms=40_000)

    def log() -> str:
        return pbx.log_since(mark)

    await until(lambda: "requeue: AGISTATUS=SUCCESS SB_ACTION=voicemail" in log(), 20, "vm")
    await until(lambda: "callback offer: digit ''" in log(), 25, "the callback offer to end")
    await until(lambda: log().count('"savsjo-switchboard,,,,') >= 2, 10, "savsjo waits again")
    text = log()
    assert "requeue: AGISTATUS=SUCCESS SB_ACTION=callback" in text
    assert re.search(
        r'Read\("PJSIP/trunk-\w+", "SB_DIGIT,vm-nobodyavail&vm-press&digits/1,1,t\(\),1,6"\)', text
    )
    assert re.search(r'VoiceMail\("PJSIP/trunk-\w+", "0@switchboard,s"\)', text)
    records_by_caller = {r.caller_num: r.outcome for r in records(engine)}
    assert records_by_caller.get("+46701000101") == "voicemail"
    call = call_from(engine, "0701000100")
    assert call is not None
    assert call.callback_offered
    for sipp in (savsjo, halden):
        sipp.proc.terminate()


async def test_engine_killed_callers_reach_operators_through_the_fallback(
    pbx: Asterisk, phones: Phones, tmp_path: Path
) -> None:
    """`switchboard run` routes two callers, then dies (SIGKILL): both still reach a human."""
    david = phones.operator("1004")
    eva = phones.operator("1005")
    proc = start_engine_process(pbx, tmp_path)
    try:
        await until(lambda: ami_sessions(pbx) >= 2, 15, "the engine's two AMI logins")
        callers = {
            n: phones.call(VETLANDA, n, hold_ms=20_000) for n in ("0701000061", "0701000062")
        }
        await until(lambda: pbx.queue_callers("vetlanda-switchboard") == 2, 15, "2 callers routed")
        proc.kill()
        proc.wait(5)
        killed = time.monotonic()

        def reached() -> bool:
            return all(invites_from(david, n) or invites_from(eva, n) for n in callers)

        # one slice (plus the position announcement that delays its end) and a ring
        await until(reached, MAX_SLICE_S + 15, "every caller to ring an operator")
        assert time.monotonic() - killed < MAX_SLICE_S + 15
        await until(lambda: len(david.sent("200")) + len(eva.sent("200")) >= 2, 5, "answers")
        log = pbx.log_since(0)
        assert "requeue: AGISTATUS=FAILURE" in log
        assert "Queue(switchboard-fallback" in log or "switchboard FALLBACK" in log
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


async def test_engine_down_and_nobody_there_ends_in_voicemail(
    pbx: Asterisk, phones: Phones
) -> None:
    """No engine and no operator: the fallback rings nobody for a while, then voicemail."""
    mark = pbx.log_size()
    caller = phones.call(VETLANDA, "0701000090", hold_ms=40_000)

    def in_voicemail() -> bool:
        return 'VoiceMail("PJSIP/trunk-' in pbx.log_since(mark)

    await until(in_voicemail, FALLBACK_WAIT_S + 20, "the caller to reach voicemail")
    log = pbx.log_since(mark)
    assert "route: AGISTATUS=FAILURE" in log
    assert re.search(
        r'Queue\("PJSIP/trunk-\w+", "switchboard-fallback,b\(switchboard-predial\^s\^1\),,,\d+"\)',
        log,
    )
    assert re.search(r'VoiceMail\("PJSIP/trunk-\w+", "0@switchboard,s"\)', log)
    caller.proc.terminate()


async def test_asterisk_restart_rebuilds_engine_state(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """`core restart now` with one call up and one waiting: state is rebuilt, the next call lands."""
    asa = phones.operator("1001")
    login(engine, "asa")
    await until(lambda: status(engine, "asa") == "available", 5, "asa available")
    connected = phones.call(VETLANDA, "0701000070", hold_ms=60_000)
    await until(lambda: status(engine, "asa") == "on_call", 15, "asa on the first call")
    waiting = phones.call(VETLANDA, "0701000071", hold_ms=60_000)
    await until(lambda: pbx.queue_callers("vetlanda-switchboard") == 1, 10, "a waiting caller")
    snapshots = engine.bridge.snapshots
    await asyncio.to_thread(pbx.restart)
    await until(lambda: engine.bridge.snapshots > snapshots, 20, "a snapshot after the restart")
    await until(lambda: not engine.live.state.calls, 10, "the engine to drop the dead calls")
    await until(lambda: status(engine, "asa") == "available", 10, "asa available again")
    assert engine.live.state.agents["asa"].logged_in  # logins survive an Asterisk restart
    outcomes = {r.caller_num: r.outcome for r in records(engine)}
    assert outcomes == {"+46701000070": "answered", "+46701000071": "abandoned"}
    for old in (connected, waiting):
        old.proc.terminate()
    after = phones.call(VETLANDA, "0701000072", hold_ms=3_000)
    await until(lambda: invites_from(asa, "0701000072"), 20, "a new call delivered to asa")
    assert await exited(after, 20) == 0


async def test_ami_user_is_least_privilege_and_filtered(pbx: Asterisk, phones: Phones) -> None:
    """The switchboard AMI user may run the engine's actions only and gets only its events."""
    reader, writer = await asyncio.open_connection("127.0.0.1", pbx.ami_port)
    try:
        await reader.readline()  # banner
        login = await _action(
            reader, writer, "Login", Username="switchboard", Secret=AMI_SECRET, Events="on"
        )
        assert login["Response"] == "Success", login
        for action in ("Ping", "QueueStatus", "CoreShowChannels", "DeviceStateList"):
            assert (await _action(reader, writer, action))["Response"] == "Success", action
        for action, fields in (
            ("PJSIPShowContacts", {}),  # `system`: not granted (it would also allow GetConfig)
            ("GetConfig", {"Filename": "manager.conf"}),
            ("Command", {"Command": "core show uptime"}),
            ("QueueAdd", {"Queue": "vetlanda-switchboard", "Interface": "PJSIP/1001"}),
        ):
            reply = await _action(reader, writer, action, **fields)
            assert reply["Response"] == "Error", (action, reply)
            assert "Permission denied" in reply.get("Message", ""), (action, reply)
        # `originate` is granted for callbacks, but not an application that needs `system`
        system = {"Channel": "Local/s@switchboard-reject", "Application": "System", "Data": "id"}
        reply = await _action(reader, writer, "Originate", **system)
        assert reply["Response"] == "Error", reply
        assert "Originate Access Forbidden" in reply.get("Message", ""), reply
        seen: set[str] = set()
        collect = asyncio.create_task(_events(reader, seen))
        try:
            # no engine runs: the caller takes the fallback and operator 1006 answers
            operator = phones.operator("1006")
            caller = phones.call(VETLANDA, "0701000080", hold_ms=2_000)
            await until(lambda: invites_from(operator, "0701000080"), 20, "the fallback ring")
            await until(lambda: caller.done, 20, "the caller to finish")
            await until(lambda: "Hangup" in seen, 5, "the call's last events")
        finally:
            collect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await collect
        assert seen <= ALLOWED_EVENTS, seen - ALLOWED_EVENTS
        needed = ALLOWED_EVENTS - {
            "FullyBooted",
            "Shutdown",
            "BlindTransfer",  # the transfer test sees these
            "AttendedTransfer",
            "UserEvent",  # the operator's answer report: the delivery test sees it
        }
        assert needed <= seen, needed - seen
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


_counter = iter(range(1, 1_000_000))


async def _action(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str, **fields: str
) -> dict[str, str]:
    """Send one action; return its response (events read meanwhile are skipped)."""
    action_id = f"e2e-{next(_counter)}"
    lines = [f"Action: {name}", f"ActionID: {action_id}"] + [f"{k}: {v}" for k, v in fields.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    async with asyncio.timeout(10):
        while True:
            message = await _message(reader)
            if message.get("ActionID") == action_id and "Response" in message:
                return message


async def _events(reader: asyncio.StreamReader, seen: set[str]) -> None:
    while True:
        message = await _message(reader)
        if "Event" in message and "ActionID" not in message:
            seen.add(message["Event"])


async def _message(reader: asyncio.StreamReader) -> dict[str, str]:
    message: dict[str, str] = {}
    while True:
        line = (await reader.readline()).decode("utf-8", "replace")
        if not line:
            raise ConnectionError("AMI closed")
        line = line.rstrip("\r\n")
        if not line:
            if message:
                return message
            continue
        key, _, value = line.partition(": ")
        message.setdefault(key, value)


async def test_transfer_to_a_busy_colleague_comes_back_to_the_operator(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Åsa answers and blind-transfers (REFER) to 1002, who is busy: the caller is not cut
    off but recalled to Åsa (tag and header say so), and it stays one call with the transfer."""
    asa = phones.operator("1001", "refer", target="1002")
    colleague = phones.operator("1002", "busy")
    login(engine, "asa")
    await until(lambda: is_available(engine, "asa"), 5, "asa available")
    mark = pbx.log_size()
    caller = phones.call(VETLANDA, "0701000100", hold_ms=6_000)
    await until(lambda: len(invites_from(asa, "0701000100")) >= 2, 20, "the recall to asa")
    first, recall = (m for m in asa.received("INVITE") if "0701000100" in (m.header("From") or ""))
    assert (first.header("From") or "").startswith('"VETLANDA Åsa Öberg"')
    assert first.header("X-Switchboard-Recall") is None
    assert (recall.header("From") or "").startswith('"RECALL VETLANDA Åsa Öberg"')
    assert recall.header("X-Switchboard-Recall") == "yes"
    assert recall.header("X-Switchboard-Tenant") == "vetlanda"
    assert colleague.received("INVITE"), "the colleague was dialled"
    assert await exited(caller, 20) == 0  # talked to asa again, then hung up itself
    log = pbx.log_since(mark)
    assert "transfer to 1002: DIALSTATUS=BUSY" in log
    assert "Hangup(" not in log.split("transfer to 1002")[1].split("deliver PJSIP")[0]
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.outcome, record.answered_by) == ("answered", "asa")
    [transfer] = record.transfers
    assert (transfer.by, transfer.target, transfer.kind, transfer.result) == (
        "asa",
        "1002",
        "blind",
        "busy",
    )
    assert [(a.agent, a.result, a.recall) for a in record.attempts] == [
        ("asa", "answered", False),
        ("asa", "answered", True),
    ]


async def test_engine_killed_during_a_conversation_leaves_a_complete_record(
    pbx: Asterisk, phones: Phones, tmp_path: Path
) -> None:
    """`switchboard run` is killed (SIGKILL) while a caller talks to an operator; the engine
    started again recovers the call, times it from the answer (the SB_ANSWERED_AT the dialplan
    left on the operator's channel) and closes its record when the caller hangs up."""
    operator = phones.operator("1001")
    proc = start_engine_process(pbx, tmp_path)
    try:
        await until(lambda: ami_sessions(pbx) >= 2, 15, "the engine's two AMI logins")
        assert await exited(phones.feature_code("1001", "*21"), 15) == 0
        caller = phones.call(VETLANDA, "0701000110", hold_ms=12_000)
        await until(lambda: operator.sent("200"), 15, "the operator to answer")
        answered_at = time.time()
        proc.kill()
        proc.wait(5)
        await asyncio.sleep(3)  # down a while, as when systemd restarts it after RestartSec
        proc = start_engine_process(pbx, tmp_path)
        assert await exited(caller, 20) == 0
        database = tmp_path / "engine.db"

        def ended() -> list[CallRecord]:
            return [r for r in read_records(database) if r.outcome is not None]

        await until(ended, 15, "the record closed by the restarted engine")
        [record] = ended()
        assert (record.outcome, record.answered_by, record.caller_num) == (
            "answered",
            "asa",
            "+46701000110",
        )
        assert record.answered_at is not None
        assert record.ended_at is not None
        # An answer the engine had not written before it was killed is found by the restarted
        # engine's snapshot, 4 s or more after the answer here, and timed by ${EPOCH} at the
        # answer (whole seconds: the middle of its second).
        assert abs(record.answered_at - answered_at) <= 1.0
        assert record.ended_at - record.answered_at > 10  # the caller holds 12 s from its 200
        assert "restored" in [what for _, what in record.timeline]
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


async def test_operators_are_reachable_right_after_a_restart(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """With OPTIONS pings on (qualify 30 s), a contact restored after `core restart now` is
    qualified within about a second (max_initial_qualify_time = 1), not at a random moment
    within 30 s: the first call after FullyBooted reaches the operator within 2 s."""
    binary, why = asterisk_and_sipp()
    if binary is None:
        pytest.skip(why)
    pbx = Asterisk(binary, tmp_path_factory.mktemp("asterisk-qualify"), qualify_s=30)
    pbx.render(write_world(pbx, tmp_path_factory.mktemp("world-qualify")))
    pbx.start()
    phones = Phones(pbx, tmp_path / "sipp")
    engine = Engine(engine_config(pbx, tmp_path))
    try:
        await engine.start()
        await engine.ami.wait_ready(10)
        asa = phones.operator("1001", "qualified")
        login(engine, "asa")
        await until(lambda: is_available(engine, "asa"), 10, "asa available (qualified)")
        await asyncio.to_thread(pbx.restart)
        booted = time.monotonic()
        caller = phones.call(VETLANDA, "0701000120", hold_ms=2_000)
        await until(lambda: invites_from(asa, "0701000120"), 30, "the first call after the restart")
        took = time.monotonic() - booted
        print(f"first delivery {took:.2f} s after FullyBooted")
        assert took < 2.0
        assert await exited(caller, 20) == 0
    finally:
        await engine.stop(5)
        phones.close()
        pbx.stop()


async def test_settings_left_out_of_globals_get_their_defaults(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """[switchboard-defaults] passes a complete [globals] in one check, and still fills in a
    setting that a hand-written [globals] left out."""
    binary, why = asterisk_and_sipp()
    if binary is None:
        pytest.skip(why)
    pbx = Asterisk(binary, tmp_path_factory.mktemp("asterisk-defaults"))
    pbx.render(write_world(pbx, tmp_path_factory.mktemp("world-defaults")))
    extensions = pbx.root / "extensions.conf"
    complete = extensions.read_text("utf-8")
    assert "\nSB_TRUNK = trunk\n" in complete
    extensions.write_text(complete.replace("\nSB_TRUNK = trunk\n", "\n"), "utf-8")
    pbx.start()
    phones = Phones(pbx, tmp_path / "sipp")
    try:
        logs: dict[str, str] = {}
        for n, case in enumerate(("no trunk", "complete")):
            if case == "complete":
                extensions.write_text(complete, "utf-8")
                pbx.cli("dialplan reload")  # clearglobalvars = yes: [globals] as written
            mark = pbx.log_size()
            phones.call(VETLANDA, f"070100014{n}", hold_ms=500)  # no engine: the fallback
            await until(partial(_logged, pbx, mark, "@switchboard-fallback:"), 15, case)
            logs[case] = pbx.log_since(mark)
        filled = re.compile(
            r'switchboard-defaults:\d+\] Set\("PJSIP/trunk-\w+", "SB_TRUNK=trunk"\)'
        )
        assert filled.search(logs["no trunk"])
        # a complete [globals]: the one check, then Return()
        assert len(re.findall(r"\[s@switchboard-defaults:\d+\]", logs["complete"])) == 2
        assert not filled.search(logs["complete"])
    finally:
        phones.close()
        pbx.stop()


def _logged(pbx: Asterisk, mark: int, text: str) -> bool:
    """True once `text` is in Asterisk's log after offset `mark`."""
    return text in pbx.log_since(mark)
