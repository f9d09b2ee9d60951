"""What staff read of tickets outside the staff group (the terminal desk): the open tickets at a glance,
and one ticket's whole thread.

Plain data (no ORM rows leave the unit of work), phones masked as on the staff card. Each read is
written to the audit log like any other access to a customer's data: one row per ticket shown, with
the staff member as the actor. Finding a ticket takes what staff type: its number (`KN-2026-000123`,
any case) or the id it is made of (`123`, `000123`); anything else is not a reference at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.domain.masking import mask_phone
from bot.domain.ticket_category import OPEN_STATUSES, TicketKind
from bot.messages.events import Attachment
from bot.services.audit import record_access
from bot.services.sla import current_promise, is_overdue
from bot.services.tickets import INTERNAL_NOTE_MARKER, StaffMember
from bot.storage.models import Ticket, TicketMessage
from bot.storage.uow import UnitOfWork

_NUMBER = re.compile(r"(?:KN|HT)-\d{4}-\d{1,12}", re.IGNORECASE)
_ID = re.compile(r"\d{1,12}")


@dataclass(frozen=True)
class TicketSummary:
    id: int
    number: str
    kind: str
    category: str  # a key of complaints.category (`human` for a request for a person)
    status: str
    customer_name: str | None
    phone: str  # masked
    verified: bool
    order_code: str | None
    channel: str
    assignee_name: str | None
    created_at: datetime
    first_reply_due_at: datetime | None
    resolution_due_at: datetime | None
    handling_due_at: datetime | None
    current_due: datetime | None
    overdue: bool
    first_staff_reply_at: datetime | None
    resolved_at: datetime | None
    rating: int | None


@dataclass(frozen=True)
class ThreadMessage:
    author: str  # customer | staff | system
    name: str | None
    text: str
    internal: bool
    attachments: tuple[Attachment, ...]
    created_at: datetime


@dataclass(frozen=True)
class TicketThread:
    summary: TicketSummary
    description: str
    rating_comment: str | None
    messages: tuple[ThreadMessage, ...]


def is_ticket_reference(text: str) -> bool:
    """Whether `text` names a ticket (a number or an id), as opposed to free text."""
    return bool(_NUMBER.fullmatch(text) or _ID.fullmatch(text))


def looks_like_ticket_number(text: str) -> bool:
    """A full ticket number only (`KN-2026-000123`): safe to tell apart from the words of a reply."""
    return bool(_NUMBER.fullmatch(text))


async def find_ticket(uow: UnitOfWork, reference: str) -> Ticket | None:
    """The ticket a staff member named; None when it does not exist or `reference` names none."""
    reference = reference.strip()
    if _NUMBER.fullmatch(reference):
        return await uow.tickets.by_number(reference.upper())
    if _ID.fullmatch(reference):
        return await uow.tickets.get(int(reference))
    return None


@dataclass(frozen=True)
class OpenTickets:
    total: int
    overdue: int
    shown: tuple[TicketSummary, ...]  # the first `limit`, the one whose promise falls due first on top


async def open_ticket_summaries(uow: UnitOfWork, clock: Clock, staff: StaffMember, *,
                                limit: int = 50) -> OpenTickets:
    """The open tickets at a glance; the reading of those shown is audited."""
    now = clock.now()
    rows = await uow.tickets.in_statuses(OPEN_STATUSES)
    tickets = sorted(rows, key=lambda t: current_promise(t)[1] or now)
    shown = tickets[:limit]
    for ticket in shown:
        record_access(uow, clock, actor=staff.actor, action="tickets.list", customer_id=ticket.customer_id,
                      purpose="see the open tickets at the staff desk", ticket=ticket.number)
    return OpenTickets(total=len(tickets), overdue=sum(is_overdue(t, now) for t in tickets),
                       shown=tuple([await _summary(uow, ticket, now) for ticket in shown]))


async def read_thread(
    uow: UnitOfWork, clock: Clock, ticket_id: int, staff: StaffMember
) -> TicketThread | None:
    """One ticket with every message (internal notes included, marked); the read is audited."""
    ticket = await uow.tickets.with_messages(ticket_id)
    if ticket is None:
        return None
    record_access(uow, clock, actor=staff.actor, action="tickets.read", customer_id=ticket.customer_id,
                  purpose="read the ticket's thread at the staff desk", ticket=ticket.number)
    messages = tuple(
        ThreadMessage(
            author=message.author, name=message.author_name, text=_without_marker(message),
            internal=bool(message.internal),
            attachments=tuple(Attachment.from_dict(item) for item in message.attachments or []),
            created_at=message.created_at,
        )
        for message in ticket.messages  # in the order written (the relationship orders by id)
    )
    return TicketThread(await _summary(uow, ticket, clock.now()), ticket.description, ticket.rating_comment,
                        messages)


def _without_marker(message: TicketMessage) -> str:
    """The text as written; an internal note without the "!" that made it one (it is marked anyway)."""
    text = message.text or ""
    if message.internal:
        return text.lstrip().removeprefix(INTERNAL_NOTE_MARKER).lstrip()
    return text


async def _summary(uow: UnitOfWork, ticket: Ticket, now: datetime) -> TicketSummary:
    customer = await uow.customers.get(ticket.customer_id) if ticket.customer_id is not None else None
    _, due = current_promise(ticket)
    return TicketSummary(
        id=ticket.id,
        number=ticket.number or str(ticket.id),
        kind=ticket.kind,
        category="human" if ticket.kind == TicketKind.HUMAN else ticket.category,
        status=ticket.status,
        customer_name=ticket.customer_name,
        phone=mask_phone(customer.phone if customer else None),
        verified=customer is not None,
        order_code=ticket.order_code,
        channel=ticket.channel,
        assignee_name=ticket.assignee_name,
        created_at=ticket.created_at,
        first_reply_due_at=ticket.first_reply_due_at,
        resolution_due_at=ticket.resolution_due_at,
        handling_due_at=ticket.handling_due_at,
        current_due=due,
        overdue=is_overdue(ticket, now),
        first_staff_reply_at=ticket.first_staff_reply_at,
        resolved_at=ticket.resolved_at,
        rating=ticket.rating,
    )
