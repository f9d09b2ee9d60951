"""Receipts of the order events the shop's system sent, by event id (replay protection)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from bot.storage.models import OrderEventReceipt
from bot.storage.repositories.base import Repository


class OrderEventRepository(Repository):
    async def known(self, event_ids: Iterable[str]) -> set[str]:
        """Which of these event ids were received before."""
        ids = list(event_ids)
        if not ids:
            return set()
        rows = await self._session.scalars(
            select(OrderEventReceipt.event_id).where(OrderEventReceipt.event_id.in_(ids))
        )
        return set(rows)

    def add(self, receipt: OrderEventReceipt) -> None:
        self._session.add(receipt)
