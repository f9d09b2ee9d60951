"""Each update once, and one user's updates in order while different users are served concurrently.

`UserSequencer.turn(key)` is an async context manager; the place in line is taken synchronously when
it is entered, so updates started in arrival order (aiogram's polling creates one task per update,
webhook requests arrive one by one) are processed in that order for the same key. `RecentUpdates` is
a small LRU of update ids that skips obvious duplicates before any database work; the conversation
core still deduplicates by event key in the database, across restarts and instances.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# Seconds a poll may be held back while the bot is busy (bot/channels/telegram/pacing.py says why):
# both channels fetch updates in batches under load, none waiting longer than this for the next poll.
POLL_MAX_DELAY = 0.1
BUSY_UPDATES_PER_TURN = 4  # "busy": this many updates in hand per turn the channel runs at once


class UserSequencer:
    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._below: list[tuple[int, asyncio.Future[None]]] = []  # (count, woken when active < count)

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        previous = self._tails.get(key)
        mine: asyncio.Future[None] = loop.create_future()
        self._tails[key] = mine  # taken before any await: the order of arrival is kept
        self._active += 1
        self._idle.clear()
        try:
            if previous is not None and not previous.done():
                await asyncio.shield(previous)
            yield
        finally:
            mine.set_result(None)
            if self._tails.get(key) is mine:
                del self._tails[key]
            self._active -= 1
            if self._active == 0:
                self._idle.set()
            if self._below:
                self._wake_below()

    @property
    def active(self) -> int:
        return self._active

    async def wait_fewer_than(self, count: int, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until fewer than `count` updates are in hand, or `timeout` seconds at most."""
        if self._active < count:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (count, waiter)
        self._below.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            pass
        finally:
            if entry in self._below:
                self._below.remove(entry)

    def _wake_below(self) -> None:
        for count, waiter in self._below:
            if self._active < count and not waiter.done():
                waiter.set_result(None)

    async def wait_idle(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until no update is in hand; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class RecentUpdates:
    def __init__(self, size: int = 10_000) -> None:
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """True the first time an update id is seen (and remembers it)."""
        if update_id in self._seen:
            self._seen.move_to_end(update_id)
            return False
        self._seen[update_id] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True
