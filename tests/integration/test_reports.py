"""`switchboard report`'s figures from a real store (SQLite and PostgreSQL), checked by hand on
the day of `report_day` and against the Python figures of the same records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from switchboard.config.loader import parse_config
from switchboard.reports import AgentInterval, Figures, figures
from switchboard.reports.command import settings_for
from switchboard.reports.figures import focus
from switchboard.reports.queries import grain_s
from switchboard.reports.settings import Settings
from switchboard.reports.stored import STEPS, stored_figures
from switchboard.store.store import Store
from tests.integration.report_day import WORLD, run, write
from tests.unit.reports.records import answered

CONFIG = parse_config(WORLD, "world.yaml", {})
HOMES = {"a1": "alpha", "b1": "beta"}


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """The day written through the store, as the engine writes it."""
    store = Store(url=store_url)
    write(run(), store)
    yield store
    assert store.close()


def report(store: Store, interval: str = "1h") -> Figures:
    return stored_figures(store.engine, day_settings(interval))


def day_settings(interval: str = "1h") -> Settings:
    return settings_for(CONFIG, date(2026, 10, 25), date(2026, 10, 25), interval)


def test_tenants_by_hand(store: Store) -> None:
    fig = report(store)
    alpha, beta = fig.tenants
    assert (alpha.tenant, alpha.service) == ("alpha", None)
    # c1..c9 and c12 queued; c10 closed; c0 the day before; the last caller still waits
    assert (alpha.offered, alpha.answered, alpha.abandoned, alpha.short_abandoned) == (10, 6, 2, 1)
    assert (alpha.answered_in_target, alpha.service_level) == (5, pytest.approx(5 / 9))
    assert alpha.wait_avg_s == pytest.approx((5 + 3 + 40 + 10 + 20 + 35 + 2 + 130 + 60 + 4) / 10)
    assert alpha.wait_p90_s == 60
    assert alpha.asa_s == pytest.approx((5 + 10 + 20 + 35 + 2 + 4) / 6)
    assert alpha.aht_s == pytest.approx((120 + 60 + 100 + 200 + 60 + 30 + 180) / 6)
    assert (alpha.overflowed, alpha.callbacks, alpha.voicemails, alpha.closed) == (1, 1, 1, 1)
    # beta's London day: the caller at 23:30 the day before is out, the one at 23:30 is in
    assert (beta.offered, beta.answered, beta.abandoned, beta.short_abandoned) == (2, 1, 1, 0)
    assert (beta.service_level, beta.wait_avg_s, beta.wait_p90_s) == (0.0, 30.0, 50.0)
    assert (beta.asa_s, beta.aht_s, beta.overflowed) == (50.0, 120.0, 1)
    assert [(s.tenant, s.service, s.offered) for s in fig.services] == [
        ("alpha", "main", 10),
        ("beta", "main", 2),
    ]


def test_operators_by_hand(store: Store) -> None:
    a1, b1 = report(store).operators
    assert (a1.agent, a1.home, a1.calls, a1.talk_s, a1.misses) == ("a1", "alpha", 7, 670, 1)
    # a1 is logged in all 25 hours; states are clipped to alpha's day (c0 and c12 cross it)
    assert (a1.logged_in_s, a1.wrapup_s, a1.paused_s) == (90_000, 70, 9_900)
    assert dict(a1.pause_by_reason) == {"coffee": 2100, "lunch": 3600, "meeting": 4200}
    busy = 726 + 49 + 70  # on call, reserved, wrap-up
    assert a1.occupancy == pytest.approx(busy / (90_000 - 9_900))
    assert (b1.calls, b1.talk_s, b1.misses, b1.logged_in_s) == (1, 200, 0, 5_400)
    assert b1.occupancy == pytest.approx((5 + 200 + 10) / 5_400)


def test_answered_by_matrix_and_settlement_by_hand(store: Store) -> None:
    m = report(store).matrix
    cells = {(c.tenant, c.home): (c.calls, round(c.minutes, 4), round(c.share, 4)) for c in m.cells}
    assert cells == {
        ("alpha", "alpha"): (5, round(550 / 60, 4), round(550 / 750, 4)),  # the recall counts once
        ("alpha", "beta"): (1, round(200 / 60, 4), round(200 / 750, 4)),
        ("beta", "alpha"): (1, 2.0, 1.0),
    }
    assert dict(m.partner_share) == pytest.approx({"alpha": 670 / 870, "beta": 200 / 870})
    # alpha owes beta 200/60 min x 3.0 (beta's own price); beta owes alpha 2 min x 2.0
    assert [(s.payer, s.payee, s.amount) for s in m.settlements] == [("alpha", "beta", 6.0)]
    assert (m.currency, m.price_per_minute, m.partner_prices) == ("SEK", 2.0, (("beta", 3.0),))


def test_series_follow_each_tenants_clock_on_a_25_hour_day(store: Store) -> None:
    fig = report(store)
    alpha = {p.start: p.offered for p in fig.series if p.tenant == "alpha"}
    beta = {p.start: p.offered for p in fig.series if p.tenant == "beta"}
    assert len(alpha) == len(beta) == 25
    assert {k: v for k, v in alpha.items() if v} == {
        "2026-10-25T00:00:00+02:00": 1,
        "2026-10-25T01:00:00+02:00": 2,
        "2026-10-25T02:00:00+02:00": 1,
        "2026-10-25T02:00:00+01:00": 1,
        "2026-10-25T09:00:00+01:00": 1,
        "2026-10-25T10:00:00+01:00": 1,
        "2026-10-25T11:00:00+01:00": 2,
        "2026-10-25T23:00:00+01:00": 1,
    }
    assert {k: v for k, v in beta.items() if v} == {
        "2026-10-25T11:00:00+00:00": 1,
        "2026-10-25T23:00:00+00:00": 1,
    }
    days = [(p.tenant, p.start, p.offered) for p in report(store, "day").series]
    assert days == [
        ("alpha", "2026-10-25T00:00:00+02:00", 10),
        ("beta", "2026-10-25T00:00:00+01:00", 2),
    ]
    assert sum(1 for p in report(store, "15m").series if p.tenant == "alpha") == 100


@pytest.mark.parametrize("interval", ["15m", "1h", "day"])
def test_sql_figures_equal_the_python_figures_of_the_same_records(
    store: Store, interval: str
) -> None:
    intervals = [
        AgentInterval(i["agent"], i["status"], i["reason"], i["started_at"], i["ended_at"])
        for i in store.intervals()
    ]
    cfg = day_settings(interval)
    assert stored_figures(store.engine, cfg) == figures(store.records(), intervals, cfg)


def test_one_tenants_view_keeps_its_partners_in_the_matrix(store: Store) -> None:
    fig = focus(report(store), "beta", HOMES)
    assert [t.tenant for t in fig.tenants] == ["beta"]
    assert [o.agent for o in fig.operators] == ["b1"]
    assert {(c.tenant, c.home) for c in fig.matrix.cells} == {("alpha", "beta"), ("beta", "alpha")}
    assert [s.payer for s in fig.matrix.settlements] == ["alpha"]
    assert {p.tenant for p in fig.series} == {"beta"}


def test_each_query_reports_its_end_once(store: Store) -> None:
    names: list[str] = []
    stored_figures(store.engine, day_settings(), names.append)
    assert sorted(names) == sorted(STEPS)


@pytest.mark.parametrize(
    ("zone", "grain"),
    [("Europe/Stockholm", 3600), ("Asia/Kolkata", 1800), ("Asia/Kathmandu", 900)],
)
def test_zones_off_by_half_and_quarter_hours_keep_their_local_buckets(
    store_url: str, zone: str, grain: int
) -> None:
    here = ZoneInfo(zone)
    start = datetime(2026, 10, 25, tzinfo=here).timestamp()
    cfg = Settings(
        zones={"vetlanda": here},
        interval="1h",
        start=start,
        end=start + 86400,
        periods={"vetlanda": (start, start + 86400)},
    )
    assert grain_s(cfg) == grain
    store = Store(url=store_url)
    for i in range(0, 86400, 1325):  # every 22 min 5 s: each local hour, both sides of :30
        store.put_call(answered(f"k{i}", start + i, 7, 60, "asa", "vetlanda"))
    assert store.flush(10)
    fig = stored_figures(store.engine, cfg)
    assert fig == figures(store.records(), (), cfg)
    assert [p.offered for p in fig.series][:5] == [3, 3, 3, 2, 3]
    assert fig.series[0].start == datetime(2026, 10, 25, tzinfo=here).isoformat()
    assert store.close()
