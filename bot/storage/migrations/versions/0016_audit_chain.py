"""audit_log as a hash chain: seq, prev_hash, body_hash, row_hash, the sealed fields' salts, the chain head

Every audit row is chained to the one before it (`bot.domain.audit_chain` defines the hashes). The
rows already in the table are chained here, in id order, each given fresh salts; the head row
records where the chain ends. From now on rows are chained at commit (`bot.storage.audit_chain`).
Downgrade drops the columns and the head: the history stays, unchained, as before.

Revision ID: 0016_audit_chain
Revises: 0015_consent_ledger
Create Date: 2026-12-02 14:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from bot.domain.audit_chain import GENESIS_HASH, ChainRow, new_salts, row_hash
from bot.storage.models import UtcDateTime

revision = "0016_audit_chain"
down_revision = "0015_consent_ledger"
branch_labels = None
depends_on = None

BATCH = 5000

# The table as this revision knows it (the models may grow later columns).
_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("customer_id", sa.Integer()),
    sa.column("purpose", sa.String()),
    sa.column("details", sa.JSON()),
    sa.column("created_at", UtcDateTime()),
    sa.column("seq", sa.BigInteger()),
    sa.column("prev_hash", sa.String()),
    sa.column("body_hash", sa.String()),
    sa.column("row_hash", sa.String()),
    sa.column("salts", sa.JSON()),
    sa.column("erased", sa.JSON()),
)
_head = sa.table("audit_chain_head", sa.column("id", sa.Integer()), sa.column("seq", sa.BigInteger()),
                 sa.column("row_hash", sa.String()))


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("body_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("salts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("erased", sa.JSON(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])
    seq, prev = _chain_history(op.get_bind())
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("salts", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("erased", existing_type=sa.JSON(), nullable=False)
        batch_op.create_index("ix_audit_log_unchained", ["id"], unique=False,
                              sqlite_where=sa.text("seq IS NULL"), postgresql_where=sa.text("seq IS NULL"))
    op.execute(_head.insert().values(id=1, seq=seq, row_hash=prev))


def _chain_history(connection: sa.Connection) -> tuple[int, str]:
    """Chain the rows already there in id order, BATCH at a time; returns the last seq and hash."""
    link = (
        _audit.update()
        .where(_audit.c.id == sa.bindparam("row_id"))
        .values(seq=sa.bindparam("new_seq"), prev_hash=sa.bindparam("new_prev"),
                body_hash=sa.bindparam("new_body"), row_hash=sa.bindparam("new_hash"),
                salts=sa.bindparam("new_salts", type_=sa.JSON()),
                erased=sa.bindparam("new_erased", type_=sa.JSON()))
    )
    columns = [_audit.c.id, _audit.c.actor, _audit.c.action, _audit.c.customer_id, _audit.c.purpose,
               _audit.c.details, _audit.c.created_at]
    seq, prev, after = 0, GENESIS_HASH, 0
    while True:
        rows = connection.execute(
            sa.select(*columns).where(_audit.c.id > after).order_by(_audit.c.id).limit(BATCH)
        ).mappings().all()
        if not rows:
            return seq, prev
        updates: list[dict[str, Any]] = []
        for values in rows:
            salts = new_salts()
            row = ChainRow(**values, seq=None, prev_hash=None, body_hash=None, row_hash=None, salts=salts,
                           erased={})
            seq += 1
            body = row.expected_body()
            digest = row_hash(seq=seq, prev_hash=prev, body=body)
            updates.append({"row_id": row.id, "new_seq": seq, "new_prev": prev, "new_body": body,
                            "new_hash": digest, "new_salts": salts, "new_erased": {}})
            prev = digest
        connection.execute(link, updates)
        after = rows[-1]["id"]


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_unchained")
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.drop_column("erased")
        batch_op.drop_column("salts")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("body_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")
