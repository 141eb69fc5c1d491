"""The answered-by matrix: whose operators answered whose calls, and what partners owe each other."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from switchboard.core.records import CallRecord
from switchboard.reports.settings import Settings

Totals = Mapping[tuple[str, str], tuple[int, float]]  # (tenant, home) -> (calls, minutes)


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """Calls of `tenant` answered by operators whose home is `home`, and the minutes handled."""

    tenant: str
    home: str
    calls: int
    minutes: float
    share: float  # of all minutes handled for `tenant`


@dataclass(frozen=True, slots=True)
class Settlement:
    """`payer` owes `payee` `amount` net (both directions of the matrix offset)."""

    payer: str
    payee: str
    amount: float


@dataclass(frozen=True, slots=True)
class Matrix:
    """The matrix, each home tenant's share of all handled minutes, and the net amounts owed."""

    cells: tuple[MatrixCell, ...]
    partner_share: tuple[tuple[str, float], ...]  # home -> share of all minutes handled
    settlements: tuple[Settlement, ...]
    price_per_minute: float | None
    partner_prices: tuple[tuple[str, float], ...] = ()  # home -> its own price per minute
    currency: str | None = None

    def cell(self, tenant: str, home: str) -> MatrixCell | None:
        """The cell for (tenant, home), if any call was answered there."""
        return next((c for c in self.cells if c.tenant == tenant and c.home == home), None)

    @property
    def priced(self) -> bool:
        """True when a price was configured (so settlements were computed)."""
        return self.price_per_minute is not None or bool(self.partner_prices)


def answered_by_totals(
    records: Iterable[CallRecord], homes: Mapping[str, str]
) -> dict[tuple[str, str], tuple[int, float]]:
    """Calls and minutes per (tenant, home) from answered attempts (a call counts once per home).

    An operator's home is the one recorded with the call, else today's configuration.
    """
    totals: dict[tuple[str, str], tuple[int, float]] = {}
    for r in records:
        recorded = dict(r.homes)
        seen: set[str] = set()
        for a in r.attempts:
            if a.answered_at is None:
                continue
            home = recorded.get(a.agent)
            if home is None and a.agent == r.answered_by:
                home = r.answered_by_home
            home = home or homes.get(a.agent)
            if home is None:
                continue
            calls, seconds = totals.get((r.tenant, home), (0, 0.0))
            if home not in seen:
                calls += 1
                seen.add(home)
            if a.ended_at is not None:
                seconds += a.ended_at - a.answered_at
            totals[(r.tenant, home)] = (calls, seconds)
    return {k: (n, s / 60) for k, (n, s) in totals.items()}


def matrix_of(totals: Totals, cfg: Settings) -> Matrix:
    """The matrix of (tenant, home) totals, with shares and, when priced, the settlements."""
    per_tenant: dict[str, float] = {}
    per_home: dict[str, float] = {}
    for (tenant, home), (_, m) in sorted(totals.items()):  # one order: equal sums both ways
        per_tenant[tenant] = per_tenant.get(tenant, 0.0) + m
        per_home[home] = per_home.get(home, 0.0) + m
    total = sum(per_home.values())
    cells = tuple(
        MatrixCell(t, h, n, m, _ratio(m, per_tenant.get(t, 0.0)))
        for (t, h), (n, m) in sorted(totals.items())
    )
    shares = tuple((h, _ratio(m, total)) for h, m in sorted(per_home.items()))
    return Matrix(
        cells,
        shares,
        _settle({k: m for k, (_, m) in totals.items()}, cfg),
        cfg.price_per_minute,
        tuple(sorted(cfg.partner_prices.items())),
        cfg.currency,
    )


def _settle(minutes: Mapping[tuple[str, str], float], cfg: Settings) -> tuple[Settlement, ...]:
    """Tenant X owes home Y for the minutes Y's operators handled for X, net of the reverse."""
    if not cfg.priced:
        return ()
    out = []
    pairs = sorted({tuple(sorted(k)) for k in minutes if k[0] != k[1]})
    for a, b in pairs:
        owed_b = minutes.get((a, b), 0.0) * (cfg.price_of(b) or 0.0)
        owed_a = minutes.get((b, a), 0.0) * (cfg.price_of(a) or 0.0)
        net = owed_b - owed_a
        if abs(net) < 0.005:
            continue
        out.append(Settlement(a, b, round(net, 2)) if net > 0 else Settlement(b, a, round(-net, 2)))
    return tuple(out)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0
