"""The audit log of personal-data access; append only, one hash chain (`bot.storage.audit_chain`).

`add` and `add_many` write rows as before; the chain is filled in at commit. `chain_rows`,
`chain_head` and `unchained` are what `audit verify` reads; `pseudonymise` is the one change an
audit row ever gets (an erasure), and it keeps every hash valid.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update

from bot.domain.audit_chain import ERASED_VALUES, GENESIS_HASH, ChainRow, field_digest
from bot.storage import audit_chain, bulk
from bot.storage.models import AuditEntry
from bot.storage.repositories.base import Repository

_table = audit_chain.audit_table
_PSEUDONYMISE = (
    update(_table)
    .where(_table.c.id == bindparam("row_id"))
    .values(
        actor=bindparam("new_actor"),
        customer_id=bindparam("new_customer_id"),
        details=bindparam("new_details", type_=_table.c.details.type),
        salts=bindparam("new_salts", type_=_table.c.salts.type),
        erased=bindparam("new_erased", type_=_table.c.erased.type),
    )
)
#: Actions whose details stay through an erasure: a privacy request's reference, kind and statuses,
#: the proof that the request was handled (kept, `bot.services.privacy_requests.retention`).
KEEP_DETAILS_OF = ("privacy_requests.",)


class AuditRepository(Repository):
    def add(self, entry: AuditEntry) -> None:
        self._session.add(entry)

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert for imports, which audit thousands of rows at once: each row sealed (salts, body
        hash) here, then the database's bulk path (COPY on PostgreSQL, executemany on SQLite:
        bot.storage.bulk) in the unit of work's transaction, chained at commit like every other row
        (the chain links the rows that have no seq yet). The caller's dicts are left as they were."""
        if rows:
            sealed = [dict(row) for row in rows]
            for row in sealed:
                audit_chain.seal_row(row)
            audit_chain.mark_pending(self._session.sync_session)
            await bulk.insert_rows(self._session, _table, sealed)

    async def for_customer(self, customer_id: int) -> Sequence[AuditEntry]:
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.customer_id == customer_id).order_by(AuditEntry.id)
        )
        return rows.all()

    async def recent(self, limit: int = 100) -> Sequence[AuditEntry]:
        rows = await self._session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return rows.all()

    # The chain ---------------------------------------------------------------------------------------
    async def chain_head(self) -> tuple[int, str]:
        """The last seq and hash committed (not locked: `audit verify` walks up to it)."""
        row = (await self._session.execute(
            select(audit_chain.head_table.c.seq, audit_chain.head_table.c.row_hash)
            .where(audit_chain.head_table.c.id == 1)
        )).first()
        return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.row_hash))

    async def chain_rows(self, *, after_seq: int, up_to_seq: int, limit: int) -> list[ChainRow]:
        """Chained rows after `after_seq`, in seq order, at most `limit` (a keyset page of the walk)."""
        result = await self._session.execute(
            select(*audit_chain.CHAIN_COLUMNS)
            .where(_table.c.seq > after_seq, _table.c.seq <= up_to_seq)
            .order_by(_table.c.seq)
            .limit(limit)
        )
        return [ChainRow(**row) for row in result.mappings()]

    async def unchained(self) -> tuple[int, int | None]:
        """Committed rows outside the chain (written past `bot.storage.audit_chain`): how many, first id."""
        row = (await self._session.execute(
            select(func.count(), func.min(_table.c.id)).where(_table.c.seq.is_(None))
        )).one()
        return int(row[0]), row[1]

    async def pseudonymise(self, customer_id: int, own_actors: Collection[str], *,
                           unlink_customer: bool = False, batch: int = 1000) -> int:
        """Erase what identifies the customer in the audit rows about them, keeping the chain valid.

        In every row about the customer (or written by one of their own accounts, `own_actors`) the
        details go (except a privacy request's own, `KEEP_DETAILS_OF`), the actor goes when it is one
        of `own_actors` (a staff actor stays: who read the data is what the log proves), and the
        customer id goes with `unlink_customer` (when the customer row itself is deleted). Each erased
        field's digest moves to `erased` and its salt is deleted, so the row hash still holds and the
        digest can no longer be matched to a guess. Returns the number of rows changed.
        """
        actors = list(own_actors)
        about = _table.c.customer_id == customer_id
        where = or_(about, _table.c.actor.in_(actors)) if actors else about
        changed, after = 0, 0
        while True:
            rows = (await self._session.execute(
                select(*audit_chain.CHAIN_COLUMNS).where(where, _table.c.id > after)
                .order_by(_table.c.id).limit(batch)
            )).mappings().all()
            if not rows:
                return changed
            updates = []
            for values in rows:
                row = ChainRow(**values)
                fields = []
                if not row.action.startswith(KEEP_DETAILS_OF):
                    fields.append("details")
                if row.actor in actors:
                    fields.append("actor")
                if unlink_customer and row.customer_id == customer_id:
                    fields.append("customer_id")
                salts, erased = dict(row.salts or {}), dict(row.erased or {})
                current = {"actor": row.actor, "customer_id": row.customer_id, "details": row.details}
                for name in fields:
                    if name in erased or name not in salts:
                        continue
                    erased[name] = field_digest(name, salts.pop(name), current[name])
                    current[name] = ERASED_VALUES[name]
                if erased != (row.erased or {}):
                    updates.append({"row_id": row.id, "new_actor": current["actor"],
                                    "new_customer_id": current["customer_id"],
                                    "new_details": current["details"], "new_salts": salts,
                                    "new_erased": erased})
            if updates:
                await self._session.execute(_PSEUDONYMISE, updates)
                changed += len(updates)
            after = rows[-1]["id"]
