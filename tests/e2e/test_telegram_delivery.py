"""Delivery under Telegram's limits and failures: 429, 403, outages, restarts."""

from __future__ import annotations

import asyncio

from bot.messages.actions import Address, Button, SendText
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.records import Call
from tests.support.telegram_bot import TelegramBotUnderTest, says, sent_to
from tests.support.wording import rendered

LAN = 1001


async def test_flood_429_during_a_reply_is_waited_out_and_delivered_once(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.fail_next("sendMessage", retry_after=1)
    api.user(LAN, "Lan").send_command("/start")
    delivered = await api.wait_for("sendMessage", sent_to(LAN), timeout=10)
    attempts = [c for c in api.calls_of("sendMessage") if c.chat_id == LAN]
    assert [c.status for c in attempts] == [429, 200]
    assert delivered.time - attempts[0].time >= 0.95  # retry_after was honoured
    await asyncio.sleep(0.3)
    assert len(api.calls_of("sendMessage", ok_only=True)) == 1


async def test_outbox_429_becomes_retry_after(api: FakeBotApi, telegram_bot: TelegramBotUnderTest) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan")
    api.fail_next("sendMessage", retry_after=1)
    await telegram_bot.enqueue_text(LAN, "Yêu cầu của Quý khách đã được ghi nhận.")
    delivered = await api.wait_for("sendMessage", sent_to(LAN), timeout=10)
    first = api.calls_of("sendMessage")[0]
    assert first.status == 429 and delivered.time - first.time >= 0.95
    assert await telegram_bot.wait_outbox_settled() == [("sent", 2)]


async def test_blocked_user_is_marked_unreachable_and_not_sent_to_again(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    api.block_chat(LAN)  # blocked, without the my_chat_member update: the 403 itself must tell
    lan.send_text("/help")
    await api.wait_for("sendMessage", lambda c: c.status == 403)

    assert len([c for c in api.calls_of("sendMessage") if c.chat_id == LAN]) == 1  # only the 403


async def test_block_update_marks_unreachable_and_unblock_clears_it(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    lan.send_command("/start")
    await api.wait_for("sendMessage", sent_to(LAN))
    lan.block_bot()
    for _ in range(50):
        if await telegram_bot.unreachable_since(LAN) is not None:
            break
        await asyncio.sleep(0.05)
    await telegram_bot.enqueue_text(LAN, "Nhắc hạn")
    # The welcome was written to the outbox with its turn and sent at once; the reminder finds the block.
    assert await telegram_bot.wait_outbox_settled() == [("sent", 1), ("unreachable", 1)]
    lan.unblock_bot()
    lan.send_text("/help")
    await api.wait_for("sendMessage", sent_to(LAN), count=2)
    assert len([c for c in api.calls_of("sendMessage") if c.chat_id == LAN and c.status == 403]) == 0
    assert await telegram_bot.unreachable_since(LAN) is None


async def test_outage_loses_nothing(api: FakeBotApi, telegram_bot: TelegramBotUnderTest) -> None:
    await telegram_bot.start()
    lan = api.user(LAN, "Lan")
    api.set_outage(True)
    await telegram_bot.enqueue_text(LAN, "Thông báo đơn hàng")
    lan.send_text("/help")  # waits at Telegram while polling fails
    await asyncio.sleep(1.5)
    api.set_outage(False)
    await api.wait_for("sendMessage", says(LAN, "Thông báo"), timeout=15)
    await api.wait_for("sendMessage", says(LAN, rendered("core.help")), timeout=15)
    assert len(api.calls_of("sendMessage", ok_only=True)) == 2


async def test_a_reply_that_cannot_be_sent_goes_to_the_outbox(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    assert telegram_bot.runtime is not None
    telegram_bot.runtime.sender._direct_max_wait = 0.5  # give up on direct delivery quickly
    api.user(LAN, "Lan").send_command("/start")
    api.fail_next("sendMessage", error_code=502, times=4)
    delivered = await api.wait_for("sendMessage", sent_to(LAN), timeout=15)
    assert delivered.result["text"] == rendered("core.welcome", name=rendered("core.polite_name", name="Lan"))
    assert [status for status, _ in await telegram_bot.wait_outbox_settled()] == ["sent"]


async def test_outbox_survives_an_outage_and_a_restart(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan")
    api.set_outage(True)
    await telegram_bot.enqueue_text(LAN, "Xác nhận yêu cầu #7")
    await api.wait_for("sendMessage", lambda c: c.status == 502)
    await telegram_bot.stop()
    api.set_outage(False)
    await telegram_bot.start()
    await api.wait_for("sendMessage", says(LAN, "#7"), timeout=15)
    assert len(api.calls_of("sendMessage", ok_only=True)) == 1


async def test_rate_limits_are_respected_when_telegram_enforces_them(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    api.enforce_rate_limits = True
    await telegram_bot.start()
    api.user(LAN, "Lan")
    for n in range(5):
        await telegram_bot.enqueue_text(LAN, f"tin {n}")
    await api.wait_for("sendMessage", sent_to(LAN), count=5, timeout=15)
    assert all(c.status == 200 for c in api.calls_of("sendMessage"))
    times = api.send_times(LAN)
    assert times[4] - times[0] >= 1.5  # a burst of 3, then about one a second


LONG_ANSWER = "\n\n".join(f"Đoạn {n}: " + "thông tin cá nhân của Quý khách được bảo mật. " * 40
                          for n in range(1, 6))  # about 9,000 characters: three messages


def fail_after_first_part(api: FakeBotApi, chat_id: int, times: int) -> None:
    """Once the first part of a long text reaches `chat_id`, Telegram fails the next `times` sends."""
    armed = [True]

    def on_call(call: Call) -> None:
        if armed[0] and call.method == "sendMessage" and call.ok and call.chat_id == chat_id:
            armed[0] = False
            api.fail_next("sendMessage", error_code=502, times=times)

    api.call_listeners.append(on_call)


def delivered_parts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [text.split(":", 1)[0] for text in api.sent_texts(chat_id)]


async def test_a_long_reply_interrupted_part_way_sends_no_part_twice(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    runtime = await telegram_bot.start()
    runtime.sender._direct_max_wait = 0.5  # give up on direct delivery quickly
    api.user(LAN, "Lan")
    fail_after_first_part(api, LAN, times=4)
    answer = SendText(LONG_ANSWER, ((Button("OK", "menu:main"),),))
    await runtime.sender.reply(Address("telegram", str(LAN)), [answer])
    settled = await telegram_bot.wait_outbox_settled(timeout=20)
    assert [status for status, _ in settled] == ["sent", "sent"]  # the two parts not yet sent
    texts = api.sent_texts(LAN)
    assert len(texts) == 3 and texts[0].startswith("Đoạn 1") and "Đoạn 5" in texts[-1]
    assert "".join(texts).count("Đoạn") == 5  # every paragraph once
    last = [c for c in api.calls_of("sendMessage", ok_only=True) if c.chat_id == LAN][-1]
    assert last.params.get("reply_markup"), "the buttons stay on the last part"


async def test_an_outbox_text_interrupted_part_way_sends_no_part_twice(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    api.user(LAN, "Lan")
    fail_after_first_part(api, LAN, times=2)
    await telegram_bot.enqueue_text(LAN, LONG_ANSWER)
    settled = await telegram_bot.wait_outbox_settled(timeout=20)
    assert [status for status, _ in settled] == ["sent", "sent", "sent"]
    texts = api.sent_texts(LAN)
    assert len(texts) == 3 and "".join(texts).count("Đoạn") == 5
