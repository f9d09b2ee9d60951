"""outbox_files: the bytes of a document the outbox sends (a customer's copy of their data)

A document's bytes were base64 inside the outbox row's JSON payload: a third larger, parsed with every
claim, and erased only with the payload. They now sit in their own row beside the message, written in
the same transaction, checked by SHA-256 before the send, kept until the message is delivered and
removed a retention period after it (bot.services.retention).

Revision ID: 0014_data_access
Revises: 0008_order_lookup
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_data_access"
down_revision = "0008_order_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_outbox_files_outbox_id_outbox"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_files")),
        sa.UniqueConstraint("outbox_id", name=op.f("uq_outbox_files_outbox_id")),
    )


def downgrade() -> None:
    op.drop_table("outbox_files")
