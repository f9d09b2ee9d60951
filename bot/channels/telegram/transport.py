"""Performing the shared `Call`s with aiogram, its errors turned into the sender's (sender.py).

| aiogram error                           | Transport error |
|-----------------------------------------|-----------------|
| TelegramRetryAfter (429)                | FloodWait       |
| TelegramForbiddenError (403)            | Blocked         |
| TelegramNetworkError / ServerError (5xx)| Unavailable     |
| any other TelegramAPIError (400, ...)   | Rejected        |
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ForumTopic, Message

from bot.channels.bot_api.rendering import Call
from bot.channels.bot_api.sender import Blocked, FloodWait, Rejected, Sent, Unavailable
from bot.channels.telegram.rendering import to_method

_NOTHING = Sent()


class AiogramTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def perform(self, call: Call) -> Sent:
        try:
            result = await self.bot(to_method(call))
        except TelegramRetryAfter as exc:
            raise FloodWait(float(exc.retry_after)) from None
        except TelegramForbiddenError as exc:
            raise Blocked(str(exc)) from None
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise Unavailable(repr(exc)) from None
        except TelegramAPIError as exc:
            raise Rejected(str(exc)) from None
        if isinstance(result, Message):
            return Sent(message_id=result.message_id, chat_id=result.chat.id)
        if isinstance(result, ForumTopic):
            return Sent(thread_id=result.message_thread_id)
        return _NOTHING

    async def close(self) -> None:
        await self.bot.session.close()
