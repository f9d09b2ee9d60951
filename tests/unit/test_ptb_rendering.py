"""The shared Bot API calls as python-telegram-bot performs them: the method by its snake_case name,
markup and uploads as its objects, and its errors as the shared sender's."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.bot_api.rendering import inline_keyboard, render
from bot.channels.bot_api.sender import Blocked, FloodWait, Rejected, Unavailable
from bot.channels.ptb.rendering import inline_markup, snake_case, to_call
from bot.channels.ptb.transport import PtbTransport
from bot.messages.actions import Address, Button, RequestContact, SendDocument, SendText

TO = Address("telegram", "1001")
BUTTONS = ((Button("Menu", "menu:main"),),)


class RecordingBot:
    """Records the coroutine called and its arguments; raises `error` when given one."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def __getattr__(self, name: str) -> Any:
        async def method(**params: Any) -> bool:
            self.calls.append((name, params))
            if self.error is not None:
                raise self.error
            return True
        return method


async def performed(action: object) -> list[tuple[str, dict[str, Any]]]:
    bot = RecordingBot()
    for call in render(action, TO):  # type: ignore[arg-type]
        await to_call(bot, call)  # type: ignore[arg-type]
    return bot.calls


def test_method_names_in_snake_case() -> None:
    assert [snake_case(m) for m in ("sendMessage", "editMessageReplyMarkup", "createForumTopic")] == [
        "send_message", "edit_message_reply_markup", "create_forum_topic"]


async def test_a_text_with_buttons_and_a_contact_request_as_ptb_objects() -> None:
    ((name, params),) = await performed(SendText("<b>Dạ</b>", BUTTONS))
    assert name == "send_message" and params["chat_id"] == 1001 and params["parse_mode"] == "HTML"
    assert isinstance(params["reply_markup"], InlineKeyboardMarkup)
    assert params["reply_markup"].inline_keyboard[0][0].callback_data == "menu:main"
    assert params["link_preview_options"] == LinkPreviewOptions(is_disabled=True)
    assert "message_thread_id" not in params  # None is left out
    ((_, contact),) = await performed(RequestContact("Số điện thoại ạ?", "Chia sẻ", "Hủy"))
    keyboard = contact["reply_markup"]
    assert isinstance(keyboard, ReplyKeyboardMarkup) and keyboard.keyboard[0][0].request_contact
    ((_, removed),) = await performed(SendText("Cảm ơn", remove_reply_keyboard=True))
    assert isinstance(removed["reply_markup"], ReplyKeyboardRemove)


async def test_a_document_is_uploaded_from_memory() -> None:
    ((name, params),) = await performed(SendDocument("don.pdf", b"%PDF-1.4", caption="Đơn"))
    assert name == "send_document" and isinstance(params["document"], InputFile)
    assert params["document"].filename == "don.pdf" and params["caption"] == "Đơn"


def test_a_keyboard_is_built_once() -> None:
    first, again = inline_keyboard(BUTTONS), inline_keyboard(((Button("Menu", "menu:main"),),))
    assert first is not None and again is not None and inline_markup(first) is inline_markup(again)


@pytest.mark.parametrize(("error", "expected"), [
    (RetryAfter(3), FloodWait), (Forbidden("bot was blocked by the user"), Blocked),
    (BadRequest("message is too long"), Rejected), (TimedOut(), Unavailable),
    (NetworkError("Bad Gateway"), Unavailable),
])
async def test_errors_become_the_senders(error: Exception, expected: type[Exception]) -> None:
    (call,) = render(SendText("Dạ"), TO)
    with pytest.raises(expected) as raised:
        await PtbTransport(RecordingBot(error)).perform(call)  # type: ignore[arg-type]
    if isinstance(raised.value, FloodWait):
        assert raised.value.after == 3.0
