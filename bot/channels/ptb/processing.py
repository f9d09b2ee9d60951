"""Each update once, and one user's updates in order while different users are served concurrently.

python-telegram-bot's `Application` hands every update to its update processor in a task of its own,
the tasks started in the order the updates arrived. This processor takes the update's place in its
user's line (the shared `UserSequencer`) before anything suspends, so that order is kept, and skips
an update id seen moments ago (`RecentUpdates`); the conversation core still deduplicates by event
key in the database. The base class's semaphore is wide (MAX_CONCURRENT_UPDATES): below that, taking
it does not suspend, so `do_process_update` starts in arrival order too; the channel bounds the
turns in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channels.bot_api.ordering import RecentUpdates, UserSequencer
from bot.channels.bot_api.updates import sequence_key

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 4096  # tasks in hand at once; their order is the sequencer's business


class OrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, sequencer: UserSequencer, recent: RecentUpdates) -> None:
        super().__init__(MAX_CONCURRENT_UPDATES)
        self.sequencer = sequencer
        self._recent = recent

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update):
            if not self._recent.first_time(update.update_id):
                log.info("update %s seen moments ago: skipped", update.update_id)
                _discard(coroutine)
                return
            key = sequence_key(update)
        else:
            key = f"object:{id(update)}"
        async with self.sequencer.turn(key):
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _discard(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()  # never awaited on purpose: no "coroutine was never awaited" warning
