"""Where a ticket's messages go: its staff topic, the staff chat, the customer, the mailbox; and the
messages held until the topic exists.

Everything goes through the outbox in the caller's unit of work, so a ticket, its first message and
its staff notification commit together and are delivered with retries, across restarts. Each row
says what it is for (`OutboxPurpose`) and which ticket it is about (`ticket_id`); its dedupe key
(`ticket:<id>:…`) only keeps a retried write from queueing it twice.

| message                              | goes to                          | purpose       |
|--------------------------------------|----------------------------------|---------------|
| the topic of a new ticket            | the staff chat (forum only)      | ticket_topic  |
| the card, the first message's files  | the ticket's thread              | ticket_card / ticket_relay |
| the customer's later messages        | the ticket's thread              | ticket_relay  |
| the same in a burst, gathered        | the ticket's thread, held 15 s   | ticket_digest |
| rated, commented                     | the ticket's thread              | ticket_notice |
| topic closed / reopened, their notes | the ticket's thread (forum only) | topic_state   |
| reminder, escalation                 | the staff chat itself            | reminder / escalation |
| staff replies                        | the customer's chat              | ticket_relay  |
| taken, resolved, reopened, late      | the customer's chat              | ticket_notice |
| the complaints email                 | the mailbox (COMPLAINTS_EMAIL)   | email         |

The ticket's thread is its forum topic (STAFF_CHAT_IS_FORUM=true) or, without a forum, the staff
chat, where staff reply to the card. A topic, card and relay keep their order:

1. `announce_new_ticket` writes the topic row (pending) and, after it, the card and the first
   message's files as *held* rows: the dispatcher claims only pending rows, so nothing is sent into a
   topic that does not exist yet.
2. When the topic is created the dispatcher's delivery hook (`topic_opened`, registered for
   `ticket_topic` in `bot.bootstrap`) runs in the unit of work that marks the row sent: it stores
   `staff_thread_id` on the ticket (row-locked) and releases the ticket's held rows into the new
   thread, in id order, so the card comes first.
3. A relay written while the topic does not exist yet is held the same way. Writers lock the ticket
   row before reading `staff_thread_id` and the hook locks it before releasing, so on PostgreSQL a
   relay is either held before the release or sees the thread id; SQLite serialises the two anyway.
4. If the topic can never be created (its row is final but not sent, dead or unreachable: the chat
   is not a forum, the bot lacks the right), the SLA sweep calls `release_orphaned_holds`: the held
   rows go to the staff chat without a thread, so nothing is lost; staff can then reply to the card.

Without a forum the card is sent at once; `card_sent` (registered for `ticket_card`) stores its
message id so that staff replies to the card reach the customer.

The topic follows the ticket (forum only): resolving writes a note into the topic and then a
`CloseTopic` row; reopening writes a `ReopenTopic` row and then a note. Both go to the ticket's thread
like any relay (held while the topic is being opened), so the outbox's order per chat delivers them
in the order written: the note is read before the topic closes, the topic is open again before the
note. A ticket whose topic never existed (or can never be opened) gets neither.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal

from bot.clock import Clock
from bot.config import Settings
from bot.messages.actions import (
    Action,
    Address,
    CloseTopic,
    Keyboard,
    OpenTopic,
    ReopenTopic,
    action_to_payload,
)
from bot.messages.events import Attachment
from bot.services.outbox import Delivered, enqueue
from bot.services.ticket_rendering import TicketRenderer
from bot.storage.models import OutboxPurpose, OutboxStatus, Ticket, TicketMessage
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: A topic row in one of these states was never sent and never will be: nothing waits for it.
_NEVER_OPENS = (OutboxStatus.DEAD, OutboxStatus.UNREACHABLE)

STAFF_CHANNEL = "telegram"  # the staff group lives on Telegram whatever channel the customer used
EMAIL_CHANNEL = "email"
Purpose = OutboxPurpose
#: How long a customer's burst digest gathers messages before it is sent to staff.
DIGEST_WAIT = timedelta(seconds=15)
#: What became of a customer's message on its way to staff.
Relayed = Literal["relayed", "digest_opened", "gathered"]


class TicketRouter:
    """Built once (`bot.bootstrap`); every method takes the unit of work of the change it reports."""

    def __init__(self, wording: TicketRenderer, settings: Settings, clock: Clock) -> None:
        self._wording = wording
        self._settings = settings
        self._clock = clock

    # A new ticket ------------------------------------------------------------------------------------
    async def announce_new_ticket(
        self, uow: UnitOfWork, ticket: Ticket, first: TicketMessage, *, phone: str, verified: bool
    ) -> None:
        """The topic, the card and the first message's files to staff; the email to the mailbox."""
        files = [Attachment.from_dict(item) for item in first.attachments or []]
        staff_chat = self._staff_chat
        if staff_chat is None:
            how = "by email only" if self._settings.complaints_email else "only in `rosee-support desk`"
            log.warning("STAFF_CHAT_ID is not set: ticket %s reaches staff %s", ticket.number, how)
        else:
            if self._settings.staff_chat_is_forum:
                await enqueue(uow, self._clock, Address(STAFF_CHANNEL, staff_chat),
                              OpenTopic(self._wording.topic_name(ticket), ticket.id),
                              purpose=Purpose.TICKET_TOPIC, ticket_id=ticket.id,
                              dedupe_key=_key(ticket, "topic"))
            card = self._wording.render_card(ticket, phone=phone, verified=verified, attachments=len(files))
            await self.to_ticket_thread(uow, ticket, card, Purpose.TICKET_CARD, "card")
            for index, attachment in enumerate(files):
                file = self._wording.customer_file(ticket, attachment, name=ticket.customer_name or "")
                await self.to_ticket_thread(uow, ticket, file, Purpose.TICKET_RELAY, f"m{first.id}:{index}")
        mailbox = self._settings.complaints_email
        if mailbox:
            email = self._wording.compose_email(ticket, mailbox, phone=phone, verified=verified,
                                                attachments=len(files))
            await enqueue(uow, self._clock, Address(EMAIL_CHANNEL, mailbox), email,
                          purpose=Purpose.EMAIL, ticket_id=ticket.id, dedupe_key=_key(ticket, "email"))

    # Relays ------------------------------------------------------------------------------------------
    async def relay_to_staff(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> Relayed:
        """A customer's message into the ticket's thread: on its own, or gathered into a digest.

        A flood from one customer must not hold back the others (the staff group takes 20 messages a
        minute): past INBOUND_BURST_MESSAGES within INBOUND_BURST_SECONDS, or past
        RELAYS_PER_TICKET_PER_MINUTE relays, the customer's further messages are gathered into one
        held digest row (`ticket_digest`), sent `DIGEST_WAIT` after it opened (`release_digests`),
        with the burst's files after it. The ticket row is locked by the caller, so concurrent
        messages of one ticket gather into the same digest.
        """
        if await self._in_burst(uow, ticket, message):
            return await self._gather(uow, ticket, message)
        if message.text:
            await self.to_ticket_thread(uow, ticket, self._wording.customer_message(ticket, message),
                                        Purpose.TICKET_RELAY, f"m{message.id}:text")
        for index, file in enumerate(self._wording.customer_files(ticket, message)):
            await self.to_ticket_thread(uow, ticket, file, Purpose.TICKET_RELAY, f"m{message.id}:{index}")
        return "relayed"

    async def release_digests(self, uow: UnitOfWork) -> int:
        """Digests whose wait is over become due, with the files of their burst; how many rows."""
        released = 0
        seen: set[int] = set()
        for row in await uow.outbox.digests_due(self._clock.now() - DIGEST_WAIT):
            if row.ticket_id is None or row.ticket_id in seen:
                continue
            seen.add(row.ticket_id)
            ticket = await uow.tickets.lock(row.ticket_id)
            if ticket is None:
                continue
            if self._waits_for_topic(ticket) and await self._topic_status(uow, ticket) != OutboxStatus.DEAD:
                continue  # released with the ticket's other held rows when its topic opens
            for held in await uow.outbox.held_for(ticket.id):
                if held.purpose == Purpose.TICKET_DIGEST:
                    held.status, held.thread_id = OutboxStatus.PENDING, ticket.staff_thread_id
                    held.next_attempt_at = self._clock.now()
                    released += 1
        return released

    async def _in_burst(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> bool:
        chat = ticket.staff_chat_id or self._staff_chat
        if chat is None:
            return False
        if await uow.outbox.open_digest(ticket.id) is not None:
            return True  # a burst goes on: keep its order, gather the rest
        settings, now = self._settings, self._clock.now()
        recent = await uow.tickets.customer_messages_since(
            ticket.id, now - timedelta(seconds=settings.inbound_burst_seconds), excluding=message.id)
        if recent >= settings.inbound_burst_messages:
            return True
        # Relays, counted as the messages relayed one by one (a message's files are one relay of it).
        last_minute = await uow.tickets.customer_messages_since(ticket.id, now - timedelta(minutes=1),
                                                               excluding=message.id)
        return last_minute >= settings.relays_per_ticket_per_minute

    async def _gather(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> Relayed:
        chat = ticket.staff_chat_id or self._staff_chat
        assert chat is not None  # _in_burst said so
        address = Address(STAFF_CHANNEL, chat, ticket.staff_thread_id)
        digest = await uow.outbox.open_digest(ticket.id)
        opened = digest is None
        if digest is None:
            first = self._wording.customer_digest(ticket, [message])
            digest = await enqueue(uow, self._clock, address, first,
                                   purpose=Purpose.TICKET_DIGEST, ticket_id=ticket.id,
                                   dedupe_key=_key(ticket, f"digest:m{message.id}"), held=True)
        message.digest_id = digest.id
        await uow.flush()
        gathered = await uow.tickets.digest_messages(digest.id)
        digest.payload = action_to_payload(self._wording.customer_digest(ticket, gathered))
        for index, file in enumerate(self._wording.customer_files(ticket, message)):
            await enqueue(uow, self._clock, address, file, purpose=Purpose.TICKET_DIGEST, ticket_id=ticket.id,
                          dedupe_key=_key(ticket, f"m{message.id}:{index}"), held=True)
        return "digest_opened" if opened else "gathered"

    async def relay_to_customer(self, uow: UnitOfWork, ticket: Ticket, message: TicketMessage) -> None:
        if message.text:
            await self.to_customer(uow, ticket, self._wording.staff_reply(ticket, message),
                                   Purpose.TICKET_RELAY, f"m{message.id}:text")
        for index, file in enumerate(self._wording.staff_files(ticket, message)):
            await self.to_customer(uow, ticket, file, Purpose.TICKET_RELAY, f"m{message.id}:{index}")

    # Notices -----------------------------------------------------------------------------------------
    async def tell_customer(self, uow: UnitOfWork, ticket: Ticket, key: str, *, dedupe: str,
                            buttons: Keyboard = (), **params: object) -> None:
        """`complaints.<key>` to the customer, once per `dedupe` of this ticket."""
        notice = self._wording.customer_notice(ticket, key, buttons, **params)
        await self.to_customer(uow, ticket, notice, Purpose.TICKET_NOTICE, dedupe)

    async def tell_staff(self, uow: UnitOfWork, ticket: Ticket, key: str, *, dedupe: str,
                         **params: object) -> None:
        """`staff.<key>` into the ticket's thread, once per `dedupe` of this ticket."""
        notice = self._wording.staff_notice(ticket, key, **params)
        await self.to_ticket_thread(uow, ticket, notice, Purpose.TICKET_NOTICE, dedupe)

    async def remind_unassigned(self, uow: UnitOfWork, ticket: Ticket) -> None:
        await self.to_staff_chat(uow, ticket, self._wording.reminder(ticket), Purpose.REMINDER, "remind")

    async def escalate(self, uow: UnitOfWork, ticket: Ticket, promise: str, due: datetime, *,
                       past: bool) -> None:
        await self.to_staff_chat(uow, ticket, self._wording.escalation(ticket, promise, due, past=past),
                                 Purpose.ESCALATION, f"escalate:{promise}:{int(due.timestamp())}")

    async def tell_customer_late(self, uow: UnitOfWork, ticket: Ticket, promise: str, due: datetime) -> None:
        await self.tell_customer(uow, ticket, f"late_{promise}", due=self._wording.moment(due),
                                 dedupe=f"late:{promise}:{int(due.timestamp())}")

    # The topic follows the ticket -------------------------------------------------------------------
    async def close_topic(self, uow: UnitOfWork, ticket: Ticket, staff_name: str) -> None:
        """Resolved: a note into the ticket's topic, then the topic closed (forum staff chat only)."""
        if await self._has_topic(uow, ticket):
            turn = await uow.outbox.topic_changes(ticket.id) + 1
            await self.to_ticket_thread(uow, ticket, self._wording.topic_closed(ticket, staff_name),
                                        Purpose.TOPIC_STATE, f"topic-state:{turn}:note")
            await self.to_ticket_thread(uow, ticket, CloseTopic(ticket.id), Purpose.TOPIC_STATE,
                                        f"topic-state:{turn}:close")

    async def reopen_topic(self, uow: UnitOfWork, ticket: Ticket, staff_name: str) -> None:
        """Reopened: the ticket's topic opened again first, then a note into it."""
        if await self._has_topic(uow, ticket):
            # Numbered after the earlier changes: unique keys even for resolve, reopen and resolve again
            # within one second.
            turn = await uow.outbox.topic_changes(ticket.id) + 1
            await self.to_ticket_thread(uow, ticket, ReopenTopic(ticket.id), Purpose.TOPIC_STATE,
                                        f"topic-state:{turn}:reopen")
            await self.to_ticket_thread(uow, ticket, self._wording.topic_reopened(ticket, staff_name),
                                        Purpose.TOPIC_STATE, f"topic-state:{turn}:note")

    # Delivery results (hooks of bot.services.outbox.DeliveryHooks) -----------------------------------
    async def topic_opened(self, uow: UnitOfWork, delivered: Delivered) -> None:
        """The ticket's topic exists: remember its thread, release what waited for it, in order."""
        ticket = await self._delivered_for(uow, delivered)
        if ticket is None:
            return
        thread = delivered.thread_id
        if thread is None:
            log.error("topic for ticket %s opened without a thread id: %r", ticket.number, delivered.result)
            return
        ticket.staff_chat_id, ticket.staff_thread_id = delivered.chat_id, thread
        await uow.flush()
        await uow.outbox.release_held(ticket.id, thread_id=thread, now=self._clock.now())

    async def card_sent(self, uow: UnitOfWork, delivered: Delivered) -> None:
        """The card is in the staff chat: a staff reply to it is a reply to the ticket."""
        ticket = await self._delivered_for(uow, delivered)
        if ticket is not None and ticket.staff_card_message_id is None:
            ticket.staff_card_message_id = delivered.first_message_id

    async def release_orphaned_holds(self, uow: UnitOfWork) -> int:
        """Held rows of tickets whose topic can never be opened go to the staff chat without a thread."""
        released = 0
        for ticket_id in await uow.outbox.tickets_held_for_a_dead_topic():
            ticket = await uow.tickets.lock(ticket_id)
            if ticket is not None and ticket.staff_thread_id is None:
                released += await uow.outbox.release_held(ticket.id, thread_id=None, now=self._clock.now())
        if released:
            log.warning("released %s held staff messages without a topic (topic creation failed)", released)
        return released

    # Addresses ---------------------------------------------------------------------------------------
    async def to_ticket_thread(self, uow: UnitOfWork, ticket: Ticket, action: Action, purpose: OutboxPurpose,
                               key: str) -> None:
        """Into the ticket's topic (held until it exists), or the staff chat when not a forum."""
        chat = ticket.staff_chat_id or self._staff_chat
        if chat is None:
            return
        held = self._waits_for_topic(ticket) and await self._topic_status(uow, ticket) not in _NEVER_OPENS
        await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat, ticket.staff_thread_id), action,
                      purpose=purpose, ticket_id=ticket.id, dedupe_key=_key(ticket, key), held=held)

    async def to_staff_chat(self, uow: UnitOfWork, ticket: Ticket, action: Action, purpose: OutboxPurpose,
                            key: str) -> None:
        """Into the staff chat itself (the General topic of a forum): reminders and escalations."""
        chat = ticket.staff_chat_id or self._staff_chat
        if chat is not None:
            await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat), action,
                          purpose=purpose, ticket_id=ticket.id, dedupe_key=_key(ticket, key))

    async def to_customer(self, uow: UnitOfWork, ticket: Ticket, action: Action, purpose: OutboxPurpose,
                          key: str) -> None:
        await enqueue(uow, self._clock, Address(ticket.channel, ticket.chat_id), action,
                      purpose=purpose, ticket_id=ticket.id, dedupe_key=_key(ticket, key))

    @property
    def _staff_chat(self) -> str | None:
        chat = self._settings.staff_chat_id
        return None if chat is None else str(chat)

    def _waits_for_topic(self, ticket: Ticket) -> bool:
        return self._settings.staff_chat_is_forum and ticket.staff_thread_id is None

    async def _has_topic(self, uow: UnitOfWork, ticket: Ticket) -> bool:
        """The ticket has a forum topic, or one is being opened (rows to it are held until then)."""
        if not self._settings.staff_chat_is_forum:
            return False
        if ticket.staff_thread_id is not None:
            return True
        return await self._topic_status(uow, ticket) == OutboxStatus.PENDING

    async def _topic_status(self, uow: UnitOfWork, ticket: Ticket) -> OutboxStatus | None:
        topic = await uow.outbox.topic_of(ticket.id)
        return None if topic is None else topic.status

    async def _delivered_for(self, uow: UnitOfWork, delivered: Delivered) -> Ticket | None:
        return None if delivered.ticket_id is None else await uow.tickets.lock(delivered.ticket_id)


def _key(ticket: Ticket, key: str) -> str:
    return f"ticket:{ticket.id}:{key}"
