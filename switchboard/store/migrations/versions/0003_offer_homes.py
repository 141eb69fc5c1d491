"""Each offer keeps the operator's home tenant, and agent intervals are found by their end.

The answered-by matrix splits costs by the home an operator had when answering, not by
today's configuration; reports read intervals that overlap a period (ended after its start).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `call_offers.home` (NULL for offers written before: reports use the config) and an index."""
    with op.batch_alter_table("call_offers") as batch:
        batch.add_column(sa.Column("home", sa.String(64)))
    op.execute(
        "UPDATE call_offers SET home = ("
        " SELECT calls.answered_by_home FROM calls"
        " WHERE calls.id = call_offers.call_id AND calls.answered_by = call_offers.agent)"
    )
    op.create_index("agent_intervals_by_end", "agent_intervals", ["ended_at"])


def downgrade() -> None:
    """Drop the index and the column."""
    op.drop_index("agent_intervals_by_end", "agent_intervals")
    with op.batch_alter_table("call_offers") as batch:
        batch.drop_column("home")
