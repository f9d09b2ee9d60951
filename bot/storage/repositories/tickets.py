"""Tickets and their messages.

Row locks (`FOR UPDATE`, `SKIP LOCKED`) are asked for on every dialect: PostgreSQL takes them, and
SQLAlchemy renders nothing for them on SQLite, where BEGIN IMMEDIATE lets one writer in at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from bot.storage.models import StaffAlbum, Ticket, TicketMessage
from bot.storage.repositories.base import Repository

OPEN_STATUSES = ("open", "in_progress")
#: A staff album's decision (`StaffAlbum.decision`).
ALBUM_RELAY, ALBUM_NOTE, ALBUM_PROVISIONAL = "relay", "note", "provisional"


@dataclass(frozen=True)
class TicketCounts:
    """What `/stats` shows, as the database aggregated it."""

    total: int
    open: int
    in_progress: int
    resolved: int
    overdue: int
    ratings: int
    average_rating: float | None
    median_first_reply_minutes: float | None


class TicketRepository(Repository):
    async def add(self, ticket: Ticket) -> Ticket:
        self._session.add(ticket)
        await self._session.flush()
        return ticket

    async def get(self, ticket_id: int) -> Ticket | None:
        return await self._session.get(Ticket, ticket_id)

    async def by_number(self, number: str) -> Ticket | None:
        return await self._session.scalar(select(Ticket).where(Ticket.number == number))

    async def open_for_user(self, channel: str, channel_user_id: str) -> Ticket | None:
        return await self._session.scalar(
            select(Ticket)
            .where(
                Ticket.channel == channel,
                Ticket.channel_user_id == channel_user_id,
                Ticket.status.in_(OPEN_STATUSES),
            )
            .order_by(Ticket.id.desc())
            .limit(1)
        )

    async def for_user(self, channel: str, channel_user_id: str, *, limit: int = 10) -> Sequence[Ticket]:
        rows = await self._session.scalars(
            select(Ticket)
            .where(Ticket.channel == channel, Ticket.channel_user_id == channel_user_id)
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return rows.all()

    async def by_staff_thread(self, staff_chat_id: str, thread_id: int) -> Ticket | None:
        return await self._session.scalar(
            select(Ticket).where(Ticket.staff_chat_id == staff_chat_id, Ticket.staff_thread_id == thread_id)
        )

    async def by_staff_card(self, staff_chat_id: str, message_id: int) -> Ticket | None:
        return await self._session.scalar(
            select(Ticket).where(
                Ticket.staff_chat_id == staff_chat_id, Ticket.staff_card_message_id == message_id
            )
        )

    async def with_messages(self, ticket_id: int) -> Ticket | None:
        return await self._session.scalar(
            select(Ticket).where(Ticket.id == ticket_id).options(selectinload(Ticket.messages))
        )

    async def add_message(self, message: TicketMessage) -> TicketMessage:
        self._session.add(message)
        await self._session.flush()
        return message

    async def message_by_source(self, source_key: str) -> TicketMessage | None:
        return await self._session.scalar(select(TicketMessage).where(TicketMessage.source_key == source_key))

    async def message(self, message_id: int) -> TicketMessage | None:
        return await self._session.get(TicketMessage, message_id)

    async def customer_messages_since(self, ticket_id: int, since: datetime, *, excluding: int) -> int:
        """The customer's messages on the ticket since `since` that went to staff one by one."""
        query = select(func.count()).select_from(TicketMessage).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.author == "customer",
            TicketMessage.created_at >= since, TicketMessage.digest_id.is_(None),
            TicketMessage.id != excluding,
        )
        return int(await self._session.scalar(query) or 0)

    async def digest_messages(self, digest_id: int) -> list[TicketMessage]:
        rows = await self._session.scalars(
            select(TicketMessage).where(TicketMessage.digest_id == digest_id).order_by(TicketMessage.id))
        return list(rows.all())

    # Staff albums ------------------------------------------------------------------------------------
    async def album(self, chat_id: str, media_group_id: str, *, ticket_id: int, now: datetime) -> StaffAlbum:
        """The album's decision row, row-locked; written `provisional` by whichever item comes first.

        Insert-or-nothing on the (chat, media group) key, then read under a lock: items of one album
        handled at once on two instances meet at the same row.
        """
        values = {"chat_id": chat_id, "media_group_id": media_group_id, "ticket_id": ticket_id,
                  "decision": ALBUM_PROVISIONAL, "created_at": now}
        dialect = self._session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        await self._session.execute(insert(StaffAlbum).values(**values).on_conflict_do_nothing())
        row = await self._session.scalar(
            select(StaffAlbum)
            .where(StaffAlbum.chat_id == chat_id, StaffAlbum.media_group_id == media_group_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None:
            raise RuntimeError(f"album {media_group_id} vanished after it was written")
        return row

    async def awaiting_in_album(self, ticket_id: int, media_group_id: str) -> list[TicketMessage]:
        """The album's items still kept until a decision or a choice, oldest first."""
        rows = await self._session.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id, TicketMessage.media_group_id == media_group_id,
                   TicketMessage.awaiting_choice.is_(True))
            .order_by(TicketMessage.id)
        )
        return list(rows.all())

    async def provisional_albums(self, older_than: datetime, *, limit: int = 50) -> Sequence[StaffAlbum]:
        """Albums still undecided since before `older_than`, row-locked; other instances skip them."""
        rows = await self._session.scalars(
            select(StaffAlbum)
            .where(StaffAlbum.decision == ALBUM_PROVISIONAL, StaffAlbum.created_at < older_than)
            .order_by(StaffAlbum.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    # Added for the staff desk and the SLA sweep ------------------------------------------------------
    async def lock(self, ticket_id: int) -> Ticket | None:
        """The ticket, re-read and row-locked for the rest of the transaction (PostgreSQL)."""
        return await self._session.scalar(
            select(Ticket).where(Ticket.id == ticket_id).with_for_update()
            .execution_options(populate_existing=True)
        )

    async def in_statuses(self, statuses: Sequence[str], *, limit: int = 200) -> Sequence[Ticket]:
        rows = await self._session.scalars(
            select(Ticket).where(Ticket.status.in_(statuses)).order_by(Ticket.id).limit(limit)
        )
        return rows.all()

    async def stats(self, now: datetime) -> TicketCounts:
        """Counts, average rating and median minutes to the first staff reply, aggregated in SQL.

        `/stats` must not read every ticket: one aggregate query, and for the median two more that
        read one or two rows (ORDER BY the wait, OFFSET half the count).
        """
        open_ = Ticket.status.in_(OPEN_STATUSES)
        due = case((Ticket.first_staff_reply_at.is_(None), Ticket.first_reply_due_at),
                   else_=Ticket.resolution_due_at)
        row = (await self._session.execute(select(
            func.count(),
            func.count().filter(Ticket.status == "open"),
            func.count().filter(Ticket.status == "in_progress"),
            func.count().filter(Ticket.status == "resolved"),
            func.count().filter(open_, due.is_not(None), due <= now),
            func.count(Ticket.rating),
            func.avg(cast(Ticket.rating, Float)),
            func.count(Ticket.first_staff_reply_at),
        ).select_from(Ticket))).one()
        total, opened, in_progress, resolved, overdue, ratings, average, replied = row
        return TicketCounts(
            total=int(total), open=int(opened), in_progress=int(in_progress), resolved=int(resolved),
            overdue=int(overdue), ratings=int(ratings),
            average_rating=None if average is None else float(average),
            median_first_reply_minutes=await self._median_wait(int(replied)),
        )

    async def _median_wait(self, replied: int) -> float | None:
        if replied == 0:
            return None
        wait = self._minutes_to_first_reply()
        query = (select(wait).where(Ticket.first_staff_reply_at.is_not(None)).order_by(wait)
                 .limit(1 if replied % 2 else 2).offset((replied - 1) // 2))
        middle = [float(value) for value in (await self._session.scalars(query)).all()]
        # julianday() is a float of days: round off its last bits (a millisecond is 1.7e-5 minutes)
        return round(sum(middle) / len(middle), 3) if middle else None

    def _minutes_to_first_reply(self) -> ColumnElement[Any]:
        start, end = Ticket.created_at, Ticket.first_staff_reply_at
        if self._session.get_bind().dialect.name == "postgresql":
            return func.extract("epoch", end - start) / 60.0
        return (func.julianday(end) - func.julianday(start)) * 1440.0

    async def claim_deadlines_due(
        self, now: datetime, *, escalation_lead: datetime, apologies: bool, limit: int
    ) -> Sequence[Ticket]:
        """Open tickets with a watch due (see `bot.services.sla`), row-locked; other sweeps skip them.

        Due: nobody took it and its reminder time has come; or the deadline of its current promise
        (first reply until staff first replied, then resolution) is before `escalation_lead` and it
        was not escalated; or, with `apologies`, that deadline has passed and the customer was not
        told so yet.
        """
        first = Ticket.first_staff_reply_at.is_(None)
        replied = Ticket.first_staff_reply_at.is_not(None)
        watches = [
            and_(Ticket.assignee_id.is_(None), Ticket.reminded_at.is_(None), Ticket.remind_at <= now),
            and_(
                Ticket.escalated_at.is_(None),
                or_(and_(first, Ticket.first_reply_due_at <= escalation_lead),
                    and_(replied, Ticket.resolution_due_at <= escalation_lead)),
            ),
        ]
        if apologies:
            watches.append(and_(
                Ticket.customer_told_late_at.is_(None),
                or_(and_(first, Ticket.first_reply_due_at <= now),
                    and_(replied, Ticket.resolution_due_at <= now)),
            ))
        rows = await self._session.scalars(
            select(Ticket)
            .where(Ticket.status.in_(OPEN_STATUSES), or_(*watches))
            .order_by(Ticket.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return rows.all()
