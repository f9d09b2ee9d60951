"""channel_accounts: an index on (channel, chat_id)

Every delivery to a private chat looks its chat account up by chat id (`ChannelAccountRepository
.by_chat`: reachable again after a success, blocked after a 403), and without an index each lookup
read the whole table.

Revision ID: 0003_chat_index
Revises: 0002
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003_chat_index"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.create_index("ix_channel_accounts_chat", ["channel", "chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_accounts_chat")
