"""The real Telegram channel, in-process, against the fake Bot API over HTTP, on either library.

    bot = TelegramBotUnderTest(api, sqlite_url)            # or library="python-telegram-bot"
    await bot.start()                 # polling (or mode="webhook": our aiohttp server, fake POSTs)
    lan = api.user(1001, "Lan"); lan.send_text("/start")
    await api.wait_for("sendMessage")
    await bot.restart()               # stop everything, build a new app on the same database
    await bot.stop()
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import datetime
from functools import cache
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.channels.bot_api.rate_limit import RateLimiter
from bot.channels.bot_api.runtime import Mode
from bot.channels.ptb.runner import PtbRuntime
from bot.channels.telegram.runner import TelegramRuntime
from bot.clock import Clock
from bot.config import Settings, load_settings
from bot.dialogue.ports import TextUnderstander
from bot.messages.actions import Address, SendText
from bot.services.outbox import enqueue
from bot.storage.models import Customer, OutboxMessage
from tests.fakes.bot_api import FakeBotApi

LAN_PHONE = "+84912345678"
LIBRARIES = ("aiogram", "python-telegram-bot")  # TELEGRAM_LIBRARY: every Telegram scenario runs on both
Runtime = TelegramRuntime | PtbRuntime


@cache
def understander() -> TextUnderstander:
    from bot.bootstrap import load_understander

    return load_understander()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TelegramBotUnderTest:
    def __init__(self, api: FakeBotApi, database_url: str, *, library: str = "aiogram",
                 clock: Clock | None = None, **settings: Any) -> None:
        self.api = api
        self.clock = clock
        self.library = library
        self.database_url = database_url
        self.overrides = settings
        self.app: App | None = None
        self.runtime: Runtime | None = None
        self.settings: Settings | None = None

    async def start(self, mode: Mode = "polling", limiter: RateLimiter | None = None) -> Runtime:
        overrides: dict[str, Any] = {
            "telegram_bot_token": self.api.token,
            "telegram_api_base": self.api.base_url,
            "database_url": self.database_url,
            "outbox_poll_seconds": 0.2,
            "redis_url": None,
            "webhook_url": None,
            "staff_chat_id": None,
            "telegram_library": self.library,
            **self.overrides,
        }
        if mode == "webhook" and not overrides["webhook_url"]:
            port = free_port()
            overrides["webhook_url"] = f"http://127.0.0.1:{port}/telegram/webhook"
            overrides["webhook_listen"] = f"127.0.0.1:{port}"
            self.overrides.update(webhook_url=overrides["webhook_url"],
                                  webhook_listen=overrides["webhook_listen"])
        self.settings = load_settings(None, **overrides)
        self.app = await build_app(self.settings, clock=self.clock, understander=understander())
        runtime_class = PtbRuntime if self.library == "python-telegram-bot" else TelegramRuntime
        self.runtime = runtime_class.create(self.app, limiter=limiter, polling_timeout=2)
        await self.runtime.start(mode)
        return self.runtime

    async def stop(self) -> None:
        if self.runtime is not None:
            await self.runtime.stop()
            self.runtime = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def restart(self, mode: Mode = "polling") -> None:
        await self.stop()
        await self.start(mode)

    # -- data -----------------------------------------------------------------------------------

    async def add_customer(self, name: str = "Nguyễn Thị Lan", phone: str = LAN_PHONE) -> None:
        assert self.app is not None
        async with self.app.uow_factory() as uow:
            uow.session.add(Customer(full_name=name, phone=phone))
            await uow.commit()

    async def enqueue_text(self, chat_id: int, text: str) -> None:
        assert self.app is not None
        async with self.app.uow_factory() as uow:
            await enqueue(uow, self.app.clock, Address("telegram", str(chat_id)), SendText(text))
            await uow.commit()

    async def outbox_rows(self) -> list[tuple[str, int]]:
        """(status, attempts) of every outbox message, oldest first."""
        assert self.app is not None
        async with self.app.uow_factory() as uow:
            rows = await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            return [(row.status, row.attempts) for row in rows]

    async def unreachable_since(self, user_id: int) -> datetime | None:
        assert self.app is not None
        async with self.app.uow_factory() as uow:
            account = await uow.accounts.get("telegram", str(user_id))
            return None if account is None else account.unreachable_since

    async def wait_outbox_settled(self, timeout: float = 10.0) -> list[tuple[str, int]]:  # noqa: ASYNC109
        """The outbox once no message is pending any more (or as it is when `timeout` passes)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            rows = await self.outbox_rows()
            if (rows and all(status != "pending" for status, _ in rows)) or (
                asyncio.get_running_loop().time() > deadline
            ):
                return rows
            await asyncio.sleep(0.05)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(webhook_retry_delay=0.05) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture(params=LIBRARIES)
def telegram_library(request: pytest.FixtureRequest) -> str:
    """The Telegram library the channel under test runs on: each scenario runs once on each."""
    return str(request.param)


@pytest.fixture
async def telegram_bot(api: FakeBotApi, sqlite_url: str,
                       telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    """The bot, not started: the test chooses the mode (and may restart it)."""
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library)
    yield under_test
    await under_test.stop()


def texts_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return api.sent_texts(chat_id)


def sent_to(chat_id: int) -> Any:
    return lambda call: call.ok and call.chat_id == chat_id


def says(chat_id: int, fragment: str) -> Any:
    """A successful sendMessage to the chat whose text contains `fragment`."""
    return lambda call: call.ok and call.chat_id == chat_id and fragment in call.result["text"]


def asks_contact(chat_id: int) -> Any:
    """A successful sendMessage to the chat carrying a reply keyboard (the contact request)."""
    return lambda call: (
        call.ok and call.chat_id == chat_id and "keyboard" in call.params.get("reply_markup", {})
    )
