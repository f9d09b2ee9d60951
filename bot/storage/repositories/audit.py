"""The audit log of personal-data access; append only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, select

from bot.storage import bulk
from bot.storage.models import AuditEntry
from bot.storage.repositories.base import Repository

_AUDIT = cast(Table, AuditEntry.__table__)


class AuditRepository(Repository):
    def add(self, entry: AuditEntry) -> None:
        self._session.add(entry)

    async def add_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert for imports, which audit thousands of rows at once: COPY on PostgreSQL,
        executemany on SQLite (bot.storage.bulk), in the unit of work's transaction. Each row names
        actor, action, customer_id, purpose, details and created_at."""
        await bulk.insert_rows(self._session, _AUDIT, rows)

    async def for_customer(self, customer_id: int) -> Sequence[AuditEntry]:
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.customer_id == customer_id).order_by(AuditEntry.id)
        )
        return rows.all()

    async def recent(self, limit: int = 100) -> Sequence[AuditEntry]:
        rows = await self._session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return rows.all()
