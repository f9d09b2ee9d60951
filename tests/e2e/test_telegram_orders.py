"""Issue 18, parts 1 and 2, over the real Telegram channel and the fake Bot API, on both libraries: a
code typed before verifying opens that order after, and in any form; the list is one message with a
button for each order under it, and a button opens that order; someone else's code and a missing one
get exactly the same answer; a customer with no orders is told so; a late order reaches a person in
one press; a cancellation, a change of address and a return each become a ticket with the order
attached. (A blocked customer's notifications: tests/e2e/test_order_notifications.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage.models import Customer, Order, OrderStatusEvent, Ticket
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.bot_api.records import Call
from tests.fakes.bot_api.updates import FakeUser
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says
from tests.support.wording import markup, rendered

LAN = 1001
HOA = 1003
HOA_PHONE = "+84381234567"  # a customer with no orders


async def seed(bot: TelegramBotUnderTest) -> None:
    """Lan's orders, dated from today: the bot runs on the system clock here."""
    assert bot.app is not None
    now = datetime.now(UTC)
    async with bot.app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        other = Customer(full_name="Trần Văn Bình", phone="+84987654321")
        uow.customers.add(lan)
        uow.customers.add(other)
        uow.customers.add(Customer(full_name="Lê Thị Hoa", phone=HOA_PHONE))
        await uow.flush()
        delivered = Order(
            code="RG-2026-900001",
            customer_id=lan.id,
            status="delivered",
            total_vnd=407_000,
            placed_at=now - timedelta(days=5),
            carrier="GHN",
            tracking_code="GHNLAN0001VN",
        )
        delivered.history = [
            OrderStatusEvent(status="pending", occurred_at=now - timedelta(days=5)),
            OrderStatusEvent(status="delivered", occurred_at=now - timedelta(days=2)),
        ]
        uow.orders.add(delivered)
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


async def verified_lan(api: FakeBotApi, bot: TelegramBotUnderTest) -> FakeUser:
    """Lan, verified by her phone, her order list shown."""
    await bot.start()
    await seed(bot)
    lan = api.user(LAN, "Lan")
    lan.send_text("đơn hàng của tôi")
    await api.wait_for("sendMessage", asks_contact(LAN))
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "RG-2026-900003"))
    return lan


def details_of(code: str) -> Callable[[Call], bool]:
    return says(LAN, f"Đơn hàng {code}")


async def test_the_list_is_one_message_with_its_buttons_under_it_and_a_button_opens_that_order(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    lan = await verified_lan(api, telegram_bot)
    [listed] = [call for call in api.calls_of("sendMessage", ok_only=True)
                if call.chat_id == LAN and "RG-2026-900003" in call.result["text"]]
    text = listed.result["text"]
    assert text.startswith(rendered("core.orders.list", count=3))
    assert text.index("RG-2026-900003") < text.index("RG-2026-900001") < text.index("RG-2026-900002")
    assert "trễ hẹn giao" in text  # the late one is flagged in the list
    rows = listed.params["reply_markup"]["inline_keyboard"]
    assert [button["callback_data"] for row in rows for button in row] == [
        "order:RG-2026-900003", "order:RG-2026-900001", "order:RG-2026-900002", "menu:main"]
    assert api.calls_of("editMessageReplyMarkup") == []  # the buttons came with the message
    lan.press_button(listed.result, "order:RG-2026-900001")
    shown = await api.wait_for("sendMessage", details_of("RG-2026-900001"))
    assert rendered("core.order_status.delivered") in shown.result["text"]
    assert "https://donhang.ghn.vn/?order_code=GHNLAN0001VN" in shown.result["text"]
    assert "quá ngày dự kiến giao" not in shown.result["text"]


async def test_a_code_typed_in_any_form_opens_that_order(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    lan = await verified_lan(api, telegram_bot)
    forms = ["rg-2026-900003", "RG 2026 900003", "RG2026900003", "đơn hàng rg 2026-900003 tới đâu rồi"]
    for number, typed in enumerate(forms, start=1):
        lan.send_text(typed)
        shown = await api.wait_for("sendMessage", details_of("RG-2026-900003"), count=number)
        assert "Đã xác nhận" in shown.result["text"] and "199.000" in shown.result["text"]
    texts = [call.result["text"] for call in api.calls_of("sendMessage", ok_only=True) if call.chat_id == LAN]
    assert not any("không tìm thấy" in text for text in texts)


async def test_someone_elses_code_and_a_missing_code_get_exactly_the_same_answer(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    lan = await verified_lan(api, telegram_bot)
    not_found = says(LAN, "không tìm thấy đơn này trong các đơn của Quý khách")
    lan.send_text("đơn RG-2026-900009 tới đâu rồi")  # Bình's
    others = await api.wait_for("sendMessage", not_found)
    lan.send_text("đơn RG-2026-900999 tới đâu rồi")  # nobody's
    missing = await api.wait_for("sendMessage", not_found, count=2)
    assert others.params["text"] == missing.params["text"] == markup("core.orders.not_found")
    assert others.params["reply_markup"] == missing.params["reply_markup"]
    assert "99.000" not in others.result["text"] and "Bình" not in others.result["text"]


async def test_a_customer_with_no_orders_is_told_so(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    await telegram_bot.start()
    await seed(telegram_bot)
    hoa = api.user(HOA, "Hoa")
    hoa.send_text("đơn hàng của tôi đâu")
    await api.wait_for("sendMessage", asks_contact(HOA))
    hoa.share_contact(HOA_PHONE)
    none = await api.wait_for("sendMessage", says(HOA, rendered("core.orders.none")))
    assert none.result["text"] == rendered("core.orders.none")
    assert await tickets(telegram_bot) == []


async def test_a_change_of_address_becomes_a_ticket_with_the_new_address(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    lan = await verified_lan(api, telegram_bot)
    lan.send_text("đổi địa chỉ giao hàng của đơn RG-2026-900003")
    await api.wait_for("sendMessage", says(LAN, rendered("core.orders.change_details_hint")))
    lan.send_text("Giao về 25 Lý Thường Kiệt, phường Cửa Nam, Hà Nội")
    noted = await api.wait_for("sendMessage", says(LAN, "đã ghi thêm vào yêu cầu"))
    lan.press_button(noted.result, "order:act:send")
    created = await api.wait_for("sendMessage", says(LAN, "Mã phiếu: HT-"))
    assert "RG-2026-900003" in created.result["text"]
    [ticket] = await tickets(telegram_bot)
    assert (ticket.kind, ticket.category, ticket.order_code) == (
        "order_request", "order_change", "RG-2026-900003")
    assert "25 Lý Thường Kiệt" in ticket.description


async def test_a_return_and_refund_becomes_a_ticket(
    api: FakeBotApi, telegram_bot: TelegramBotUnderTest
) -> None:
    lan = await verified_lan(api, telegram_bot)
    lan.send_text("tôi muốn trả hàng và hoàn tiền đơn rg-2026-900001")
    rules = await api.wait_for("sendMessage", says(LAN, "đổi trả trong 7 ngày"))
    lan.press_button(rules.result, "order:act:send")
    created = await api.wait_for("sendMessage", says(LAN, "Mã phiếu: HT-"))
    assert "RG-2026-900001" in created.result["text"]
    [ticket] = await tickets(telegram_bot)
    assert (ticket.kind, ticket.category, ticket.order_code) == (
        "order_request", "return_refund", "RG-2026-900001")
