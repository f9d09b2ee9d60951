"""What a ticket's messages say and look like: the staff card and its buttons, the topic name, the
relays both ways, the notes and notices, reminders, escalations and the complaints email.

Pure: a ticket in, an action out (`SendText`, `SendAttachment`, `SendEmail`); where it goes and
when is `bot.services.ticket_routing`'s job. Staff read the bot in one language (`staff_language`,
DEFAULT_LANGUAGE in the bot; the terminal desk's own with `--lang`); a customer in the language their
ticket was opened in. Everything the customer wrote is escaped by the catalogue's placeholders, so it
cannot format or inject markup into the staff chat. Captions are Telegram HTML like texts (escaped,
sent with parse_mode HTML: a name `<a href=…>` stays words, `Lan <3` does not break the caption);
topic names, button labels and the email are plain text. Names are shown cleaned of control and
format characters (`clean_name`), also those stored before names were cleaned; the card says
whether the customer is verified on a line of its own, before the name, so no name can stand in
for it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.config import Settings
from bot.domain.names import clean_name
from bot.domain.ticket_category import TicketKind
from bot.i18n import Catalog, Markup
from bot.messages.actions import Button, Keyboard, SendAttachment, SendEmail, SendText
from bot.messages.buttons import RATINGS, DeskAction, DeskButton, RatingButton, TicketStatusButton
from bot.messages.events import Attachment
from bot.messages.wording import wordings_of
from bot.storage.models import Ticket, TicketMessage

TOPIC_NAME_MAX = 128


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


def plain(text: str) -> str:
    """Catalogue markup as plain text (topic names, button labels, captions, the email)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class TicketRenderer:
    def __init__(self, texts: Catalog, settings: Settings, *, staff_language: str | None = None) -> None:
        self._texts = texts
        self._settings = settings
        self.staff_language: str = staff_language or settings.default_language

    # Words -------------------------------------------------------------------------------------------
    def staff_text(self, key: str, /, **params: object) -> Markup:
        return self._texts.text(self.staff_language, f"staff.{key}", **params)

    def staff_catalogue_text(self, key: str, /, **params: object) -> Markup:
        """Any catalogue text (`core.order_status.shipped`) in the staff's language."""
        return self._texts.text(self.staff_language, key, **params)

    def customer_text(self, ticket: Ticket, key: str, /, **params: object) -> Markup:
        return self._texts.text(ticket.language, f"complaints.{key}", **params)

    def category(self, ticket: Categorised, language: str | None = None) -> Markup:
        return category_label(self._texts, language or self.staff_language, ticket)

    def moment(self, value: datetime | None) -> str:
        return format_moment(value, self._settings)

    # For staff ---------------------------------------------------------------------------------------
    def topic_name(self, ticket: Ticket) -> str:
        name = plain(self.staff_text("topic_name", number=ticket.number, category=self.category(ticket)))
        return name[:TOPIC_NAME_MAX]

    def card_keyboard(self, ticket: Ticket) -> Keyboard:
        def button(key: str, action: DeskAction) -> Button:
            return Button(plain(self.staff_text(key)), DeskButton(action, ticket.id).pack())

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
            name=clean_name(ticket.customer_name) or self.staff_text("unknown_name"),
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
        subject = plain(self.staff_text("email_subject", **params))
        body = plain(self.staff_text(
            "email_body",
            **params,
            order=ticket.order_code or self.staff_text("no_order"),
            name=clean_name(ticket.customer_name) or self.staff_text("unknown_name"),
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

    def customer_message(self, ticket: Ticket, message: TicketMessage) -> SendText:
        """A customer's message as staff read it in the topic (or under the card)."""
        return SendText(self.staff_text("customer_message", name=self._author(ticket, message),
                                        number=ticket.number, text=message.text))

    def customer_digest(self, ticket: Ticket, messages: Sequence[TicketMessage]) -> SendText:
        """A customer's burst as one message for staff: every text, in order, and how many files."""
        texts = [m.text for m in messages if m.text]
        files = sum(len(m.attachments or []) for m in messages)
        name = self._author(ticket, messages[0]) if messages else self.staff_text("unknown_name")
        return SendText(self.staff_text("customer_digest", name=name, number=ticket.number,
                                        count=len(messages), text="\n".join(texts), files=files))

    def customer_file(self, ticket: Ticket, attachment: Attachment, *, name: str) -> SendAttachment:
        caption = self.staff_text("customer_attachment", name=clean_name(name) or
                                  self.staff_text("unknown_name"), number=ticket.number)
        return SendAttachment(attachment, str(caption), wordings_of(caption))

    def customer_files(self, ticket: Ticket, message: TicketMessage) -> list[SendAttachment]:
        return [self.customer_file(ticket, Attachment.from_dict(item), name=self._author(ticket, message))
                for item in message.attachments or []]

    def staff_notice(self, ticket: Ticket, key: str, /, **params: object) -> SendText:
        """A note for staff about the ticket (rated, commented): `staff.<key>`, with its number."""
        return SendText(self.staff_text(key, number=ticket.number, **params))

    def topic_closed(self, ticket: Ticket, staff_name: str) -> SendText:
        return SendText(self.staff_text("topic_closed", number=ticket.number, staff=staff_name))

    def topic_reopened(self, ticket: Ticket, staff_name: str) -> SendText:
        return SendText(self.staff_text("topic_reopened", number=ticket.number, staff=staff_name))

    def reminder(self, ticket: Ticket) -> SendText:
        text = self.staff_text("reminder", number=ticket.number, category=self.category(ticket),
                               due=self.moment(ticket.first_reply_due_at))
        return SendText(text, self.card_keyboard(ticket))

    def escalation(self, ticket: Ticket, promise: str, due: datetime, *, past: bool) -> SendText:
        text = self.staff_text(
            "escalation_past" if past else "escalation_near",
            number=ticket.number, category=self.category(ticket), what=self.staff_text(f"what_{promise}"),
            due=self.moment(due), assignee=ticket.assignee_name or self.staff_text("unassigned"),
        )
        return SendText(text, self.card_keyboard(ticket))

    def _author(self, ticket: Ticket, message: TicketMessage) -> str:
        name = clean_name(message.author_name) or clean_name(ticket.customer_name)
        return name or self.staff_text("unknown_name")

    # For the customer --------------------------------------------------------------------------------
    def customer_notice(self, ticket: Ticket, key: str, /, buttons: Keyboard = (),
                        **params: object) -> SendText:
        """`complaints.<key>` in the ticket's language, with its number."""
        return SendText(self.customer_text(ticket, key, number=ticket.number, **params), buttons)

    def staff_reply(self, ticket: Ticket, message: TicketMessage) -> SendText:
        text = self.customer_text(ticket, "staff_reply", number=ticket.number, text=message.text)
        return SendText(text, self.customer_keyboard(ticket))

    def staff_files(self, ticket: Ticket, message: TicketMessage) -> list[SendAttachment]:
        caption = self.customer_text(ticket, "staff_attachment", number=ticket.number)
        return [SendAttachment(Attachment.from_dict(item), str(caption), wordings_of(caption))
                for item in message.attachments or []]

    def customer_keyboard(self, ticket: Ticket) -> Keyboard:
        label = plain(self.customer_text(ticket, "status_button"))
        return ((Button(label, TicketStatusButton(ticket.id).pack()),),)

    def rating_keyboard(self, ticket: Ticket) -> Keyboard:
        return (tuple(
            Button(plain(self.customer_text(ticket, "rate_button", stars="⭐" * n)),
                   RatingButton(ticket.id, n).pack())
            for n in RATINGS
        ),)
