"""Two runs side by side: the same callers through two configurations, and the differences."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.reports.figures import Figures, ServiceFigures
from switchboard.reports.sections import Section, num, pct

Metric = tuple[str, Callable[[ServiceFigures], float | None], Callable[[float | None], str]]

METRICS: tuple[Metric, ...] = (
    ("offered", lambda s: s.offered, lambda v: num(v)),
    ("answered", lambda s: s.answered, lambda v: num(v)),
    ("abandoned", lambda s: s.abandoned, lambda v: num(v)),
    ("service_level", lambda s: s.service_level, pct),
    ("wait_avg_s", lambda s: s.wait_avg_s, lambda v: num(v, 1)),
    ("wait_p90_s", lambda s: s.wait_p90_s, lambda v: num(v, 1)),
    ("asa_s", lambda s: s.asa_s, lambda v: num(v, 1)),
    ("overflowed", lambda s: s.overflowed, lambda v: num(v)),
    ("callbacks", lambda s: s.callbacks, lambda v: num(v)),
    ("voicemails", lambda s: s.voicemails, lambda v: num(v)),
)


def compare_sections(a: Figures, b: Figures, names: tuple[str, str]) -> list[Section]:
    """Per tenant and per operator home: each metric in A, in B, and B minus A."""
    rows: list[tuple[str, ...]] = []
    tenants_a = {t.tenant: t for t in a.tenants}
    tenants_b = {t.tenant: t for t in b.tenants}
    for tenant in sorted(set(tenants_a) | set(tenants_b)):
        ta, tb = tenants_a.get(tenant), tenants_b.get(tenant)
        for name, get, fmt in METRICS:
            va = get(ta) if ta is not None else None
            vb = get(tb) if tb is not None else None
            delta = None if va is None or vb is None else vb - va
            shown = fmt(delta) if delta is not None else ""
            if delta is not None and delta > 0:
                shown = "+" + shown
            rows.append((tenant, name, fmt(va), fmt(vb), shown))
    occupancy = _occupancy(a, b)
    return [
        Section(
            "compare",
            f"{names[0]} vs {names[1]}",
            ("tenant", "metric", names[0], names[1], "change"),
            tuple(rows),
        ),
        Section(
            "compare_operators", "Operator occupancy", ("agent", names[0], names[1]), occupancy
        ),
    ]


def _occupancy(a: Figures, b: Figures) -> tuple[tuple[str, ...], ...]:
    ops_a = {o.agent: o.occupancy for o in a.operators}
    ops_b = {o.agent: o.occupancy for o in b.operators}
    return tuple(
        (agent, pct(ops_a.get(agent)), pct(ops_b.get(agent)))
        for agent in sorted(set(ops_a) | set(ops_b))
    )
