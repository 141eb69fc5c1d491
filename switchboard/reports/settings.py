"""What report figures depend on besides the records: thresholds, targets, homes, zones, prices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from switchboard.config.models import Config

UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Settings:
    """Every field has a usable default; `periods` gives tenants their own local period."""

    short_abandon_s: float = 5.0  # abandons quicker than this are left out of service level
    answer_within_s: Mapping[str, float] = field(default_factory=dict)  # tenant -> target
    price_per_minute: float | None = None  # handled minute price for the cost split
    partner_prices: Mapping[str, float] = field(default_factory=dict)  # home tenant -> price
    currency: str | None = None
    homes: Mapping[str, str] = field(default_factory=dict)  # operator -> home tenant
    zones: Mapping[str, ZoneInfo] = field(default_factory=dict)  # tenant -> its time zone
    interval: str = "1h"  # 15m | 30m | 1h | day
    start: float | None = None  # period [start, end); None: from the records
    end: float | None = None
    periods: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # tenant -> [s, e)

    def period_of(self, tenant: str) -> tuple[float | None, float | None]:
        """The tenant's own [start, end), else the common one."""
        return self.periods.get(tenant, (self.start, self.end))

    def zone_of(self, tenant: str) -> ZoneInfo:
        """The tenant's time zone (UTC for a tenant the settings do not know)."""
        return self.zones.get(tenant, UTC_ZONE)

    def price_of(self, home: str) -> float | None:
        """What a minute handled by `home`'s operators costs (None: no price configured)."""
        return self.partner_prices.get(home, self.price_per_minute)

    @property
    def span(self) -> tuple[float, float]:
        """The widest [start, end): the common period and every tenant's own, together."""
        if self.start is None or self.end is None:
            raise ValueError("the span needs a period (Settings.start and end)")
        first = min([self.start, *(s for s, _ in self.periods.values())])
        last = max([self.end, *(e for _, e in self.periods.values())])
        return first, last

    @property
    def priced(self) -> bool:
        """True when the matrix gets a cost split."""
        return self.price_per_minute is not None or bool(self.partner_prices)


def for_days(config: Config, first: date, last: date, interval: str = "1h") -> Settings:
    """Settings for the days `first`..`last` (both included) in each tenant's own time zone.

    A tenant's period runs from its local midnight of `first` to its midnight after `last`;
    the common period spans them all (for tenants no longer in the configuration).
    """
    zones = {tid: ZoneInfo(t.timezone) for tid, t in config.tenants.items()}
    after = last + timedelta(days=1)
    periods = {tid: (midnight(first, z), midnight(after, z)) for tid, z in zones.items()}
    r = config.reports
    return Settings(
        short_abandon_s=r.short_abandon_s,
        price_per_minute=r.price_per_minute,
        partner_prices=dict(r.partner_prices),
        currency=r.currency,
        homes={aid: a.home for aid, a in config.agents.items()},
        zones=zones,
        interval=interval,
        start=min((s for s, _ in periods.values()), default=midnight(first, UTC_ZONE)),
        end=max((e for _, e in periods.values()), default=midnight(after, UTC_ZONE)),
        periods=periods,
    )


def midnight(day: date, zone: ZoneInfo) -> float:
    """The timestamp of `day`'s local midnight in `zone`."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()
