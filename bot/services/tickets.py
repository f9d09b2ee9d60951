"""Tickets as callers see them: the read model (`TicketView`), the words of the ticket services
(`NewTicket`, `StaffMember`, `Outcome`, `Result`), and the reads that need nothing but the unit of work.

What is done to a ticket (opened, relayed, taken, resolved, reopened, rated) is `TicketDesk`'s, in
`bot.services.ticket_desk`. Every function here runs in the caller's unit of work. A customer only
ever reaches tickets opened from their own chat account (`customer_ticket`); ids from buttons are
hints, checked here. Callers name the customer by their `ChatUser` and a ticket by its id, and get
`TicketView`s back: the rows stay inside the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.domain.notes import INTERNAL_NOTE_MARKER as INTERNAL_NOTE_MARKER  # the desks import it here
from bot.domain.ticket_category import OPEN_STATUSES, TicketKind
from bot.messages.events import Attachment, ChatUser
from bot.services.audit import record_access
from bot.storage.models import Ticket
from bot.storage.uow import UnitOfWork

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class TicketView:
    """A ticket as the dialogue reads it: what is shown to the customer and in the staff desk."""

    id: int
    number: str
    kind: str
    category: str
    status: str
    order_code: str | None
    assignee_name: str | None
    staff_thread_id: int | None
    created_at: datetime
    first_reply_due_at: datetime | None
    resolution_due_at: datetime | None
    first_staff_reply_at: datetime | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketView:
        return cls(
            id=ticket.id, number=ticket.number or "", kind=ticket.kind, category=ticket.category,
            status=ticket.status, order_code=ticket.order_code, assignee_name=ticket.assignee_name,
            staff_thread_id=ticket.staff_thread_id, created_at=ticket.created_at,
            first_reply_due_at=ticket.first_reply_due_at, resolution_due_at=ticket.resolution_due_at,
            first_staff_reply_at=ticket.first_staff_reply_at, resolved_at=ticket.resolved_at,
        )


@dataclass(frozen=True)
class NewTicket:
    kind: TicketKind
    category: str
    description: str
    order_code: str | None = None
    attachments: tuple[Attachment, ...] = ()
    language: str = "vi"


@dataclass(frozen=True)
class StaffMember:
    user_id: str
    name: str

    @property
    def actor(self) -> str:
        return f"staff:{self.user_id}"


class Outcome(StrEnum):
    DONE = "done"
    ALREADY = "already"  # nothing to change (already taken by someone else, already resolved …)
    NOT_ALLOWED = "not_allowed"  # e.g. rating a ticket that is not resolved
    NOT_FOUND = "not_found"
    DUPLICATE = "duplicate"  # a relay seen before (webhook retry)
    NOTE = "note"  # a staff message kept as an internal note
    AWAITING = "awaiting"  # a forwarded staff message, kept until staff choose to send it
    PENDING = "pending"  # kept until its album is decided (or the album's question was asked)
    GATHERING = "gathering"  # a customer's burst: this message opened the digest staff will get
    GATHERED = "gathered"  # a customer's burst: added to the digest already opened


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    ticket: TicketView | None = None
    #: the ticket message the call stored or acted on, where there is one
    message_id: int | None = None

    @classmethod
    def of(cls, outcome: Outcome, ticket: Ticket | None = None, *, message_id: int | None = None) -> Result:
        return cls(outcome, None if ticket is None else TicketView.of(ticket), message_id)


def source_key(channel: str, chat_id: str, message_id: int | None) -> str | None:
    return None if message_id is None else f"{channel}:{chat_id}:{message_id}"


# Reads ---------------------------------------------------------------------------------------------------
async def open_ticket_of(uow: UnitOfWork, user: ChatUser) -> TicketView | None:
    """The customer's most recent open ticket, where their messages go."""
    ticket = await uow.tickets.open_for_user(user.channel, user.user_id)
    return None if ticket is None else TicketView.of(ticket)


async def customer_ticket(uow: UnitOfWork, user: ChatUser, ticket_id: int) -> TicketView | None:
    """The ticket if, and only if, it was opened from this chat user's account."""
    ticket = await own_ticket(uow, user, ticket_id)
    return None if ticket is None else TicketView.of(ticket)


async def own_ticket(uow: UnitOfWork, user: ChatUser, ticket_id: int) -> Ticket | None:
    """The ticket row if it was opened from this chat user's account (ids from buttons are hints)."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return None
    if ticket.channel != user.channel or ticket.channel_user_id != user.user_id:
        return None
    return ticket


async def customer_tickets(uow: UnitOfWork, user: ChatUser, *, limit: int = 10) -> list[TicketView]:
    tickets = await uow.tickets.for_user(user.channel, user.user_id, limit=limit)
    return [TicketView.of(ticket) for ticket in tickets]


def record_refusal(uow: UnitOfWork, clock: Clock, *, actor: str, action: str, ticket_id: int | None,
                   chat_id: str) -> None:
    """Someone who is not staff tried to act on a ticket: refused, and written down."""
    record_access(uow, clock, actor=actor, action="tickets.refused", customer_id=None,
                  purpose="an attempt to act on a ticket by someone who is not staff",
                  attempted=action[:40], ticket_id=ticket_id, chat_id=chat_id[:64])


# Overview ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TicketStats:
    open: int
    in_progress: int
    resolved: int
    overdue: int
    total: int
    median_first_reply_minutes: float | None
    average_rating: float | None
    ratings: int


async def open_tickets(uow: UnitOfWork) -> list[TicketView]:
    return [TicketView.of(ticket) for ticket in await uow.tickets.in_statuses(OPEN_STATUSES)]


async def ticket_in_staff_chat(
    uow: UnitOfWork, chat_id: str, *, thread_id: int | None, reply_to_message_id: int | None
) -> TicketView | None:
    """The ticket a staff message is about: its topic's, or the one whose card it replies to."""
    if thread_id is not None:
        ticket = await uow.tickets.by_staff_thread(chat_id, thread_id)
        if ticket is not None:
            return TicketView.of(ticket)
    if reply_to_message_id is not None:
        ticket = await uow.tickets.by_staff_card(chat_id, reply_to_message_id)
        return None if ticket is None else TicketView.of(ticket)
    return None


async def ticket_stats(uow: UnitOfWork, clock: Clock) -> TicketStats:
    """The desk's `/stats`, aggregated by the database (it reads no ticket rows)."""
    counts = await uow.tickets.stats(clock.now())
    return TicketStats(
        open=counts.open, in_progress=counts.in_progress, resolved=counts.resolved, overdue=counts.overdue,
        total=counts.total, median_first_reply_minutes=counts.median_first_reply_minutes,
        average_rating=counts.average_rating, ratings=counts.ratings,
    )
