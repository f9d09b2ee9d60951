"""Tickets and their messages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.storage.models import Ticket, TicketMessage

OPEN_STATUSES = ("open", "in_progress")


class TicketRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
