"""Random draws that depend only on the scenario and the seed, never on the configuration.

Common random numbers: each arrival stream has its own generator per day, and each caller
its own generator seeded from that stream, so two configurations run on the same seed meet
exactly the same callers (arrival times, patience, talk times, whether they take a callback).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from switchboard.config.hours import parse_week
from switchboard.whatif.scenario import Dist, Scenario, Stream


@dataclass(frozen=True, slots=True)
class Caller:
    """One simulated caller: who they call, when, and how they behave (all drawn up front)."""

    id: str
    stream: int
    tenant: str
    service: str | None
    number: str  # the caller's own number
    at: float
    patience_s: float  # math.inf: never hangs up while waiting
    handle_s: float
    wrapup_s: float | None  # None: the configured wrap-up
    accepts_callback: bool
    seed: int  # for the draws of each offer (answer or not, ring time)


def sample(dist: Dist, rng: random.Random) -> float:
    """One value (seconds, never negative) from `dist`."""
    if dist.fixed is not None:
        return dist.fixed
    if dist.exponential is not None:
        return rng.expovariate(1.0 / dist.exponential.mean)
    assert dist.lognormal is not None
    mean, sd = dist.lognormal.mean, dist.lognormal.sd
    sigma2 = math.log(1 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def callers(
    scenario: Scenario, zones: dict[str, ZoneInfo], start: date, days: int
) -> Iterator[Caller]:
    """Every caller of the period in arrival order (streams merged)."""
    per_day: list[Caller] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        per_day.clear()
        for index, stream in enumerate(scenario.arrivals):
            per_day.extend(_stream_day(scenario, index, stream, zones[stream.tenant], day))
        per_day.sort(key=lambda c: (c.at, c.id))
        yield from per_day


def offer_draws(caller: Caller, offers: int) -> random.Random:
    """The generator of a caller's `offers`-th offer (independent of every other offer)."""
    return random.Random(caller.seed * 1_000_003 + offers)


def _stream_day(
    scenario: Scenario, index: int, stream: Stream, zone: ZoneInfo, day: date
) -> Iterator[Caller]:
    if not parse_week({stream.days: "00:00-24:00"}).days[day.weekday()]:
        return
    rng = random.Random(f"{scenario.seed}/{index}/{stream.tenant}/{day.isoformat()}")
    steps = sorted((minute_of(k), v) for k, v in stream.per_hour.items())
    ends = [m for m, _ in steps[1:]] + [1440]
    n = 0
    for (begin, rate), end in zip(steps, ends, strict=True):
        if rate <= 0:
            continue
        t = begin * 60.0
        while True:
            t += rng.expovariate(rate / 3600.0)
            if t >= end * 60:
                break
            local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(seconds=t)
            n += 1
            yield _caller(scenario, stream, index, f"{index}-{day.isoformat()}-{n}", local, rng)


def _caller(
    scenario: Scenario,
    stream: Stream,
    index: int,
    cid: str,
    local: datetime,
    stream_rng: random.Random,
) -> Caller:
    seed = stream_rng.getrandbits(63)
    rng = random.Random(seed)
    patience = stream.patience if stream.patience is not None else scenario.patience
    handle = sample(stream.handle or scenario.handle, rng)
    wait = math.inf if patience == "none" else sample(patience, rng)
    wrapup = None if scenario.wrapup == "config" else sample(scenario.wrapup, rng)
    return Caller(
        id=cid,
        stream=index,
        tenant=stream.tenant,
        service=stream.service,
        number=f"+4670{seed % 10_000_000:07d}",
        at=local.timestamp(),
        patience_s=wait,
        handle_s=handle,
        wrapup_s=wrapup,
        accepts_callback=rng.random() < scenario.callback_accept,
        seed=seed,
    )


def minute_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)
