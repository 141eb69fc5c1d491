"""The caller's path on a real Asterisk: the configuration written from the YAML, greeting and
menu, position and wait, a callback placed through the trunk, and the tag with the engine dead.

Every wait polls a condition with a deadline; every process is cleaned up by the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from switchboard.asterisk.ami import AmiMessage
from switchboard.core.callbacks import channel_ids
from switchboard.engine.app import EXIT_ASTERISK, Engine
from tests.e2e.checks import exited, invites_from, login, records, status
from tests.e2e.harness import Asterisk, until
from tests.e2e.phones import Phones
from tests.e2e.world import (
    ANNOUNCE_S,
    EKSJO,
    HALDEN,
    NASSJO,
    SAVSJO,
    STEP_S,
    VETLANDA,
    call_from,
    engine_config_text,
    start_engine_process,
)

pytestmark = pytest.mark.e2e

# Answer() takes 500 ms without media (recording finding 11), then the route AGI, the 0.5 s
# greeting and the 0.5 s menu prompt: a digit 2.5 s after the answer falls in the menu's Read.
MENU_PRESS_MS = 2_500


async def test_greeting_then_menu_digit_2_or_a_wrong_digit(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Eksjö greets in Swedish from its own recording, asks its menu: 2 reaches the school
    transport service (whose greeting follows), a wrong digit asks again and then takes the
    default service."""
    mark = pbx.log_size()
    two = phones.call(EKSJO, "0701000201", hold_ms=15_000, press=(MENU_PRESS_MS, "2"))
    wrong = phones.call(EKSJO, "0701000202", hold_ms=15_000, press=(MENU_PRESS_MS, "9"))
    await until(lambda: call_from(engine, "0701000201") is not None, 10, "the digit-2 call")
    await until(lambda: call_from(engine, "0701000202") is not None, 15, "the wrong-digit call")
    school, default = call_from(engine, "0701000201"), call_from(engine, "0701000202")
    assert school is not None
    assert default is not None
    assert (school.service, school.queue, school.language) == (
        "school-transport",
        "eksjo-school-transport",
        "sv",
    )
    assert (default.service, default.queue) == ("switchboard", "eksjo-switchboard")
    log = pbx.log_since(mark)
    # the greeting first, from the tenant's own recording (file.c names the format it reads)
    assert re.search(r"Playing 'eksjo-greeting\.\w+' \(language 'sv'\)", log)
    assert re.search(r'Read\("PJSIP/trunk-\w+", "SB_DIGIT,eksjo-menu,1,t\(\),1,3"\)', log)
    assert "menu: digit '2' READSTATUS=OK try 0" in log
    assert re.search(r"agi://[^/]+/route\?did=4638136000&digit=2,", log)
    assert re.search(r"Playing 'eksjo-school-transport\.\w+' \(language 'sv'\)", log)
    assert "menu: digit '9' READSTATUS=OK try 0" in log
    assert re.search(r'Playback\("PJSIP/trunk-\w+", "pm-invalid-option"\)', log)
    assert re.search(r"agi://[^/]+/route\?did=4638136000&digit=,", log)
    assert pbx.queue_callers("eksjo-school-transport") == 1
    for sipp in (two, wrong):
        sipp.proc.terminate()


async def test_position_and_estimated_wait_are_said_between_slices(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Åsa talks to a first caller; the second hears every ANNOUNCE_S that it is next and
    that the wait is about 2 minutes (the 150 s handle time, nothing measured yet)."""
    asa = phones.operator("1001")
    login(engine, "asa")
    await until(lambda: status(engine, "asa") == "available", 5, "asa available")
    first = phones.call(VETLANDA, "0701000210", hold_ms=25_000)
    await until(lambda: status(engine, "asa") == "on_call", 15, "asa on the first call")
    mark = pbx.log_size()
    second = phones.call(VETLANDA, "0701000211", hold_ms=25_000)

    def said() -> bool:
        return bool(
            re.search(r'Playback\("PJSIP/trunk-\w+", "queue-minutes"\)', pbx.log_since(mark))
        )

    await until(said, ANNOUNCE_S + 10, "the announcement")
    log = pbx.log_since(mark)
    assert f"SB_ACTION=queue SB_WAIT={ANNOUNCE_S} SB_POSITION=1 SB_EWT=2" in log
    assert re.search(r'Playback\("PJSIP/trunk-\w+", "queue-youarenext"\)', log)
    assert re.search(r'SayNumber\("PJSIP/trunk-\w+", "2,n"\)', log)
    call = call_from(engine, "0701000211")
    assert call is not None
    assert "announced:1:2" in [what for _, what in call.timeline]
    assert not invites_from(asa, "0701000211")
    for sipp in (first, second):
        sipp.proc.terminate()


async def test_a_callback_rings_the_operator_first_then_the_caller(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """A Sävsjö caller presses 1 at the callback offer and is hung up on, its place kept;
    Cecilia logs in, her phone rings first (tagged CALLBACK), then the caller's number is
    dialled through the trunk from Sävsjö's number; the record says called_back."""
    caller = phones.call(
        SAVSJO, "0701000220", hold_ms=20_000, expect_hangup=True, press=(STEP_S * 1000 + 2_500, "1")
    )
    assert await exited(caller, 25) == 0  # confirmed, then Asterisk hung up
    call = call_from(engine, "0701000220")
    assert call is not None
    assert call.callback is not None
    assert call.callback.number == "+46701000220"
    reports: list[AmiMessage] = []
    engine.ami.subscribe(
        lambda m: reports.append(m) if m.event == "UserEvent" else None, name="test-reports"
    )
    outside = phones.outside_phone(talk_ms=2_000)
    cecilia = phones.operator("1003")
    login(engine, "cecilia")
    await until(lambda: outside.sent("200"), 30, "the caller to answer")
    # What a snapshot sees of the conversation (answer reports lost with the AMI link are
    # found this way): each half of the callout in one bridge, the caller half with the
    # caller's trunk channel, the operator half with the operator's channel, which carries the
    # answer's time.
    caller_half, operator_half = channel_ids(call.id, 1)
    bridge_of: dict[str | None, str | None] = {}
    name_of: dict[str | None, str | None] = {}

    async def caller_half_bridged() -> bool:
        listed = await engine.ami.list_action("CoreShowChannels")
        bridge_of.update((m.get("Uniqueid"), m.get("BridgeId")) for m in listed)
        name_of.update((m.get("Uniqueid"), m.get("Channel")) for m in listed)
        return bool(bridge_of.get(caller_half))

    async with asyncio.timeout(2):  # Dial bridges once its U() subroutine has run
        # Polls: the engine's event filter keeps BridgeEnter out; the list is what it reads.
        while not await caller_half_bridged():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    bridged = [uid for uid, b in bridge_of.items() if b == bridge_of[caller_half]]
    assert len(bridged) == 2, bridge_of
    assert bridge_of.get(operator_half)
    [leg] = [
        u for u, b in bridge_of.items() if b == bridge_of[operator_half] and u != operator_half
    ]
    answered = await engine.ami.send_action(
        "Getvar", (("Channel", name_of[leg] or ""), ("Variable", "SB_ANSWERED_AT"))
    )
    assert abs(int(answered.get("Value") or 0) - time.time()) < 10
    assert await exited(outside, 30) == 0
    await until(lambda: records(engine), 10, "the call record")
    [record] = records(engine)
    assert (record.outcome, record.answered_by, record.tenant) == (
        "called_back",
        "cecilia",
        "savsjo",
    )
    [ring] = cecilia.received("INVITE")
    assert (ring.header("From") or "").startswith('"CALLBACK SAVSJO"')
    assert ring.header("X-Switchboard-Callback") == "yes"
    assert ring.header("X-Switchboard-Tenant") == "savsjo"
    [out] = outside.received("INVITE")
    assert out.first_line.startswith("INVITE sip:+46701000220@")
    assert "+4638215000" in (out.header("From") or "")
    sent = [m for m in cecilia.messages() if m.direction == "sent" and "200 OK" in m.first_line]
    assert sent, "the operator answered before the caller was dialled"
    # both answers were reported by the dialplan over AMI: the operator's, then the caller's
    assert [(m.get("UserEvent"), m.get("CallId")) for m in reports] == [
        ("SwitchboardAnswered", record.id),
        ("SwitchboardCallbackAnswered", record.id),
    ]


async def test_the_fallback_shows_the_tenant_tag_with_the_engine_dead(
    pbx: Asterisk, phones: Phones
) -> None:
    """No engine: the number map of the written dialplan still tags the caller for the
    operator the static fallback rings."""
    frode = phones.operator("1006")
    caller = phones.call(HALDEN, "0701000230", hold_ms=2_000)
    await until(lambda: invites_from(frode, "0701000230"), 20, "the fallback ring")
    [invite] = [m for m in frode.received("INVITE") if "0701000230" in (m.header("From") or "")]
    assert (invite.header("From") or "").startswith('"HALDEN Åsa Öberg"')
    assert invite.header("X-Switchboard-Tenant") == "halden"
    assert await exited(caller, 15) == 0


async def test_a_new_tenant_and_operator_work_from_the_yaml_alone(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    """Nässjö and Gustav (1007) exist only in the YAML: his phone registers and logs in, his
    busy lamp exists, Nässjö's queues exist, and its caller reaches him tagged NASSJO. Nässjö
    has no greeting and Gustav is free: the route answer itself sends the caller to him."""
    gustav = phones.operator("1007")
    code = phones.feature_code("1007", "*21")
    assert await exited(code, 15) == 0
    await until(lambda: status(engine, "gustav") == "available", 5, "gustav logged in")
    assert "1007@switchboard-directory" in pbx.cli("core show hints")
    for queue in ("nassjo-switchboard", "nassjo-permits"):
        assert f"{queue} has 0 calls" in pbx.cli(f"queue show {queue}")
    mark, redirects = pbx.log_size(), engine.effects.delivered
    caller = phones.call(NASSJO, "0701000240", hold_ms=3_000)
    await until(lambda: invites_from(gustav, "0701000240"), 15, "the INVITE to gustav")
    [invite] = [m for m in gustav.received("INVITE") if "0701000240" in (m.header("From") or "")]
    assert (invite.header("From") or "").startswith('"NASSJO Åsa Öberg"')
    assert invite.header("X-Switchboard-Tenant") == "nassjo"
    assert await exited(caller, 15) == 0
    log = pbx.log_since(mark)
    assert re.search(r'Set\("PJSIP/trunk-\w+", "SB_AGENT=PJSIP/1007"\)', log)
    assert 'Queue("PJSIP/trunk-' not in log  # no queue join
    assert engine.effects.delivered == redirects  # no Setvar/Redirect
    await until(lambda: records(engine), 10, "the call record")
    [record] = [r for r in records(engine) if r.tenant == "nassjo"]
    assert (record.outcome, record.answered_by) == ("answered", "gustav")


async def test_the_engine_refuses_to_run_for_a_queue_asterisk_lacks(
    pbx: Asterisk, tmp_path: Path
) -> None:
    """A YAML with a tenant this Asterisk was not configured for: `switchboard run` names the
    missing queue and exits with its own status."""
    yaml = YAML(typ="safe")
    doc = yaml.load(engine_config_text(pbx, tmp_path))
    doc["tenants"]["tranas"] = {**doc["tenants"]["nassjo"], "tag": "TRANAS"}
    doc["tenants"]["tranas"]["numbers"] = ["+4614068000"]
    doc["tenants"]["tranas"]["services"] = {"switchboard": {"skills": []}}
    path = tmp_path / "newer.yaml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(doc, out)
    proc = start_engine_process(pbx, tmp_path, path)
    try:
        await until(lambda: proc.poll() is not None, 20, "the engine to refuse")
        assert proc.returncode == EXIT_ASTERISK
        log = (tmp_path / "engine.log").read_text("utf-8")
        assert "Asterisk has no queue(s) tranas-switchboard" in log
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)
