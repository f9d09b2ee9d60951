"""consent ledger per marketing channel, and the marketing suppression list

`consent_events` gains what an opt-out said in the chat needs: the channel (None: every channel, as
the shop's imported flag), the actor, the customer's own words, the chat account and the email or
phone given (an opt-out needs no verification, so it may have no customer yet), and the privacy
request it completed. Its customer becomes optional and SET NULL on delete: the ledger outlives an
erased customer row. `marketing_suppressions` is the list the shop's mailer reads: one row per
channel and normalised address, independent of the customer row.

Revision ID: 0015_consent_ledger
Revises: 0014_data_access
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_consent_ledger"
down_revision = "0014_data_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("actor", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("words", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("account_channel", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("account_user_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_constraint("fk_consent_events_customer_id_customers", type_="foreignkey")
        batch_op.create_foreign_key("fk_consent_events_customer_id_customers", "customers", ["customer_id"],
                                    ["id"], ondelete="SET NULL")
        batch_op.create_foreign_key("fk_consent_events_request_id_privacy_requests", "privacy_requests",
                                    ["request_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_consent_events_account", ["account_channel", "account_user_id"],
                              unique=False)
        batch_op.create_index("ix_consent_events_email", ["email"], unique=False)
        batch_op.create_index("ix_consent_events_phone", ["phone"], unique=False)

    op.create_table(
        "marketing_suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("account_channel", sa.String(length=20), nullable=True),
        sa.Column("account_user_id", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL",
                                name=op.f("fk_marketing_suppressions_customer_id_customers")),
        sa.ForeignKeyConstraint(["request_id"], ["privacy_requests.id"], ondelete="SET NULL",
                                name=op.f("fk_marketing_suppressions_request_id_privacy_requests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marketing_suppressions")),
        sa.UniqueConstraint("channel", "address", name="uq_marketing_suppressions_address"),
    )
    with op.batch_alter_table("marketing_suppressions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marketing_suppressions_customer_id"), ["customer_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("marketing_suppressions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marketing_suppressions_customer_id"))
    op.drop_table("marketing_suppressions")
    op.execute("DELETE FROM consent_events WHERE customer_id IS NULL")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_events_phone")
        batch_op.drop_index("ix_consent_events_email")
        batch_op.drop_index("ix_consent_events_account")
        batch_op.drop_constraint("fk_consent_events_request_id_privacy_requests", type_="foreignkey")
        batch_op.drop_constraint("fk_consent_events_customer_id_customers", type_="foreignkey")
        batch_op.create_foreign_key("fk_consent_events_customer_id_customers", "customers", ["customer_id"],
                                    ["id"])
        batch_op.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
        for column in ("request_id", "phone", "email", "account_user_id", "account_channel", "words", "actor",
                       "channel"):
            batch_op.drop_column(column)
