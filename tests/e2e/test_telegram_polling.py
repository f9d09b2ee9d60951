"""The Telegram channel in polling mode against the fake Bot API: the main conversations."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says, sent_to
from tests.support.wording import label, rendered

LAN = 1001
MAI = 1002


async def test_start_gets_welcome_with_inline_menu_and_commands_are_set(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan").send_command("/start", payload="ref42")
    call = await api.wait_for("sendMessage", sent_to(LAN))
    assert call.params["parse_mode"] == "HTML"
    assert call.result["text"] == rendered("core.welcome", name=rendered("core.polite_name", name="Lan"))
    buttons = [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
    assert "menu:privacy" in buttons and "menu:orders" in buttons
    assert [c["command"] for c in api.commands()] == ["start", "help", "cancel", "lang", "privacy", "logout"]
    assert api.commands(language_code="en")[0]["description"] == label("telegram.commands.start", "en")
    assert api.commands(language_code="vi")[0]["description"] == label("telegram.commands.start", "vi")
    assert api.commands()[0]["description"] == label("telegram.commands.start", "vi")  # the default menu


async def test_menu_button_is_answered_and_followed(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    lan.send_command("/start")
    await api.wait_for("sendMessage", sent_to(LAN))
    query_id = lan.press_button(api.last_bot_message(LAN), "menu:privacy")
    await api.wait_for("answerCallbackQuery", lambda c: c.params["callback_query_id"] == query_id)
    second = await api.wait_for("sendMessage", sent_to(LAN), count=2)
    assert second.result["text"] == rendered("core.privacy_sections")


async def test_policy_question_is_answered_with_the_section(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan").send_text("Shop có chia sẻ thông tin của tôi cho bên thứ ba không?")
    call = await api.wait_for("sendMessage", sent_to(LAN))
    assert "Theo mục 3" in call.result["text"]  # the knowledge base's citation, not the catalogue's


async def test_order_question_asks_for_contact_and_own_contact_verifies(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    await telegram_bot.add_customer()
    lan = api.user(LAN, "Lan")
    lan.send_text("tôi muốn kiểm tra đơn hàng")
    ask = await api.wait_for("sendMessage", asks_contact(LAN))
    markup = ask.params["reply_markup"]
    assert markup["keyboard"][0][0]["request_contact"] is True
    assert markup["one_time_keyboard"] is True and markup["resize_keyboard"] is True
    lan.share_contact(LAN_PHONE)
    linked = rendered("core.verify.linked", name=rendered("core.polite_name", name="Nguyễn Thị Lan"))
    verified = await api.wait_for("sendMessage", says(LAN, linked))
    assert verified.params["reply_markup"] == {"remove_keyboard": True}


async def test_someone_elses_contact_is_refused(api: FakeBotApi, telegram_bot: TelegramBotUnderTest) -> None:
    await telegram_bot.start()
    await telegram_bot.add_customer()
    lan = api.user(LAN, "Lan")
    lan.send_text("tôi muốn kiểm tra đơn hàng")
    await api.wait_for("sendMessage", asks_contact(LAN))
    lan.share_contact(LAN_PHONE, own=False, user_id=4242)
    await api.wait_for("sendMessage", says(LAN, rendered("core.verify.not_own_contact")))
    assert telegram_bot.app is not None
    async with telegram_bot.app.uow_factory() as uow:
        account = await uow.accounts.get("telegram", str(LAN))
        assert account is not None and account.verified_phone is None


async def test_restart_between_two_messages_resumes_the_flow(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    await telegram_bot.add_customer()
    lan = api.user(LAN, "Lan")
    lan.send_text("tôi muốn kiểm tra đơn hàng")
    await api.wait_for("sendMessage", asks_contact(LAN))
    await telegram_bot.restart()  # a new app, a new Bot session, the same SQLite file
    lan.share_contact(LAN_PHONE)
    linked = rendered("core.verify.linked", name=rendered("core.polite_name", name="Nguyễn Thị Lan"))
    await api.wait_for("sendMessage", says(LAN, linked))


async def test_one_users_messages_in_order_while_users_run_concurrently(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    runtime = await telegram_bot.start()
    log: list[tuple[str, str, str]] = []
    conversation = runtime.channel._conversation
    real_handle = conversation.handle_recorded

    async def slow_handle(event, **options):
        log.append(("start", event.user_id, event.text or ""))
        if event.text == "1":
            await asyncio.sleep(0.4)  # the first message of each user is slow
        result = await real_handle(event, **options)
        log.append(("end", event.user_id, event.text or ""))
        return result

    conversation.handle_recorded = slow_handle  # type: ignore[method-assign]
    runtime.channel._turns = asyncio.Semaphore(8)  # as on PostgreSQL (SQLite runs one turn at a time)
    lan, mai = api.user(LAN, "Lan"), api.user(MAI, "Mai")
    for n in ("1", "2", "3"):
        lan.send_text(n)
        mai.send_text(n)
    await api.wait_for("sendMessage", lambda c: c.ok, count=6, timeout=15)
    for user in (str(LAN), str(MAI)):
        started = [text for kind, who, text in log if kind == "start" and who == user]
        assert started == ["1", "2", "3"]
    ends = [(who, text) for kind, who, text in log if kind == "end"]
    assert ends.index((str(LAN), "1")) < ends.index((str(LAN), "2"))
    # Mai's first message started before Lan's slow first one finished: users run side by side.
    assert log.index(("start", str(MAI), "1")) < log.index(("end", str(LAN), "1"))


async def test_edits_and_duplicates_get_no_second_answer(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    update = lan.send_text("/help")
    api.inject_update(dict(update))
    await api.wait_for("sendMessage", sent_to(LAN))
    lan.edit_text(update["message"]["message_id"], "/start")
    lan.send_text("/lang")
    await api.wait_for("sendMessage", sent_to(LAN), count=2)
    await asyncio.sleep(0.3)
    assert len(api.calls_of("sendMessage", ok_only=True)) == 2


async def test_the_running_bot_schedules_its_sweeps_and_stops_them(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.scheduling import (
        ALBUM_JOB_ID,
        CHECKPOINT_JOB_ID,
        PERSONAL_DATA_JOB_ID,
        REQUEST_SWEEP_JOB_ID,
        RETENTION_JOB_ID,
        SCHEDULER_KEY,
        SWEEP_JOB_ID,
    )

    await telegram_bot.start()
    assert telegram_bot.app is not None
    app = telegram_bot.app
    scheduler = app.extras[SCHEDULER_KEY]
    assert isinstance(scheduler, AsyncIOScheduler) and scheduler.running
    # On SQLite (as here) the WAL checkpoint is a job too (bot.storage.wal_checkpoints).
    assert {job.id for job in scheduler.get_jobs()} == {
        SWEEP_JOB_ID, REQUEST_SWEEP_JOB_ID, RETENTION_JOB_ID, CHECKPOINT_JOB_ID, ALBUM_JOB_ID,
        PERSONAL_DATA_JOB_ID}
    assert telegram_bot.runtime is not None
    await telegram_bot.runtime.stop()
    assert SCHEDULER_KEY not in app.extras


async def test_an_update_the_bot_cannot_read_is_skipped_and_polling_goes_on(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    # A message whose chat is not an object: aiogram cannot read it, nor the batch it arrives in.
    broken = api.inject_update({"message": {"message_id": 1, "date": 0, "chat": "không phải đối tượng",
                                            "text": "xin chào"}})
    lan.send_command("/start")
    await api.wait_for("sendMessage", sent_to(LAN), timeout=10)
    assert f"update {broken['update_id']} cannot be read and is skipped" in caplog.text
    lan.send_command("/help")  # and the next poll is not stuck on it
    await api.wait_for("sendMessage", sent_to(LAN), count=2, timeout=10)
    polls = api.calls_of("getUpdates", ok_only=True)
    assert all(c.params.get("offset", 0) <= broken["update_id"] for c in polls[:1])
    assert int(polls[-1].params.get("offset", 0)) > broken["update_id"]
