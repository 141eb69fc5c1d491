"""Who takes what: eligibility, timed refusals, partner protection and the selection policies."""

from __future__ import annotations

from collections.abc import Iterable

from switchboard.core.state import Call, State
from switchboard.core.topology import AgentInfo, Topology

HOME, SERVING, BORROWED = 0, 1, 2


def tier(info: AgentInfo, call: Call, now: float) -> int | None:
    """How the agent relates to the call's tenant, or None when the agent may not take it yet."""
    if info.home == call.tenant:
        return HOME
    if call.tenant in info.serves:
        return SERVING
    if info.home in call.open_partners(now):
        return BORROWED
    return None


def eligible(state: State, topo: Topology, info: AgentInfo, call: Call, now: float) -> int | None:
    """The agent's tier for this call if it may be offered the call now, else None."""
    level = _qualified(state, info, call, now)
    if level is None or barred(state, topo, info.id, call, now):
        return None
    return level


def barred(state: State, topo: Topology, agent_id: str, call: Call, now: float) -> bool:
    """True while a miss bars the agent: until `retry_after_s` or every other one was tried."""
    missed_at = call.refused.get(agent_id)
    if missed_at is None or now - missed_at >= topo.retry_after_s:
        return False
    return any(
        aid not in call.refused
        and _on_duty(state, aid)
        and _qualified(state, topo.agents[aid], call, now) is not None
        for aid in _candidates(topo, call, now)
    )


def overdue(state: State, tenant: str, now: float) -> bool:
    """True when a caller of `tenant` has waited longer than its answer target."""
    calls = state.calls
    return any(
        calls[cid].waited(now) > calls[cid].target_answer_s
        for cid in state.waiting.get(tenant, frozenset())
    )


def rank(call: Call) -> tuple[float, float, float, str]:
    """Smaller is served first: highest priority, then the earliest place in the queue."""
    return (-call.priority, call.waiting_since or 0.0, call.arrived_at, call.id)


def pick_agent(state: State, topo: Topology, call: Call, now: float) -> str | None:
    """The best free agent for `call`: tier, sticky agent, language, then the policy."""
    best: tuple[tuple[float, ...], str] | None = None
    free = state.free
    sticky = _sticky_agent(state, topo, call, now)
    for aid in _candidates(topo, call, now):
        if aid not in free:
            continue
        info = topo.agents[aid]
        level = tier(info, call, now)
        if level is None:
            continue
        ranked = (
            level,
            0 if aid == sticky else 1,
            _no_language(info, call),
            *policy_key(state, topo, info, call),
        )
        # Eligibility only removes candidates, and its tier is `level`: one that cannot beat
        # the best so far needs no check (the costly part with many free agents).
        if best is not None and ranked >= best[0]:
            continue
        if eligible(state, topo, info, call, now) is not None:
            best = (ranked, aid)
    return None if best is None else best[1]


def pick_call(state: State, topo: Topology, agent_id: str, now: float) -> Call | None:
    """The best waiting call the agent may take: priority first, then the longest wait."""
    info = topo.agents[agent_id]
    best: tuple[tuple[float, float, float, str], Call] | None = None
    tenants = (*info.serves, *topo.borrowers.get(info.home, ()))
    for tenant in dict.fromkeys(tenants):
        for cid in state.waiting.get(tenant, frozenset()):
            call = state.calls[cid]
            if not call.ready(now):
                continue
            ranked = rank(call)
            if best is not None and ranked >= best[0]:
                continue
            if eligible(state, topo, info, call, now) is not None:
                best = (ranked, call)
    return None if best is None else best[1]


def policy_key(state: State, topo: Topology, info: AgentInfo, call: Call) -> tuple[float, ...]:
    """Smaller is better, per the configured selection policy."""
    agent = state.agents[info.id]
    if topo.selection == "fewest_calls":
        return (agent.calls_today, agent.idle_since)
    if topo.selection == "best_skill":
        return (-sum(info.skills.get(s, 0) for s in call.skills), agent.idle_since)
    if topo.selection == "round_robin":
        return ((info.order - state.rr_cursor - 1) % max(len(topo.agents), 1),)
    return (agent.idle_since,)


def _qualified(state: State, info: AgentInfo, call: Call, now: float) -> int | None:
    """Skills, tier and partner protection: what makes an agent right for the call at all."""
    if not all(s in info.skills for s in call.skills):
        return None
    level = tier(info, call, now)
    if level == BORROWED and overdue(state, info.home, now):
        return None  # partner protection: the lender's own callers come first
    return level


def _on_duty(state: State, aid: str) -> bool:
    agent = state.agents[aid]
    return agent.logged_in and agent.reachable and agent.paused is None


def _candidates(topo: Topology, call: Call, now: float) -> Iterable[str]:
    yield from topo.serving.get(call.tenant, ())
    for partner in sorted(call.open_partners(now)):
        yield from topo.home_agents.get(partner, ())


def _sticky_agent(state: State, topo: Topology, call: Call, now: float) -> str | None:
    """The agent who last spoke with this caller, while that still counts."""
    recent = state.recent.get(call.caller_num)
    if recent is None or topo.sticky_agent_s <= 0:
        return None
    agent, at = recent
    return agent if now - at <= topo.sticky_agent_s else None


def _no_language(info: AgentInfo, call: Call) -> int:
    return 0 if call.language is None or call.language in info.languages else 1
