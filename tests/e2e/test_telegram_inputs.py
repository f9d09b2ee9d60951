"""Everything a user can send reaches the core safely: a polite reply or a quiet ignore, no exception."""

from __future__ import annotations

import asyncio
import logging

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest, says, sent_to
from tests.support.wording import rendered

LAN = 1001
GROUP = -100777


@pytest.fixture(autouse=True)
def no_incidents(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.ERROR)
    yield
    incidents = [r.getMessage() for r in caplog.records if "incident" in r.getMessage()]
    assert incidents == []


@pytest.mark.parametrize(
    ("send", "expected"),
    [
        (lambda lan: lan.send_sticker(), "cảm ơn Quý khách 😊"),
        (lambda lan: lan.send_photo(caption="ảnh"), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_photo(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_voice(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_location(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_document(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send({"video": {"file_id": "VID1", "file_unique_id": "v1", "width": 640,
                                         "height": 480, "duration": 3}}), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send({"audio": {"file_id": "AUD1", "file_unique_id": "a1", "duration": 3}}),
         "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_animation(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_animation(caption="hộp bị móp"), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send_video_note(), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.send({"dice": {"emoji": "🎲", "value": 3}}), "chỉ đọc được tin nhắn chữ"),
        (lambda lan: lan.share_contact("+84987654321", own=False), "Số này không phải số Telegram"),
        (lambda lan: lan.send_text("/khongcolenhnay"), "chưa hiểu lệnh này"),
        (lambda lan: lan.send_text("x" * 5000), ""),
    ],
    ids=["sticker", "photo-caption", "photo", "voice", "location", "document", "video", "audio", "gif",
         "gif-caption", "round-video", "dice", "others-contact", "unknown-command", "very-long-text"],
)
async def test_each_kind_of_message_gets_a_polite_reply(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest, send, expected
) -> None:
    await telegram_bot.start()
    send(api.user(LAN, "Lan"))
    reply = await api.wait_for("sendMessage", sent_to(LAN))
    assert expected in reply.result["text"]


async def test_edited_message_channel_post_and_inline_query_are_ignored_safely(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    first = lan.send_text("/help")
    await api.wait_for("sendMessage", sent_to(LAN))
    lan.edit_text(first["message"]["message_id"], "/start")
    api.inject_update({"channel_post": {"message_id": 1, "date": 0, "text": "tin kênh",
                                        "chat": {"id": -100999, "type": "channel", "title": "Kênh"}}})
    api.inject_update({"inline_query": {"id": "iq1", "from": lan.as_user, "query": "đơn", "offset": ""}})
    lan.send_text("/lang")
    await api.wait_for("sendMessage", sent_to(LAN), count=2)
    await asyncio.sleep(0.3)
    assert len(api.calls_of("sendMessage", ok_only=True)) == 2


async def test_a_group_that_adds_the_bot_as_member_gets_one_note(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.group(GROUP, "Nhóm bạn bè").add_bot(by=api.user(LAN, "Lan"), status="member")
    note = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == GROUP)
    assert note.result["text"] == rendered("telegram.group_note")


async def test_a_group_gets_one_note_and_its_messages_are_not_answered(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    group = api.group(GROUP, "Nhóm bạn bè")
    group.add_bot(by=lan)  # as administrator
    note = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == GROUP)
    assert note.result["text"] == rendered("telegram.group_note")
    group.send_text(lan, "số điện thoại của tôi là 0912345678, đơn hàng đâu?")
    group.send_text(lan, "/start")
    lan.send_text("/help")
    await api.wait_for("sendMessage", sent_to(LAN))
    await asyncio.sleep(0.3)
    assert len([c for c in api.calls_of("sendMessage") if c.chat_id == GROUP]) == 1


async def test_every_button_press_is_answered_even_a_stale_one(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    lan.send_command("/start")
    await api.wait_for("sendMessage", sent_to(LAN))
    message = api.last_bot_message(LAN)
    message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] = "gone:away"
    query_id = lan.press_button(message, "gone:away")
    await api.wait_for("answerCallbackQuery", lambda c: c.ok and c.params["callback_query_id"] == query_id)
    await api.wait_for("sendMessage", says(LAN, rendered("core.stale_button")))


async def test_a_long_answer_is_split_with_the_keyboard_on_the_last_part(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    from bot.messages.actions import Button, SendText

    runtime = await telegram_bot.start()
    api.user(LAN, "Lan")
    long_text = "\n\n".join(f"<b>Đoạn {n}</b>: " + "chính sách bảo mật " * 40 for n in range(12))
    action = SendText(long_text, ((Button("Menu", "menu:main"),),))
    from bot.messages.actions import Address

    await runtime.sender.reply(Address("telegram", str(LAN)), [action])
    calls = api.calls_of("sendMessage", ok_only=True)
    assert len(calls) >= 3 and all(len(c.params["text"]) < 4096 for c in calls)
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]
