"""The fake Bot API server, driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiohttp import web

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.fixtures import bot_for, fake_bot, fake_bot_api  # noqa: F401

USER_ID = 1001
STAFF_CHAT = -1001500


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(webhook_retry_delay=0.01) as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    real_bot = bot_for(api)
    yield real_bot
    await real_bot.session.close()


def keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Có", callback_data=data)]])


async def test_get_me(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.first_name, me.username) == (
        123456789,
        True,
        "Rosee Support",
        "rosee_support_bot",
    )
    assert me.can_join_groups is True
    assert api.calls_of("getMe")[0].ok
    api.assert_no_violations()


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    stranger = Bot("42:AAwrongtoken", session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()
    assert api.calls == []


async def test_send_message_with_html_and_keyboard(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    sent = await bot.send_message(
        USER_ID, "<b>Đơn #42</b> &amp; quà", parse_mode="HTML", reply_markup=keyboard("ok")
    )
    assert sent.text == "Đơn #42 & quà"
    assert sent.entities is not None and sent.entities[0].type == "bold"
    assert sent.from_user is not None and sent.from_user.id == api.bot_id
    assert sent.reply_markup is not None and sent.reply_markup.inline_keyboard[0][0].callback_data == "ok"
    call = await api.wait_for("sendMessage")
    assert (
        call.params["chat_id"] == USER_ID
        and call.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Có"
    )
    assert api.sent_texts(USER_ID) == ["Đơn #42 & quà"]
    second = await bot.send_message(USER_ID, "tiếp")
    assert second.message_id == sent.message_id + 1
    api.assert_no_violations()


async def test_malformed_html_is_a_bad_request_and_a_violation(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(USER_ID, "<div>x</div>", parse_mode="HTML")
    assert api.violations and "bad HTML" in api.violations[0]
    with pytest.raises(AssertionError, match="1 Bot API violation"):
        api.assert_no_violations()


async def test_callback_data_over_64_bytes_is_recorded(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "Chọn", reply_markup=keyboard("x" * 65))
    assert api.violations == [
        "sendMessage.reply_markup.inline_keyboard[0][0].callback_data: must be 1-64 bytes, got 65"
    ]


async def test_unknown_chat_and_unknown_method(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(999, "hi")
    url = f"{api.base_url}/bot{api.token}/sendTelepathy"
    async with aiohttp.ClientSession() as http, http.post(url, json={}) as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found: method not found"
    assert api.violations == ["sendTelepathy: unknown method (not in Bot API 10.1)"]


async def test_raw_json_and_case_insensitive_method(api: FakeBotApi) -> None:
    api.user(USER_ID)
    async with aiohttp.ClientSession() as http:
        url = f"{api.base_url}/bot{api.token}/SENDMESSAGE"
        async with http.post(url, json={"chat_id": USER_ID, "text": "json"}) as response:
            body = await response.json()
    assert body["ok"] and body["result"]["text"] == "json"
    assert api.calls[-1].method == "sendMessage"


async def test_document_upload_get_file_and_download(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    sent = await bot.send_document(
        USER_ID, BufferedInputFile(b"%PDF-1.4 invoice", filename="hoa-don.pdf"), caption="Hoá đơn"
    )
    assert (
        sent.document is not None and sent.document.file_name == "hoa-don.pdf" and sent.caption == "Hoá đơn"
    )
    upload = api.calls_of("sendDocument")[0].params["document"]
    assert upload.filename == "hoa-don.pdf" and upload.content == b"%PDF-1.4 invoice"
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"%PDF-1.4 invoice"
    api.assert_no_violations()


async def test_photo_from_user_can_be_downloaded_and_resent(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    photo = lan.send_photo(content=b"jpeg-bytes")["message"]["photo"][-1]
    file = await bot.get_file(photo["file_id"])
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"jpeg-bytes"
    group = api.group(STAFF_CHAT)
    resent = await bot.send_photo(group.id, photo["file_id"], caption="ảnh khách gửi")
    assert resent.photo and resent.caption == "ảnh khách gửi"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(group.id, "no-such-file")
    api.assert_no_violations()


async def test_get_updates_offset_limit_and_long_poll(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    first = lan.send_command("/start", payload="ref42")
    lan.send_text("xin chào")
    updates = await bot.get_updates(limit=1)
    assert [u.update_id for u in updates] == [first["update_id"]]
    assert updates[0].message is not None and updates[0].message.text == "/start ref42"
    updates = await bot.get_updates(offset=first["update_id"] + 1)
    assert [u.message.text for u in updates if u.message] == ["xin chào"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []

    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=10))
    await asyncio.sleep(0.1)
    lan.send_text("còn đó không?")
    arrived = await poll
    assert [u.message.text for u in arrived if u.message] == ["còn đó không?"]
    assert time.monotonic() - started < 2
    api.assert_no_violations()


async def test_second_poller_conflicts_the_first(api: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(bot.get_updates(timeout=1))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_duplicate_update_ids_can_be_injected(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    update = lan.send_text("một lần")
    api.inject_update(dict(update))
    assert [u.update_id for u in await bot.get_updates()] == [update["update_id"]] * 2


async def test_allowed_updates_filter(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    lan.send_text("text")
    sent = await bot.send_message(USER_ID, "Chọn", reply_markup=keyboard("yes"))
    query_id = lan.press_button(sent.model_dump(mode="json", by_alias=True, exclude_none=True), "yes")
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.id for u in updates if u.callback_query] == [query_id]
    assert await bot.answer_callback_query(query_id, text="Đã nhận")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


async def test_429_surfaces_as_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    api.fail_next("sendMessage", retry_after=3)
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(USER_ID, "hi")
    assert error.value.retry_after == 3
    assert (await bot.send_message(USER_ID, "hi")).text == "hi"
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]


async def test_blocked_user_is_forbidden(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    update = lan.block_bot()
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "hi")
    lan.unblock_bot()
    await bot.send_message(USER_ID, "hi")


async def test_outage_answers_502_or_drops_the_connection(api: FakeBotApi, bot: Bot) -> None:
    api.set_outage(True)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.get_me()
    api.set_outage(True, mode="close")
    with pytest.raises(TelegramNetworkError):
        await bot.get_me()
    api.set_outage(False)
    assert (await bot.get_me()).username == "rosee_support_bot"
    assert [c.status for c in api.calls_of("getMe")] == [502, 502, 200]


async def test_latency(api: FakeBotApi, bot: Bot) -> None:
    api.set_latency(0.2)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.2


async def test_rate_limits_are_observed_and_optionally_enforced(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    for _ in range(3):
        await bot.send_message(USER_ID, "burst")
    assert len(api.send_times(USER_ID)) == 3
    api.enforce_rate_limits = True
    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(USER_ID, "one too many")
    assert error.value.retry_after == 1
    group = api.group(STAFF_CHAT)
    for index in range(20):
        await bot.send_message(group.id, f"#{index}")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(group.id, "21st")


async def test_edit_message_text_and_markup(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    sent = await bot.send_message(USER_ID, "Chọn", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("Đã chọn", chat_id=USER_ID, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.text == "Đã chọn" and edited.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Đã chọn", chat_id=USER_ID, message_id=sent.message_id)
    marked = await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard("b")
    )
    assert not isinstance(marked, bool) and marked.reply_markup is not None
    assert marked.reply_markup.inline_keyboard[0][0].callback_data == "b"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER_ID, message_id=999)
    api.assert_no_violations()


async def test_forum_topics_and_copy(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    question = lan.send_text("Đơn của tôi đâu?")["message"]
    with pytest.raises(TelegramBadRequest, match="the chat is not a forum"):
        await bot.create_forum_topic(USER_ID, "x")
    staff = api.add_forum_chat(STAFF_CHAT, "Rosee Staff")
    topic = await bot.create_forum_topic(staff.id, "Lan #1001")
    assert topic.name == "Lan #1001" and topic.icon_color == 7322096
    copied = await bot.copy_message(
        staff.id, USER_ID, question["message_id"], message_thread_id=topic.message_thread_id
    )
    stored = api.messages(staff.id)[-1]
    assert stored["message_id"] == copied.message_id and stored["text"] == "Đơn của tôi đâu?"
    assert stored["message_thread_id"] == topic.message_thread_id
    assert await bot.close_forum_topic(staff.id, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await bot.send_message(staff.id, "x", message_thread_id=topic.message_thread_id)
    assert await bot.reopen_forum_topic(staff.id, topic.message_thread_id)
    assert await bot.edit_forum_topic(staff.id, topic.message_thread_id, name="Lan #1001 ✓")
    assert api.topics(staff.id)[topic.message_thread_id]["name"] == "Lan #1001 ✓"
    reply = staff.send_text(lan, "Đơn đang giao", thread_id=topic.message_thread_id)
    assert reply["message"]["is_topic_message"] is True
    api.assert_no_violations()


async def test_commands_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Bắt đầu")]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="vi")
    stored = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="vi")
    assert [(c.command, c.description) for c in stored] == [("start", "Bắt đầu")]
    assert await bot.get_my_commands() == []
    assert api.commands({"type": "all_private_chats"}, "vi") == [
        {"command": "start", "description": "Bắt đầu"}
    ]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bắt_đầu", description="x")])


async def test_chat_action_and_unhandled_boolean_method(api: FakeBotApi, bot: Bot) -> None:
    api.user(USER_ID)
    assert await bot.send_chat_action(USER_ID, "typing")
    assert await bot.set_my_description("Hỗ trợ khách hàng Rosee")
    api.assert_no_violations()


async def test_wait_for_times_out_with_a_useful_message(api: FakeBotApi, bot: Bot) -> None:
    await bot.get_me()
    with pytest.raises(AssertionError, match=r"waiting for 1 sendMessage call.*getMe→200"):
        await api.wait_for("sendMessage", timeout=0.05)


# -- webhook ----------------------------------------------------------------------------------------


class WebhookReceiver:
    """A tiny bot-side webhook endpoint: answers 500 `failures` times, then 200."""

    def __init__(self, failures: int = 0, reply: dict[str, Any] | None = None) -> None:
        self.failures = failures
        self.reply = reply
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        return web.json_response(self.reply or {})

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/webhook", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/webhook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


async def test_webhook_delivery_with_secret_and_retries(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    queued_before = lan.send_text("trước webhook")
    async with WebhookReceiver(failures=2) as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cret")
        update = lan.send_text("qua webhook")
        await api.wait_for_delivery(queued_before["update_id"])
        delivery = await api.wait_for_delivery(update["update_id"])
        assert delivery.attempt == 1
        first = [d for d in api.webhook_deliveries if d.update_id == queued_before["update_id"]]
        assert [d.status for d in first] == [500, 500, 200]
        assert [secret for secret, _ in receiver.received] == ["s3cret"] * 4
        assert receiver.received[-1][1] == update
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert info.last_error_message is not None and "500" in info.last_error_message
        assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []
    api.assert_no_violations()


async def test_webhook_gives_up_after_max_attempts_and_survives_dead_endpoint(
    api: FakeBotApi, bot: Bot
) -> None:
    api.webhook_max_attempts = 3
    lan = api.user(USER_ID)
    await bot.set_webhook("http://127.0.0.1:9/nothing-listens-here")
    update = lan.send_text("mất")
    attempts = await api.wait_for_deliveries(update["update_id"], count=3)
    assert [(d.attempt, d.status) for d in attempts] == [(1, None), (2, None), (3, None)]
    assert all(d.error and "Connection failed" in d.error for d in attempts)


async def test_webhook_reply_method_is_executed(api: FakeBotApi, bot: Bot) -> None:
    lan = api.user(USER_ID)
    reply = {"method": "sendMessage", "chat_id": USER_ID, "text": "trả lời trong webhook"}
    async with WebhookReceiver(reply=reply) as receiver:
        await bot.set_webhook(receiver.url)
        lan.send_text("hỏi")
        call = await api.wait_for("sendMessage")
    assert call.via == "webhook-reply" and call.ok
    assert api.sent_texts(USER_ID) == ["trả lời trong webhook"]


async def test_aiogram_webhook_reply_as_multipart(api: FakeBotApi, bot: Bot) -> None:
    """aiogram's SimpleRequestHandler(handle_in_background=False) answers with a multipart form."""
    from aiogram import Dispatcher
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler

    lan = api.user(USER_ID)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> SendMessage:
        return SendMessage(chat_id=message.chat.id, text=f"Bạn nói: {message.text}")

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False, secret_token="tok").register(app, "/wh")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/wh", secret_token="tok")
        lan.send_text("chào")
        call = await api.wait_for("sendMessage")
        assert call.via == "webhook-reply" and call.result["text"] == "Bạn nói: chào"
    finally:
        await runner.cleanup()
    api.assert_no_violations()


async def test_polling_dispatcher_end_to_end(api: FakeBotApi, bot: Bot) -> None:
    from aiogram import Dispatcher
    from aiogram.filters import CommandStart
    from aiogram.types import CallbackQuery, Message

    lan = api.user(USER_ID)
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Chào <b>Lan</b>", parse_mode="HTML", reply_markup=keyboard("lang:vi"))

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("OK")

    polling = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False))
    try:
        lan.send_command("/start")
        await api.wait_for("sendMessage")
        query_id = lan.press_button(api.last_bot_message(USER_ID), "lang:vi")
        answer = await api.wait_for("answerCallbackQuery")
        assert answer.params == {"callback_query_id": query_id, "text": "OK"}
    finally:
        await dispatcher.stop_polling()
        await polling
    api.assert_no_violations()


async def test_get_chat_not_supported_is_reported(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises((TelegramBadRequest, TelegramNotFound)):
        await bot.get_chat(USER_ID)
    assert api.violations == ["getChat: getChat is not implemented by the fake Bot API"]


async def test_shared_fixtures(fake_bot_api: FakeBotApi, fake_bot: Bot) -> None:  # noqa: F811
    fake_bot_api.user(USER_ID)
    await fake_bot.send_message(USER_ID, "từ fixture")
    assert fake_bot_api.sent_texts(USER_ID) == ["từ fixture"]
