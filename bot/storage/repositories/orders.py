"""Orders, always read through their owner: there is deliberately no 'get any order by code' for chat."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from bot.storage.models import Order, OrderStatusEvent
from bot.storage.repositories.base import Repository


class OrderRepository(Repository):
    async def for_customer(self, customer_id: int, *, limit: int = 10) -> Sequence[Order]:
        rows = await self._session.scalars(
            select(Order)
            .where(Order.customer_id == customer_id)
            .options(selectinload(Order.history))
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
        return rows.all()

    async def owned_by(self, customer_id: int, code: str) -> Order | None:
        return await self._session.scalar(
            select(Order)
            .where(Order.customer_id == customer_id, func.upper(Order.code) == code.strip().upper())
            .options(selectinload(Order.history))
        )

    async def by_codes(self, codes: list[str]) -> dict[str, Order]:
        """For imports only: upserting needs to find existing rows by their natural key."""
        if not codes:
            return {}
        rows = await self._session.scalars(
            select(Order).where(Order.code.in_(codes)).options(selectinload(Order.history))
        )
        return {row.code: row for row in rows}

    async def exists(self, code: str) -> bool:
        found = await self._session.scalar(
            select(Order.id).where(func.upper(Order.code) == code.strip().upper())
        )
        return found is not None

    async def insert_many(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """For imports: new orders in multi-row INSERTs; returns the id of each by code."""
        if not rows:
            return {}
        result = await self._session.execute(
            insert(Order).returning(Order.id, Order.code), rows, execution_options={"render_nulls": True}
        )
        return {row.code: row.id for row in result}

    async def add_status_events(self, rows: list[dict[str, Any]]) -> None:
        """For imports: status history rows (order_id, status, occurred_at, note) in multi-row INSERTs."""
        if rows:
            await self._session.execute(
                insert(OrderStatusEvent), rows, execution_options={"render_nulls": True}
            )

    def add(self, order: Order) -> None:
        self._session.add(order)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Order)) or 0)
