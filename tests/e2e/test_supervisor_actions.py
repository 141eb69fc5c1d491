"""A supervisor's actions through a real Asterisk: a waiting caller withdrawn to voicemail goes
there at once (a Redirect interrupts the queue's announcements), and a forced closure turns the
next caller away with the tenant's closed handling."""

from __future__ import annotations

import re
import time

import pytest

from switchboard.core.overrides import ForceRouting
from switchboard.core.state import CallPhase
from switchboard.core.supervision import WithdrawCall
from switchboard.engine.app import Engine
from tests.e2e.checks import records
from tests.e2e.harness import Asterisk, until
from tests.e2e.phones import Phones
from tests.e2e.world import VETLANDA, call_from

pytestmark = pytest.mark.e2e


async def test_a_waiting_caller_is_withdrawn_to_the_tenants_voicemail_at_once(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    mark = pbx.log_size()
    caller = phones.call(VETLANDA, "0701000300", hold_ms=40_000)

    def waiting() -> bool:
        call = call_from(engine, "0701000300")
        return call is not None and call.phase is CallPhase.WAITING and call.in_queue

    await until(waiting, 25, "the caller waiting in the queue")
    call = call_from(engine, "0701000300")
    assert call is not None
    started = time.monotonic()
    engine.live.submit(WithdrawCall(call.id, "100@vetlanda", "e2e"))
    await until(lambda: "[voicemail@switchboard-closed:1]" in pbx.log_since(mark), 5, "redirect")
    # QueueWithdrawCaller waited for the announcement to end (5.95 s in recording 07b)
    assert time.monotonic() - started < 1.5
    await until(lambda: "VoiceMail(" in pbx.log_since(mark), 20, "the voicemail")
    assert re.search(r'VoiceMail\("PJSIP/trunk-\w+", "100@vetlanda,s"\)', pbx.log_since(mark))
    await until(lambda: call.id not in engine.live.state.calls, 5, "the call to end")
    caller.proc.terminate()
    await until(lambda: any(r.id == call.id for r in records(engine)), 10, "the record")
    assert {r.id: r.outcome for r in records(engine)}[call.id] == "withdrawn"


async def test_a_forced_closure_turns_the_next_caller_away(
    pbx: Asterisk, engine: Engine, phones: Phones
) -> None:
    mark = pbx.log_size()
    engine.live.submit(ForceRouting("vetlanda", "", "closed", engine.clock() + 600, "e2e"))
    await until(lambda: ("vetlanda", "") in engine.live.state.overrides, 5, "the override")
    caller = phones.call(VETLANDA, "0701000301", hold_ms=20_000)
    await until(lambda: "SB_REASON=forced_closed" in pbx.log_since(mark), 25, "closed")
    caller.proc.terminate()
    await until(lambda: any(r.caller_num == "+46701000301" for r in records(engine)), 10, "record")
    [record] = [r for r in records(engine) if r.caller_num == "+46701000301"]
    assert record.outcome == "voicemail"  # vetlanda's closed handling: then voicemail
