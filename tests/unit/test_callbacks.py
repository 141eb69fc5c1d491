"""Callbacks in the core: the call keeps its place without a channel, the offer becomes a
callout, unanswered callouts are retried, and every way it ends is recorded."""

from __future__ import annotations

from dataclasses import replace

from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.callbacks import call_of_channel, channel_ids
from switchboard.core.effects import CallbackOffer
from tests.unit.dispatch_fixture import Driver

NUMBER = "+46701111111"


def requested(d: Driver, attempts: int = 2, retry_s: int = 60, keep_s: int = 3600) -> str:
    """A caller who waited, was offered a callback, pressed 1 and hung up."""
    uid = d.call()
    d.send(cmd.CallbackOffered(uid))
    d.send(cmd.CallbackRequested(uid, NUMBER, attempts, retry_s, keep_s))
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.hangup(uid)  # the caller's own channel is gone: the call waits on without it
    return uid


def callouts(d: Driver) -> list[CallbackOffer]:
    return [e for e in d.effects if isinstance(e, CallbackOffer)]


def ring(d: Driver, uid: str, status: str) -> None:
    """The callout's second half dials the operator; the dial ends with `status`."""
    offer = callouts(d)[-1]
    device = offer.device
    d.send(ev.DialBegan("Local/operator-x;2", offer.other_id, f"{device}-01", "op-leg", device))
    d.send(ev.DialEnded("Local/operator-x;2", offer.other_id, f"{device}-01", "op-leg", status))


def test_the_call_keeps_its_place_and_the_offer_is_a_callout() -> None:
    d = Driver()
    uid = requested(d)
    later = d.call(caller="+46702222222")
    call = d.state.calls[uid]
    assert call.outcome is None
    assert call.callback is not None
    assert call.ready(d.now)
    d.login("a1")
    assert d.offered_to(uid) == "a1"  # ahead of the caller still on the line
    assert d.offered_to(later) is None
    [offer] = callouts(d)
    assert not [o for o in d.offers() if o.uniqueid == uid]  # no Redirect: nobody to redirect
    assert (offer.number, offer.device, offer.attempt) == (NUMBER, "PJSIP/1001", 1)
    assert (offer.channel_id, offer.other_id) == channel_ids(uid, 1)
    assert call_of_channel(offer.other_id) == uid
    assert call_of_channel("1700000000.5") is None


def test_called_back_when_the_caller_answers_and_the_conversation_ends() -> None:
    d = Driver()
    uid = requested(d)
    d.login("a1")
    ring(d, uid, "ANSWER")
    assert d.state.agents["a1"].call == uid
    d.send(cmd.CallbackReported(uid, "ANSWER"))
    d.wait(40)
    d.send(ev.ChannelHungUp("Local/operator-x;1", channel_ids(uid, 1)[0], uid, 16))
    assert d.ended()[uid] == "called_back"
    assert d.state.agents["a1"].status(d.now).value == "wrapup"
    assert d.state.handled["alpha-main"][-1] == 40


def test_a_caller_who_does_not_answer_is_called_again_later_then_given_up() -> None:
    d = Driver()
    uid = requested(d, attempts=2, retry_s=60)
    d.login("a1")
    ring(d, uid, "ANSWER")
    d.send(cmd.CallbackReported(uid, "NOANSWER"))
    call = d.state.calls[uid]
    assert call.agent is None
    assert call.callback is not None
    assert (call.callback.attempts, call.callback.last) == (1, "noanswer")
    assert d.state.agents["a1"].status(d.now).value == "available"  # no wrap-up: nobody talked
    assert len(callouts(d)) == 1  # not again before retry_after_s
    d.send(ev.ChannelHungUp("Local/operator-x;1", channel_ids(uid, 1)[0], uid, 16))
    assert uid in d.state.calls  # the callout's end changes nothing any more
    d.wait(61)
    assert len(callouts(d)) == 2
    assert callouts(d)[-1].attempt == 2
    ring(d, uid, "ANSWER")
    d.send(cmd.CallbackReported(uid, "BUSY"))
    assert d.ended()[uid] == "callback_failed"


def test_an_operator_who_does_not_answer_the_callout_is_a_miss_the_call_waits_on() -> None:
    d = Driver()
    uid = requested(d)
    d.login("a1", "a2")
    first = callouts(d)[-1].agent
    ring(d, uid, "NOANSWER")
    assert d.state.agents[first].misses == 1
    assert callouts(d)[-1].agent != first  # the other operator is rung now
    assert d.state.calls[uid].callback is not None
    assert d.state.calls[uid].callback.attempts == 0  # the caller was never dialled


def test_a_callback_nobody_takes_expires() -> None:
    d = Driver()
    uid = requested(d, keep_s=600)
    d.wait(601)
    assert d.ended()[uid] == "callback_expired"


def test_a_snapshot_keeps_a_waiting_callback_and_ends_a_vanished_callout() -> None:
    d = Driver()
    uid = requested(d)
    d.send(cmd.Snapshot(entries=(), channels=(), devices=(), started_at=d.now + 1))
    assert uid in d.state.calls  # no channel, by design
    d.login("a1")
    ring(d, uid, "ANSWER")
    d.now += 5
    d.send(cmd.Snapshot(entries=(), channels=(), devices=(), started_at=d.now))
    call = d.state.calls[uid]
    assert call.agent is None  # the callout is gone: waiting again, not counted as a try
    assert call.callback is not None
    assert call.callback.attempts == 0
    assert "callback_aborted" in [w for _, w in call.timeline]


def test_the_callers_answer_reported_over_ami_connects_the_callback_once() -> None:
    """[switchboard-callout-answered]'s UserEvent: the caller is talking; a repeat is ignored."""
    d = Driver()
    uid = requested(d)
    d.login("a1")
    ring(d, uid, "ANSWER")
    d.send(ev.CallbackAnswerReported(uid))
    call = d.state.calls[uid]
    assert call.callback is not None
    assert call.callback.connected
    assert [what for _, what in call.timeline].count("called_back:1") == 1
    d.send(ev.CallbackAnswerReported(uid))
    d.send(cmd.CallbackReported(uid, "ANSWER"))  # an older dialplan's FastAGI report
    assert [what for _, what in d.state.calls[uid].timeline].count("called_back:1") == 1
    d.send(ev.ChannelHungUp("Local/operator-x;1", channel_ids(uid, 1)[0], uid, 16))
    assert d.ended()[uid] == "called_back"


def test_a_snapshot_finds_the_caller_talking_when_its_answer_report_was_lost() -> None:
    """The AMI link was down as the caller answered: the callout's first half, which dials the
    caller, is in a bridge (with the caller's trunk channel): connected, and called back at the
    end rather than rung again."""
    d = Driver()
    uid = requested(d)
    d.login("a1")
    ring(d, uid, "ANSWER")
    caller_half, operator_half = channel_ids(uid, 1)
    dialling = ev.ChannelSeen("Local/operator@switchboard-callout-00000001;1", caller_half, uid,
                              "switchboard-callout", "caller", "Dial", "")  # fmt: skip
    ringing = ev.ChannelSeen("Local/operator@switchboard-callout-00000001;2", operator_half,
                             uid, "switchboard-callout", "operator", "Dial", "br-op")  # fmt: skip
    d.now += 5
    d.send(cmd.Snapshot((), (dialling, ringing), (), None, started_at=d.now))
    callback = d.state.calls[uid].callback
    assert callback is not None
    assert not callback.connected  # still ringing the caller
    talking = ev.ChannelSeen("PJSIP/trunk-00000009", "trunk.9", uid, "switchboard-callout",
                             "caller", "AppDial", "br-cb")  # fmt: skip
    d.now += 5
    bridged = (replace(dialling, bridge="br-cb"), ringing, talking)
    d.send(cmd.Snapshot((), bridged, (), None, started_at=d.now))
    callback = d.state.calls[uid].callback
    assert callback is not None
    assert callback.connected
    d.wait(30)
    d.send(ev.ChannelHungUp("Local/operator-x;1", caller_half, uid, 16))
    assert d.ended()[uid] == "called_back"
    assert len(callouts(d)) == 1  # nobody rang the caller again


def test_a_snapshot_finds_the_operator_who_answered_the_callout_unheard() -> None:
    """The link was down while the operator answered the callout's ring (and the caller after
    that): the operator half in a bridge is the operator's answer, timed by the leg's
    SB_ANSWERED_AT; the caller half in a bridge is the caller's."""
    d = Driver()
    uid = requested(d)
    d.login("a1")
    [offer] = callouts(d)
    rang_at = d.now
    caller_half, operator_half = channel_ids(uid, 1)
    d.now += 20
    channels = (
        ev.ChannelSeen("Local/operator@switchboard-callout-00000001;1", caller_half, uid,
                       "switchboard-callout", "caller", "Dial", "br-cb"),
        ev.ChannelSeen("PJSIP/trunk-00000009", "trunk.9", uid, "switchboard-callout", "caller",
                       "AppDial", "br-cb"),
        ev.ChannelSeen("Local/operator@switchboard-callout-00000001;2", operator_half, uid,
                       "switchboard-callout", "operator", "Dial", "br-op"),
        ev.ChannelSeen(f"{offer.device}-0000000a", "op.10", uid, "switchboard-operators", "",
                       "AppDial", "br-op", answered_at=rang_at + 3.5),
    )  # fmt: skip
    d.send(cmd.Snapshot((), channels, (), None, started_at=d.now))
    call = d.state.calls[uid]
    assert (call.agent, call.answered_at) == ("a1", rang_at + 3.5)
    assert call.callback is not None
    assert call.callback.connected
    assert d.state.agents["a1"].call == uid
    d.wait(30)
    d.send(ev.ChannelHungUp("Local/operator-x;1", caller_half, uid, 16))
    assert d.ended()[uid] == "called_back"
    assert len(callouts(d)) == 1
