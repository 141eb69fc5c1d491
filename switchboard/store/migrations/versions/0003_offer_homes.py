"""Each offer keeps the operator's home tenant; calls and agent intervals indexed for reports.

The answered-by matrix splits costs by the home an operator had when answering, not by
today's configuration; reports read the calls that arrived in a period (of every tenant) and
the intervals that overlap it (ended after its start).
A call written by the first engine (no channel, no offers) gets the one offer it implies: its
operator answered at `answered_at` and talked until `ended_at`.

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
    op.create_index("calls_by_arrival", "calls", ["arrived_at"])
    calls = sa.table(
        "calls",
        *(sa.column(n) for n in ("id", "channel", "answered_by", "answered_by_home")),
        sa.column("answered_at", sa.Float),
        sa.column("ended_at", sa.Float),
    )
    offers = sa.table("call_offers", *(sa.column(n) for n in OFFER_COLUMNS))
    first_engine = sa.select(
        calls.c.id,
        sa.literal(0),
        calls.c.answered_by,
        calls.c.answered_by_home,
        calls.c.answered_at,
        sa.literal(False),
        sa.literal("sent"),
        calls.c.answered_at,
        sa.literal(True),
        sa.literal("answered"),
        calls.c.answered_at,
        calls.c.ended_at,
    ).where(
        calls.c.channel == "",
        calls.c.answered_by.is_not(None),
        calls.c.answered_at.is_not(None),
        ~sa.exists().where(offers.c.call_id == calls.c.id),
    )
    op.execute(offers.insert().from_select(OFFER_COLUMNS, first_engine))


OFFER_COLUMNS = (
    "call_id",
    "seq",
    "agent",
    "home",
    "offered_at",
    "recall",
    "delivery",
    "delivery_at",
    "rang",
    "result",
    "answered_at",
    "ended_at",
)


def downgrade() -> None:
    """Drop the indexes and the column."""
    op.drop_index("calls_by_arrival", "calls")
    op.drop_index("agent_intervals_by_end", "agent_intervals")
    with op.batch_alter_table("call_offers") as batch:
        batch.drop_column("home")
