"""order events: receipts of the shop's order events, the notifications switch, outbox priority

- `order_event_receipts`: each event the shop's system sent by its id (unique), so a replay is refused.
- `channel_accounts.order_notifications`: the customer's "tắt/bật thông báo đơn hàng", on by default.
- `outbox.priority`: interactive messages are claimed before bulk notifications (claimed in the
  order of the index on (status, priority, next_attempt_at, id)); and an index on
  (channel, chat_id, status, id) for the claim's "no earlier pending message to this chat" test,
  which otherwise scans the whole outbox for every candidate row once thousands are queued.

Revision ID: 0009_order_events
Revises: 0010_order_indexes
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_order_events"
down_revision = "0010_order_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_event_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_event_receipts_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_event_receipts")),
        sa.UniqueConstraint("event_id", name=op.f("uq_order_event_receipts_event_id")),
    )
    with op.batch_alter_table("order_event_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_event_receipts_order_id"), ["order_id"], unique=False)
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("order_notifications", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), server_default="0", nullable=False))
        batch_op.create_index(
            "ix_outbox_claim", ["status", "priority", "next_attempt_at", "id"], unique=False
        )
        batch_op.create_index("ix_outbox_chat_pending", ["channel", "chat_id", "status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_pending")
        batch_op.drop_index("ix_outbox_claim")
        batch_op.drop_column("priority")
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("order_notifications")
    with op.batch_alter_table("order_event_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_event_receipts_order_id"))
    op.drop_table("order_event_receipts")
