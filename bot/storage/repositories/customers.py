"""Customers, found by their natural keys: the E.164 phone and the lower-cased email."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from bot.storage import bulk
from bot.storage.models import Customer
from bot.storage.repositories.base import Repository


class CustomerRepository(Repository):
    async def get(self, customer_id: int) -> Customer | None:
        return await self._session.get(Customer, customer_id)

    async def by_phone(self, phone: str) -> Customer | None:
        return await self._session.scalar(select(Customer).where(Customer.phone == phone))

    async def by_email(self, email: str) -> Customer | None:
        return await self._session.scalar(select(Customer).where(Customer.email == email))

    async def by_phones(self, phones: list[str]) -> dict[str, Customer]:
        if not phones:
            return {}
        rows = await self._session.scalars(select(Customer).where(Customer.phone.in_(phones)))
        return {row.phone: row for row in rows if row.phone}

    async def by_emails(self, emails: list[str]) -> dict[str, Customer]:
        if not emails:
            return {}
        rows = await self._session.scalars(select(Customer).where(Customer.email.in_(emails)))
        return {row.email: row for row in rows if row.email}

    async def ids_by_phones(self, phones: list[str]) -> dict[str, int]:
        """For imports of orders: the customer id of each phone on file (no entities loaded)."""
        if not phones:
            return {}
        query = select(Customer.phone, Customer.id).where(
            await bulk.one_of(self._session, Customer.__table__.c.phone, phones)
        )
        rows = await self._session.execute(query)
        return {row.phone: row.id for row in rows}

    async def ids_by_emails(self, emails: list[str]) -> dict[str, int]:
        """For imports of orders: the customer id of each email on file (no entities loaded)."""
        if not emails:
            return {}
        query = select(Customer.email, Customer.id).where(
            await bulk.one_of(self._session, Customer.__table__.c.email, emails)
        )
        rows = await self._session.execute(query)
        return {row.email: row.id for row in rows}

    async def insert_many(self, rows: list[dict[str, Any]]) -> list[tuple[int, str | None, str | None]]:
        """For imports: new customers in multi-row INSERTs; returns (id, phone, email) of each."""
        if not rows:
            return []
        result = await self._session.execute(
            insert(Customer).returning(Customer.id, Customer.phone, Customer.email), rows,
            execution_options={"render_nulls": True},
        )
        return [(row.id, row.phone, row.email) for row in result]

    def add(self, customer: Customer) -> None:
        self._session.add(customer)

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(Customer)) or 0)
