"""An empty WEBHOOK_SECRET is unset: the webhook is registered with the secret derived from the token,
and an update posted without it is refused (it used to be registered with no secret at all, and a
request without the header matched the empty secret)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.channels.bot_api.webhook import create_webhook_app
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest

LAN = 1001


@pytest.fixture
async def bot_with_empty_secret(api: FakeBotApi, sqlite_url: str,
                                telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, webhook_secret="")
    yield under_test
    await under_test.stop()


async def test_an_empty_secret_registers_the_derived_one_and_refuses_forged_updates(
    api: FakeBotApi, bot_with_empty_secret: TelegramBotUnderTest
) -> None:
    await bot_with_empty_secret.start("webhook")
    registered = await api.wait_for("setWebhook")
    settings = bot_with_empty_secret.settings
    assert settings is not None and settings.webhook_url is not None
    assert settings.webhook_secret is None
    assert registered.params["secret_token"] == settings.effective_webhook_secret() != ""
    forged = {"update_id": 78, "message": {
        "message_id": 1, "date": 0, "chat": {"id": LAN, "type": "private"},
        "from": {"id": LAN, "is_bot": False, "first_name": "X"}, "text": "/start"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}):
            async with http.post(settings.webhook_url, json=forged, headers=headers) as response:
                assert response.status == 403
    await asyncio.sleep(0.2)
    assert api.calls_of("sendMessage") == []


def test_the_webhook_server_refuses_to_run_without_a_secret() -> None:
    async def health() -> dict[str, object]:
        return {"status": "ok"}

    async def feed(update: dict[str, object]) -> None:
        raise AssertionError("no update may be fed")

    with pytest.raises(ValueError, match="secret"):
        create_webhook_app(feed, path="/hook", secret="", health=health)
