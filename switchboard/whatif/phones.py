"""The operators' phones: an offer rings, is answered after a while or rings out, then talk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import Offer
from switchboard.core.state import Call
from switchboard.whatif.agenda import Kind
from switchboard.whatif.callers import LiveCaller
from switchboard.whatif.draws import offer_draws, sample

if TYPE_CHECKING:
    from switchboard.whatif.simulation import Simulation


def ring(sim: Simulation, offer: Offer) -> None:
    """The Redirect reached the delivery context: Dial() rings the operator's phone."""
    live = sim.live.get(offer.uniqueid)
    if live is None:
        return
    live.offers += 1
    live.slice += 1  # the Redirect took the caller out of its Queue() slice
    live.leg = f"{offer.uniqueid}/{live.offers}"
    live.device = offer.device
    dest = f"{offer.device}-{live.offers:08x}"
    sim.send(ev.DialBegan(live.channel, offer.uniqueid, dest, live.leg, offer.device))
    rng = offer_draws(live.caller, live.offers)
    timeout = sim.topo.offer_timeout_s
    ring_s = sample(sim.scenario.ring, rng)
    answers = rng.random() >= sim.scenario.no_answer and ring_s < timeout
    at = sim.now + (ring_s if answers else timeout)
    sim.agenda.push(at, Kind.RING, (offer.uniqueid, (live.offers, answers)))


def rang_out(sim: Simulation, live: LiveCaller, call: Call, arg: object) -> None:
    """The operator answers (talk begins) or the dial times out (back to the queue, place kept)."""
    offers, answers = arg if isinstance(arg, tuple) else (0, False)
    pending = call.pending
    if offers != live.offers or pending is None or live.device is None:
        return
    if answers:
        sim.send(cmd.DeliveryReported(call.id, live.device, "ANSWER"))
        sim.agenda.push(sim.now + live.caller.handle_s, Kind.TALK_END, call.id)
        return
    sim.send(cmd.DeliveryReported(call.id, live.device, "NOANSWER"))
    if live.leg is not None:
        sim.send(ev.ChannelHungUp(f"{live.device}-{live.offers:08x}", live.leg, call.id, 19))
    sim.release(pending.agent)
    sim.new_slice(live, live.wait_s)


def talk_ended(sim: Simulation, live: LiveCaller, call: Call) -> None:
    """The conversation is over: the operator's leg hangs up (wrap-up starts), then the caller's."""
    agent = call.agent
    if agent is None or live.leg is None:
        return
    if agent in sim.leaving:  # the shift is over: log out before the phone is free again
        sim.leaving.discard(agent)
        sim.send(cmd.AgentCommand(agent, "logout"))
    dest = f"{live.device}-{live.offers:08x}"
    sim.send(ev.ChannelHungUp(dest, live.leg, call.id, 16), live.caller.wrapup_s)
    sim.send(ev.ChannelHungUp(live.channel, call.id, call.id, 16), live.caller.wrapup_s)
