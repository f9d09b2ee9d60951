"""Turning the core's actions into Bot API calls (aiogram method objects). Nothing is sent here.

| action                 | calls                                                                   |
|------------------------|-------------------------------------------------------------------------|
| SendText               | sendMessage per part (split below 4096); inline keyboard on the last;   |
|                        | ReplyKeyboardRemove on the first when asked (with a keyboard on a       |
|                        | single part: editMessageReplyMarkup adds the inline keyboard after)     |
| RequestContact         | sendMessage with a one-time reply keyboard: share contact / cancel      |
| SendDocument           | sendDocument (caption over 1024 characters goes as a message after)     |
| SendAttachment         | sendPhoto / sendDocument / sendVoice / sendVideo / sendAnimation /      |
|                        | sendVideoNote / sendAudio / sendSticker by kind, using the file id      |
|                        | Telegram gave us (file ids are typed: a GIF goes by sendAnimation, a    |
|                        | round video by sendVideoNote); a sticker's or round video's caption,    |
|                        | which they cannot carry, goes as a message after them                   |
| OpenTopic / CloseTopic | createForumTopic / closeForumTopic (staff chat)                         |
| ReopenTopic            | reopenForumTopic (the row's thread; nothing without a thread)           |
| SendEmail              | nothing: not a Telegram action                                          |

Every text is Telegram HTML already escaped by the core; parse_mode is HTML everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from aiogram.methods import (
    CloseForumTopic,
    CreateForumTopic,
    ReopenForumTopic,
    SendAnimation,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVideo,
    SendVideoNote,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.telegram.splitting import split_html, units
from bot.messages import actions as core
from bot.messages.actions import Action, Address, Keyboard

HTML = "HTML"
CAPTION_LIMIT = 1024
TOPIC_NAME_LIMIT = 128
# Kinds whose send method has no caption parameter (sendSticker, sendVideoNote).
UNCAPTIONED_KINDS = frozenset({"sticker", "video_note"})
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Step:
    """One call; `then_keyboard` is attached to the sent message afterwards (editMessageReplyMarkup)."""

    method: TelegramMethod[Any]
    is_message: bool = True  # counts against Telegram's message limits
    then_keyboard: InlineKeyboardMarkup | None = None


class NotForTelegram(Exception):
    """The action belongs to another channel (an email)."""


def render(action: Action, address: Address) -> list[Step]:
    """Every call the action takes: one message per part (see `one_message_each`), then its calls."""
    return [step for part in one_message_each(action) for step in render_one(part, address)]


def one_message_each(action: Action) -> list[Action]:
    """The action as actions that each send one Telegram message (a text cut in parts, a caption
    that does not fit its file, or that the file cannot carry). Sent one by one, a failure part-way
    leaves only what was not sent yet to deliver later, and nothing is sent twice."""
    if isinstance(action, core.SendText):
        parts = split_html(action.text)
        if len(parts) == 1:
            return [action]
        first = [replace(action, text=parts[0], buttons=())]
        middle = [core.SendText(part) for part in parts[1:-1]]
        return [*first, *middle, core.SendText(parts[-1], action.buttons)]
    if isinstance(action, core.RequestContact):
        parts = split_html(action.text)
        return [*(core.SendText(part) for part in parts[:-1]), replace(action, text=parts[-1])]
    if (isinstance(action, core.SendDocument | core.SendAttachment) and action.caption
            and (units(action.caption) > CAPTION_LIMIT or not _carries_caption(action))):
        file = [] if _words_only(action) else [replace(action, caption=None)]
        return [*file, *one_message_each(core.SendText(action.caption))]
    return [action]


def render_one(action: Action, address: Address) -> list[Step]:
    """The calls of an action that sends at most one message (a part from `one_message_each`)."""
    chat_id = _chat_id(address.chat_id)
    thread = address.thread_id
    if isinstance(action, core.SendText):
        keyboard = inline_keyboard(action.buttons)
        if action.remove_reply_keyboard and keyboard is not None:
            # One message cannot both remove the reply keyboard and carry inline buttons.
            return [Step(_send(chat_id, thread, action.text, ReplyKeyboardRemove()), then_keyboard=keyboard)]
        markup: ReplyKeyboardRemove | InlineKeyboardMarkup | None = (
            ReplyKeyboardRemove() if action.remove_reply_keyboard else keyboard
        )
        return [Step(_send(chat_id, thread, action.text, markup))]
    if isinstance(action, core.RequestContact):
        contact_keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=action.button_label, request_contact=True)],
                [KeyboardButton(text=action.cancel_label)],
            ],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
        return [Step(_send(chat_id, thread, action.text, contact_keyboard))]
    if isinstance(action, core.SendDocument):
        document = BufferedInputFile(action.content, filename=action.file_name)
        return [Step(SendDocument(chat_id=chat_id, message_thread_id=thread, document=document,
                                  caption=action.caption, parse_mode=HTML if action.caption else None))]
    if isinstance(action, core.SendAttachment):
        method = _attachment(chat_id, thread, action)
        return [Step(method)] if method is not None else []
    if isinstance(action, core.OpenTopic):
        topic = CreateForumTopic(chat_id=chat_id, name=action.name[:TOPIC_NAME_LIMIT])
        return [Step(topic, is_message=False)]
    if isinstance(action, core.CloseTopic):
        if thread is None:
            return []
        return [Step(CloseForumTopic(chat_id=chat_id, message_thread_id=thread), is_message=False)]
    if isinstance(action, core.ReopenTopic):
        if thread is None:
            return []
        return [Step(ReopenForumTopic(chat_id=chat_id, message_thread_id=thread), is_message=False)]
    if isinstance(action, core.SendEmail):
        raise NotForTelegram("an email is not delivered through Telegram")
    raise TypeError(f"not an action: {action!r}")


def inline_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """The inline keyboard for the buttons; None for none.

    Built once per distinct keyboard: most replies end with one of a few keyboards ("talk to staff /
    main menu", the /privacy sections), and each aiogram object costs about 25 µs to construct
    (pydantic validation and private attributes), so three buttons cost about 100 µs a message.
    The markup is shared between messages and nothing changes it after it is built.
    """
    if not buttons:
        return None
    return _inline_keyboard(buttons)


@lru_cache(maxsize=512)
def _inline_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row]
                         for row in buttons if row]
    )


def _send(chat_id: int | str, thread: int | None, text: str, markup: Any) -> SendMessage:
    return SendMessage(chat_id=chat_id, message_thread_id=thread, text=text, parse_mode=HTML,
                       reply_markup=markup, link_preview_options=_NO_PREVIEW)


def _words_only(action: core.SendDocument | core.SendAttachment) -> bool:
    """A location or unknown content: there is no file to pass on, only the words."""
    return isinstance(action, core.SendAttachment) and action.attachment.file_id is None


def _carries_caption(action: core.SendDocument | core.SendAttachment) -> bool:
    """Stickers and round videos take no caption; their words go as a message after them."""
    return not _words_only(action) and not (
        isinstance(action, core.SendAttachment) and action.attachment.kind in UNCAPTIONED_KINDS
    )


def _attachment(chat_id: int | str, thread: int | None,
                action: core.SendAttachment) -> TelegramMethod[Any] | None:
    attachment = action.attachment
    file_id = attachment.file_id
    if file_id is None:
        return None
    common: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread}
    with_caption: dict[str, Any] = {**common, "caption": action.caption,
                                    "parse_mode": HTML if action.caption else None}
    if attachment.kind == "photo":
        return SendPhoto(photo=file_id, **with_caption)
    if attachment.kind == "voice":
        return SendVoice(voice=file_id, **with_caption)
    if attachment.kind == "video":
        return SendVideo(video=file_id, **with_caption)
    if attachment.kind == "animation":
        return SendAnimation(animation=file_id, **with_caption)
    if attachment.kind == "video_note":
        return SendVideoNote(video_note=file_id, **common)
    if attachment.kind == "audio":
        return SendAudio(audio=file_id, **with_caption)
    if attachment.kind == "sticker":
        return SendSticker(sticker=file_id, **common)
    return SendDocument(document=file_id, **with_caption)


def _chat_id(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
