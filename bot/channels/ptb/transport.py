"""Performing the shared `Call`s with python-telegram-bot, its errors turned into the sender's.

| python-telegram-bot error               | Transport error |
|-----------------------------------------|-----------------|
| RetryAfter (429)                        | FloodWait       |
| Forbidden (403)                         | Blocked         |
| BadRequest, InvalidToken, other errors  | Rejected        |
| TimedOut, NetworkError (incl. 5xx)      | Unavailable     |

BadRequest is a NetworkError in python-telegram-bot, so it is told apart first.
"""

from __future__ import annotations

import datetime as dt
import warnings

from telegram import Bot, ForumTopic, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.bot_api.rendering import Call
from bot.channels.bot_api.sender import Blocked, FloodWait, Rejected, Sent, Unavailable
from bot.channels.ptb.rendering import to_call

_NOTHING = Sent()


class PtbTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def perform(self, call: Call) -> Sent:
        try:
            result = await to_call(self.bot, call)
        except RetryAfter as exc:
            with warnings.catch_warnings():  # v22 warns that it becomes a timedelta: seconds() takes both
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                after = seconds(exc.retry_after)
            raise FloodWait(after) from None
        except Forbidden as exc:
            raise Blocked(str(exc)) from None
        except BadRequest as exc:
            raise Rejected(str(exc)) from None
        except NetworkError as exc:  # TimedOut, connection errors, 5xx answers
            raise Unavailable(repr(exc)) from None
        except TelegramError as exc:
            raise Rejected(str(exc)) from None
        if isinstance(result, Message):
            return Sent(message_id=result.message_id, chat_id=result.chat.id)
        if isinstance(result, ForumTopic):
            return Sent(thread_id=result.message_thread_id)
        return _NOTHING

    async def close(self) -> None:
        await self.bot.shutdown()


def seconds(value: int | float | dt.timedelta) -> float:
    """retry_after is a number of seconds, or a timedelta once PTB_TIMEDELTA is set."""
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
