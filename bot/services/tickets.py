"""Tickets as the shop works them: opened by a customer, taken, answered and resolved by staff, rated.

Every function runs in the caller's unit of work. A customer only ever reaches tickets opened from
their own chat account (`customer_ticket`); ids from buttons are hints, checked here. Staff identity
is established by the staff desk (membership of the staff chat or STAFF_USER_IDS) before these are
called; every staff action and every refusal is written to the audit log.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_phone
from bot.domain.ticket_category import OPEN_STATUSES, TicketKind, TicketStatus, ticket_number
from bot.messages.events import Attachment
from bot.services.audit import record_access
from bot.services.sla import calendar_for, is_overdue, ticket_deadlines
from bot.services.ticket_notifications import TicketNotifier
from bot.storage.models import ChannelAccount, Customer, Ticket, TicketMessage
from bot.storage.uow import UnitOfWork

INTERNAL_NOTE_MARKER = "!"
MAX_ATTACHMENTS = 10


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
    ticket: Ticket | None = None


def source_key(channel: str, chat_id: str, message_id: int | None) -> str | None:
    return None if message_id is None else f"{channel}:{chat_id}:{message_id}"


# Customer side -------------------------------------------------------------------------------------------
async def open_ticket(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    notifier: TicketNotifier,
    *,
    account: ChannelAccount,
    customer: Customer | None,
    request: NewTicket,
) -> Ticket:
    """Create the ticket, its first message, its deadlines and every notification, in one transaction."""
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
    return ticket


async def open_ticket_of(uow: UnitOfWork, account: ChannelAccount) -> Ticket | None:
    """The customer's most recent open ticket, where their messages go."""
    return await uow.tickets.open_for_user(account.channel, account.channel_user_id)


async def customer_ticket(uow: UnitOfWork, account: ChannelAccount, ticket_id: int) -> Ticket | None:
    """The ticket if, and only if, it was opened from this chat account."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return None
    if ticket.channel != account.channel or ticket.channel_user_id != account.channel_user_id:
        return None
    return ticket


async def customer_tickets(uow: UnitOfWork, account: ChannelAccount, *, limit: int = 10) -> Sequence[Ticket]:
    return await uow.tickets.for_user(account.channel, account.channel_user_id, limit=limit)


async def add_customer_message(
    uow: UnitOfWork,
    clock: Clock,
    notifier: TicketNotifier,
    ticket: Ticket,
    *,
    text: str,
    attachments: Sequence[Attachment] = (),
    source: str | None,
    author_name: str | None = None,
) -> Result:
    """Store a customer's message on their ticket and relay it to staff, once per source message."""
    if source is not None and await uow.tickets.message_by_source(source) is not None:
        return Result(Outcome.DUPLICATE, ticket)
    locked = await uow.tickets.lock(ticket.id) or ticket
    message = await uow.tickets.add_message(TicketMessage(
        ticket_id=locked.id, author="customer", author_id=locked.channel_user_id,
        author_name=author_name or locked.customer_name, text=text,
        attachments=[a.to_dict() for a in attachments[:MAX_ATTACHMENTS]], source_key=source,
        created_at=clock.now(),
    ))
    await notifier.relay_to_staff(uow, locked, message)
    return Result(Outcome.DONE, locked)


async def rate(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, account: ChannelAccount, ticket_id: int,
    rating: int,
) -> Result:
    ticket = await customer_ticket(uow, account, ticket_id)
    if ticket is None or not 1 <= rating <= 5:
        return Result(Outcome.NOT_FOUND)
    if ticket.status != TicketStatus.RESOLVED:
        return Result(Outcome.NOT_ALLOWED, ticket)
    if ticket.rating is not None:
        return Result(Outcome.ALREADY, ticket)
    ticket.rating = rating
    await notifier.tell_staff(uow, ticket, notifier.staff_text("rated", number=ticket.number, rating=rating),
                              dedupe="rated")
    return Result(Outcome.DONE, ticket)


async def comment_on_rating(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, account: ChannelAccount, ticket_id: int,
    text: str,
) -> Result:
    ticket = await customer_ticket(uow, account, ticket_id)
    if ticket is None or ticket.rating is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.rating_comment:
        return Result(Outcome.ALREADY, ticket)
    ticket.rating_comment = text[:2000]
    note = notifier.staff_text("rating_comment", number=ticket.number, comment=ticket.rating_comment)
    await notifier.tell_staff(uow, ticket, note, dedupe="comment")
    return Result(Outcome.DONE, ticket)


# Staff side ----------------------------------------------------------------------------------------------
async def staff_message(
    uow: UnitOfWork,
    clock: Clock,
    notifier: TicketNotifier,
    ticket: Ticket,
    staff: StaffMember,
    *,
    text: str,
    attachments: Sequence[Attachment] = (),
    source: str | None,
) -> Result:
    """A staff message in the ticket's topic (or a reply to its card): relayed, or kept as a note."""
    if source is not None and await uow.tickets.message_by_source(source) is not None:
        return Result(Outcome.DUPLICATE, ticket)
    now = clock.now()
    internal = text.lstrip().startswith(INTERNAL_NOTE_MARKER)
    locked = await uow.tickets.lock(ticket.id) or ticket
    message = await uow.tickets.add_message(TicketMessage(
        ticket_id=locked.id, author="staff", author_id=staff.user_id, author_name=staff.name, text=text,
        attachments=[a.to_dict() for a in attachments[:MAX_ATTACHMENTS]], internal=internal,
        source_key=source, created_at=now,
    ))
    if internal:
        return Result(Outcome.NOTE, locked)
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
    return Result(Outcome.DONE, locked)


async def take(
    uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, ticket_id: int, staff: StaffMember
) -> Result:
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status == TicketStatus.RESOLVED:
        return Result(Outcome.NOT_ALLOWED, ticket)
    if ticket.assignee_id is not None and ticket.assignee_id != staff.user_id:
        return Result(Outcome.ALREADY, ticket)
    first_time = ticket.assignee_id is None
    ticket.assignee_id, ticket.assignee_name = staff.user_id, staff.name
    ticket.status = TicketStatus.IN_PROGRESS.value
    record_access(uow, clock, actor=staff.actor, action="tickets.take", customer_id=ticket.customer_id,
                  purpose="handle the customer's ticket", ticket=ticket.number)
    if first_time:
        await notifier.tell_customer(uow, ticket, "taken", dedupe="taken")
    return Result(Outcome.DONE, ticket)


async def resolve(uow: UnitOfWork, clock: Clock, notifier: TicketNotifier, ticket_id: int,
                  staff: StaffMember) -> Result:
    """Resolved: the customer is asked for a rating; the staff topic gets a note and is closed."""
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status == TicketStatus.RESOLVED:
        return Result(Outcome.ALREADY, ticket)
    now = clock.now()
    ticket.status, ticket.resolved_at = TicketStatus.RESOLVED.value, now
    if ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = staff.user_id, staff.name
    record_access(uow, clock, actor=staff.actor, action="tickets.resolve", customer_id=ticket.customer_id,
                  purpose="close the customer's ticket", ticket=ticket.number)
    await notifier.tell_customer(uow, ticket, "resolved", buttons=notifier.rating_keyboard(ticket),
                                 dedupe=f"resolved:{int(now.timestamp())}")
    await notifier.close_topic(uow, ticket, staff.name)
    return Result(Outcome.DONE, ticket)


async def reopen(uow: UnitOfWork, clock: Clock, settings: Settings, notifier: TicketNotifier, ticket_id: int,
                 staff: StaffMember) -> Result:
    """Handled again: a new resolution deadline; the staff topic is opened again; the customer is told."""
    ticket = await uow.tickets.lock(ticket_id)
    if ticket is None:
        return Result(Outcome.NOT_FOUND)
    if ticket.status != TicketStatus.RESOLVED:
        return Result(Outcome.ALREADY, ticket)
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
    return Result(Outcome.DONE, ticket)


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


async def open_tickets(uow: UnitOfWork) -> Sequence[Ticket]:
    return await uow.tickets.in_statuses(OPEN_STATUSES)


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
