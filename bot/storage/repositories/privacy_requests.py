"""Privacy requests, their status history and the counter their references come from.

Row locks (`FOR UPDATE`, `SKIP LOCKED`) are asked for on every dialect: PostgreSQL takes them, and
SQLAlchemy renders nothing for them on SQLite, where BEGIN IMMEDIATE lets one writer in at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.models import PrivacyRequest, PrivacyRequestEvent, PrivacyRequestSequence
from bot.storage.repositories.base import Repository


class PrivacyRequestRepository(Repository):
    async def next_sequence(self, year: int) -> int:
        """The next number of `year`, unique under concurrency.

        The year's row is created if missing (INSERT … ON CONFLICT DO NOTHING: a concurrent creator
        waits for the first one on the unique key) and then incremented in one UPDATE … RETURNING,
        which holds the row's lock until the transaction ends: two requests opened at once on
        PostgreSQL get consecutive numbers, on SQLite the writers are serialised anyway.
        """
        connection = await self._session.connection()
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        await self._session.execute(
            dialect.insert(PrivacyRequestSequence).values(year=year, last_value=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        value = await self._session.scalar(
            update(PrivacyRequestSequence).where(PrivacyRequestSequence.year == year)
            .values(last_value=PrivacyRequestSequence.last_value + 1)
            .returning(PrivacyRequestSequence.last_value)
            .execution_options(synchronize_session=False)
        )
        if value is None:
            raise RuntimeError(f"no sequence row for {year}")
        return int(value)

    async def add(self, request: PrivacyRequest) -> PrivacyRequest:
        self._session.add(request)
        await self._session.flush()
        return request

    def add_event(self, event: PrivacyRequestEvent) -> None:
        self._session.add(event)

    async def get(self, request_id: int) -> PrivacyRequest | None:
        return await self._session.get(PrivacyRequest, request_id)

    async def lock(self, request_id: int) -> PrivacyRequest | None:
        """The request, re-read and row-locked for the rest of the transaction (PostgreSQL)."""
        return await self._session.scalar(
            select(PrivacyRequest).where(PrivacyRequest.id == request_id).with_for_update()
            .execution_options(populate_existing=True)
        )

    async def by_reference(self, reference: str) -> PrivacyRequest | None:
        return await self._session.scalar(select(PrivacyRequest).where(PrivacyRequest.reference == reference))

    async def events(self, request_id: int) -> Sequence[PrivacyRequestEvent]:
        rows = await self._session.scalars(
            select(PrivacyRequestEvent).where(PrivacyRequestEvent.request_id == request_id)
            .order_by(PrivacyRequestEvent.id)
        )
        return rows.all()

    async def for_account(self, channel: str, channel_user_id: str, customer_id: int | None, *,
                          limit: int = 20) -> Sequence[PrivacyRequest]:
        """The requests made from this chat account, and those of the customer it is proven to be."""
        mine = and_(PrivacyRequest.channel == channel, PrivacyRequest.channel_user_id == channel_user_id)
        condition = mine if customer_id is None else or_(mine, PrivacyRequest.customer_id == customer_id)
        rows = await self._session.scalars(
            select(PrivacyRequest).where(condition).order_by(PrivacyRequest.id.desc()).limit(limit)
        )
        return rows.all()

    async def in_statuses(self, statuses: Collection[str], *, limit: int = 200) -> Sequence[PrivacyRequest]:
        rows = await self._session.scalars(
            select(PrivacyRequest).where(PrivacyRequest.status.in_(list(statuses)))
            .order_by(PrivacyRequest.due_at, PrivacyRequest.id).limit(limit)
        )
        return rows.all()

    async def by_staff_thread(self, staff_chat_id: str, thread_id: int) -> PrivacyRequest | None:
        return await self._session.scalar(
            select(PrivacyRequest).where(PrivacyRequest.staff_chat_id == staff_chat_id,
                                         PrivacyRequest.staff_thread_id == thread_id)
        )

    async def by_staff_card(self, staff_chat_id: str, message_id: int) -> PrivacyRequest | None:
        return await self._session.scalar(
            select(PrivacyRequest).where(PrivacyRequest.staff_chat_id == staff_chat_id,
                                         PrivacyRequest.staff_card_message_id == message_id)
        )

    async def awaiting_input_from(self, staff_chat_id: str, staff_id: str) -> Sequence[PrivacyRequest]:
        rows = await self._session.scalars(
            select(PrivacyRequest).where(PrivacyRequest.staff_chat_id == staff_chat_id,
                                         PrivacyRequest.awaiting_input_by == staff_id)
            .order_by(PrivacyRequest.id)
        )
        return rows.all()

    async def claim_unverified(self, made_before: datetime, *, limit: int) -> Sequence[PrivacyRequest]:
        """Requests still waiting for verification that were made before `made_before`; row-locked,
        skipped by other sweeps."""
        rows = await self._session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.status == "waiting_verification", PrivacyRequest.received_at < made_before)
            .order_by(PrivacyRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return rows.all()

    async def claim_due(self, now: datetime, *, statuses: Collection[str], limit: int
                        ) -> Sequence[PrivacyRequest]:
        """Open requests whose reminder is due and not sent, or whose deadline passed and was not
        escalated; row-locked, and skipped by other sweeps (see `bot.services.privacy_requests.sweep`)."""
        deadline = PrivacyRequest.due_at
        rows = await self._session.scalars(
            select(PrivacyRequest)
            .where(
                PrivacyRequest.status.in_(list(statuses)),
                or_(
                    and_(PrivacyRequest.reminded_at.is_(None), PrivacyRequest.remind_at <= now),
                    and_(PrivacyRequest.escalated_at.is_(None), deadline < now),
                ),
            )
            .order_by(PrivacyRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return rows.all()
