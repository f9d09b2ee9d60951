"""`rosee-support shop-api`: the shop API alone, for a deployment that runs it apart from the bot.

It writes order events and the notifications they cause into the database; the bot's outbox
dispatcher (in `rosee-support run`) delivers them at its next poll. Needs SHOP_API_SECRET; listens
on SHOP_API_LISTEN, or `--listen host:port`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from bot.cli.common import open_app, settings_from
from bot.cli.errors import CliError
from bot.config import SHOP_API_SECRET_MISSING


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser("shop-api", help="serve the shop API (order events) on its own")
    command.add_argument("--listen", metavar="HOST:PORT", help="default: SHOP_API_LISTEN")
    command.set_defaults(func=serve)


async def serve(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.shop_api_secret is None:
        raise CliError(SHOP_API_SECRET_MISSING, exit_code=2)
    listen = args.listen or settings.shop_api_listen
    host, _, port = (listen or "").rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise CliError("give the address to listen on: SHOP_API_LISTEN or --listen host:port", exit_code=2)
    from bot.shop_api.server import context_for, serving

    async with open_app(settings) as app:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        async with serving(context_for(app, app.dispatcher.nudge), host, int(port)) as bound:
            print(f"shop API listening on {host}:{bound}", flush=True)
            await stop.wait()
    return 0
