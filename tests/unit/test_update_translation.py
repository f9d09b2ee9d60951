"""Telegram updates become the core's InboundEvents, field by field, for every kind of input, read
from the plain JSON Telegram sends, from aiogram's objects and from python-telegram-bot's alike."""

from __future__ import annotations

from typing import Any

import pytest
import telegram
from aiogram.types import Update

from bot.channels.bot_api.updates import UpdateTranslator, field, sequence_key
from bot.messages.events import Attachment, SharedContact

LAN = {"id": 1001, "is_bot": False, "first_name": "Lan", "language_code": "vi"}
PRIVATE = {"id": 1001, "type": "private", "first_name": "Lan"}
translator = UpdateTranslator(cancel_labels=["Huỷ", "Cancel"])
FORMS = ("json", "aiogram", "python-telegram-bot")
_form = ["json"]


@pytest.fixture(params=FORMS, autouse=True)
def form(request: pytest.FixtureRequest) -> str:
    """Every test reads its updates in each form: plain JSON, aiogram's and python-telegram-bot's."""
    _form[0] = request.param
    return str(request.param)


def parse(update: dict[str, Any]) -> Any:
    if _form[0] == "aiogram":
        return Update.model_validate(update)
    if _form[0] == "python-telegram-bot":
        return telegram.Update.de_json(update, None)
    return update


def message(update_id: int = 7, **content: Any) -> Any:
    update = parse({"update_id": update_id, "message": {
        "message_id": 42, "date": 0, "chat": PRIVATE, "from": LAN, **content}})
    assert field(update, "message") is not None
    return translator.from_message(field(update, "message"), update_id)


def test_text_message() -> None:
    event = message(text="/start order_42")
    assert event is not None
    assert (event.channel, event.user_id, event.chat_id) == ("telegram", "1001", "1001")
    assert event.text == "/start order_42" and (event.message_id, event.event_key) == (42, "7")
    assert (event.language_hint, event.display_name) == ("vi", "Lan")
    assert event.chat_kind == "private" and not event.is_edit and event.command == ("/start", "order_42")


def test_cancel_button_text_becomes_the_command() -> None:
    assert message(text="Huỷ").text == "/cancel"
    assert message(text="Huỷ đơn hàng").text == "Huỷ đơn hàng"


def test_contacts_own_and_others() -> None:
    own = message(contact={"phone_number": "+84912345678", "first_name": "Lan", "user_id": 1001})
    assert own.contact == SharedContact("+84912345678", "1001", "Lan")
    other = message(contact={"phone_number": "0987654321", "first_name": "Mai"})
    assert other.contact == SharedContact("0987654321", None, "Mai")


def test_attachments() -> None:
    photo = message(photo=[
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 1000},
        {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960, "file_size": 90000},
    ], caption="ảnh hoá đơn")
    assert photo.attachments == (Attachment("photo", "big", None, "image/jpeg", 90000),)
    assert photo.text == "ảnh hoá đơn"
    doc = message(document={"file_id": "D", "file_unique_id": "d", "file_name": "hd.pdf",
                            "mime_type": "application/pdf", "file_size": 10})
    assert doc.attachments == (Attachment("document", "D", "hd.pdf", "application/pdf", 10),)
    voice = message(voice={"file_id": "V", "file_unique_id": "v", "duration": 2, "mime_type": "audio/ogg"})
    assert voice.attachments[0].kind == "voice" and voice.attachments[0].file_id == "V"
    video = message(video={"file_id": "M", "file_unique_id": "m", "width": 1, "height": 1, "duration": 1})
    assert video.attachments[0].kind == "video"
    audio = message(audio={"file_id": "A", "file_unique_id": "a", "duration": 1})
    assert audio.attachments[0].kind == "audio"
    round_video = message(video_note={"file_id": "N", "file_unique_id": "n", "length": 384, "duration": 8,
                                      "file_size": 900})
    assert round_video.attachments == (Attachment("video_note", "N", None, "video/mp4", 900),)
    sticker = message(sticker={"file_id": "S", "file_unique_id": "s", "type": "regular", "width": 1,
                               "height": 1, "is_animated": False, "is_video": False})
    assert sticker.attachments[0].kind == "sticker"
    location = message(location={"latitude": 10.7, "longitude": 106.7})
    assert location.attachments == (Attachment("location"),)
    dice = message(dice={"emoji": "🎲", "value": 4})
    assert dice.attachments == (Attachment("other"),)


def test_a_gif_is_an_animation_not_the_document_telegram_also_sends() -> None:
    gif = {"file_id": "G", "file_unique_id": "g", "file_name": "cam-on.gif.mp4", "mime_type": "video/mp4",
           "file_size": 5000}
    event = message(animation={**gif, "width": 480, "height": 270, "duration": 2}, document=gif,
                    caption="hộp bị móp")
    assert event.attachments == (Attachment("animation", "G", "cam-on.gif.mp4", "video/mp4", 5000),)
    assert event.text == "hộp bị móp"


def test_service_messages_and_channels_give_no_event() -> None:
    assert message(pinned_message={"message_id": 1, "date": 0, "chat": PRIVATE}) is None
    update = parse({"update_id": 9, "channel_post": {
        "message_id": 1, "date": 0, "chat": {"id": -100, "type": "channel", "title": "K"}, "text": "x"}})
    assert field(update, "channel_post") is not None
    assert translator.from_message(field(update, "channel_post"), 9) is None


def test_group_topic_reply_and_edit() -> None:
    update = parse({"update_id": 11, "edited_message": {
        "message_id": 50, "date": 0, "edit_date": 1, "from": LAN, "text": "đã xử lý",
        "chat": {"id": -100500, "type": "supergroup", "title": "Staff", "is_forum": True},
        "message_thread_id": 7, "is_topic_message": True,
        "reply_to_message": {"message_id": 49, "date": 0,
                             "chat": {"id": -100500, "type": "supergroup", "title": "Staff"}}}})
    assert field(update, "edited_message") is not None
    event = translator.from_message(field(update, "edited_message"), 11, is_edit=True)
    assert event is not None
    assert (event.chat_kind, event.chat_id, event.thread_id, event.reply_to_message_id, event.is_edit) == (
        "group", "-100500", 7, 49, True)


def test_callback_query_data_is_passed_as_is() -> None:
    update = parse({"update_id": 12, "callback_query": {
        "id": "q1", "from": LAN, "chat_instance": "c", "data": "order:ABC-1:../../etc",
        "message": {"message_id": 3, "date": 0, "chat": PRIVATE, "text": "Chọn"}}})
    assert field(update, "callback_query") is not None
    event = translator.from_callback(field(update, "callback_query"), 12)
    assert event is not None
    assert event.button == "order:ABC-1:../../etc"
    assert (event.chat_id, event.message_id, event.event_key) == ("1001", 3, "12")
    assert sequence_key(update) == "user:1001"


STAFF = {"id": -100500, "type": "supergroup", "title": "Rosee Staff", "is_forum": True}
ANONYMOUS_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}


def group_message(update_id: int = 9, **content: Any) -> Any:
    content = {"message_id": 50, "date": 0, "chat": STAFF, **content}
    update = parse({"update_id": update_id, "message": content})
    return translator.from_message(field(update, "message"), update_id)


def test_an_anonymous_administrator_writes_as_the_group() -> None:
    event = group_message(**{"from": ANONYMOUS_BOT, "sender_chat": STAFF, "text": "Dạ em chào chị",
                             "author_signature": "Quản lý"})
    assert event is not None and event.anonymous_admin
    assert (event.user_id, event.chat_id, event.display_name) == ("-100500", "-100500", "Quản lý")
    untitled = group_message(**{"from": ANONYMOUS_BOT, "sender_chat": STAFF, "text": "Dạ"})
    assert untitled is not None and untitled.display_name == "Rosee Staff"
    # A linked channel's post in the group is not the group's own administrator; other bots say nothing.
    channel = {"id": -100777, "type": "channel", "title": "Rosee News"}
    assert group_message(**{"from": ANONYMOUS_BOT, "sender_chat": channel, "text": "Tin mới"}) is None
    assert group_message(**{"from": ANONYMOUS_BOT, "text": "Dạ"}) is None


def test_album_items_and_forwards_say_so() -> None:
    item = message(photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}],
                   media_group_id="13579")
    assert item.media_group_id == "13579" and not item.forwarded
    forwarded = message(text="Chị Hoa, 0987 111 222", forward_origin={
        "type": "user", "date": 0, "sender_user": {"id": 5, "is_bot": False, "first_name": "Hoa"}})
    assert forwarded.forwarded and forwarded.media_group_id is None
    assert not message(text="Dạ").forwarded


def test_names_lose_control_and_format_characters() -> None:
    spoof = {**LAN, "first_name": "Lan \u202edaolnwod\u202c", "last_name": "Nguyễn\u200b\n· đã xác minh"}
    event = message(text="Dạ", **{"from": spoof})
    assert event.display_name == "Lan daolnwod Nguyễn· đã xác minh"
    assert all(ch.isprintable() for ch in event.display_name)
