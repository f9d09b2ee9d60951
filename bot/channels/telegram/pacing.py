"""Polling that fetches no faster than the bot can answer.

Telegram's getUpdates answers at once when an update is waiting. Under load, a bot that polls again
as soon as it has handed out the last batch makes one Bot API round trip per update, each costing
about as much as the reply itself, for updates that then wait in memory behind the ones in hand
(and are lost with the process if it dies, since fetching them confirmed the previous batch).

`PollingPace` is a request middleware on the bot's session: before each getUpdates, while `busy_at`
or more updates are still in hand, it waits until fewer are or `max_delay` has passed. An idle bot
long-polls as before; a busy one fetches updates in batches. No update waits longer than `max_delay`
for the next poll, so one customer with a long queue cannot hold back the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import GetUpdates, Response, TelegramMethod

from bot.channels.bot_api.ordering import POLL_MAX_DELAY, UserSequencer

if TYPE_CHECKING:
    from aiogram import Bot




class PollingPace(BaseRequestMiddleware):
    def __init__(self, sequencer: UserSequencer, *, busy_at: int, max_delay: float = POLL_MAX_DELAY) -> None:
        self._sequencer = sequencer
        self._busy_at = busy_at
        self._max_delay = max_delay

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if isinstance(method, GetUpdates):
            await self._sequencer.wait_fewer_than(self._busy_at, self._max_delay)
        return await make_request(bot, method)
