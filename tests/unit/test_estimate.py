"""The wait estimator on hand-computed states, and when requeue says position and wait."""

from __future__ import annotations

from dataclasses import replace

import pytest
from immutables import Map

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core.estimate import estimate, residual_s, spoken_minutes
from switchboard.core.requeue import next_step
from switchboard.core.topology import Topology
from tests.unit.dispatch_fixture import Driver

WORLD = """
dispatch: {offer_timeout_s: 15, wrapup_s: 10, handle_time_s: 180}
tenants:
  north:
    name: North
    tag: NORTH
    numbers: ["+46100000000"]
    hours: {mon-sun: "00:00-24:00"}
    services: {main: {skills: [vaxel]}}
    overflow: [{after_s: 30, partners: [south]}]
  south:
    name: South
    tag: SOUTH
    numbers: ["+46200000000"]
    hours: {mon-sun: "00:00-24:00"}
    services: {main: {skills: [vaxel]}}
agents:
  n1: {device: PJSIP/1001, home: north, skills: {vaxel: 3}}
  n2: {device: PJSIP/1002, home: north, skills: {vaxel: 3}}
  s1: {device: PJSIP/1003, home: south, skills: {vaxel: 3}}
"""


def topo() -> Topology:
    config = parse_config(WORLD, "world.yaml", {})
    return compile_topology(config, compile_routing(config))


def driver(talks: tuple[float, ...] = (100.0, 120.0, 140.0)) -> Driver:
    d = Driver(topo=topo())
    d.state = replace(d.state, handled=Map({"north-main": talks}))
    return d


def talking(d: Driver, agent: str, for_s: float) -> str:
    """`agent` answers a new north call and has talked `for_s` seconds by now."""
    d.login(agent)
    uid = d.call("north-main")
    assert d.offered_to(uid) == agent
    d.deliver(uid, "ANSWER")
    call = d.state.calls[uid]
    last = replace(call.attempts[-1], answered_at=d.now - for_s)
    earlier = replace(call, attempts=(*call.attempts[:-1], last))
    d.state = replace(d.state, calls=d.state.calls.set(uid, earlier))
    return uid


def test_two_busy_operators_and_two_callers_ahead() -> None:
    d = driver()
    talking(d, "n1", 100)  # rest: mean of (120-100, 140-100) = 30, +10 wrap-up: free at +40
    talking(d, "n2", 60)  # rest: mean of (40, 60, 80) = 60, +10: free at +70
    d.call("north-main")
    d.call("north-main")
    mine = d.call("north-main")
    call = d.state.calls[mine]
    guess = estimate(d.state, d.topo, call, d.now)
    # n1 takes `first` at +40 (busy 120 + 10 until +170), n2 `second` at +70, n1 ours at +170
    assert guess.ahead == 2
    assert guess.position == 3
    assert guess.wait_s == pytest.approx(170)
    assert spoken_minutes(170) == 3


def test_first_in_line_waits_for_the_wrap_up_to_end() -> None:
    d = driver()
    uid = talking(d, "n1", 0)
    d.send(cmd.DeliveryReported(uid, "PJSIP/1001", "ANSWER"))
    d.hangup(uid)  # n1 wraps up for 10 s
    mine = d.call("north-main")
    guess = estimate(d.state, d.topo, d.state.calls[mine], d.now)
    assert (guess.position, guess.wait_s) == (1, pytest.approx(10))


def test_a_partner_operator_counts_from_the_overflow_step() -> None:
    d = driver()
    d.login("s1")  # free, but north callers reach south's operators only after 30 s
    mine = d.call("north-main")
    d.wait(12)
    guess = estimate(d.state, d.topo, d.state.calls[mine], d.now)
    assert (guess.position, guess.wait_s) == (1, pytest.approx(18))


def test_a_caller_ahead_counts_when_one_of_my_operators_may_take_it() -> None:
    d = driver()
    d.call("south-main", prio=5)  # ranked first
    mine = d.call("north-main")
    guess = estimate(d.state, d.topo, d.state.calls[mine], d.now)
    # south's operator s1 may take north callers after 30 s: south's caller competes for s1
    assert guess.ahead == 1
    assert guess.wait_s is None  # nobody on duty: no wait is said


def test_a_caller_ahead_that_my_operators_cannot_take_does_not_count() -> None:
    config = parse_config(
        WORLD.replace("    overflow: [{after_s: 30, partners: [south]}]\n", ""), "w.yaml", {}
    )
    d = Driver(topo=compile_topology(config, compile_routing(config)))
    d.call("south-main", prio=5)
    mine = d.call("north-main")
    d.login("s1")  # busy with the south caller now
    guess = estimate(d.state, d.topo, d.state.calls[mine], d.now)
    assert guess.ahead == 0
    assert guess.position == 1  # "you are next" is true: nobody ahead may take n1 or n2
    assert guess.wait_s is None


@pytest.mark.parametrize(
    ("wait", "minutes"),
    [(0, 0), (44, 0), (45, 1), (89, 1), (90, 2), (149, 2), (150, 3), (600, 10)],
)
def test_spoken_minutes_round_to_the_nearest_with_less_than_one(wait: float, minutes: int) -> None:
    assert spoken_minutes(wait) == minutes


@pytest.mark.parametrize(
    ("samples", "elapsed", "rest"),
    [
        ((100.0, 120.0, 140.0), 0, 120),
        ((100.0, 120.0, 140.0), 130, 10),
        ((100.0, 120.0, 140.0), 150, 60),  # outlasted every recent talk: half a talk
        ((), 30, 150),  # nothing measured: the configured 180 s
        ((), 200, 90),
    ],
)
def test_residual_talk(samples: tuple[float, ...], elapsed: float, rest: float) -> None:
    assert residual_s(samples, 180, elapsed) == pytest.approx(rest)


def test_requeue_says_position_and_wait_every_interval() -> None:
    d = driver()
    mine = d.call("north-main")
    call = d.state.calls[mine]
    start = d.now
    early = next_step(call, start + 30, 30, 60)
    assert (early.action, early.wait_s, early.announce) == ("queue", 30, False)
    due = next_step(call, start + 60, 30, 60)
    assert (due.action, due.wait_s, due.announce) == ("queue", 30, True)
    d.now = start + 60
    d.send(cmd.SliceEnded(mine, 1, 2))
    said = d.state.calls[mine]
    assert said.announced_at == start + 60
    assert said.between_slices
    assert said.dispatchable  # a Redirect reaches the caller during the announcement
    assert "announced:1:2" in [w for _, w in said.timeline]
    after = next_step(said, start + 90, 30, 60)
    assert (after.wait_s, after.announce) == (30, False)
    short = next_step(call, start + 10, 30, 20)
    assert (short.wait_s, short.announce) == (10, False)  # the slice ends when it is due


def test_talk_times_are_measured_when_the_operator_leaves() -> None:
    d = driver(talks=())
    d.login("n1")
    uid = d.call("north-main")
    d.deliver(uid, "ANSWER")
    d.wait(75)
    d.hangup(uid)
    assert d.state.handled["north-main"] == (75.0,)
