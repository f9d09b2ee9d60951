"""What both Telegram runtimes do the same way around their library's update loop: the order of
start-up and shutdown, the outbox task, the health report, waiting for a signal, and retrying a
start-up call while Telegram is away.

A runtime (bot/channels/telegram/runner.py, bot/channels/ptb/runner.py) sets the attributes declared
on `RuntimeLoops` and supplies the library's own steps:

| step               | aiogram                    | python-telegram-bot                       |
|--------------------|----------------------------|-------------------------------------------|
| `_open()`          | nothing                    | Application.initialize() (getMe), start() |
| `_set_commands()`  | setMyCommands per language | setMyCommands per language                |
| `_run_polling()`   | our loop over GetUpdates   | our loop over Bot.get_updates             |
| `_start_webhook()` | our aiohttp server         | our aiohttp server                        |
| `_stop_intake()`   | nothing                    | Application.stop() (finishes its updates) |
| `_close()`         | the Bot API session closed | Application.shutdown() (its HTTP clients) |

Start: the library, the command menu (a nicety: a failure is logged, never fatal), the outbox task,
the scheduler, then updates (webhook when configured, else polling). Stop: the scheduler, updates
(polling stops; the webhook server stops accepting and finishes the requests in hand), the updates in
hand, the outbox's pass and one more, then the library and the rate limiter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Literal

from aiohttp import web
from sqlalchemy import text

from bot.bootstrap import App
from bot.channels.bot_api.ordering import UserSequencer
from bot.channels.bot_api.polling import UpdatePolling
from bot.channels.bot_api.rate_limit import RateLimiter
from bot.scheduling import start_scheduler, stop_scheduler

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]
RETRY_START_SECONDS = 1.0
DRAIN_TIMEOUT = 30.0


class RuntimeLoops:
    app: App
    limiter: RateLimiter
    library: str  # named in the start-up log line
    _mode: Mode | None
    _stopping: asyncio.Event
    _outbox_wake: asyncio.Event
    _outbox_last_pass: bool
    _tasks: list[asyncio.Task[None]]
    _polling: UpdatePolling | None
    _webhook_runner: web.AppRunner | None

    async def start(self, mode: Mode | None = None) -> None:
        settings = self.app.settings
        self._mode = mode or ("webhook" if settings.webhook_url else "polling")
        await self._open()
        try:
            await self._set_commands()
        except Exception as exc:  # the menu is a nicety; never a reason not to start
            log.warning("could not set the command menu: %r", exc)
        self._tasks.append(asyncio.create_task(self._run_outbox(), name="telegram-outbox"))
        start_scheduler(self.app)  # deadline sweeps: reminders, escalations, late notices
        if self._mode == "webhook":
            await self._start_webhook()
        else:
            self._tasks.append(asyncio.create_task(self._run_polling(), name="telegram-polling"))
        log.info("Telegram channel running on %s (%s)", self.library, self._mode)

    async def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        stop_scheduler(self.app)
        if self._polling is not None:
            await self._polling.stop(DRAIN_TIMEOUT)
        if self._webhook_runner is not None:
            await self._webhook_runner.cleanup()  # stops accepting, waits for requests in hand
        await self._stop_intake()
        in_hand = self._in_hand()
        if not await in_hand.wait_idle(DRAIN_TIMEOUT):
            log.warning("%s update(s) still in hand at shutdown", in_hand.active)
        self._outbox_last_pass = True
        self._outbox_wake.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, DRAIN_TIMEOUT)
        self._tasks.clear()
        await self._close()
        await self.limiter.close()
        log.info("Telegram channel stopped")

    # -- the library's own steps (see the table above) ---------------------------------------------

    def _in_hand(self) -> UserSequencer:
        """What keeps the updates in hand, per user, in order."""
        raise NotImplementedError

    async def _open(self) -> None:
        """Start the library before anything calls Telegram; nothing by default."""

    async def _set_commands(self) -> None:
        raise NotImplementedError

    async def _run_polling(self) -> None:
        raise NotImplementedError

    async def _start_webhook(self) -> None:
        raise NotImplementedError

    async def _stop_intake(self) -> None:
        """Let the library finish the updates it holds; nothing by default."""

    async def _close(self) -> None:
        raise NotImplementedError

    def nudge_outbox(self) -> None:
        """Something was queued outside a turn (an order event): deliver it now, not at the next poll."""
        self._outbox_wake.set()

    async def run_until_stopped(self, mode: Mode | None = None) -> None:
        """Start, serve until SIGTERM/SIGINT, then shut down cleanly."""
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await self.start(mode)
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            await self.stop()

    async def health(self) -> dict[str, object]:
        try:
            async with self.app.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            db = "ok"
        except Exception as exc:
            log.warning("health check: database unavailable: %r", exc)
            db = "unavailable"
        return {"status": "ok" if db == "ok" else "degraded", "db": db, "mode": self._mode}

    async def _until_done(self, call: Callable[[], Awaitable[object]], what: str,
                          transient: tuple[type[Exception], ...]) -> None:
        """Retry a start-up call (deleteWebhook, setWebhook) while Telegram is away, until stopped."""
        delay = RETRY_START_SECONDS
        while not self._stopping.is_set():
            try:
                await call()
                return
            except transient as exc:
                log.warning("%s failed: %r; retrying in %.0fs", what, exc, delay)
                await self._pause(delay)
                delay = min(delay * 2, 30.0)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _run_outbox(self) -> None:
        """Deliver the outbox until the pass that starts after the updates in hand were finished."""
        poll = self.app.settings.outbox_poll_seconds
        while True:
            final = self._outbox_last_pass
            try:
                attempted = await self.app.dispatcher.run_once()
            except Exception:
                log.exception("outbox pass failed; retrying")
                attempted = 0
            if final:
                return
            if attempted:
                continue
            self._outbox_wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outbox_wake.wait(), poll)
