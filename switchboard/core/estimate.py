"""Position and estimated wait of a waiting caller, from the live state (pure).

Position counts the callers ranked ahead (priority, then place) whom at least one of this
caller's operators may take, now or once an overflow step opens: a caller hears "you are next"
only when none of them is left. The wait replays the dispatcher's rule forward in time: each
operator on duty becomes free (now, at the end of its wrap-up, or after the expected rest of
its conversation, from the recent talk times of that queue), takes the best-ranked caller it
may take, and is busy again for a talk plus wrap-up; the wait is when this caller's turn comes.
Arrivals still to come, abandons and misses are not foreseen.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from switchboard.core.select import rank
from switchboard.core.state import AgentStatus, Call, State
from switchboard.core.topology import AgentInfo, Topology

MIN_SAMPLES = 3  # fewer measured talks than this: use the configured handle time


@dataclass(frozen=True, slots=True)
class Estimate:
    """Callers ahead for the same operators, and seconds until an operator takes the call."""

    ahead: int
    wait_s: float | None  # None: no operator on duty may ever take it

    @property
    def position(self) -> int:
        """1 for "you are next"."""
        return self.ahead + 1


def estimate(state: State, topo: Topology, call: Call, now: float) -> Estimate:
    """The position and expected wait of the waiting `call` at `now`."""
    ahead = sorted(
        (
            c
            for ids in state.waiting.values()
            for cid in ids
            if (c := state.calls[cid]).id != call.id and rank(c) < rank(call)
        ),
        key=rank,
    )
    mine = [info for info in topo.agents.values() if opens_at(info, call, now) is not None]
    competing = sum(1 for c in ahead if any(opens_at(info, c, now) is not None for info in mine))
    return Estimate(competing, _replay(state, topo, [*ahead, call], call, now))


def opens_at(info: AgentInfo, call: Call, now: float) -> float | None:
    """From when the agent may take the call (skills, tenant, overflow steps); None: never."""
    if not all(skill in info.skills for skill in call.skills):
        return None
    if info.home == call.tenant or call.tenant in info.serves:
        return now
    since = call.wait_from if call.wait_from is not None else now
    steps = [s.after_s for s in call.overflow if info.home in s.partners]
    return max(now, since + min(steps)) if steps else None


def handle_s(state: State, topo: Topology, queue: str) -> float:
    """The expected talk time of a call from `queue` (its recent talks, else all, else the
    configured handle time)."""
    samples = talks(state, queue)
    return sum(samples) / len(samples) if samples else float(topo.handle_time_s)


def talks(state: State, queue: str) -> Sequence[float]:
    """Recent talk times of `queue`, or of every queue when it has too few of its own."""
    own = state.handled.get(queue, ())
    if len(own) >= MIN_SAMPLES:
        return own
    every = [t for times in state.handled.values() for t in times]
    return every if len(every) >= MIN_SAMPLES else ()


def residual_s(samples: Sequence[float], default_s: float, elapsed_s: float) -> float:
    """Expected rest of a conversation that has lasted `elapsed_s`: the mean remainder of the
    recent talks longer than that; half a talk when it outlasted them all (or the default)."""
    longer = [t - elapsed_s for t in samples if t > elapsed_s]
    if longer:
        return sum(longer) / len(longer)
    mean = sum(samples) / len(samples) if samples else default_s
    return mean / 2 if elapsed_s >= mean else mean - elapsed_s


def spoken_minutes(wait_s: float) -> int:
    """The wait as said: whole minutes to the nearest, 0 meaning "less than one minute"."""
    return 0 if wait_s < 45 else max(1, int(wait_s / 60 + 0.5))


def _replay(
    state: State, topo: Topology, calls: list[Call], call: Call, now: float
) -> float | None:
    free = [
        (t, info.order, aid)
        for aid, info in topo.agents.items()
        if (t := _free_at(state, topo, aid, now)) is not None
    ]
    heapq.heapify(free)
    waiting = list(calls)  # in rank order: the first a freed operator may take is its best
    while free:
        at, order, aid = heapq.heappop(free)
        info = topo.agents[aid]
        taken, later = None, None
        for c in waiting:
            opens = opens_at(info, c, now)
            if opens is None:
                continue
            if opens <= at:
                taken = c
                break
            later = opens if later is None else min(later, opens)
        if taken is None:
            if later is not None:
                heapq.heappush(free, (later, order, aid))
            continue
        if taken.id == call.id:
            return at - now
        waiting.remove(taken)
        busy = handle_s(state, topo, taken.queue) + topo.wrapup_for(taken.queue)
        heapq.heappush(free, (at + busy, order, aid))
    return None


def _free_at(state: State, topo: Topology, aid: str, now: float) -> float | None:
    """When the agent can take another call, if it is on duty at all."""
    agent = state.agents[aid]
    status = agent.status(now)
    if status in (AgentStatus.LOGGED_OUT, AgentStatus.PAUSED, AgentStatus.UNREACHABLE):
        return None
    if status is AgentStatus.AVAILABLE:
        return now
    if status is AgentStatus.WRAPUP:
        return agent.wrapup_until
    talking = state.calls.get(agent.call or agent.offer or "")
    if talking is None:  # busy with a call of its own (or one the engine does not know)
        return now + residual_s(talks(state, ""), topo.handle_time_s, 0.0)
    queue = talking.queue
    answered = next(
        (a.answered_at for a in reversed(talking.attempts) if a.agent == aid and a.talking),
        None,
    )
    elapsed = now - answered if answered is not None else 0.0
    rest = residual_s(talks(state, queue), topo.handle_time_s, elapsed)
    return now + rest + topo.wrapup_for(queue)
