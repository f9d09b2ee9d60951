"""`rosee-support run | start | healthcheck`: the Telegram bot, the one-command start, a probe.

    run          the Telegram bot (aiogram, or python-telegram-bot with TELEGRAM_LIBRARY): long
                 polling, or a webhook server when WEBHOOK_URL is set; with SHOP_API_LISTEN, the
                 shop API (bot.shop_api) beside it (refused without SHOP_API_SECRET); refuses
                 to start with no staff destination (bot.services.staff_reach) unless ALLOW_NO_STAFF=true,
                 and without VERIFICATION_CODE_SECRET (codes must verify on every instance, after restarts)
    start        run, when TELEGRAM_BOT_TOKEN is set; otherwise demo data (if the database has no
                 customers) and the console chat, so the bot can be tried with no setup at all
    healthcheck  a short report (database, outbox backlog, staff chat, webhook); exit 0 if the
                 database answers, the staff chat is not failing (bot.services.health) and, in webhook
                 mode, GET /healthz answers 200; exit 1 otherwise
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from sqlalchemy import text

from bot.bootstrap import App
from bot.channels.bot_api.runtime import RuntimeLoops
from bot.cli.chat_command import add_console_options, run_chat
from bot.cli.common import open_app, open_storage, settings_from
from bot.cli.errors import CliError
from bot.clock import SystemClock
from bot.config import CODE_KEY_MISSING, SHOP_API_SECRET_MISSING, Settings
from bot.services.health import delivery_health
from bot.services.staff_reach import NO_STAFF_DESTINATION, staff_reachable
from bot.storage.db import create_engine
from bot.storage.uow import UnitOfWorkFactory

HEALTH_TIMEOUT = 5.0


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser("run", help="run the Telegram bot (polling, or webhook with WEBHOOK_URL)")
    run.set_defaults(func=run_bot)
    start = subparsers.add_parser(
        "start", help="run the Telegram bot if TELEGRAM_BOT_TOKEN is set, else a demo console chat"
    )
    add_console_options(start)
    start.set_defaults(func=start_anyhow)
    health = subparsers.add_parser(
        "healthcheck", help="report the database, outbox, staff chat (and webhook); exit 0 if all are well")
    health.set_defaults(func=healthcheck)


async def run_bot(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.telegram_bot_token is None:
        raise CliError("TELEGRAM_BOT_TOKEN is not set: put the token from @BotFather in .env or the "
                       "environment (or try `rosee-support start` for the console demo)", exit_code=2)
    if not staff_reachable(settings) and not settings.allow_no_staff:
        raise CliError(NO_STAFF_DESTINATION, exit_code=2)
    if settings.verification_code_secret is None:
        raise CliError(CODE_KEY_MISSING, exit_code=2)
    shop_api = settings.shop_api_host_port
    if shop_api is not None and settings.shop_api_secret is None:
        raise CliError(SHOP_API_SECRET_MISSING, exit_code=2)
    settings = settings.model_copy(update={"console_mailbox": False})  # a console's only
    async with open_app(settings) as app:
        runtime = create_runtime(app)
        async with contextlib.AsyncExitStack() as stack:
            if shop_api is not None:
                from bot.shop_api.server import context_for, serving

                await stack.enter_async_context(serving(context_for(app, runtime.nudge_outbox), *shop_api))
            await runtime.run_until_stopped()
    return 0


def create_runtime(app: App) -> RuntimeLoops:
    """The Telegram channel TELEGRAM_LIBRARY names (each imports only its own library)."""
    if app.settings.telegram_library == "python-telegram-bot":
        from bot.channels.ptb.runner import PtbRuntime

        return PtbRuntime.create(app)
    from bot.channels.telegram.runner import TelegramRuntime

    return TelegramRuntime.create(app)


async def start_anyhow(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.telegram_bot_token is not None:
        return await run_bot(args)
    await _seed_demo_data_if_empty(settings)
    print("TELEGRAM_BOT_TOKEN is not set: opening the console chat (Ctrl+D to quit).", file=sys.stderr)
    return await run_chat(args)


async def _seed_demo_data_if_empty(settings: Settings) -> None:
    """An empty database gets the demo data set, so the console has customers and orders to show."""
    from bot import demo_data
    from bot.services.imports import import_records

    async with open_storage(settings) as uow_factory:
        async with uow_factory() as uow:
            if await uow.customers.count():
                return
        data = demo_data.generate()
        await import_records(uow_factory, data.customers, data.orders, clock=SystemClock(),
                             actor="system:demo-data")
    print("demo data added to the empty database (try --phone 0912345678)", file=sys.stderr)


async def healthcheck(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = create_engine(settings.database_url)
    staff_chat = None if settings.staff_chat_id is None else str(settings.staff_chat_id)
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:
        await engine.dispose()
        print(f"database: unavailable ({type(exc).__name__})", file=sys.stderr)
        return 1
    print("database: ok")
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT), UnitOfWorkFactory(engine)() as uow:
            delivery = await delivery_health(uow, staff_chat)
    except Exception as exc:  # no schema yet: the bot has not started on this database
        print(f"outbox: not readable ({type(exc).__name__})")
        healthy = True
    else:
        for line in delivery.report(SystemClock().now()):
            print(line)
        healthy = delivery.staff_chat_ok
    finally:
        await engine.dispose()
    if not settings.webhook_url:
        return 0 if healthy else 1
    import aiohttp  # only the webhook probe needs an HTTP client

    host, port = settings.listen_host_port
    host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    url = f"http://{host}:{port}/healthz"
    try:
        timeout = aiohttp.ClientTimeout(total=HEALTH_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as response:
            ok = response.status == 200
    except (aiohttp.ClientError, TimeoutError) as exc:
        print(f"webhook: {url} unreachable ({type(exc).__name__})", file=sys.stderr)
        return 1
    print(f"webhook: {url} {'ok' if ok else 'unhealthy'}")
    return 0 if ok and healthy else 1
