"""What a privacy request's messages say, and where they go: its staff topic or card, the customer.

Everything goes through the outbox in the caller's unit of work, each row saying what it is for
(`OutboxPurpose.REQUEST_*`, reminders and escalations as for tickets) and which request it is about
(`request_id`); the dedupe key (`request:<id>:…`) only keeps a retried write from queueing it twice.

| message                                  | goes to                                  | purpose        |
|------------------------------------------|------------------------------------------|----------------|
| the topic of a new request (forum)       | the staff chat                           | request_topic  |
| its card, with the buttons               | its topic once opened; else the chat     | request_card   |
| what the customer did (withdrew)         | the request's topic (or the staff chat)  | request_notice |
| reminder before the due date, escalation | the staff chat itself                    | reminder, escalation |
| every status change staff made           | the customer's chat                      | request_notice |

With a forum, the card is written by the delivery hook of the topic (`topic_opened`), into the new
thread, so it never waits in a topic that does not exist. Notes written before the topic exists go
to the staff chat without a thread. Without a forum the card is sent at once and `card_sent` stores
its message id, so that a staff reply to the card reaches the request.

Wording lives in `privacy.toml` (`privacy.*` for the customer, `privacy.staff.*` for staff). Staff
read in DEFAULT_LANGUAGE, the customer in the language the request was made in. Whatever the
customer or staff typed is escaped by the catalogue's placeholders.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_phone
from bot.domain.privacy_request import RequestKind, RequestStatus
from bot.i18n import Catalog, Markup
from bot.messages.actions import Action, Address, Button, Keyboard, OpenTopic, SendText
from bot.messages.buttons import PrivacyListButton, RequestDeskAction, RequestDeskButton
from bot.messages.wording import join
from bot.services.outbox import Delivered, enqueue
from bot.services.privacy_requests.retention import items_for
from bot.services.ticket_rendering import format_moment, plain
from bot.storage.models import OutboxPurpose, PrivacyRequest
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STAFF_CHANNEL = "telegram"
TOPIC_NAME_MAX = 128
DETAILS_MAX = 1500
DESK_ACTIONS: tuple[RequestDeskAction, ...] = ("take", "complete", "extend", "refuse")


class RequestNotices:
    """Built once (`bot.bootstrap`); every method takes the unit of work of the change it reports."""

    def __init__(self, texts: Catalog, settings: Settings, clock: Clock) -> None:
        self._texts = texts
        self._settings = settings
        self._clock = clock
        self.staff_language: str = settings.default_language

    # Words -------------------------------------------------------------------------------------------
    def desk_text(self, key: str, /, **params: object) -> Markup:
        return self._texts.text(self.staff_language, f"privacy.staff.{key}", **params)

    def request_text(self, language: str, key: str, /, **params: object) -> Markup:
        return self._texts.text(language, f"privacy.{key}", **params)

    def kind_label(self, kind: str, language: str) -> Markup:
        return self._texts.text(language, f"privacy.kind.{RequestKind(kind).value}")

    def status_label(self, status: str, language: str) -> Markup:
        return self._texts.text(language, f"privacy.status.{RequestStatus(status).value}")

    def moment(self, value: datetime | None) -> str:
        return format_moment(value, self._settings)

    def due_basis(self, language: str) -> Markup:
        """What a due date shown to the customer rests on: the decree, and "working days" only when
        PRIVACY_DAYS_UNIT counts them (a calendar period is not called one of working days)."""
        return self.request_text(language, f"due_basis.{self._settings.privacy_days_unit}")

    def period_unit(self, language: str) -> Markup:
        """The word for the days of the periods and the extension ("ngày" / "ngày làm việc")."""
        return self.request_text(language, f"period_unit.{self._settings.privacy_days_unit}")

    def day(self, value: datetime | None) -> str:
        return "—" if value is None else value.astimezone(self._settings.zone).strftime("%d/%m/%Y")

    def items(self, kind: str, language: str) -> str:
        """What an erasure or objection deletes, stops and keeps, one line an item ("" for others)."""
        lines = []
        for item in items_for(RequestKind(kind)):
            ground = self.request_text(language, f"grounds.{item.ground}") if item.ground else ""
            what = self.request_text(language, f"items.{item.item}")
            lines.append(self.request_text(language, f"fate.{item.fate}", item=what, ground=ground))
        return join(lines) if lines else ""

    def topic_name(self, row: PrivacyRequest) -> str:
        name = plain(self.desk_text("topic_name", reference=row.reference,
                                     kind=self.kind_label(row.kind, self.staff_language)))
        return name[:TOPIC_NAME_MAX]

    def card_keyboard(self, row: PrivacyRequest) -> Keyboard:
        def button(action: RequestDeskAction) -> Button:
            label = plain(self.desk_text(f"button.{action}"))
            return Button(label, RequestDeskButton(action, row.id).pack())

        return ((button("take"), button("complete")), (button("extend"), button("refuse")))

    def card(self, row: PrivacyRequest, *, name: str, phone: str | None, verified: str) -> SendText:
        """The request's card for staff; `phone` is masked already."""
        details = str((row.details or {}).get("text") or "—")[:DETAILS_MAX]
        items = self.items(row.kind, self.staff_language)
        text = self.desk_text(
            "card", reference=row.reference, kind=self.kind_label(row.kind, self.staff_language),
            status=self.status_label(row.status, self.staff_language), name=name, phone=phone or "—",
            verified=verified, channel=row.channel, received=self.moment(row.received_at),
            respond_by=self.moment(row.respond_by), due=self.moment(row.due_at), details=details,
        )
        parts = [text, items, self.desk_text("hint")] if items else [text, self.desk_text("hint")]
        return SendText(join(parts), self.card_keyboard(row))

    def customer_list_keyboard(self, language: str) -> Keyboard:
        label = plain(self.request_text(language, "list_button"))
        return ((Button(label, PrivacyListButton().pack()),),)

    # Where it goes -----------------------------------------------------------------------------------
    @property
    def staff_chat(self) -> str | None:
        chat = self._settings.staff_chat_id
        return None if chat is None else str(chat)

    async def announce(self, uow: UnitOfWork, row: PrivacyRequest, *, name: str, phone: str | None,
                       verified: str) -> None:
        """The new request to staff: a topic whose hook posts the card, or the card itself."""
        chat = self.staff_chat
        if chat is None:
            log.warning("STAFF_CHAT_ID is not set: privacy request %s is recorded, and no staff chat sees it",
                        row.reference)
            return
        row.staff_chat_id = chat
        details = {"name": name, "phone": mask_phone(phone), "verified": verified}  # masked: kept
        row.details = {**(row.details or {}), "card": details}
        if self._settings.staff_chat_is_forum:
            topic = OpenTopic(self.topic_name(row), row.id)  # the action's id field names the request here
            await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat), topic,
                          purpose=OutboxPurpose.REQUEST_TOPIC, request_id=row.id,
                          dedupe_key=f"request:{row.id}:topic")
        else:
            await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat), self.card(row, **details),
                          purpose=OutboxPurpose.REQUEST_CARD, request_id=row.id,
                          dedupe_key=f"request:{row.id}:card")

    async def tell_desk(self, uow: UnitOfWork, row: PrivacyRequest, key: str, *, dedupe: str,
                         **params: object) -> None:
        """`privacy.staff.<key>` into the request's topic (or the staff chat)."""
        chat = row.staff_chat_id or self.staff_chat
        if chat is None:
            return
        text = SendText(self.desk_text(key, reference=row.reference, **params))
        await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat, row.staff_thread_id), text,
                      purpose=OutboxPurpose.REQUEST_NOTICE, request_id=row.id,
                      dedupe_key=f"request:{row.id}:staff:{dedupe}")

    async def to_staff_chat(self, uow: UnitOfWork, row: PrivacyRequest, action: Action,
                            purpose: OutboxPurpose, dedupe: str) -> None:
        chat = row.staff_chat_id or self.staff_chat
        if chat is not None:
            await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat), action, purpose=purpose,
                          request_id=row.id, dedupe_key=f"request:{row.id}:{dedupe}")

    async def tell_requester(self, uow: UnitOfWork, row: PrivacyRequest, key: str, *, dedupe: str,
                            **params: object) -> None:
        """`privacy.notice.<key>` to the chat the request came from, in its language."""
        if row.chat_id is None:
            return
        text = self.request_text(row.language, f"notice.{key}", reference=row.reference,
                                  kind=self.kind_label(row.kind, row.language),
                                  basis=self.due_basis(row.language), **params)
        await enqueue(uow, self._clock, Address(row.channel, row.chat_id),
                      SendText(text, self.customer_list_keyboard(row.language)),
                      purpose=OutboxPurpose.REQUEST_NOTICE, request_id=row.id,
                      dedupe_key=f"request:{row.id}:customer:{dedupe}")

    # Delivery hooks (bot.services.outbox.DeliveryHooks) ----------------------------------------------
    async def topic_opened(self, uow: UnitOfWork, delivered: Delivered) -> None:
        """The request's topic exists: remember its thread and post the card into it."""
        if delivered.request_id is None or delivered.thread_id is None:
            return
        row = await uow.privacy_requests.lock(delivered.request_id)
        if row is None:
            return
        chat = delivered.chat_id or row.staff_chat_id or self.staff_chat
        if chat is None:
            return
        row.staff_chat_id, row.staff_thread_id = chat, delivered.thread_id
        card = self.card(row, **dict((row.details or {}).get("card") or {}))
        await enqueue(uow, self._clock, Address(STAFF_CHANNEL, chat, row.staff_thread_id), card,
                      purpose=OutboxPurpose.REQUEST_CARD, request_id=row.id,
                      dedupe_key=f"request:{row.id}:card")

    async def card_sent(self, uow: UnitOfWork, delivered: Delivered) -> None:
        """The card is in the staff chat: a staff reply to it is about this request."""
        if delivered.request_id is None:
            return
        row = await uow.privacy_requests.get(delivered.request_id)
        if row is not None and row.staff_card_message_id is None:
            row.staff_card_message_id = delivered.first_message_id
