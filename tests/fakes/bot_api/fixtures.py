"""pytest fixtures for the fake Bot API. Use from a conftest.py:

    pytest_plugins = ["tests.fakes.bot_api.fixtures"]

`fake_bot_api` fails the test at teardown if any call broke the Bot API spec; `fake_bot` is a real
aiogram Bot talking to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from .server import FakeBotApi


def bot_for(api: FakeBotApi) -> Bot:
    """An aiogram Bot whose requests go to the fake."""
    return Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))


@pytest.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api
        api.assert_no_violations()


@pytest.fixture
async def fake_bot(fake_bot_api: FakeBotApi) -> AsyncIterator[Bot]:
    bot = bot_for(fake_bot_api)
    yield bot
    await bot.session.close()
