"""queue_log lines from call records, in the layouts Asterisk 22.10.1 writes (recordings 04, 08a,
11, 12) and in time order across calls."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core.state import Transfer
from switchboard.reports.queue_log import queue_log
from tests.unit.reports.records import answered, at, missed, record

NAMES = {"asa": "Åsa Öberg", "bengt": "Bengt Lind"}


def test_an_answered_call_after_a_miss() -> None:
    t = at("2026-12-01T10:00:00")
    call = answered("1.1", t, 20, 90, "asa", "vetlanda", before=(missed("bengt", t + 2),))
    assert list(queue_log([call], NAMES)) == [
        f"{int(t)}|1.1|vetlanda-switchboard|NONE|ENTERQUEUE||+46701111111|1",
        f"{int(t) + 17}|1.1|vetlanda-switchboard|Bengt Lind|RINGNOANSWER|15000",
        f"{int(t) + 20}|1.1|vetlanda-switchboard|Åsa Öberg|CONNECT|20|1.1|0",
        f"{int(t) + 110}|1.1|vetlanda-switchboard|Åsa Öberg|COMPLETECALLER|20|90|1",
    ]


def test_abandoned_timed_out_closed_and_transferred_calls() -> None:
    t = at("2026-12-01T11:00:00")
    gone = record("2.1", t, ended_at=t + 42, outcome="abandoned")
    voicemail = record("2.2", t + 1, ended_at=t + 301, outcome="voicemail")
    closed = record("2.3", t + 2, queued_at=None, queue="", ended_at=t + 2, outcome="closed")
    passed = answered(
        "2.4", t + 3, 5, 60, "asa", "vetlanda",
        transfers=(Transfer(t + 30, "asa", "+46700000001", "blind", "answered"),),
    )  # fmt: skip
    lines = list(queue_log([gone, voicemail, closed, passed], NAMES))
    assert [line.split("|", 2)[1] for line in lines if "ENTERQUEUE" in line] == [
        "2.1",
        "2.2",
        "2.4",
    ]
    assert f"{int(t) + 42}|2.1|vetlanda-switchboard|NONE|ABANDON|1|1|42" in lines
    assert f"{int(t) + 301}|2.2|vetlanda-switchboard|NONE|EXITWITHTIMEOUT|1|1|300" in lines
    assert (
        f"{int(t) + 30}|2.4|vetlanda-switchboard|Åsa Öberg|TRANSFER|+46700000001|"
        "switchboard-operators|5|22|1"
    ) in lines
    assert not any("|2.3|" in line for line in lines)
    times = [int(line.split("|")[0]) for line in lines]
    assert times == sorted(times)  # one log, in time order across calls


def test_who_hung_up_first_names_the_completion() -> None:
    t = at("2026-12-01T12:00:00")
    caller_first = answered("3.1", t, 10, 30, "asa", "vetlanda")  # talk and call end together
    agent_first = replace(caller_first, id="3.2", ended_at=t + 41)  # the caller a second later
    ends = [line.split("|")[4] for line in queue_log([caller_first, agent_first], NAMES)][-2:]
    assert ends == ["COMPLETECALLER", "COMPLETEAGENT"]
