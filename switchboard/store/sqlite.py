"""SQLite persistence: agent sessions (logins and pauses survive restarts) and call records."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from switchboard.core.state import Call

SCHEMA = """
CREATE TABLE IF NOT EXISTS agent_sessions (
    agent TEXT PRIMARY KEY,
    logged_in INTEGER NOT NULL,
    paused TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    service TEXT NOT NULL,
    queue TEXT NOT NULL,
    caller_num TEXT NOT NULL,
    arrived_at REAL NOT NULL,
    waiting_since REAL,
    answered_at REAL,
    ended_at REAL,
    outcome TEXT NOT NULL,
    agent TEXT,
    timeline TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_tenant_time ON calls (tenant, arrived_at);
"""


class Store:
    """One SQLite database file; every write commits at once (WAL mode)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def save_session(self, agent: str, logged_in: bool, paused: str | None, now: float) -> None:
        """Remember an agent's login and pause."""
        self.db.execute(
            "INSERT INTO agent_sessions VALUES (?, ?, ?, ?) ON CONFLICT(agent) DO UPDATE SET "
            "logged_in=excluded.logged_in, paused=excluded.paused, updated_at=excluded.updated_at",
            (agent, int(logged_in), paused, now),
        )

    def load_sessions(self) -> tuple[tuple[str, bool, str | None], ...]:
        """Every remembered (agent, logged_in, pause reason)."""
        rows = self.db.execute("SELECT agent, logged_in, paused FROM agent_sessions ORDER BY agent")
        return tuple((str(a), bool(li), None if p is None else str(p)) for a, li, p in rows)

    def record_call(self, call: Call) -> None:
        """Write a finished call's record (idempotent by call id)."""
        self.db.execute(
            "INSERT OR REPLACE INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                call.id,
                call.tenant,
                call.service,
                call.queue,
                call.caller_num,
                call.arrived_at,
                call.waiting_since,
                call.answered_at,
                call.ended_at,
                call.outcome or "unknown",
                call.agent,
                json.dumps(call.timeline, ensure_ascii=False),
            ),
        )

    def calls(self) -> list[dict[str, object]]:
        """Every call record, oldest first (for reports and tests)."""
        cur = self.db.execute("SELECT * FROM calls ORDER BY arrived_at, id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]
