"""The report's aggregations in SQL (one text for SQLite and PostgreSQL), over the store's tables.

Each query counts exactly what `tally.tally_of`, `matrix.answered_by_totals` and
`operators.offer_totals` count in Python; the tests hold the two ways equal.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    cast,
    distinct,
    func,
    literal,
    null,
    or_,
    select,
)

from switchboard.reports.operators import NOT_A_MISS, AgentInterval
from switchboard.reports.series import INTERVALS
from switchboard.reports.settings import Settings
from switchboard.reports.tally import CALLBACKS, CLOSED, Tally
from switchboard.store.schema import agent_intervals, call_offers, calls

c, o = calls.c, call_offers.c
Key = tuple[str, str]
MatrixTotals = dict[tuple[str, str], tuple[int, float]]
WEEK_S = 7 * 86400


def in_scope(cfg: Settings) -> ColumnElement[bool]:
    """Ended calls that arrived in their tenant's period (the common one for other tenants).

    One plain range over every period lets the database read the span by `calls_by_arrival`;
    each tenant's own bounds are then checked row by row (a CASE no index is tried for).
    """
    if cfg.start is None or cfg.end is None:
        raise ValueError("a stored report needs a period")
    first, last = cfg.span
    scope = [c.outcome.is_not(None), c.arrived_at >= first, c.arrived_at < last]
    if cfg.periods:
        starts = {t: s for t, (s, _) in cfg.periods.items()}
        ends = {t: e for t, (_, e) in cfg.periods.items()}
        scope.append(c.arrived_at >= case(starts, value=c.tenant, else_=cfg.start))
        scope.append(c.arrived_at < case(ends, value=c.tenant, else_=cfg.end))
    return and_(*scope)


def grain_s(cfg: Settings) -> int:
    """The longest UTC step whose multiples hold every local bucket boundary of the report.

    Local boundaries fall on UTC multiples of the step when it divides the interval and every
    UTC offset a tenant has in its period (whole hours in most zones, quarter hours in all
    today); offsets are read every week of the period, which sees every change of clock.
    """
    step = min(INTERVALS[cfg.interval], 3600)
    for tenant, zone in cfg.zones.items():
        start, end = cfg.period_of(tenant)
        if start is None or end is None:
            continue
        for at in (*range(int(start), int(end), WEEK_S), end):
            offset = zone.utcoffset(datetime.fromtimestamp(at, zone))
            step = math.gcd(step, int(offset.total_seconds()) if offset else 0)
    return step


def tallies(conn: Connection, cfg: Settings, grain_s: int) -> Iterator[tuple[str, str, int, Tally]]:
    """(tenant, service, start of its `grain_s` step, tally) of the calls in scope."""
    grain = (
        func.floor(c.arrived_at / grain_s)
        if conn.dialect.name == "postgresql"
        else cast(c.arrived_at / grain_s, Integer)  # arrivals are positive: truncation floors
    ).label("grain")
    wait = _wait()
    queued = c.queue != ""
    answered = c.answered_at.is_not(None)
    abandoned = and_(c.answered_at.is_(None), c.outcome == "abandoned")
    short = and_(abandoned, func.coalesce(wait, 0.0) < cfg.short_abandon_s)
    target = (
        case(dict(cfg.answer_within_s), value=c.tenant, else_=c.target_answer_s)
        if cfg.answer_within_s
        else c.target_answer_s
    )
    home = _known(c.answered_by_home, c.answered_by, cfg.homes)
    columns = (
        _count(queued),
        _count(and_(queued, answered)),
        _count(and_(queued, abandoned)),
        _count(and_(queued, short)),
        _count(and_(queued, ~short)),
        _count(and_(queued, answered, func.coalesce(wait, 0.0) <= target)),
        _sum(queued, wait),
        _count(and_(queued, wait.is_not(None))),
        _sum(and_(queued, answered), wait),
        _count(and_(queued, answered, wait.is_not(None))),
        literal(0.0),  # talk: from the offers, in `talk`
        _count(and_(queued, answered, home.is_not(None), home != c.tenant)),
        _count(and_(queued, c.outcome.in_(sorted(CALLBACKS)))),
        _count(and_(queued, c.outcome == "voicemail")),
        _count(and_(~queued, c.outcome.in_(sorted(CLOSED)))),
        _count(and_(~queued, c.outcome == "reject")),
    )
    query = (
        select(c.tenant, c.service, grain, *columns)
        .where(in_scope(cfg))
        .group_by(c.tenant, c.service, grain)
    )
    for row in conn.execute(query):
        values = [v or 0 for v in row[3:]]
        yield row[0], row[1], int(row[2]) * grain_s, Tally(*values)


def p90_waits(conn: Connection, cfg: Settings, by_service: bool) -> dict[tuple[str, str], float]:
    """Nearest-rank 90th percentile wait per (tenant, service), or per (tenant, "") of tenants."""
    wait = _wait().label("w")
    service = c.service if by_service else literal("")
    keys = (c.tenant, c.service) if by_service else (c.tenant,)
    ranked = (
        select(
            c.tenant.label("t"),
            service.label("s"),
            wait,
            func.row_number().over(partition_by=keys, order_by=wait).label("rn"),
            func.count().over(partition_by=keys).label("n"),
        )
        .where(in_scope(cfg), c.queue != "", wait.is_not(None))
        .subquery()
    )
    r = ranked.c
    query = select(r.t, r.s, r.w).where(r.rn == (9 * r.n + 9) // 10)  # ceil(0.9 n), in integers
    return {(t, s): float(w) for t, s, w in conn.execute(query)}


def answers(conn: Connection, cfg: Settings) -> tuple[MatrixTotals, dict[Key, float]]:
    """Over answered attempts: the matrix's (calls, minutes) per (tenant, operator's home), and
    the talk seconds per (tenant, service) of queued answered calls (one pass over the join)."""
    answerer = case((o.agent == c.answered_by, c.answered_by_home), else_=null())
    home = _known(func.coalesce(o.home, answerer), o.agent, cfg.homes).label("home")
    seconds = case((o.ended_at.is_not(None), o.ended_at - o.answered_at), else_=0.0)
    talked = and_(c.queue != "", c.answered_at.is_not(None))
    query = (
        select(
            c.tenant,
            c.service,
            home,
            func.count(distinct(o.call_id)),
            func.sum(seconds),
            _sum(talked, seconds),
        )
        .select_from(call_offers.join(calls, calls.c.id == o.call_id))
        .where(in_scope(cfg), o.answered_at.is_not(None))
        .group_by(c.tenant, c.service, home)
    )
    matrix: dict[tuple[str, str], tuple[int, float]] = {}
    talk: dict[Key, float] = {}
    for tenant, service, h, n, total, talk_s in conn.execute(query):
        talk[(tenant, service)] = talk.get((tenant, service), 0.0) + float(talk_s or 0.0)
        if h is not None:  # a call has one service: its distinct count adds up over services
            calls_, minutes = matrix.get((tenant, h), (0, 0.0))
            matrix[(tenant, h)] = (calls_ + int(n), minutes + float(total or 0.0))
    return {k: (n, s / 60) for k, (n, s) in matrix.items()}, talk


def offers(conn: Connection, cfg: Settings) -> Iterator[tuple[str, int, float, int]]:
    """(operator, answered offers, talk seconds, misses) over the offers of calls in scope."""
    answered = o.answered_at.is_not(None)
    miss = and_(~answered, o.rang, o.result.is_not(None), o.result.not_in(sorted(NOT_A_MISS)))
    query = (
        select(o.agent, _count(answered), _sum(answered, o.ended_at - o.answered_at), _count(miss))
        .select_from(call_offers.join(calls, calls.c.id == o.call_id))
        .where(in_scope(cfg))
        .group_by(o.agent)
    )
    for agent, n, s, m in conn.execute(query):
        yield agent, int(n or 0), float(s or 0.0), int(m or 0)


def intervals(conn: Connection, start: float, end: float) -> Iterator[AgentInterval]:
    """Agent state intervals overlapping [start, end), streamed in batches."""
    i = agent_intervals.c
    query = select(i.agent, i.status, i.reason, i.started_at, i.ended_at).where(
        i.started_at < end, or_(i.ended_at.is_(None), i.ended_at > start)
    )
    for row in conn.execution_options(yield_per=10_000).execute(query):
        yield AgentInterval(*row)


def _wait() -> ColumnElement[Any]:
    """`CallRecord.waited_s` in SQL: from queueing to the answer or the end, never below 0."""
    waited = func.coalesce(c.answered_at, c.ended_at) - c.queued_at
    return case((c.queued_at.is_(None), null()), (waited < 0, 0.0), else_=waited)


def _known(recorded: Any, agent: Any, homes: Mapping[str, str]) -> ColumnElement[Any]:
    """The recorded home, else the operator's home in today's configuration."""
    if not homes:
        return func.coalesce(recorded, null())
    return func.coalesce(recorded, case(dict(homes), value=agent, else_=null()))


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


def _sum(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.sum(case((condition, value), else_=null()))
