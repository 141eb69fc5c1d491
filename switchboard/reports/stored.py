"""Report figures straight from the store: SQL aggregates, with the agent intervals streamed.

Nothing holds every call in memory: the database groups the calls by tenant, service and
quarter hour, and the figures are assembled from those groups exactly as `figures` would.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from switchboard.reports import queries
from switchboard.reports.figures import Figures, Parts, assemble, operator_window
from switchboard.reports.operators import OfferTotals, state_totals
from switchboard.reports.series import bucket_start
from switchboard.reports.settings import Settings
from switchboard.reports.tally import Tally

Step = Callable[[str], None]  # told the name of each query as it finishes
STEPS = ("calls", "answers", "waits", "operators", "states")


def stored_figures(engine: Engine, cfg: Settings, step: Step | None = None) -> Figures:
    """The figures of the calls in the store that arrived in `cfg`'s periods."""
    if cfg.start is None or cfg.end is None:
        raise ValueError("a stored report needs a period (Settings.start and end)")
    start, end = cfg.start, cfg.end
    done = step or (lambda _: None)
    services: dict[tuple[str, str], Tally] = {}
    buckets: dict[tuple[str, float], Tally] = {}
    starts: dict[tuple[str, int], float] = {}
    with engine.connect() as conn:
        for tenant, service, grain, tally in queries.tallies(conn, cfg, queries.grain_s(cfg)):
            key = (tenant, service)
            services[key] = services.get(key, Tally()) + tally
            at = starts.get((tenant, grain))
            if at is None:
                at = bucket_start(grain, cfg.zone_of(tenant), cfg.interval)
                starts[(tenant, grain)] = at
            buckets[(tenant, at)] = buckets.get((tenant, at), Tally()) + tally
        done("calls")
        matrix, talk = queries.answers(conn, cfg)
        for key, seconds in talk.items():
            services[key] = services.get(key, Tally()) + Tally(talk_s=seconds)
        done("answers")
        service_p90 = queries.p90_waits(conn, cfg, by_service=True)
        tenant_p90 = {t: w for (t, _), w in queries.p90_waits(conn, cfg, by_service=False).items()}
        done("waits")
        offers = {a: OfferTotals(n, s, m) for a, n, s, m in queries.offers(conn, cfg)}
        done("operators")
        first = min([start, *(s for s, _ in cfg.periods.values())])
        last = max([end, *(e for _, e in cfg.periods.values())])
        window = operator_window(cfg, start, end)
        states = state_totals(queries.intervals(conn, first, last), window)
        done("states")
    parts = Parts(
        start=start,
        end=end,
        services=services,
        service_p90={k: service_p90.get(k) for k in services},
        tenant_p90={t: tenant_p90.get(t) for t, _ in services},
        buckets=buckets,
        matrix=matrix,
        offers=offers,
        states=states,
    )
    return assemble(parts, cfg)
