"""The store: reads at start-up and for reports; every write goes through the writer thread."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, or_, select, update

from switchboard.core.overrides import Override
from switchboard.core.records import CallRecord
from switchboard.store.database import database_url, migrate, open_engine
from switchboard.store.rows import record_from
from switchboard.store.schema import (
    agent_intervals,
    agent_sessions,
    call_offers,
    call_transfers,
    calls,
    overrides,
)
from switchboard.store.writer import StoreHealth, Writer


class Store:
    """One database; open it with a SQLite path or a URL (`postgresql://...`)."""

    def __init__(self, path: str | Path = "switchboard.db", url: str | None = None) -> None:
        self.url = database_url(str(path), url)
        self.engine = open_engine(self.url)
        self.version = migrate(self.engine)
        self.writer = Writer(self.engine)

    @property
    def health(self) -> StoreHealth:
        """The writer's health: writable, pending writes, failures, latency."""
        return self.writer.health

    def close(self, within_s: float = 5.0) -> bool:
        """Write what is queued (at most `within_s`) and close; False if writes were left."""
        done = self.writer.stop(within_s)
        self.engine.dispose()
        return done

    # ---------------------------------------------------------------- writes (never block)
    def save_session(self, agent: str, logged_in: bool, paused: str | None, now: float) -> None:
        """Remember an agent's login and pause."""
        self.writer.put_session(agent, logged_in, paused, now)

    def put_call(self, record: CallRecord) -> None:
        """Write a call's record as of its latest milestone (idempotent by call id)."""
        self.writer.put_call(record.id, record)

    def put_call_later(self, call_id: str, make: Callable[[], CallRecord]) -> None:
        """Like put_call, the record made by the writer thread only if it is still the newest."""
        self.writer.put_call(call_id, make)

    def agent_state(self, agent: str, status: str, reason: str | None, at: float) -> None:
        """An agent entered `status` at `at` (closes its previous interval)."""
        self.writer.put_interval(agent, status, reason, at)

    def save_overrides(self, current: tuple[Override, ...]) -> None:
        """Remember the calendar overrides in force (replacing those remembered)."""
        self.writer.put_overrides(current)

    def flush(self, within_s: float = 5.0) -> bool:
        """Block until queued writes are committed; False after `within_s`."""
        return self.writer.flush(within_s)

    # ---------------------------------------------------------------- reads (blocking: not on the loop)
    def load_sessions(self) -> tuple[tuple[str, bool, str | None], ...]:
        """Every remembered (agent, logged_in, pause reason)."""
        query = select(agent_sessions.c.agent, agent_sessions.c.logged_in, agent_sessions.c.paused)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(agent_sessions.c.agent))
            return tuple((str(a), bool(li), None if p is None else str(p)) for a, li, p in rows)

    def load_overrides(self) -> tuple[Override, ...]:
        """The calendar overrides remembered (expired ones included: the core drops them)."""
        o = overrides.c
        query = select(o.tenant, o.service, o.force, o.until, o.by_name, o.reason, o.set_at)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(o.tenant, o.service))
            return tuple(
                Override(str(t), str(s), str(f), float(u), str(b), str(r), float(at))
                for t, s, f, u, b, r, at in rows
            )

    def day_records(self, since: float) -> list[CallRecord]:
        """Calls that arrived or ended since `since`, and every call still open, oldest first."""
        c = calls.c
        return self.records(
            or_(
                c.arrived_at >= since,
                c.ended_at >= since,
                c.ended_at.is_(None),
                c.outcome.is_(None),
            )
        )

    def open_calls(self) -> list[CallRecord]:
        """Calls whose record has no outcome yet (live when the engine stopped)."""
        return self.records(calls.c.outcome.is_(None))

    def calls_today(self, since: float) -> tuple[tuple[str, int], ...]:
        """Answered offers per operator since `since` (the local midnight)."""
        o = call_offers.c
        query = select(o.agent, o.agent.label("n")).where(o.answered_at >= since).order_by(o.agent)
        counts: dict[str, int] = {}
        with self.engine.connect() as conn:
            for agent, _ in conn.execute(query):
                counts[agent] = counts.get(agent, 0) + 1
        return tuple(counts.items())

    def close_intervals(self, at: float) -> None:
        """End every interval left open by an engine that stopped without closing them."""
        with self.engine.begin() as conn:
            conn.execute(
                update(agent_intervals)
                .where(agent_intervals.c.ended_at.is_(None))
                .values(ended_at=at)
            )

    def records(self, *where: ColumnElement[bool]) -> list[CallRecord]:
        """Call records matching SQLAlchemy conditions on `calls`, oldest first."""
        with self.engine.connect() as conn:
            return select_records(conn, *where)

    def intervals(self, agent: str | None = None) -> list[dict[str, object]]:
        """Agent state intervals, oldest first (for reports and tests)."""
        query = select(agent_intervals).order_by(agent_intervals.c.started_at, agent_intervals.c.id)
        if agent is not None:
            query = query.where(agent_intervals.c.agent == agent)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]


def _children(rows: Iterable[Row[Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        mapping = dict(row._mapping)
        out.setdefault(str(mapping["call_id"]), []).append(mapping)
    return out


def select_records(conn: Connection, *where: ColumnElement[bool]) -> list[CallRecord]:
    """Call records matching conditions on `calls`, in arrival order, with offers and transfers."""
    query = select(calls).where(*where).order_by(calls.c.arrived_at, calls.c.id)
    chosen = select(calls.c.id).where(*where)
    rows = [dict(r._mapping) for r in conn.execute(query)]
    offers = _children(
        conn.execute(
            select(call_offers)
            .where(call_offers.c.call_id.in_(chosen))
            .order_by(call_offers.c.call_id, call_offers.c.seq)
        )
    )
    transfers = _children(
        conn.execute(
            select(call_transfers)
            .where(call_transfers.c.call_id.in_(chosen))
            .order_by(call_transfers.c.call_id, call_transfers.c.seq)
        )
    )
    return [record_from(r, offers.get(r["id"], []), transfers.get(r["id"], [])) for r in rows]


def stream_records(
    engine: Engine, since: float, until: float, batch: int = 5000
) -> Iterator[CallRecord]:
    """Records that arrived in [since, until), in arrival order, read `batch` at a time."""
    after: tuple[float, str] = (since, "")
    with engine.connect() as conn:
        while True:
            at, uid = after
            page = (calls.c.arrived_at > at) | ((calls.c.arrived_at == at) & (calls.c.id > uid))
            chunk = conn.execute(
                select(calls.c.arrived_at, calls.c.id)
                .where(page, calls.c.arrived_at < until)
                .order_by(calls.c.arrived_at, calls.c.id)
                .limit(batch)
            ).all()
            if not chunk:
                return
            last_at, last_id = chunk[-1]
            window = (
                page,
                (calls.c.arrived_at < last_at)
                | ((calls.c.arrived_at == last_at) & (calls.c.id <= last_id)),
            )
            yield from select_records(conn, *window)
            after = (float(last_at), str(last_id))
