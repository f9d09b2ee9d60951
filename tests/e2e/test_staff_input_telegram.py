"""Issue 15, parts 1, 5 and 6 through the real Telegram channels (aiogram and python-telegram-bot) and
the fake Bot API: what Telegram sends (albums, forwards, anonymous administrators, names) is read
and rendered as the relay rules and the escaping need.

- A customer named `<a href="…">Admin</a>` is words in the staff photo caption, not a link; `Lan <3`
  does not break the caption (the photo arrives).
- A name with a right-to-left override is shown without it, and the card's verified marker is on a
  line before the name.
- A staff album captioned "!" sends none of its photos; a forwarded message is not relayed until a
  staff member presses "send"; an anonymous administrator's reply reaches the customer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from tests.e2e.test_staff_desk_telegram import (
    HA,
    LAN,
    STAFF_CHAT,
    STORY,
    file_complaint,
    in_thread,
    press_last,
    ticket_in_a_topic,
)
from tests.fakes.bot_api import Call, FakeBotApi
from tests.support.telegram_bot import TelegramBotUnderTest
from tests.support.wording import rendered


def to_lan(fragment: str) -> Callable[[Call], bool]:
    return lambda c: c.ok and c.chat_id == LAN and fragment in c.params["text"]


GROUP_ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                       "username": "GroupAnonymousBot"}


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str,
                   telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                                      staff_chat_is_forum=True, staff_user_ids=(HA,))
    yield under_test
    await under_test.stop()


@pytest.mark.parametrize("name", ['<a href="https://evil.example/x">Admin</a>', "Lan <3"])
async def test_a_customers_name_is_words_in_a_staff_caption(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest, name: str
) -> None:
    await desk_bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    await file_complaint(api, api.user(LAN, name), STORY, with_photo=True)
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    thread = topic.result["message_thread_id"]
    photo = await api.wait_for("sendPhoto", in_thread(STAFF_CHAT, thread), timeout=10)
    assert name in photo.result["caption"]
    assert not [e for e in photo.result.get("caption_entities", []) if e["type"] == "text_link"]
    assert not [c for c in api.calls_of("sendPhoto") if not c.ok]


async def test_a_right_to_left_override_cannot_move_the_verified_marker(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    await desk_bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    spoof = "Lan \u202ehnim cáx ãđ ✅\u202c"
    await file_complaint(api, api.user(LAN, spoof), STORY)
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    card = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, topic.result["message_thread_id"], STORY),
                              timeout=10)
    text = card.result["text"]
    assert "\u202e" not in text and "\u202c" not in text
    lines = text.splitlines()
    marker = next(i for i, line in enumerate(lines) if rendered("staff.unverified") in line)
    name = next(i for i, line in enumerate(lines) if "Lan hnim" in line)
    assert marker < name and rendered("staff.unverified") not in lines[name]


async def test_a_staff_album_captioned_as_a_note_sends_none_of_its_photos(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    staff, ha, _, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    for index, caption in enumerate(["!ảnh trong kho, không gửi khách", None, None]):
        sizes = [{"file_id": f"album-{index}", "file_unique_id": f"u{index}", "width": 9, "height": 9}]
        content = {"photo": sizes, "media_group_id": "album-77", **({"caption": caption} if caption else {})}
        ha.send(content, STAFF_CHAT, thread)
    staff.send_text(ha, "Dạ chị chờ em chút ạ", thread_id=thread)  # an ordinary reply after it
    await api.wait_for("sendMessage", to_lan("chờ em chút"), timeout=10)
    await asyncio.sleep(4)  # past the album wait: nothing of it is released
    assert [c for c in api.calls_of("sendPhoto") if c.chat_id == LAN] == []


async def test_a_forwarded_message_is_relayed_only_when_staff_press_send(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, ha, _, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None
    origin = {"type": "user", "date": 0, "sender_user": {"id": 5, "is_bot": False, "first_name": "Hoa"}}
    ha.send({"text": "Chị Hoa 0987 111 222, 12 Lý Thường Kiệt", "forward_origin": origin}, STAFF_CHAT, thread)
    question = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread,
                                                           "chưa được gửi cho khách"), timeout=10)
    await asyncio.sleep(0.5)
    assert not [t for t in api.sent_texts(LAN) if "Lý Thường Kiệt" in t]
    send = next(b["callback_data"] for row in question.result["reply_markup"]["inline_keyboard"]
                for b in row if b["callback_data"].startswith("fwd:send:"))
    await press_last(api, ha, STAFF_CHAT, send)
    await api.wait_for("sendMessage", to_lan("Lý Thường Kiệt"), timeout=10)


async def test_an_anonymous_administrators_reply_reaches_the_customer(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    staff, _, _, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    message = {"from": GROUP_ANONYMOUS_BOT, "sender_chat": staff.chat, "text": "Dạ bên em đã ghi nhận ạ",
               "message_thread_id": ticket.staff_thread_id, "is_topic_message": True}
    api.inject_update({"message": dict(api.store.add_message(staff.chat, message))})
    await api.wait_for("sendMessage", to_lan("đã ghi nhận"), timeout=10)


# A flood from one customer (issue 15, part 7) ------------------------------------------------------------
async def test_forty_messages_from_one_customer_do_not_delay_another_customers_new_ticket(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    """One delivery queue per staff group at 20 messages a minute: before, Lan's 40 messages made
    Bình's new ticket wait 40 s and more. Now her burst is gathered into one digest, and a new ticket's
    topic and card are claimed first."""
    api.enforce_rate_limits = True
    _, _, lan, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None
    for n in range(40):
        lan.send_text(f"Tin nhắn số {n + 1} của chị Lan")
    await api.wait_for("sendMessage", to_lan("chuyển gộp"), timeout=20)  # told once: the rest is gathered
    binh = api.user(2002, "Bình")
    started = asyncio.get_running_loop().time()
    await file_complaint(api, binh, "Giao nhầm màu son, tôi muốn đổi")
    filed = asyncio.get_running_loop().time()
    topic = await api.wait_for("createForumTopic",
                               lambda c: c.ok and c.result["message_thread_id"] != thread, timeout=30)
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, topic.result["message_thread_id"], "nhầm màu"),
                       timeout=30)
    card_delay = asyncio.get_running_loop().time() - filed
    assert card_delay < 5, f"the card waited {card_delay:.1f}s (intake took {filed - started:.1f}s)"
    relays = [c for c in api.calls_of("sendMessage", ok_only=True) if c.chat_id == STAFF_CHAT
              and c.params.get("message_thread_id") == thread and "Tin nhắn số" in c.params["text"]]
    assert len(relays) <= 6  # five on their own, then the digest (sent after its wait)
    digest = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Tin nhắn số 40"), timeout=40)
    assert "Tin nhắn số 6 của" in digest.result["text"]  # the first one gathered, with all after it
    print(f"new ticket's card {card_delay:.2f}s after the intake; {len(relays)} relays before the digest")
