"""Chaining audit rows at commit, so that every committed row is in the one hash chain.

What a row's hash covers is `bot.domain.audit_chain`; this module decides when and under which lock
it is computed:

    write:  each row gets its salts and its body hash from the values written (ORM `add`: at flush;
            `add_many`: before its bulk INSERT), outside any lock; seq/prev_hash/row_hash NULL;
            the session notes that it wrote some
    commit: (before the COMMIT, in the same transaction)
            SELECT seq, row_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE   -- the chain's lock
            SELECT id, body_hash FROM audit_log WHERE seq IS NULL ORDER BY id    -- ours, 5,000 a time
            UPDATE audit_log SET seq, prev_hash, row_hash    -- one statement a batch (PostgreSQL:
                                                             -- FROM unnest(arrays); SQLite: executemany)
            UPDATE audit_chain_head SET seq, row_hash
            COMMIT                                           -- releases the lock

Why at commit and not at the INSERT: a unit of work holds the lock from the moment it takes it to
its COMMIT. An import is one transaction of a minute or more; taken at its first audit row, the lock
would stop every other instance's turns for that minute. Taken at commit, it is held for the
chaining alone (a few statements for a turn; for 100,000 imported rows the figure is in the README).

Concurrency: on PostgreSQL the head row's FOR UPDATE lock orders the committing transactions; a
second one waits, then (READ COMMITTED) reads the head the first one wrote, and sees only its own
unchained rows (the first one's are chained and committed; uncommitted ones are invisible). On
SQLite every transaction already holds the write lock from BEGIN IMMEDIATE (`bot.storage.db`), and
FOR UPDATE is not rendered. Either way seq runs 1, 2, 3 … in commit order with no gap.

The body is hashed over the values as they will read back: details that JSON would change (keys
that are not strings) are written in their JSON form, a missing timestamp is set first, so the
writer and `audit verify` hash the same thing on SQLite and PostgreSQL. A committed row that
someone wrote past this module (seq NULL after a commit) is sealed and chained by the next commit
that writes audit rows; `audit verify` reports it until then.

Rows are append only: a flush that would UPDATE or DELETE an AuditEntry through the ORM raises
`AuditAppendOnly`. The one sanctioned change, an erasure's pseudonymisation, is a Core UPDATE in
`AuditRepository.pseudonymise` that keeps every hash valid.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import BigInteger, Table, Text, bindparam, event, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, UOWTransaction

from bot.clock import utcnow
from bot.domain.audit_chain import GENESIS_HASH, BrokenSeal, ChainRow, new_salts, row_hash, seal
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
_SET_LINKS_PG = text(
    "UPDATE audit_log AS a SET seq = v.seq, prev_hash = v.prev, row_hash = v.hash "
    "FROM unnest(:ids, :seqs, :prevs, :hashes) AS v(id, seq, prev, hash) WHERE a.id = v.id"
).bindparams(bindparam("ids", type_=ARRAY(BigInteger)), bindparam("seqs", type_=ARRAY(BigInteger)),
             bindparam("prevs", type_=ARRAY(Text)), bindparam("hashes", type_=ARRAY(Text)))
_SEAL = update(audit_table).where(audit_table.c.id == bindparam("row_id")).values(
    salts=bindparam("new_salts", type_=audit_table.c.salts.type),
    erased=bindparam("new_erased", type_=audit_table.c.erased.type),
    body_hash=bindparam("new_body"),
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


def as_stored(details: Any) -> Any:
    """`details` as the JSON column will give it back: itself when JSON keeps it (string keys all
    the way down), else its JSON round trip (int keys become strings, tuples lists)."""
    if _json_keeps(details):
        return details
    return json.loads(json.dumps(details))


def _json_keeps(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _json_keeps(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_keeps(v) for v in value)
    return value is None or isinstance(value, str | int | float)  # bool is an int


def seal_row(values: dict[str, Any]) -> None:
    """Give a row about to be written (a dict of its columns) its salts and body hash, in place."""
    values["details"] = as_stored(values.get("details") or {})
    if values.get("created_at") is None:
        values["created_at"] = utcnow()
    values.setdefault("customer_id", None)
    values["salts"] = values.get("salts") or new_salts()
    values["erased"] = values.get("erased") or {}
    values["body_hash"] = seal(values, values["salts"], values["erased"])


def _seal_entry(entry: AuditEntry) -> None:
    values: dict[str, Any] = {"actor": entry.actor, "action": entry.action, "customer_id": entry.customer_id,
              "purpose": entry.purpose, "details": entry.details, "created_at": entry.created_at,
              "salts": entry.salts, "erased": entry.erased}
    seal_row(values)
    entry.details, entry.created_at = values["details"], values["created_at"]
    entry.salts, entry.erased, entry.body_hash = values["salts"], values["erased"], values["body_hash"]


def chain_pending(connection: Connection, *, batch: int | None = None) -> int:
    """Give every unchained audit row visible to this transaction its place in the chain, in id
    order, `batch` (CHAIN_BATCH) at a time; returns how many. Call it inside the transaction that
    commits them."""
    batch = batch or CHAIN_BATCH
    seq, prev = lock_head(connection)
    postgres = connection.dialect.name == "postgresql"
    chained, after = 0, 0
    while True:
        rows = connection.execute(
            select(audit_table.c.id, audit_table.c.body_hash)
            .where(audit_table.c.seq.is_(None), audit_table.c.id > after)
            .order_by(audit_table.c.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        ids, seqs, prevs, hashes = [], [], [], []
        for row_id, body in rows:
            if body is None:  # written past this module
                body = _seal_stray(connection, row_id)
            seq += 1
            digest = row_hash(seq=seq, prev_hash=prev, body=body)
            ids.append(row_id)
            seqs.append(seq)
            prevs.append(prev)
            hashes.append(digest)
            prev = digest
        if postgres:
            connection.execute(_SET_LINKS_PG, {"ids": ids, "seqs": seqs, "prevs": prevs, "hashes": hashes})
        else:
            connection.execute(_SET_LINK, [
                {"row_id": i, "new_seq": n, "new_prev": p, "new_hash": h}
                for i, n, p, h in zip(ids, seqs, prevs, hashes, strict=True)
            ])
        chained += len(rows)
        after = rows[-1][0]
        if len(rows) < batch:
            break
    if chained:
        connection.execute(update(head_table).where(head_table.c.id == 1).values(seq=seq, row_hash=prev))
    return chained


def _seal_stray(connection: Connection, row_id: int) -> str:
    """A row written past this module (no body hash): sealed now, afresh if its salts cannot seal."""
    values = connection.execute(select(*CHAIN_COLUMNS).where(audit_table.c.id == row_id)).mappings().one()
    row = ChainRow(**values)
    try:
        body = row.expected_body()
        salts, erased = row.salts, row.erased
    except BrokenSeal:
        salts, erased = new_salts(), {}
        body = ChainRow(**{**values, "salts": salts, "erased": erased}).expected_body()
    connection.execute(_SEAL, {"row_id": row_id, "new_salts": salts, "new_erased": erased, "new_body": body})
    return body


@event.listens_for(Session, "before_flush")
def _note_audit_rows(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    for obj in session.new:
        if isinstance(obj, AuditEntry):
            _seal_entry(obj)
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
