"""Hand-made call records for the figures tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from switchboard.core.records import CallRecord
from switchboard.core.state import Attempt

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> float:
    """A Stockholm wall-clock time (fold 0) as a timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).timestamp()


def talked(agent: str, answered: float, ended: float) -> Attempt:
    """An answered attempt."""
    return Attempt(
        agent, answered, rang=True, result="answered", answered_at=answered, ended_at=ended
    )


def missed(agent: str, offered: float, result: str = "noanswer", rang: bool = True) -> Attempt:
    """An offer that ended without an answer."""
    return Attempt(agent, offered, rang=rang, result=result, ended_at=offered + 15)


def record(cid: str, arrived: float, **kw: Any) -> CallRecord:
    """A queued call record arriving at `arrived` (queued at once unless told otherwise)."""
    fields: dict[str, Any] = {
        "id": cid,
        "tenant": "vetlanda",
        "service": "switchboard",
        "queue": "vetlanda-switchboard",
        "did": "+4638397000",
        "channel": f"PJSIP/trunk-{cid}",
        "tag": "VETLANDA",
        "caller_num": "+46701111111",
        "caller_name": "",
        "language": "sv",
        "priority": 0,
        "target_answer_s": 30,
        "via": "engine",
        "arrived_at": arrived,
        "queued_at": arrived,
        "wait_from": None,
        "answered_at": None,
        "answered_by": None,
        "answered_by_home": None,
        "agent": None,
        "ended_at": arrived + 60,
        "outcome": "abandoned",
        "overflow_step": 0,
        "callback_offered": False,
        "attempts": (),
        "transfers": (),
        "refused": (),
        "timeline": (),
        "updated_at": arrived,
    }
    fields.update(kw)
    return CallRecord(**fields)


def answered(
    cid: str, arrived: float, wait: float, talk: float, agent: str, home: str, **kw: Any
) -> CallRecord:
    """A call answered by `agent` (home tenant `home`) after `wait` s, talking `talk` s."""
    start = arrived + wait
    attempts = (*kw.pop("before", ()), talked(agent, start, start + talk))
    return record(
        cid,
        arrived,
        answered_at=start,
        answered_by=agent,
        answered_by_home=home,
        ended_at=start + talk,
        outcome="answered",
        attempts=attempts,
        **kw,
    )
