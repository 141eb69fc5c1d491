"""Report figures straight from the store: SQL aggregates, with the agent intervals streamed.

Nothing holds every call in memory: the database groups the calls by tenant, service and
time step, and the figures are assembled from those groups exactly as `figures` would. The
queries run side by side on their own connections (the database works, Python waits).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from sqlalchemy import Connection, Engine

from switchboard.reports import queries
from switchboard.reports.figures import Figures, Parts, assemble, operator_window
from switchboard.reports.operators import OfferTotals, state_totals
from switchboard.reports.series import bucket_start
from switchboard.reports.settings import Settings
from switchboard.reports.tally import Tally

Step = Callable[[str], None]  # told the name of each query as it finishes
STEPS = ("answers", "service waits", "tenant waits", "calls", "operators", "states")
WORKERS = 2
WORK_MEM = "64MB"  # PostgreSQL, per sort or hash of this transaction only


def stored_figures(engine: Engine, cfg: Settings, step: Step | None = None) -> Figures:
    """The figures of the calls in the store that arrived in `cfg`'s periods."""
    if cfg.start is None or cfg.end is None:
        raise ValueError("a stored report needs a period (Settings.start and end)")
    start, end = cfg.start, cfg.end
    first, last = cfg.span
    window = operator_window(cfg, start, end)
    grain = queries.grain_s(cfg)
    jobs: dict[str, Callable[[Connection], Any]] = {  # the slowest first
        "answers": lambda conn: queries.answers(conn, cfg),
        "service waits": lambda conn: queries.p90_waits(conn, cfg, by_service=True),
        "tenant waits": lambda conn: queries.p90_waits(conn, cfg, by_service=False),
        "calls": lambda conn: list(queries.tallies(conn, cfg, grain)),
        "operators": lambda conn: list(queries.offers(conn, cfg)),
        "states": lambda conn: state_totals(queries.intervals(conn, first, last), window),
    }
    done = step or (lambda _: None)
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="report") as pool:
        futures = {pool.submit(_on_connection, engine, job): name for name, job in jobs.items()}
        for future in as_completed(futures):
            future.result()  # the first failure stops the report
            done(futures[future])
        results = {name: future.result() for future, name in futures.items()}
    services: dict[tuple[str, str], Tally] = {}
    buckets: dict[tuple[str, float], Tally] = {}
    starts: dict[tuple[str, int], float] = {}
    for tenant, service, at_grain, tally in results["calls"]:
        key = (tenant, service)
        services[key] = services.get(key, Tally()) + tally
        at = starts.get((tenant, at_grain))
        if at is None:
            at = bucket_start(at_grain, cfg.zone_of(tenant), cfg.interval)
            starts[(tenant, at_grain)] = at
        buckets[(tenant, at)] = buckets.get((tenant, at), Tally()) + tally
    matrix, talk = results["answers"]
    for key, seconds in talk.items():
        services[key] = services.get(key, Tally()) + Tally(talk_s=seconds)
    parts = Parts(
        start=start,
        end=end,
        services=services,
        service_p90=results["service waits"],
        tenant_p90={t: w for (t, _), w in results["tenant waits"].items()},
        buckets=buckets,
        matrix=matrix,
        offers={a: OfferTotals(n, s, m) for a, n, s, m in results["operators"]},
        states=results["states"],
    )
    return assemble(parts, cfg)


def _on_connection(engine: Engine, job: Callable[[Connection], Any]) -> Any:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # sorts of a month fit in memory, not in 4 MB
            conn.exec_driver_sql(f"SET LOCAL work_mem = '{WORK_MEM}'")
        return job(conn)
