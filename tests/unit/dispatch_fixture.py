"""A small two-tenant world and a driver that applies events at a fake time."""

from __future__ import annotations

from dataclasses import dataclass, field

from switchboard.config.compile import compile_routing, compile_topology
from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.apply import Event, apply, initial_state
from switchboard.core.effects import CallChanged, Effect, Offer
from switchboard.core.state import State
from switchboard.core.topology import Topology

WORLD = """
selection: {selection}
dispatch: {{offer_timeout_s: 15, misses_before_pause: 2, wrapup_s: 10, sticky_agent_s: {sticky}}}
tenants:
  alpha:
    name: Alpha
    tag: ALPHA
    numbers: ["+46100000000"]
    hours: {{mon-sun: "00:00-24:00"}}
    menu: alpha-menu
    services:
      main: {{skills: [vaxel], target_answer_s: 30}}
      legal: {{menu_digit: "2", skills: [juridik], target_answer_s: 60, priority: 3, wrapup_s: 40}}
    overflow:
      - {{after_s: 30, partners: [beta]}}
  beta:
    name: Beta
    tag: BETA
    numbers: ["+46200000000"]
    hours: {{mon-sun: "00:00-24:00"}}
    services:
      main: {{skills: [vaxel], target_answer_s: 20}}
    overflow:
      - {{after_s: 45, partners: [alpha]}}
agents:
  a1: {{device: PJSIP/1001, home: alpha, skills: {{vaxel: 3, juridik: 2}}, languages: [sv]}}
  a2: {{device: PJSIP/1002, home: alpha, skills: {{vaxel: 5}}, languages: [sv, en]}}
  ab: {{device: PJSIP/1003, home: beta, tenants: [alpha], skills: {{vaxel: 4}}}}
  b1: {{device: PJSIP/1004, home: beta, skills: {{vaxel: 2}}}}
  b2: {{device: PJSIP/1005, home: beta, skills: {{vaxel: 1}}}}
"""


def topology(selection: str = "longest_idle", sticky: int = 0) -> Topology:
    config = parse_config(WORLD.format(selection=selection, sticky=sticky), "world.yaml", {})
    return compile_topology(config, compile_routing(config))


@dataclass
class Driver:
    """Applies events at a controllable time and keeps every effect."""

    topo: Topology = field(default_factory=topology)
    now: float = 1_000_000.0
    state: State = field(init=False)
    effects: list[Effect] = field(default_factory=list)
    seq: int = 0

    def __post_init__(self) -> None:
        self.state = initial_state(self.topo, self.now)

    def send(self, event: Event) -> list[Effect]:
        self.state, out = apply(self.state, event, self.topo, self.now)
        self.effects += out
        return out

    def wait(self, seconds: float) -> list[Effect]:
        self.now += seconds
        return self.send(cmd.Tick())

    def login(self, *agents: str) -> None:
        for aid in agents:
            self.send(cmd.AgentCommand(aid, "login"))
            self.send(ev.DeviceStateChanged(self.topo.agents[aid].device, "NOT_INUSE"))

    def call(
        self,
        queue: str = "alpha-main",
        caller: str = "+46701111111",
        prio: int = 0,
        direct: bool = False,
        join: bool = True,
    ) -> str:
        """A routed caller joining `queue` (unless not `join`); `direct`: as the engine routes
        it (an operator free now is offered in the route answer, and then it joins no queue)."""
        self.seq += 1
        uid = f"1700000000.{self.seq}"
        info = self.topo.queues[queue]
        self.send(
            cmd.CallRouted(
                uid,
                f"PJSIP/inbound-{self.seq:08x}",
                info.tenant,
                info.service,
                queue,
                info.tag,
                info.priority + prio,
                info.skills,
                info.target_answer_s,
                info.overflow,
                caller,
                "Åsa Öberg",
                direct=direct,
            )
        )
        if not join or (direct and self.offered_to(uid) is not None):
            return uid
        self.send(
            ev.CallerJoined(queue, f"PJSIP/inbound-{self.seq:08x}", uid, uid, caller, "Åsa", 1)
        )
        return uid

    def offers(self) -> list[Offer]:
        return [e for e in self.effects if isinstance(e, Offer)]

    def last_offer(self) -> Offer:
        return self.offers()[-1]

    def offered_to(self, uid: str) -> str | None:
        call = self.state.calls.get(uid)
        return None if call is None else call.offer

    def deliver(self, uid: str, status: str) -> None:
        """The caller leaves the queue by Redirect and the dial ends with `status`."""
        call = self.state.calls[uid]
        agent = call.offer
        assert agent is not None
        device = self.topo.agents[agent].device
        if call.in_queue:
            self.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
        self.send(
            ev.DialBegan(call.channel, uid, f"{device}-0000{self.seq:04x}", f"leg-{uid}", device)
        )
        self.send(
            ev.DialEnded(call.channel, uid, f"{device}-0000{self.seq:04x}", f"leg-{uid}", status)
        )
        if status != "ANSWER":
            self.send(cmd.DeliveryReported(uid, device, status))
            self.send(
                ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "Åsa", 1)
            )

    def hangup(self, uid: str) -> None:
        self.send(ev.ChannelHungUp("PJSIP/inbound-x", uid, uid, 16))

    def ended(self) -> dict[str, str]:
        return {
            e.call.id: e.call.outcome or ""
            for e in self.effects
            if isinstance(e, CallChanged) and e.ended
        }
