"""What both Telegram runtimes do the same way around their library's update loop: the outbox task,
the health report, waiting for a signal, and retrying a start-up call while Telegram is away.

A runtime (bot/channels/telegram/runner.py, bot/channels/ptb/runner.py) sets `app`, `_mode`,
`_stopping`, `_outbox_wake` and `_outbox_last_pass`, and implements `start(mode)` and `stop()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Literal

from sqlalchemy import text

from bot.bootstrap import App

log = logging.getLogger(__name__)

Mode = Literal["polling", "webhook"]
RETRY_START_SECONDS = 1.0


class RuntimeLoops:
    app: App
    _mode: Mode | None
    _stopping: asyncio.Event
    _outbox_wake: asyncio.Event
    _outbox_last_pass: bool

    async def start(self, mode: Mode | None = None) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
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
