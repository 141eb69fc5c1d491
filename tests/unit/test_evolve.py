"""The core's fast replace(): the same copies as dataclasses.replace, the same refusal."""

from __future__ import annotations

import dataclasses

import pytest

from switchboard.core.evolve import replace
from switchboard.core.state import Agent, Call


def test_copies_like_dataclasses_replace() -> None:
    agent = Agent("a1", logged_in=True, paused="lunch", calls_today=3)
    assert replace(agent, paused=None) == dataclasses.replace(agent, paused=None)
    assert replace(agent) == agent
    assert replace(agent) is not agent
    assert agent.paused == "lunch"  # the original is untouched
    call = Call("1.1", "PJSIP/x", "t", "s", "q", "T", 0, (), 30, (), "+46", "n", 1.0)
    assert replace(call, priority=5, agent="a1") == dataclasses.replace(
        call, priority=5, agent="a1"
    )


def test_an_unknown_field_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="no field"):
        replace(Agent("a1"), nickname="x")


def test_each_set_of_changes_copies_right_whatever_came_before() -> None:
    agent = Agent("a1", logged_in=True, paused="lunch", calls_today=3)
    for changes in (
        {"paused": None},
        {"calls_today": 4, "paused": "x"},
        {"paused": "x", "calls_today": 4},
    ):
        assert replace(agent, **changes) == dataclasses.replace(agent, **changes)
    replace(agent, misses=1)
    with pytest.raises(TypeError, match="nickname"):
        replace(agent, misses=2, nickname="x")  # a known field first is no way around it
