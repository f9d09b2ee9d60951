"""Long polling that confirms an update to Telegram only once its turn has committed.

getUpdates confirms every update below the `offset` it is given. Both libraries' own polling loops
pass the id after the last update they *fetched*, while that batch's handlers still run (aiogram's
`start_polling(handle_as_tasks=True)`, python-telegram-bot's `Updater`, which queues a batch and polls
again): a crash then loses those updates for good. `UpdatePolling` is our own loop over the library's
public getUpdates call. It asks with the offset after the longest run of *finished* updates
(`ConfirmedOffset`), so a crash leaves every unfinished update with Telegram, to be fetched again
after the restart; one that finished after the last poll comes back too, and its claim in the
database (processed_events) keeps it from being answered twice. An update is finished when the
channel returns from it: its turn, its reply written to the outbox, committed.

| poll answer                                  | what the loop does                                  |
|----------------------------------------------|-----------------------------------------------------|
| updates not seen before                      | each handled in a task of its own, in arrival order |
| updates still in hand or finished (returned  | skipped; if nothing new came, the next poll waits   |
|   again: the offset is below them)           |   for one in hand to finish (at most `idle_wait`)   |
| an error (network, 5xx, 429, 409)            | logged, polled again after a backoff (to 30 s)      |
| stop                                         | the poll in flight is cancelled; the updates in     |
|                                              |   hand finish; one last poll confirms them          |

The price: the offset cannot pass an update in hand, so a poll brings back up to 100 updates
(getUpdates' limit) from the oldest unfinished one. Updates further on wait at Telegram, not lost,
until that one finishes; the pace of polling (pacing.py) already holds polls back while the bot is
busy, and no turn holds the offset for longer than it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

log = logging.getLogger(__name__)

#: (offset, long-poll seconds, limit) -> the updates, as the library's objects.
Fetch = Callable[[int | None, int, int], Awaitable[Sequence[Any]]]
#: Handle one update; returns once it is safe to confirm it.
Handle = Callable[[Any], Awaitable[None]]

BATCH_LIMIT = 100
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
IDLE_WAIT = 1.0
CONFIRM_TIMEOUT = 5.0


class ConfirmedOffset:
    """Which updates are in hand and which finished, and so the offset that confirms only the
    finished ones: the oldest update in hand, or the one after the newest seen when none is."""

    def __init__(self) -> None:
        self._in_hand: set[int] = set()
        self._finished: set[int] = set()  # finished, but at or above the offset (one older is in hand)
        self._offset: int | None = None

    @property
    def offset(self) -> int | None:
        return self._offset

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    def take(self, update_id: int) -> bool:
        """True for an update to handle; False for one in hand, finished or confirmed already."""
        if self._offset is not None and update_id < self._offset:
            return False
        if update_id in self._in_hand or update_id in self._finished:
            return False
        self._in_hand.add(update_id)
        if self._offset is None:
            self._offset = update_id
        return True

    def finish(self, update_id: int) -> None:
        self._in_hand.discard(update_id)
        self._finished.add(update_id)
        newest = max(self._finished)
        self._offset = min(self._in_hand) if self._in_hand else newest + 1
        self._finished = {done for done in self._finished if done >= self._offset}


class UpdatePolling:
    def __init__(
        self,
        fetch: Fetch,
        handle: Handle,
        update_id: Callable[[Any], int],
        *,
        timeout: int,
        idle_wait: float = IDLE_WAIT,
    ) -> None:
        self._fetch = fetch
        self._handle = handle
        self._update_id = update_id
        self._timeout = timeout
        self._idle_wait = idle_wait
        self.offsets = ConfirmedOffset()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._one_finished = asyncio.Event()

    async def run(self) -> None:
        """Poll and hand out updates until `stop()`."""
        delay = BACKOFF_FIRST
        while not self._stopping.is_set():
            try:
                poll = self._fetch(self.offsets.offset, self._timeout, BATCH_LIMIT)
                updates = await self._unless_stopped(poll)
            except Exception as exc:
                log.warning("getUpdates failed: %r; polling again in %.0fs", exc, delay)
                await self._pause(delay)
                delay = min(delay * 2, BACKOFF_MAX)
                continue
            if updates is None:
                return  # stopped while polling
            delay = BACKOFF_FIRST
            self._one_finished.clear()
            started = 0
            for update in updates:
                if self.offsets.take(self._update_id(update)):
                    task = asyncio.create_task(self._one(update), name=f"update-{self._update_id(update)}")
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                    started += 1
            if updates and not started:  # only updates in hand came back: wait for one to finish
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._one_finished.wait(), self._idle_wait)

    async def stop(self, drain_seconds: float) -> None:
        """Stop polling, let the updates in hand finish, then confirm them with one last poll."""
        self._stopping.set()
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=drain_seconds)
            if pending:
                log.warning("%s update(s) still in hand at shutdown: left unconfirmed", len(pending))
        if self.offsets.offset is not None:
            try:
                await asyncio.wait_for(self._fetch(self.offsets.offset, 0, 1), CONFIRM_TIMEOUT)
            except Exception as exc:  # they come back after the restart, and are known by their claim
                log.info("could not confirm the finished updates at shutdown: %r", exc)

    async def _one(self, update: Any) -> None:
        update_id = self._update_id(update)
        try:
            await self._handle(update)
        except Exception:
            incident = secrets.token_hex(4).upper()
            log.exception("incident %s: update %s failed", incident, update_id)
        finally:
            self.offsets.finish(update_id)
            self._one_finished.set()

    async def _unless_stopped(self, poll: Awaitable[Sequence[Any]]) -> Sequence[Any] | None:
        polling = asyncio.ensure_future(poll)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if polling.done():
            return polling.result()
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await polling
        return None

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
