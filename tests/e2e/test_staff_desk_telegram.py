"""The complaint story through the real Telegram channel and the fake Bot API server.

A customer files a complaint with a photo; the bot opens a forum topic in the staff group
(createForumTopic), posts the card and the photo into it; staff take the ticket with the card button and
answer in the topic; a 429 during the relay is waited out and the answer arrives once; the customer's
reply lands in the topic; staff resolve; the customer rates.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.models import Ticket
from tests.fakes.bot_api import Call, FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest, says

LAN = 1001
STAFF_CHAT = -1002000000001
HA = 777


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, staff_chat_id=STAFF_CHAT, staff_chat_is_forum=True)
    yield under_test
    await under_test.stop()


def in_thread(chat_id: int, thread: int, fragment: str | None = None) -> Any:
    def match(call: Call) -> bool:
        if not (call.ok and call.chat_id == chat_id and call.params.get("message_thread_id") == thread):
            return False
        return fragment is None or fragment in (call.result.get("text") or call.result.get("caption") or "")

    return match


async def press_last(api: FakeBotApi, user: Any, chat_id: int, data: str) -> None:
    for message in reversed(api.bot_messages(chat_id)):
        buttons = [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
        if any(b.get("callback_data") == data for b in buttons):
            user.press_button(message, data)
            return
    raise AssertionError(f"no bot message in {chat_id} with a {data!r} button")


async def ticket_of(bot: TelegramBotUnderTest) -> Ticket:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        ticket = await uow.session.scalar(select(Ticket))
        assert ticket is not None
        uow.session.expunge_all()
        return ticket


async def test_complaint_through_telegram_with_a_forum_topic(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    await desk_bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    ha = api.user(HA, "Hà")
    lan = api.user(LAN, "Lan")

    # The customer's intake.
    lan.send_command("/start", "complaint")
    await api.wait_for("sendMessage", says(LAN, "vấn đề nào"))
    await press_last(api, lan, LAN, "complaint:cat:product")
    await api.wait_for("sendMessage", says(LAN, "gõ mã đơn"))
    await press_last(api, lan, LAN, "complaint:order:-")
    await api.wait_for("sendMessage", says(LAN, "mô tả"))
    lan.send_text("Son bị gãy ngay khi mở hộp, tôi muốn đổi sản phẩm")
    await api.wait_for("sendMessage", says(LAN, "ảnh hoặc tài liệu"))
    lan.send_photo()
    await api.wait_for("sendMessage", says(LAN, "Đã nhận 1 tệp"))
    await press_last(api, lan, LAN, "complaint:continue")
    await api.wait_for("sendMessage", says(LAN, "kiểm tra lại"))
    await press_last(api, lan, LAN, "complaint:submit")
    await api.wait_for("sendMessage", says(LAN, "KN-2026-"), timeout=10)

    # The staff topic, then the card and the photo inside it.
    topic_call = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    assert topic_call.params["name"].startswith("KN-2026-") and "Sản phẩm" in topic_call.params["name"]
    thread = topic_call.result["message_thread_id"]
    card = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Nội dung"), timeout=10)
    photo = await api.wait_for("sendPhoto", in_thread(STAFF_CHAT, thread), timeout=10)
    assert card.time < photo.time
    ticket = await ticket_of(desk_bot)
    assert ticket.staff_thread_id == thread and ticket.staff_card_message_id == card.result["message_id"]

    # Staff take it with the card's button: the reply lands in the topic, the customer is told.
    ha.press_button(card.result, f"desk:take:{ticket.id}")
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "đã nhận phiếu"), timeout=10)
    await api.wait_for("sendMessage", says(LAN, "đã được nhân viên tiếp nhận"), timeout=10)

    # A staff answer in the topic meets a 429: it is waited out and delivered once.
    api.fail_next("sendMessage", retry_after=1)
    staff.send_text(ha, "Chào chị Lan, bên em sẽ đổi son mới cho chị ạ.", thread_id=thread)
    await api.wait_for("sendMessage", says(LAN, "đổi son mới"), timeout=15)
    await asyncio.sleep(0.5)
    assert len([t for t in api.sent_texts(LAN) if "đổi son mới" in t]) == 1
    assert any(c.status == 429 for c in api.calls_of("sendMessage"))

    # An internal note stays in the topic.
    staff.send_text(ha, "!khách quen", thread_id=thread)

    # The customer's answer goes into the topic.
    lan.send_text("Dạ em cảm ơn ạ")
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Dạ em cảm ơn ạ"), timeout=10)

    # Resolve; the customer rates.
    ha.press_button(card.result, f"desk:resolve:{ticket.id}")
    await api.wait_for("sendMessage", says(LAN, "đã được giải quyết"), timeout=10)
    await press_last(api, lan, LAN, f"rate:{ticket.id}:5")
    await api.wait_for("sendMessage", says(LAN, "⭐⭐⭐⭐⭐"), timeout=10)
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "5/5"), timeout=10)
    assert not any("khách quen" in t for t in api.sent_texts(LAN))
    assert (await ticket_of(desk_bot)).rating == 5
    assert len(api.calls_of("createForumTopic", ok_only=True)) == 1
