"""The store on real databases (a SQLite file and a PostgreSQL server): records at every
milestone, sessions, agent intervals, migration of the first engine's file, and a locked file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from immutables import Map

from switchboard.cli import main
from switchboard.core.records import CallRecord, call_of, record_of
from switchboard.core.state import Attempt, Call, Callback, Transfer
from switchboard.store.store import Store
from tests.conftest import EXAMPLE
from tests.unit.dispatch_fixture import topology


def a_call(**changes: object) -> Call:
    call = Call(
        id="1700.1",
        channel="PJSIP/inbound-00000001",
        tenant="alpha",
        service="main",
        queue="alpha-main",
        tag="ALPHA",
        priority=5,
        skills=("vaxel",),
        target_answer_s=30,
        overflow=(),
        caller_num="+46701234567",
        caller_name="Åsa Öberg",
        arrived_at=10.0,
        did="+46100000000",
        waiting_since=10.5,
        wait_from=10.5,
        refused=Map({"a2": 12.0}),
        timeline=((10.0, "routed:alpha-main"),),
    )
    return replace(call, **changes)  # type: ignore[arg-type]


def test_a_call_is_kept_at_each_milestone_and_read_back_whole(store_url: str) -> None:
    topo = topology()
    store = Store(url=store_url)
    waiting = a_call()
    store.put_call(record_of(waiting, topo))
    assert store.flush()
    [live] = store.open_calls()
    assert live.outcome is None
    assert call_of(live, topo).refused == Map({"a2": 12.0})
    talk = Attempt("a1", 20.0, delivery="sent", rang=True, result="answered", answered_at=21.0)
    transfer = Transfer(60.0, "a1", "+46700000001", "blind", "noanswer", 80.0)
    done = a_call(
        attempts=(Attempt("a2", 11.0, rang=True, result="noanswer", ended_at=12.0), talk),
        transfers=(transfer,),
        answered_by="a1",
        answered_at=21.0,
        outcome="answered",
        ended_at=95.0,
        timeline=((10.0, "routed:alpha-main"), (21.0, "answered:a1"), (95.0, "answered")),
    )
    store.put_call(record_of(done, topo))
    store.put_call(record_of(done, topo))  # idempotent
    assert store.flush()
    assert store.open_calls() == []
    [record] = store.records()
    assert record == record_of(done, topo)
    assert (record.answered_by_home, record.caller_name, record.waited_s) == (
        "alpha",
        "Åsa Öberg",
        10.5,
    )
    assert store.calls_today(since=0.0) == (("a1", 1),)
    assert store.close()


def test_a_callback_waiting_without_a_channel_survives_a_restart(store_url: str) -> None:
    topo = topology()
    store = Store(url=store_url)
    callback = Callback("+46701111111", 30.0, 10.0, 3, 300, 3630.0, attempts=1, not_before=400.0,
                        last="noanswer")  # fmt: skip
    waiting = a_call(callback=callback, timeline=((30.0, "callback_requested"),))
    store.put_call(record_of(waiting, topo))
    assert store.flush()
    [live] = store.open_calls()
    assert live.callback == callback
    assert call_of(live, topo).callback == callback
    assert store.close()


def test_sessions_and_agent_intervals_survive_reopen(store_url: str) -> None:
    store = Store(url=store_url)
    store.save_session("asa", True, None, 1.0)
    store.save_session("bengt", True, "lunch", 2.0)
    store.save_session("asa", True, "meeting", 3.0)
    store.agent_state("asa", "available", None, 1.0)
    store.agent_state("asa", "paused", "meeting", 3.0)
    assert store.close()
    again = Store(url=store_url)
    assert again.load_sessions() == (("asa", True, "meeting"), ("bengt", True, "lunch"))
    intervals = [(i["status"], i["started_at"], i["ended_at"]) for i in again.intervals("asa")]
    assert intervals == [("available", 1.0, 3.0), ("paused", 3.0, None)]
    again.close_intervals(9.0)
    assert again.intervals("asa")[-1]["ended_at"] == 9.0
    assert again.close()


FIRST_SCHEMA = """
CREATE TABLE agent_sessions (agent TEXT PRIMARY KEY, logged_in INTEGER NOT NULL, paused TEXT,
    updated_at REAL NOT NULL);
CREATE TABLE calls (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, service TEXT NOT NULL,
    queue TEXT NOT NULL, caller_num TEXT NOT NULL, arrived_at REAL NOT NULL, waiting_since REAL,
    answered_at REAL, ended_at REAL, outcome TEXT NOT NULL, agent TEXT, timeline TEXT NOT NULL);
CREATE INDEX calls_by_tenant_time ON calls (tenant, arrived_at);
INSERT INTO agent_sessions VALUES ('asa', 1, 'lunch', 5.0);
INSERT INTO calls VALUES ('1.1', 'vetlanda', 'switchboard', 'vetlanda-switchboard', '+4670',
    10.0, 11.0, 20.0, 80.0, 'answered', 'asa', '[[10.0, "routed:vetlanda-switchboard"]]');
"""


def test_a_database_from_the_first_engine_is_migrated_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # written exactly as the first engine wrote it
        db.executescript(FIRST_SCHEMA)
    store = Store(path)
    assert store.version == "0005"
    assert store.load_sessions() == (("asa", True, "lunch"),)
    [record] = store.records()
    assert (record.id, record.outcome, record.answered_by, record.queued_at) == (
        "1.1",
        "answered",
        "asa",
        11.0,
    )
    assert record.timeline == ((10.0, "routed:vetlanda-switchboard"),)
    store.put_call(replace(record, outcome=None, ended_at=None, id="1.2"))
    assert store.flush()
    assert [r.id for r in store.open_calls()] == ["1.2"]
    assert store.close()
    assert Store(path).version == "0005"  # opening again changes nothing


def test_a_database_from_the_first_engine_is_reported_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(FIRST_SCHEMA)
    day = ["--from", "1970-01-01", "--to", "1970-01-01", "--format", "json"]
    assert main(["report", "-c", str(EXAMPLE), "--store", str(path), *day]) == 0
    fig = json.loads(capsys.readouterr().out)["figures"]
    [vetlanda] = [t for t in fig["tenants"] if t["tenant"] == "vetlanda"]
    assert (vetlanda["offered"], vetlanda["answered"], vetlanda["asa_s"]) == (1, 1, 9.0)
    assert vetlanda["aht_s"] == 60.0  # the one offer the first engine's row implies
    [cell] = fig["matrix"]["cells"]  # asa's home from today's configuration
    assert (cell["tenant"], cell["home"], cell["calls"], cell["minutes"]) == (
        "vetlanda",
        "vetlanda",
        1,
        1.0,
    )
    [asa] = fig["operators"]
    assert (asa["agent"], asa["calls"], asa["talk_s"]) == ("asa", 1, 60.0)


HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def test_a_locked_database_delays_records_and_never_the_caller(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    path = tmp_path / "sb.db"
    store = Store(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), "3"], stdout=subprocess.PIPE, text=True
    )
    request.addfinalizer(
        lambda: (holder.kill(), holder.wait(), holder.stdout and holder.stdout.close())
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"
    topo = topology()
    records = [record_of(a_call(id=f"1700.{i}"), topo) for i in range(200)]
    started = time.monotonic()
    for record in records:
        store.put_call(record)
    assert time.monotonic() - started < 0.05  # queued: the event loop never waits
    deadline = time.monotonic() + 10
    while store.health.writable and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not store.health.writable
    assert store.health.pending == 200
    assert "locked" in (store.health.last_error or "")
    holder.wait(10)
    assert store.flush(15)
    assert store.health.writable
    assert len(store.open_calls()) == 200
    assert store.health.failures >= 1
    assert store.close()


def test_records_keep_an_open_call_answered_after_close(tmp_path: Path) -> None:
    store = Store(tmp_path / "sb.db")
    record = record_of(a_call(), topology())
    assert isinstance(record, CallRecord)
    store.put_call(record)
    assert store.close()  # close writes what is queued
    assert [r.id for r in Store(tmp_path / "sb.db").open_calls()] == ["1700.1"]


@pytest.mark.parametrize("url", ["postgresql://nobody@127.0.0.1:1/none"])
def test_an_unreachable_server_is_a_clear_error(url: str) -> None:
    with pytest.raises(Exception, match=r"127\.0\.0\.1"):
        Store(url=url)


def test_the_migrations_build_exactly_the_schema_the_code_declares(store_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from switchboard.store.schema import metadata

    store = Store(url=store_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert store.close()
    assert diffs == []
