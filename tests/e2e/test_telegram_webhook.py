"""The Telegram channel in webhook mode: the fake Bot API POSTs updates to our aiohttp server."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest, sent_to
from tests.support.wording import rendered

LAN = 1001
MAI = 1002


def url_of(bot: TelegramBotUnderTest, path: str = "") -> str:
    assert bot.settings is not None and bot.settings.webhook_url is not None
    return bot.settings.webhook_url if not path else bot.settings.webhook_url.rsplit("/telegram", 1)[0] + path


async def test_webhook_is_registered_with_the_secret_and_answers(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start("webhook")
    registered = await api.wait_for("setWebhook")
    assert telegram_bot.settings is not None
    assert registered.params["secret_token"] == telegram_bot.settings.effective_webhook_secret()
    assert "callback_query" in registered.params["allowed_updates"]
    update = api.user(LAN, "Lan").send_command("/start")
    reply = await api.wait_for("sendMessage", sent_to(LAN))
    assert reply.result["text"] == rendered("core.welcome", name=rendered("core.polite_name", name="Lan"))
    assert (await api.wait_for_delivery(update["update_id"])).status == 200


async def test_wrong_secret_is_refused_and_healthz_answers(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start("webhook")
    update = {"update_id": 77, "message": {
        "message_id": 1, "date": 0, "chat": {"id": LAN, "type": "private"},
        "from": {"id": LAN, "is_bot": False, "first_name": "X"}, "text": "hi"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {}):
            async with http.post(url_of(telegram_bot), json=update, headers=headers) as response:
                assert response.status == 403
        async with http.get(url_of(telegram_bot, "/healthz")) as response:
            assert response.status == 200
            assert (await response.json())["db"] == "ok"
    await asyncio.sleep(0.2)
    assert api.calls_of("sendMessage") == []


async def test_a_retried_delivery_is_answered_once(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start("webhook")
    await api.wait_for("setWebhook")
    update = api.user(LAN, "Lan").send_text("/help")
    api.inject_update(dict(update))  # Telegram delivers it again (it thought the first attempt failed)
    await api.wait_for("sendMessage", sent_to(LAN))
    await asyncio.sleep(0.5)
    assert len([d for d in api.webhook_deliveries if d.update_id == update["update_id"]]) == 2
    assert len(api.calls_of("sendMessage", ok_only=True)) == 1


async def test_a_retry_reaching_another_instance_is_answered_once(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start("webhook")
    await api.wait_for("setWebhook")
    update = api.user(LAN, "Lan").send_text("/help")
    await api.wait_for("sendMessage", sent_to(LAN))
    await telegram_bot.restart("webhook")  # a fresh process: the in-memory LRU is empty
    await api.wait_for("setWebhook", count=2)
    api.inject_update(dict(update))
    await api.wait_for("sendMessage", lambda c: c.ok, count=1)
    api.user(MAI, "Mai").send_text("/help")
    await api.wait_for("sendMessage", sent_to(MAI))
    assert len([c for c in api.calls_of("sendMessage", ok_only=True) if c.chat_id == LAN]) == 1


async def test_webhook_keeps_each_users_order(api: FakeBotApi, telegram_bot: TelegramBotUnderTest) -> None:
    await telegram_bot.start("webhook")
    await api.wait_for("setWebhook")
    lan, mai = api.user(LAN, "Lan"), api.user(MAI, "Mai")
    lan.send_text("/help")
    mai.send_text("/lang en")
    lan.send_text("/lang en")
    mai.send_text("/help")
    await api.wait_for("sendMessage", lambda c: c.ok, count=4)
    assert api.sent_texts(LAN) == [rendered("core.help"), rendered("core.language_set", "en")]
    assert api.sent_texts(MAI) == [rendered("core.language_set", "en"), rendered("core.help", "en")]
