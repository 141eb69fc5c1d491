"""What the e2e tests look at: the engine's agents and records, sipp traces, Asterisk's CLI."""

from __future__ import annotations

from switchboard.core.commands import AgentCommand
from switchboard.core.records import CallRecord
from switchboard.engine.app import Engine
from tests.e2e.harness import Asterisk, until
from tests.e2e.phones import Sipp


def login(engine: Engine, *agents: str) -> None:
    """Log agents in directly (the feature code path has its own test)."""
    for agent in agents:
        engine.live.submit(AgentCommand(agent, "login"))


def status(engine: Engine, agent: str) -> str:
    return engine.live.state.agents[agent].status(engine.clock()).value


def is_available(engine: Engine, agent: str) -> bool:
    return status(engine, agent) == "available"


def records(engine: Engine) -> list[CallRecord]:
    """The engine's finished call records (its writer flushed first)."""
    engine.store.flush(5.0)
    return [r for r in engine.store.records() if r.outcome is not None]


def invites_from(operator: Sipp, caller: str) -> list[str]:
    """The From headers of INVITEs this operator phone got from national number `caller`."""
    return [
        m.header("From") or ""
        for m in operator.received("INVITE")
        if f"<sip:{caller}@" in (m.header("From") or "")
    ]


async def exited(sipp: Sipp, within_s: float) -> int:
    await until(lambda: sipp.done, within_s, f"sipp {sipp.name} to finish")
    return int(sipp.proc.returncode)


def ami_sessions(pbx: Asterisk) -> int:
    """How many AMI sessions the switchboard user has open."""
    return sum(
        1 for line in pbx.cli("manager show connected").splitlines() if "switchboard" in line
    )
