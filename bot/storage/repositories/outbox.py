"""The outbox: messages that must arrive, claimed by dispatchers with a lease so several can run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased

from bot.storage.models import OutboxMessage
from bot.storage.repositories.base import Repository

# Built once: the dispatcher polls every second, and building this statement (an aliased entity,
# its column proxies) cost milliseconds each time, more than running it.
_EARLIER = aliased(OutboxMessage)
_DUE = (
    select(OutboxMessage)
    .where(
        OutboxMessage.status == "pending",
        OutboxMessage.next_attempt_at <= bindparam("now"),
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < bindparam("now")),
        ~exists().where(
            _EARLIER.channel == OutboxMessage.channel,
            _EARLIER.chat_id == OutboxMessage.chat_id,
            _EARLIER.status == "pending",
            _EARLIER.id < OutboxMessage.id,
        ),
    )
    .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
    .limit(bindparam("limit"))
)
_DUE_SKIPPING_LOCKED = _DUE.with_for_update(skip_locked=True)  # PostgreSQL: other dispatchers skip them

#: (channel, chat id) pairs a dispatcher can deliver to; a chat id of None stands for every chat.
Scope = tuple[tuple[str, str | None], ...]


@lru_cache(maxsize=16)
def _due_within(scope: Scope, skip_locked: bool) -> Select[OutboxMessage]:
    """The due-messages statement narrowed to a scope, built once per scope (like `_DUE`)."""
    narrowed = _DUE.where(or_(*(
        OutboxMessage.channel == channel if chat_id is None
        else and_(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id)
        for channel, chat_id in scope
    )))
    return narrowed.with_for_update(skip_locked=True) if skip_locked else narrowed


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

    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, scope: Scope | None = None
    ) -> Sequence[OutboxMessage]:
        """Lease due messages to this dispatcher; on PostgreSQL other dispatchers skip locked rows.

        Messages to one chat leave in the order they were written: a message waits while an earlier
        one to the same chat is still pending (backing off after a failure, say), so the parts of a
        long answer or a card and its relays never overtake each other. With a `scope`, only messages
        to those channels (and chats) are claimed: what this dispatcher cannot deliver stays free for
        one that can, and never fills its batch.
        """
        if scope is not None and not scope:
            return []
        on_postgresql = self._session.bind is not None and self._session.bind.dialect.name == "postgresql"
        if scope is not None:
            query = _due_within(scope, on_postgresql)
        else:
            query = _DUE_SKIPPING_LOCKED if on_postgresql else _DUE
        rows = (await self._session.scalars(query, {"now": now, "limit": limit})).all()
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
