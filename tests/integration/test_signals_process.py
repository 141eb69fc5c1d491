"""Signals during traffic: SIGHUP with an invalid then a valid file, SIGTERM with sessions open."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
from pathlib import Path

from switchboard.asterisk.agi import answers as contract
from switchboard.asterisk.agi.peer import FakeChannel, header_block, split_args
from switchboard.fakepbx.calls import CallHandle
from tests.integration.daemon import AGENTS, SAVSJO, VETLANDA, Daemon, Systemd, config_text, daemon


class Traffic:
    """Callers for Sävsjö every `every_s` until stopped; each waits at most 1.5 s."""

    def __init__(self, d: Daemon, every_s: float = 0.1) -> None:
        self.d = d
        self.calls: list[CallHandle] = []
        self.task = asyncio.create_task(self._run(every_s))

    async def _run(self, every_s: float) -> None:
        while True:
            self.calls.append(self.d.sim.place_call(SAVSJO, hangup_after_s=15))
            await asyncio.sleep(every_s)  # a call rate, not synchronisation

    async def stop(self) -> list[CallHandle]:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        async with asyncio.timeout(10):
            await asyncio.gather(*(c.ended for c in self.calls))
        return self.calls


async def reload_command(*args: str) -> int:
    """`switchboard reload ARGS` as a process; its exit status."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchboard", "reload", *args,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    async with asyncio.timeout(10):
        return await proc.wait()


def routed_by_the_engine(call: CallHandle) -> bool:
    """The route answer came and sent the caller to a queue (no fallback of any kind)."""
    return call.has_step("route SUCCESS") and not call.has_step("fallback")


async def test_sighup_rejects_an_invalid_file_and_swaps_a_valid_one_during_traffic(
    tmp_path: Path, systemd: Systemd
) -> None:
    agents = {**AGENTS}
    env = {"NOTIFY_SOCKET": str(systemd.path)}
    pid_file = tmp_path / "switchboard.pid"
    args = ("--pid-file", str(pid_file))
    async with daemon(
        tmp_path, endpoints=("1001", "1002", "1003", "1004"), env=env, args=args
    ) as d:
        await systemd.until("READY=1", within_s=5)
        sim = d.sim
        for ep in ("1004", "1002"):
            assert await sim.feature_code(ep, "login") == "ok"
        assert await sim.feature_code("1002", "pause", "lunch") == "ok"  # bengt: in, paused
        waiting = sim.place_call(VETLANDA)  # nobody available for Vetlanda: it waits
        await waiting.wait_step("queue vetlanda-switchboard")
        traffic = Traffic(d)
        await d.until(lambda: len(traffic.calls) >= 3, what="traffic under way")
        original = d.config.read_text()

        d.config.write_text(original.replace("home: savsjo", "home: nassjo"))  # unknown tenant
        # `switchboard reload -c` checks the file first and refuses to signal: exit 2.
        assert await reload_command("-c", str(d.config), "--pid-file", str(pid_file)) == 2
        mark = len(d.lines)
        d.proc.send_signal(signal.SIGHUP)  # as `systemctl reload` does: the engine validates too
        await d.logged("config reload rejected, running configuration kept", since=mark)
        problems = [x["problem"] for x in d.lines[mark:] if x.get("event") == "config problem"]
        assert all(p.startswith(f"{d.config}:") for p in problems)
        assert any(": agents.carl.home: unknown tenant 'nassjo'" in p for p in problems), problems
        assert "RELOADING=1" in await systemd.until("RELOADING=1", within_s=2)
        await systemd.until("READY=1", within_s=2)
        status, ready = await d.get_json("/readyz")
        assert status == 200
        assert (ready["reload"]["result"], ready["reload"]["generation"]) == ("rejected", 1)
        assert ready["reload"]["problems"] == problems
        assert await sim.feature_code("1003", "login") == "unknown-agent"  # nothing changed

        del agents["bengt"]  # logged in and paused: logged out cleanly
        agents["dora"] = ("1003", "vetlanda")  # appears logged out
        ami = d.sim.ami_port
        d.config.write_text(
            config_text(d.agi, ami, d.http, tmp_path / "sb.db", agents, vetlanda_force="closed")
        )
        mark = len(d.lines)
        assert await reload_command("-c", str(d.config), "--pid-file", str(pid_file)) == 0
        reloaded = await d.logged("config reloaded", since=mark)
        assert (reloaded["generation"], reloaded["agents_removed"], reloaded["agents_added"]) == (
            2,
            ["bengt"],
            ["dora"],
        )
        await d.logged("agent session", since=mark, agent="bengt", logged_in=False)
        status, ready = await d.get_json("/readyz")
        assert (ready["reload"]["result"], ready["reload"]["generation"]) == ("applied", 2)

        closed = sim.place_call(VETLANDA)  # a new call meets the new rules: Vetlanda closed
        assert (await closed.outcome).kind == "voicemail"
        assert not waiting.outcome.done()  # the call in progress kept its decision: queued
        assert await sim.feature_code("1002", "login") == "unknown-agent"
        assert await sim.feature_code("1003", "login") == "ok"
        assert (await waiting.outcome).agent == "PJSIP/1003"  # delivered to the new agent

        calls = await traffic.stop()
        assert [c.steps for c in calls if not routed_by_the_engine(c)] == []
        assert sum(c.has_step("outcome answered") for c in calls) > 0
        _, body = await d.get("/metrics")
        text = body.decode()
        assert 'switchboard_config_reloads_total{result="rejected"} 1.0' in text
        assert 'switchboard_config_reloads_total{result="applied"} 1.0' in text
        d.proc.send_signal(signal.SIGTERM)
        assert await d.exited(12) == 0
    with sqlite3.connect(tmp_path / "sb.db") as db:
        sessions = dict(db.execute("SELECT agent, logged_in FROM agent_sessions"))
    assert sessions == {"bengt": 0, "carl": 1, "dora": 1}


async def test_sigterm_during_traffic_lets_every_accepted_session_answer(tmp_path: Path) -> None:
    async with daemon(tmp_path) as d:
        assert await d.sim.feature_code("1004", "login") == "ok"
        traffic = Traffic(d, every_s=0.05)
        # Ten sessions in progress (header read, first command sent) answering slowly.
        sessions = [await SlowAsterisk.open(d.agi, f"1795345541.{i}") for i in range(10)]
        routed = lambda: sum(c.has_step("route SUCCESS") for c in traffic.calls)  # noqa: E731
        await d.until(lambda: routed() >= 5, what="traffic routed")
        d.proc.send_signal(signal.SIGTERM)
        answers = await asyncio.gather(*(s.finish() for s in sessions))
        assert await d.exited(12) == 0
        calls = await traffic.stop()
    for variables in answers:
        assert variables["SB_ACTION"] == "queue"  # every one answered to the end
    assert not any(line.get("event") == "agi session cancelled at stop" for line in d.lines)
    outcomes = {  # the route sessions the engine accepted (reports come later in a call)
        line["call_id"]: line["outcome"]
        for line in d.lines
        if line.get("event") == "agi session" and line.get("script") == "route"
    }
    for call in calls:
        if call.uniqueid in outcomes:  # the engine accepted it: it answered it
            assert outcomes[call.uniqueid] == "answered"
            assert routed_by_the_engine(call), call.steps
        else:  # refused once the engine stopped listening: the dialplan's fallback at once
            assert call.has_step("fallback"), call.steps
    assert sum(c.uniqueid in outcomes for c in calls) >= 5
    assert any(line.get("event") == "engine stopped" for line in d.lines)


class SlowAsterisk:
    """One FastAGI session from an Asterisk that takes 20 ms per reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes):
        self.reader, self.writer, self.first = reader, writer, first
        self.channel = FakeChannel()

    @classmethod
    async def open(cls, port: int, uniqueid: str) -> SlowAsterisk:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(header_block("route?did=4638397000", uniqueid=uniqueid))
        first = await reader.readline()  # the engine is inside the session now
        assert first.startswith(b"SET VARIABLE")
        return cls(reader, writer, first)

    async def finish(self) -> dict[str, str]:
        """Answer every command (slowly) until the engine closes; the variables it set."""
        line = self.first
        try:
            while line.endswith(b"\n"):
                await asyncio.sleep(0.02)  # Asterisk's pace, not synchronisation
                reply = self.channel.respond(split_args(line[:-1].decode()))
                self.writer.write(reply.encode() + b"\n")
                line = await self.reader.readline()
        finally:
            self.writer.close()
        unpacked = contract.unpack(contract.ROUTE, self.channel.variables.get("SB_ANSWER", ""))
        return unpacked or {}
