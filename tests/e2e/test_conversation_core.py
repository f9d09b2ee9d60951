"""The conversation core end to end through the test-harness channel, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogue.ports import TextUnderstander
from bot.messages.events import InboundEvent
from bot.storage.models import Customer, Order, OrderStatusEvent
from bot.storage.uow import UnitOfWorkFactory
from tests.support.harness import ChatHarness
from tests.support.wording import key

LAN_PHONE = "+84912345678"
BINH_PHONE = "+84987654321"


async def seed_customers(uow_factory: UnitOfWorkFactory) -> None:
    placed = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    async with uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email="lan@example.com")
        binh = Customer(full_name="Trần Văn Bình", phone=BINH_PHONE)
        uow.customers.add(lan)
        uow.customers.add(binh)
        await uow.flush()
        lan_order = Order(
            code="RG-2026-000001",
            customer_id=lan.id,
            status="delivering",
            total_vnd=450000,
            placed_at=placed,
            carrier="GHN",
            tracking_code="GHN123",
        )
        lan_order.history = [
            OrderStatusEvent(status="pending", occurred_at=placed),
            OrderStatusEvent(status="delivering", occurred_at=placed.replace(day=21)),
        ]
        uow.orders.add(lan_order)
        uow.orders.add(
            Order(
                code="RG-2026-000002",
                customer_id=binh.id,
                status="pending",
                total_vnd=99000,
                placed_at=placed,
            )
        )
        await uow.commit()


async def test_start_greets_with_the_menu(harness: ChatHarness) -> None:
    reply = await harness.user().says("/start")
    assert reply.said("core.welcome", name=key("core.polite_name", name="Lan"))
    assert {"menu:privacy", "menu:orders", "menu:human"} <= set(reply.buttons.values())


async def test_help_lang_and_cancel_work_at_any_step(harness: ChatHarness) -> None:
    lan = harness.user()
    await lan.says("đơn hàng của em đâu")  # now waiting for a contact
    assert (await lan.says("/help")).said("core.help")
    english = await lan.says("/lang en")
    assert english.said_in("en", "core.language_set")
    cancelled = await lan.says("/cancel")
    assert cancelled.keys == ["core.cancelled"]  # the contact step was cancelled, not "nothing to cancel"
    assert (await lan.says("/cancel")).said_in("en", "core.nothing_to_cancel")


async def test_policy_question_is_answered_from_the_policy_with_its_section(harness: ChatHarness) -> None:
    # The citation is the knowledge base's own wording (knowledge/), not the catalogue's.
    reply = await harness.user().says("shop co ban thong tin cua minh ko")
    assert reply.said("core.policy_answer") and "Theo mục 3" in reply.text
    english = await harness.user("2002", language="en").says("Do you sell my data to other companies?")
    assert english.said_in("en", "core.policy_answer") and "According to section 3" in english.text


async def test_privacy_sections_as_buttons(harness: ChatHarness) -> None:
    lan = harness.user()
    sections = await lan.says("/privacy")
    assert len([d for d in sections.buttons.values() if d.startswith("policy:")]) == 8
    assert sections.said("core.privacy_sections")
    assert sections.button("core.section_button", number=7) == "policy:7"
    answer = await lan.presses(sections.button_data("policy:7"))
    assert answer.said("core.policy_answer") and "mục 7" in answer.text.lower()
    assert "không mất phí" in answer.text


async def test_unsure_answers_honestly_and_offers_a_person(harness: ChatHarness) -> None:
    reply = await harness.user().says("hôm nay trời có mưa không shop")
    assert reply.said("core.not_sure")
    assert "menu:human" in reply.buttons.values()


async def test_close_candidates_get_a_clarifying_question(harness: ChatHarness) -> None:
    lan = harness.user()
    asked = await lan.says("email")  # correcting the email on file, or stopping marketing emails?
    choices = [data for data in asked.buttons.values() if data.startswith("intent:")]
    assert len(choices) == 2 and "intent:out_of_scope" not in choices
    assert "menu:human" in asked.buttons.values()
    assert asked.said("core.clarify")
    assert asked.button("core.intent_label.marketing_opt_out") == "intent:marketing_opt_out"
    chosen = await lan.presses("intent:marketing_opt_out")
    # "email" was the question: stopping marketing emails, so the address they go to is asked.
    assert chosen.said("marketing.ask_address.email")
    assert (await lan.presses("intent:marketing_opt_out")).said("core.stale_button")


async def test_orders_after_verifying_the_phone(harness: ChatHarness, app: App) -> None:
    await seed_customers(app.uow_factory)
    lan = harness.user()
    asked = await lan.says("ad ơi đơn hàng của e đâu")
    assert asked.asks_for_contact
    listed = await lan.shares_contact("0912 345 678")
    assert listed.said("core.verify.linked", name=key("core.polite_name", name="Nguyễn Thị Lan"))
    assert listed.said("core.orders.summary_line", code="RG-2026-000001")
    assert "RG-2026-000002" not in listed.text
    details = await lan.presses(listed.button("core.orders.details_button", code="RG-2026-000001"))
    assert details.said("core.orders.details", code="RG-2026-000001",
                        status=key("core.order_status.delivering"))
    assert details.said("core.orders.shipping", carrier="GHN", tracking="GHN123")
    async with app.uow_factory() as uow:
        actions = [entry.action for entry in await uow.audit.recent()]
    assert {"identity.phone_verified", "orders.list", "orders.read"} <= set(actions)


async def test_someone_elses_order_cannot_be_read_with_a_forged_button(
    harness: ChatHarness, app: App
) -> None:
    await seed_customers(app.uow_factory)
    lan = harness.user()
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    forged = await lan.presses("order:RG-2026-000002")
    assert forged.keys == ["core.orders.not_found"]
    assert "99.000" not in forged.text and "Bình" not in forged.text


async def test_a_contact_that_is_not_the_senders_proves_nothing(harness: ChatHarness, app: App) -> None:
    await seed_customers(app.uow_factory)
    lan = harness.user()
    await lan.says("kiểm tra đơn hàng")
    refused = await lan.shares_contact(BINH_PHONE, own=False)
    assert refused.asks_for_contact
    assert "Bình" not in refused.text and "RG-2026-000002" not in refused.text


async def test_typed_text_while_verifying_reminds_then_gives_up(harness: ChatHarness) -> None:
    lan = harness.user()
    await lan.says("đơn hàng của em")
    assert (await lan.says("0912345678")).asks_for_contact
    assert (await lan.says("0912345678")).asks_for_contact
    gave_up = await lan.says("0912345678")
    assert not gave_up.asks_for_contact


async def test_duplicate_delivery_is_answered_once(harness: ChatHarness, app: App) -> None:
    event = InboundEvent(channel="telegram", user_id="7", chat_id="7", text="xin chào", event_key="update-1")
    assert await app.conversation.handle(event)
    assert await app.conversation.handle(event) == []


@pytest.mark.parametrize(
    "text", ["", "   ", "a" * 20_000, "\x00\x01\x02", "🙂🙂🙂", "ʕ•ᴥ•ʔ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "<b>hi</b>&"]
)
async def test_any_text_gets_a_polite_reply(harness: ChatHarness, text: str) -> None:
    reply = await harness.user().says(text)
    assert reply.text.strip() and reply.keys
    assert not reply.said("core.internal_error")


async def test_files_outside_a_flow_get_an_explanation(harness: ChatHarness) -> None:
    assert (await harness.user().sends_file("voice")).keys == ["core.attachment.unsupported"]
    assert (await harness.user().sends_file("sticker")).keys == ["core.attachment.sticker"]


async def test_groups_and_edits_are_ignored(harness: ChatHarness, app: App) -> None:
    stranger_group = harness.member_of("-100999", "5")
    assert (await stranger_group.says("đơn hàng của tôi")).actions == []
    edited = InboundEvent(channel="telegram", user_id="5", chat_id="5", text="sửa", is_edit=True)
    assert await app.conversation.handle(edited) == []


async def test_a_button_pressed_in_a_stranger_group_is_refused_and_audited(app: App) -> None:
    forwarded_card = InboundEvent(channel="telegram", user_id="66", chat_id="-100777", button="desk:take:1",
                                  chat_kind="group")
    assert await app.conversation.handle(forwarded_card) == []
    async with app.uow_factory() as uow:
        entries = [(e.actor, e.details) for e in await uow.audit.recent() if e.action == "buttons.refused"]
    assert entries == [("telegram:66", {"button": "desk:take:1", "chat_id": "-100777"})]


async def test_internal_failure_becomes_an_apology_with_an_incident_id(
    harness: ChatHarness, app: App, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("classifier exploded")

    monkeypatch.setattr(app.understander, "understand", broken)
    with caplog.at_level(logging.ERROR):
        reply = await harness.user().says("xin chào")
    assert reply.keys == ["core.internal_error"]
    incident = str(reply.wording("core.internal_error").values["incident"])
    assert incident in reply.text and incident in caplog.text and "classifier exploded" in caplog.text
    async with app.uow_factory() as uow:  # nothing from the failed turn was kept
        assert await uow.dialogue_states.get("telegram", "1001") is None


async def test_a_restart_between_two_messages_resumes_the_flow(
    settings: Settings, clock: ManualClock, understander: TextUnderstander
) -> None:
    first = await build_app(settings, clock=clock, understander=understander)
    await seed_customers(first.uow_factory)
    assert (await ChatHarness(first).user().says("đơn hàng của em đâu")).asks_for_contact
    await first.close()
    second = await build_app(settings, clock=clock, understander=understander)
    try:
        listed = await ChatHarness(second).user().shares_contact(LAN_PHONE)
        assert listed.said("core.orders.summary_line", code="RG-2026-000001")
    finally:
        await second.close()
