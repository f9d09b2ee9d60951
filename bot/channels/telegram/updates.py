"""Translating Telegram updates into the core's `InboundEvent`s. Nothing else happens here.

| Telegram                                   | InboundEvent                                        |
|--------------------------------------------|-----------------------------------------------------|
| message / edited_message (private, group)  | text (or caption), contact, attachments; is_edit    |
| a reply-keyboard "cancel" button press     | text "/cancel" (the button can only send its label) |
| callback_query                             | button = callback data, as-is                       |
| channel posts, messages without a sender   | nothing (None): the core has no one to answer       |
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from aiogram.types import CallbackQuery, Chat, Message

from bot.channels.telegram import CHANNEL
from bot.messages.events import Attachment, InboundEvent, SharedContact


class UpdateTranslator:
    def __init__(self, cancel_labels: Iterable[str] = ()) -> None:
        self._cancel_labels = frozenset(label.strip() for label in cancel_labels if label.strip())

    def from_message(self, message: Message, update_id: int, *, is_edit: bool = False) -> InboundEvent | None:
        sender = message.from_user
        kind = chat_kind(message.chat)
        if sender is None or sender.is_bot or kind is None:
            return None
        text = message.text if message.text is not None else message.caption
        if kind == "private" and text is not None and text.strip() in self._cancel_labels:
            text = "/cancel"
        contact = None
        if message.contact is not None:
            owner = message.contact.user_id
            contact = SharedContact(
                phone=message.contact.phone_number,
                user_id=str(owner) if owner is not None else None,
                first_name=message.contact.first_name,
            )
        attachments = attachments_of(message)
        if text is None and contact is None and not attachments:
            return None  # a service message (pinned, member joined, timer changed): nothing said
        return InboundEvent(
            channel=CHANNEL,
            user_id=str(sender.id),
            chat_id=str(message.chat.id),
            text=text,
            contact=contact,
            attachments=attachments,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            message_id=message.message_id,
            reply_to_message_id=message.reply_to_message.message_id if message.reply_to_message else None,
            language_hint=sender.language_code,
            display_name=sender.first_name,
            event_key=str(update_id),
            chat_kind=kind,
            is_edit=is_edit,
        )

    def from_callback(self, query: CallbackQuery, update_id: int) -> InboundEvent | None:
        if query.data is None or query.from_user.is_bot:
            return None  # a game button: nothing for the core
        message = query.message
        chat = message.chat if message is not None else None
        kind = chat_kind(chat) if chat is not None else "private"
        if kind is None:
            return None
        is_topic = bool(getattr(message, "is_topic_message", False))
        return InboundEvent(
            channel=CHANNEL,
            user_id=str(query.from_user.id),
            chat_id=str(chat.id if chat is not None else query.from_user.id),
            button=query.data,
            thread_id=getattr(message, "message_thread_id", None) if is_topic else None,
            message_id=message.message_id if message is not None else None,
            language_hint=query.from_user.language_code,
            display_name=query.from_user.first_name,
            event_key=str(update_id),
            chat_kind=kind,
        )


def chat_kind(chat: Chat) -> Literal["private", "group"] | None:
    if chat.type == "private":
        return "private"
    if chat.type in ("group", "supergroup"):
        return "group"
    return None  # channels


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """The file of a message, of the kind whose send method accepts its file id (file ids are typed:
    a GIF is an "animation" and a round video a "video_note", not a "video")."""
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        return (Attachment("photo", largest.file_id, None, "image/jpeg", largest.file_size),)
    if message.sticker is not None:
        return (Attachment("sticker", message.sticker.file_id, None, None, message.sticker.file_size),)
    if message.voice is not None:
        voice = message.voice
        return (Attachment("voice", voice.file_id, None, voice.mime_type, voice.file_size),)
    if message.video is not None:
        video = message.video
        return (Attachment("video", video.file_id, video.file_name, video.mime_type, video.file_size),)
    if message.video_note is not None:
        note = message.video_note
        return (Attachment("video_note", note.file_id, None, "video/mp4", note.file_size),)
    if message.audio is not None:
        audio = message.audio
        return (Attachment("audio", audio.file_id, audio.file_name, audio.mime_type, audio.file_size),)
    if message.animation is not None:  # before the document Telegram also sets on an animation
        anim = message.animation
        return (Attachment("animation", anim.file_id, anim.file_name, anim.mime_type, anim.file_size),)
    if message.document is not None:
        doc = message.document
        return (Attachment("document", doc.file_id, doc.file_name, doc.mime_type, doc.file_size),)
    if message.location is not None or message.venue is not None:
        return (Attachment("location"),)
    if any(getattr(message, name, None) is not None for name in _OTHER_CONTENT):
        return (Attachment("other"),)
    return ()


_OTHER_CONTENT = ("poll", "dice", "game", "story", "invoice", "paid_media", "checklist")
