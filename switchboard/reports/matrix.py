"""The answered-by matrix: whose operators answered whose calls, and what partners owe each other."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from switchboard.core.records import CallRecord


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

    def cell(self, tenant: str, home: str) -> MatrixCell | None:
        """The cell for (tenant, home), if any call was answered there."""
        return next((c for c in self.cells if c.tenant == tenant and c.home == home), None)


def answered_by_matrix(
    records: Sequence[CallRecord], homes: Mapping[str, str], price_per_minute: float | None
) -> Matrix:
    """Build the matrix from answered attempts (a transferred call counts for each answerer)."""
    calls: dict[tuple[str, str], int] = {}
    minutes: dict[tuple[str, str], float] = {}
    for r in records:
        seen: set[str] = set()
        for a in r.attempts:
            if a.answered_at is None:
                continue
            home = homes.get(a.agent)
            if home is None and a.agent == r.answered_by:
                home = r.answered_by_home
            if home is None:
                continue
            key = (r.tenant, home)
            if home not in seen:
                calls[key] = calls.get(key, 0) + 1
                seen.add(home)
            if a.ended_at is not None:
                minutes[key] = minutes.get(key, 0.0) + (a.ended_at - a.answered_at) / 60
    per_tenant: dict[str, float] = {}
    per_home: dict[str, float] = {}
    for (tenant, home), m in minutes.items():
        per_tenant[tenant] = per_tenant.get(tenant, 0.0) + m
        per_home[home] = per_home.get(home, 0.0) + m
    total = sum(per_home.values())
    cells = tuple(
        MatrixCell(
            t,
            h,
            n,
            minutes.get((t, h), 0.0),
            _ratio(minutes.get((t, h), 0.0), per_tenant.get(t, 0.0)),
        )
        for (t, h), n in sorted(calls.items())
    )
    shares = tuple((h, _ratio(m, total)) for h, m in sorted(per_home.items()))
    return Matrix(cells, shares, _settle(minutes, price_per_minute), price_per_minute)


def _settle(
    minutes: Mapping[tuple[str, str], float], price: float | None
) -> tuple[Settlement, ...]:
    """Tenant X owes home Y for the minutes Y's operators handled for X, net of the reverse."""
    if price is None:
        return ()
    out = []
    pairs = sorted({tuple(sorted(k)) for k in minutes if k[0] != k[1]})
    for a, b in pairs:
        net = (minutes.get((a, b), 0.0) - minutes.get((b, a), 0.0)) * price
        if abs(net) < 0.005:
            continue
        out.append(Settlement(a, b, round(net, 2)) if net > 0 else Settlement(b, a, round(-net, 2)))
    return tuple(out)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else 0.0
