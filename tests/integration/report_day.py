"""A hand-computed day of calls, driven through the routing core and written through the store.

The day is Sunday 25 October 2026: clocks go back in Stockholm (alpha) and London (beta), so
each tenant's local day has 25 hours and they start an hour apart. The calls cover an answer
across midnight, a short and a long abandon, both 02:30s of the repeated hour, a miss, an
overflow to the partner, a transfer with a recall, a callback, a voicemail, a closed call and
partner help the other way. `EXPECTED` holds what a supervisor computes by hand from `run`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import AgentChanged, CallChanged
from switchboard.core.records import record_of
from switchboard.core.topology import Topology
from switchboard.store.store import Store
from tests.unit.dispatch_fixture import Driver

STOCKHOLM, LONDON = ZoneInfo("Europe/Stockholm"), ZoneInfo("Europe/London")
DAY = "2026-10-25"

WORLD = """\
dispatch: {offer_timeout_s: 30, misses_before_pause: 3, wrapup_s: 10, sticky_agent_s: 0}
reports: {short_abandon_s: 5, price_per_minute: 2.0, partner_prices: {beta: 3.0}, currency: SEK}
tenants:
  alpha:
    name: Alpha
    tag: ALPHA
    numbers: ["+46100000000"]
    timezone: Europe/Stockholm
    hours: {mon-sun: "00:00-24:00"}
    services:
      main: {skills: [vaxel], target_answer_s: 30}
    overflow:
      - {after_s: 30, partners: [beta]}
      - {after_s: 120, offer: callback}
  beta:
    name: Beta
    tag: BETA
    numbers: ["+44200000000"]
    timezone: Europe/London
    hours: {mon-sun: "00:00-24:00"}
    services:
      main: {skills: [vaxel], target_answer_s: 20}
    overflow:
      - {after_s: 45, partners: [alpha]}
agents:
  a1: {device: PJSIP/1001, home: alpha, skills: {vaxel: 3}}
  b1: {device: PJSIP/1004, home: beta, skills: {vaxel: 2}}
"""


def at(text: str, fold: int = 0, zone: ZoneInfo = STOCKHOLM) -> float:
    """A local wall-clock time as a timestamp (fold 1: the second pass of a repeated hour)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).timestamp()


def topology() -> Topology:
    """The day's two tenants and two operators."""
    config = parse_config(WORLD, "world.yaml", {})
    return compile_topology(config, compile_routing(config))


class Day(Driver):
    """The driver with wall-clock steps."""

    def to(self, when: float) -> None:
        """Let time pass until `when` (a tick, as the engine's timer would)."""
        assert when >= self.now, (when, self.now)
        self.now = when
        self.send(cmd.Tick())

    def answered(self, uid: str, ring: float, talk: float) -> None:
        """The offered operator answers after `ring` s; the caller hangs up after `talk` s."""
        self.wait(ring)
        self.deliver(uid, "ANSWER")
        self.wait(talk)
        self.hangup(uid)

    def pause(self, agent: str, reason: str = "") -> None:
        """The operator pauses (or, with no reason, returns)."""
        self.send(cmd.AgentCommand(agent, "pause" if reason else "unpause", reason))


def run() -> Day:
    """Drive the day through the core (see EXPECTED for what happens, call by call)."""
    d = Day(topo=topology(), now=at("2026-10-24T23:50"))
    d.login("a1")
    d.to(at("2026-10-24T23:58"))
    d.answered(d.call(), 0, 300)  # c0: the day before, talking across midnight
    d.to(at(f"{DAY}T00:20"))
    d.answered(d.call(), 5, 120)  # c1
    d.to(at(f"{DAY}T00:30"))
    early = d.call("beta-main", "+44700000001")  # 23:30 in London the day before
    d.wait(10)
    d.hangup(early)
    d.to(at(f"{DAY}T00:50"))
    d.pause("a1", "meeting")
    d.to(at(f"{DAY}T01:00"))
    c2 = d.call()
    d.wait(3)
    d.hangup(c2)  # short abandon
    d.to(at(f"{DAY}T01:10"))
    c3 = d.call()
    d.wait(30)  # the partner step opens: nobody of beta is logged in
    d.wait(10)
    d.hangup(c3)
    d.to(at(f"{DAY}T02:00"))
    d.pause("a1")
    d.to(at(f"{DAY}T02:30"))
    d.answered(d.call(), 10, 60)  # c4, 02:30 summer time
    d.to(at(f"{DAY}T02:30", fold=1))
    c5 = d.call()  # c5, 02:30 winter time: a miss, then answered by the same operator
    d.wait(15)
    d.deliver(c5, "NOANSWER")
    assert d.offered_to(c5) == "a1"
    d.answered(c5, 5, 100)
    d.to(at(f"{DAY}T08:00"))
    d.login("b1")
    d.to(at(f"{DAY}T08:55"))
    d.pause("a1", "coffee")
    d.to(at(f"{DAY}T09:00"))
    c6 = d.call()
    d.wait(30)  # the partner step: b1 of beta is offered the call
    assert d.offered_to(c6) == "b1"
    d.answered(c6, 5, 200)
    d.to(at(f"{DAY}T09:30"))
    d.send(cmd.AgentCommand("b1", "logout"))
    d.pause("a1")
    d.to(at(f"{DAY}T10:00"))
    c7 = d.call()  # answered, transferred, the transfer fails, recalled to a1
    d.wait(2)
    d.deliver(c7, "ANSWER")
    d.wait(60)
    d.send(ev.CallTransferred("blind", "Success", "PJSIP/1001-00000009", c7, "+46700000000"))
    d.send(ev.ChannelHungUp("PJSIP/1001-00000009", f"leg-{c7}", c7, 16))
    d.wait(20)
    d.send(cmd.TransferReported(c7, "NOANSWER", "PJSIP/1001", "+46700000000"))
    call = d.state.calls[c7]
    d.send(ev.CallerJoined(call.queue, call.channel, c7, c7, call.caller_num, "x", 1))
    assert d.last_offer().recall
    d.answered(c7, 3, 30)
    d.to(at(f"{DAY}T10:30"))
    d.pause("a1", "lunch")
    d.to(at(f"{DAY}T11:00"))
    c8 = d.call()
    d.wait(120)  # the callback step
    d.send(cmd.CallbackOffered(c8))
    d.wait(10)
    d.send(cmd.CallFinished(c8, "callback"))
    d.to(at(f"{DAY}T11:10"))
    c9 = d.call()
    d.wait(60)
    d.send(cmd.CallFinished(c9, "voicemail"))
    d.to(at(f"{DAY}T11:30"))
    d.pause("a1")
    d.to(at(f"{DAY}T12:00"))
    c11 = d.call("beta-main", "+44700000002")  # beta's caller; a1 helps after 45 s
    d.wait(45)
    assert d.offered_to(c11) == "a1"
    d.answered(c11, 5, 120)
    d.to(at(f"{DAY}T20:00"))
    d.send(
        cmd.CallTurnedAway(
            "1700000000.99", "PJSIP/inbound-99", "alpha", "main", "closed", "forced", "+4670", ""
        )
    )
    d.to(at(f"{DAY}T23:59"))
    d.answered(d.call(), 4, 180)  # c12: talks into the next day
    d.to(at("2026-10-26T00:30"))  # 23:30 in London: still beta's day
    late = d.call("beta-main", "+44700000003")
    d.wait(10)
    d.hangup(late)
    d.to(at("2026-10-26T00:40"))
    d.call()  # still waiting when the report runs: left out
    d.wait(1)
    return d


def write(d: Day, store: Store) -> None:
    """Write the day as the engine's effects do: a record per milestone, an interval per change."""
    for e in d.effects:
        if isinstance(e, CallChanged):
            store.put_call(record_of(e.call, d.topo))
        elif isinstance(e, AgentChanged):
            store.agent_state(e.agent.id, e.status.value, e.agent.paused, e.at)
    assert store.flush(10)
