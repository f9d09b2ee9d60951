"""Serving the shop API: beside the Telegram bot in `rosee-support run`, or alone (`shop-api`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web

from bot.bootstrap import App
from bot.shop_api.app import ShopApiContext, create_shop_api

log = logging.getLogger(__name__)

SHUTDOWN_SECONDS = 10.0


@asynccontextmanager
async def serving(context: ShopApiContext, host: str, port: int) -> AsyncIterator[int]:
    """Serve on host:port while the body runs (port 0: a free one); yields the port bound."""
    runner = web.AppRunner(create_shop_api(context), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = int(runner.addresses[0][1]) if port == 0 else port
        log.info("shop API listening on %s:%s", host, bound)
        yield bound
    finally:
        await runner.cleanup()


def context_for(app: App, nudge: Callable[[], None]) -> ShopApiContext:
    """The context of the application built by `bot.bootstrap.build_app`."""
    return ShopApiContext(app.settings, app.uow_factory, app.clock, app.order_notifier, nudge=nudge)
