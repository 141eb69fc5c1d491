"""The caller's side: the number dialled, the route answer, the Queue() slices and patience."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from switchboard.config.models import Config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.requeue import next_step
from switchboard.core.routing import Decision
from switchboard.core.state import Call
from switchboard.whatif.draws import Caller
from switchboard.whatif.scenario import ScenarioError, Stream

if TYPE_CHECKING:
    from switchboard.whatif.simulation import Simulation


@dataclass(frozen=True, slots=True)
class DialPlan:
    """What a stream's callers dial: a number, and a menu digit when the service needs one."""

    dialled: str
    digit: str | None


@dataclass(slots=True)
class LiveCaller:
    """A caller in the switchboard: its channel, Queue() slice and current offer."""

    caller: Caller
    channel: str
    slice: int = 0  # which Queue() slice is running (an offer or a new slice ends the old one)
    wait_s: int = 30  # the last SB_WAIT the engine answered
    offers: int = 0
    leg: str | None = None  # the operator leg of the current or last offer
    device: str | None = None


def dial_plan(config: Config, stream: Stream) -> DialPlan:
    """The number (and digit) that reaches the stream's service."""
    tenant = config.tenants[stream.tenant]
    sid = stream.service or tenant.main_service
    service = tenant.services[sid]
    if service.numbers:
        return DialPlan(service.numbers[0], None)
    if not tenant.numbers:
        raise ScenarioError(f"no number reaches {stream.tenant}/{sid}")
    digit = None if sid == tenant.main_service else service.menu_digit
    return DialPlan(tenant.numbers[0], digit)


def route_command(
    caller: Caller, plan: DialPlan, decision: Decision
) -> cmd.CallRouted | cmd.CallTurnedAway:
    """What the route AGI handler submits for this decision (engine/handlers/route.on_routed)."""
    channel = f"SIM/trunk-{caller.id}"
    return cmd.from_decision(
        decision, caller.tenant, caller.id, channel, (caller.number, ""), plan.dialled
    )


def slice_ended(sim: Simulation, live: LiveCaller, call: Call) -> None:
    """Queue() timed out: the dialplan asks `requeue` and does what it answers."""
    if call.pending is not None or call.answered_at is not None:
        return
    uid = call.id
    step = next_step(call, sim.now, sim.slice_s)
    if step.action == "voicemail":
        sim.send(cmd.CallFinished(uid, "voicemail"))
        return
    if step.action == "callback":
        sim.send(cmd.CallbackOffered(uid))
        if live.caller.accepts_callback:
            sim.send(cmd.CallFinished(uid, "callback"))
            return
    sim.new_slice(live, step.wait_s)


def gave_up(sim: Simulation, live: LiveCaller, call: Call) -> None:
    """The caller's patience ran out before an answer: hang up (a ringing offer is cancelled)."""
    if call.answered_at is not None:
        return
    pending = call.pending
    leg = live.leg
    if pending is not None and leg is not None:
        dest = f"{live.device}-{live.offers:08x}"
        sim.send(ev.DialEnded(live.channel, call.id, dest, leg, "CANCEL"))
        sim.send(ev.ChannelHungUp(live.channel, call.id, call.id, 16))
        sim.send(ev.ChannelHungUp(dest, leg, call.id, 16))
        sim.release(pending.agent)
        return
    sim.send(ev.ChannelHungUp(live.channel, call.id, call.id, 16))
