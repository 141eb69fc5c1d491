"""Several operators free in the same event: the matching keeps "highest priority, then longest
wait, across every queue and tenant, each call to its best eligible operator"."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import Offer
from switchboard.core.select import eligible, rank
from switchboard.core.topology import Topology
from tests.unit.dispatch_fixture import Driver

TENANTS = ("t0", "t1", "t2")


def world(agents: list[tuple[str, int, tuple[int, ...]]]) -> Topology:
    """Three one-service tenants; agents as (id, home tenant index, served tenant indexes),
    plus one standby agent per tenant that never logs in (the config wants each one served)."""
    agents = [*agents, *((f"zz{i}", i, ()) for i in range(len(TENANTS)))]
    lines = ["dispatch: {wrapup_s: 0}", "tenants:"]
    for i, tid in enumerate(TENANTS):
        lines += [
            f"  {tid}:",
            f"    name: Tenant {i}",
            f"    tag: T{i}",
            f'    numbers: ["+4610000000{i}"]',
            '    hours: {mon-sun: "00:00-24:00"}',
            "    services: {main: {skills: [vaxel], target_answer_s: 600}}",
        ]
    lines.append("agents:")
    for n, (aid, home, serves) in enumerate(agents):
        also = ", ".join(TENANTS[s] for s in serves if s != home)
        lines.append(
            f"  {aid}: {{device: PJSIP/{1001 + n}, home: {TENANTS[home]}, tenants: [{also}],"
            " skills: {vaxel: 1}}"
        )
    config = parse_config("\n".join(lines), "fair.yaml", {})
    return compile_topology(config, compile_routing(config))


def all_free_at_once(d: Driver) -> list[Offer]:
    """Every agent but the standby ones logged in and idle in one event (a restart restores
    them so)."""
    agents = [a for a in d.topo.agents if not a.startswith("zz")]
    for aid in agents:
        d.send(ev.DeviceStateChanged(d.topo.agents[aid].device, "NOT_INUSE"))
    restored = d.send(cmd.AgentsRestored(tuple((a, True, None) for a in agents)))
    return [e for e in restored if isinstance(e, Offer)]


def test_an_operator_serving_two_tenants_does_not_leave_an_older_caller_waiting() -> None:
    # x (home t2, also serves t1) comes first alphabetically; y (home t1, also serves t0).
    d = Driver(topo=world([("x", 2, (1,)), ("y", 1, (0,))]))
    older = d.call("t0-main")  # only y may take it
    d.now += 10
    newer = d.call("t1-main")  # y (home) is best, x may take it too
    offers = {o.uniqueid: o.agent for o in all_free_at_once(d)}
    assert offers == {older: "y", newer: "x"}


CONFIGS = st.lists(
    st.tuples(st.integers(0, 2), st.sets(st.integers(0, 2), max_size=2)),
    min_size=1,
    max_size=6,
)
CALLS = st.lists(  # (tenant, priority, seconds after the previous arrival)
    st.tuples(st.integers(0, 2), st.integers(0, 3), st.integers(0, 30)), min_size=1, max_size=12
)


@settings(max_examples=300, deadline=None)
@given(agents=CONFIGS, calls=CALLS)
def test_matching_serves_calls_in_rank_order_and_leaves_nobody_idle(
    agents: list[tuple[int, set[int]]], calls: list[tuple[int, int, int]]
) -> None:
    topo = world([(f"ag{n}", home, tuple(sorted(s))) for n, (home, s) in enumerate(agents)])
    d = Driver(topo=topo)
    for tenant, prio, gap in calls:
        d.now += gap
        d.call(f"{TENANTS[tenant]}-main", caller=f"+4670{d.seq:07d}", prio=prio)
    offers = all_free_at_once(d)
    s, now = d.state, d.now
    served = {o.uniqueid: o.agent for o in offers}
    waiting = [c for c in s.calls.values() if c.dispatchable]
    # nobody idles beside a caller they may take
    for aid in s.free:
        for call in waiting:
            assert eligible(s, topo, topo.agents[aid], call, now) is None, (aid, call.id)
    # no caller is passed over for a lower-ranked one the same operator could have taken
    for uid, aid in served.items():
        taken = s.calls[uid]
        for call in waiting:
            if rank(call) < rank(taken):
                assert eligible(s, topo, topo.agents[aid], call, now) is None, (uid, call.id)
