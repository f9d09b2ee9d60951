"""Order notifications end to end: the shop's signed event over HTTP, the outbox, the real Telegram
channel on both libraries and the fake Bot API; quiet hours with the controllable clock; the
customer's switch; a customer who blocked the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.storage.models import OutboxMessage, OutboxPurpose
from tests.conftest import START_OF_TEST_TIME
from tests.fakes.bot_api import FakeBotApi
from tests.support.shop_api import SHOP_SECRET, ShopClient, add_order, shop_api
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, says, sent_to
from tests.support.wording import rendered

LAN = 1001
CODE = "RG-2026-900001"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
PLACED = START_OF_TEST_TIME - timedelta(days=2)


def hanoi(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=HANOI).astimezone(UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START_OF_TEST_TIME)  # Monday 09:00 in Hanoi


@pytest.fixture
async def bot(api: FakeBotApi, sqlite_url: str, telegram_library: str,
              clock: ManualClock) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, clock=clock,
                                      shop_api_secret=SHOP_SECRET)
    await under_test.start()
    yield under_test
    await under_test.stop()


@pytest.fixture
async def shop(bot: TelegramBotUnderTest) -> AsyncIterator[ShopClient]:
    assert bot.app is not None and bot.runtime is not None
    async with shop_api(bot.app, nudge=bot.runtime.nudge_outbox) as client:
        yield client


def status_notice(code: str, status_key: str, language: str = "vi") -> str:
    status = rendered(f"core.order_status.{status_key}", language=language)
    return rendered("orders_notify.status_changed", language=language, code=code, status=status)


async def order_update_rows(bot: TelegramBotUnderTest) -> list[OutboxMessage]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        query = select(OutboxMessage).where(OutboxMessage.purpose == OutboxPurpose.ORDER_UPDATE)
        return list((await uow.session.scalars(query.order_by(OutboxMessage.id))).all())


async def test_a_customer_linked_in_the_chat_is_told_of_a_status_change(
    api: FakeBotApi, bot: TelegramBotUnderTest, shop: ShopClient
) -> None:
    assert bot.app is not None
    await bot.add_customer()
    await add_order(bot.app, CODE, phone=LAN_PHONE, placed_at=PLACED)
    lan = api.user(LAN, "Lan")
    lan.share_contact(LAN_PHONE, own=True)  # links the chat to Nguyễn Thị Lan
    await api.wait_for("sendMessage", sent_to(LAN))
    before = len(api.calls_of("sendMessage"))

    answer = await shop.event(CODE, "evt-1", "shipped", START_OF_TEST_TIME)
    assert answer.status == 200
    notice = await api.wait_for("sendMessage", says(LAN, CODE), timeout=10)
    assert notice.result["text"] == status_notice(CODE, "shipped")
    await asyncio.sleep(0.4)
    assert len(api.calls_of("sendMessage")) == before + 1  # told once


async def test_a_chat_speaking_english_is_told_in_english(
    api: FakeBotApi, bot: TelegramBotUnderTest, shop: ShopClient
) -> None:
    assert bot.app is not None
    await add_order(bot.app, CODE, phone=LAN_PHONE, placed_at=PLACED, chat_id=str(LAN), language="en")
    api.user(LAN, "Lan")
    assert (await shop.event(CODE, "evt-1", "delivering", START_OF_TEST_TIME)).status == 200
    notice = await api.wait_for("sendMessage", says(LAN, CODE), timeout=10)
    assert notice.result["text"] == status_notice(CODE, "delivering", "en")


async def test_a_notification_in_quiet_hours_waits_for_the_morning(
    api: FakeBotApi, bot: TelegramBotUnderTest, shop: ShopClient, clock: ManualClock
) -> None:
    assert bot.app is not None and bot.runtime is not None
    await add_order(bot.app, CODE, phone=LAN_PHONE, placed_at=PLACED, chat_id=str(LAN))
    api.user(LAN, "Lan")
    clock.set(hanoi(23, 22))  # Monday 22:00
    assert (await shop.event(CODE, "evt-night", "delivering", clock.now())).status == 200
    [row] = await order_update_rows(bot)
    assert (row.status, row.next_attempt_at) == ("pending", hanoi(24, 8))
    clock.set(hanoi(24, 7))  # still night: the dispatcher's polls leave it
    bot.runtime.nudge_outbox()
    await asyncio.sleep(0.8)
    assert api.calls_of("sendMessage") == []

    clock.set(hanoi(24, 8))  # 08:00: sent at the next poll
    notice = await api.wait_for("sendMessage", says(LAN, CODE), timeout=10)
    assert notice.result["text"] == status_notice(CODE, "delivering")
    assert await bot.wait_outbox_settled() == [("sent", 1)]  # marked once the send is confirmed


async def test_notifications_turned_off_and_on_by_the_customer(
    api: FakeBotApi, bot: TelegramBotUnderTest, shop: ShopClient
) -> None:
    assert bot.app is not None
    await add_order(bot.app, CODE, phone=LAN_PHONE, placed_at=PLACED, chat_id=str(LAN))
    lan = api.user(LAN, "Lan")
    lan.send_text("tắt thông báo đơn hàng")
    await api.wait_for("sendMessage", says(LAN, rendered("orders_notify.turned_off")[:40]))
    lan.send_text("tat thong bao don hang")
    await api.wait_for("sendMessage", says(LAN, rendered("orders_notify.already_off")))

    assert (await shop.event(CODE, "evt-1", "shipped", START_OF_TEST_TIME)).status == 200
    await asyncio.sleep(0.6)
    assert await order_update_rows(bot) == []  # nothing queued for a chat that said no
    assert not [call for call in api.calls_of("sendMessage") if CODE in call.params.get("text", "")]

    lan.send_text("bật thông báo đơn hàng")
    await api.wait_for("sendMessage", says(LAN, rendered("orders_notify.turned_on")[:40]))
    assert (await shop.event(CODE, "evt-2", "delivering", START_OF_TEST_TIME)).status == 200
    notice = await api.wait_for("sendMessage", says(LAN, CODE), timeout=10)
    assert notice.result["text"] == status_notice(CODE, "delivering")


async def test_a_customer_who_blocked_the_bot_is_tried_once_not_forever(
    api: FakeBotApi, bot: TelegramBotUnderTest, shop: ShopClient, clock: ManualClock
) -> None:
    assert bot.app is not None
    await add_order(bot.app, CODE, phone=LAN_PHONE, placed_at=PLACED, chat_id=str(LAN))
    api.user(LAN, "Lan")
    api.block_chat(LAN)  # no my_chat_member update: the 403 itself must tell
    clock.set(hanoi(23, 23))  # three changes in the night, all held for the morning
    for number, status in enumerate(("shipped", "delivering", "delivered"), start=1):
        at = clock.now() + timedelta(minutes=number)
        assert (await shop.event(CODE, f"evt-{number}", status, at)).status == 200
    clock.set(hanoi(24, 8))
    await api.wait_for("sendMessage", lambda call: call.status == 403, timeout=10)
    assert await bot.wait_outbox_settled() == [("unreachable", 1), ("unreachable", 0), ("unreachable", 0)]
    assert await bot.unreachable_since(LAN) is not None

    # Later changes queue nothing for the blocked chat, before or after a restart.
    assert (await shop.event(CODE, "evt-4", "returned", clock.now())).status == 200
    await bot.restart()
    await asyncio.sleep(0.8)
    assert len(await order_update_rows(bot)) == 3
    assert len([call for call in api.calls_of("sendMessage") if call.chat_id == LAN]) == 1  # the one 403
