"""Issue 18, parts 1 and 2, through the test-harness channel on SQLite and PostgreSQL: the order the
customer names (typed in any form, or pressed), someone else's and a missing code answered alike, no
orders, a late order with one press to a person, and each request about an order becoming a ticket."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.storage.models import Customer, Order, OrderStatusEvent, Ticket
from bot.storage.uow import UnitOfWorkFactory
from tests.conftest import START_OF_TEST_TIME
from tests.support.harness import ChatHarness, HarnessUser, Reply
from tests.support.wording import key

LAN_PHONE = "+84912345678"
BINH_PHONE = "+84987654321"
HOA_PHONE = "+84381234567"  # a customer with no orders
NOW = START_OF_TEST_TIME  # Monday 23/11/2026 09:00 in Hanoi


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"console_desk": True}  # a staffed desk: the customer is promised reply times


def _order(
    code: str, customer_id: int, status: str, steps: list[tuple[str, float]], **fields: object
) -> Order:
    placed = NOW - timedelta(days=steps[0][1])
    order = Order(code=code, customer_id=customer_id, status=status, placed_at=placed, **fields)
    order.history = [
        OrderStatusEvent(status=name, occurred_at=NOW - timedelta(days=ago)) for name, ago in steps
    ]
    return order


async def seed(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        binh = Customer(full_name="Trần Văn Bình", phone=BINH_PHONE)
        hoa = Customer(full_name="Lê Thị Hoa", phone=HOA_PHONE)
        for customer in (lan, binh, hoa):
            uow.customers.add(customer)
        await uow.flush()
        uow.orders.add(
            _order(
                "RG-2026-900001",
                lan.id,
                "delivered",
                [("pending", 8), ("shipped", 6), ("delivered", 3)],
                total_vnd=407_000,
                carrier="GHN",
                tracking_code="GHNLAN0001VN",
                payment_status="paid",
                items=[{"name": "Son kem lì Rosee Velvet", "quantity": 2, "price_vnd": 189_000}],
            )
        )
        uow.orders.add(
            _order(  # due on 20/11, still out for delivery on 23/11: late
                "RG-2026-900002",
                lan.id,
                "delivering",
                [("pending", 6), ("shipped", 5), ("delivering", 4)],
                total_vnd=558_000,
                carrier="GHTK",
                tracking_code="S22845671.MB3.A1",
                payment_status="cod",
                expected_delivery=date(2026, 11, 20),
                items=[
                    {"name": "Kem chống nắng Rosee Sun SPF50+", "quantity": 1, "price_vnd": 329_000},
                    {"name": "Nước hoa hồng Rosee Rose Water", "quantity": 1, "price_vnd": 229_000},
                ],
            )
        )
        uow.orders.add(
            _order(
                "RG-2026-900003",
                lan.id,
                "confirmed",
                [("pending", 1), ("confirmed", 0.5)],
                total_vnd=199_000,
                payment_status="unpaid",
                expected_delivery=date(2026, 11, 27),
            )
        )
        uow.orders.add(
            _order(
                "RG-2026-900004",
                lan.id,
                "shipped",
                [("pending", 2), ("shipped", 1)],
                total_vnd=250_000,
                carrier="Ninja Van",
                tracking_code="NV123",
                expected_delivery=date(2026, 11, 25),
            )
        )
        uow.orders.add(_order("RG-2026-900009", binh.id, "pending", [("pending", 1)], total_vnd=99_000))
        await uow.commit()


async def verified_lan(harness: ChatHarness, app: App) -> HarnessUser:
    await seed(app.uow_factory)
    lan = harness.user()
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    return lan


async def tickets(app: App) -> list[Ticket]:
    async with app.uow_factory() as uow:
        return list(await uow.session.scalars(select(Ticket).order_by(Ticket.id)))


# Part 1: the order named -------------------------------------------------------------------------------
async def test_a_code_typed_before_verifying_goes_straight_to_that_order_afterwards(
    harness: ChatHarness, app: App
) -> None:
    await seed(app.uow_factory)
    lan = harness.user()
    asked = await lan.says("đơn rg 2026 900002 bao giờ tới?")
    assert asked.asks_for_contact
    shown = await lan.shares_contact(LAN_PHONE)
    assert shown.said("core.verify.linked")
    assert not shown.said("core.orders.list")  # not the list: the order named, without asking again
    assert shown.said(
        "core.orders.details", code="RG-2026-900002", status=key("core.order_status.delivering")
    )
    assert shown.said("core.orders.late", expected="20/11/2026")
    assert shown.said("core.orders.item_line_priced", name="Kem chống nắng Rosee Sun SPF50+", price="329.000")
    assert shown.said("core.orders.total", total="558.000")
    assert shown.said("core.orders.payment", payment=key("core.payment_status.cod"))
    assert shown.said("core.orders.shipping", carrier="GHTK", tracking="S22845671.MB3.A1")
    assert shown.said("core.orders.tracking_link", link="https://i.ghtk.vn/S22845671.MB3.A1")
    assert shown.said("core.orders.expected", expected="20/11/2026")
    assert shown.said("core.orders.history_line", status=key("core.order_status.shipped"))
    assert shown.button("core.orders.late_button") == "order:late:RG-2026-900002"


@pytest.mark.parametrize(
    "typed",
    [
        "RG-2026-900001",
        "rg2026900001",
        "đơn RG 2026 900001 của tôi",
        "kiểm tra đơn rg.2026.900001 giúp",
        "đơn hàng Rg-2026-900001 tới đâu rồi",
    ],
)
async def test_a_code_in_any_form_is_that_order(harness: ChatHarness, app: App, typed: str) -> None:
    lan = await verified_lan(harness, app)
    shown = await lan.says(typed)
    assert shown.said("core.orders.details", code="RG-2026-900001", status=key("core.order_status.delivered"))
    assert not shown.said("core.orders.late") and not shown.said("core.orders.expected")
    assert shown.said("core.orders.tracking_link", link="https://donhang.ghn.vn/?order_code=GHNLAN0001VN")
    assert (
        shown.button("core.orders.request_button.return_refund") == "order:req:return_refund:RG-2026-900001"
    )


async def test_an_order_by_its_button(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    listed = await lan.presses("menu:orders")
    assert listed.said("core.orders.summary_line", code="RG-2026-900004")
    assert listed.said("core.orders.summary_line_late", code="RG-2026-900002")  # due 20/11: flagged
    assert not listed.said("core.orders.summary_line", code="RG-2026-900002")
    shown = await lan.presses(listed.button("core.orders.details_button", code="RG-2026-900004"))
    assert shown.said("core.orders.details", code="RG-2026-900004", status=key("core.order_status.shipped"))
    assert shown.said("core.orders.shipping", carrier="Ninja Van", tracking="NV123")
    assert not shown.said("core.orders.tracking_link")  # no template for this carrier: no guessed address
    assert not shown.said("core.orders.payment")  # nothing held, nothing said
    assert not shown.said("core.orders.late")  # due on 25/11
    assert "order:req:order_cancel:RG-2026-900004" not in shown.buttons.values()  # shipped: not offered


async def test_someone_elses_code_and_a_missing_code_get_the_same_answer(
    harness: ChatHarness, app: App
) -> None:
    lan = await verified_lan(harness, app)
    others = await lan.says("đơn RG-2026-900009 đến đâu rồi")
    missing = await lan.says("đơn RG-2026-900999 đến đâu rồi")
    assert others.keys == ["core.orders.not_found"] == missing.keys
    assert others.text == missing.text and others.buttons == missing.buttons
    assert "99.000" not in others.text and "Bình" not in others.text
    forged = await lan.presses("order:RG-2026-900009")
    assert forged.text == missing.text


async def test_a_customer_with_no_orders_is_told_so(harness: ChatHarness, app: App) -> None:
    await seed(app.uow_factory)
    hoa = harness.user("1003", name="Hoa")
    await hoa.says("đơn hàng của tôi đâu")
    assert (await hoa.shares_contact(HOA_PHONE)).said("core.orders.none")
    assert (await hoa.says("hủy đơn hàng giúp tôi")).said("core.orders.none")
    assert await tickets(app) == []


async def test_a_late_order_reaches_a_person_in_one_press_with_the_order(
    harness: ChatHarness, app: App
) -> None:
    lan = await verified_lan(harness, app)
    shown = await lan.says("RG-2026-900002")
    created = await lan.presses(shown.button("core.orders.late_button"))
    assert created.said(
        "core.orders.late_ticket_created",
        code="RG-2026-900002",
        number="HT-2026-000001",
        first_reply_due="11:00 23/11/2026",
    )
    [ticket] = await tickets(app)
    assert (ticket.kind, ticket.category, ticket.order_code) == (
        "order_request",
        "delivery",
        "RG-2026-900002",
    )
    assert "20/11/2026" in ticket.description and ticket.customer_id is not None


async def test_a_late_button_for_someone_elses_order_opens_nothing(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    assert (await lan.presses("order:late:RG-2026-900009")).keys == ["core.orders.not_found"]
    assert await tickets(app) == []


# Part 2: what the bot cannot do ------------------------------------------------------------------------
async def send(lan: HarnessUser, reply: Reply) -> Reply:
    return await lan.presses(reply.button("core.orders.send_button"))


async def test_cancelling_an_order_that_can_be_cancelled(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    rules = await lan.says("hủy đơn RG-2026-900003 giúp tôi")
    assert rules.said(
        "core.orders.request_intro", code="RG-2026-900003", what=key("core.orders.request_title.order_cancel")
    )
    assert rules.said("core.orders.rule.cancel_allowed") and rules.said("core.orders.confirm_allowed")
    created = await send(lan, rules)
    assert created.said(
        "core.orders.request_created",
        code="RG-2026-900003",
        number="HT-2026-000001",
        first_reply_due="11:00 23/11/2026",
        resolution_due="09:00 27/11/2026",
    )
    [ticket] = await tickets(app)
    assert (ticket.kind, ticket.category, ticket.order_code) == (
        "order_request",
        "order_cancel",
        "RG-2026-900003",
    )
    assert "hủy đơn RG-2026-900003 giúp tôi" in ticket.description
    assert "Đã xác nhận" in ticket.description  # the status, for staff


async def test_a_shipped_order_cannot_be_cancelled_but_staff_may_still_be_asked(
    harness: ChatHarness, app: App
) -> None:
    lan = await verified_lan(harness, app)
    rules = await lan.says("tôi muốn hủy đơn RG-2026-900004")
    assert rules.said("core.orders.rule.cancel_shipped", days=7) and rules.said("core.orders.confirm_refused")
    await send(lan, rules)
    [ticket] = await tickets(app)
    assert ticket.category == "order_cancel" and "không hủy được nữa" in ticket.description


async def test_changing_the_address_keeps_the_new_address_for_staff(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    rules = await lan.says("đổi địa chỉ giao hàng của đơn RG-2026-900003")
    assert rules.said("core.orders.rule.change_allowed") and rules.said("core.orders.change_details_hint")
    noted = await lan.says("Giao về 25 Lý Thường Kiệt, phường Cửa Nam, Hà Nội")
    assert noted.said("core.orders.request_note_added")
    created = await send(lan, noted)
    assert created.said("core.orders.request_created", what=key("core.orders.request_title.order_change"))
    [ticket] = await tickets(app)
    assert ticket.category == "order_change" and "25 Lý Thường Kiệt" in ticket.description


async def test_a_return_within_the_window_and_one_not_yet_delivered(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    rules = await lan.says("tôi muốn trả hàng đơn RG-2026-900001")
    assert rules.said("core.orders.rule.return_allowed", until="27/11/2026", days=7)
    await send(lan, rules)
    early = await harness.user("1009").says("hoàn tiền đơn RG-2026-900002")  # another chat: no open ticket
    assert early.asks_for_contact
    [ticket] = await tickets(app)
    assert ticket.category == "return_refund" and ticket.order_code == "RG-2026-900001"


async def test_a_request_without_a_code_asks_which_order(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    asked = await lan.says("tôi muốn hủy đơn hàng")
    assert asked.said("core.orders.choose_order", what=key("core.orders.request_title.order_cancel"))
    assert (
        asked.button("core.orders.choose_button", code="RG-2026-900003")
        == "order:req:order_cancel:RG-2026-900003"
    )
    again = await lan.says("đơn nào cũng được")
    assert again.said("core.orders.choose_reminder")
    not_theirs = await lan.says("RG-2026-900009")
    assert not_theirs.keys == ["core.orders.not_found"]
    rules = await lan.says("đơn RG 2026 900003")  # typed in the step: that order
    assert rules.said("core.orders.rule.cancel_allowed")
    await send(lan, rules)
    [ticket] = await tickets(app)
    assert ticket.order_code == "RG-2026-900003" and "tôi muốn hủy đơn hàng" in ticket.description


async def test_a_request_made_before_verifying_is_carried_on_after(harness: ChatHarness, app: App) -> None:
    await seed(app.uow_factory)
    lan = harness.user()
    asked = await lan.says("hủy đơn RG-2026-900003 giúp tôi")
    assert asked.asks_for_contact
    rules = await lan.shares_contact(LAN_PHONE)
    assert rules.said("core.orders.rule.cancel_allowed")  # neither the request nor the code asked again
    await send(lan, rules)
    [ticket] = await tickets(app)
    assert ticket.order_code == "RG-2026-900003" and "hủy đơn RG-2026-900003 giúp tôi" in ticket.description


async def test_a_forged_request_button_and_a_dropped_request_make_no_ticket(
    harness: ChatHarness, app: App
) -> None:
    lan = await verified_lan(harness, app)
    assert (await lan.presses("order:req:order_cancel:RG-2026-900009")).keys == ["core.orders.not_found"]
    rules = await lan.presses("order:req:order_cancel:RG-2026-900003")
    dropped = await lan.presses(rules.button("core.orders.drop_button"))
    assert dropped.said("core.orders.request_dropped")
    assert (await lan.presses("order:act:send")).said("core.stale_button")
    assert await tickets(app) == []


async def test_rules_are_read_again_when_the_request_is_sent(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    rules = await lan.says("hủy đơn RG-2026-900003")
    assert rules.said("core.orders.rule.cancel_allowed")
    async with app.uow_factory() as uow:  # the shop ships it meanwhile
        order = await uow.orders.owned_by((await uow.customers.by_phone(LAN_PHONE)).id, "RG-2026-900003")
        assert order is not None
        order.status = "shipped"
        await uow.commit()
    await send(lan, rules)
    [ticket] = await tickets(app)
    assert "không hủy được nữa" in ticket.description


async def test_in_english_too(harness: ChatHarness, app: App) -> None:
    await seed(app.uow_factory)
    lan = harness.user("1005", language="en")
    assert (await lan.says("where is my order RG-2026-900002?")).asks_for_contact
    shown = await lan.shares_contact(LAN_PHONE)
    assert shown.said_in("en", "core.orders.details", code="RG-2026-900002")
    assert shown.said_in("en", "core.orders.late", expected="20/11/2026")
    rules = await lan.says("please cancel order RG-2026-900003")
    assert rules.said_in("en", "core.orders.rule.cancel_allowed")


async def test_a_request_set_aside_is_offered_back_and_asked_again(harness: ChatHarness, app: App) -> None:
    lan = await verified_lan(harness, app)
    assert (await lan.says("tôi muốn hủy đơn hàng")).said("core.orders.choose_order")
    aside = await lan.says("shop co ban thong tin cua minh ko")  # clearly something else: set aside
    assert aside.said("core.policy_answer") and aside.said("core.resume.offer")
    again = await lan.presses("resume:go:order")
    assert again.said("core.orders.choose_order", what=key("core.orders.request_title.order_cancel"))
    rules = await lan.says("RG-2026-900003")
    assert rules.said("core.orders.rule.cancel_allowed")
    english = await lan.says("/lang en")  # the step's question again, in the new language
    assert english.said_in("en", "core.orders.rule.cancel_allowed")
    await send(lan, english)
    [ticket] = await tickets(app)
    assert ticket.order_code == "RG-2026-900003" and "tôi muốn hủy đơn hàng" in ticket.description
