"""Report routes: a period's figures as `switchboard report` gives them, and today's
answered-by matrix; read from the store in a thread, never on the event loop."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from switchboard.http.api.auth import READERS, Principal
from switchboard.http.api.binding import ApiError, Call, Raw
from switchboard.http.api.context import ApiContext
from switchboard.http.api.models import ReportQuery
from switchboard.http.api.spec import Route
from switchboard.reports import render_report
from switchboard.reports.figures import Figures, focus
from switchboard.reports.matrix import Matrix
from switchboard.reports.settings import for_days
from switchboard.reports.stored import stored_figures

MEDIA = {"csv": "text/csv", "html": "text/html", "table": "text/plain"}
MATRIX_FRESH_S = 5.0  # today's matrix is read again at most this often
AT_ONCE = 2  # reports read side by side; more wait their turn


def report_routes(ctx: ApiContext) -> list[Route]:
    """GET /api/reports and GET /api/matrix."""
    turns = asyncio.Semaphore(AT_ONCE)
    cached: dict[date, tuple[float, Figures]] = {}

    async def figures_of(first: date, last: date, interval: str) -> Figures:
        config = ctx.config()
        cfg = for_days(config, first, last, interval)
        async with turns:
            try:
                return await asyncio.to_thread(stored_figures, ctx.database(), cfg)
            except SQLAlchemyError as exc:
                raise ApiError(503, f"the store cannot be read: {type(exc).__name__}") from None

    async def report(c: Call) -> object:
        q: ReportQuery = c.query
        tenant = _scope(ctx, c.principal, q.tenant)
        fig = await figures_of(q.first, q.last, q.interval)
        if tenant is not None:
            fig = focus(fig, tenant, {a: e.home for a, e in ctx.board.catalog.agents.items()})
        if q.format == "json":
            return fig
        who = f", tenant {tenant}" if tenant else ""
        title = f"switchboard report: {q.first} to {q.last} (local days){who}"
        return Raw(render_report(q.format, title, fig), MEDIA[q.format])

    async def matrix(c: Call) -> Matrix:
        today = _today(ctx)
        hit = cached.get(today)
        if hit is None or time.monotonic() - hit[0] > MATRIX_FRESH_S:
            hit = (time.monotonic(), await figures_of(today, today, "day"))
            cached.clear()
            cached[today] = hit
        return _visible(hit[1].matrix, c.principal)

    return [
        Route("GET", "/api/reports", "Figures of a period from the call records (as "
              "`switchboard report`)", "reports", report, READERS, Figures, query=ReportQuery,
              errors=(403, 404, 503), media={m: f"the report as {f}" for f, m in MEDIA.items()},
              description="`format` json (default), csv, html or table. Tokens limited to "
              "tenants must name one of theirs in `tenant`."),
        Route("GET", "/api/matrix", "Today's answered-by matrix: whose operators answered whose "
              "calls", "reports", matrix, READERS, Matrix, errors=(503,)),
    ]  # fmt: skip


def _scope(ctx: ApiContext, p: Principal, tenant: str | None) -> str | None:
    if tenant is not None:
        return ctx.tenant(p, tenant, "query.tenant")
    if p.tenants is not None:
        raise ApiError(403, "this token covers some tenants only: name one in `tenant`")
    return None


def _visible(m: Matrix, p: Principal) -> Matrix:
    """The cells and settlements a tenant-limited token takes part in."""
    if p.tenants is None:
        return m
    mine = p.tenants
    return replace(
        m,
        cells=tuple(c for c in m.cells if c.tenant in mine or c.home in mine),
        settlements=tuple(s for s in m.settlements if s.payer in mine or s.payee in mine),
    )


def _today(ctx: ApiContext) -> date:
    config = ctx.config()
    zone = config.engine.timezone or next(iter(config.tenants.values())).timezone
    return datetime.fromtimestamp(ctx.clock(), ZoneInfo(zone)).date()
