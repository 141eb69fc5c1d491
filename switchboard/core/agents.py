"""Agents' own facts: device and contact changes, logins and pauses, and their restore."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.core import commands as cmd
from switchboard.core.effects import AgentSession, Effect
from switchboard.core.evolve import replace
from switchboard.core.state import Agent, State
from switchboard.core.topology import Topology
from switchboard.core.updates import put_agent


def on_agent(
    state: State,
    topo: Topology,
    device: str,
    now: float,
    effects: list[Effect],
    change: Callable[[Agent], Agent],
) -> State:
    """Apply `change` to the agent whose device is `device` (other devices are no agent's)."""
    aid = topo.by_device.get(device)
    if aid is None:
        return state
    return put_agent(state, change(state.agents[aid]), now, effects)


def agent_command(state: State, c: cmd.AgentCommand, now: float, effects: list[Effect]) -> State:
    """Log in, log out, pause or unpause: the session is persisted so a restart keeps it."""
    agent = state.agents.get(c.agent)
    if agent is None:
        return state
    if c.action == "login":
        agent = replace(agent, logged_in=True, misses=0, idle_since=max(agent.idle_since, now))
    elif c.action == "logout":
        agent = replace(agent, logged_in=False, paused=None)
    elif c.action == "pause":
        agent = replace(agent, paused=c.reason or "pause")
    elif c.action == "unpause":
        agent = replace(agent, paused=None, misses=0)
    else:
        return state
    effects.append(AgentSession(agent.id, agent.logged_in, agent.paused))
    return put_agent(state, agent, now, effects)


def agents_restored(
    state: State, e: cmd.AgentsRestored, now: float, effects: list[Effect]
) -> State:
    """Logins, pauses and today's answered calls read back from the store at start-up."""
    for aid, logged_in, paused in e.sessions:
        if aid in state.agents:
            agent = replace(state.agents[aid], logged_in=logged_in, paused=paused)
            state = put_agent(state, agent, now, effects)
    for aid, count in e.calls_today:
        if aid in state.agents:
            state = put_agent(state, replace(state.agents[aid], calls_today=count), now, effects)
    return state
