"""privacy requests: the record (account, staff desk, clock, delivery), its status history, references

Revision ID: 0005_privacy_requests
Revises: 0013_dialogue_memory
Create Date: 2026-12-02 04:00:00

`privacy_requests` existed since 0001 and no code wrote it: its new columns are added as nullable or
with a server default, and `customer_id` becomes nullable (an opt-out is recorded against the chat
account when the customer is not known). `privacy_request_events` is the status history and
`privacy_request_sequences` the counter per year the references are made from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_privacy_requests"
down_revision = "0013_dialogue_memory"
branch_labels = None
depends_on = None

_NEW_COLUMNS = (
    ("channel_user_id", sa.String(length=64)),
    ("chat_id", sa.String(length=64)),
    ("closed_at", sa.DateTime(timezone=True)),
    ("refusal_reason", sa.Text()),
    ("delivered", sa.JSON()),
    ("assignee_id", sa.String(length=64)),
    ("assignee_name", sa.String(length=200)),
    ("staff_chat_id", sa.String(length=64)),
    ("staff_thread_id", sa.BigInteger()),
    ("staff_card_message_id", sa.BigInteger()),
    ("awaiting_input", sa.String(length=20)),
    ("awaiting_input_by", sa.String(length=64)),
    ("remind_at", sa.DateTime(timezone=True)),
    ("reminded_at", sa.DateTime(timezone=True)),
    ("escalated_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        for name, kind in _NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=False, server_default="vi"))
        batch_op.add_column(sa.Column("third_party", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f("ix_privacy_requests_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_requests_remind_at"), ["remind_at"], unique=False)
        batch_op.create_index("ix_privacy_requests_account", ["channel", "channel_user_id"], unique=False)
        batch_op.create_index("ix_privacy_requests_staff_thread", ["staff_chat_id", "staff_thread_id"],
                              unique=False)
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.alter_column("language", server_default=None)
        batch_op.alter_column("third_party", server_default=None)

    op.create_table(
        "privacy_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"], ["privacy_requests.id"],
            name=op.f("fk_privacy_request_events_request_id_privacy_requests"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_request_events")),
    )
    with op.batch_alter_table("privacy_request_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_request_events_request_id"), ["request_id"],
                              unique=False)

    op.create_table(
        "privacy_request_sequences",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_privacy_request_sequences")),
    )


def downgrade() -> None:
    op.drop_table("privacy_request_sequences")
    with op.batch_alter_table("privacy_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_request_events_request_id"))
    op.drop_table("privacy_request_events")
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_requests_staff_thread")
        batch_op.drop_index("ix_privacy_requests_account")
        batch_op.drop_index(batch_op.f("ix_privacy_requests_remind_at"))
        batch_op.drop_index(batch_op.f("ix_privacy_requests_status"))
        batch_op.drop_column("third_party")
        batch_op.drop_column("language")
        for name, _ in reversed(_NEW_COLUMNS):
            batch_op.drop_column(name)
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
