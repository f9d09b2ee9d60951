"""Tickets as the shop works them: opened by a customer, taken, answered and resolved by staff, rated.

Every function runs in the caller's unit of work. A customer only ever reaches tickets opened from
their own chat account (`customer_ticket`); ids from buttons are hints, checked here. Staff identity
is established by the staff desk (membership of the staff chat or STAFF_USER_IDS) before these are
called; every staff action and every refusal is written to the audit log.

Callers name the customer by their `ChatUser` and a ticket by its id, and get `TicketView`s back: the
rows stay inside the services.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_phone
from bot.domain.ticket_category import OPEN_STATUSES, TicketKind, TicketStatus, ticket_number
from bot.messages.events import Attachment, ChatUser
from bot.services.audit import record_access
from bot.services.identity import chat_account, proven_customer
from bot.services.sla import calendar_for, is_overdue, ticket_deadlines
from bot.services.ticket_notifications import TicketNotifier
from bot.storage.models import Ticket, TicketMessage
from bot.storage.uow import UnitOfWork

INTERNAL_NOTE_MARKER = "!"
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


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    ticket: TicketView | None = None

    @classmethod
    def of(cls, outcome: Outcome, ticket: Ticket | None = None) -> Result:
        return cls(outcome, None if ticket is None else TicketView.of(ticket))


def source_key(channel: str, chat_id: str, message_id: int | None) -> str | None:
    return None if message_id is None else f"{channel}:{chat_id}:{message_id}"


# Customer side -------------------------------------------------------------------------------------------
async def open_ticket(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    notifier: TicketNotifier,
    *,
    user: ChatUser,
    request: NewTicket,
) -> TicketView:
    """Create the ticket, its first message, its deadlines and every notification, in one transaction.

    The ticket is the verified customer's when the chat user has proven who they are.
    """
    account = await chat_account(uow, user)
    customer = await proven_customer(uow, account)
    now = clock.now()
    deadlines = ticket_deadlines(now, settings)
    ticket = await uow.tickets.add(Ticket(
        kind=request.kind.value,
        category=request.category,
        status=TicketStatus.OPEN.value,
        customer_id=customer.id if customer else None,
        channel=account.channel,
        channel_user_id=account.channel_user_id,
        chat_id=account.chat_id or account.channel_user_id,
        customer_name=(customer.full_name if customer else account.display_name) or None,
        order_code=request.order_code,
        description=request.description,
        language=request.language,
        staff_chat_id=None if settings.staff_chat_id is None else str(settings.staff_chat_id),
        created_at=now,
        first_reply_due_at=deadlines.first_reply_due,
        resolution_due_at=deadlines.resolution_due,
        handling_due_at=deadlines.handling_due,
        remind_at=deadlines.remind_at,
    ))
    ticket.number = ticket_number(ticket.kind, now.astimezone(settings.zone).year, ticket.id)
    first = await uow.tickets.add_message(TicketMessage(
        ticket_id=ticket.id, author="customer", author_id=account.channel_user_id,
        author_name=ticket.customer_name, text=request.description,
        attachments=[a.to_dict() for a in request.attachments[:MAX_ATTACHMENTS]], created_at=now,
    ))
    phone = customer.phone if customer else None
    record_access(uow, clock, actor=f"{account.channel}:{account.channel_user_id}", action="tickets.open",
                  customer_id=ticket.customer_id, purpose="pass the customer's complaint to staff",
                  ticket=ticket.number, category=ticket.category)
    await notifier.announce_new_ticket(uow, ticket, first, phone=mask_phone(phone),
                                       verified=customer is not None)
    return TicketView.of(ticket)


async def open_ticket_of(uow: UnitOfWork, user: ChatUser) -> TicketView | None:
    """The customer's most recent open ticket, where their messages go."""
    ticket = await uow.tickets.open_for_user(user.channel, user.user_id)
    return None if ticket is None else TicketView.of(ticket)


async def customer_ticket(uow: UnitOfWork, user: ChatUser, ticket_id: int) -> TicketView | None:
    """The ticket if, and only if, it was opened from this chat user's account."""
    ticket = await _own_ticket(uow, user, ticket_id)
    return None if ticket is None else TicketView.of(ticket)


async def _own_ticket(uow: UnitOfWork, user: ChatUser, ticket_id: int) -> Ticket | None:
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return None
    if ticket.channel != user.channel or ticket.channel_user_id != user.user_id:
        return None
    return ticket


async def customer_tickets(uow: UnitOfWork, user: ChatUser, *, limit: int = 10) -> list[TicketView]:
    tickets = await uow.tickets.for_user(user.channel, user.user_id, limit=limit)
    return [TicketView.of(ticket) for ticket in tickets]


async def add_customer_message(
    uow: UnitOfWork,
    clock: Clock,
    notifier: TicketNotifier,
    ticket_id: int,
    *,
    text: str,
    attachments: Sequence[Attachment] = (),
    source: str | None,
    author_name: str | None = None,
) -> Result:
    """Store a customer's message on their ticket and relay it to staff, once per source message."""
    if source is not None and await uow.tickets.message_by_source(source) is not None:
        return Result.of(Outcome.DUPLICATE, await uow.tickets.get(ticket_id))
    locked = await uow.tickets.lock(ticket_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    message = await uow.tickets.add_message(TicketMessage(
        ticket_id=locked.id, author="customer", author_id=locked.channel_user_id,
        author_name=author_name or locked.customer_name, text=text,
        attachments=[a.to_dict() for a in attachments[:MAX_ATTACHMENTS]], source_key=source,
        created_at=clock.now(),
    ))
    await notifier.relay_to_staff(uow, locked, message)
    return Result.of(Outcome.DONE, locked)


async def rate(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, user: ChatUser, ticket_id: int, rating: int
) -> Result:
    ticket = await _own_ticket(uow, user, ticket_id)
    if ticket is None or not 1 <= rating <= 5:
        return Result(Outcome.NOT_FOUND)
    if ticket.status != TicketStatus.RESOLVED:
        return Result.of(Outcome.NOT_ALLOWED, ticket)
    if ticket.rating is not None:
        return Result.of(Outcome.ALREADY, ticket)
    ticket.rating = rating
    await notifier.tell_staff(uow, ticket, notifier.staff_text("rated", number=ticket.number, rating=rating),
                              dedupe="rated")
    return Result.of(Outcome.DONE, ticket)


async def comment_on_rating(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, user: ChatUser, ticket_id: int, text: str
) -> Result:
    ticket = await _own_ticket(uow, user, ticket_id)
    if ticket is None or ticket.rating is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.rating_comment:
        return Result.of(Outcome.ALREADY, ticket)
    ticket.rating_comment = text[:2000]
    note = notifier.staff_text("rating_comment", number=ticket.number, comment=ticket.rating_comment)
    await notifier.tell_staff(uow, ticket, note, dedupe="comment")
    return Result.of(Outcome.DONE, ticket)


# Staff side ----------------------------------------------------------------------------------------------
async def staff_message(
    uow: UnitOfWork,
    clock: Clock,
    notifier: TicketNotifier,
    ticket_id: int,
    staff: StaffMember,
    *,
    text: str,
    attachments: Sequence[Attachment] = (),
    source: str | None,
) -> Result:
    """A staff message in the ticket's topic (or a reply to its card): relayed, or kept as a note."""
    if source is not None and await uow.tickets.message_by_source(source) is not None:
        return Result.of(Outcome.DUPLICATE, await uow.tickets.get(ticket_id))
    now = clock.now()
    internal = text.lstrip().startswith(INTERNAL_NOTE_MARKER)
    locked = await uow.tickets.lock(ticket_id)
    if locked is None:
        return Result(Outcome.NOT_FOUND)
    message = await uow.tickets.add_message(TicketMessage(
        ticket_id=locked.id, author="staff", author_id=staff.user_id, author_name=staff.name, text=text,
        attachments=[a.to_dict() for a in attachments[:MAX_ATTACHMENTS]], internal=internal,
        source_key=source, created_at=now,
    ))
    if internal:
        return Result.of(Outcome.NOTE, locked)
    if locked.first_staff_reply_at is None:
        locked.first_staff_reply_at = now
        # The customer now waits on the resolution promise: watch it afresh.
        locked.escalated_at = None
        locked.customer_told_late_at = None
    if locked.assignee_id is None:
        locked.assignee_id, locked.assignee_name = staff.user_id, staff.name
    if locked.status == TicketStatus.OPEN:
        locked.status = TicketStatus.IN_PROGRESS.value
    record_access(uow, clock, actor=staff.actor, action="tickets.reply", customer_id=locked.customer_id,
                  purpose="answer the customer's ticket", ticket=locked.number)
    await notifier.relay_to_customer(uow, locked, message)
    return Result.of(Outcome.DONE, locked)


async def take(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, ticket_id: int, staff: StaffMember
) -> Result:
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status == TicketStatus.RESOLVED:
        return Result.of(Outcome.NOT_ALLOWED, ticket)
    if ticket.assignee_id is not None and ticket.assignee_id != staff.user_id:
        return Result.of(Outcome.ALREADY, ticket)
    first_time = ticket.assignee_id is None
    ticket.assignee_id, ticket.assignee_name = staff.user_id, staff.name
    ticket.status = TicketStatus.IN_PROGRESS.value
    record_access(uow, clock, actor=staff.actor, action="tickets.take", customer_id=ticket.customer_id,
                  purpose="handle the customer's ticket", ticket=ticket.number)
    if first_time:
        await notifier.tell_customer(uow, ticket, "taken", dedupe="taken")
    return Result.of(Outcome.DONE, ticket)


async def resolve(uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, ticket_id: int,
                  staff: StaffMember) -> Result:
    """Resolved: the customer is asked for a rating; the staff topic gets a note and is closed."""
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status == TicketStatus.RESOLVED:
        return Result.of(Outcome.ALREADY, ticket)
    now = clock.now()
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED.value, now
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = staff.user_id, staff.name
    record_access(uow, clock, actor=staff.actor, action="tickets.resolve", customer_id=ticket.customer_id,
                  purpose="close the customer's ticket", ticket=ticket.number)
    await notifier.tell_customer(uow, ticket, "resolved", buttons=notifier.rating_keyboard(ticket),
                                 dedupe=f"resolved:{int(now.timestamp())}")
    await notifier.close_topic(uow, ticket, staff.name)
    return Result.of(Outcome.DONE, ticket)


async def reopen(uow: UnitOfWork, clock: Clock, settings: Settings, notifier: TicketNotifier, ticket_id: int,
                 staff: StaffMember) -> Result:
    """Handled again: a new resolution deadline; the staff topic is opened again; the customer is told."""
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status != TicketStatus.RESOLVED:
        return Result.of(Outcome.ALREADY, ticket)
    now = clock.now()
    ticket.status = TicketStatus.IN_PROGRESS.value if ticket.assignee_id else TicketStatus.OPEN.value
    ticket.resolved_at = None
    # A reopened ticket is a new promise of resolution, watched afresh.
    calendar = calendar_for(settings)
    ticket.resolution_due_at = calendar.add_working_days(now, settings.sla_resolution_working_days)
    ticket.escalated_at = ticket.customer_told_late_at = None
    record_access(uow, clock, actor=staff.actor, action="tickets.reopen", customer_id=ticket.customer_id,
                  purpose="handle the customer's ticket again", ticket=ticket.number)
    await notifier.reopen_topic(uow, ticket, staff.name)
    await notifier.tell_customer(uow, ticket, "reopened", dedupe=f"reopened:{int(now.timestamp())}")
    return Result.of(Outcome.DONE, ticket)


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
    now = clock.now()
    tickets = await uow.tickets.all_for_stats()
    waits = [(t.first_staff_reply_at - t.created_at).total_seconds() / 60
             for t in tickets if t.first_staff_reply_at is not None]
    ratings = [t.rating for t in tickets if t.rating is not None]
    return TicketStats(
        open=sum(t.status == TicketStatus.OPEN for t in tickets),
        in_progress=sum(t.status == TicketStatus.IN_PROGRESS for t in tickets),
        resolved=sum(t.status == TicketStatus.RESOLVED for t in tickets),
        overdue=sum(is_overdue(t, now) for t in tickets),
        total=len(tickets),
        median_first_reply_minutes=statistics.median(waits) if waits else None,
        average_rating=statistics.fmean(ratings) if ratings else None,
        ratings=len(ratings),
    )
