"""The complaint story through the real Telegram channel and the fake Bot API server.

A customer files a complaint with a photo; the bot opens a forum topic in the staff group
(createForumTopic), posts the card and the photo into it; staff take the ticket with the card button and
answer in the topic; a 429 during the relay is waited out and the answer arrives once; the customer's
reply lands in the topic; staff resolve; the customer rates.

The topic follows the ticket: resolving posts a note and closes the topic (closeForumTopic), reopening
opens it again before its note, both through the outbox (so a restart in between changes nothing);
in card mode nothing of this happens. Voice messages, videos, GIFs, round videos and audio are relayed
both ways by the file id Telegram gave us, each by its own method (sendVoice / sendVideo /
sendAnimation / sendVideoNote / sendAudio: file ids are typed); a round video's words, which
sendVideoNote cannot carry, follow it as a message; stickers are not relayed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.messages.actions import Action, Address, SendAttachment
from bot.messages.events import Attachment
from bot.services.outbox import enqueue
from bot.storage.models import Ticket
from tests.fakes.bot_api import Call, FakeBotApi, FakeGroup, FakeUser
from tests.fakes.bot_api.updates import TopicClosed
from tests.support.telegram_bot import TelegramBotUnderTest, says, sent_to
from tests.support.wording import label, markup, rendered

LAN = 1001
STAFF_CHAT = -1002000000001
HA = 777
MINH = 778
TOPIC_CALLS = ("createForumTopic", "closeForumTopic", "reopenForumTopic")
STORY = "Son bị gãy khi mở hộp"


@pytest.fixture
async def desk_bot(api: FakeBotApi, sqlite_url: str,
                   telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                                      staff_chat_is_forum=True)
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
    staff.promote_bot()  # an administrator managing topics: it still posts in a closed topic
    lan = api.user(LAN, "Lan")

    # The customer's intake, with a photo.
    story = "Son bị gãy ngay khi mở hộp, tôi muốn đổi sản phẩm"
    await file_complaint(api, lan, story, with_photo=True)

    # The staff topic, then the card (the message with the story) and the photo inside it.
    topic_call = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    product = label("complaints.category.product")
    assert topic_call.params["name"].startswith("KN-2026-") and product in topic_call.params["name"]
    thread = topic_call.result["message_thread_id"]
    card = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, story), timeout=10)
    photo = await api.wait_for("sendPhoto", in_thread(STAFF_CHAT, thread), timeout=10)
    assert card.time < photo.time
    ticket = await ticket_of(desk_bot)
    assert ticket.staff_thread_id == thread and ticket.staff_card_message_id == card.result["message_id"]
    assert topic_call.params["name"] == rendered("staff.topic_name", number=ticket.number,
                                                 category=markup("complaints.category.product"))
    number = ticket.number

    # Staff take it with the card's button: the reply lands in the topic, the customer is told.
    ha.press_button(card.result, f"desk:take:{ticket.id}")
    took = rendered("staff.taken", staff="Hà", number=number)
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, took), timeout=10)
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.taken", number=number)), timeout=10)

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
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.resolved", number=number)), timeout=10)
    await press_last(api, lan, LAN, f"rate:{ticket.id}:5")
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.rating_thanks", stars="⭐⭐⭐⭐⭐")),
                       timeout=10)
    rated = rendered("staff.rated", number=number, rating=5)
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, rated), timeout=10)
    assert not any("khách quen" in t for t in api.sent_texts(LAN))
    assert (await ticket_of(desk_bot)).rating == 5
    assert len(api.calls_of("createForumTopic", ok_only=True)) == 1


# Helpers for the stories below ------------------------------------------------------------------------
async def file_complaint(api: FakeBotApi, lan: FakeUser, text: str = STORY, *,
                         with_photo: bool = False) -> None:
    """The customer's intake (a product complaint, no order), up to the ticket number."""
    lan.send_command("/start", "complaint")
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.choose_category")))
    await press_last(api, lan, LAN, "complaint:cat:product")
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.choose_order_unverified")))
    await press_last(api, lan, LAN, "complaint:order:-")
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.ask_description")))
    lan.send_text(text)
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.ask_attachments")))
    if with_photo:
        lan.send_photo()
        await api.wait_for("sendMessage", says(LAN, rendered("complaints.attachment_received", count=1)))
    await press_last(api, lan, LAN, "complaint:continue")
    summary = rendered("complaints.summary", category=markup("complaints.category.product"),
                       order=markup("complaints.no_order"), description=text,
                       attachments="1" if with_photo else markup("complaints.no_attachments"))
    await api.wait_for("sendMessage", says(LAN, summary))
    await press_last(api, lan, LAN, "complaint:submit")
    await api.wait_for("sendMessage", says(LAN, "KN-2026-"), timeout=10)


async def ticket_in_a_topic(
    api: FakeBotApi, bot: TelegramBotUnderTest
) -> tuple[FakeGroup, FakeUser, FakeUser, Ticket, dict[str, Any]]:
    """Started bot, forum staff group (the bot and Hà administrators), Lan's ticket with its topic and
    card: (staff group, Hà, Lan, ticket, card message)."""
    await bot.start()
    staff = api.add_forum_chat(STAFF_CHAT)
    ha = api.user(HA, "Hà")
    staff.promote_bot()
    staff.promote(ha)
    lan = api.user(LAN, "Lan")
    await file_complaint(api, lan, STORY)
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    thread = topic.result["message_thread_id"]
    card = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, STORY), timeout=10)
    ticket = await ticket_of(bot)
    assert ticket.staff_thread_id == thread
    return staff, ha, lan, ticket, card.result


def on_topic(thread: int) -> Any:
    return lambda call: call.ok and call.chat_id == STAFF_CHAT and call.params["message_thread_id"] == thread


async def enqueue_for(bot: TelegramBotUnderTest, chat_id: int, *actions: Action) -> None:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        for action in actions:
            await enqueue(uow, bot.app.clock, Address("telegram", str(chat_id)), action)
        await uow.commit()


# The topic follows the ticket -------------------------------------------------------------------------
async def test_resolving_closes_the_topic_after_its_note_and_reopening_opens_it_before_its_note(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    staff, ha, _, ticket, card = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None
    minh = api.user(MINH, "Minh")  # a member of the staff group, not an administrator

    # Resolve: the customer is asked for a rating; the note, then closeForumTopic.
    number = ticket.number
    ha.press_button(card, f"desk:resolve:{ticket.id}")
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.resolved", number=number)), timeout=10)
    closed = await api.wait_for("closeForumTopic", on_topic(thread), timeout=10)
    closing = rendered("staff.topic_closed", staff="Hà", number=number)  # who resolved it, in the note
    note = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, closing), timeout=10)
    assert note.time < closed.time
    assert api.topics(STAFF_CHAT)[thread]["is_closed"] is True
    await asyncio.sleep(0.3)
    resolution = (closing, rendered("staff.resolved", staff="Hà", number=number))
    said_in_topic = [t for t in api.sent_texts(STAFF_CHAT) if t in resolution]
    assert len(said_in_topic) == 1, "pressed in its own topic, the resolution is said once"

    # In the closed topic only administrators can write; what Hà writes still reaches the customer,
    # as a staff message in a resolved ticket's topic always has, and the ticket stays resolved.
    with pytest.raises(TopicClosed):
        staff.send_text(minh, "Em bổ sung thêm ạ", thread_id=thread)
    staff.send_text(ha, "Chị nhớ kiểm tra hộp thư giúp em nhé", thread_id=thread)
    await api.wait_for("sendMessage", says(LAN, "kiểm tra hộp thư"), timeout=10)
    assert (await ticket_of(desk_bot)).status == "resolved"

    # Reopen: reopenForumTopic, then its note; the customer is told; members can write again.
    ha.press_button(card, f"desk:reopen:{ticket.id}")
    reopened = await api.wait_for("reopenForumTopic", on_topic(thread), timeout=10)
    opening = rendered("staff.topic_reopened", staff="Hà", number=number)
    reopen_note = await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, opening), timeout=10)
    assert reopened.time < reopen_note.time
    await asyncio.sleep(0.3)
    reopening = (opening, rendered("staff.reopened", staff="Hà", number=number))
    assert len([t for t in api.sent_texts(STAFF_CHAT) if t in reopening]) == 1
    assert api.topics(STAFF_CHAT)[thread]["is_closed"] is False
    await api.wait_for("sendMessage", says(LAN, rendered("complaints.reopened", number=number)), timeout=10)
    staff.send_text(minh, "Em Minh tiếp nhận lại phiếu này ạ", thread_id=thread)
    await api.wait_for("sendMessage", says(LAN, "Em Minh tiếp nhận lại"), timeout=10)

    # Resolved a second time: closed again.
    ha.press_button(card, f"desk:resolve:{ticket.id}")
    await api.wait_for("closeForumTopic", on_topic(thread), timeout=10, count=2)
    assert api.topics(STAFF_CHAT)[thread]["is_closed"] is True
    assert [c.status for c in api.calls_of("closeForumTopic")] == [200, 200]
    assert [c.status for c in api.calls_of("reopenForumTopic")] == [200]


async def test_a_restart_between_resolve_and_delivery_still_closes_the_topic(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, ha, _, ticket, card = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None
    api.fail_next("closeForumTopic", error_code=502, times=1000)  # Telegram is away for closing topics

    closing = rendered("staff.topic_closed", staff="Hà", number=ticket.number)
    ha.press_button(card, f"desk:resolve:{ticket.id}")
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, closing), timeout=10)
    await api.wait_for("closeForumTopic", lambda c: c.status == 502, timeout=10)
    await desk_bot.stop()
    assert api.topics(STAFF_CHAT)[thread]["is_closed"] is False

    api.faults.failures.clear()
    await desk_bot.start()
    await api.wait_for("closeForumTopic", on_topic(thread), timeout=15)
    assert api.topics(STAFF_CHAT)[thread]["is_closed"] is True
    assert len(api.calls_of("closeForumTopic", ok_only=True)) == 1
    assert api.sent_texts(STAFF_CHAT).count(closing) == 1


async def test_card_mode_makes_no_topic_calls(api: FakeBotApi, sqlite_url: str,
                                              telegram_library: str) -> None:
    bot = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, staff_chat_id=STAFF_CHAT,
                               staff_chat_is_forum=False)
    try:
        await bot.start()
        staff = api.group(STAFF_CHAT)
        ha = api.user(HA, "Hà")
        staff.promote_bot()
        lan = api.user(LAN, "Lan")
        await file_complaint(api, lan)
        card = await api.wait_for("sendMessage", lambda c: c.ok and c.chat_id == STAFF_CHAT
                                  and STORY in c.result["text"], timeout=10)
        ticket = await ticket_of(bot)
        number = ticket.number
        ha.press_button(card.result, f"desk:resolve:{ticket.id}")
        resolved = rendered("complaints.resolved", number=number)
        await api.wait_for("sendMessage", says(LAN, resolved), timeout=10)
        ha.press_button(card.result, f"desk:reopen:{ticket.id}")
        await api.wait_for("sendMessage", says(LAN, rendered("complaints.reopened", number=number)),
                           timeout=10)
        reopened = rendered("staff.reopened", staff="Hà", number=number)
        await api.wait_for("sendMessage", says(STAFF_CHAT, reopened), timeout=10)
        assert all(status == "sent" for status, _ in await bot.wait_outbox_settled())
        assert [c for name in TOPIC_CALLS for c in api.calls_of(name)] == []
        notes = {rendered(f"staff.topic_{change}", staff="Hà", number=number)
                 for change in ("closed", "reopened")}
        assert not notes & set(api.sent_texts(STAFF_CHAT))
    finally:
        await bot.stop()


# Voice, video, GIFs, round videos, audio and stickers ---------------------------------------------------
async def test_a_staff_voice_message_reaches_the_customer_as_a_voice_message(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, ha, _, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    sent = ha.send_voice(duration=7, chat_id=STAFF_CHAT, thread_id=ticket.staff_thread_id)
    file_id = sent["message"]["voice"]["file_id"]
    voice = await api.wait_for("sendVoice", sent_to(LAN), timeout=10)
    assert voice.params["voice"] == file_id
    assert voice.result["voice"]["file_id"] == file_id and voice.result["voice"]["duration"] == 7
    assert ticket.number in voice.result["caption"]


async def test_a_customers_video_and_audio_reach_the_topic_and_a_sticker_is_only_thanked_for(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, _, lan, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None

    video_id = lan.send_video(caption="Hộp son bị móp")["message"]["video"]["file_id"]
    video = await api.wait_for("sendVideo", in_thread(STAFF_CHAT, thread), timeout=10)
    assert video.params["video"] == video_id and video.result["video"]["file_id"] == video_id
    assert "Lan" in video.result["caption"] and ticket.number in video.result["caption"]
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Hộp son bị móp"), timeout=10)
    relayed = rendered("complaints.relayed", number=ticket.number)
    await api.wait_for("sendMessage", says(LAN, relayed), timeout=10)

    audio_id = lan.send_audio()["message"]["audio"]["file_id"]
    audio = await api.wait_for("sendAudio", in_thread(STAFF_CHAT, thread), timeout=10)
    assert audio.params["audio"] == audio_id and audio.result["audio"]["file_name"] == "ghi-am-cuoc-goi.mp3"

    lan.send_sticker("🙏")
    await api.wait_for("sendMessage", says(LAN, rendered("core.attachment.sticker")), timeout=10)
    assert await desk_bot.wait_outbox_settled()
    assert api.calls_of("sendSticker") == []


async def test_a_customers_gif_reaches_the_topic_as_an_animation_and_a_round_video_as_a_video_note(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, _, lan, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id
    assert thread is not None

    gif_id = lan.send_animation(caption="Hộp son móp thế này")["message"]["animation"]["file_id"]
    gif = await api.wait_for("sendAnimation", in_thread(STAFF_CHAT, thread), timeout=10)
    assert gif.params["animation"] == gif_id and gif.result["animation"]["file_id"] == gif_id
    assert "Lan" in gif.result["caption"] and ticket.number in gif.result["caption"]
    await api.wait_for("sendMessage", in_thread(STAFF_CHAT, thread, "Hộp son móp thế này"), timeout=10)
    relayed = rendered("complaints.relayed", number=ticket.number)
    await api.wait_for("sendMessage", says(LAN, relayed), timeout=10)

    note_id = lan.send_video_note(duration=20)["message"]["video_note"]["file_id"]
    note = await api.wait_for("sendVideoNote", in_thread(STAFF_CHAT, thread), timeout=10)
    assert note.params["video_note"] == note_id and "caption" not in note.params
    assert note.result["video_note"]["file_id"] == note_id and note.result["video_note"]["duration"] == 20
    # Who sent it and the ticket ("👤 Lan · KN-…"), which a round video cannot carry, follow it.
    alone = rendered("staff.customer_attachment", name="Lan", number=ticket.number)
    words = await api.wait_for("sendMessage", lambda c: in_thread(STAFF_CHAT, thread)(c)
                               and c.result["text"] == alone, timeout=10)
    assert note.time < words.time
    assert all(status == "sent" for status, _ in await desk_bot.wait_outbox_settled())
    assert api.calls_of("sendVideo") == []


async def test_a_staff_round_video_reaches_the_customer_as_a_video_note_and_a_gif_as_an_animation(
    api: FakeBotApi, desk_bot: TelegramBotUnderTest
) -> None:
    _, ha, _, ticket, _ = await ticket_in_a_topic(api, desk_bot)
    thread = ticket.staff_thread_id

    sent = ha.send_video_note(duration=15, chat_id=STAFF_CHAT, thread_id=thread)
    note_id = sent["message"]["video_note"]["file_id"]
    note = await api.wait_for("sendVideoNote", sent_to(LAN), timeout=10)
    assert note.params["video_note"] == note_id and "caption" not in note.params
    assert note.result["video_note"]["file_id"] == note_id and note.result["video_note"]["duration"] == 15
    attached = rendered("complaints.staff_attachment", number=ticket.number)
    words = await api.wait_for("sendMessage", says(LAN, attached), timeout=10)
    assert note.time < words.time

    gif_id = ha.send_animation(chat_id=STAFF_CHAT, thread_id=thread)["message"]["animation"]["file_id"]
    gif = await api.wait_for("sendAnimation", sent_to(LAN), timeout=10)
    assert gif.params["animation"] == gif_id and gif.result["animation"]["file_id"] == gif_id
    assert gif.result["caption"] == attached
    assert api.calls_of("sendVideo") == []


async def test_each_kind_of_file_goes_out_by_its_own_method(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan")
    files = {
        "voice": api.store.add_file(b"OggS", "voice", "voice.oga", "audio/ogg", {"duration": 4}),
        "video": api.store.add_file(b"ftyp", "videos", "clip.mp4", "video/mp4", {"duration": 9}),
        "animation": api.store.add_file(b"ftyp", "animations", "gif.mp4", "video/mp4", {"duration": 2}),
        "video_note": api.store.add_file(b"ftyp", "video_notes", "round.mp4", "video/mp4", {"length": 240}),
        "audio": api.store.add_file(b"ID3", "music", "call.mp3", "audio/mpeg", {"duration": 60}),
        "sticker": api.store.add_file(b"RIFF", "stickers", "s.webp", "image/webp", {"emoji": "🌹"}),
    }
    await enqueue_for(telegram_bot, LAN, *(
        SendAttachment(Attachment(kind, stored.file_id), f"<b>{kind}</b> từ nhân viên")  # type: ignore[arg-type]
        for kind, stored in files.items()
    ))
    for method, kind in (("sendVoice", "voice"), ("sendVideo", "video"), ("sendAnimation", "animation"),
                         ("sendVideoNote", "video_note"), ("sendAudio", "audio"), ("sendSticker", "sticker")):
        call = await api.wait_for(method, sent_to(LAN), timeout=10)
        file_id = files[kind].file_id
        assert call.params[kind] == file_id and call.result[kind]["file_id"] == file_id
    voice, sticker = api.calls_of("sendVoice")[0], api.calls_of("sendSticker")[0]
    assert voice.result["caption"] == "voice từ nhân viên" and voice.result["voice"]["duration"] == 4
    assert "caption" not in sticker.params and sticker.result["sticker"]["emoji"] == "🌹"
    gif, note = api.calls_of("sendAnimation")[0], api.calls_of("sendVideoNote")[0]
    assert gif.result["caption"] == "animation từ nhân viên" and gif.result["animation"]["duration"] == 2
    assert "caption" not in note.params and note.result["video_note"]["length"] == 240
    # The words of a sticker and of a round video follow them as messages of their own.
    await api.wait_for("sendMessage", says(LAN, "sticker từ nhân viên"), timeout=10)
    await api.wait_for("sendMessage", says(LAN, "video_note từ nhân viên"), timeout=10)
    assert [s for s, _ in await telegram_bot.wait_outbox_settled()] == ["sent"] * 6
