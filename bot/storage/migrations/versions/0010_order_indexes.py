"""orders: (customer_id, placed_at DESC) for a customer's latest orders; no duplicate history index

Measured at 1 M customers and 10 M orders (issue 18, tests/benchmarks/order_scale.py): with an index
on `customer_id` alone, "the latest orders of a customer" fetched and sorted all of that customer's
orders (22-39 ms at p99 for one with hundreds); on (customer_id, placed_at DESC) it reads the first
few in index order. That index also serves the foreign key, so `ix_orders_customer_id` goes.
`ix_order_status_events_order_id` duplicated the leading column of the unique (order_id, status,
occurred_at), which finds an order's history as well; it only cost writes and space.

`channel_accounts.chat_id` was indexed by 0003_chat_index already.

On PostgreSQL the new index is built in the migration's transaction (not CONCURRENTLY: the schema
upgrade runs in one transaction under an advisory lock); on 10 M orders that took about 20 s during
which imports wait, while the bot's reads go on.

Revision ID: 0010_order_indexes
Revises: 0005_privacy_requests
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_order_indexes"
down_revision = "0005_privacy_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_customer_placed", ["customer_id", sa.text("placed_at DESC")], unique=False
        )
        batch_op.drop_index("ix_orders_customer_id")
    with op.batch_alter_table("order_status_events", schema=None) as batch_op:
        batch_op.drop_index("ix_order_status_events_order_id")


def downgrade() -> None:
    with op.batch_alter_table("order_status_events", schema=None) as batch_op:
        batch_op.create_index("ix_order_status_events_order_id", ["order_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_customer_id", ["customer_id"], unique=False)
        batch_op.drop_index("ix_orders_customer_placed")
