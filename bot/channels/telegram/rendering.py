"""Turning the core's actions into Bot API calls (aiogram method objects). Nothing is sent here.

| action                 | calls                                                                   |
|------------------------|-------------------------------------------------------------------------|
| SendText               | sendMessage per part (split below 4096); inline keyboard on the last;   |
|                        | ReplyKeyboardRemove on the first when asked (with a keyboard on a       |
|                        | single part: editMessageReplyMarkup adds the inline keyboard after)     |
| RequestContact         | sendMessage with a one-time reply keyboard: share contact / cancel      |
| SendDocument           | sendDocument (caption over 1024 characters goes as a message after)     |
| SendAttachment         | sendPhoto / sendDocument / sendVoice / sendVideo / sendAudio /          |
|                        | sendSticker by kind, using the file id Telegram gave us                  |
| OpenTopic / CloseTopic | createForumTopic / closeForumTopic (staff chat)                         |
| ReopenTopic            | reopenForumTopic (the row's thread; nothing without a thread)           |
| SendEmail              | nothing: not a Telegram action                                          |

Every text is Telegram HTML already escaped by the core; parse_mode is HTML everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aiogram.methods import (
    CloseForumTopic,
    CreateForumTopic,
    ReopenForumTopic,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVideo,
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
from bot.dialogue import actions as core
from bot.dialogue.actions import Action, Address, Keyboard

HTML = "HTML"
CAPTION_LIMIT = 1024
TOPIC_NAME_LIMIT = 128
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
    chat_id = _chat_id(address.chat_id)
    thread = address.thread_id
    if isinstance(action, core.SendText):
        return _text(chat_id, thread, action.text, action.buttons, action.remove_reply_keyboard)
    if isinstance(action, core.RequestContact):
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text=action.button_label, request_contact=True)],
                [KeyboardButton(text=action.cancel_label)],
            ],
            one_time_keyboard=True,
            resize_keyboard=True,
        )
        return _messages(chat_id, thread, action.text, last_markup=keyboard)
    if isinstance(action, core.SendDocument):
        caption, rest = _caption(action.caption)
        document = BufferedInputFile(action.content, filename=action.file_name)
        steps = [Step(SendDocument(chat_id=chat_id, message_thread_id=thread, document=document,
                                   caption=caption, parse_mode=HTML if caption else None))]
        return steps + (_messages(chat_id, thread, rest) if rest else [])
    if isinstance(action, core.SendAttachment):
        return _attachment(chat_id, thread, action)
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


def one_message_each(action: Action) -> list[Action]:
    """The action as actions that each send one Telegram message (a text cut in parts, a caption
    too long for its file). Sent one by one, a failure part-way leaves only what was not sent yet
    to deliver later, and nothing is sent twice."""
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
    if isinstance(action, core.SendDocument | core.SendAttachment):
        _, rest = _caption(action.caption)
        if rest is not None:
            return [replace(action, caption=None), *one_message_each(core.SendText(rest))]
    return [action]


def inline_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row]
                         for row in buttons if row]
    )


def _text(chat_id: int | str, thread: int | None, text: str, buttons: Keyboard,
          remove_reply_keyboard: bool) -> list[Step]:
    keyboard = inline_keyboard(buttons)
    parts = split_html(text)
    if remove_reply_keyboard and keyboard is not None and len(parts) == 1:
        # One message cannot both remove the reply keyboard and carry inline buttons.
        return [Step(_send(chat_id, thread, parts[0], ReplyKeyboardRemove()), then_keyboard=keyboard)]
    first = ReplyKeyboardRemove() if remove_reply_keyboard else None
    return _messages(chat_id, thread, text, first_markup=first, last_markup=keyboard, parts=parts)


def _messages(chat_id: int | str, thread: int | None, text: str, *, first_markup: Any = None,
              last_markup: Any = None, parts: list[str] | None = None) -> list[Step]:
    parts = parts if parts is not None else split_html(text)
    steps = []
    for index, part in enumerate(parts):
        markup = last_markup if index == len(parts) - 1 else None
        if index == 0 and first_markup is not None:
            markup = markup or first_markup
        steps.append(Step(_send(chat_id, thread, part, markup)))
    return steps


def _send(chat_id: int | str, thread: int | None, text: str, markup: Any) -> SendMessage:
    return SendMessage(chat_id=chat_id, message_thread_id=thread, text=text, parse_mode=HTML,
                       reply_markup=markup, link_preview_options=_NO_PREVIEW)


def _attachment(chat_id: int | str, thread: int | None, action: core.SendAttachment) -> list[Step]:
    attachment = action.attachment
    caption, rest = _caption(action.caption)
    file_id = attachment.file_id
    common: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread}
    with_caption: dict[str, Any] = {**common, "caption": caption, "parse_mode": HTML if caption else None}
    method: TelegramMethod[Any] | None = None
    if file_id is not None:
        if attachment.kind == "photo":
            method = SendPhoto(photo=file_id, **with_caption)
        elif attachment.kind == "voice":
            method = SendVoice(voice=file_id, **with_caption)
        elif attachment.kind == "video":
            method = SendVideo(video=file_id, **with_caption)
        elif attachment.kind == "audio":
            method = SendAudio(audio=file_id, **with_caption)
        elif attachment.kind == "sticker":
            method = SendSticker(sticker=file_id, **common)
            rest = action.caption
        else:
            method = SendDocument(document=file_id, **with_caption)
    else:
        rest = action.caption  # a location or unknown content: only the words can be passed on
    steps = [Step(method)] if method is not None else []
    return steps + (_messages(chat_id, thread, rest) if rest else [])


def _caption(caption: str | None) -> tuple[str | None, str | None]:
    """A caption that fits, or none and the text to send as a message after."""
    if not caption:
        return None, None
    if units(caption) <= CAPTION_LIMIT:
        return caption, None
    return None, caption


def _chat_id(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
