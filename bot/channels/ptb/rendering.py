"""The shared Bot API calls (bot/channels/bot_api/rendering.py) as python-telegram-bot calls.

A call's method is the `Bot` coroutine of the same name in snake_case (sendMessage → send_message),
its parameters are the Bot API's own names, which python-telegram-bot keeps; markup and uploads
become its objects, each keyboard built once (most replies end with one of a few keyboards).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import cache, lru_cache
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.bot_api.library_values import LibraryValues, library_params
from bot.channels.bot_api.rendering import Call, ContactMarkup, InlineMarkup, Upload

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_REMOVE = ReplyKeyboardRemove()
_UPPER = re.compile(r"(?<!^)(?=[A-Z])")


def to_call(bot: Bot, call: Call) -> Awaitable[Any]:
    """The awaitable python-telegram-bot call that performs `call`."""
    method: Callable[..., Awaitable[Any]] = getattr(bot, snake_case(call.method))
    return method(**library_params(call.params, _PTB))


@cache
def snake_case(method: str) -> str:
    return _UPPER.sub("_", method).lower()


@lru_cache(maxsize=512)
def inline_markup(markup: InlineMarkup) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in markup.buttons]
    )


@lru_cache(maxsize=64)
def _contact_markup(markup: ContactMarkup) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(markup.share_label, request_contact=True)], [KeyboardButton(markup.cancel_label)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


def _upload(upload: Upload) -> InputFile:
    return InputFile(upload.content, filename=upload.file_name)


_PTB = LibraryValues(inline=inline_markup, contact=_contact_markup, upload=_upload, remove=_REMOVE,
                     no_preview=_NO_PREVIEW)
