"""The store's one writer thread: writes queue up, coalesce, commit in batches, retry forever.

The event loop only appends to in-memory queues; a locked, slow or full database delays the
records, never routing. A failing store is reported loudly (log, `health`) and retried.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite

from switchboard.core.overrides import Override
from switchboard.core.records import CallRecord
from switchboard.store.rows import call_row, offer_rows, override_row, transfer_rows
from switchboard.store.schema import (
    agent_intervals,
    agent_sessions,
    call_offers,
    call_transfers,
    calls,
    overrides,
)

log = structlog.get_logger("switchboard.store")

MAX_INTERVALS = 100_000  # queued agent-state changes kept while the database is unavailable
RETRY_FIRST_S, RETRY_MAX_S = 0.1, 5.0
# Milestones of a quarter second share one transaction: at 30 calls/s the engine spends 1 ms
# less CPU per call than with 50 ms (bench_load sim); a kill -9 loses at most that quarter second.
GATHER_S = 0.25


@dataclass
class StoreHealth:
    """What the writer reports: for /readyz, metrics and logs."""

    writable: bool = True
    failing_since: float | None = None
    last_error: str | None = None
    pending: int = 0
    batches: int = 0
    writes: int = 0
    failures: int = 0
    dropped: int = 0
    last_write_s: float = 0.0
    max_write_s: float = 0.0


@dataclass
class _Batch:
    calls: dict[str, CallRecord | Callable[[], CallRecord]] = field(default_factory=dict)
    sessions: dict[str, tuple[bool, str | None, float]] = field(default_factory=dict)
    intervals: list[tuple[str, str, str | None, float]] = field(default_factory=list)
    overrides: tuple[Override, ...] | None = None  # all of them, replacing the stored ones

    def __len__(self) -> int:
        extra = self.overrides is not None
        return len(self.calls) + len(self.sessions) + len(self.intervals) + extra

    def under(self, newer: _Batch) -> _Batch:
        """This (failed, older) batch with `newer` work on top of it."""
        if newer.overrides is not None:
            self.overrides = newer.overrides
        self.calls.update(newer.calls)
        self.sessions.update(newer.sessions)
        self.intervals.extend(newer.intervals)
        return self


WriteListener = Callable[[float, int, bool], None]  # (seconds, items, ok)


class Writer:
    """Owns the write connection; `put_*` never block; `flush` waits until everything is written."""

    def __init__(self, engine: Engine, gather_s: float = GATHER_S) -> None:
        self.engine = engine
        self.gather_s = gather_s
        self._hurry = 0  # flushes waiting: write at once
        self.health = StoreHealth()
        self.listeners: list[WriteListener] = []
        self._batch = _Batch()
        self._cond = threading.Condition()
        self._busy = False
        self._inflight = 0  # items of the batch being written (still pending until committed)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def put_call(self, call_id: str, record: CallRecord | Callable[[], CallRecord]) -> None:
        """Queue a call's record, or a function making it when written (a newer version of the
        same call replaces a queued one, and a replaced one is never made)."""
        with self._cond:
            first = not len(self._batch)
            self._batch.calls[call_id] = record
            self._wake(first)

    def put_session(self, agent: str, logged_in: bool, paused: str | None, at: float) -> None:
        """Queue an agent's login and pause."""
        with self._cond:
            first = not len(self._batch)
            self._batch.sessions[agent] = (logged_in, paused, at)
            self._wake(first)

    def put_interval(self, agent: str, status: str, reason: str | None, at: float) -> None:
        """Queue an agent state change: the open interval ends at `at`, a new one starts."""
        with self._cond:
            first = not len(self._batch)
            if len(self._batch.intervals) >= MAX_INTERVALS:
                del self._batch.intervals[0]
                self.health.dropped += 1
            self._batch.intervals.append((agent, status, reason, at))
            self._wake(first)

    def put_overrides(self, current: tuple[Override, ...]) -> None:
        """Queue the calendar overrides in force (they replace the stored set)."""
        with self._cond:
            first = not len(self._batch)
            self._batch.overrides = current
            self._wake(first)

    def flush(self, within_s: float) -> bool:
        """Block until every queued write is committed (True) or `within_s` passed (False)."""
        deadline = time.monotonic() + within_s
        with self._cond:
            self._hurry += 1
            self._cond.notify_all()
            try:
                while len(self._batch) or self._busy:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._cond.wait(left)
            finally:
                self._hurry -= 1
        return True

    def stop(self, within_s: float) -> bool:
        """Write what is queued (at most `within_s`), then end the thread; False if work was left."""
        done = self.flush(within_s)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=1.0)
        return done

    def _wake(self, first: bool) -> None:
        self.health.pending = len(self._batch) + self._inflight
        if first:  # later items ride along: the writer is already gathering (no thread switch)
            self._cond.notify_all()

    def _run(self) -> None:
        delay = RETRY_FIRST_S
        while True:
            with self._cond:
                while not len(self._batch) and not self._stopping:
                    self._cond.wait()
                if self._stopping and not len(self._batch):
                    return
                gathered = time.monotonic() + self.gather_s
                while not self._stopping and not self._hurry:
                    left = gathered - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                batch, self._batch, self._busy = self._batch, _Batch(), True
                self._inflight = len(batch)
            started = time.monotonic()
            try:
                with self.engine.begin() as conn:
                    _write(conn, batch)
            except Exception as exc:
                took = time.monotonic() - started
                self._failed(batch, exc, took)
                with self._cond:
                    self._busy = False
                    self._cond.wait(delay)  # `stop` wakes this early; the batch is retried
                    if self._stopping and self.health.failing_since is not None:
                        return
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            delay = RETRY_FIRST_S
            self._done(len(batch), time.monotonic() - started)

    def _done(self, items: int, took: float) -> None:
        with self._cond:
            h = self.health
            if not h.writable:
                log.warning(
                    "store writable again",
                    failed_for_s=round(time.time() - (h.failing_since or 0), 1),
                )
            h.writable, h.failing_since, h.last_error = True, None, None
            h.batches += 1
            h.writes += items
            h.last_write_s = took
            h.max_write_s = max(h.max_write_s, took)
            self._busy = False
            self._inflight = 0
            h.pending = len(self._batch)
            self._cond.notify_all()
        for listener in self.listeners:
            listener(took, items, True)

    def _failed(self, batch: _Batch, exc: Exception, took: float) -> None:
        with self._cond:
            self._batch = batch.under(self._batch)
            self._inflight = 0
            h = self.health
            h.failures += 1
            h.pending = len(self._batch)
            first = h.writable
            h.writable, h.last_error = False, f"{type(exc).__name__}: {exc}"[:300]
            if h.failing_since is None:
                h.failing_since = time.time()
        # Loud once per outage, then quieter: every failure is counted in health and metrics.
        (log.error if first else log.warning)(
            "store write failed, retrying", error=h.last_error, pending=h.pending
        )
        for listener in self.listeners:
            listener(took, len(batch), False)


def _write(conn: Connection, batch: _Batch) -> None:
    """One transaction for the whole batch, one executemany per statement."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    if batch.sessions:
        rows = [
            {"agent": agent, "logged_in": logged_in, "paused": paused, "updated_at": at}
            for agent, (logged_in, paused, at) in batch.sessions.items()
        ]
        conn.execute(_upsert(dialect, agent_sessions, "agent"), rows)
    if batch.calls:
        records = [r for r in map(_made, batch.calls.values()) if r is not None]
        ids = [r.id for r in records]
        conn.execute(_upsert(dialect, calls, "id"), [call_row(r) for r in records])
        conn.execute(_DELETE_OFFERS, {"ids": ids})
        conn.execute(_DELETE_TRANSFERS, {"ids": ids})
        offers = [row for r in records for row in offer_rows(r)]
        if offers:
            conn.execute(insert(call_offers), offers)
        transfers = [row for r in records for row in transfer_rows(r)]
        if transfers:
            conn.execute(insert(call_transfers), transfers)
    if batch.overrides is not None:
        conn.execute(delete(overrides))
        if batch.overrides:
            conn.execute(insert(overrides), [override_row(o) for o in batch.overrides])
    if batch.intervals:
        closing, opening = _intervals(batch.intervals)
        conn.execute(_CLOSE, closing)
        conn.execute(insert(agent_intervals), opening)


def _made(record: CallRecord | Callable[[], CallRecord]) -> CallRecord | None:
    """The record (made now when it was deferred); None, logged, if making it failed."""
    if isinstance(record, CallRecord):
        return record
    try:
        return record()
    except Exception:
        log.exception("call record could not be made; this version is skipped")
        return None


_DELETE_OFFERS = delete(call_offers).where(
    call_offers.c.call_id.in_(bindparam("ids", expanding=True))
)
_DELETE_TRANSFERS = delete(call_transfers).where(
    call_transfers.c.call_id.in_(bindparam("ids", expanding=True))
)
_CLOSE = (
    update(agent_intervals)
    .where(agent_intervals.c.agent == bindparam("who"), agent_intervals.c.ended_at.is_(None))
    .values(ended_at=bindparam("at"))
)


def _intervals(
    changes: list[tuple[str, str, str | None, float]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The open interval of each agent to close, and the new rows (each ends where the next of
    its agent starts; the last stays open)."""
    closing: dict[str, dict[str, Any]] = {}
    opening: list[dict[str, Any]] = []
    last: dict[str, dict[str, Any]] = {}
    for agent, status, reason, at in changes:
        closing.setdefault(agent, {"who": agent, "at": at})
        if agent in last:
            last[agent]["ended_at"] = at
        row = {
            "agent": agent,
            "status": status,
            "reason": reason,
            "started_at": at,
            "ended_at": None,
        }
        opening.append(row)
        last[agent] = row
    return list(closing.values()), opening


@functools.cache
def _upsert(dialect: Any, table: Table, key: str) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE every other column: built once per table."""
    stmt = dialect.insert(table)
    changes = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != key}
    return stmt.on_conflict_do_update(index_elements=[key], set_=changes)
