"""input hardening: albums staff posted (one decision per media group), forwarded staff messages
awaiting a choice, customer messages carried by a burst digest

Revision ID: 0012_input_hardening
Revises: 0009_order_events
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_input_hardening"
down_revision = "0009_order_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_albums",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("media_group_id", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_staff_albums_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_albums")),
        sa.UniqueConstraint("chat_id", "media_group_id", name="uq_staff_albums_group"),
    )
    with op.batch_alter_table("staff_albums", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_albums_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_albums_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("media_group_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("awaiting_choice", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_ticket_messages_digest_id"), ["digest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_messages_digest_id"))
        batch_op.drop_column("digest_id")
        batch_op.drop_column("awaiting_choice")
        batch_op.drop_column("media_group_id")
    with op.batch_alter_table("staff_albums", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_albums_created_at"))
        batch_op.drop_index(batch_op.f("ix_staff_albums_ticket_id"))
    op.drop_table("staff_albums")
