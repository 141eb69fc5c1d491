"""Asterisk queue_log lines rebuilt from the engine's call records, for tools that read queue_log.

app_queue's own queue_log calls every call the engine delivered by Redirect an ABANDON (FACTS);
these lines say what happened. Field layouts follow the lines Asterisk 22.10.1 wrote in the
recordings (04, 08a, 11, 12: ENTERQUEUE, ABANDON, EXITWITHTIMEOUT, CONNECT, COMPLETECALLER) and
app_queue.c for RINGNOANSWER (ring time in ms), COMPLETEAGENT and TRANSFER.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Mapping

from switchboard.core.records import CallRecord
from switchboard.core.state import Attempt

ENDED_BY_THE_DIALPLAN = frozenset({"voicemail", "callback", "forward", "hangup", "fallback"})
TRANSFER_CONTEXT = "switchboard-operators"


def queue_log(records: Iterable[CallRecord], names: Mapping[str, str]) -> Iterator[str]:
    """The queue_log of records given in arrival order, in time order across all of them.

    `names` maps an operator id to the member name queue_log shows (default: the id). Memory
    holds only the lines of calls still open at the arrival being read, not the whole period.
    """
    pending: list[tuple[float, int, str]] = []
    order = itertools.count()
    for record in records:
        while pending and pending[0][0] < record.arrived_at:  # later calls start later
            yield heapq.heappop(pending)[2]
        for at, text in _lines(record, names):
            line = f"{int(at)}|{record.id}|{record.queue}|{text}"
            heapq.heappush(pending, (at, next(order), line))
    while pending:
        yield heapq.heappop(pending)[2]


def _lines(r: CallRecord, names: Mapping[str, str]) -> Iterator[tuple[float, str]]:
    if r.queued_at is None or not r.queue:
        return  # closed, rejected or routed away: never in a queue
    yield r.queued_at, f"NONE|ENTERQUEUE||{r.caller_num}|1"
    for a in r.attempts:
        member = names.get(a.agent, a.agent)
        if a.result == "answered" and a.answered_at is not None:
            hold = int(a.answered_at - r.queued_at)
            ring = int(a.answered_at - a.at)
            yield a.answered_at, f"{member}|CONNECT|{hold}|{r.id}|{ring}"
        elif a.rang and a.ended_at is not None:
            yield a.ended_at, f"{member}|RINGNOANSWER|{int((a.ended_at - a.at) * 1000)}"
    if r.ended_at is None or r.outcome is None:
        return
    waited = int((r.answered_at or r.ended_at) - r.queued_at)
    answered = [a for a in r.attempts if a.result == "answered" and a.answered_at is not None]
    if answered:
        yield _completion(r, answered[-1], names, waited)
    elif r.outcome == "withdrawn":  # a supervisor sent the caller to voicemail (07b's field layout)
        yield r.ended_at, f"NONE|WITHDRAW|1|1|{waited}|voicemail"
    elif r.outcome in ENDED_BY_THE_DIALPLAN:
        yield r.ended_at, f"NONE|EXITWITHTIMEOUT|1|1|{waited}"
    else:
        yield r.ended_at, f"NONE|ABANDON|1|1|{waited}"


def _completion(
    r: CallRecord, last: Attempt, names: Mapping[str, str], hold: int
) -> tuple[float, str]:
    """The closing line of the call `last` (its final answered attempt) answered."""
    assert r.ended_at is not None
    assert r.answered_at is not None
    member = names.get(last.agent, last.agent)
    passed = [t for t in r.transfers if t.result == "answered"]
    if passed:
        t = passed[-1]
        talk = int(t.at - r.answered_at)
        return t.at, f"{member}|TRANSFER|{t.target}|{TRANSFER_CONTEXT}|{hold}|{talk}|1"
    talk = int(r.ended_at - r.answered_at)
    who = (
        "COMPLETEAGENT"
        if last.ended_at is not None and last.ended_at < r.ended_at
        else "COMPLETECALLER"
    )
    return r.ended_at, f"{member}|{who}|{hold}|{talk}|1"
