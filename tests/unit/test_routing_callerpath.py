"""The router's part of the caller's path: menu, greetings and language (example config)."""

from __future__ import annotations

import pytest

from switchboard.config.compile import compile_routing
from switchboard.config.loader import load_config
from switchboard.core.routing import Action, CallFacts, decide
from switchboard.core.rules import RoutingTable
from tests.conftest import EXAMPLE
from tests.unit.test_routing import at

EKSJO = "+4638136000"
SCHOOL_LINE = "+4638136050"
OPEN = "2026-11-19T10:00"  # Thursday: Eksjö open, school transport closed (06:30-09:00)
MORNING = "2026-11-19T08:00"  # both open
NIGHT = "2026-11-19T20:00"


@pytest.fixture(scope="module")
def table() -> RoutingTable:
    return compile_routing(load_config(EXAMPLE))


def test_first_route_asks_the_menu_with_the_tenant_greeting(table: RoutingTable) -> None:
    d = decide(CallFacts(EKSJO, offer_menu=True), table, at(MORNING))
    assert (d.action, d.reason, d.tenant, d.service, d.queue) == (
        Action.MENU,
        "menu",
        "eksjo",
        None,
        None,
    )
    assert d.menu is not None
    assert (d.menu.prompt, dict(d.menu.digits), d.menu.timeout_s, d.menu.retries) == (
        "eksjo-menu",
        {"1": "switchboard", "2": "school-transport"},
        5,
        1,
    )
    assert (d.greeting, d.language, d.tag) == ("eksjo-greeting", "sv", "EKSJO")


def test_after_the_menu_only_the_chosen_service_greets(table: RoutingTable) -> None:
    school = decide(CallFacts(EKSJO, digit="2", offer_menu=False), table, at(MORNING))
    assert (school.action, school.service, school.queue) == (
        Action.QUEUE,
        "school-transport",
        "eksjo-school-transport",
    )
    assert school.greeting == "eksjo-school-transport"
    for digit in ("1", "9", ""):  # the main service has no greeting of its own
        main = decide(CallFacts(EKSJO, digit=digit), table, at(MORNING))
        assert (main.service, main.greeting) == ("switchboard", None), digit


def test_a_direct_service_line_skips_the_menu_and_greets_as_the_service(
    table: RoutingTable,
) -> None:
    d = decide(CallFacts(SCHOOL_LINE, offer_menu=True), table, at(MORNING))
    assert (d.action, d.service, d.greeting) == (
        Action.QUEUE,
        "school-transport",
        "eksjo-school-transport",
    )


def test_no_menu_while_nothing_it_reaches_is_open(table: RoutingTable) -> None:
    d = decide(CallFacts(EKSJO, offer_menu=True), table, at(NIGHT))
    assert (d.action, d.service, d.announce) == (Action.CLOSED, "switchboard", "eksjo-closed")
    assert d.greeting == "eksjo-greeting"  # greeted, then told it is closed
    # the school line's own hours do not keep the menu alive once everything is closed
    assert decide(CallFacts(EKSJO, offer_menu=True), table, at(OPEN)).action is Action.MENU


def test_tenants_without_a_menu_route_at_once_with_their_greeting(table: RoutingTable) -> None:
    d = decide(CallFacts("+4638397000", offer_menu=True), table, at(OPEN))
    assert (d.action, d.greeting, d.language) == (Action.QUEUE, "vetlanda-greeting", "sv")
    halden = decide(CallFacts("+4769170000", offer_menu=True), table, at(OPEN))
    assert (halden.greeting, halden.language) == ("halden-velkommen", "no")


def test_caller_rule_language_and_blocked_callers_hear_no_greeting(table: RoutingTable) -> None:
    norwegian = decide(CallFacts("+4638397000", "+4790000000"), table, at(OPEN))
    assert norwegian.language == "no"
    assert (
        decide(CallFacts("+4638397000", "+4790000000", language="en"), table, at(OPEN)).language
        == "en"
    )
    blocked = decide(CallFacts("+4638397000", "+46700000666"), table, at(OPEN))
    assert (blocked.action, blocked.greeting) == (Action.REJECT, None)
