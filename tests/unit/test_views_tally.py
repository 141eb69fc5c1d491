"""Today's tally and call events, folded from the effects of real core transitions."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from switchboard.config.loader import parse_config
from switchboard.core import commands as cmd
from switchboard.core import events as ev
from switchboard.core.effects import CallbackOffer, CallChanged
from switchboard.core.records import CallRecord, record_of
from switchboard.reports.figures import Settings, level_of
from switchboard.views import Catalog, Tally, call_events, catalog_of, tally, tenant_view
from switchboard.views.catalog import TenantEntry
from switchboard.views.tally import seed
from tests.unit.dispatch_fixture import WORLD, Driver, topology


def catalog() -> Catalog:
    config = parse_config(WORLD.format(selection="longest_idle", sticky=0), "world.yaml", {})
    return catalog_of(config, topology())


def folded(d: Driver, cat: Catalog, start: float) -> Tally:
    return tally(Tally(started_at=start), d.effects, cat)


def test_answered_in_target_abandoned_and_service_level() -> None:
    d, cat = Driver(), catalog()
    start = d.now
    d.login("a1")
    first = d.call()  # offered to a1 at once
    d.wait(10)
    d.deliver(first, "ANSWER")
    second = d.call()  # a1 busy: waits
    d.wait(40)  # past alpha's 30 s target
    d.hangup(second)
    t = folded(d, cat, start)
    day = t.today(cat, "alpha", d.now)
    assert (day.offered, day.answered, day.answered_in_target, day.abandoned) == (2, 1, 1, 1)
    view = tenant_view(d.state, t, cat, "alpha", d.now)
    assert view.today.service_level == 0.5
    assert dict(t.seen) == {first: "alpha"}  # the answered call is still live


def test_partner_answers_count_for_both_tenants_and_a_recall_counts_once() -> None:
    d, cat = Driver(), catalog()
    start = d.now
    d.login("b1")
    uid = d.call()
    d.wait(31)  # alpha's overflow step opens beta's operators
    assert d.offered_to(uid) == "b1"
    d.deliver(uid, "ANSWER")
    d.send(cmd.TransferReported(uid, "NOANSWER", "PJSIP/1004", "200"))  # failed transfer
    call = d.state.calls[uid]
    d.send(ev.CallerJoined(call.queue, call.channel, uid, uid, call.caller_num, "Åsa", 1))
    d.deliver(uid, "ANSWER")  # recalled to b1 and answered again
    t = folded(d, cat, start)
    alpha, beta = t.today(cat, "alpha", d.now), t.today(cat, "beta", d.now)
    assert (alpha.answered, alpha.answered_by_partners, alpha.answered_in_target) == (1, 1, 0)
    assert (beta.answered, beta.answered_for_partners) == (0, 1)


def test_turned_away_calls_are_not_offered() -> None:
    d, cat = Driver(), catalog()
    d.send(
        cmd.CallTurnedAway(
            "u-closed",
            "PJSIP/trunk-1",
            "alpha",
            "main",
            "voicemail",
            "closed",
            "+46701111111",
            "x",
            "+46100000000",
        )
    )
    day = folded(d, cat, d.now).today(cat, "alpha", d.now)
    assert (day.offered, day.turned_away) == (0, 1)


def test_counters_reset_at_each_tenants_own_midnight() -> None:
    cat = catalog()
    helsinki = TenantEntry("beta", "Beta", "BETA", ZoneInfo("Europe/Helsinki"), "fi", (), (), ())
    cat = Catalog({**cat.tenants, "beta": helsinki}, cat.agents, cat.queues)
    before = datetime(2026, 3, 10, 22, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    d = Driver(now=before)  # 23:30 in Stockholm, 00:30 in Helsinki
    d.call("alpha-main")
    d.call("beta-main")
    t = folded(d, cat, before)
    assert t.today(cat, "alpha", before).offered == 1
    assert t.today(cat, "beta", before).offered == 1
    after = before + 3600  # Stockholm's midnight has passed as well
    assert t.today(cat, "alpha", after).offered == 0
    assert t.today(cat, "beta", after).offered == 1
    assert tenant_view(d.state, t, cat, "alpha", after).today.date == "2026-03-11"


def test_agent_status_since_moves_only_on_a_status_change() -> None:
    d, cat = Driver(), catalog()
    start = d.now
    d.wait(5)
    d.login("a1")
    login_at = d.now
    d.wait(5)
    d.send(cmd.AgentCommand("a1", "pause", "lunch"))
    d.send(cmd.AgentCommand("a1", "pause", "meeting"))  # same status, another reason
    t = folded(d, cat, start)
    assert t.status_since("a1") == login_at + 5
    assert t.status_since("a2") == start


def test_call_events_name_the_agent_and_hide_the_caller_by_default() -> None:
    d, cat = Driver(), catalog()
    d.login("a1")
    uid = d.call()
    d.deliver(uid, "NOANSWER")
    d.hangup(uid)
    events = [
        e for c in d.effects if isinstance(c, CallChanged) for e in call_events(c, cat, False)
    ]
    assert [e.event for e in events] == [
        "arrived",
        "queued",
        "offered",
        "missed",
        "queued",
        "offered",
        "abandoned",
        "ended",
    ]
    missed = events[3]
    assert (missed.agent, missed.agent_home, missed.result) == ("a1", "alpha", "noanswer")
    assert events[-1].outcome == "abandoned"
    assert all(e.caller_num is None and e.caller_name is None for e in events)
    changed = next(c for c in d.effects if isinstance(c, CallChanged))
    [shown] = call_events(changed, cat, True)
    assert shown.caller_num == "+46701111111"


def day_records(d: Driver) -> list[CallRecord]:
    """Every call's record as the store holds it now: the last milestone of each, live or ended."""
    last: dict[str, CallRecord] = {}
    for c in d.effects:
        if isinstance(c, CallChanged):
            last[c.call.id] = record_of(c.call, d.topo)
    return list(last.values())


def busy_day() -> Driver:
    d = Driver()
    d.login("a1", "b1")
    d.send(cmd.AgentCommand("b1", "pause", "lunch"))
    answered = d.call()
    d.wait(3)
    d.deliver(answered, "ANSWER")
    quick = d.call()  # a1 busy: waits 2 s, hangs up (a short abandon)
    d.wait(2)
    d.hangup(quick)
    slow = d.call()
    d.wait(40)  # past alpha's step: b1 paused, nobody takes it
    d.hangup(slow)
    voicemail = d.call()
    d.wait(20)
    d.send(cmd.CallFinished(voicemail, "voicemail"))
    d.call()  # still waiting at the end of the day's records
    d.send(
        cmd.CallTurnedAway(
            "u-closed",
            "PJSIP/trunk-9",
            "alpha",
            "main",
            "closed",
            "closed",
            "+46701111119",
            "x",
            "+46100000000",
        )
    )
    return d


def test_short_abandons_stay_out_of_the_service_level_as_in_reports() -> None:
    d, cat = busy_day(), catalog()
    day = folded(d, cat, d.now).today(cat, "alpha", d.now)
    assert (day.offered, day.answered, day.abandoned, day.short_abandoned) == (5, 1, 2, 1)
    assert (day.turned_away, day.settled, day.service_level) == (1, 3, round(1 / 3, 4))
    settled = [r for r in day_records(d) if r.outcome is not None or r.answered_at is not None]
    _, reported = level_of(settled, Settings())
    assert reported is not None
    assert day.service_level == round(reported, 4)
    assert Settings().short_abandon_s == cat.short_abandon_s == 5.0  # the config's default


def test_seeding_from_the_records_counts_what_the_effects_counted() -> None:
    d, cat = busy_day(), catalog()
    from_effects = folded(d, cat, d.now)
    from_records = seed(Tally(started_at=d.now), day_records(d), cat, d.now)
    assert from_records.today(cat, "alpha", d.now) == from_effects.today(cat, "alpha", d.now)
    assert from_records.seen == from_effects.seen  # live calls are not offered twice
    yesterday = seed(Tally(started_at=d.now), day_records(d), cat, d.now + 86_400)
    assert yesterday.today(cat, "alpha", d.now + 86_400).offered == 0


def test_a_callback_counts_as_answered_once_when_the_caller_answers() -> None:
    d, cat = Driver(), catalog()
    start = d.now
    uid = d.call()
    d.send(cmd.CallbackOffered(uid))
    d.send(cmd.CallbackRequested(uid, "+46701111111", 2, 60, 3600))
    call = d.state.calls[uid]
    d.send(ev.CallerLeft(call.queue, call.channel, uid, 0))
    d.hangup(uid)
    d.login("a1")
    answered = []
    for status in ("NOANSWER", "ANSWER"):  # the operator answers both callouts
        offer = [e for e in d.effects if isinstance(e, CallbackOffer)][-1]
        device = offer.device
        d.send(ev.DialBegan("Local/op;2", offer.other_id, f"{device}-1", "leg", device))
        d.send(ev.DialEnded("Local/op;2", offer.other_id, f"{device}-1", "leg", "ANSWER"))
        d.send(cmd.CallbackReported(uid, status))
        answered.append(folded(d, cat, start).today(cat, "alpha", d.now).answered)
        d.wait(61)
    assert answered == [0, 1]


def test_an_answer_found_late_counts_in_target_by_when_it_was_answered() -> None:
    """The AMI link was down for 40 s while a1 answered 5 s into the call: the snapshot brings
    the answer time its leg carried, and the answer counts within alpha's 30 s target."""
    d, cat = Driver(), catalog()
    start = d.now
    d.login("a1")
    uid = d.call()
    d.wait(40)
    d.now += 0.5
    call = d.state.calls[uid]
    caller = ev.ChannelSeen(call.channel, uid, uid, "switchboard-deliver", "s", "Dial", "br-1")
    leg = ev.ChannelSeen("PJSIP/1001-0000000a", "leg-a", uid, "switchboard-operators", "",
                         "AppDial", "br-1", answered_at=start + 5)  # fmt: skip
    d.send(cmd.Snapshot((), (caller, leg), (), None, started_at=d.now))
    assert d.state.calls[uid].answered_at == start + 5
    day = folded(d, cat, start).today(cat, "alpha", d.now)
    assert (day.answered, day.answered_in_target) == (1, 1)
