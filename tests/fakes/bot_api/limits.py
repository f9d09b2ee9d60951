"""Length and format limits of Bot API strings that the spec states only in prose.

The machine-readable spec says "1-4096 characters after entities parsing" in a description; this
table hard-codes the well-known ones with the error text Telegram answers when they are broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TextLimit:
    min_len: int
    max_len: int | None
    error: str  # Telegram's description, after "Bad Request: "
    in_bytes: bool = False  # count UTF-8 bytes instead of characters
    parse_mode_field: str | None = None  # sibling field selecting HTML entity parsing
    pattern: re.Pattern[str] | None = None
    empty_error: str | None = None  # wording when the (stripped) text is empty

    def measure(self, text: str) -> int:
        return len(text.encode("utf-8")) if self.in_bytes else len(text)


_TEXT = TextLimit(
    1, 4096, "message is too long", parse_mode_field="parse_mode", empty_error="message text is empty"
)
_CAPTION = TextLimit(0, 1024, "message caption is too long", parse_mode_field="parse_mode")

# (method, field) -> limit, for method parameters. Method names as in the spec.
METHOD_LIMITS: dict[tuple[str, str], TextLimit] = {
    ("sendMessage", "text"): _TEXT,
    ("editMessageText", "text"): _TEXT,
    ("answerCallbackQuery", "text"): TextLimit(0, 200, "MESSAGE_TOO_LONG"),
    ("createForumTopic", "name"): TextLimit(1, 128, "TOPIC_NAME_INVALID"),
    ("editForumTopic", "name"): TextLimit(0, 128, "TOPIC_NAME_INVALID"),
    ("setMyName", "name"): TextLimit(0, 64, "BOT_NAME_INVALID"),
    ("setMyDescription", "description"): TextLimit(0, 512, "BOT_DESCRIPTION_INVALID"),
    ("setMyShortDescription", "short_description"): TextLimit(0, 120, "BOT_ABOUT_INVALID"),
}

# Field name -> limit for every method that has the field.
ANY_METHOD_LIMITS: dict[str, TextLimit] = {"caption": _CAPTION}

# (type, field) -> limit, for fields of objects (keyboards, commands, input media).
TYPE_LIMITS: dict[tuple[str, str], TextLimit] = {
    ("InlineKeyboardButton", "text"): TextLimit(
        1, None, "BUTTON_TEXT_INVALID", empty_error="BUTTON_TEXT_INVALID"
    ),
    ("InlineKeyboardButton", "callback_data"): TextLimit(1, 64, "BUTTON_DATA_INVALID", in_bytes=True),
    ("KeyboardButton", "text"): TextLimit(1, None, "BUTTON_TEXT_INVALID", empty_error="BUTTON_TEXT_INVALID"),
    ("BotCommand", "command"): TextLimit(1, 32, "BOT_COMMAND_INVALID", pattern=re.compile(r"[a-z0-9_]+")),
    ("BotCommand", "description"): TextLimit(
        1, 256, "BOT_COMMAND_DESCRIPTION_INVALID", empty_error="BOT_COMMAND_DESCRIPTION_INVALID"
    ),
    ("ReplyKeyboardMarkup", "input_field_placeholder"): TextLimit(1, 64, "INPUT_FIELD_PLACEHOLDER_INVALID"),
    ("ForceReply", "input_field_placeholder"): TextLimit(1, 64, "INPUT_FIELD_PLACEHOLDER_INVALID"),
}

# Field name -> limit for every object type that has the field (InputMedia* captions).
ANY_TYPE_LIMITS: dict[str, TextLimit] = {"caption": _CAPTION}
