"""Figures on a hand-computed day of calls (crossing the October DST change in Stockholm)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

import pytest

from switchboard.core.records import CallRecord
from switchboard.core.state import Callback
from switchboard.reports import AgentInterval, Settings, figures, render_report
from switchboard.reports.figures import percentile
from switchboard.reports.series import buckets
from tests.unit.reports.records import STOCKHOLM, answered, at, missed, record

DAY = "2026-10-25"  # clocks go back at 03:00 CEST -> 02:00 CET


def day_of_calls() -> list[CallRecord]:
    c = at(f"{DAY}T10:00")
    return [
        answered("c1", c, 10, 120, "asa", "vetlanda"),
        answered("c2", c + 600, 50, 180, "cecilia", "savsjo", before=(missed("asa", c + 610),)),
        record("c3", c + 1200, ended_at=c + 1203),  # short abandon
        record("c4", c + 1800, ended_at=c + 1840),
        record("c5", c + 3600, ended_at=c + 3800, outcome="callback", callback_offered=True),
        record("c6", c + 3900, ended_at=c + 4200, outcome="voicemail", overflow_step=3),
        record("c7", at(f"{DAY}T20:00"), queue="", queued_at=None, outcome="voicemail"),
        answered("c8", c, 5, 60, "asa", "vetlanda", tenant="savsjo", queue="savsjo-switchboard"),
        record("live", c, outcome=None, ended_at=None),  # still live: left out
    ]


SETTINGS = Settings(
    short_abandon_s=5,
    price_per_minute=2.0,
    homes={"asa": "vetlanda", "cecilia": "savsjo"},
    zones={"vetlanda": STOCKHOLM, "savsjo": STOCKHOLM},
    interval="1h",
    start=at(f"{DAY}T00:00"),
    end=at("2026-10-26T00:00"),
)


def test_per_tenant_figures_by_hand() -> None:
    fig = figures(day_of_calls(), (), SETTINGS)
    vet = next(t for t in fig.tenants if t.tenant == "vetlanda")
    assert (vet.offered, vet.answered, vet.abandoned, vet.short_abandoned) == (6, 2, 2, 1)
    assert (vet.answered_in_target, vet.service_level) == (1, pytest.approx(1 / 5))
    assert vet.wait_avg_s == pytest.approx((10 + 50 + 3 + 40 + 200 + 300) / 6)
    assert vet.wait_p90_s == 300
    assert (vet.asa_s, vet.aht_s) == (pytest.approx(30), pytest.approx(150))
    assert (vet.overflowed, vet.callbacks, vet.voicemails, vet.closed) == (1, 1, 1, 1)
    assert [(s.tenant, s.service) for s in fig.services] == [
        ("savsjo", "switchboard"),
        ("vetlanda", "switchboard"),
    ]


def test_callbacks_that_keep_the_place_count_as_callbacks() -> None:
    c = at(f"{DAY}T10:00")
    called_back = replace(
        answered("k1", c, 400, 60, "asa", "vetlanda"),
        outcome="called_back",
        callback=Callback("+46701111111", c + 100, c, keep_until=c + 3600),
    )
    failed = replace(
        record("k2", c, ended_at=c + 900, outcome="callback_failed"),
        callback=Callback("+46702222222", c + 100, c, attempts=3, last="noanswer"),
    )
    fig = figures([called_back, failed], (), SETTINGS)
    vet = next(t for t in fig.tenants if t.tenant == "vetlanda")
    assert (vet.offered, vet.answered, vet.callbacks, vet.abandoned) == (2, 1, 2, 0)


def test_target_override_and_short_abandon_threshold() -> None:
    custom = Settings(short_abandon_s=0, answer_within_s={"vetlanda": 60})
    vet = next(t for t in figures(day_of_calls(), (), custom).tenants if t.tenant == "vetlanda")
    assert (vet.short_abandoned, vet.answered_in_target, vet.service_level) == (0, 2, 2 / 6)


def test_matrix_shares_and_settlement() -> None:
    m = figures(day_of_calls(), (), SETTINGS).matrix
    cells = {(c.tenant, c.home): (c.calls, round(c.minutes, 3), round(c.share, 3)) for c in m.cells}
    assert cells == {
        ("savsjo", "vetlanda"): (1, 1.0, 1.0),
        ("vetlanda", "savsjo"): (1, 3.0, 0.6),
        ("vetlanda", "vetlanda"): (1, 2.0, 0.4),
    }
    assert dict(m.partner_share) == {"savsjo": 0.5, "vetlanda": 0.5}
    assert [(s.payer, s.payee, s.amount) for s in m.settlements] == [("vetlanda", "savsjo", 4.0)]
    assert figures(day_of_calls()).matrix.settlements == ()  # no price, no cost split


def test_operators_from_attempts_and_intervals() -> None:
    t = at(f"{DAY}T08:00")
    intervals = [
        AgentInterval("asa", "available", None, t, t + 3600),
        AgentInterval("asa", "on_call", None, t + 3600, t + 5400),
        AgentInterval("asa", "wrapup", None, t + 5400, t + 6000),
        AgentInterval("asa", "paused", "lunch", t + 6000, t + 7200),
        AgentInterval("asa", "paused", "no-answer", t + 7200, t + 7500),
        AgentInterval("asa", "logged_out", None, t + 7500, None),
        AgentInterval("cecilia", "available", None, at(f"{DAY}T23:00"), None),  # clipped at end
    ]
    ops = {o.agent: o for o in figures(day_of_calls(), intervals, SETTINGS).operators}
    asa = ops["asa"]
    assert (asa.calls, asa.talk_s, asa.misses, asa.home) == (2, 180, 1, "vetlanda")
    assert (asa.wrapup_s, asa.paused_s, asa.logged_in_s) == (600, 1500, 7500)
    assert dict(asa.pause_by_reason) == {"lunch": 1200, "no-answer": 300}
    assert asa.occupancy == pytest.approx(2400 / 6000)
    assert (ops["cecilia"].calls, ops["cecilia"].logged_in_s) == (1, 3600)


def test_hourly_series_on_the_day_clocks_go_back_has_25_buckets() -> None:
    first = at(f"{DAY}T02:30")  # fold 0: CEST
    second = datetime.fromisoformat(f"{DAY}T02:30").replace(tzinfo=STOCKHOLM, fold=1).timestamp()
    assert second - first == 3600
    calls = [record("a", first), record("b", second), *day_of_calls()]
    series = [p for p in figures(calls, (), SETTINGS).series if p.tenant == "vetlanda"]
    assert len(series) == 25
    by_label = {p.start: p.offered for p in series}
    assert by_label["2026-10-25T02:00:00+02:00"] == 1
    assert by_label["2026-10-25T02:00:00+01:00"] == 1
    assert by_label["2026-10-25T10:00:00+01:00"] == 4
    assert sum(p.offered for p in series) == 8


@pytest.mark.parametrize(
    ("day", "interval", "count"),
    [
        ("2026-03-29", "1h", 23),
        ("2026-03-29", "15m", 92),
        ("2026-03-29", "30m", 46),
        ("2026-10-25", "1h", 25),
        ("2026-10-25", "15m", 100),
        ("2026-10-24", "1h", 24),
    ],
)
def test_buckets_follow_the_local_clock(day: str, interval: str, count: int) -> None:
    start = at(f"{day}T00:00")
    end = datetime.fromisoformat(day).replace(tzinfo=STOCKHOLM).timestamp() + 86400 * 2
    next_midnight = list(buckets(STOCKHOLM, "day", start, end))[1]
    assert len(list(buckets(STOCKHOLM, interval, start, next_midnight))) == count


def test_day_buckets_are_23_and_25_hours_long() -> None:
    starts = list(buckets(STOCKHOLM, "day", at("2026-03-28T12:00"), at("2026-03-31T00:00")))
    assert [b - a for a, b in itertools.pairwise(starts)] == [86400, 82800]
    starts = list(buckets(STOCKHOLM, "day", at("2026-10-24T00:00"), at("2026-10-27T00:00")))
    assert [b - a for a, b in itertools.pairwise(starts)] == [86400, 90000]


def test_percentile_nearest_rank() -> None:
    assert percentile([], 0.9) is None
    assert percentile([1.0], 0.9) == 1.0
    assert percentile([float(i) for i in range(1, 11)], 0.9) == 9.0


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "html"])
def test_every_format_renders(fmt: str) -> None:
    text = render_report(fmt, "Vetlanda, 25 October", figures(day_of_calls(), (), SETTINGS))
    assert "vetlanda" in text
    if fmt == "html":
        assert "<svg" in text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    if fmt == "csv":
        assert text.splitlines()[0].startswith("section,tenant,service,offered")


def test_partner_prices_and_currency_in_the_settlement() -> None:
    own = replace(SETTINGS, price_per_minute=None, partner_prices={"savsjo": 3.0}, currency="SEK")
    fig = figures(day_of_calls(), (), own)
    # vetlanda owes savsjo 3 min x 3.0; savsjo's own price is the only one: vetlanda charges 0
    assert [(s.payer, s.payee, s.amount) for s in fig.matrix.settlements] == [
        ("vetlanda", "savsjo", 9.0)
    ]
    text = render_report("table", "t", fig)
    assert "Net amounts owed at partner prices per handled minute SEK (savsjo 3)" in text
    both = replace(own, price_per_minute=2.0)
    fig = figures(day_of_calls(), (), both)
    assert [s.amount for s in fig.matrix.settlements] == [9.0 - 1 * 2.0]
    assert "at 2 SEK per handled minute (savsjo 3)" in render_report("table", "t", fig)


def test_a_recorded_home_wins_over_todays_configuration() -> None:
    moved = replace(SETTINGS, homes={"asa": "savsjo", "cecilia": "savsjo"})
    calls = [
        replace(r, homes=(("asa", "vetlanda"),)) if r.id == "c1" else r for r in day_of_calls()
    ]
    cells = {(c.tenant, c.home): c.calls for c in figures(calls, (), moved).matrix.cells}
    # c1's home recorded with its offer, c8's with the call (answered_by_home): both kept
    assert cells == {
        ("vetlanda", "vetlanda"): 1,
        ("vetlanda", "savsjo"): 1,
        ("savsjo", "vetlanda"): 1,
    }
