"""The discrete-event what-if simulation: callers, phones and operators around the pure core.

Everything the engine would hear from Asterisk and the dialplan is fed to the same
`apply`/dispatch core as typed events at virtual times: the route answer (`decide` on the
compiled routing table), the queue join, each offer's ring and answer or no-answer, hang-ups of
both legs, `requeue` at the end of every Queue() slice, operator logins per the staffing, and a
Tick only at the moments the core must notice without an event.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.models import Config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.apply import Event, apply, initial_state
from switchboard.core.effects import AgentChanged, AgentPaused, CallChanged, Effect, Offer
from switchboard.core.records import CallRecord, record_of
from switchboard.core.routing import Action, CallFacts, decide
from switchboard.core.state import AgentStatus, Call, CallPhase
from switchboard.core.topology import Topology
from switchboard.reports.operators import AgentInterval
from switchboard.whatif import callers as caller_side
from switchboard.whatif import phones
from switchboard.whatif.agenda import Agenda, Kind
from switchboard.whatif.callers import LiveCaller, dial_plan, route_command
from switchboard.whatif.draws import Caller, callers, sample
from switchboard.whatif.scenario import Scenario
from switchboard.whatif.staffing import Spans, from_shifts

SLICE_S = 30  # the engine's longest Queue() slice (engine/app.py WAIT_SLICE_S)
DRAIN_S = 4 * 3600.0  # after the last arrival, callers still waiting get this long
EPS = 1e-6  # after a threshold, so that `>`/`>=` comparisons in the core see it passed


@dataclass(frozen=True, slots=True)
class Result:
    """What one run produced: call records, agent state intervals and counters."""

    records: tuple[CallRecord, ...]
    intervals: tuple[AgentInterval, ...]
    start: float
    end: float
    callers: int
    events: int  # core events applied


class Simulation:
    """One run of a scenario against one configuration (build, then `run()` once)."""

    def __init__(
        self, config: Config, scenario: Scenario, start: date, days: int, spans: Spans | None = None
    ) -> None:
        self.scenario = scenario
        self.table = compile_routing(config)
        self.topo = compile_topology(config, self.table)
        self.zones = {tid: t.zone for tid, t in self.table.tenants.items()}
        self.start_day, self.days = start, days
        self.start = min(_midnight(start, z) for z in self.zones.values())
        self.end = max(_midnight(start + timedelta(days=days), z) for z in self.zones.values())
        self.spans = (
            spans
            if spans is not None
            else from_shifts(scenario.staffing, self.topo, self.zones, start, days)
        )
        self.plans = [dial_plan(config, s) for s in scenario.arrivals]
        self.agenda = Agenda()
        self.slice_s = SLICE_S
        self.rng = random.Random(scenario.seed)
        self.now = min([self.start, *(s[0][0] for s in self.spans.values() if s)])
        self.state = initial_state(self.topo, self.now)
        self.live: dict[str, LiveCaller] = {}
        self.leaving: set[str] = set()
        self.records: list[CallRecord] = []
        self.intervals: list[AgentInterval] = []
        self.opened: dict[str, tuple[str, str | None, float]] = {}
        self.wrapup_topos: dict[int, Topology] = {}
        self.wrapups: dict[str, float] = {}  # agent -> when its last wrap-up ends
        self.events = self.count = 0
        self.last_tick = -1.0

    def run(self, progress: Callable[[float], None] | None = None) -> Result:
        """Simulate the period; `progress` gets the virtual seconds done now and then."""
        arrivals = callers(self.scenario, self.zones, self.start_day, self.days)
        self._next_arrival(arrivals)
        for aid, spans in self.spans.items():
            for login, logout in spans:
                self.agenda.push(login, Kind.LOGIN, aid)
                self.agenda.push(logout, Kind.LOGOUT, aid)
        reported = self.now
        while len(self.agenda):
            at, kind, payload = self.agenda.pop()
            if at > self.end and (not self.state.calls or at > self.end + DRAIN_S):
                break
            self.now = max(self.now, at)
            if progress is not None and self.now - reported >= 3600:
                progress(min(self.now, self.end) - self.start)
                reported = self.now
            if kind is Kind.ARRIVE:
                assert isinstance(payload, Caller)
                self._arrive(payload)
                self._next_arrival(arrivals)
            else:
                self._handle(kind, payload)
        for uid, call in list(self.state.calls.items()):  # still waiting at the very end
            self.send(ev.ChannelHungUp(call.channel, uid, uid, 16))
        for aid, (status, reason, since) in self.opened.items():
            self.intervals.append(AgentInterval(aid, status, reason, since, self.now))
        return Result(
            tuple(self.records),
            tuple(self.intervals),
            self.start,
            self.end,
            self.count,
            self.events,
        )

    # ---------------------------------------------------------------- callers
    def _next_arrival(self, arrivals: Iterator[Caller]) -> None:
        caller = next(arrivals, None)
        if caller is not None:
            self.agenda.push(caller.at, Kind.ARRIVE, caller)

    def _arrive(self, caller: Caller) -> None:
        self.count += 1
        plan = self.plans[caller.stream]
        facts = CallFacts(plan.dialled, caller.number, digit=plan.digit)
        decision = decide(facts, self.table, datetime.fromtimestamp(self.now, UTC))
        event = route_command(caller, plan, decision)
        self.send(event)
        if decision.action is not Action.QUEUE or decision.queue is None:
            return
        live = LiveCaller(caller, f"SIM/trunk-{caller.id}")
        self.live[caller.id] = live
        self.send(
            ev.CallerJoined(
                decision.queue,
                live.channel,
                caller.id,
                caller.id,
                caller.number,
                "",
                1,
                0,
                plan.dialled,
            )
        )
        if math.isfinite(caller.patience_s):
            self.agenda.push(self.now + caller.patience_s, Kind.PATIENCE, caller.id)
        self.new_slice(live, SLICE_S)

    def new_slice(self, live: LiveCaller, wait_s: int) -> None:
        """The caller (back) in Queue() for one slice, unless an offer already took it out."""
        call = self.state.calls.get(live.caller.id)
        if call is None or call.pending is not None:
            return
        live.slice += 1
        live.wait_s = wait_s
        self.agenda.push(self.now + wait_s, Kind.SLICE, (live.caller.id, live.slice))

    def _handle(self, kind: Kind, payload: object) -> None:
        if kind is Kind.TICK:
            self._tick(payload)
        elif kind is Kind.LOGIN or kind is Kind.LOGOUT or kind is Kind.UNPAUSE:
            self._operator(kind, str(payload))
        else:
            uid, arg = payload if isinstance(payload, tuple) else (payload, None)
            live = self.live.get(str(uid))
            call = self.state.calls.get(str(uid))
            if live is None or call is None:
                return
            if kind is Kind.RING:
                phones.rang_out(self, live, call, arg)
            elif kind is Kind.TALK_END:
                phones.talk_ended(self, live, call)
            elif kind is Kind.PATIENCE:
                caller_side.gave_up(self, live, call)
            elif kind is Kind.SLICE and arg == live.slice:
                caller_side.slice_ended(self, live, call)

    def _tick(self, uid: object) -> None:
        if uid is not None:
            call = self.state.calls.get(str(uid))
            if call is None or call.phase is not CallPhase.WAITING:
                return
        if self.now != self.last_tick:
            self.last_tick = self.now
            self.send(cmd.Tick())

    def _operator(self, kind: Kind, aid: str) -> None:
        agent = self.state.agents[aid]
        if kind is Kind.LOGIN:
            self.leaving.discard(aid)
            if not agent.logged_in:
                self.send(cmd.AgentCommand(aid, "login"))
        elif kind is Kind.LOGOUT:
            if agent.offer is not None or agent.call is not None:
                self.leaving.add(aid)  # finishes the call first
            elif agent.logged_in:
                self.send(cmd.AgentCommand(aid, "logout"))
        elif agent.logged_in and agent.paused == "no-answer":
            self.send(cmd.AgentCommand(aid, "unpause"))

    def release(self, aid: str | None) -> None:
        """A leaving operator whose offer or call is over logs out now."""
        if aid is None or aid not in self.leaving:
            return
        agent = self.state.agents[aid]
        if agent.offer is None:
            self.leaving.discard(aid)
            self.send(cmd.AgentCommand(aid, "logout"))

    # ---------------------------------------------------------------- the core
    def send(self, event: Event, wrapup_s: float | None = None) -> None:
        """Apply `event` now (with the caller's own wrap-up, if the scenario draws one)."""
        self.state, effects = apply(self.state, event, self._topo(wrapup_s), self.now)
        self.events += 1
        offers: list[Offer] = []
        for effect in effects:
            self._effect(effect, offers)
        for offer in offers:
            phones.ring(self, offer)

    def _effect(self, effect: Effect, offers: list[Offer]) -> None:
        match effect:
            case Offer():
                offers.append(effect)
            case CallChanged(call=call, milestone=milestone):
                if effect.ended:
                    self.records.append(record_of(call, self.topo))
                    self.live.pop(call.id, None)
                elif milestone == "queued" and call.wait_from is not None:
                    self._thresholds(call, call.wait_from)
                elif milestone == "missed" and self.topo.retry_after_s > 0:
                    self.agenda.push(self.now + self.topo.retry_after_s + EPS, Kind.TICK, call.id)
            case AgentChanged(agent=agent, status=status, at=at):
                self._interval(agent.id, status, agent.paused, at)
                if status is AgentStatus.WRAPUP:
                    self.wrapups[agent.id] = agent.wrapup_until
                    self.agenda.push(agent.wrapup_until, Kind.TICK, None)
            case AgentPaused(agent=aid):
                delay = sample(self.scenario.unpause_after, self.rng)
                self.agenda.push(self.now + delay, Kind.UNPAUSE, aid)
            case _:
                pass

    def _thresholds(self, call: Call, wait_from: float) -> None:
        """Ticks when an overflow step opens and when the caller passes its answer target."""
        for step in call.overflow:
            if wait_from + step.after_s > self.now:
                self.agenda.push(wait_from + step.after_s + EPS, Kind.TICK, call.id)
        if call.tenant in self.topo.borrowers:  # partner protection may change at the target
            self.agenda.push(wait_from + call.target_answer_s + EPS, Kind.TICK, call.id)

    def _interval(self, aid: str, status: AgentStatus, reason: str | None, at: float) -> None:
        """Close the agent's open interval at `at` and open the next one."""
        before = self.opened.get(aid)
        if before is not None:
            old, old_reason, since = before
            if old == AgentStatus.WRAPUP.value:
                # The core reports no change when wrap-up simply runs out (the status at the
                # tick is already available): split the interval at `wrapup_until` here.
                until = min(self.wrapups.get(aid, at), at)
                if since < until < at:
                    self.intervals.append(AgentInterval(aid, old, old_reason, since, until))
                    old, old_reason, since = AgentStatus.AVAILABLE.value, None, until
            if since < at:
                self.intervals.append(AgentInterval(aid, old, old_reason, since, at))
            elif (old, old_reason) == (status.value, reason):
                return
        self.opened[aid] = (status.value, reason, at)

    def _topo(self, wrapup_s: float | None) -> Topology:
        """The topology, with every queue's wrap-up set to the drawn seconds if there are any."""
        if wrapup_s is None:
            return self.topo
        seconds = round(wrapup_s)
        topo = self.wrapup_topos.get(seconds)
        if topo is None:
            queues = {q: replace(i, wrapup_s=seconds) for q, i in self.topo.queues.items()}
            topo = replace(self.topo, wrapup_s=seconds, queues=queues)
            self.wrapup_topos[seconds] = topo
        return topo


def _midnight(day: date, zone: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
