"""The outbox: messages that must arrive, claimed by dispatchers with a lease so several can run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from bot.storage.models import OutboxMessage
from bot.storage.repositories.base import Repository


class OutboxRepository(Repository):
    async def add(self, message: OutboxMessage) -> OutboxMessage:
        """Add unless a message with the same dedupe key exists (then return that one)."""
        if message.dedupe_key:
            existing = await self._session.scalar(
                select(OutboxMessage).where(OutboxMessage.dedupe_key == message.dedupe_key)
            )
            if existing is not None:
                return existing
        self._session.add(message)
        await self._session.flush()
        return message

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta) -> Sequence[OutboxMessage]:
        """Lease due messages to this dispatcher; on PostgreSQL other dispatchers skip locked rows.

        Messages to one chat leave in the order they were written: a message waits while an earlier
        one to the same chat is still pending (backing off after a failure, say), so the parts of a
        long answer or a card and its relays never overtake each other.
        """
        earlier = aliased(OutboxMessage)
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                ~exists().where(
                    earlier.channel == OutboxMessage.channel,
                    earlier.chat_id == OutboxMessage.chat_id,
                    earlier.status == "pending",
                    earlier.id < OutboxMessage.id,
                ),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if self._session.bind is not None and self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._session.scalars(query)).all()
        for row in rows:
            row.locked_until = now + lease
        await self._session.flush()
        return rows

    async def count(self, kinds: Sequence[str], dedupe_prefix: str) -> int:
        """How many messages of these kinds were ever written under keys starting with the prefix."""
        query = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind.in_(kinds), OutboxMessage.dedupe_key.startswith(dedupe_prefix, autoescape=True)
        )
        return int(await self._session.scalar(query) or 0)

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, message_id)

    async def all(self) -> Sequence[OutboxMessage]:
        return (await self._session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
