"""The append-only consent ledger (the latest event for a purpose, and channel, is the current
choice) and the marketing suppression list derived from what customers said."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, tuple_

from bot.storage.models import ConsentEvent, MarketingSuppression
from bot.storage.repositories.base import Repository

MARKETING = "marketing"


class ConsentRepository(Repository):
    def record(self, event: ConsentEvent) -> None:
        self._session.add(event)

    async def record_many(self, rows: list[dict[str, Any]]) -> None:
        """For imports: consent events (customer_id, purpose, granted, source, recorded_at) in bulk."""
        if rows:
            await self._session.execute(insert(ConsentEvent), rows, execution_options={"render_nulls": True})

    async def current_many(self, customer_ids: list[int], purpose: str) -> dict[int, bool]:
        """The current all-channel choice (the shop's flag) of each customer that has one (for imports:
        one query per batch); choices said per channel in the chat are not the flag the file carries."""
        if not customer_ids:
            return {}
        rows = await self._session.execute(
            select(ConsentEvent.customer_id, ConsentEvent.granted)
            .where(ConsentEvent.customer_id.in_(customer_ids), ConsentEvent.purpose == purpose,
                   ConsentEvent.channel.is_(None))
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id)
        )
        return {customer_id: granted for customer_id, granted in rows if customer_id is not None}

    async def current(self, customer_id: int, purpose: str) -> ConsentEvent | None:
        return await self._session.scalar(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id, ConsentEvent.purpose == purpose)
            .order_by(ConsentEvent.recorded_at.desc(), ConsentEvent.id.desc())
            .limit(1)
        )

    async def marketing_of_customer(self, customer_id: int) -> Sequence[ConsentEvent]:
        """The customer's marketing events, oldest first (the latest per channel is their choice)."""
        rows = await self._session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id == customer_id, ConsentEvent.purpose == MARKETING)
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id)
        )
        return rows.all()

    async def marketing_of_account(self, channel: str, user_id: str) -> Sequence[ConsentEvent]:
        """The marketing events said in one chat account, oldest first."""
        rows = await self._session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.account_channel == channel, ConsentEvent.account_user_id == user_id,
                   ConsentEvent.purpose == MARKETING)
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id)
        )
        return rows.all()

    async def said_in_chat(self, customer_ids: list[int]) -> dict[int, list[ConsentEvent]]:
        """Each customer's per-channel marketing events (said in a chat, not the shop's imported flag),
        oldest first: one query for a batch."""
        if not customer_ids:
            return {}
        rows = await self._session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id.in_(customer_ids), ConsentEvent.purpose == MARKETING,
                   ConsentEvent.channel.is_not(None))
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id))
        found: dict[int, list[ConsentEvent]] = {}
        for row in rows:
            if row.customer_id is not None:
                found.setdefault(row.customer_id, []).append(row)
        return found

    async def unmatched_marketing(self, *, emails: Iterable[str] = (), phones: Iterable[str] = ()
                                  ) -> Sequence[ConsentEvent]:
        """Marketing events recorded against no customer yet that name one of these addresses."""
        emails, phones = list(emails), list(phones)
        if not emails and not phones:
            return []
        rows = await self._session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.customer_id.is_(None), ConsentEvent.purpose == MARKETING,
                   or_(ConsentEvent.email.in_(emails), ConsentEvent.phone.in_(phones)))
            .order_by(ConsentEvent.recorded_at, ConsentEvent.id)
        )
        return rows.all()


class SuppressionRepository(Repository):
    """The marketing suppression list: (channel, address) pairs the shop must not market to."""

    def add(self, row: MarketingSuppression) -> None:
        self._session.add(row)

    async def find(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], MarketingSuppression]:
        wanted = set(pairs)
        if not wanted:
            return {}
        rows = await self._session.scalars(
            select(MarketingSuppression).where(
                tuple_(MarketingSuppression.channel, MarketingSuppression.address).in_(list(wanted))))
        return {(row.channel, row.address): row for row in rows}

    async def by_addresses(self, addresses: Iterable[str]) -> Sequence[MarketingSuppression]:
        wanted = list(set(addresses))
        if not wanted:
            return []
        rows = await self._session.scalars(
            select(MarketingSuppression).where(MarketingSuppression.address.in_(wanted)))
        return rows.all()

    async def held_by(self, channels: Iterable[str], *, customer_id: int | None, account: tuple[str, str],
                      addresses: Iterable[str] = ()) -> Sequence[MarketingSuppression]:
        """The entries of these channels that this customer (or this chat account) may lift: their own,
        or on one of their addresses."""
        holders = [and_(MarketingSuppression.account_channel == account[0],
                        MarketingSuppression.account_user_id == account[1])]
        if customer_id is not None:
            holders.append(MarketingSuppression.customer_id == customer_id)
        wanted = list(set(addresses))
        if wanted:
            holders.append(MarketingSuppression.address.in_(wanted))
        rows = await self._session.scalars(
            select(MarketingSuppression)
            .where(MarketingSuppression.channel.in_(list(channels)), or_(*holders))
            .order_by(MarketingSuppression.id))
        return rows.all()

    async def of_account(self, channel: str, user_id: str) -> Sequence[MarketingSuppression]:
        rows = await self._session.scalars(
            select(MarketingSuppression).where(MarketingSuppression.account_channel == channel,
                                               MarketingSuppression.account_user_id == user_id))
        return rows.all()

    async def remove(self, rows: Iterable[MarketingSuppression]) -> None:
        ids = [row.id for row in rows]
        if ids:
            await self._session.execute(delete(MarketingSuppression).where(MarketingSuppression.id.in_(ids)))

    async def listing(self, channel: str | None = None) -> Sequence[MarketingSuppression]:
        """The whole current list (or one channel's), by channel then address: what the mailer reads."""
        query = select(MarketingSuppression).order_by(MarketingSuppression.channel,
                                                      MarketingSuppression.address)
        if channel is not None:
            query = query.where(MarketingSuppression.channel == channel)
        rows = await self._session.scalars(query)
        return rows.all()
