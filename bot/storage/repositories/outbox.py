"""The outbox: messages that must arrive, claimed by dispatchers with a lease so several can run.

Rows are found by what they are for (`purpose`) and what they are about (`ticket_id`), never by the
shape of their dedupe key. `FOR UPDATE SKIP LOCKED` is asked for on every dialect: PostgreSQL lets
other dispatchers skip the rows one has claimed, and SQLAlchemy renders nothing for it on SQLite,
where BEGIN IMMEDIATE already lets one writer in at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Select, Table, and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from bot.storage import bulk
from bot.storage.models import OutboxFile, OutboxMessage, OutboxPurpose, OutboxStatus
from bot.storage.repositories.base import Repository

PENDING, HELD, DEAD = OutboxStatus.PENDING, OutboxStatus.HELD, OutboxStatus.DEAD
_OUTBOX = cast(Table, OutboxMessage.__table__)

#: A new ticket's topic and card are claimed before everything else (relays, notices): staff see a
#: new customer at once, however busy another ticket's topic is.
_FIRST_PURPOSES = case(
    (OutboxMessage.purpose.in_((OutboxPurpose.TICKET_TOPIC, OutboxPurpose.TICKET_CARD)), 0), else_=1)

# Built once: the dispatcher polls every second, and building this statement (an aliased entity,
# its column proxies) cost milliseconds each time, more than running it.
_EARLIER = aliased(OutboxMessage)
_DUE = (
    select(OutboxMessage)
    .where(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= bindparam("now"),
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < bindparam("now")),
        ~exists().where(
            _EARLIER.channel == OutboxMessage.channel,
            _EARLIER.chat_id == OutboxMessage.chat_id,
            _EARLIER.thread_id.is_not_distinct_from(OutboxMessage.thread_id),
            _EARLIER.status == PENDING,
            _EARLIER.id < OutboxMessage.id,
        ),
    )
    .order_by(OutboxMessage.priority, _FIRST_PURPOSES, OutboxMessage.next_attempt_at, OutboxMessage.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_HELD_FOR_DEAD_TOPIC = aliased(OutboxMessage)

#: (channel, chat id) pairs a dispatcher can deliver to; a chat id of None stands for every chat.
Scope = tuple[tuple[str, str | None], ...]


@lru_cache(maxsize=16)
def _due_within(scope: Scope) -> Select[OutboxMessage]:
    """The due-messages statement narrowed to a scope, built once per scope (like `_DUE`)."""
    return _DUE.where(or_(*(
        OutboxMessage.channel == channel if chat_id is None
        else and_(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id)
        for channel, chat_id in scope
    )))


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

    async def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write many messages at once by the bulk path (an import's notices; rows from
        `bot.services.outbox.queued_row`, every column named); no dedupe key is looked up."""
        await bulk.insert_rows(self._session, _OUTBOX, rows)

    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, scope: Scope | None = None
    ) -> Sequence[OutboxMessage]:
        """Lease due messages to this dispatcher; on PostgreSQL other dispatchers skip locked rows.

        Messages to one chat (and forum topic) leave in the order they were written: a message waits
        while an earlier one to the same chat and thread is still pending (backing off after a
        failure, say), so the parts of a long answer or a card and its relays never overtake each
        other; one busy ticket's topic does not hold back another's. Interactive messages are claimed
        before bulk ones (`OutboxPriority`): a reply deferred to the outbox does not wait behind
        thousands of order notifications; among them, a new ticket's topic and card are claimed first
        (`_FIRST_PURPOSES`), and delivered first within the batch. With a `scope`, only messages
        to those channels (and chats) are claimed: what this dispatcher cannot deliver stays free for
        one that can, and never fills its batch.
        """
        if scope is not None and not scope:
            return []
        query = _DUE if scope is None else _due_within(scope)
        rows = (await self._session.scalars(query, {"now": now, "limit": limit})).all()
        for row in rows:
            row.locked_until = now + lease
        await self._session.flush()
        return rows

    async def pending_to(self, channel: str, chat_id: str) -> bool:
        """Whether a message to the chat is still waiting to be delivered."""
        query = select(OutboxMessage.id).where(
            OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == PENDING,
        ).limit(1)
        return await self._session.scalar(query) is not None

    async def due_now_for(self, channel: str, chat_id: str, now: datetime) -> int:
        """Every message still waiting for the chat becomes due now (its backoff forgotten)."""
        rows = (await self._session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
            OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at > now,
        ))).all()
        for row in rows:
            row.next_attempt_at = now
        await self._session.flush()
        return len(rows)

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many messages wait to be delivered, and since when the oldest does."""
        count, oldest = (await self._session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.status == PENDING)
        )).one()
        return int(count or 0), oldest

    async def failing_to(self, channel: str, chat_id: str) -> tuple[int, str | None, datetime | None]:
        """Messages to the chat that failed and wait for another try: how many, the newest error,
        and when the oldest of them was written."""
        failing = (OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
                   OutboxMessage.status == PENDING, OutboxMessage.attempts > 0)
        count, oldest = (await self._session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(*failing)
        )).one()
        error = await self._session.scalar(
            select(OutboxMessage.last_error).where(*failing).order_by(OutboxMessage.id.desc()).limit(1)
        )
        return int(count or 0), error, oldest

    async def give_up_chat(self, channel: str, chat_id: str, *, reason: str) -> int:
        """Every message still pending for a chat that blocked the bot becomes unreachable at once
        (one statement, instead of each being claimed only to be refused); how many there were."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == channel, OutboxMessage.chat_id == chat_id,
                   OutboxMessage.status == PENDING)
            .values(status=OutboxStatus.UNREACHABLE, last_error=reason[:500], locked_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def file_of(self, message_id: int) -> OutboxFile | None:
        """The stored document of a message (`bot.services.outbox.enqueue`), if it has one."""
        return await self._session.scalar(select(OutboxFile).where(OutboxFile.outbox_id == message_id))

    async def files_of(self, message_ids: Sequence[int]) -> dict[int, tuple[bytes | None, str]]:
        """(bytes or None once removed, SHA-256 written) of the messages' stored documents."""
        rows = await self._session.execute(
            select(OutboxFile.outbox_id, OutboxFile.content, OutboxFile.sha256)
            .where(OutboxFile.outbox_id.in_(list(message_ids))))
        return {outbox_id: (content, digest) for outbox_id, content, digest in rows.all()}

    async def of_request(self, request_id: int, purpose: OutboxPurpose) -> Sequence[OutboxMessage]:
        """A privacy request's messages of one purpose, in the order they were written."""
        return (await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request_id, OutboxMessage.purpose == purpose)
            .order_by(OutboxMessage.id))).all()

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self._session.get(OutboxMessage, message_id)

    async def all(self) -> Sequence[OutboxMessage]:
        return (await self._session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()

    # A ticket's rows -----------------------------------------------------------------------------
    async def topic_of(self, ticket_id: int) -> OutboxMessage | None:
        """The row that opens the ticket's forum topic, if one was written."""
        return await self._session.scalar(select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.purpose == OutboxPurpose.TICKET_TOPIC,
        ).order_by(OutboxMessage.id).limit(1))

    async def held_for(self, ticket_id: int) -> Sequence[OutboxMessage]:
        """The ticket's rows held back until its staff topic exists, oldest first."""
        rows = await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ticket_id == ticket_id, OutboxMessage.status == HELD)
            .order_by(OutboxMessage.id)
        )
        return rows.all()

    async def release_held(self, ticket_id: int, *, thread_id: int | None, now: datetime) -> int:
        """The ticket's held rows become due now, addressed to `thread_id`; how many there were."""
        rows = await self.held_for(ticket_id)
        for row in rows:
            row.status, row.thread_id, row.next_attempt_at = PENDING, thread_id, now
        await self._session.flush()
        return len(rows)

    async def tickets_held_for_a_dead_topic(self) -> Sequence[int]:
        """Tickets with rows still held for a topic that can never be opened (its row is final and
        was not sent: dead, or unreachable)."""
        held = _HELD_FOR_DEAD_TOPIC
        query = (
            select(OutboxMessage.ticket_id)
            .where(
                OutboxMessage.purpose == OutboxPurpose.TICKET_TOPIC,
                OutboxMessage.status.in_((DEAD, OutboxStatus.UNREACHABLE)),
                OutboxMessage.ticket_id.is_not(None),
                exists().where(held.ticket_id == OutboxMessage.ticket_id, held.status == HELD),
            )
            .distinct()
            .order_by(OutboxMessage.ticket_id)
        )
        return [ticket for ticket in (await self._session.scalars(query)).all() if ticket is not None]

    async def open_digest(self, ticket_id: int) -> OutboxMessage | None:
        """The ticket's burst digest still gathering messages (held, its text not yet sent)."""
        return await self._session.scalar(select(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id, OutboxMessage.purpose == OutboxPurpose.TICKET_DIGEST,
            OutboxMessage.status == HELD, OutboxMessage.kind == "text",
        ).order_by(OutboxMessage.id.desc()).limit(1))

    async def digests_due(self, written_before: datetime, *, limit: int = 100) -> Sequence[OutboxMessage]:
        """Held digests (and the files held with them) whose burst window has passed, row-locked."""
        rows = await self._session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == OutboxPurpose.TICKET_DIGEST, OutboxMessage.status == HELD,
            OutboxMessage.created_at <= written_before,
        ).order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True))
        return rows.all()

    async def topic_changes(self, ticket_id: int) -> int:
        """How many times the ticket's topic was closed or reopened (each change writes one such row)."""
        query = select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.purpose == OutboxPurpose.TOPIC_STATE,
            OutboxMessage.kind.in_(("close_topic", "reopen_topic")),
        )
        return int(await self._session.scalar(query) or 0)
