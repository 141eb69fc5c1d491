"""Records written at every milestone: live calls, offers, transfers and agent state intervals.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Widen `calls`, keep every existing row (waiting_since -> queued_at, agent -> answered_by)."""
    with op.batch_alter_table("agent_sessions") as batch:
        batch.alter_column("agent", type_=sa.String(64))
        batch.alter_column(
            "logged_in",
            type_=sa.Boolean,
            existing_nullable=False,
            postgresql_using="logged_in::boolean",
        )
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("id", type_=sa.String(64))
        batch.alter_column("tenant", type_=sa.String(64))
        batch.alter_column("service", type_=sa.String(64))
        batch.alter_column("queue", type_=sa.String(128))
        batch.alter_column("caller_num", type_=sa.String(64))
        batch.alter_column("waiting_since", new_column_name="queued_at")
        batch.alter_column("agent", new_column_name="answered_by", type_=sa.String(64))
        batch.alter_column("outcome", type_=sa.String(32), nullable=True)
    with op.batch_alter_table("calls") as batch:  # after the renames: `agent` is new again
        batch.add_column(sa.Column("did", sa.String(32), nullable=False, server_default=""))
        batch.add_column(sa.Column("channel", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("tag", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("caller_name", sa.Text, nullable=False, server_default=""))
        batch.add_column(sa.Column("language", sa.String(16)))
        batch.add_column(sa.Column("priority", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("target_answer_s", sa.Integer, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("via", sa.String(16), nullable=False, server_default="engine"))
        batch.add_column(sa.Column("wait_from", sa.Float))
        batch.add_column(sa.Column("answered_by_home", sa.String(64)))
        batch.add_column(sa.Column("agent", sa.String(64)))
        batch.add_column(sa.Column("overflow_step", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("callback_offered", sa.Boolean, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("refused", sa.Text, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("updated_at", sa.Float, nullable=False, server_default="0"))
        batch.alter_column("timeline", server_default="[]")
        batch.create_index("calls_by_end", ["ended_at"])
    op.execute("UPDATE calls SET updated_at = COALESCE(ended_at, arrived_at)")
    op.create_table(
        "call_offers",
        sa.Column(
            "call_id",
            sa.String(64),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("offered_at", sa.Float, nullable=False),
        sa.Column("recall", sa.Boolean, nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("delivery_at", sa.Float, nullable=False),
        sa.Column("rang", sa.Boolean, nullable=False),
        sa.Column("result", sa.String(32)),
        sa.Column("answered_at", sa.Float),
        sa.Column("ended_at", sa.Float),
    )
    op.create_index("call_offers_by_agent", "call_offers", ["agent", "offered_at"])
    op.create_table(
        "call_transfers",
        sa.Column(
            "call_id",
            sa.String(64),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("by_agent", sa.String(64)),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("result", sa.String(32)),
        sa.Column("ended_at", sa.Float),
    )
    op.create_table(
        "agent_intervals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agent", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
    )
    op.create_index("agent_intervals_by_agent", "agent_intervals", ["agent", "started_at"])
    op.create_index("agent_intervals_by_time", "agent_intervals", ["started_at"])


def downgrade() -> None:
    """Not supported: records written at milestones do not fit the first schema."""
    raise NotImplementedError("downgrading below 0002 would lose live call records")
