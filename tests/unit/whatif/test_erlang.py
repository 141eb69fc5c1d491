"""The simulator against queueing theory: Erlang C without abandonment, Erlang A with it.

One queue, Poisson arrivals, exponential talk, c operators, no wrap-up, instant answers and no
misses: the M/M/c (Erlang C) and M/M/c+M (Erlang A, Palm) models. The theory is computed here
from first principles; the simulated figure must fall in its 99% confidence interval.

The interval is regenerative: the number of callers in the system is the whole Markov state, so
the arrivals that find exactly c - 1 callers there cut the run into independent, identically
distributed cycles, and the ratio estimator over cycles gets an honest interval even near
saturation, where the queue remembers its past for ~rho / (1 - sqrt(rho))^2 calls (batch means
over short batches would be too narrow). Runs start empty; the part before the first cycle is
dropped. The seed is fixed, so each run is reproducible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import pytest

from switchboard.core.records import CallRecord
from tests.unit.whatif.world import one_queue, poisson_scenario, queued, run

Z_99 = 2.576


def erlang_c(c: int, load: float) -> float:
    """Probability an arrival waits in M/M/c (via the Erlang B recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = load * b / (k + load * b)
    return c * b / (c - load * (1 - b))


def erlang_a(c: int, lam: float, mu: float, theta: float) -> tuple[float, float]:
    """(P(wait), P(abandon)) of M/M/c+M from its birth-death chain, truncated far out."""
    weights = [1.0]
    for n in range(1, 2000):
        death = mu * min(n, c) + theta * max(0, n - c)
        weights.append(weights[-1] * lam / death)
        if weights[-1] < 1e-300:
            break
    total = sum(weights)
    pi = [w / total for w in weights]
    waits = sum(pi[c:])
    queue = sum((n - c) * p for n, p in enumerate(pi) if n > c)
    return waits, theta * queue / lam  # abandonment rate theta * E[Q] over the arrival rate


def in_system_at_arrival(records: Sequence[CallRecord]) -> list[int]:
    """For each record (in arrival order), the callers already in the system when it arrived."""
    moments = sorted(
        [(r.arrived_at, 1, i) for i, r in enumerate(records)]
        + [(r.ended_at or math.inf, -1, i) for i, r in enumerate(records)]
    )
    seen: list[int] = [0] * len(records)
    count = 0
    for _, delta, i in moments:
        if delta > 0:
            seen[i] = count
        count += delta
    return seen


def regenerative_interval(
    records: Sequence[CallRecord], measure: Callable[[CallRecord], float], state: int
) -> tuple[float, float, int]:
    """(estimate, half width of the 99% interval, cycles) of the mean of `measure` per call."""
    seen = in_system_at_arrival(records)
    cuts = [i for i, n in enumerate(seen) if n == state]
    ys, ns = [], []
    for a, b in itertools.pairwise(cuts):
        ys.append(sum(measure(r) for r in records[a:b]))
        ns.append(b - a)
    k = len(ys)
    ratio = sum(ys) / sum(ns)
    spread = math.sqrt(sum((y - ratio * n) ** 2 for y, n in zip(ys, ns, strict=True)) / (k - 1))
    return ratio, Z_99 * spread / (sum(ns) / k) / math.sqrt(k), k


def delayed(r: CallRecord) -> float:
    """1 when the caller was not answered the moment it arrived."""
    return 0.0 if r.answered_at is not None and (r.waited_s or 0.0) < 1e-9 else 1.0


# (operators, occupancy, calls) for light load, 85% and 95%.
LEVELS = [(4, 0.5, 2200), (8, 0.85, 5000), (8, 0.95, 7000)]
HANDLE_S = 20.0


@pytest.mark.parametrize(("c", "rho", "calls"), LEVELS)
def test_erlang_c_probability_of_waiting_and_service_level(c: int, rho: float, calls: int) -> None:
    lam = rho * c / HANDLE_S  # per second
    hours = max(1, round(calls / (lam * 3600)))
    records = queued(run(one_queue(c), poisson_scenario(lam * 3600, hours, HANDLE_S, None)))
    assert all(r.answered_at is not None for r in records)
    wait_p = erlang_c(c, lam * HANDLE_S)
    mean, half, cycles = regenerative_interval(records, delayed, c - 1)
    assert abs(mean - wait_p) <= half, (mean, half, cycles, wait_p)
    t = 10.0
    level = 1 - wait_p * math.exp(-(c / HANDLE_S - lam) * t)
    mean, half, cycles = regenerative_interval(
        records, lambda r: 1.0 if (r.waited_s or 0.0) <= t else 0.0, c - 1
    )
    assert abs(mean - level) <= half, (mean, half, cycles, level)


@pytest.mark.parametrize(("c", "rho", "calls"), [(4, 0.5, 2200), (8, 0.95, 3300)])
def test_erlang_a_waiting_and_abandonment(c: int, rho: float, calls: int) -> None:
    patience = 30.0
    lam = rho * c / HANDLE_S
    hours = max(1, round(calls / (lam * 3600)))
    records = queued(run(one_queue(c), poisson_scenario(lam * 3600, hours, HANDLE_S, patience)))
    wait_p, abandon_p = erlang_a(c, lam, 1 / HANDLE_S, 1 / patience)
    mean, half, cycles = regenerative_interval(records, delayed, c - 1)
    assert abs(mean - wait_p) <= half, (mean, half, cycles, wait_p)
    mean, half, cycles = regenerative_interval(
        records, lambda r: 1.0 if r.outcome == "abandoned" else 0.0, c - 1
    )
    assert abs(mean - abandon_p) <= half, (mean, half, cycles, abandon_p)


def test_the_theory_itself() -> None:
    """Textbook values: Erlang C for 10 agents at 8 Erlangs; Erlang A tends to C as patience grows."""
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=1e-4)
    wait_a, abandon_a = erlang_a(10, 8.0, 1.0, 1e-9)
    assert wait_a == pytest.approx(erlang_c(10, 8.0), abs=1e-4)
    assert abandon_a == pytest.approx(0.0, abs=1e-6)
