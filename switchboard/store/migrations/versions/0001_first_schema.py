"""The schema the first engine wrote: agent sessions and one row per finished call.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first schema (a database from before migrations is stamped at this revision)."""
    op.create_table(
        "agent_sessions",
        sa.Column("agent", sa.Text, primary_key=True),
        sa.Column("logged_in", sa.Integer, nullable=False),
        sa.Column("paused", sa.Text),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("service", sa.Text, nullable=False),
        sa.Column("queue", sa.Text, nullable=False),
        sa.Column("caller_num", sa.Text, nullable=False),
        sa.Column("arrived_at", sa.Float, nullable=False),
        sa.Column("waiting_since", sa.Float),
        sa.Column("answered_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("agent", sa.Text),
        sa.Column("timeline", sa.Text, nullable=False),
    )
    op.create_index("calls_by_tenant_time", "calls", ["tenant", "arrived_at"])


def downgrade() -> None:
    """Drop everything."""
    op.drop_table("calls")
    op.drop_table("agent_sessions")
