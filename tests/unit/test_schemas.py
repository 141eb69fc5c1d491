"""The schema files match the models, and the views and events validate against them."""

from __future__ import annotations

import json

import pytest
from jsonschema import ValidationError

from switchboard.core.effects import CallChanged
from switchboard.mqtt.schemas import main
from switchboard.views import Tally, agent_view, call_events, overview, queue_view, tenant_view
from switchboard.views.models import ConfigReport
from tests.payload_schemas import SCHEMAS, check_payload
from tests.unit.dispatch_fixture import Driver
from tests.unit.test_views import CATALOG, NOW, world
from tests.unit.test_views_tally import catalog


def test_schema_files_are_generated_from_the_models() -> None:
    assert main([str(SCHEMAS), "--check"]) == 0, (
        "run: python -m switchboard.mqtt.schemas docs/schemas"
    )


def test_views_validate_against_their_schemas() -> None:
    state, t = world(), Tally(started_at=NOW)
    payloads = {
        "sb/overview/state": overview(state, t, CATALOG, NOW),
        "sb/tenant/alpha/state": tenant_view(state, t, CATALOG, "alpha", NOW),
        "sb/queue/alpha-main/state": queue_view(state, CATALOG, "alpha-main", NOW),
        "sb/agent/b1/state": agent_view(state, t, CATALOG, "b1", NOW),
    }
    for topic, view in payloads.items():
        check_payload(topic, view.model_dump_json().encode())
    assert check_payload("sb/engine/status", b"offline") == "offline"
    report = ConfigReport(
        generation=2, result="rejected", at=NOW, problems=["x:1: y: z"], restart_needed=["mqtt"]
    )
    check_payload("sb/engine/config", report.model_dump_json().encode())


def test_every_event_validates_and_the_schema_rejects_strangers() -> None:
    d, cat = Driver(), catalog()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "NOANSWER")
    d.deliver(uid, "ANSWER")
    d.hangup(uid)
    changes = [c for c in d.effects if isinstance(c, CallChanged)]
    events = [e for c in changes for e in call_events(c, cat, True)]
    assert {e.event for e in events} >= {"arrived", "queued", "offered", "missed", "ended"}
    for e in events:
        check_payload(f"sb/events/call/{e.tenant}/{e.event}", e.model_dump_json().encode())
    wrong = json.loads(events[0].model_dump_json()) | {"surprise": 1}
    with pytest.raises(ValidationError):
        check_payload("sb/events/call/alpha/arrived", json.dumps(wrong).encode())
    with pytest.raises(ValidationError):
        check_payload("sb/engine/status", b"sleepy")
