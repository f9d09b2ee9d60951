"""The shared Bot API calls (bot/channels/bot_api/rendering.py) as aiogram method objects.

Markup objects are built once per distinct keyboard: most replies end with one of a few keyboards
("talk to staff / main menu", the /privacy sections), and each aiogram object costs about 25 µs to
construct (pydantic validation and private attributes), so three buttons cost about 100 µs a message.
The markup is shared between messages and nothing changes it after it is built.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from aiogram import methods
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.channels.bot_api.library_values import LibraryValues, library_params
from bot.channels.bot_api.rendering import Call, ContactMarkup, InlineMarkup, Upload

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_REMOVE = ReplyKeyboardRemove()


def to_method(call: Call) -> TelegramMethod[Any]:
    """The aiogram method object of a call (its class is the method's name, capitalised)."""
    return _method_class(call.method)(**library_params(call.params, _AIOGRAM))


@cache
def _method_class(name: str) -> type[TelegramMethod[Any]]:
    return getattr(methods, name[0].upper() + name[1:])


@lru_cache(maxsize=512)
def inline_markup(markup: InlineMarkup) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=b.label, callback_data=b.data) for b in row]
                         for row in markup.buttons]
    )


@lru_cache(maxsize=64)
def _contact_markup(markup: ContactMarkup) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=markup.share_label, request_contact=True)],
                  [KeyboardButton(text=markup.cancel_label)]],
        one_time_keyboard=True,
        resize_keyboard=True,
    )


def _upload(upload: Upload) -> BufferedInputFile:
    return BufferedInputFile(upload.content, filename=upload.file_name)


_AIOGRAM = LibraryValues(inline=inline_markup, contact=_contact_markup, upload=_upload, remove=_REMOVE,
                         no_preview=_NO_PREVIEW)
