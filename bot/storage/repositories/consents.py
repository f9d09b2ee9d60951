"""The append-only consent ledger; the latest event for a purpose is the customer's current choice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import ConsentEvent


class ConsentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def record(self, event: ConsentEvent) -> None:
        self._session.add(event)

    async def current(self, customer_id: int, purpose: str) -> ConsentEvent | None:
        return await self._session.scalar(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id, ConsentEvent.purpose == purpose)
            .order_by(ConsentEvent.recorded_at.desc(), ConsentEvent.id.desc())
            .limit(1)
        )
