"""Table-driven tests of the pure router against the example configuration."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from switchboard.config.compile import compile_routing
from switchboard.config.loader import load_config, parse_config
from switchboard.core.routing import Action, CallFacts, decide
from switchboard.core.rules import RoutingTable
from tests.conftest import EXAMPLE

STHLM = ZoneInfo("Europe/Stockholm")
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return compile_routing(load_config(EXAMPLE))


def at(text: str, zone: ZoneInfo = STHLM) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


# Thursday 2026-11-19 and Friday 2026-11-20 are ordinary working days.
CASES = [
    # number, caller, digit, local time, zone, action, reason, tenant, service
    (
        "+4638397000",
        "",
        None,
        "2026-11-19T10:00",
        STHLM,
        "queue",
        "open",
        "vetlanda",
        "switchboard",
    ),
    ("4638397000", "", None, "2026-11-19T10:00", STHLM, "queue", "open", "vetlanda", "switchboard"),
    ("038397000", "", None, "2026-11-19T10:00", STHLM, "queue", "open", "vetlanda", "switchboard"),
    (
        "004638397000",
        "",
        None,
        "2026-11-19T10:00",
        STHLM,
        "queue",
        "open",
        "vetlanda",
        "switchboard",
    ),
    ("+4638215000", "", None, "2026-11-19T10:00", STHLM, "queue", "open", "savsjo", "switchboard"),
    ("+4638136000", "", None, "2026-11-19T10:00", STHLM, "queue", "open", "eksjo", "switchboard"),
    ("+4769170000", "", None, "2026-11-19T10:00", OSLO, "queue", "open", "halden", "switchboard"),
    # opening edges: one minute before / at / one minute before close / at close
    (
        "+4638397000",
        "",
        None,
        "2026-11-19T07:29",
        STHLM,
        "voicemail",
        "outside_hours",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-19T07:30",
        STHLM,
        "queue",
        "open",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-19T16:29",
        STHLM,
        "queue",
        "open",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-19T16:30",
        STHLM,
        "voicemail",
        "outside_hours",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-20T14:59",
        STHLM,
        "queue",
        "open",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-20T15:00",
        STHLM,
        "voicemail",
        "outside_hours",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-11-21T10:00",
        STHLM,
        "voicemail",
        "outside_hours",
        "vetlanda",
        "switchboard",
    ),
    # closed handling per tenant: voicemail, forward, hangup
    (
        "+4638215000",
        "",
        None,
        "2026-11-19T07:59",
        STHLM,
        "forward",
        "outside_hours",
        "savsjo",
        "switchboard",
    ),
    (
        "+4638136000",
        "",
        None,
        "2026-11-19T16:00",
        STHLM,
        "closed",
        "outside_hours",
        "eksjo",
        "switchboard",
    ),
    # Swedish eves (de_facto) and public holidays
    (
        "+4638397000",
        "",
        None,
        "2026-06-19T10:00",
        STHLM,
        "voicemail",
        "holiday:Midsommarafton",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-12-24T10:00",
        STHLM,
        "voicemail",
        "holiday:Julafton",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-12-31T10:00",
        STHLM,
        "voicemail",
        "holiday:Nyårsafton",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-04-06T10:00",
        STHLM,
        "voicemail",
        "holiday:Annandag påsk",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-04-03T10:00",
        STHLM,
        "voicemail",
        "holiday:Långfredagen",
        "vetlanda",
        "switchboard",
    ),
    # Norway: 17 May, Maundy Thursday, and a yearly special day
    (
        "+4769170000",
        "",
        None,
        "2026-05-17T10:00",
        OSLO,
        "closed",
        "holiday:Grunnlovsdag",
        "halden",
        "switchboard",
    ),
    (
        "+4769170000",
        "",
        None,
        "2026-04-02T10:00",
        OSLO,
        "closed",
        "holiday:Skjærtorsdag",
        "halden",
        "switchboard",
    ),
    (
        "+4769170000",
        "",
        None,
        "2026-12-24T10:00",
        OSLO,
        "closed",
        "special_day",
        "halden",
        "switchboard",
    ),
    (
        "+4769170000",
        "",
        None,
        "2027-12-31T10:00",
        OSLO,
        "closed",
        "special_day",
        "halden",
        "switchboard",
    ),
    # special day with its own hours (2026-12-23 is a Wednesday: normally open to 16:30)
    (
        "+4638397000",
        "",
        None,
        "2026-12-23T07:59",
        STHLM,
        "voicemail",
        "special_day",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-12-23T08:00",
        STHLM,
        "queue",
        "special_day",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-12-23T11:59",
        STHLM,
        "queue",
        "special_day",
        "vetlanda",
        "switchboard",
    ),
    (
        "+4638397000",
        "",
        None,
        "2026-12-23T12:00",
        STHLM,
        "voicemail",
        "special_day",
        "vetlanda",
        "switchboard",
    ),
    # menu digits and the school-transport line with its own hours and closed handling
    ("+4638136000", "", "1", "2026-11-19T10:00", STHLM, "queue", "open", "eksjo", "switchboard"),
    (
        "+4638136000",
        "",
        "2",
        "2026-11-19T08:00",
        STHLM,
        "queue",
        "open",
        "eksjo",
        "school-transport",
    ),
    ("+4638136000", "", "9", "2026-11-19T10:00", STHLM, "queue", "open", "eksjo", "switchboard"),
    (
        "+4638136050",
        "",
        None,
        "2026-11-19T08:59",
        STHLM,
        "queue",
        "open",
        "eksjo",
        "school-transport",
    ),
    (
        "+4638136050",
        "",
        None,
        "2026-11-19T09:00",
        STHLM,
        "voicemail",
        "outside_hours",
        "eksjo",
        "school-transport",
    ),
    (
        "+4638136050",
        "",
        None,
        "2026-11-19T16:15",
        STHLM,
        "queue",
        "open",
        "eksjo",
        "school-transport",
    ),
    # blocked caller, unknown numbers
    (
        "+4638397000",
        "0700000666",
        None,
        "2026-11-19T10:00",
        STHLM,
        "reject",
        "blocked_caller",
        "vetlanda",
        "switchboard",
    ),
    ("+4638397001", "", None, "2026-11-19T10:00", STHLM, "reject", "unknown_number", None, None),
    ("", "", None, "2026-11-19T10:00", STHLM, "reject", "unknown_number", None, None),
]


@pytest.mark.parametrize(
    ("number", "caller", "digit", "local", "zone", "action", "reason", "tenant", "service"), CASES
)
def test_decide_table(
    table: RoutingTable,
    number: str,
    caller: str,
    digit: str | None,
    local: str,
    zone: ZoneInfo,
    action: str,
    reason: str,
    tenant: str | None,
    service: str | None,
) -> None:
    decision = decide(CallFacts(number, caller, digit=digit), table, at(local, zone))
    assert (decision.action.value, decision.reason, decision.tenant, decision.service) == (
        action,
        reason,
        tenant,
        service,
    )


def test_queue_decision_carries_queue_tag_target_and_overflow(table: RoutingTable) -> None:
    d = decide(CallFacts("+4638397000"), table, at("2026-11-19T10:00"))
    assert d.queue == "vetlanda-switchboard"
    assert d.tag == "VETLANDA"
    assert d.tenant_name == "Vetlanda kommun"
    assert d.target_answer_s == 30
    assert d.skills == ("vaxel",)
    assert [s.as_dict() for s in d.overflow] == [
        {"after_s": 30, "partners": ["savsjo"]},
        {"after_s": 180, "offer": "callback"},
        {"after_s": 300, "action": "voicemail"},
    ]


def test_service_overflow_overrides_tenant_and_service_priority_adds(table: RoutingTable) -> None:
    d = decide(CallFacts("+4638136050"), table, at("2026-11-19T08:00"))
    assert d.queue == "eksjo-school-transport"
    assert d.priority == 2
    assert [s.after_s for s in d.overflow] == [60, 240]


@pytest.mark.parametrize(
    ("caller", "priority"),
    [
        ("0701234567", 10),  # listed number, national form
        ("+46701234567", 10),
        ("038397123", 5),  # internal extension prefix
        ("+4638397123", 5),
        ("0701111111", 0),
        ("anonymous", 0),
        ("", 0),
    ],
)
def test_priority_callers(table: RoutingTable, caller: str, priority: int) -> None:
    d = decide(CallFacts("+4638397000", caller), table, at("2026-11-19T10:00"))
    assert d.action is Action.QUEUE
    assert d.priority == priority


def test_closed_decisions_name_announcement_and_target(table: RoutingTable) -> None:
    vm = decide(CallFacts("+4638397000"), table, at("2026-11-19T20:00"))
    assert (vm.announce, vm.target, vm.queue) == ("vetlanda-closed", "100@vetlanda", None)
    fw = decide(CallFacts("+4638215000"), table, at("2026-11-19T20:00"))
    assert (fw.announce, fw.target) == ("savsjo-closed", "+46382150999")
    hang = decide(CallFacts("+4638136000"), table, at("2026-11-19T20:00"))
    assert (hang.announce, hang.target) == ("eksjo-closed", None)


@pytest.mark.parametrize(
    ("utc", "action"),
    [
        # Vetlanda opens 07:30 local. Before the spring change (CET, UTC+1) that is 06:30 UTC,
        # after it (CEST, UTC+2) 05:30 UTC; after the autumn change 06:30 UTC again.
        ("2026-03-27T06:29:00+00:00", "voicemail"),
        ("2026-03-27T06:30:00+00:00", "queue"),
        ("2026-03-30T05:29:00+00:00", "voicemail"),
        ("2026-03-30T05:30:00+00:00", "queue"),
        ("2026-10-23T05:30:00+00:00", "queue"),
        ("2026-10-26T05:30:00+00:00", "voicemail"),
        ("2026-10-26T06:30:00+00:00", "queue"),
    ],
)
def test_opening_follows_daylight_saving(table: RoutingTable, utc: str, action: str) -> None:
    d = decide(CallFacts("+4638397000"), table, datetime.fromisoformat(utc))
    assert d.action.value == action


NIGHT = """
tenants:
  night:
    name: Night line
    tag: NIGHT
    numbers: ["+46111111111"]
    hours: {sun: ["02:00-03:00", "03:00-04:00"]}
    services: {main: {}}
"""


@pytest.mark.parametrize(
    ("utc", "action"),
    [
        # 2026-03-29 (Sunday): 02:00-03:00 local does not exist; 01:00 UTC is 03:00 CEST.
        ("2026-03-29T00:59:00+00:00", "closed"),  # 01:59 CET
        ("2026-03-29T01:00:00+00:00", "queue"),  # 03:00 CEST
        ("2026-03-29T01:59:00+00:00", "queue"),  # 03:59 CEST
        ("2026-03-29T02:00:00+00:00", "closed"),  # 04:00 CEST
        # 2026-10-25 (Sunday): 02:00-03:00 local happens twice.
        ("2026-10-25T00:00:00+00:00", "queue"),  # 02:00 CEST
        ("2026-10-25T01:00:00+00:00", "queue"),  # 02:00 CET, the repeated hour
        ("2026-10-25T03:00:00+00:00", "closed"),  # 04:00 CET
        ("2026-10-24T23:59:00+00:00", "closed"),  # 01:59 CEST
    ],
)
def test_dst_change_days(utc: str, action: str) -> None:
    table = compile_routing(parse_config(NIGHT, "night.yaml", {}))
    d = decide(CallFacts("+46111111111"), table, datetime.fromisoformat(utc))
    assert d.action.value == action


def test_forced_switches_override_the_calendar() -> None:
    closed = NIGHT.replace("services: {main: {}}", "force: closed\n    services: {main: {}}")
    opened = NIGHT.replace("services: {main: {}}", "services: {main: {force: open}}")
    sunday_3am = datetime.fromisoformat("2026-11-22T03:30:00+01:00")
    tuesday = datetime.fromisoformat("2026-11-24T12:00:00+01:00")
    d1 = decide(
        CallFacts("+46111111111"), compile_routing(parse_config(closed, "f", {})), sunday_3am
    )
    d2 = decide(CallFacts("+46111111111"), compile_routing(parse_config(opened, "f", {})), tuesday)
    assert (d1.action.value, d1.reason) == ("closed", "forced_closed")
    assert (d2.action.value, d2.reason) == ("queue", "forced_open")
