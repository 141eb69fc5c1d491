"""Property tests: decide never raises and is deterministic for any call facts and instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.config.compile import compile_routing
from switchboard.config.loader import load_config
from switchboard.core.routing import Action, CallFacts, decide
from tests.conftest import EXAMPLE

TABLE = compile_routing(load_config(EXAMPLE))
KNOWN = ["+4638397000", "038136050", "4769170000", "+4638215000", "004638136000"]

numbers = st.one_of(st.sampled_from(KNOWN), st.text(max_size=40))
instants = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2199, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
)
facts = st.builds(
    CallFacts,
    dialled=numbers,
    caller=st.one_of(st.text(max_size=40), st.just("0700000666")),
    caller_name=st.text(max_size=80),
    digit=st.one_of(st.none(), st.text(max_size=2)),
    language=st.one_of(st.none(), st.text(max_size=5)),
    offer_menu=st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(call=facts, now=instants)
def test_decide_never_raises_and_is_deterministic(call: CallFacts, now: datetime) -> None:
    first = decide(call, TABLE, now)
    assert decide(call, TABLE, now) == first
    assert isinstance(first.action, Action)
    if first.action is Action.QUEUE:
        assert first.queue
        assert first.tenant
        assert first.tag
    if first.action is Action.MENU:
        assert call.offer_menu
        assert first.menu is not None
        assert first.queue is None
    if first.tenant is None:
        assert (first.action, first.reason) == (Action.REJECT, "unknown_number")


@settings(max_examples=200, deadline=None)
@given(now=instants)
def test_same_instant_in_any_offset_gives_the_same_decision(now: datetime) -> None:
    call = CallFacts("+4638397000")
    assert decide(call, TABLE, now) == decide(call, TABLE, now.astimezone(UTC))
