"""Dispatch decision time at scale, indexed vs a naive linear scan, plus memory and apply rate.

Run: python bench/bench_dispatch.py [--agents 10000 --calls 5000 --queues 1000 --tenants 100]
Figures: p50/p99 of (a) agent freed -> call chosen, (b) call arrives -> agent chosen, each with
the engine's indexed pick and a naive scan over every call/agent using the same eligibility
rule; (c) the whole pure transition apply() for both; RSS of the state; AMI events applied per
second (parse + translate + apply) on the recorded 16-load-burst stream.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from switchboard.asterisk.ami import AmiParser, Translator
from switchboard.core import commands as cmd
from switchboard.core.apply import apply, initial_state
from switchboard.core.events import CallerJoined
from switchboard.core.rules import OverflowRule
from switchboard.core.select import eligible, pick_agent, pick_call, policy_key
from switchboard.core.state import Call, State
from switchboard.core.topology import AgentInfo, QueueInfo, Topology
from switchboard.core.updates import put_agent, put_call

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = Path(
    os.environ.get("SWITCHBOARD_RECORDINGS", ROOT.parent / "shared" / "asterisk-recordings")
)
SKILLS = [f"s{i}" for i in range(10)]


def build_topology(agents: int, queues: int, tenants: int) -> Topology:
    rng = random.Random(1)
    tids = [f"t{i:03d}" for i in range(tenants)]
    infos: dict[str, AgentInfo] = {}
    for i in range(agents):
        home = tids[i % tenants]
        others = tuple(rng.sample([t for t in tids if t != home], 2))
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 4)}
        infos[f"a{i:05d}"] = AgentInfo(
            f"a{i:05d}", f"PJSIP/{10000 + i}", home, (home, *others), skills, ("sv",), i
        )
    serving: dict[str, list[str]] = {t: [] for t in tids}
    homes: dict[str, list[str]] = {t: [] for t in tids}
    for aid, info in infos.items():
        homes[info.home].append(aid)
        for t in info.serves:
            serving[t].append(aid)
    qinfo: dict[str, QueueInfo] = {}
    for q in range(queues):
        tenant = tids[q % tenants]
        partner = tids[(q + 1) % tenants]
        qinfo[f"q{q:04d}"] = QueueInfo(
            tenant,
            f"svc{q}",
            tenant.upper(),
            rng.randint(0, 3),
            (rng.choice(SKILLS),),
            30,
            (OverflowRule(30, partners=(partner,)),),
            10,
        )
    borrowers: dict[str, tuple[str, ...]] = {}
    for info in qinfo.values():
        for step in info.overflow:
            for p in step.partners:
                borrowers[p] = tuple(sorted({*borrowers.get(p, ()), info.tenant}))
    return Topology(
        agents=infos,
        by_device={i.device: a for a, i in infos.items()},
        serving={
            t: tuple(sorted(v, key=lambda a, t=t: (infos[a].home != t, a)))
            for t, v in serving.items()
        },
        home_agents={t: tuple(v) for t, v in homes.items()},
        borrowers=borrowers,
        queues=qinfo,
        selection="longest_idle",
        offer_timeout_s=15,
        misses_before_pause=2,
        wrapup_s=10,
        sticky_agent_s=0,
    )


def build_state(topo: Topology, calls: int, free: int, now: float) -> State:
    """Every agent logged in and on a private call except `free`; `calls` callers waiting."""
    rng = random.Random(2)
    state = initial_state(topo, now)
    ids = list(topo.agents)
    free_ids = set(rng.sample(ids, free))
    for aid in ids:
        agent = replace(
            state.agents[aid],
            logged_in=True,
            device="NOT_INUSE" if aid in free_ids else "INUSE",
            idle_since=now - rng.uniform(0, 3600),
        )
        state = put_agent(state, agent, now, [])
    queues = list(topo.queues.items())
    effects: list[object] = []
    for i in range(calls):
        name, q = queues[i % len(queues)]
        call = Call(
            id=f"c{i}",
            channel=f"PJSIP/inbound-{i:08x}",
            tenant=q.tenant,
            service=q.service,
            queue=name,
            tag=q.tag,
            priority=q.priority,
            skills=q.skills,
            target_answer_s=q.target_answer_s,
            overflow=q.overflow,
            caller_num=f"+4670{i:07d}",
            caller_name="x",
            arrived_at=now - 60,
            waiting_since=(since := now - rng.uniform(0, 20)),
            wait_from=since,
            in_queue=True,
        )
        state = put_call(state, call, now, effects)  # type: ignore[arg-type]
    return state


def naive_pick_call(state: State, topo: Topology, agent_id: str, now: float) -> Call | None:
    info = topo.agents[agent_id]
    best = None
    for call in state.calls.values():
        if call.dispatchable and eligible(state, topo, info, call, now) is not None:
            key = (-call.priority, call.waiting_since or 0.0, call.arrived_at, call.id)
            if best is None or key < best[0]:
                best = (key, call)
    return None if best is None else best[1]


def naive_pick_agent(state: State, topo: Topology, call: Call, now: float) -> str | None:
    best = None
    for aid, agent in state.agents.items():
        if agent.status(now).value != "available":
            continue
        info = topo.agents[aid]
        level = eligible(state, topo, info, call, now)
        if level is None:
            continue
        key = (level, 1, 0, *policy_key(state, topo, info, call))
        if best is None or key < best[0]:
            best = (key, aid)
    return None if best is None else best[1]


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e6)
    return out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def row(name: str, ours: list[float], base: list[float] | None) -> None:
    ratio = f"{pct(base, 50) / pct(ours, 50):8.1f}x" if base else ""
    b = f"{pct(base, 50):10.1f} {pct(base, 99):10.1f}" if base else " " * 21
    print(f"{name:42s} {pct(ours, 50):10.1f} {pct(ours, 99):10.1f}   {b} {ratio}")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--calls", type=int, default=5_000)
    ap.add_argument("--queues", type=int, default=1_000)
    ap.add_argument("--tenants", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=300)
    a = ap.parse_args()
    now = 1_800_000_000.0
    before = rss_mb()
    topo = build_topology(a.agents, a.queues, a.tenants)
    busy = build_state(topo, a.calls, 0, now)  # no free agent, 5000 waiting
    held = rss_mb()
    print(
        f"state: {a.agents} agents, {a.calls} waiting calls, {a.queues} queues, {a.tenants} tenants"
    )
    print(
        f"RSS: {before:.0f} MB before, {held:.0f} MB holding topology + state (+{held - before:.0f} MB)\n"
    )
    print(
        f"{'decision (microseconds)':42s} {'p50':>10s} {'p99':>10s}   {'naive p50':>10s} {'naive p99':>10s}  speed-up"
    )

    rng = random.Random(3)
    ids = list(topo.agents)
    agents = [rng.choice(ids) for _ in range(a.rounds)]
    it = iter(agents * 2)
    ours = timed(lambda: pick_call(busy, topo, next(it), now), a.rounds)
    it = iter(agents * 2)
    naive = timed(lambda: naive_pick_call(busy, topo, next(it), now), min(a.rounds, 100))
    row("agent freed -> call chosen", ours, naive)
    for aid in agents[:50]:
        mine, theirs = pick_call(busy, topo, aid, now), naive_pick_call(busy, topo, aid, now)
        assert (mine and mine.id) == (theirs and theirs.id), "indexed and naive picks differ"

    idle = build_state(topo, 0, a.agents // 5, now)  # 2000 free agents, nobody waiting
    qs = list(topo.queues.items())
    probe = []
    for i in range(a.rounds):
        name, q = qs[rng.randrange(len(qs))]
        probe.append(
            Call(
                id=f"n{i}",
                channel="PJSIP/inbound-x",
                tenant=q.tenant,
                service=q.service,
                queue=name,
                tag=q.tag,
                priority=0,
                skills=q.skills,
                target_answer_s=30,
                overflow=q.overflow,
                caller_num="+4670",
                caller_name="x",
                arrived_at=now,
                waiting_since=now,
                in_queue=True,
            )
        )
    it2 = iter(probe * 2)
    ours = timed(lambda: pick_agent(idle, topo, next(it2), now), a.rounds)
    it2 = iter(probe * 2)
    naive = timed(lambda: naive_pick_agent(idle, topo, next(it2), now), min(a.rounds, 100))
    row("call arrives -> agent chosen", ours, naive)
    for call in probe[:50]:
        assert pick_agent(idle, topo, call, now) == naive_pick_agent(idle, topo, call, now)

    # Whole transitions: an agent unpauses among 5000 waiting; a call arrives among 2000 free.
    paused = put_agent(
        busy, replace(busy.agents[agents[0]], device="NOT_INUSE", paused="x"), now, []
    )
    ours = timed(lambda: apply(paused, cmd.AgentCommand(agents[0], "unpause"), topo, now), a.rounds)
    row("apply(unpause) + dispatch, 5000 waiting", ours, None)
    it3 = iter(probe * 2)

    def arrive() -> None:
        c = next(it3)
        q = topo.queues[c.queue]
        routed = cmd.CallRouted(
            c.id,
            c.channel,
            c.tenant,
            c.service,
            c.queue,
            c.tag,
            0,
            c.skills,
            30,
            q.overflow,
            "+4670",
            "x",
        )
        s, _ = apply(idle, routed, topo, now)
        apply(s, CallerJoined(c.queue, c.channel, c.id, c.id, "+4670", "x", 1), topo, now)

    ours = timed(arrive, a.rounds)
    row("apply(route + join) + dispatch, 2000 free", ours, None)
    print()
    ami_apply_rate()


def ami_apply_rate() -> None:
    """Recorded AMI bytes -> parser -> translator -> apply, events per second."""
    raw = (RECORDINGS / "16-load-burst" / "ami.rx").read_bytes()
    topo = Topology(
        agents={"a1": AgentInfo("a1", "PJSIP/1001", "vetlanda", ("vetlanda",), {}, ("sv",), 0)},
        by_device={"PJSIP/1001": "a1"},
        serving={"vetlanda": ("a1",)},
        home_agents={"vetlanda": ("a1",)},
        borrowers={},
        queues={"vetlanda": QueueInfo("vetlanda", "switchboard", "VETLANDA", 0, (), 30, (), 10)},
        selection="longest_idle",
        offer_timeout_s=15,
        misses_before_pause=2,
        wrapup_s=10,
        sticky_agent_s=0,
    )
    copies = 100
    parser, translator = AmiParser(), Translator()
    t = time.perf_counter()
    messages = applied = 0
    for _ in range(copies):
        state = initial_state(topo, 0.0)
        for chunk in (raw[i : i + 4096] for i in range(0, len(raw), 4096)):
            for msg in parser.feed(chunk):
                messages += 1
                event = translator.translate(msg)
                if event is not None:
                    state, _ = apply(state, event, topo, 1.0)
                    applied += 1
        parser = AmiParser()
    took = time.perf_counter() - t
    print(
        f"AMI parse + translate + apply: {messages / took:,.0f} messages/s "
        f"({applied / took:,.0f} typed events applied/s; {messages} messages, {took:.2f} s)"
    )


if __name__ == "__main__":
    main()
