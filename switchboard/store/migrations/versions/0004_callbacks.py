"""Callbacks that keep the caller's place: the call record carries its callback.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `calls.callback` (JSON, NULL for calls without one)."""
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("callback", sa.Text))


def downgrade() -> None:
    """Drop `calls.callback`."""
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("callback")
