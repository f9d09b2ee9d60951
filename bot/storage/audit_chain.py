"""Chaining audit rows at commit, so that every committed row is in the one hash chain.

What a row's hash covers is `bot.domain.audit_chain`; this module decides when and under which lock
it is computed:

    flush:  audit rows INSERTed as usual (ORM `add`, or the bulk `add_many`), seq/prev_hash/row_hash
            NULL; the session notes that it wrote some
    commit: (before the COMMIT, in the same transaction)
            SELECT seq, row_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE   -- the chain's lock
            SELECT … FROM audit_log WHERE seq IS NULL ORDER BY id   -- ours, 5,000 at a time
            UPDATE audit_log SET seq, prev_hash, row_hash           -- one executemany a batch
            UPDATE audit_chain_head SET seq, row_hash
            COMMIT                                                  -- releases the lock

Why at commit and not at the INSERT: a unit of work holds the lock from the moment it takes it to
its COMMIT. An import is one transaction of a minute or more; taken at its first audit row, the lock
would stop every other instance's turns for that minute. Taken at commit, it is held for the
chaining alone (a few statements for a turn; for 100,000 imported rows the figure is in the README).

Concurrency: on PostgreSQL the head row's FOR UPDATE lock orders the committing transactions; a
second one waits, then (READ COMMITTED) reads the head the first one wrote, and sees only its own
unchained rows (the first one's are chained and committed; uncommitted ones are invisible). On
SQLite every transaction already holds the write lock from BEGIN IMMEDIATE (`bot.storage.db`), and
FOR UPDATE is not rendered. Either way seq runs 1, 2, 3 … in commit order with no gap.

The reads reread what was stored (the JSON column as it comes back, the timestamp in UTC), which is
what `audit verify` reads too: the hash is taken over the same values on both sides. A committed row
that someone wrote past this module (seq NULL after a commit) is chained by the next commit that
writes audit rows; `audit verify` reports it until then.

Rows are append only: a flush that would UPDATE or DELETE an AuditEntry through the ORM raises
`AuditAppendOnly`. The one sanctioned change, an erasure's pseudonymisation, is a Core UPDATE in
`AuditRepository.pseudonymise` that keeps every hash valid.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, UOWTransaction

from bot.domain.audit_chain import (
    GENESIS_HASH,
    BrokenSeal,
    ChainRow,
    new_salts,
)
from bot.storage.models import AuditChainHead, AuditEntry

CHAIN_BATCH = 5000
_PENDING = "audit_chain.pending"

audit_table: Table = cast(Table, AuditEntry.__table__)
head_table: Table = cast(Table, AuditChainHead.__table__)
#: The columns `ChainRow` is made of, in its order.
CHAIN_COLUMNS = tuple(audit_table.c[name] for name in ChainRow.__slots__)

_SET_LINK = (
    update(audit_table)
    .where(audit_table.c.id == bindparam("row_id"))
    .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), row_hash=bindparam("new_hash"))
)
_SET_SALTS = update(audit_table).where(audit_table.c.id == bindparam("row_id")).values(
    salts=bindparam("new_salts", type_=audit_table.c.salts.type),
    erased=bindparam("new_erased", type_=audit_table.c.erased.type),
)


class AuditAppendOnly(RuntimeError):
    """An audit row was about to be changed or deleted through the ORM."""


def mark_pending(session: Session) -> None:
    """This transaction wrote audit rows (the bulk path, which the flush does not see): chain at commit."""
    session.info[_PENDING] = True


def lock_head(connection: Connection) -> tuple[int, str]:
    """The last seq and hash, the head row locked until the transaction ends (created if missing)."""
    query = select(head_table.c.seq, head_table.c.row_hash).where(head_table.c.id == 1).with_for_update()
    row = connection.execute(query).first()
    if row is None:
        insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        connection.execute(
            insert(head_table).values(id=1, seq=0, row_hash=GENESIS_HASH).on_conflict_do_nothing()
        )
        row = connection.execute(query).one()
    return int(row.seq), str(row.row_hash)


def chain_pending(connection: Connection, *, batch: int | None = None) -> int:
    """Give every unchained audit row visible to this transaction its place in the chain, in id
    order, `batch` (CHAIN_BATCH) at a time; returns how many. Call it inside the transaction that
    commits them."""
    batch = batch or CHAIN_BATCH
    seq, prev = lock_head(connection)
    chained, after = 0, 0
    while True:
        rows = connection.execute(
            select(*CHAIN_COLUMNS)
            .where(audit_table.c.seq.is_(None), audit_table.c.id > after)
            .order_by(audit_table.c.id)
            .limit(batch)
        ).mappings().all()
        if not rows:
            break
        links: list[dict[str, Any]] = []
        resalted: list[dict[str, Any]] = []
        for values in rows:
            row = ChainRow(**values)
            seq += 1
            try:
                digest = row.expected_hash(prev, seq)
            except BrokenSeal:  # written past this module without (valid) salts: seal it afresh
                salts = new_salts()
                resalted.append({"row_id": row.id, "new_salts": salts, "new_erased": {}})
                row = ChainRow(**{**values, "salts": salts, "erased": {}})
                digest = row.expected_hash(prev, seq)
            links.append({"row_id": row.id, "new_seq": seq, "new_prev": prev, "new_hash": digest})
            prev = digest
        if resalted:
            connection.execute(_SET_SALTS, resalted)
        connection.execute(_SET_LINK, links)
        chained += len(links)
        after = rows[-1]["id"]
        if len(rows) < batch:
            break
    if chained:
        connection.execute(update(head_table).where(head_table.c.id == 1).values(seq=seq, row_hash=prev))
    return chained


@event.listens_for(Session, "before_flush")
def _note_audit_rows(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.info[_PENDING] = True
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditAppendOnly("audit rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditAppendOnly("audit rows are never changed (an erasure pseudonymises them)")


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()  # the ORM's audit rows are in the table before they are chained
    if not session.info.pop(_PENDING, False):
        return
    chain_pending(session.connection())


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost one: committed (chained) or rolled back
        session.info.pop(_PENDING, None)
