"""Views on hand-built states: tenant panels, queues, agents, calls and the overview."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from immutables import Map

from switchboard.core.state import Agent, AgentStatus, Attempt, Call, CallPhase, State
from switchboard.views import (
    AgentView,
    Catalog,
    Tally,
    TenantView,
    agent_view,
    connected_calls,
    overview,
    queue_view,
    tenant_view,
    waiting_calls,
)
from switchboard.views.catalog import AgentEntry, QueueEntry, TenantEntry

NOW = 1_781_000_000.0  # 2026-06-09 10:13:20 UTC
ZONE = ZoneInfo("Europe/Stockholm")

CATALOG = Catalog(
    tenants={
        "alpha": TenantEntry(
            "alpha",
            "Alpha kommun",
            "ALPHA",
            ZONE,
            "sv",
            ("alpha-main",),
            ("a1", "a2"),
            ("a1", "a2", "b1"),
        ),
        "beta": TenantEntry(
            "beta", "Beta kommun", "BETA", ZONE, "sv", ("beta-main",), ("b1", "b2"), ("b1", "b2")
        ),
    },
    agents={
        "a1": AgentEntry("a1", "Åsa", "alpha", ("alpha",)),
        "a2": AgentEntry("a2", None, "alpha", ("alpha",)),
        "b1": AgentEntry("b1", "Bo", "beta", ("beta", "alpha")),
        "b2": AgentEntry("b2", None, "beta", ("beta",)),
    },
    queues={
        "alpha-main": QueueEntry("alpha-main", "alpha", "main", 30),
        "beta-main": QueueEntry("beta-main", "beta", "main", 20),
    },
)


def call(cid: str, tenant: str = "alpha", **kw: object) -> Call:
    base = Call(
        id=cid,
        channel=f"PJSIP/trunk-{cid}",
        tenant=tenant,
        service="main",
        queue=f"{tenant}-main",
        tag=tenant.upper(),
        priority=0,
        skills=("vaxel",),
        target_answer_s=30,
        overflow=(),
        caller_num="+46701234567",
        caller_name="Åsa Öberg",
        arrived_at=NOW - 100,
        did="+4610000000",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def world() -> State:
    agents = {
        "a1": Agent("a1", logged_in=True, device="INUSE", call="c3", calls_today=4),
        "a2": Agent("a2", logged_in=True, device="NOT_INUSE", paused="lunch"),
        "b1": Agent("b1", logged_in=True, device="RINGING", offer="c2", offer_at=NOW - 2),
        "b2": Agent("b2", logged_in=False),
    }
    calls = {
        "c1": call("c1", in_queue=True, waiting_since=NOW - 50, wait_from=NOW - 50),
        "c2": call(
            "c2",
            priority=5,
            waiting_since=NOW - 20,
            wait_from=NOW - 20,
            attempts=(Attempt("b1", NOW - 2),),
        ),
        "c3": call(
            "c3",
            waiting_since=NOW - 90,
            answered_at=NOW - 60,
            answered_by="a1",
            agent="a1",
            attempts=(Attempt("a1", NOW - 61, result="answered"),),
        ),
        "c4": call("c4", "beta", in_queue=True, waiting_since=NOW - 5, wait_from=NOW - 5),
    }
    return State(agents=Map(agents), calls=Map(calls))


def test_tenant_panel_counts_waiting_ringing_and_connected_callers() -> None:
    view = tenant_view(world(), Tally(started_at=NOW - 3600), CATALOG, "alpha", NOW)
    assert (view.name, view.tag) == ("Alpha kommun", "ALPHA")
    assert view.waiting == 2  # c1 queued, c2 ringing b1
    assert view.connected == 1
    assert view.oldest_waiting_since == NOW - 50
    assert view.longest_wait_s == 50.0
    assert view.agents_home.on_call == 1
    assert view.agents_home.paused == 1
    assert view.agents_home.ringing == 0
    assert view.agents_serving.ringing == 1  # b1 serves alpha too
    assert sum(view.agents_serving.model_dump().values()) == 3
    assert view.today.date == "2026-06-09"
    assert view.today.offered == 0
    assert view.today.service_level is None


def test_queue_view_and_an_empty_tenant() -> None:
    state = world()
    queue = queue_view(state, CATALOG, "beta-main", NOW)
    assert (queue.tenant, queue.service, queue.waiting, queue.longest_wait_s) == (
        "beta",
        "main",
        1,
        5.0,
    )
    empty = tenant_view(State(agents=state.agents), Tally(started_at=NOW), CATALOG, "beta", NOW)
    assert (empty.waiting, empty.oldest_waiting_since, empty.longest_wait_s) == (0, None, 0.0)


def test_agent_view_shows_status_reason_time_and_the_calls_tenant() -> None:
    state = world()
    since = Tally(started_at=NOW - 3600, since=Map({"a2": (AgentStatus.PAUSED, NOW - 300)}))
    a1 = agent_view(state, since, CATALOG, "a1", NOW)
    assert (a1.status, a1.call_id, a1.call_tenant, a1.calls_today) == ("on_call", "c3", "alpha", 4)
    assert a1.time_in_status_s == 3600.0  # unknown change: counted from the tally's start
    a2 = agent_view(state, since, CATALOG, "a2", NOW)
    assert (a2.status, a2.paused_reason, a2.time_in_status_s) == ("paused", "lunch", 300.0)
    b1 = agent_view(state, since, CATALOG, "b1", NOW)
    assert (b1.status, b1.call_id, b1.call_tenant, b1.serves) == (
        "ringing",
        "c2",
        "alpha",
        ["beta", "alpha"],
    )
    assert agent_view(state, since, CATALOG, "b2", NOW).status is AgentStatus.LOGGED_OUT


def test_waiting_calls_in_dispatch_order_and_connected_calls() -> None:
    state = world()
    assert [c.id for c in waiting_calls(state, NOW)] == ["c2", "c1", "c4"]
    assert [c.id for c in waiting_calls(state, NOW, "beta")] == ["c4"]
    [talking] = connected_calls(state, NOW)
    assert (talking.id, talking.phase, talking.agent, talking.wait_s) == (
        "c3",
        CallPhase.CONNECTED,
        "a1",
        0.0,
    )


def test_overview_totals() -> None:
    view = overview(world(), Tally(started_at=NOW), CATALOG, NOW)
    assert view.tenants == ["alpha", "beta"]
    assert (view.waiting, view.connected, view.longest_wait_s) == (3, 1, 50.0)
    assert view.agents.model_dump() == {
        **dict.fromkeys(AgentStatus, 0),
        "on_call": 1,
        "paused": 1,
        "ringing": 1,
        "logged_out": 1,
    }


def test_stable_json_ignores_what_moves_with_the_clock_alone() -> None:
    state, tally = world(), Tally(started_at=NOW)
    assert (
        tenant_view(state, tally, CATALOG, "alpha", NOW).stable_json()
        == tenant_view(state, tally, CATALOG, "alpha", NOW + 7).stable_json()
    )
    assert (
        agent_view(state, tally, CATALOG, "a1", NOW).stable_json()
        == agent_view(state, tally, CATALOG, "a1", NOW + 7).stable_json()
    )
    moved = state.agents["a1"]
    other = State(agents=state.agents.set("a1", Agent("a1", logged_in=True)), calls=state.calls)
    assert moved != other.agents["a1"]
    assert (
        agent_view(state, tally, CATALOG, "a1", NOW).stable_json()
        != agent_view(other, tally, CATALOG, "a1", NOW).stable_json()
    )


def test_views_serialise_to_json_and_back() -> None:
    state, tally = world(), Tally(started_at=NOW)
    tenant = tenant_view(state, tally, CATALOG, "alpha", NOW)
    assert TenantView.model_validate_json(tenant.model_dump_json()) == tenant
    agent = agent_view(state, tally, CATALOG, "a2", NOW)
    assert AgentView.model_validate_json(agent.model_dump_json()) == agent
