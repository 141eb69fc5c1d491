"""Additive tallies of calls and the per tenant and service figures computed from them.

A tally is what both ways of reporting produce: `tally_of` counts call records in Python, the
store's queries count rows in SQL; `service_from` turns either into the same figures.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from switchboard.core.records import CallRecord
from switchboard.reports.settings import Settings

CLOSED = frozenset({"closed", "voicemail", "forward"})  # turned away at routing, not rejected
# a callback message left, or a callback that kept the place (called back or not)
CALLBACKS = frozenset({"callback", "called_back", "callback_failed", "callback_expired"})


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts and sums over a group of ended calls (add two to merge their groups)."""

    offered: int = 0  # calls that reached a queue
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    counted: int = 0  # the calls service level counts: offered less short abandons
    in_target: int = 0  # answered within the target
    wait_s: float = 0.0  # summed waits of queued calls
    waits: int = 0
    answer_wait_s: float = 0.0  # summed waits of answered calls
    answer_waits: int = 0
    talk_s: float = 0.0  # summed talk of the answered calls' answered attempts
    overflowed: int = 0  # answered by an operator whose home is another tenant
    callbacks: int = 0
    voicemails: int = 0
    closed: int = 0  # turned away at routing: closed, voicemail, forward
    rejected: int = 0  # unknown number or blocked caller

    def __add__(self, other: Tally) -> Tally:
        return Tally(*map(operator.add, _values(self), _values(other)))

    @property
    def level(self) -> float | None:
        """Answered within target / calls counted (None when none counts)."""
        return self.in_target / self.counted if self.counted else None

    @property
    def wait_avg_s(self) -> float | None:
        """Average wait of queued calls."""
        return self.wait_s / self.waits if self.waits else None


_values = operator.attrgetter(*(f.name for f in dataclasses.fields(Tally)))


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One tenant's service (or, with `service` None, the whole tenant) over the period."""

    tenant: str
    service: str | None
    offered: int  # calls that reached a queue
    answered: int
    abandoned: int
    short_abandoned: int
    answered_in_target: int
    service_level: float | None  # answered in target / (offered - short abandons)
    wait_avg_s: float | None
    wait_p90_s: float | None
    asa_s: float | None  # average wait of answered calls
    aht_s: float | None  # average talk per answered call (answered attempts' talk)
    overflowed: int  # answered by an operator whose home is another tenant
    callbacks: int  # left a callback message, or asked to be called back keeping the place
    voicemails: int
    closed: int  # turned away at routing: closed, voicemail, forward
    rejected: int  # unknown number or blocked caller


def service_from(tenant: str, service: str | None, t: Tally, p90: float | None) -> ServiceFigures:
    """The figures of a tally (the 90th percentile wait is not additive: it comes apart)."""
    return ServiceFigures(
        tenant=tenant,
        service=service,
        offered=t.offered,
        answered=t.answered,
        abandoned=t.abandoned,
        short_abandoned=t.short_abandoned,
        answered_in_target=t.in_target,
        service_level=t.level,
        wait_avg_s=t.wait_avg_s,
        wait_p90_s=p90,
        asa_s=t.answer_wait_s / t.answer_waits if t.answer_waits else None,
        aht_s=t.talk_s / t.answered if t.answered else None,
        overflowed=t.overflowed,
        callbacks=t.callbacks,
        voicemails=t.voicemails,
        closed=t.closed,
        rejected=t.rejected,
    )


def tally_of(records: Iterable[CallRecord], cfg: Settings) -> Tally:
    """Count ended records (the SQL in `queries` counts the same things the same way)."""
    n = dict.fromkeys((f.name for f in dataclasses.fields(Tally)), 0)
    sums = {"wait_s": 0.0, "answer_wait_s": 0.0, "talk_s": 0.0}
    for r in records:
        if not r.queue:
            n["rejected"] += r.outcome == "reject"
            n["closed"] += r.outcome in CLOSED
            continue
        n["offered"] += 1
        waited = r.waited_s
        if waited is not None:
            sums["wait_s"] += waited
            n["waits"] += 1
        answered = r.answered_at is not None
        short = not answered and r.outcome == "abandoned" and (waited or 0.0) < cfg.short_abandon_s
        n["counted"] += not short
        if answered:
            n["answered"] += 1
            sums["talk_s"] += talk_s(r)
            if waited is not None:
                sums["answer_wait_s"] += waited
                n["answer_waits"] += 1
            target = cfg.answer_within_s.get(r.tenant, r.target_answer_s)
            n["in_target"] += (waited or 0.0) <= target
            n["overflowed"] += home_of(r, cfg.homes) not in (None, r.tenant)
        elif r.outcome == "abandoned":
            n["abandoned"] += 1
            n["short_abandoned"] += short
        n["callbacks"] += r.outcome in CALLBACKS
        n["voicemails"] += r.outcome == "voicemail"
    return dataclasses.replace(
        Tally(**n),
        wait_s=sums["wait_s"],
        answer_wait_s=sums["answer_wait_s"],
        talk_s=sums["talk_s"],
    )


def waits_of(records: Iterable[CallRecord]) -> list[float]:
    """The sorted waits of queued records (for the percentile)."""
    return sorted(w for r in records if r.queue and (w := r.waited_s) is not None)


def talk_s(record: CallRecord) -> float:
    """Seconds of conversation over the call's answered attempts."""
    return sum(
        a.ended_at - a.answered_at
        for a in record.attempts
        if a.answered_at is not None and a.ended_at is not None
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values` (None when empty)."""
    if not values:
        return None
    return values[max(0, math.ceil(q * len(values)) - 1)]


def home_of(record: CallRecord, homes: Mapping[str, str]) -> str | None:
    """The answering operator's home: as recorded, else from the configuration."""
    if record.answered_by_home is not None:
        return record.answered_by_home
    return homes.get(record.answered_by or "")
