"""The one schema for SQLite and PostgreSQL (SQLAlchemy Core); Alembic migrations create it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

agent_sessions = Table(
    "agent_sessions",
    metadata,
    Column("agent", String(64), primary_key=True),
    Column("logged_in", Boolean, nullable=False),
    Column("paused", Text),
    Column("updated_at", Float, nullable=False),
)

calls = Table(
    "calls",
    metadata,
    Column("id", String(64), primary_key=True),  # the caller channel's Uniqueid
    Column("tenant", String(64), nullable=False),
    Column("service", String(64), nullable=False),
    Column("queue", String(128), nullable=False),
    Column("did", String(32), nullable=False, server_default=""),
    Column("channel", Text, nullable=False, server_default=""),
    Column("tag", Text, nullable=False, server_default=""),
    Column("caller_num", String(64), nullable=False),
    Column("caller_name", Text, nullable=False, server_default=""),
    Column("language", String(16)),
    Column("priority", Integer, nullable=False, server_default="0"),
    Column("target_answer_s", Integer, nullable=False, server_default="0"),
    Column("via", String(16), nullable=False, server_default="engine"),
    Column("arrived_at", Float, nullable=False),
    Column("queued_at", Float),
    Column("wait_from", Float),
    Column("answered_at", Float),
    Column("answered_by", String(64)),
    Column("answered_by_home", String(64)),
    Column("agent", String(64)),
    Column("ended_at", Float),
    Column("outcome", String(32)),  # NULL while the call is live
    Column("overflow_step", Integer, nullable=False, server_default="0"),
    Column("callback_offered", Boolean, nullable=False, server_default="0"),
    Column("callback", Text),  # JSON of core.state.Callback while the caller waits to be called
    Column("refused", Text, nullable=False, server_default="[]"),  # JSON [[agent, at], ...]
    Column("timeline", Text, nullable=False, server_default="[]"),  # JSON [[at, what], ...]
    Column("updated_at", Float, nullable=False, server_default="0"),
    Index("calls_by_tenant_time", "tenant", "arrived_at"),
    Index("calls_by_end", "ended_at"),
    Index("calls_by_arrival", "arrived_at"),  # reports read a period of every tenant (0003)
)

call_offers = Table(
    "call_offers",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("agent", String(64), nullable=False),
    Column("home", String(64)),  # the operator's home tenant when offered (0003)
    Column("offered_at", Float, nullable=False),
    Column("recall", Boolean, nullable=False),
    Column("delivery", String(16), nullable=False),
    Column("delivery_at", Float, nullable=False),
    Column("rang", Boolean, nullable=False),
    Column("result", String(32)),
    Column("answered_at", Float),
    Column("ended_at", Float),
    Index("call_offers_by_agent", "agent", "offered_at"),
)

call_transfers = Table(
    "call_transfers",
    metadata,
    Column("call_id", String(64), ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    Column("by_agent", String(64)),
    Column("target", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("result", String(32)),
    Column("ended_at", Float),
)

agent_intervals = Table(
    "agent_intervals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text),
    Column("started_at", Float, nullable=False),
    Column("ended_at", Float),  # NULL: the agent is in this state now
    Index("agent_intervals_by_agent", "agent", "started_at"),
    Index("agent_intervals_by_time", "started_at"),
    Index("agent_intervals_by_end", "ended_at"),
)

overrides = Table(
    "overrides",
    metadata,
    Column("tenant", String(64), primary_key=True),
    Column("service", String(64), primary_key=True),  # "" for the whole tenant
    Column("force", String(16), nullable=False),
    Column("until", Float, nullable=False),
    Column("by_name", String(64), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("set_at", Float, nullable=False),
)
