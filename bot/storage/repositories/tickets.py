"""Tickets and their messages.

Row locks (`FOR UPDATE`, `SKIP LOCKED`) are asked for on every dialect: PostgreSQL takes them, and
SQLAlchemy renders nothing for them on SQLite, where BEGIN IMMEDIATE lets one writer in at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from bot.storage.models import Ticket, TicketMessage
from bot.storage.repositories.base import Repository

OPEN_STATUSES = ("open", "in_progress")


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

    async def all_for_stats(self) -> Sequence[Ticket]:
        return (await self._session.scalars(select(Ticket).order_by(Ticket.id))).all()

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
