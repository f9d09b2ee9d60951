"""Issue 18, parts 1 and 2, over the real Telegram channel and the fake Bot API, on both libraries: a
code typed before verifying opens that order after, a late order reaches a person in one press, and a
cancellation becomes a ticket with the order attached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage.models import Customer, Order, OrderStatusEvent, Ticket
from tests.fakes.bot_api import FakeBotApi
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says

LAN = 1001


async def seed(bot: TelegramBotUnderTest) -> None:
    """Lan's orders, dated from today: the bot runs on the system clock here."""
    assert bot.app is not None
    now = datetime.now(UTC)
    async with bot.app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        other = Customer(full_name="Trần Văn Bình", phone="+84987654321")
        uow.customers.add(lan)
        uow.customers.add(other)
        await uow.flush()
        late = Order(
            code="RG-2026-900002",
            customer_id=lan.id,
            status="delivering",
            total_vnd=558_000,
            placed_at=now - timedelta(days=9),
            carrier="GHTK",
            tracking_code="S22845671.MB3.A1",
            expected_delivery=(now - timedelta(days=6)).date(),
            payment_status="paid",
        )
        late.history = [
            OrderStatusEvent(status="pending", occurred_at=now - timedelta(days=9)),
            OrderStatusEvent(status="delivering", occurred_at=now - timedelta(days=7)),
        ]
        uow.orders.add(late)
        uow.orders.add(
            Order(
                code="RG-2026-900003",
                customer_id=lan.id,
                status="confirmed",
                total_vnd=199_000,
                placed_at=now - timedelta(days=1),
            )
        )
        uow.orders.add(
            Order(
                code="RG-2026-900009",
                customer_id=other.id,
                status="pending",
                total_vnd=99_000,
                placed_at=now - timedelta(days=1),
            )
        )
        await uow.commit()


async def tickets(bot: TelegramBotUnderTest) -> list[Ticket]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        return list(await uow.session.scalars(select(Ticket).order_by(Ticket.id)))


async def test_a_typed_code_then_a_late_order_to_a_person_in_one_press(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    await seed(telegram_bot)
    lan = api.user(LAN, "Lan")
    lan.send_text("đơn rg2026900002 bao giờ tới?")
    await api.wait_for("sendMessage", asks_contact(LAN))
    lan.share_contact(LAN_PHONE)
    shown = await api.wait_for("sendMessage", says(LAN, "Đơn hàng RG-2026-900002"))
    text = shown.result["text"]
    assert "quá ngày dự kiến giao" in text and "xin lỗi" in text
    assert "https://i.ghtk.vn/S22845671.MB3.A1" in text and "Đã thanh toán" in text
    lan.press_button(shown.result, "order:late:RG-2026-900002")
    created = await api.wait_for("sendMessage", says(LAN, "Mã phiếu: HT-"))
    assert "RG-2026-900002" in created.result["text"]
    [ticket] = await tickets(telegram_bot)
    assert (ticket.kind, ticket.category, ticket.order_code) == (
        "order_request",
        "delivery",
        "RG-2026-900002",
    )


async def test_someone_elses_code_then_a_cancellation_as_a_ticket(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    await seed(telegram_bot)
    lan = api.user(LAN, "Lan")
    lan.send_text("đơn hàng của tôi")
    await api.wait_for("sendMessage", asks_contact(LAN))
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "RG-2026-900003"))
    lan.send_text("đơn RG-2026-900009 tới đâu rồi")
    refused = await api.wait_for(
        "sendMessage", says(LAN, "không tìm thấy đơn này trong các đơn của Quý khách")
    )
    assert "99.000" not in refused.result["text"]
    lan.send_text("hủy đơn RG-2026-900003 giúp tôi")
    rules = await api.wait_for("sendMessage", says(LAN, "vẫn hủy được"))
    lan.press_button(rules.result, "order:act:send")
    await api.wait_for("sendMessage", says(LAN, "Mã phiếu: HT-"))
    [ticket] = await tickets(telegram_bot)
    assert (ticket.category, ticket.order_code) == ("order_cancel", "RG-2026-900003")
