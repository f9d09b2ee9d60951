"""Turning the core's actions into Bot API calls: method names and parameters as the Bot API
documents them, with markup and uploads as small values each library turns into its own objects
(`InlineMarkup`, `ContactMarkup`, `RemoveMarkup`, `Upload`). Nothing is sent here.

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
from typing import Any

from bot.channels.bot_api.splitting import split_html, units
from bot.messages import actions as core
from bot.messages.actions import Action, Address, Keyboard

HTML = "HTML"
CAPTION_LIMIT = 1024
TOPIC_NAME_LIMIT = 128
# Kinds whose send method has no caption parameter (sendSticker, sendVideoNote).
UNCAPTIONED_KINDS = frozenset({"sticker", "video_note"})


@dataclass(frozen=True)
class InlineMarkup:
    """Inline buttons (reply_markup); hashable, so each library builds its object once per keyboard."""

    buttons: Keyboard


@dataclass(frozen=True)
class ContactMarkup:
    """A one-time reply keyboard: share the phone contact, or cancel."""

    share_label: str
    cancel_label: str


@dataclass(frozen=True)
class RemoveMarkup:
    """ReplyKeyboardRemove."""


@dataclass(frozen=True)
class NoPreview:
    """link_preview_options with previews disabled."""


@dataclass(frozen=True)
class Upload:
    """A file sent from memory (multipart upload)."""

    file_name: str
    content: bytes


Markup = InlineMarkup | ContactMarkup | RemoveMarkup


@dataclass(frozen=True)
class Call:
    """One Bot API call; `then_keyboard` is attached to the sent message afterwards
    (editMessageReplyMarkup). Parameters that are None are left out by both libraries."""

    method: str
    params: dict[str, Any]
    is_message: bool = True  # counts against Telegram's message limits
    then_keyboard: InlineMarkup | None = None


REMOVE = RemoveMarkup()
NO_PREVIEW = NoPreview()


class NotForTelegram(Exception):
    """The action belongs to another channel (an email)."""


def render(action: Action, address: Address) -> list[Call]:
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


def render_one(action: Action, address: Address) -> list[Call]:
    """The calls of an action that sends at most one message (a part from `one_message_each`)."""
    chat_id = _chat_id(address.chat_id)
    thread = address.thread_id
    if isinstance(action, core.SendText):
        keyboard = inline_keyboard(action.buttons)
        if action.remove_reply_keyboard and keyboard is not None:
            # One message cannot both remove the reply keyboard and carry inline buttons.
            return [Call("sendMessage", _text(chat_id, thread, action.text, REMOVE), then_keyboard=keyboard)]
        markup: Markup | None = REMOVE if action.remove_reply_keyboard else keyboard
        return [Call("sendMessage", _text(chat_id, thread, action.text, markup))]
    if isinstance(action, core.RequestContact):
        contact_keyboard = ContactMarkup(action.button_label, action.cancel_label)
        return [Call("sendMessage", _text(chat_id, thread, action.text, contact_keyboard))]
    if isinstance(action, core.SendDocument):
        return [Call("sendDocument", {"chat_id": chat_id, "message_thread_id": thread,
                                      "document": Upload(action.file_name, action.content),
                                      **_caption(action.caption)})]
    if isinstance(action, core.SendAttachment):
        call = _attachment(chat_id, thread, action)
        return [call] if call is not None else []
    if isinstance(action, core.OpenTopic):
        return [Call("createForumTopic", {"chat_id": chat_id, "name": action.name[:TOPIC_NAME_LIMIT]},
                     is_message=False)]
    if isinstance(action, core.CloseTopic | core.ReopenTopic):
        if thread is None:
            return []
        method = "closeForumTopic" if isinstance(action, core.CloseTopic) else "reopenForumTopic"
        return [Call(method, {"chat_id": chat_id, "message_thread_id": thread}, is_message=False)]
    if isinstance(action, core.SendEmail):
        raise NotForTelegram("an email is not delivered through Telegram")
    raise TypeError(f"not an action: {action!r}")


def inline_keyboard(buttons: Keyboard) -> InlineMarkup | None:
    """The inline keyboard for the buttons; None for none (or only empty rows)."""
    rows = tuple(row for row in buttons if row)
    return InlineMarkup(rows) if rows else None


def keyboard_json(markup: InlineMarkup) -> list[list[dict[str, str]]]:
    """The inline_keyboard field as the Bot API spells it."""
    return [[{"text": b.label, "callback_data": b.data} for b in row] for row in markup.buttons]


def _text(chat_id: int | str, thread: int | None, text: str, markup: Markup | None) -> dict[str, Any]:
    return {"chat_id": chat_id, "message_thread_id": thread, "text": text, "parse_mode": HTML,
            "reply_markup": markup, "link_preview_options": NO_PREVIEW}


def _caption(caption: str | None) -> dict[str, Any]:
    return {"caption": caption, "parse_mode": HTML if caption else None}


def _words_only(action: core.SendDocument | core.SendAttachment) -> bool:
    """A location or unknown content: there is no file to pass on, only the words."""
    return isinstance(action, core.SendAttachment) and action.attachment.file_id is None


def _carries_caption(action: core.SendDocument | core.SendAttachment) -> bool:
    """Stickers and round videos take no caption; their words go as a message after them."""
    return not _words_only(action) and not (
        isinstance(action, core.SendAttachment) and action.attachment.kind in UNCAPTIONED_KINDS
    )


# Kind → (method, the parameter that carries the file id). Any other kind goes as a document.
_SEND_FILE = {
    "photo": ("sendPhoto", "photo"), "voice": ("sendVoice", "voice"), "video": ("sendVideo", "video"),
    "animation": ("sendAnimation", "animation"), "video_note": ("sendVideoNote", "video_note"),
    "audio": ("sendAudio", "audio"), "sticker": ("sendSticker", "sticker"),
}


def _attachment(chat_id: int | str, thread: int | None, action: core.SendAttachment) -> Call | None:
    attachment = action.attachment
    if attachment.file_id is None:
        return None
    method, name = _SEND_FILE.get(attachment.kind, ("sendDocument", "document"))
    params: dict[str, Any] = {"chat_id": chat_id, "message_thread_id": thread, name: attachment.file_id}
    if attachment.kind not in UNCAPTIONED_KINDS:
        params.update(_caption(action.caption))
    return Call(method, params)


def _chat_id(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id
