"""Translating Telegram updates into the core's `InboundEvent`s. Nothing else happens here.

| Telegram                                   | InboundEvent                                        |
|--------------------------------------------|-----------------------------------------------------|
| message / edited_message (private, group)  | text (or caption), contact, attachments; is_edit    |
| a reply-keyboard "cancel" button press     | text "/cancel" (the button can only send its label) |
| callback_query                             | button = callback data, as-is                       |
| a group admin posting as the group         | anonymous_admin, user_id = the group's id           |
| channel posts, messages without a sender   | nothing (None): the core has no one to answer       |
| media_group_id, forward_origin             | media_group_id, forwarded                           |

Names (first and last) lose control and format characters here (`clean_name`), before anything
stores or shows them.

An update is read by the Bot API's own field names, from whatever holds it: the plain JSON dict
Telegram sent (a webhook body), an aiogram object or a python-telegram-bot object. Both libraries
name their attributes after the API's fields (only `from` is `from_user`), so one translation serves
both channels and neither pays for converting its objects to dicts first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from bot.channels.bot_api import CHANNEL
from bot.domain.names import clean_name
from bot.messages.events import Attachment, AttachmentKind, InboundEvent, SharedContact


def field(item: Any, name: str) -> Any:
    """A Bot API field of a dict or of a library object; None when absent."""
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, "from_user" if name == "from" else name, None)


class UpdateTranslator:
    def __init__(self, cancel_labels: Iterable[str] = ()) -> None:
        self._cancel_labels = frozenset(label.strip() for label in cancel_labels if label.strip())

    def from_message(self, message: Any, update_id: int, *, is_edit: bool = False) -> InboundEvent | None:
        sender = field(message, "from")
        chat = field(message, "chat")
        kind = chat_kind(chat)
        if kind is None:
            return None
        anonymous = _posted_as_the_group(message, chat)
        if not anonymous and (sender is None or field(sender, "is_bot")):
            return None
        text = field(message, "text")
        if text is None:
            text = field(message, "caption")
        if kind == "private" and text is not None and text.strip() in self._cancel_labels:
            text = "/cancel"
        contact = None
        shared = field(message, "contact")
        if shared is not None:
            owner = field(shared, "user_id")
            contact = SharedContact(
                phone=field(shared, "phone_number"),
                user_id=str(owner) if owner is not None else None,
                first_name=field(shared, "first_name"),
                forwarded=field(message, "forward_origin") is not None,
            )
        attachments = attachments_of(message)
        if text is None and contact is None and not attachments:
            return None  # a service message (pinned, member joined, timer changed): nothing said
        replied = field(message, "reply_to_message")
        return InboundEvent(
            channel=CHANNEL,
            user_id=str(field(chat, "id") if anonymous else field(sender, "id")),
            chat_id=str(field(chat, "id")),
            text=text,
            contact=contact,
            attachments=attachments,
            thread_id=field(message, "message_thread_id") if field(message, "is_topic_message") else None,
            message_id=field(message, "message_id"),
            reply_to_message_id=field(replied, "message_id") if replied is not None else None,
            language_hint=None if anonymous else field(sender, "language_code"),
            display_name=_anonymous_name(message, chat) if anonymous else full_name(sender),
            event_key=str(update_id),
            chat_kind=kind,
            is_edit=is_edit,
            media_group_id=_opt_str(field(message, "media_group_id")),
            forwarded=is_forwarded(message),
            anonymous_admin=anonymous,
        )

    def from_callback(self, query: Any, update_id: int) -> InboundEvent | None:
        sender = field(query, "from")
        data = field(query, "data")
        if data is None or sender is None or field(sender, "is_bot"):
            return None  # a game button: nothing for the core
        message = field(query, "message")
        chat = field(message, "chat") if message is not None else None
        kind = chat_kind(chat) if chat is not None else "private"
        if kind is None:
            return None
        is_topic = bool(field(message, "is_topic_message")) if message is not None else False
        return InboundEvent(
            channel=CHANNEL,
            user_id=str(field(sender, "id")),
            chat_id=str(field(chat, "id") if chat is not None else field(sender, "id")),
            button=data,
            thread_id=field(message, "message_thread_id") if is_topic else None,
            message_id=field(message, "message_id") if message is not None else None,
            language_hint=field(sender, "language_code"),
            display_name=full_name(sender),
            event_key=str(update_id),
            chat_kind=kind,
        )


def full_name(user: Any) -> str | None:
    """First and last name, cleaned of control and format characters (a right-to-left override)."""
    parts = [field(user, "first_name"), field(user, "last_name")]
    return clean_name(" ".join(str(part) for part in parts if part))


def is_forwarded(message: Any) -> bool:
    """Forwarded from elsewhere (Bot API 7's forward_origin, or the older forward_* fields)."""
    return any(field(message, name) is not None
               for name in ("forward_origin", "forward_from", "forward_from_chat", "forward_date"))


def _posted_as_the_group(message: Any, chat: Any) -> bool:
    """An administrator wrote anonymously: `sender_chat` is the group itself (not a linked channel)."""
    sender_chat = field(message, "sender_chat")
    return (sender_chat is not None and chat_kind(chat) == "group"
            and field(sender_chat, "id") == field(chat, "id"))


def _anonymous_name(message: Any, chat: Any) -> str | None:
    """The custom title an anonymous admin signs with, else the group's title."""
    return clean_name(field(message, "author_signature") or field(chat, "title"))


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def chat_kind(chat: Any) -> Literal["private", "group"] | None:
    kind = field(chat, "type") if chat is not None else None
    if kind == "private":
        return "private"
    if kind in ("group", "supergroup"):
        return "group"
    return None  # channels


def attachments_of(message: Any) -> tuple[Attachment, ...]:
    """The file of a message, of the kind whose send method accepts its file id (file ids are typed:
    a GIF is an "animation" and a round video a "video_note", not a "video")."""
    photo = field(message, "photo")
    if photo:
        largest = max(photo, key=_photo_size)
        size = field(largest, "file_size")
        return (Attachment("photo", field(largest, "file_id"), None, "image/jpeg", size),)
    for kind, mime in _FILES:
        item = field(message, kind)
        if item is not None:
            name = field(item, "file_name") if kind in _NAMED else None
            mime_type = mime or field(item, "mime_type")
            return (Attachment(kind, field(item, "file_id"), name, mime_type, field(item, "file_size")),)
    if field(message, "location") is not None or field(message, "venue") is not None:
        return (Attachment("location"),)
    if any(field(message, name) is not None for name in _OTHER_CONTENT):
        return (Attachment("other"),)
    return ()


def _photo_size(photo: Any) -> tuple[int, int]:
    return field(photo, "file_size") or 0, field(photo, "width") * field(photo, "height")


# In this order: an animation before the document Telegram also sets on it. (kind, fixed MIME type)
_FILES: tuple[tuple[AttachmentKind, str | None], ...] = (
    ("sticker", None), ("voice", None), ("video", None), ("video_note", "video/mp4"), ("audio", None),
    ("animation", None), ("document", None),
)
_NAMED = frozenset({"video", "audio", "animation", "document"})
_OTHER_CONTENT = ("poll", "dice", "game", "story", "invoice", "paid_media", "checklist")


_SEQUENCED = ("message", "edited_message", "callback_query", "my_chat_member", "business_message",
              "edited_business_message", "inline_query", "chosen_inline_result", "chat_member",
              "chat_join_request", "pre_checkout_query", "shipping_query", "poll_answer")


def sequence_key(update: Any) -> str:
    """Whose turn an update waits for: the user behind it, else the chat, else the update itself."""
    for name in _SEQUENCED:
        item = field(update, name)
        if item is None:
            continue
        sender = field(item, "from") or field(item, "user")
        if sender is not None:
            return f"user:{field(sender, 'id')}"
        chat = field(item, "chat")
        if chat is not None:
            return f"chat:{field(chat, 'id')}"
    for name in ("channel_post", "edited_channel_post"):
        item = field(update, name)
        if item is not None:
            return f"chat:{field(field(item, 'chat'), 'id')}"
    return f"update:{field(update, 'update_id')}"
