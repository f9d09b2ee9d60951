"""The marketing opt-out through the real Telegram channel and the fake Bot API server, on both libraries.

An unlinked customer says it in free text, picks the channel with a button, gives the email it goes to
(no verification), reads one short confirmation with its `YC-…` reference and sees the request in
/requests; resumes with "nhận lại quảng cáo" and a button. Once linked by their own contact, "stop all"
in one message suppresses everything on file at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.storage.models import MarketingSuppression
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says
from tests.support.wording import rendered

LAN = 1001


@pytest.fixture
async def bot(api: FakeBotApi, sqlite_url: str, telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library)
    yield under_test
    await under_test.stop()


async def suppressed(bot: TelegramBotUnderTest) -> set[tuple[str, str]]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        rows = (await uow.session.execute(
            select(MarketingSuppression.channel, MarketingSuppression.address))).all()
        return {(row.channel, row.address) for row in rows}


async def test_an_opt_out_without_verification_then_resumed(
    api: FakeBotApi, bot: TelegramBotUnderTest
) -> None:
    await bot.start()
    lan = api.user(LAN, "Lan")
    lan.send_text("ngừng gửi quảng cáo cho tôi")
    picker = await api.wait_for("sendMessage", says(LAN, rendered("marketing.choose.stop")[:40]), timeout=10)
    assert "mkt:stop:email" in str(picker.params["reply_markup"])
    lan.press_button(picker.result, "mkt:stop:email")
    await api.wait_for("sendMessage", says(LAN, "địa chỉ email đang nhận quảng cáo"), timeout=10)
    lan.send_text("lan.moi@gmail.com")
    done = await api.wait_for("sendMessage", says(LAN, "YC-2026-000001"), timeout=10)
    assert "đã ngừng gửi quảng cáo qua email" in done.result["text"]
    assert "lan.moi@gmail.com" not in done.result["text"]  # masked
    assert "mkt:resume:email" in str(done.params["reply_markup"])
    assert await suppressed(bot) == {("email", "lan.moi@gmail.com")}

    lan.send_text("/requests")
    listed = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == LAN and c is not done
                                and "YC-2026-000001" in c.result["text"] and "mkt:" not in
                                str(c.params.get("reply_markup", "")), timeout=10)
    assert rendered("privacy.status.completed") in listed.result["text"]

    lan.send_text("nhận lại quảng cáo")
    again = await api.wait_for("sendMessage", says(LAN, rendered("marketing.choose.resume")[:30]), timeout=10)
    lan.press_button(again.result, "mkt:resume:email")
    await api.wait_for("sendMessage", says(LAN, "gửi lại tin khuyến mãi qua email"), timeout=10)
    assert await suppressed(bot) == set()


async def test_a_linked_customer_stops_every_channel_in_one_message(
    api: FakeBotApi, bot: TelegramBotUnderTest
) -> None:
    await bot.start()
    await bot.add_customer()
    lan = api.user(LAN, "Lan")
    lan.send_text("đơn hàng của tôi")
    await api.wait_for("sendMessage", asks_contact(LAN), timeout=10)
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "Nguyễn Thị Lan"), timeout=10)
    lan.send_text("ngừng gửi quảng cáo qua tất cả các kênh")
    done = await api.wait_for("sendMessage", says(LAN, "YC-2026-000001"), timeout=10)
    assert "tất cả các kênh" in done.result["text"]
    assert "mkt:resume:all" in str(done.params["reply_markup"])
    assert await suppressed(bot) == {("sms", LAN_PHONE), ("call", LAN_PHONE), ("telegram", str(LAN))}
