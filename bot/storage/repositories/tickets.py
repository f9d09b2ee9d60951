"""Tickets and their messages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.storage.models import OutboxMessage, Ticket, TicketMessage
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
        query = select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
        if self._session.bind is not None and self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def in_statuses(self, statuses: Sequence[str], *, limit: int = 200) -> Sequence[Ticket]:
        rows = await self._session.scalars(
            select(Ticket).where(Ticket.status.in_(statuses)).order_by(Ticket.id).limit(limit)
        )
        return rows.all()

    async def all_for_stats(self) -> Sequence[Ticket]:
        return (await self._session.scalars(select(Ticket).order_by(Ticket.id))).all()

    async def held_outbox(self, ticket_id: int) -> Sequence[OutboxMessage]:
        """Outbox rows of this ticket held back until its staff topic exists, oldest first."""
        rows = await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "held", OutboxMessage.dedupe_key.like(f"ticket:{ticket_id}:%"))
            .order_by(OutboxMessage.id)
        )
        return rows.all()

    async def outbox_row(self, dedupe_key: str) -> OutboxMessage | None:
        return await self._session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
