"""Flow names at work: deep links (`/start orders`) and dialogue states written by an earlier release."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bootstrap import App
from bot.storage.models import ChannelAccount, Customer, DialogueStateRow, Order
from tests.support.harness import ChatHarness
from tests.support.wording import key

LAN_PHONE = "+84912345678"


async def seed(app: App) -> None:
    async with app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        uow.customers.add(lan)
        await uow.flush()
        uow.orders.add(Order(code="RG-2026-000001", customer_id=lan.id, status="delivering",
                             total_vnd=450000, placed_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)))
        await uow.commit()


@pytest.mark.parametrize("link", ["orders", "order"])
async def test_the_orders_deep_link_asks_for_the_phone_then_lists_the_orders(
    harness: ChatHarness, app: App, link: str
) -> None:
    await seed(app)
    lan = harness.user()
    asked = await lan.says(f"/start {link}")
    assert asked.asks_for_contact
    listed = await lan.shares_contact(LAN_PHONE)
    assert listed.said("core.orders.summary_line", code="RG-2026-000001")


@pytest.mark.parametrize(("link", "button"), [("privacy", "policy:1"), ("complaint", "complaint:cat:order"),
                                               ("support", "complaint:cat:order"), ("rights", "menu:human")])
async def test_each_deep_link_opens_its_flow(harness: ChatHarness, link: str, button: str) -> None:
    reply = await harness.user().says(f"/start {link}")
    assert button in reply.buttons.values()


async def test_a_state_saved_by_an_earlier_release_resumes_under_the_same_names(
    harness: ChatHarness, app: App
) -> None:
    await seed(app)
    async with app.uow_factory() as uow:  # as the release before the renamed modules left it
        uow.session.add(ChannelAccount(channel="telegram", channel_user_id="1001", chat_id="1001"))
        uow.session.add(DialogueStateRow(channel="telegram", user_id="1001", language="vi", flow="verify",
                                         step="awaiting_contact", data={"then": "order", "reminders": 0}))
        await uow.commit()
    listed = await harness.user().shares_contact(LAN_PHONE)
    assert listed.said("core.verify.linked", name=key("core.polite_name", name="Nguyễn Thị Lan"))
    assert listed.said("core.orders.summary_line", code="RG-2026-000001")
