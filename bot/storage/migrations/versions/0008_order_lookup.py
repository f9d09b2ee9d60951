"""orders: payment_status

What the customer is told about paying ("Đã thanh toán", "Thanh toán khi nhận hàng"), and what the
refund rule reads of a cancelled order (`bot.domain.order_rules`). Nullable: orders imported before
the column say nothing about payment until the shop's next export fills it in.

Revision ID: 0008_order_lookup
Revises: 0012_input_hardening
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_order_lookup"
down_revision = "0012_input_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_status", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("payment_status")
