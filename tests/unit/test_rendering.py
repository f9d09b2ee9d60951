"""Actions as Bot API calls: one message per part, markup where Telegram users expect it (the shared
calls, checked as aiogram builds them; tests/unit/test_ptb_rendering.py checks python-telegram-bot's)."""

from __future__ import annotations

from aiogram.methods import (
    SendAnimation,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendSticker,
    SendVideo,
    SendVideoNote,
)
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.channels.bot_api.rendering import inline_keyboard, one_message_each, render
from bot.channels.telegram.rendering import inline_markup, to_method
from bot.messages.actions import Address, Button, RequestContact, SendAttachment, SendText
from bot.messages.actions import SendDocument as Doc
from bot.messages.events import Attachment

TO = Address("telegram", "1001")
LONG = "\n\n".join(f"Đoạn {n}: " + "thông tin được bảo mật. " * 80 for n in range(1, 6))  # 3 messages
BUTTONS = ((Button("Menu", "menu:main"),),)


def methods(action: object) -> list[object]:
    return [to_method(call) for call in render(action, TO)]  # type: ignore[arg-type]


def test_a_long_text_is_one_message_per_part_with_its_buttons_on_the_last() -> None:
    sent = methods(SendText(LONG, BUTTONS, remove_reply_keyboard=True))
    assert len(sent) == 3 and all(isinstance(m, SendMessage) for m in sent)
    assert isinstance(sent[0].reply_markup, ReplyKeyboardRemove)  # type: ignore[attr-defined]
    assert sent[1].reply_markup is None  # type: ignore[attr-defined]
    assert isinstance(sent[2].reply_markup, InlineKeyboardMarkup)  # type: ignore[attr-defined]
    assert "".join(m.text for m in sent).count("Đoạn") == 5  # type: ignore[attr-defined]


def test_one_message_that_removes_the_reply_keyboard_adds_its_buttons_after() -> None:
    (step,) = render(SendText("Cảm ơn Quý khách.", BUTTONS, remove_reply_keyboard=True), TO)
    assert isinstance(to_method(step).reply_markup, ReplyKeyboardRemove)  # type: ignore[attr-defined]
    assert step.then_keyboard is not None
    assert isinstance(inline_markup(step.then_keyboard), InlineKeyboardMarkup)


def test_a_long_contact_request_puts_its_keyboard_on_the_last_part() -> None:
    sent = methods(RequestContact(LONG, "Chia sẻ số điện thoại", "Hủy"))
    assert len(sent) == 3 and [m.reply_markup is None for m in sent] == [True, True, False]  # type: ignore[attr-defined]
    assert isinstance(sent[-1].reply_markup, ReplyKeyboardMarkup)  # type: ignore[attr-defined]


def test_captions_that_do_not_fit_or_cannot_be_carried_go_as_messages_after() -> None:
    long_caption = "Chú thích rất dài. " * 80
    document = methods(Doc("don.pdf", b"%PDF", caption=long_caption))
    assert isinstance(document[0], SendDocument) and document[0].caption is None
    assert isinstance(document[1], SendMessage) and document[1].text == long_caption
    photo = methods(SendAttachment(Attachment("photo", "AgAD1"), caption="Ảnh hóa đơn"))
    assert len(photo) == 1 and isinstance(photo[0], SendPhoto) and photo[0].caption == "Ảnh hóa đơn"
    sticker = methods(SendAttachment(Attachment("sticker", "CAAD1"), caption="Khách gửi nhãn dán"))
    assert isinstance(sticker[0], SendSticker) and isinstance(sticker[1], SendMessage)
    location = methods(SendAttachment(Attachment("location"), caption="Khách gửi vị trí"))
    assert len(location) == 1 and location[0].text == "Khách gửi vị trí"  # type: ignore[attr-defined]
    assert methods(SendAttachment(Attachment("location"))) == []


def test_a_gif_goes_by_send_animation_with_its_caption_and_a_round_video_by_send_video_note() -> None:
    """File ids are typed: a GIF's or a round video's id is sent by its own method, never sendVideo."""
    gif = methods(SendAttachment(Attachment("animation", "CgAD1", "cam-on.gif.mp4", "video/mp4"),
                                 caption="<b>Lan</b> · KN-2026-000001"))
    assert len(gif) == 1 and isinstance(gif[0], SendAnimation)
    assert (gif[0].animation, gif[0].caption, gif[0].parse_mode) == ("CgAD1", "<b>Lan</b> · KN-2026-000001",
                                                                     "HTML")
    round_video = methods(SendAttachment(Attachment("video_note", "DQAD1"), caption="Nhân viên gửi kèm"))
    assert [type(m) for m in round_video] == [SendVideoNote, SendMessage]
    assert round_video[0].video_note == "DQAD1"  # type: ignore[attr-defined]
    assert round_video[1].text == "Nhân viên gửi kèm"  # type: ignore[attr-defined]  # sendVideoNote has no caption
    assert [type(m) for m in methods(SendAttachment(Attachment("video_note", "DQAD1")))] == [SendVideoNote]
    assert isinstance(methods(SendAttachment(Attachment("video", "BAAD1")))[0], SendVideo)
    too_long = methods(SendAttachment(Attachment("animation", "CgAD1"), caption="x" * 1100))
    assert [type(m) for m in too_long] == [SendAnimation, SendMessage]
    assert too_long[0].caption is None  # type: ignore[attr-defined]


def test_each_part_renders_to_exactly_one_message() -> None:
    for action in (SendText(LONG, BUTTONS), RequestContact(LONG, "Chia sẻ", "Hủy"),
                   SendAttachment(Attachment("sticker", "CAAD1"), caption=LONG),
                   SendAttachment(Attachment("video_note", "DQAD1"), caption=LONG),
                   SendAttachment(Attachment("animation", "CgAD1"), caption=LONG)):
        for part in one_message_each(action):
            assert sum(step.is_message for step in render(part, TO)) == 1


def test_a_keyboard_is_built_once_and_shared_by_the_messages_that_carry_it() -> None:
    menu = ((Button("Mục 1", "privacy:1"),), (Button("💬 Gặp nhân viên", "human:start"),))
    first = inline_keyboard(menu)
    again = inline_keyboard(tuple(tuple(Button(b.label, b.data) for b in row) for row in menu))
    other = inline_keyboard(((Button("Mục 2", "privacy:2"),),))
    assert first is not None and again is not None and other is not None
    assert inline_markup(first) is inline_markup(again)  # equal buttons, the same markup
    assert inline_markup(other) is not inline_markup(first)
    assert [[(b.text, b.callback_data) for b in row] for row in inline_markup(first).inline_keyboard] == [
        [("Mục 1", "privacy:1")], [("💬 Gặp nhân viên", "human:start")]
    ]
    assert inline_keyboard(()) is None
