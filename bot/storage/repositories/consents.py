"""The append-only consent ledger; the latest event for a purpose is the customer's current choice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from bot.storage.models import ConsentEvent
from bot.storage.repositories.base import Repository


class ConsentRepository(Repository):
    def record(self, event: ConsentEvent) -> None:
        self._session.add(event)

    async def record_many(self, rows: list[dict[str, Any]]) -> None:
        """For imports: consent events (customer_id, purpose, granted, source, recorded_at) in bulk."""
        if rows:
            await self._session.execute(insert(ConsentEvent), rows, execution_options={"render_nulls": True})

    async def current_many(self, customer_ids: list[int], purpose: str) -> dict[int, bool]:
        """The current choice of each customer that has one (for imports: one query per batch)."""
        if not customer_ids:
            return {}
        rows = await self._session.execute(
            select(ConsentEvent.customer_id, ConsentEvent.granted)
            .where(ConsentEvent.customer_id.in_(customer_ids), ConsentEvent.purpose == purpose)
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id)
        )
        return {customer_id: granted for customer_id, granted in rows}  # the latest event wins

    async def current(self, customer_id: int, purpose: str) -> ConsentEvent | None:
        return await self._session.scalar(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id, ConsentEvent.purpose == purpose)
            .order_by(ConsentEvent.recorded_at.desc(), ConsentEvent.id.desc())
            .limit(1)
        )
