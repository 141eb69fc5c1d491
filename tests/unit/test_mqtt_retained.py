"""Coalescing of retained state: changed views only, at most once per interval, all after a reconnect."""

from __future__ import annotations

from switchboard.mqtt.broker import Subject, Topics
from switchboard.mqtt.retained import Retained

TENANT: Subject = ("tenant", "alpha")
AGENT: Subject = ("agent", "a1")


def test_a_topic_waits_out_its_interval_and_unchanged_views_are_skipped() -> None:
    r = Retained(interval_s=0.5)
    r.mark([TENANT, AGENT])
    ready, later = r.due(10.0)
    assert (ready, later) == ([AGENT, TENANT], None)
    for subject in ready:
        r.take(subject)
    r.mark([TENANT])  # changed again while its view was on its way: stays dirty
    r.published(TENANT, '{"waiting":1}', 10.0)
    r.published(AGENT, '{"status":"available"}', 10.0)
    assert r.dirty == {TENANT}
    r.mark([AGENT])
    assert r.due(10.2) == ([], 10.5)
    ready, _ = r.due(10.5)
    assert ready == [AGENT, TENANT]
    assert r.unchanged(TENANT, '{"waiting":1}')
    assert not r.unchanged(AGENT, '{"status":"paused"}')


def test_a_reconnect_republishes_everything_held_and_cleared_topics_are_forgotten() -> None:
    r = Retained(interval_s=0.5)
    r.published(TENANT, "t", 1.0)
    r.published(AGENT, "a", 1.0)
    r.forget()
    assert r.due(1.1) == ([AGENT, TENANT], None)
    assert not r.unchanged(TENANT, "t")  # the broker may hold nothing now
    r.published(AGENT, None, 2.0)
    assert AGENT not in r.held


def test_topic_tree() -> None:
    t = Topics("sb/site1")
    assert t.status == "sb/site1/engine/status"
    assert t.state(("overview", "")) == "sb/site1/overview/state"
    assert t.state(("queue", "vetlanda-switchboard")) == "sb/site1/queue/vetlanda-switchboard/state"
    assert t.call_event("vetlanda", "answered") == "sb/site1/events/call/vetlanda/answered"
