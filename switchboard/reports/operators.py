"""Per-operator figures: calls and talk from the offers, states from the agent intervals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from switchboard.core.records import CallRecord

NOT_A_MISS = frozenset({"answered", "cancelled", "gone", "lost"})
BUSY_STATES = frozenset({"reserved", "ringing", "on_call", "busy", "wrapup"})
Window = Callable[[str], tuple[float, float]]  # operator -> the [start, end) its states count in
StateTotals = dict[str, dict[tuple[str, str | None], float]]  # agent -> (status, reason) -> s


@dataclass(frozen=True, slots=True)
class AgentInterval:
    """An operator in one state from `started_at` until `ended_at` (None: still in it)."""

    agent: str
    status: str  # an AgentStatus value: available, on_call, wrapup, paused, ...
    reason: str | None
    started_at: float
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class OfferTotals:
    """One operator's answered offers, their talk, and the offers that rang unanswered."""

    calls: int = 0
    talk_s: float = 0.0
    misses: int = 0


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


def offer_totals(records: Iterable[CallRecord]) -> dict[str, OfferTotals]:
    """Per operator, from the attempts of `records` (the store's query counts the same)."""
    out: dict[str, OfferTotals] = {}
    for r in records:
        for a in r.attempts:
            t = out.get(a.agent, OfferTotals())
            if a.answered_at is not None:
                talk = a.ended_at - a.answered_at if a.ended_at is not None else 0.0
                out[a.agent] = OfferTotals(t.calls + 1, t.talk_s + talk, t.misses)
            elif a.rang and a.result is not None and a.result not in NOT_A_MISS:
                out[a.agent] = OfferTotals(t.calls, t.talk_s, t.misses + 1)
    return out


def state_totals(intervals: Iterable[AgentInterval], window: Window) -> StateTotals:
    """Seconds per operator, state and pause reason, clipped to each operator's window."""
    out: StateTotals = {}
    for i in intervals:
        start, end = window(i.agent)
        spent = min(i.ended_at if i.ended_at is not None else end, end) - max(i.started_at, start)
        if spent <= 0 or i.status == "logged_out":
            continue
        key = (i.status, (i.reason or "pause") if i.status == "paused" else None)
        states = out.setdefault(i.agent, {})
        states[key] = states.get(key, 0.0) + spent
    return out


def operator_figures(
    offers: Mapping[str, OfferTotals], states: StateTotals, homes: Mapping[str, str]
) -> tuple[OperatorFigures, ...]:
    """Figures for every operator seen in an offer or an interval, sorted by id."""
    out = []
    for agent in sorted(set(offers) | set(states)):
        o = offers.get(agent, OfferTotals())
        by_status: dict[str, float] = {}
        pauses: dict[str, float] = {}
        for (status, reason), spent in states.get(agent, {}).items():
            by_status[status] = by_status.get(status, 0.0) + spent
            if reason is not None:
                pauses[reason] = pauses.get(reason, 0.0) + spent
        busy = sum(v for k, v in by_status.items() if k in BUSY_STATES)
        available = by_status.get("available", 0.0)
        out.append(
            OperatorFigures(
                agent=agent,
                home=homes.get(agent),
                calls=o.calls,
                talk_s=o.talk_s,
                wrapup_s=by_status.get("wrapup", 0.0),
                logged_in_s=sum(by_status.values()),
                paused_s=by_status.get("paused", 0.0),
                pause_by_reason=tuple(sorted(pauses.items())),
                occupancy=busy / (busy + available) if busy + available > 0 else None,
                misses=o.misses,
            )
        )
    return tuple(out)
