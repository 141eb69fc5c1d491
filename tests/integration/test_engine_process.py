"""`switchboard run` as ops run it: a real process, JSON logs, overrides, graceful SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import replace
from pathlib import Path

from switchboard.engine.app import EXIT_ASTERISK
from switchboard.fakepbx.config import DialplanConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers
from tests.conftest import EXAMPLE
from tests.integration.engine_world import free_port, written


async def read_json_until(
    stream: asyncio.StreamReader, lines: list[dict[str, object]], event: str, **fields: object
) -> None:
    while True:
        raw = await stream.readline()
        assert raw, f"engine exited before logging {event!r}"
        record = json.loads(raw)
        lines.append(record)
        if record.get("event") == event and all(record.get(k) == v for k, v in fields.items()):
            return


async def run(config: Path, agi: int, ami: int, store: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "SWITCHBOARD_AMI__SECRET": "secret"}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchboard", "run", "-c", str(config),
        "--agi", f"127.0.0.1:{agi}", "--ami", f"127.0.0.1:{ami}", "--http", "127.0.0.1:0",
        "--store", str(store),
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def test_run_routes_delivers_and_stops_on_sigterm(tmp_path: Path) -> None:
    agi = free_port()
    config = tmp_path / "sb.yaml"  # the example, with Vetlanda forced open whatever the hour
    config.write_text(
        EXAMPLE.read_text().replace("    tag: VETLANDA\n", "    tag: VETLANDA\n    force: open\n")
    )
    sim_config = written(tmp_path, config, dialplan=DialplanConfig(agi_port=agi), time_scale=0.1)
    async with Simulator(sim_config) as sim:
        sim.register("1001", answers(1.0, hangup_after_s=2))
        proc = await run(config, agi, sim.ami_port, tmp_path / "sb.db")
        assert proc.stderr is not None
        lines: list[dict[str, object]] = []
        try:
            async with asyncio.timeout(15):
                await read_json_until(proc.stderr, lines, "state read from asterisk")
                assert await sim.feature_code("1001", "login") == "ok"
                call = sim.place_call("038397000")
                await read_json_until(proc.stderr, lines, "agi session", script="route")
                routed = lines[-1]
                assert (routed["tenant"], routed["action"]) == ("vetlanda", "queue")
                assert routed["call_id"] == call.uniqueid
                outcome = await call.outcome
                assert outcome.agent == "PJSIP/1001"
                await read_json_until(proc.stderr, lines, "call ended")
                assert (lines[-1]["agent"], lines[-1]["outcome"]) == ("asa", "answered")
            proc.send_signal(signal.SIGTERM)
            async with asyncio.timeout(12):
                await read_json_until(proc.stderr, lines, "engine stopped")
                assert await proc.wait() == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    assert all("level" in line and "timestamp" in line for line in lines)


async def test_run_refuses_when_asterisk_lacks_a_queue(tmp_path: Path) -> None:
    """An Asterisk configured for an older YAML (no halden queue, no operator 1006): the engine
    says what is missing and exits with its own status at its first look at Asterisk."""
    agi = free_port()
    sim_config = written(tmp_path, EXAMPLE, dialplan=DialplanConfig(agi_port=agi))
    sim_config = replace(
        sim_config,
        queues=tuple(q for q in sim_config.queues if q.name != "halden-switchboard"),
        endpoints=tuple(e for e in sim_config.endpoints if e != "1006"),
    )
    async with Simulator(sim_config) as sim:
        proc = await run(EXAMPLE, agi, sim.ami_port, tmp_path / "sb.db")
        assert proc.stderr is not None
        async with asyncio.timeout(15):
            assert await proc.wait() == EXIT_ASTERISK
            err = (await proc.stderr.read()).decode()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    [refusal] = [line for line in lines if line["event"].startswith("asterisk lacks")]
    assert refusal["level"] == "error"
    problem = "Asterisk has no queue(s) halden-switchboard and no operator device(s) PJSIP/1006"
    assert refusal["problem"] == problem
    assert f"switchboard run: {problem}; write its configuration from {EXAMPLE}" in err
