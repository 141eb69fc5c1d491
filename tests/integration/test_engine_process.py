"""`switchboard run` as ops run it: a real process, JSON logs, overrides, graceful SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from switchboard.fakepbx.config import DialplanConfig, QueueConfig, SimConfig
from switchboard.fakepbx.control import Simulator
from switchboard.fakepbx.phones import answers
from tests.conftest import EXAMPLE
from tests.integration.engine_world import free_port


async def read_json_until(
    stream: asyncio.StreamReader, lines: list[dict[str, object]], event: str
) -> None:
    while True:
        raw = await stream.readline()
        assert raw, f"engine exited before logging {event!r}"
        record = json.loads(raw)
        lines.append(record)
        if record.get("event") == event:
            return


async def test_run_routes_delivers_and_stops_on_sigterm(tmp_path: Path) -> None:
    agi = free_port()
    queues = tuple(QueueConfig(q) for q in ("vetlanda-switchboard", "savsjo-switchboard"))
    sim_config = SimConfig(
        dialplan=DialplanConfig(agi_port=agi), endpoints=("1001",), queues=queues, time_scale=0.1
    )
    async with Simulator(sim_config) as sim:
        sim.register("1001", answers(1.0, hangup_after_s=2))
        config = tmp_path / "sb.yaml"  # the example, with Vetlanda forced open whatever the hour
        config.write_text(
            EXAMPLE.read_text().replace(
                "    tag: VETLANDA\n", "    tag: VETLANDA\n    force: open\n"
            )
        )
        env = {**os.environ, "SWITCHBOARD_AMI__SECRET": "secret"}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "switchboard", "run", "-c", str(config),
            "--agi", f"127.0.0.1:{agi}", "--ami", f"127.0.0.1:{sim.ami_port}",
            "--http", "127.0.0.1:0", "--store", str(tmp_path / "sb.db"),
            stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stderr is not None
        lines: list[dict[str, object]] = []
        try:
            async with asyncio.timeout(15):
                await read_json_until(proc.stderr, lines, "state read from asterisk")
                assert await sim.feature_code("1001", "login") == "ok"
                call = sim.place_call("038397000")
                await read_json_until(proc.stderr, lines, "agi routed")
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
