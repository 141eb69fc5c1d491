"""Per-operator figures: calls and talk from the call records, states from the agent intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from switchboard.core.records import CallRecord

NOT_A_MISS = frozenset({"answered", "cancelled", "gone", "lost"})
BUSY_STATES = frozenset({"reserved", "ringing", "on_call", "busy", "wrapup"})


@dataclass(frozen=True, slots=True)
class AgentInterval:
    """An operator in one state from `started_at` until `ended_at` (None: still in it)."""

    agent: str
    status: str  # an AgentStatus value: available, on_call, wrapup, paused, ...
    reason: str | None
    started_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class OperatorFigures:
    """One operator over the period."""

    agent: str
    home: str | None
    calls: int  # answered offers
    talk_s: float
    wrapup_s: float
    logged_in_s: float
    paused_s: float
    pause_by_reason: tuple[tuple[str, float], ...]
    occupancy: float | None  # busy / (busy + available), None without intervals
    misses: int  # offers that rang and were not answered


def operator_figures(
    records: Sequence[CallRecord],
    intervals: Sequence[AgentInterval],
    homes: Mapping[str, str],
    start: float,
    end: float,
) -> tuple[OperatorFigures, ...]:
    """Figures for every operator seen in an attempt or an interval, sorted by id."""
    calls: dict[str, int] = {}
    talk: dict[str, float] = {}
    misses: dict[str, int] = {}
    for r in records:
        for a in r.attempts:
            if a.answered_at is not None:
                calls[a.agent] = calls.get(a.agent, 0) + 1
                if a.ended_at is not None:
                    talk[a.agent] = talk.get(a.agent, 0.0) + a.ended_at - a.answered_at
            elif a.rang and a.result is not None and a.result not in NOT_A_MISS:
                misses[a.agent] = misses.get(a.agent, 0) + 1
    time_in: dict[str, dict[str, float]] = {}
    pauses: dict[str, dict[str, float]] = {}
    for i in intervals:
        spent = min(i.ended_at if i.ended_at is not None else end, end) - max(i.started_at, start)
        if spent <= 0 or i.status == "logged_out":
            continue
        states = time_in.setdefault(i.agent, {})
        states[i.status] = states.get(i.status, 0.0) + spent
        if i.status == "paused":
            reasons = pauses.setdefault(i.agent, {})
            reason = i.reason or "pause"
            reasons[reason] = reasons.get(reason, 0.0) + spent
    out = []
    for agent in sorted(set(calls) | set(misses) | set(time_in)):
        states = time_in.get(agent, {})
        busy = sum(v for k, v in states.items() if k in BUSY_STATES)
        available = states.get("available", 0.0)
        out.append(
            OperatorFigures(
                agent=agent,
                home=homes.get(agent),
                calls=calls.get(agent, 0),
                talk_s=talk.get(agent, 0.0),
                wrapup_s=states.get("wrapup", 0.0),
                logged_in_s=sum(states.values()),
                paused_s=states.get("paused", 0.0),
                pause_by_reason=tuple(sorted(pauses.get(agent, {}).items())),
                occupancy=busy / (busy + available) if busy + available > 0 else None,
                misses=misses.get(agent, 0),
            )
        )
    return tuple(out)
