"""dialogue_states.memory: what the conversation remembers across flows

A flow's `data` is wiped when the flow ends; the conversation itself remembers more than one flow:
the previous topic (a follow-up is read against it), the flows an interruption suspended (offered
back afterwards), and how the customer is talking to staff (the last relay acknowledgement, a ticket
conversation they stepped out of).

Revision ID: 0013_dialogue_memory
Revises: 0004_identity
Create Date: 2026-12-02 04:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_dialogue_memory"
down_revision = "0004_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("memory", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("dialogue_states", schema=None) as batch_op:
        batch_op.drop_column("memory")
