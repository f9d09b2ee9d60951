"""What the conversation core asks a channel to do. Texts are Telegram-style HTML, already escaped.

Actions are plain data: the same objects are returned for the chat being answered and serialised into
the outbox for messages that must arrive later (staff notifications, confirmations, reminders).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from bot.messages.events import Attachment

CALLBACK_DATA_MAX_BYTES = 64


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"button data must be 1-64 bytes, got {size}: {self.data!r}")


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendText:
    text: str
    buttons: Keyboard = ()
    remove_reply_keyboard: bool = False


@dataclass(frozen=True)
class RequestContact:
    """Ask for the user's own phone through the channel's trusted contact-sharing button."""

    text: str
    button_label: str
    cancel_label: str


@dataclass(frozen=True)
class SendDocument:
    file_name: str
    content: bytes
    caption: str | None = None


@dataclass(frozen=True)
class SendAttachment:
    """Send on a file the channel already holds (a customer's photo relayed to staff, or back)."""

    attachment: Attachment
    caption: str | None = None


@dataclass(frozen=True)
class OpenTopic:
    """Open a forum topic in the staff chat; the channel reports the new thread id back."""

    name: str
    ticket_id: int


@dataclass(frozen=True)
class CloseTopic:
    """Close the ticket's forum topic (the row's thread); only administrators can write in it then."""

    ticket_id: int


@dataclass(frozen=True)
class ReopenTopic:
    """Reopen the ticket's closed forum topic (the row's thread)."""

    ticket_id: int


@dataclass(frozen=True)
class SendEmail:
    to: str
    subject: str
    body: str


Action = (
    SendText | RequestContact | SendDocument | SendAttachment
    | OpenTopic | CloseTopic | ReopenTopic
    | SendEmail
)


@dataclass(frozen=True)
class Address:
    """Where an outbox message goes: a channel, a chat and optionally a thread within it."""

    channel: str
    chat_id: str
    thread_id: int | None = None


@dataclass(frozen=True)
class Delivery:
    address: Address
    action: Action
    options: dict[str, Any] = field(default_factory=dict)


def action_to_payload(action: Action) -> dict[str, Any]:
    """Serialise an action for the outbox (JSON-safe)."""
    if isinstance(action, SendText):
        return {
            "kind": "text",
            "text": action.text,
            "buttons": [[[b.label, b.data] for b in row] for row in action.buttons],
            "remove_reply_keyboard": action.remove_reply_keyboard,
        }
    if isinstance(action, RequestContact):
        return {
            "kind": "request_contact",
            "text": action.text,
            "button_label": action.button_label,
            "cancel_label": action.cancel_label,
        }
    if isinstance(action, SendDocument):
        return {
            "kind": "document",
            "file_name": action.file_name,
            "caption": action.caption,
            "content_b64": base64.b64encode(action.content).decode("ascii"),
        }
    if isinstance(action, SendAttachment):
        return {"kind": "attachment", "attachment": action.attachment.to_dict(), "caption": action.caption}
    if isinstance(action, OpenTopic):
        return {"kind": "open_topic", "name": action.name, "ticket_id": action.ticket_id}
    if isinstance(action, CloseTopic):
        return {"kind": "close_topic", "ticket_id": action.ticket_id}
    if isinstance(action, ReopenTopic):
        return {"kind": "reopen_topic", "ticket_id": action.ticket_id}
    if isinstance(action, SendEmail):
        return {"kind": "email", "to": action.to, "subject": action.subject, "body": action.body}
    raise TypeError(f"not an action: {action!r}")


def action_from_payload(payload: dict[str, Any]) -> Action:
    kind = payload.get("kind")
    if kind == "text":
        rows = tuple(tuple(Button(label, data) for label, data in row) for row in payload.get("buttons", []))
        return SendText(payload["text"], rows, bool(payload.get("remove_reply_keyboard")))
    if kind == "request_contact":
        return RequestContact(payload["text"], payload["button_label"], payload["cancel_label"])
    if kind == "document":
        return SendDocument(
            payload["file_name"], base64.b64decode(payload["content_b64"]), payload.get("caption")
        )
    if kind == "attachment":
        return SendAttachment(Attachment.from_dict(payload["attachment"]), payload.get("caption"))
    if kind == "open_topic":
        return OpenTopic(payload["name"], int(payload["ticket_id"]))
    if kind == "close_topic":
        return CloseTopic(int(payload["ticket_id"]))
    if kind == "reopen_topic":
        return ReopenTopic(int(payload["ticket_id"]))
    if kind == "email":
        return SendEmail(payload["to"], payload["subject"], payload["body"])
    raise ValueError(f"unknown outbox payload kind {kind!r}")
