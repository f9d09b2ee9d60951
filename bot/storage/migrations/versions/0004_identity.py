"""identity: the email factor on chat accounts, one-time codes, wrong entries and lockouts

Revision ID: 0004_identity
Revises: 0003_chat_index
Create Date: 2026-12-02 01:41:55.139069
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_identity"
down_revision = "0003_chat_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("wrong_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_one_time_codes_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_codes")),
    )
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_one_time_codes_account", ["channel", "channel_user_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_one_time_codes_customer", ["customer_id", "created_at"], unique=False)

    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("factor", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_verification_failures_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_failures")),
    )
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_failures_account", ["channel", "channel_user_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_verification_failures_customer", ["customer_id", "occurred_at"], unique=False
        )

    op.create_table(
        "verification_lockouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_verification_lockouts_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_lockouts")),
    )
    with op.batch_alter_table("verification_lockouts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_lockouts_account", ["channel", "channel_user_id", "ends_at"], unique=False
        )
        batch_op.create_index("ix_verification_lockouts_customer", ["customer_id", "ends_at"], unique=False)

    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("order_code_verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_column("order_code_verified_at")
        batch_op.drop_column("verified_email")

    with op.batch_alter_table("verification_lockouts", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_lockouts_customer")
        batch_op.drop_index("ix_verification_lockouts_account")

    op.drop_table("verification_lockouts")
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_failures_customer")
        batch_op.drop_index("ix_verification_failures_account")

    op.drop_table("verification_failures")
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_one_time_codes_customer")
        batch_op.drop_index("ix_one_time_codes_account")

    op.drop_table("one_time_codes")
