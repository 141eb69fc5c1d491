"""Figures as titled tables of text cells, the common input of the table, CSV and HTML renderers."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.reports.figures import Figures, ServiceFigures

Cell = str


@dataclass(frozen=True, slots=True)
class Section:
    """One table: a machine name, a title, column headers and rows of formatted cells."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


SERVICE_COLUMNS = (
    "tenant",
    "service",
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "service_level",
    "wait_avg_s",
    "wait_p90_s",
    "asa_s",
    "aht_s",
    "overflowed",
    "callbacks",
    "voicemails",
    "closed",
)


def sections(fig: Figures, *, with_series: bool = True) -> list[Section]:
    """The report's tables in reading order: tenants, services, operators, matrix, series."""
    out = [
        Section(
            "tenants", "Per tenant", SERVICE_COLUMNS, tuple(service_row(s) for s in fig.tenants)
        ),
        Section(
            "services", "Per service", SERVICE_COLUMNS, tuple(service_row(s) for s in fig.services)
        ),
        Section(
            "operators",
            "Per operator",
            (
                "agent",
                "home",
                "calls",
                "talk_s",
                "wrapup_s",
                "logged_in_s",
                "occupancy",
                "paused_s",
                "pauses",
                "misses",
            ),
            tuple(
                (
                    o.agent,
                    o.home or "",
                    str(o.calls),
                    num(o.talk_s),
                    num(o.wrapup_s),
                    num(o.logged_in_s),
                    pct(o.occupancy),
                    num(o.paused_s),
                    " ".join(f"{r}={num(s)}" for r, s in o.pause_by_reason),
                    str(o.misses),
                )
                for o in fig.operators
            ),
        ),
        Section(
            "matrix",
            "Answered by (tenant's calls answered by operators whose home is ...)",
            ("tenant", "home", "calls", "minutes", "share"),
            tuple(
                (c.tenant, c.home, str(c.calls), num(c.minutes, 1), pct(c.share))
                for c in fig.matrix.cells
            ),
        ),
        Section(
            "partner_share",
            "Share of all handled minutes",
            ("home", "share"),
            tuple((h, pct(s)) for h, s in fig.matrix.partner_share),
        ),
    ]
    if fig.matrix.priced:
        out.append(
            Section(
                "settlements",
                f"Net amounts owed {price_text(fig)}",
                ("payer", "payee", "amount", "currency"),
                tuple(
                    (s.payer, s.payee, f"{s.amount:.2f}", fig.matrix.currency or "")
                    for s in fig.matrix.settlements
                ),
            )
        )
    if with_series:
        out.append(
            Section(
                "series",
                f"Per {fig.interval} interval (tenant's local time)",
                (
                    "tenant",
                    "start",
                    "offered",
                    "answered",
                    "abandoned",
                    "service_level",
                    "wait_avg_s",
                ),
                tuple(
                    (
                        p.tenant,
                        p.start,
                        str(p.offered),
                        str(p.answered),
                        str(p.abandoned),
                        pct(p.service_level),
                        num(p.wait_avg_s),
                    )
                    for p in fig.series
                ),
            )
        )
    return out


def service_row(s: ServiceFigures) -> tuple[Cell, ...]:
    """A tenant's or service's figures as cells in SERVICE_COLUMNS order."""
    return (
        s.tenant,
        s.service or "*",
        str(s.offered),
        str(s.answered),
        str(s.abandoned),
        str(s.short_abandoned),
        pct(s.service_level),
        num(s.wait_avg_s),
        num(s.wait_p90_s),
        num(s.asa_s),
        num(s.aht_s),
        str(s.overflowed),
        str(s.callbacks),
        str(s.voicemails),
        str(s.closed),
    )


def price_text(fig: Figures) -> str:
    """`at 4.5 SEK per handled minute (savsjo 5)`: the prices the settlements used."""
    m = fig.matrix
    currency = f" {m.currency}" if m.currency else ""
    base = f"at {m.price_per_minute:g}{currency} per handled minute" if m.price_per_minute else ""
    own = ", ".join(f"{home} {price:g}" for home, price in m.partner_prices)
    if not own:
        return base
    return f"{base} ({own})" if base else f"at partner prices per handled minute{currency} ({own})"


def num(value: float | None, digits: int = 0) -> Cell:
    """A number of seconds or minutes; empty when there is none."""
    return "" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> Cell:
    """A ratio as a percentage with one decimal; empty when there is none."""
    return "" if value is None else f"{100 * value:.1f}%"
