"""What the conversation core asks a channel to do. Texts are Telegram-style HTML, already escaped.

Actions are plain data: the same objects are returned for the chat being answered and serialised into
the outbox for messages that must arrive later (staff notifications, confirmations, reminders).

Every text that comes from the catalogue is recorded with its `wording` (`bot.messages.wording`): the
keys and slots it was rendered from, kept through the outbox, never sent. `SendText` and
`RequestContact` take it from their text when that is catalogue `Markup`; a button label or a caption,
plain text by the time it is made, is given it explicitly (`Button.labelled`, `wording=`).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import Any

from bot.messages.events import Attachment
from bot.messages.wording import Wording, wordings_of

#: What a text was rendered from, in order: () for text that did not come from the catalogue.
Wordings = tuple[Wording, ...]

CALLBACK_DATA_MAX_BYTES = 64


@dataclass(frozen=True)
class Button:
    label: str
    data: str
    wording: Wordings = ()

    def __post_init__(self) -> None:
        size = len(self.data.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_MAX_BYTES:
            raise ValueError(f"button data must be 1-64 bytes, got {size}: {self.data!r}")

    @classmethod
    def labelled(cls, text: str, data: str) -> Button:
        """A button labelled with catalogue text: labels are plain text on every channel, so the
        markup is unescaped, and its wording kept."""
        return cls(html.unescape(str(text)), data, wordings_of(text))


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class SendText:
    text: str
    buttons: Keyboard = ()
    remove_reply_keyboard: bool = False
    #: what `text` was rendered from; taken from `text` itself when it is catalogue markup
    wording: Wordings = ()

    def __post_init__(self) -> None:
        if not self.wording:
            object.__setattr__(self, "wording", wordings_of(self.text))


@dataclass(frozen=True)
class RequestContact:
    """Ask for the user's own phone through the channel's trusted contact-sharing button."""

    text: str
    button_label: str
    cancel_label: str
    #: what `text` was rendered from (the labels are the catalogue's two fixed buttons)
    wording: Wordings = ()

    def __post_init__(self) -> None:
        if not self.wording:
            object.__setattr__(self, "wording", wordings_of(self.text))


@dataclass(frozen=True)
class SendDocument:
    file_name: str
    content: bytes
    caption: str | None = None
    wording: Wordings = ()  # of the caption


@dataclass(frozen=True)
class SendAttachment:
    """Send on a file the channel already holds (a customer's photo relayed to staff, or back)."""

    attachment: Attachment
    caption: str | None = None
    wording: Wordings = ()  # of the caption


@dataclass(frozen=True)
class OpenTopic:
    """Open a forum topic in the staff chat; the channel reports the new thread id back."""

    name: str
    ticket_id: int
    wording: Wordings = ()  # of the name


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
    wording: Wordings = ()  # of the subject, then of the body


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
    """Serialise an action for the outbox (JSON-safe); a wording is written only when there is one."""
    payload = _payload(action)
    if wording := wording_of(action):
        payload["wording"] = [w.to_dict() for w in wording]
    return payload


def wording_of(action: Action) -> Wordings:
    """What an action's text was rendered from; () for an action without text."""
    return () if isinstance(action, CloseTopic | ReopenTopic) else action.wording


def _payload(action: Action) -> dict[str, Any]:
    if isinstance(action, SendText):
        return {
            "kind": "text",
            "text": action.text,
            "buttons": [[_button_to_payload(b) for b in row] for row in action.buttons],
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
    wording = tuple(Wording.from_dict(item) for item in payload.get("wording") or ())
    if kind == "text":
        rows = tuple(tuple(_button_from_payload(b) for b in row) for row in payload.get("buttons", []))
        return SendText(payload["text"], rows, bool(payload.get("remove_reply_keyboard")), wording)
    if kind == "request_contact":
        return RequestContact(payload["text"], payload["button_label"], payload["cancel_label"], wording)
    if kind == "document":
        return SendDocument(
            payload["file_name"], base64.b64decode(payload["content_b64"]), payload.get("caption"), wording
        )
    if kind == "attachment":
        return SendAttachment(Attachment.from_dict(payload["attachment"]), payload.get("caption"), wording)
    if kind == "open_topic":
        return OpenTopic(payload["name"], int(payload["ticket_id"]), wording)
    if kind == "close_topic":
        return CloseTopic(int(payload["ticket_id"]))
    if kind == "reopen_topic":
        return ReopenTopic(int(payload["ticket_id"]))
    if kind == "email":
        return SendEmail(payload["to"], payload["subject"], payload["body"], wording)
    raise ValueError(f"unknown outbox payload kind {kind!r}")


def _button_to_payload(button: Button) -> list[Any]:
    """[label, data], and the label's wording third when it has one (rows written before it had
    wordings are pairs)."""
    if not button.wording:
        return [button.label, button.data]
    return [button.label, button.data, [w.to_dict() for w in button.wording]]


def _button_from_payload(item: list[Any]) -> Button:
    label, data, *rest = item
    wording = tuple(Wording.from_dict(w) for w in rest[0]) if rest else ()
    return Button(label, data, wording)
