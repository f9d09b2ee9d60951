"""Tickets as the shop works them: opened by a customer, taken, answered and resolved by staff, rated.

`TicketDesk` is built once (`bot.bootstrap`) with what does not change from one event to the next:
the clock, the settings, the wording (`TicketRenderer`) and where messages go (`TicketRouter`).
Each method takes the unit of work of the event it serves, and the business arguments:

    ticket = await tickets.open_ticket(uow, user, request)
    await tickets.take(uow, ticket_id, staff)

The unit of work, not a factory: one inbound event is one unit of work, opened and committed by the
dialogue engine (or the terminal desk's command), so the ticket's change, its audit rows, its outbox
rows and the dialogue state commit together or not at all. A desk that opened its own would commit
a ticket whose confirmation to the customer could still be lost.

A customer only ever reaches tickets opened from their own chat account; ids from buttons are hints,
checked here. Staff identity is established by the staff desk (membership of the staff chat or
STAFF_USER_IDS) before these are called; every staff action is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_phone
from bot.domain.notes import is_internal_note
from bot.domain.ticket_category import TicketStatus, ticket_number
from bot.messages.events import Attachment, ChatUser
from bot.services.audit import record_access
from bot.services.identity import chat_account, proven_customer
from bot.services.sla import calendar_for, ticket_deadlines
from bot.services.ticket_rendering import TicketRenderer
from bot.services.ticket_routing import TicketRouter
from bot.services.tickets import (
    MAX_ATTACHMENTS,
    NewTicket,
    Outcome,
    Result,
    StaffMember,
    TicketView,
    own_ticket,
)
from bot.storage.models import Ticket, TicketMessage
from bot.storage.repositories.tickets import ALBUM_NOTE, ALBUM_PROVISIONAL, ALBUM_RELAY
from bot.storage.uow import UnitOfWork


class TicketDesk:
    def __init__(self, *, clock: Clock, settings: Settings, wording: TicketRenderer,
                 router: TicketRouter) -> None:
        self._clock = clock
        self._settings = settings
        self.wording = wording
        self._router = router

    @property
    def router(self) -> TicketRouter:
        """Where the desk's messages go (the scheduler releases the router's digests)."""
        return self._router

    # Customer side -----------------------------------------------------------------------------------
    async def open_ticket(self, uow: UnitOfWork, user: ChatUser, request: NewTicket) -> TicketView:
        """Create the ticket, its first message, its deadlines and every notification, in one transaction.

        The ticket is the verified customer's when the chat user has proven who they are.
        """
        account = await chat_account(uow, user)
        customer = await proven_customer(uow, account)
        now = self._clock.now()
        deadlines = ticket_deadlines(now, self._settings)
        staff_chat = self._settings.staff_chat_id
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
            staff_chat_id=None if staff_chat is None else str(staff_chat),
            created_at=now,
            first_reply_due_at=deadlines.first_reply_due,
            resolution_due_at=deadlines.resolution_due,
            handling_due_at=deadlines.handling_due,
            remind_at=deadlines.remind_at,
        ))
        ticket.number = ticket_number(ticket.kind, now.astimezone(self._settings.zone).year, ticket.id)
        first = await uow.tickets.add_message(TicketMessage(
            ticket_id=ticket.id, author="customer", author_id=account.channel_user_id,
            author_name=ticket.customer_name, text=request.description,
            attachments=[a.to_dict() for a in request.attachments[:MAX_ATTACHMENTS]], created_at=now,
        ))
        phone = customer.phone if customer else None
        record_access(uow, self._clock, actor=f"{account.channel}:{account.channel_user_id}",
                      action="tickets.open", customer_id=ticket.customer_id,
                      purpose="pass the customer's complaint to staff", ticket=ticket.number,
                      category=ticket.category)
        await self._router.announce_new_ticket(uow, ticket, first, phone=mask_phone(phone),
                                               verified=customer is not None)
        return TicketView.of(ticket)

    async def add_customer_message(
        self,
        uow: UnitOfWork,
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
            created_at=self._clock.now(),
        ))
        relayed = await self._router.relay_to_staff(uow, locked, message)
        outcome = {"relayed": Outcome.DONE, "digest_opened": Outcome.GATHERING}.get(relayed, Outcome.GATHERED)
        return Result.of(outcome, locked, message_id=message.id)

    async def rate(self, uow: UnitOfWork, user: ChatUser, ticket_id: int, rating: int) -> Result:
        ticket = await own_ticket(uow, user, ticket_id)
        if ticket is None or not 1 <= rating <= 5:
            return Result(Outcome.NOT_FOUND)
        if ticket.status != TicketStatus.RESOLVED:
            return Result.of(Outcome.NOT_ALLOWED, ticket)
        if ticket.rating is not None:
            return Result.of(Outcome.ALREADY, ticket)
        ticket.rating = rating
        await self._router.tell_staff(uow, ticket, "rated", rating=rating, dedupe="rated")
        return Result.of(Outcome.DONE, ticket)

    async def comment_on_rating(self, uow: UnitOfWork, user: ChatUser, ticket_id: int, text: str) -> Result:
        ticket = await own_ticket(uow, user, ticket_id)
        if ticket is None or ticket.rating is None:
            return Result(Outcome.NOT_FOUND)
        if ticket.rating_comment:
            return Result.of(Outcome.ALREADY, ticket)
        ticket.rating_comment = text[:2000]
        await self._router.tell_staff(uow, ticket, "rating_comment", comment=ticket.rating_comment,
                                      dedupe="comment")
        return Result.of(Outcome.DONE, ticket)

    # Staff side --------------------------------------------------------------------------------------
    async def staff_message(
        self,
        uow: UnitOfWork,
        ticket_id: int,
        staff: StaffMember,
        *,
        text: str,
        attachments: Sequence[Attachment] = (),
        source: str | None,
        album: tuple[str, str] | None = None,
        forwarded: bool = False,
    ) -> Result:
        """A staff message in the ticket's topic (or a reply to its card): relayed, or kept.

        The relay rule (docs/staff-desk.md), in this order:

        | the message                                   | becomes                                      |
        |-----------------------------------------------|----------------------------------------------|
        | forwarded from elsewhere                      | kept, awaiting a choice (AWAITING): staff    |
        |                                               | press "send" or "keep" (`forwarded_choice`)  |
        | starts with "!" or a look-alike (notes.py)    | an internal note (NOTE)                      |
        | an album item (`album` = chat, media group)   | what its album's decision says: a caption    |
        |                                               | with "!" makes the whole album a note; the   |
        |                                               | first item without one waits (PENDING) until |
        |                                               | a caption decides or `release_albums` sends  |
        | anything else                                 | relayed to the customer (DONE)               |
        """
        if source is not None and await uow.tickets.message_by_source(source) is not None:
            return Result.of(Outcome.DUPLICATE, await uow.tickets.get(ticket_id))
        now = self._clock.now()
        locked = await uow.tickets.lock(ticket_id)
        if locked is None:
            return Result(Outcome.NOT_FOUND)
        internal = is_internal_note(text)
        awaiting = False
        outcome = Outcome.NOTE if internal else Outcome.DONE
        if forwarded and not internal:
            awaiting, outcome = True, Outcome.AWAITING
            if album is not None and await uow.tickets.awaiting_in_album(locked.id, album[1]):
                outcome = Outcome.PENDING  # the album's first forwarded item asked already
        elif album is not None:
            decision = await self._album_decision(uow, locked, album, caption=text, note=internal)
            if decision == ALBUM_NOTE:
                internal, outcome = True, Outcome.NOTE
            elif decision == ALBUM_PROVISIONAL:
                awaiting, outcome = True, Outcome.PENDING
        message = await uow.tickets.add_message(TicketMessage(
            ticket_id=locked.id, author="staff", author_id=staff.user_id, author_name=staff.name, text=text,
            attachments=[a.to_dict() for a in attachments[:MAX_ATTACHMENTS]], internal=internal or awaiting,
            awaiting_choice=awaiting, media_group_id=None if album is None else album[1],
            source_key=source, created_at=now,
        ))
        if outcome is Outcome.DONE:
            await self._relay_staff_message(uow, locked, message, staff)
        return Result.of(outcome, locked, message_id=message.id)

    async def forwarded_choice(self, uow: UnitOfWork, message_id: int, *, send: bool, staff: StaffMember,
                               staff_chat_id: str) -> Result:
        """A staff member chose what becomes of a forwarded message (and the rest of its album).

        The message id comes from a button: it counts only for a forwarded message still awaiting a
        choice on a ticket of this staff chat.
        """
        message = await uow.tickets.message(message_id)
        if message is None or not message.awaiting_choice or message.author != "staff":
            return Result(Outcome.NOT_FOUND)
        locked = await uow.tickets.lock(message.ticket_id)
        if locked is None or (locked.staff_chat_id or "") != staff_chat_id:
            return Result(Outcome.NOT_FOUND)
        items = [message]
        if message.media_group_id is not None:
            items = await uow.tickets.awaiting_in_album(locked.id, message.media_group_id)
        for item in items:
            item.awaiting_choice = False
            if send:
                item.internal = False
                await self._relay_staff_message(uow, locked, item, staff)
        record_access(uow, self._clock, actor=staff.actor,
                      action="tickets.forward_sent" if send else "tickets.forward_kept",
                      customer_id=locked.customer_id, purpose="a forwarded message, relayed only by choice",
                      ticket=locked.number, messages=len(items))
        return Result.of(Outcome.DONE if send else Outcome.NOTE, locked, message_id=message.id)

    async def release_albums(self, uow: UnitOfWork, *, older_than: datetime) -> int:
        """Albums whose first items came without a caption and no "!" caption followed: relayed.

        Claimed with row locks (SKIP LOCKED on PostgreSQL), so several instances may run this.
        """
        released = 0
        for album in await uow.tickets.provisional_albums(older_than):
            album.decision = ALBUM_RELAY
            locked = await uow.tickets.lock(album.ticket_id)
            if locked is None:
                continue
            for item in await uow.tickets.awaiting_in_album(locked.id, album.media_group_id):
                item.awaiting_choice = item.internal = False
                staff = StaffMember(item.author_id or "", item.author_name or "")
                await self._relay_staff_message(uow, locked, item, staff)
                released += 1
        return released

    async def _album_decision(self, uow: UnitOfWork, ticket: Ticket, album: tuple[str, str], *,
                              caption: str, note: bool) -> str:
        """The album's decision after this item: a caption decides (a note wins over a relay)."""
        chat_id, group = album
        row = await uow.tickets.album(chat_id, group, ticket_id=ticket.id, now=self._clock.now())
        if not caption.strip():
            return row.decision
        if row.decision == ALBUM_NOTE or note:
            if row.decision == ALBUM_PROVISIONAL:  # items that waited stay notes
                for item in await uow.tickets.awaiting_in_album(ticket.id, group):
                    item.awaiting_choice = False
            row.decision = ALBUM_NOTE
            return ALBUM_NOTE
        if row.decision == ALBUM_PROVISIONAL:
            row.decision = ALBUM_RELAY
            for item in await uow.tickets.awaiting_in_album(ticket.id, group):
                item.awaiting_choice = item.internal = False
                staff = StaffMember(item.author_id or "", item.author_name or "")
                await self._relay_staff_message(uow, ticket, item, staff)
        return ALBUM_RELAY

    async def _relay_staff_message(self, uow: UnitOfWork, locked: Ticket, message: TicketMessage,
                                   staff: StaffMember) -> None:
        """Relay a staff message to the customer: the first reply, the assignee and the status follow."""
        now = self._clock.now()
        if locked.first_staff_reply_at is None:
            locked.first_staff_reply_at = now
            # The customer now waits on the resolution promise: watch it afresh.
            locked.escalated_at = None
            locked.customer_told_late_at = None
        if locked.assignee_id is None:
            locked.assignee_id, locked.assignee_name = staff.user_id, staff.name
        if locked.status == TicketStatus.OPEN:
            locked.status = TicketStatus.IN_PROGRESS.value
        record_access(uow, self._clock, actor=staff.actor, action="tickets.reply",
                      customer_id=locked.customer_id, purpose="answer the customer's ticket",
                      ticket=locked.number)
        await self._router.relay_to_customer(uow, locked, message)

    async def take(self, uow: UnitOfWork, ticket_id: int, staff: StaffMember) -> Result:
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
        record_access(uow, self._clock, actor=staff.actor, action="tickets.take",
                      customer_id=ticket.customer_id, purpose="handle the customer's ticket",
                      ticket=ticket.number)
        if first_time:
            await self._router.tell_customer(uow, ticket, "taken", dedupe="taken")
        return Result.of(Outcome.DONE, ticket)

    async def resolve(self, uow: UnitOfWork, ticket_id: int, staff: StaffMember) -> Result:
        """Resolved: the customer is asked for a rating; the staff topic gets a note and is closed."""
        ticket = await uow.tickets.lock(ticket_id)
        if ticket is None:
            return Result(Outcome.NOT_FOUND)
        if ticket.status == TicketStatus.RESOLVED:
            return Result.of(Outcome.ALREADY, ticket)
        now = self._clock.now()
        ticket.status, ticket.resolved_at = TicketStatus.RESOLVED.value, now
        if ticket.assignee_id is None:
            ticket.assignee_id, ticket.assignee_name = staff.user_id, staff.name
        record_access(uow, self._clock, actor=staff.actor, action="tickets.resolve",
                      customer_id=ticket.customer_id, purpose="close the customer's ticket",
                      ticket=ticket.number)
        await self._router.tell_customer(uow, ticket, "resolved", dedupe=f"resolved:{int(now.timestamp())}",
                                         buttons=self.wording.rating_keyboard(ticket))
        await self._router.close_topic(uow, ticket, staff.name)
        return Result.of(Outcome.DONE, ticket)

    async def reopen(self, uow: UnitOfWork, ticket_id: int, staff: StaffMember) -> Result:
        """Handled again: a new resolution deadline; the staff topic is opened again; the customer is told."""
        ticket = await uow.tickets.lock(ticket_id)
        if ticket is None:
            return Result(Outcome.NOT_FOUND)
        if ticket.status != TicketStatus.RESOLVED:
            return Result.of(Outcome.ALREADY, ticket)
        now = self._clock.now()
        ticket.status = TicketStatus.IN_PROGRESS.value if ticket.assignee_id else TicketStatus.OPEN.value
        ticket.resolved_at = None
        # A reopened ticket is a new promise of resolution, watched afresh.
        calendar = calendar_for(self._settings)
        ticket.resolution_due_at = calendar.add_working_days(now, self._settings.sla_resolution_working_days)
        ticket.escalated_at = ticket.customer_told_late_at = None
        record_access(uow, self._clock, actor=staff.actor, action="tickets.reopen",
                      customer_id=ticket.customer_id, purpose="handle the customer's ticket again",
                      ticket=ticket.number)
        await self._router.reopen_topic(uow, ticket, staff.name)
        await self._router.tell_customer(uow, ticket, "reopened", dedupe=f"reopened:{int(now.timestamp())}")
        return Result.of(Outcome.DONE, ticket)
