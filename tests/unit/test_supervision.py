"""A supervisor's commands in the pure core: calendar overrides with an expiry, a waiting call's
priority, a withdrawal to voicemail that holds the call back until the shell reports."""

from __future__ import annotations

from datetime import UTC, datetime

from switchboard.config.compile import compile_routing
from switchboard.config.loader import parse_config
from switchboard.core.effects import CallChanged, OverridesChanged, Withdraw
from switchboard.core.overrides import ForceRouting, Override, OverridesRestored, forced
from switchboard.core.routing import Action, CallFacts, decide
from switchboard.core.state import CallPhase
from switchboard.core.supervision import (
    ChangePriority,
    WithdrawCall,
    WithdrawFailed,
    WithdrawSent,
)
from tests.unit.dispatch_fixture import WORLD, Driver

T0 = 1_000_000.0


def test_an_override_closes_the_tenant_until_it_expires_and_a_service_override_wins() -> None:
    d = Driver()
    out = d.send(ForceRouting("alpha", "", "closed", T0 + 600, "lisa", "fire drill"))
    changed = [e for e in out if isinstance(e, OverridesChanged)]
    assert [o.force for o in changed[0].overrides] == ["closed"]
    overrides = d.state.overrides
    assert forced(overrides, "alpha", "main", T0) == "closed"
    assert forced(overrides, "beta", "main", T0) is None
    d.send(ForceRouting("alpha", "legal", "open", T0 + 60, "lisa"))
    assert forced(d.state.overrides, "alpha", "legal", T0) == "open"
    assert forced(d.state.overrides, "alpha", "main", T0) == "closed"
    d.wait(61)  # the service's expires first, then the tenant's
    assert set(d.state.overrides) == {("alpha", "")}
    out = d.wait(600)
    assert not d.state.overrides
    assert any(isinstance(e, OverridesChanged) and not e.overrides for e in out)


def test_clearing_an_override_and_restoring_only_live_ones() -> None:
    d = Driver()
    d.send(ForceRouting("beta", "", "open", T0 + 60, "admin"))
    d.send(ForceRouting("beta", "", None, 0, "admin"))
    assert not d.state.overrides
    assert d.send(ForceRouting("beta", "", None, 0, "admin")) == []  # nothing to clear
    old = Override("alpha", "", "closed", T0 - 1, "x", "", T0 - 100)
    live = Override("beta", "main", "open", T0 + 5, "x", "", T0 - 100)
    d.send(OverridesRestored((old, live)))
    assert list(d.state.overrides) == [("beta", "main")]


def test_decide_sees_the_runtime_override_before_the_configured_calendar() -> None:
    config = parse_config(WORLD.format(selection="longest_idle", sticky=0), "w.yaml", {})
    table = compile_routing(config)
    now = datetime.fromtimestamp(T0, UTC)
    facts = CallFacts(dialled="+46100000000")
    assert decide(facts, table, now).action is Action.QUEUE
    closed = {("alpha", ""): Override("alpha", "", "closed", T0 + 60, "x", "", T0)}
    decision = decide(facts, table, now, closed)
    assert (decision.action, decision.reason) == (Action.CLOSED, "forced_closed")
    expired = {("alpha", ""): Override("alpha", "", "closed", T0, "x", "", T0 - 60)}
    assert decide(facts, table, now, expired).action is Action.QUEUE


def test_priority_of_a_waiting_call_changes_who_is_served_first() -> None:
    d = Driver()
    first, second = d.call(), d.call()
    out = d.send(ChangePriority(second, 50, "lisa"))
    assert [e.milestone for e in out if isinstance(e, CallChanged)] == ["updated"]
    assert d.state.calls[second].priority == 50
    d.login("a1")
    assert d.offered_to(second) == "a1"
    assert d.offered_to(first) is None
    assert d.send(ChangePriority("no-such-call", 1, "lisa")) == []


def test_a_withdrawn_call_is_held_back_then_ends_as_withdrawn() -> None:
    d = Driver()
    uid = d.call()
    out = d.send(WithdrawCall(uid, "100@alpha", "lisa"))
    assert [e for e in out if isinstance(e, Withdraw)] == [
        Withdraw(uid, d.state.calls[uid].channel, "alpha", "100@alpha", "lisa")
    ]
    d.login("a1")  # a free operator does not get the call being withdrawn
    assert d.offered_to(uid) is None
    assert d.send(WithdrawCall(uid, "", "lisa")) == []  # already under way
    d.send(WithdrawSent(uid))
    assert d.ended() == {uid: "withdrawn"}
    assert uid not in d.state.calls


def test_a_failed_withdrawal_gives_the_caller_back_to_the_dispatcher() -> None:
    d = Driver()
    uid = d.call()
    d.send(WithdrawCall(uid, "", "lisa"))
    d.send(WithdrawFailed(uid, "refused", "Channel does not exist"))
    assert not d.state.calls[uid].withdrawing
    d.login("a1")
    assert d.offered_to(uid) == "a1"


def test_a_call_ringing_an_operator_is_not_withdrawn() -> None:
    d = Driver()
    d.login("a1")
    uid = d.call()
    assert d.state.calls[uid].phase is CallPhase.OFFERED
    assert d.send(WithdrawCall(uid, "", "lisa")) == []
    assert d.send(WithdrawSent(uid)) == []
