"""A privacy request through the real Telegram channel and the fake Bot API server, on both libraries.

The customer links by their own contact, asks in free text to have their data deleted, presses the
button that starts the request and reads its reference and what will be kept; the bot opens the
request's own forum topic in the staff group (createForumTopic) and posts its card there; staff take it
with the card's button, press "complete" and type what was done in the topic; the customer is told at
each step.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says
from tests.support.wording import rendered

LAN = 1001
STAFF_CHAT = -1002000000001
HA = 777


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str,
                   telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                                      staff_chat_is_forum=True)
    yield under_test
    await under_test.stop()


def in_thread(chat_id: int, thread: int, fragment: str) -> object:
    return lambda call: (call.ok and call.chat_id == chat_id
                         and call.params.get("message_thread_id") == thread
                         and fragment in (call.result.get("text") or ""))


async def test_an_erasure_request_through_telegram_and_the_staff_topic(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    await desk_bot.start()
    await desk_bot.add_customer()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    ha = api.user(HA, "Hà")
    lan = api.user(LAN, "Lan")

    lan.send_text("đơn hàng của tôi")
    await api.wait_for("sendMessage", asks_contact(LAN), timeout=10)
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "Nguyễn Thị Lan"), timeout=10)

    lan.send_text("tôi muốn xóa dữ liệu của tôi")
    offer = await api.wait_for("sendMessage", says(LAN, "quyền yêu cầu xóa dữ liệu"), timeout=10)
    lan.press_button(offer.result, "privacy:start:erasure")
    received = await api.wait_for("sendMessage", says(LAN, "YC-2026-000001"), timeout=10)
    assert "Luật Kế toán 88/2015/QH13" in received.result["text"]
    assert "privacy:withdraw:1" in str(received.params["reply_markup"])

    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    assert topic.params["name"].startswith("YC-2026-000001")
    thread = topic.result["message_thread_id"]
    card = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "YC-2026-000001"), timeout=10)
    assert LAN_PHONE not in card.result["text"] and "+84••" in card.result["text"]

    ha.press_button(card.result, "yc:take:1")
    took = rendered("privacy.staff.done.take", reference="YC-2026-000001", staff="Hà", due="x").split(".")[0]
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, took), timeout=10)
    await api.wait_for("sendMessage", says(LAN, "đang được nhân viên xử lý"), timeout=10)

    ha.press_button(card.result, "yc:complete:1")
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "đã làm gì"), timeout=10)
    staff.send_text(ha, "Đã xóa hồ sơ và liên kết Telegram; đơn hàng, hóa đơn được giữ", thread_id=thread)
    done = await api.wait_for("sendMessage", says(LAN, "đã hoàn thành"), timeout=10)
    assert "Đã xóa hồ sơ và liên kết Telegram" in done.result["text"]
    assert len(api.calls_of("createForumTopic", ok_only=True)) == 1
