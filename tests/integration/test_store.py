"""The SQLite store on a real database file: sessions survive a reopen, records are complete."""

from __future__ import annotations

from pathlib import Path

from switchboard.core.state import Call
from switchboard.store.sqlite import Store


def test_sessions_survive_reopen(tmp_path: Path) -> None:
    db = tmp_path / "sb.db"
    store = Store(db)
    store.save_session("asa", True, None, 1.0)
    store.save_session("bengt", True, "lunch", 2.0)
    store.save_session("asa", True, "meeting", 3.0)
    store.close()
    again = Store(db)
    assert again.load_sessions() == (("asa", True, "meeting"), ("bengt", True, "lunch"))
    again.close()


def test_call_record_keeps_timeline_and_utf8(tmp_path: Path) -> None:
    store = Store(tmp_path / "sb.db")
    call = Call(
        id="1700.1",
        channel="PJSIP/inbound-1",
        tenant="vetlanda",
        service="switchboard",
        queue="vetlanda-switchboard",
        tag="VETLANDA",
        priority=0,
        skills=("vaxel",),
        target_answer_s=30,
        overflow=(),
        caller_num="+46701234567",
        caller_name="Åsa Öberg",
        arrived_at=10.0,
        waiting_since=10.5,
        agent="asa",
        answered_at=20.0,
        outcome="answered",
        ended_at=80.0,
        timeline=((10.0, "routed:vetlanda-switchboard"), (20.0, "answered:asa")),
    )
    store.record_call(call)
    store.record_call(call)
    [row] = store.calls()
    assert row["outcome"] == "answered"
    assert row["agent"] == "asa"
    assert row["timeline"] == '[[10.0, "routed:vetlanda-switchboard"], [20.0, "answered:asa"]]'
    store.close()
