"""Everything a ticket sends: the staff card, relays both ways, notices, and the complaints email.

All of it goes through the outbox in the caller's unit of work, so a ticket, its first message and
its staff notification commit together and are delivered with retries, across restarts.

Topic, card and relay ordering (forum staff chat, STAFF_CHAT_IS_FORUM=true):

1. `announce_new_ticket` writes an `OpenTopic` row (pending) and, after it, the card and the first
   message's files as rows with status `held` — the dispatcher only claims `pending` rows, so nothing
   is sent into a topic that does not exist yet. Every ticket row has a dedupe key `ticket:<id>:…`.
2. When the topic is created the dispatcher calls `on_delivered` in the unit of work that marks the
   row sent: it stores `staff_thread_id` on the ticket (row-locked) and releases the ticket's held rows
   into the new thread, in id order, so the card comes first.
3. A relay written while the topic does not exist yet is held the same way. Writers lock the ticket
   row before reading `staff_thread_id` and the hook locks it before releasing, so on PostgreSQL a
   relay is either held before the release or sees the thread id; SQLite serialises the two anyway.
4. If the topic can never be created (the row is dead: the chat is not a forum, the bot lacks the
   right), the SLA sweep releases the held rows into the staff chat without a thread, so nothing is
   lost; staff can then reply to the card.

Without a forum (STAFF_CHAT_IS_FORUM=false) the card is sent at once; `on_delivered` stores its
message id so that staff replies to the card reach the customer.

The topic follows the ticket (forum only): resolving writes a note into the topic and then a
`CloseTopic` row; reopening writes a `ReopenTopic` row and then a note. Both go to the ticket's thread
like any relay (held while the topic is being opened), so the outbox's order per chat delivers them
in the order written: the note is read before the topic closes, the topic is open again before the
note. A ticket whose topic never existed (or can never be opened) gets neither.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Settings
from bot.domain.ticket_category import TicketKind
from bot.i18n import Catalog, Markup
from bot.messages.actions import (
    Action,
    Address,
    Button,
    CloseTopic,
    Keyboard,
    OpenTopic,
    ReopenTopic,
    SendAttachment,
    SendEmail,
    SendText,
)
from bot.messages.buttons import RATINGS, DeskAction, DeskButton, RatingButton, TicketStatusButton
from bot.messages.events import Attachment
from bot.services.outbox import enqueue
from bot.storage.models import OutboxMessage, Ticket, TicketMessage
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STAFF_CHANNEL = "telegram"  # the staff group lives on Telegram whatever channel the customer used
EMAIL_CHANNEL = "email"
HELD = "held"
_TICKET_KEY = re.compile(r"ticket:(\d+):(topic|card)")
TOPIC_NAME_MAX = 128
CAPTION_MAX = 1024


def format_moment(moment: datetime | None, settings: Settings) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(settings.zone).strftime("%H:%M %d/%m/%Y")


class Categorised(Protocol):
    """What a category label reads of a ticket: its row, or its `TicketView` in the flows."""

    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str: ...


def category_label(texts: Catalog, language: str, ticket: Categorised) -> Markup:
    key = "human" if ticket.kind == TicketKind.HUMAN else ticket.category
    full = f"complaints.category.{key}"
    return texts.text(language, full if texts.has(full) else "complaints.category.other")


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class TicketNotifier:
    def __init__(self, texts: Catalog, settings: Settings, clock: Clock) -> None:
        self._texts = texts
        self._settings = settings
        self._clock = clock
        self.staff_language: str = settings.default_language

    # Wording -----------------------------------------------------------------------------------------
    def staff_text(self, key: str, /, **params: object) -> Markup:
        return self._texts.text(self.staff_language, f"staff.{key}", **params)

    def customer_text(self, ticket: Ticket, key: str, /, **params: object) -> Markup:
        return self._texts.text(ticket.language, f"complaints.{key}", **params)

    def category(self, ticket: Categorised, language: str | None = None) -> Markup:
        return category_label(self._texts, language or self.staff_language, ticket)

    def moment(self, value: datetime | None) -> str:
        return format_moment(value, self._settings)

    def topic_name(self, ticket: Ticket) -> str:
        name = _plain(self.staff_text("topic_name", number=ticket.number, category=self.category(ticket)))
        return name[:TOPIC_NAME_MAX]

    def card_keyboard(self, ticket: Ticket) -> Keyboard:
        def button(key: str, action: DeskAction) -> Button:
            return Button(_plain(self.staff_text(key)), DeskButton(action, ticket.id).pack())

        return ((button("take_button", "take"), button("resolve_button", "resolve")),
                (button("reopen_button", "reopen"),))

    def render_card(self, ticket: Ticket, *, phone: str, verified: bool, attachments: int) -> SendText:
        """The ticket card for the staff chat; `phone` must already be masked."""
        if ticket.order_code:
            order: str = ticket.order_code if verified else self.staff_text("order_unchecked",
                                                                            code=ticket.order_code)
        else:
            order = self.staff_text("no_order")
        text = self.staff_text(
            "card",
            number=ticket.number,
            kind=self.staff_text(f"kind.{ticket.kind}"),
            category=self.category(ticket),
            order=order,
            name=ticket.customer_name or self.staff_text("unknown_name"),
            phone=phone,
            verified=self.staff_text("verified" if verified else "unverified"),
            first_reply_due=self.moment(ticket.first_reply_due_at),
            resolution_due=self.moment(ticket.resolution_due_at),
            handling_due=self.moment(ticket.handling_due_at),
            attachments=self.staff_text("attachments_count", count=attachments) if attachments
            else self.staff_text("no_attachments"),
            description=ticket.description,
            hint=self.staff_text("hint_forum" if self._settings.staff_chat_is_forum else "hint_reply"),
        )
        return SendText(text, self.card_keyboard(ticket))

    def compose_email(
        self, ticket: Ticket, to: str, *, phone: str, verified: bool, attachments: int
    ) -> SendEmail:
        params: dict[str, object] = dict(
            number=ticket.number,
            kind=self.staff_text(f"kind.{ticket.kind}"),
            category=self.category(ticket),
        )
        subject = _plain(self.staff_text("email_subject", **params))
        body = _plain(self.staff_text(
            "email_body",
            **params,
            order=ticket.order_code or self.staff_text("no_order"),
            name=ticket.customer_name or self.staff_text("unknown_name"),
            phone=phone,
            verified=self.staff_text("verified" if verified else "unverified"),
            channel=ticket.channel,
            created=self.moment(ticket.created_at),
            first_reply_due=self.moment(ticket.first_reply_due_at),
            resolution_due=self.moment(ticket.resolution_due_at),
            handling_due=self.moment(ticket.handling_due_at),
            attachments=str(attachments) if attachments else self.staff_text("no_attachments"),
            description=ticket.description,
        ))
        return SendEmail(to, subject, body)

    # Addresses ---------------------------------------------------------------------------------------
    @property
    def staff_chat(self) -> str | None:
        chat = self._settings.staff_chat_id
        return None if chat is None else str(chat)

    def _waits_for_topic(self, ticket: Ticket) -> bool:
        return self._settings.staff_chat_is_forum and ticket.staff_thread_id is None

    async def _to_ticket_thread(self, uow: UnitOfWork, ticket: Ticket, action: Action, key: str) -> None:
        """Into the ticket's topic (held until it exists), or the staff chat when not a forum."""
        chat = ticket.staff_chat_id or self.staff_chat
        if chat is None:
            return
        held = self._waits_for_topic(ticket) and not await self._topic_failed(uow, ticket)
        row = await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat, ticket.staff_thread_id), action,
                            dedupe_key=f"ticket:{ticket.id}:{key}")
        if held:
            row.status = HELD

    async def _to_staff_chat(self, uow: UnitOfWork, ticket: Ticket, action: Action, key: str) -> None:
        """Into the staff chat itself (the General topic of a forum): reminders and escalations."""
        chat = ticket.staff_chat_id or self.staff_chat
        if chat is not None:
            await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat), action,
                          dedupe_key=f"ticket:{ticket.id}:{key}")

    async def _to_customer(self, uow: UnitOfWork, ticket: Ticket, action: Action, key: str | None) -> None:
        await enqueue(uow, self._clock, Address(ticket.channel, ticket.chat_id), action,
                      dedupe_key=None if key is None else f"ticket:{ticket.id}:{key}")

    # A new ticket ------------------------------------------------------------------------------------
    async def announce_new_ticket(
        self, uow: UnitOfWork, ticket: Ticket, first: TicketMessage, *, phone: str, verified: bool
    ) -> None:
        files = [Attachment.from_dict(item) for item in first.attachments or []]
        if self.staff_chat is None:
            how = "by email only" if self._settings.complaints_email else "only in `rosee-support desk`"
            log.warning("STAFF_CHAT_ID is not set: ticket %s reaches staff %s", ticket.number, how)
        else:
            if self._settings.staff_chat_is_forum:
                await enqueue(uow, self._clock, Address(STAFF_CHANNEL, self.staff_chat),
                              OpenTopic(self.topic_name(ticket), ticket.id),
                              dedupe_key=f"ticket:{ticket.id}:topic")
            card = self.render_card(ticket, phone=phone, verified=verified, attachments=len(files))
            await self._to_ticket_thread(uow, ticket, card, "card")
            for index, attachment in enumerate(files):
                caption = self.staff_text("customer_attachment", name=ticket.customer_name or "",
                                          number=ticket.number)
                await self._to_ticket_thread(uow, ticket, SendAttachment(attachment, _plain(caption)),
                                             f"m{first.id}:{index}")
        mailbox = self._settings.complaints_email
        if mailbox:
            email = self.compose_email(ticket, mailbox, phone=phone, verified=verified,
                                       attachments=len(files))
            await enqueue(uow, self._clock, Address(EMAIL_CHANNEL, mailbox), email,
                          dedupe_key=f"ticket:{ticket.id}:email")

    # Relays ------------------------------------------------------------------------------------------
    async def relay_to_staff(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> None:
        name = message.author_name or ticket.customer_name or self.staff_text("unknown_name")
        if message.text:
            text = self.staff_text("customer_message", name=name, number=ticket.number, text=message.text)
            await self._to_ticket_thread(uow, ticket, SendText(text), f"m{message.id}:text")
        for index, item in enumerate(message.attachments or []):
            caption = _plain(self.staff_text("customer_attachment", name=name, number=ticket.number))
            await self._to_ticket_thread(uow, ticket, SendAttachment(Attachment.from_dict(item), caption),
                                         f"m{message.id}:{index}")

    async def relay_to_customer(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> None:
        if message.text:
            text = self.customer_text(ticket, "staff_reply", number=ticket.number, text=message.text)
            await self._to_customer(uow, ticket, SendText(text, self.customer_keyboard(ticket)),
                                    f"m{message.id}:text")
        for index, item in enumerate(message.attachments or []):
            caption = _plain(self.customer_text(ticket, "staff_attachment", number=ticket.number))
            action = SendAttachment(Attachment.from_dict(item), caption[:CAPTION_MAX])
            await self._to_customer(uow, ticket, action, f"m{message.id}:{index}")

    def customer_keyboard(self, ticket: Ticket) -> Keyboard:
        label = _plain(self.customer_text(ticket, "status_button"))
        return ((Button(label, TicketStatusButton(ticket.id).pack()),),)

    # Notices -----------------------------------------------------------------------------------------
    async def tell_customer(self, uow: UnitOfWork, ticket: Ticket, key: str, *, buttons: Keyboard = (),
                            dedupe: str | None = None, **params: object) -> None:
        text = self.customer_text(ticket, key, number=ticket.number, **params)
        await self._to_customer(uow, ticket, SendText(text, buttons), dedupe)

    async def tell_staff(self, uow: UnitOfWork, ticket: Ticket, text: str, *, dedupe: str) -> None:
        await self._to_ticket_thread(uow, ticket, SendText(text), dedupe)

    # The topic follows the ticket -------------------------------------------------------------------
    async def close_topic(self, uow: UnitOfWork, ticket: Ticket, staff_name: str) -> None:
        """Resolved: a note into the ticket's topic, then the topic closed (forum staff chat only)."""
        if await self._has_topic(uow, ticket):
            turn = await self._topic_turn(uow, ticket)
            note = SendText(self.staff_text("topic_closed", number=ticket.number, staff=staff_name))
            await self._to_ticket_thread(uow, ticket, note, f"topic-state:{turn}:note")
            await self._to_ticket_thread(uow, ticket, CloseTopic(ticket.id), f"topic-state:{turn}:close")

    async def reopen_topic(self, uow: UnitOfWork, ticket: Ticket, staff_name: str) -> None:
        """Reopened: the ticket's topic opened again first, then a note into it."""
        if await self._has_topic(uow, ticket):
            turn = await self._topic_turn(uow, ticket)
            await self._to_ticket_thread(uow, ticket, ReopenTopic(ticket.id), f"topic-state:{turn}:reopen")
            note = SendText(self.staff_text("topic_reopened", number=ticket.number, staff=staff_name))
            await self._to_ticket_thread(uow, ticket, note, f"topic-state:{turn}:note")

    async def _has_topic(self, uow: UnitOfWork, ticket: Ticket) -> bool:
        """The ticket has a forum topic, or one is being opened (rows to it are held until then)."""
        if not self._settings.staff_chat_is_forum:
            return False
        if ticket.staff_thread_id is not None:
            return True
        topic = await uow.tickets.outbox_row(f"ticket:{ticket.id}:topic")
        return topic is not None and topic.status == "pending"

    async def _topic_turn(self, uow: UnitOfWork, ticket: Ticket) -> int:
        """A number for this close or reopen: the ticket's earlier ones plus one (unique dedupe keys,
        even when staff resolve, reopen and resolve again within one second)."""
        earlier = await uow.outbox.count(("close_topic", "reopen_topic"), f"ticket:{ticket.id}:topic-state:")
        return earlier + 1

    def rating_keyboard(self, ticket: Ticket) -> Keyboard:
        return (tuple(
            Button(_plain(self.customer_text(ticket, "rate_button", stars="⭐" * n)),
                   RatingButton(ticket.id, n).pack())
            for n in RATINGS
        ),)

    async def remind_unassigned(self, uow: UnitOfWork, ticket: Ticket) -> None:
        text = self.staff_text("reminder", number=ticket.number, category=self.category(ticket),
                               due=self.moment(ticket.first_reply_due_at))
        await self._to_staff_chat(uow, ticket, SendText(text, self.card_keyboard(ticket)), "remind")

    async def escalate(
        self, uow: UnitOfWork, ticket: Ticket, promise: str, due: datetime, *, past: bool
    ) -> None:
        text = self.staff_text(
            "escalation_past" if past else "escalation_near",
            number=ticket.number, category=self.category(ticket), what=self.staff_text(f"what_{promise}"),
            due=self.moment(due), assignee=ticket.assignee_name or self.staff_text("unassigned"),
        )
        await self._to_staff_chat(uow, ticket, SendText(text, self.card_keyboard(ticket)),
                                  f"escalate:{promise}:{int(due.timestamp())}")

    async def tell_customer_late(self, uow: UnitOfWork, ticket: Ticket, promise: str, due: datetime) -> None:
        await self.tell_customer(uow, ticket, f"late_{promise}", due=self.moment(due),
                                 dedupe=f"late:{promise}:{int(due.timestamp())}")

    # Delivery results --------------------------------------------------------------------------------
    async def on_delivered(self, uow: Any, row: OutboxMessage, result: dict[str, Any]) -> None:
        """Dispatcher hook: a topic was opened or a card was sent; remember where, release held rows.

        Senders report `message_thread_id`/`thread_id` for a topic and `message_id`/`message_ids`.
        """
        match = _TICKET_KEY.fullmatch(row.dedupe_key or "")
        if match is None:
            return
        ticket = await uow.tickets.lock(int(match.group(1)))
        if ticket is None:
            return
        if match.group(2) == "topic":
            thread = result.get("message_thread_id", result.get("thread_id"))
            if thread is None:
                log.error("topic for ticket %s opened without a thread id: %r", ticket.number, result)
                return
            ticket.staff_chat_id = row.chat_id
            ticket.staff_thread_id = int(thread)
            await uow.flush()
            await self._release(uow, ticket, int(thread))
        elif ticket.staff_card_message_id is None:
            ids = result.get("message_ids") or [result.get("message_id")]
            if ids[0] is not None:  # a long card is split: its first message is the one to reply to
                ticket.staff_card_message_id = int(ids[0])

    async def _release(self, uow: UnitOfWork, ticket: Ticket, thread_id: int | None) -> int:
        rows = await uow.tickets.held_outbox(ticket.id)
        now = self._clock.now()
        for row in rows:
            row.status, row.thread_id, row.next_attempt_at = "pending", thread_id, now
        return len(rows)

    async def _topic_failed(self, uow: UnitOfWork, ticket: Ticket) -> bool:
        topic = await uow.tickets.outbox_row(f"ticket:{ticket.id}:topic")
        return topic is not None and topic.status == "dead"

    async def release_orphaned_holds(self, uow: UnitOfWork) -> int:
        """Held rows of tickets whose topic can never be opened go to the staff chat without a thread."""
        dead_topics = await uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "open_topic", OutboxMessage.status == "dead",
                OutboxMessage.dedupe_key.like("ticket:%:topic"),
            )
        )
        released = 0
        for row in dead_topics.all():
            match = _TICKET_KEY.fullmatch(row.dedupe_key or "")
            ticket = await uow.tickets.lock(int(match.group(1))) if match else None
            if ticket is not None and ticket.staff_thread_id is None:
                released += await self._release(uow, ticket, None)
        if released:
            log.warning("released %s held staff messages without a topic (topic creation failed)", released)
        return released
