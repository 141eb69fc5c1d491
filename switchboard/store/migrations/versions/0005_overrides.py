"""A supervisor's calendar overrides (a tenant or service forced open or closed until a time),
kept so an engine restart does not reopen a switchboard closed for an emergency.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `overrides`, one row per (tenant, service); service '' is the whole tenant."""
    op.create_table(
        "overrides",
        sa.Column("tenant", sa.String(64), primary_key=True),
        sa.Column("service", sa.String(64), primary_key=True),
        sa.Column("force", sa.String(16), nullable=False),
        sa.Column("until", sa.Float, nullable=False),
        sa.Column("by_name", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("set_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Drop the overrides."""
    op.drop_table("overrides")
