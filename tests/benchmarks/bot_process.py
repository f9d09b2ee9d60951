"""One bot of the Telegram benchmark, in a process of its own, long-polling a fake Bot API elsewhere.

    python -m tests.benchmarks.bot_process {echo,ours} --api-base URL --token TOKEN
        [--database FILE] [--limits off|telegram] [--gc defaults|ours]
        [--library aiogram|python-telegram-bot]

Started by `tests.benchmarks.telegram_throughput`, which runs the fake server and the simulated
customers in its own process, so that this process's CPU time is the bot's alone (with its
database threads). It talks to the driver by lines on stdin and stdout:

    -> {"ready": true}             the bot is polling
    <- settle                      collect and freeze the heap, start the CPU clock
    -> {"settled": true}
    <- report                      stop the CPU clock
    -> {"cpu_seconds": 1.23}
    <- stop (or end of input)      stop the bot and exit

`echo` is aiogram's defaults with a handler that only echoes; `ours` is the real channel
(conversation core, embedded SQLite, outbox) as `TelegramBotUnderTest` starts it, on the Telegram
library `--library` names. Not collected
by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bot import garbage_collection
from bot.channels.bot_api.rate_limit import LocalRateLimiter, RateLimiter, UnlimitedRateLimiter
from bot.config import Settings
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LIBRARIES, TelegramBotUnderTest


@dataclass(frozen=True)
class RemoteApi:
    """What a bot needs to know of the fake Bot API that runs in the driver's process."""

    token: str
    base_url: str


Stop = Callable[[], Awaitable[None]]


async def start_echo(api: RemoteApi, gc_setting: str) -> Stop:
    if gc_setting == "ours":
        garbage_collection.tune_for_service()  # else the interpreter's defaults, as a bare aiogram bot has
    router = Router()

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=2, handle_as_tasks=True,
                                                           handle_signals=False, close_bot_session=False))

    async def stop() -> None:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()

    return stop


async def start_ours(api: RemoteApi, database: str, limits: str, library: str) -> Stop:
    limiter: RateLimiter = LocalRateLimiter() if limits == "telegram" else UnlimitedRateLimiter()
    # The outbox polls at its production pace; the test suite's quicker pace is for short tests.
    under_test = TelegramBotUnderTest(cast(FakeBotApi, api), f"sqlite+aiosqlite:///{database}",
                                      library=library,
                                      outbox_poll_seconds=Settings.model_fields["outbox_poll_seconds"].default)
    await under_test.start(limiter=limiter)  # sets our collector's thresholds (bot.bootstrap)
    return under_test.stop


def say(**message: object) -> None:
    print(json.dumps(message), flush=True)


async def serve(args: argparse.Namespace) -> None:
    api = RemoteApi(args.token, args.api_base)
    if args.bot == "echo":
        stop = await start_echo(api, args.gc)
    else:
        stop = await start_ours(api, args.database, args.limits, args.library)
    say(ready=True)
    cpu_started = time.process_time()
    try:
        while (command := (await asyncio.to_thread(sys.stdin.readline)).strip()) not in ("", "stop"):
            if command == "settle":
                # A settled heap for both bots, as in a long-running service: what exists before the
                # traffic is frozen out of the collector's generations, as our bot does for its own
                # after loading. Otherwise a collection of the start-up heap lands in the measurement.
                gc.collect()
                gc.freeze()
                cpu_started = time.process_time()
                say(settled=True)
            elif command == "report":
                say(cpu_seconds=time.process_time() - cpu_started)
                gc.unfreeze()
    finally:
        await stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bot", choices=["echo", "ours"])
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--database", help="the SQLite file of our bot")
    parser.add_argument("--limits", choices=["off", "telegram"], default="off")
    parser.add_argument("--library", choices=list(LIBRARIES), default="aiogram",
                        help="the Telegram library our channel runs on (TELEGRAM_LIBRARY)")
    parser.add_argument("--gc", choices=["defaults", "ours"], default="defaults",
                        help="the echo bot's collector thresholds (ours always sets its own)")
    args = parser.parse_args()
    if args.bot == "ours" and not args.database:
        parser.error("ours needs --database")
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
