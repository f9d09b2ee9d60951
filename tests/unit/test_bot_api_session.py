"""The bot's Bot API session sends JSON bodies, except for uploads, which stay multipart forms."""

from __future__ import annotations

import json

from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile
from aiohttp import FormData
from aiohttp.payload import JsonPayload

from bot.channels.telegram.rendering import render_one
from bot.channels.telegram.runner import create_bot
from bot.messages.actions import Address, Button, SendText


def test_a_message_goes_as_json_with_the_values_aiogram_prepares_for_a_form() -> None:
    bot = create_bot("123:abc", "http://127.0.0.1:9")
    keyboard = ((Button("💬 Gặp nhân viên", "menu:human"),),)
    [step] = render_one(SendText("Theo <b>mục 3</b>: chia sẻ & bảo mật", keyboard), Address("telegram", "42"))
    body = bot.session.build_form_data(bot, step.method)
    assert isinstance(body, JsonPayload)
    assert body.content_type == "application/json"
    sent = json.loads(body._value)
    assert sent["chat_id"] == "42" and sent["parse_mode"] == "HTML"
    assert sent["text"] == "Theo <b>mục 3</b>: chia sẻ & bảo mật"
    assert json.loads(sent["reply_markup"]) == {
        "inline_keyboard": [[{"text": "💬 Gặp nhân viên", "callback_data": "menu:human"}]]
    }
    assert json.loads(sent["link_preview_options"]) == {"is_disabled": True}
    assert "message_thread_id" not in sent  # unset values are left out, as in aiogram's form


def test_an_upload_stays_a_multipart_form() -> None:
    bot = create_bot("123:abc", "http://127.0.0.1:9")
    upload = SendDocument(chat_id=42, document=BufferedInputFile(b"%PDF-1.4", filename="don-hang.pdf"))
    body = bot.session.build_form_data(bot, upload)
    assert isinstance(body, FormData) and body.is_multipart


def test_a_keyboard_is_prepared_once_and_sent_the_same_every_time() -> None:
    bot = create_bot("123:abc", "http://127.0.0.1:9")
    address = Address("telegram", "42")
    menu = ((Button("💬 Gặp nhân viên", "menu:human"),),)
    sections = ((Button("Mục 1", "policy:1"),), (Button("Mục 2", "policy:2"),))

    def sent_keyboard(keyboard: tuple[tuple[Button, ...], ...], text: str) -> object:
        [step] = render_one(SendText(text, keyboard), address)
        return json.loads(json.loads(bot.session.build_form_data(bot, step.method)._value)["reply_markup"])

    first = sent_keyboard(menu, "một")
    assert sent_keyboard(menu, "hai") == first  # the same keyboard object, its text from the cache
    assert sent_keyboard(sections, "ba") == {
        "inline_keyboard": [[{"text": "Mục 1", "callback_data": "policy:1"}],
                            [{"text": "Mục 2", "callback_data": "policy:2"}]]
    }
    assert sent_keyboard(menu, "bốn") == first
