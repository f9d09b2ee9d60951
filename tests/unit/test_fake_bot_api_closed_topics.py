"""Who may write in a closed forum topic of the fake Bot API: its administrators (the bot among them
when it manages the group's topics), nobody else; driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.updates import TopicClosed

STAFF_CHAT = -1001500


async def test_in_a_closed_topic_only_administrators_write(fake_bot_api: FakeBotApi, fake_bot: Bot) -> None:
    lan, ha = fake_bot_api.user(1001, "Lan"), fake_bot_api.user(777, "Hà")
    staff = fake_bot_api.add_forum_chat(STAFF_CHAT)
    topic = await fake_bot.create_forum_topic(STAFF_CHAT, "KN-2026-000001 · Sản phẩm")
    thread = topic.message_thread_id
    assert await fake_bot.close_forum_topic(STAFF_CHAT, thread)  # the topic's creator may close it

    # The bot as a plain member, then as an administrator managing topics.
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await fake_bot.send_message(STAFF_CHAT, "Khách đánh giá 5/5", message_thread_id=thread)
    staff.promote_bot()
    rated = await fake_bot.send_message(STAFF_CHAT, "Khách đánh giá 5/5", message_thread_id=thread)
    assert rated.message_thread_id == thread

    # People: a member cannot write there, an administrator can; the General topic stays open.
    with pytest.raises(TopicClosed):
        staff.send_text(lan, "Cho em hỏi thêm", thread_id=thread)
    staff.send_text(lan, "Cho em hỏi thêm", thread_id=1)
    staff.promote(ha)
    assert staff.send_text(ha, "Đã xử lý xong", thread_id=thread)["message"]["message_thread_id"] == thread
    staff.promote_bot(False)
    assert await fake_bot.reopen_forum_topic(STAFF_CHAT, thread)
    staff.send_text(lan, "Cho em hỏi thêm", thread_id=thread)
    reopened = await fake_bot.send_message(STAFF_CHAT, "Mở lại", message_thread_id=thread)
    assert reopened.message_thread_id == thread
