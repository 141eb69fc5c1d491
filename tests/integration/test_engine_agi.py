"""The dispatcher's FastAGI scripts over a real socket, as the dialplan calls them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from switchboard.asterisk.agi import answers
from switchboard.asterisk.agi.peer import FakeChannel, header_block, run_session
from switchboard.config.compile import compile_routing
from switchboard.config.models import Force
from switchboard.engine.app import Engine
from tests.integration.engine_world import free_port, world, world_config
from tests.records import engine_records


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    config = world_config(tmp_path, {"1001": "vetlanda"}, free_port(), free_port())  # no AMI
    eng = Engine(config, tick_s=0.05)
    await eng.start()
    yield eng
    await eng.stop(2)


async def agi(
    engine: Engine, script: str, *args: str, uniqueid: str = "1795345541.0"
) -> FakeChannel:
    channel = FakeChannel()
    extra = {f"arg_{i}": a for i, a in enumerate(args, 1)}
    header = header_block(script, uniqueid=uniqueid, **extra)
    await run_session("127.0.0.1", engine.agi.port, header, channel.respond)
    await engine.live.settled()
    fields = {"route": answers.ROUTE, "requeue": answers.REQUEUE}.get(script.split("?")[0])
    if fields is not None:  # what the dialplan's unpacking Gosub makes of the one SET VARIABLE
        unpacked = answers.unpack(fields, channel.variables.pop("SB_ANSWER"))
        assert unpacked is not None
        channel.variables.update(unpacked)
    return channel


async def test_route_requeue_and_callback_message(tmp_path: Path) -> None:
    async with world(tmp_path, {"1001": "vetlanda"}) as w:
        routed = await agi(w.engine, "route?did=4638397000", "070123456")
        assert routed.variables["SB_ACTION"] == "queue"
        assert "1795345541.0" in w.engine.live.state.calls
        again = await agi(w.engine, "requeue?status=TIMEOUT", "1795345541.0")
        assert (again.variables["SB_ACTION"], again.variables["SB_WAIT"]) == ("queue", "30")
        done = await agi(w.engine, "finished?outcome=callback", "1795345541.0")
        assert done.variables["SB_RESULT"] == "ok"
        [record] = await engine_records(w.engine)
        assert (record.id, record.outcome, record.via) == ("1795345541.0", "callback", "engine")


async def test_without_asterisk_callers_go_to_the_static_fallback_at_once(engine: Engine) -> None:
    # No AMI: the engine cannot deliver, so a memberless queue would hold the caller for nothing.
    routed = await agi(engine, "route?did=4638397000", "070123456")
    assert routed.variables["SB_ACTION"] == "fallback"
    assert routed.variables["SB_TENANT"] == "vetlanda"
    assert routed.variables["SB_REASON"] == "engine_cannot_deliver"
    call = engine.live.state.calls["1795345541.0"]
    assert (call.via, call.did) == ("fallback", "4638397000")
    again = await agi(engine, "requeue?status=TIMEOUT", "1795345541.0")
    assert again.variables["SB_ACTION"] == "fallback"
    [record] = await engine_records(engine)
    assert (record.via, record.outcome) == ("fallback", None)  # live, recorded on arrival


async def test_feature_codes_and_reports(engine: Engine) -> None:
    assert (await agi(engine, "agent?action=login", "1001")).variables["SB_RESULT"] == "ok"
    assert engine.live.state.agents["op1001"].logged_in
    assert (await agi(engine, "agent?action=pause&reason=lunch", "1001")).variables[
        "SB_RESULT"
    ] == "ok"
    assert engine.live.state.agents["op1001"].paused == "lunch"
    assert (await agi(engine, "agent?action=login", "9999")).variables[
        "SB_RESULT"
    ] == "unknown-agent"
    assert (await agi(engine, "agent?action=dance", "1001")).variables["SB_RESULT"] == "bad-action"
    assert (await agi(engine, "finished?outcome=party", "x")).variables[
        "SB_RESULT"
    ] == "bad-outcome"
    # a delivery report for a call the engine never offered changes nothing
    await agi(engine, "delivered?status=NOANSWER", "1795345541.9", "PJSIP/1001")
    assert engine.live.state.agents["op1001"].misses == 0


async def test_calls_turned_away_are_recorded_for_reports(engine: Engine) -> None:
    config = engine.config
    tenants = {
        tid: t.model_copy(update={"force": Force.CLOSED}) for tid, t in config.tenants.items()
    }
    engine.table = compile_routing(config.model_copy(update={"tenants": tenants}))
    answer = await agi(engine, "route?did=4638397000", "070123456", uniqueid="1795345541.5")
    assert answer.variables["SB_ACTION"] == "closed"
    await agi(engine, "route?did=4600000000", "070123456", uniqueid="1795345541.6")  # unknown
    [record] = await engine_records(engine)
    assert (record.id, record.tenant, record.outcome) == ("1795345541.5", "vetlanda", "closed")
    assert "forced_closed" in str(record.timeline)
    assert "1795345541.5" not in engine.live.state.calls
