"""Corrections end to end through the harness and a real local SMTP server, on SQLite and PostgreSQL:
strong verification first (an unverified attempt changes nothing and is offered verification), name and
address applied at once, a new email confirmed by the code mailed to it, a new phone by the customer's
own contact (someone else's refused, or staff review), invalid values refused politely; every change
audited with its old and new value and recorded as a correction request staff see with its due date.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.messages.actions import OpenTopic
from bot.storage.models import AuditEntry, ChannelAccount, Customer, Order, OutboxMessage, PrivacyRequest
from tests.support.harness import ChatHarness, HarnessUser, Reply
from tests.support.mailbox import Mailbox
from tests.support.wording import key

STAFF_CHAT = "-1001234567890"
LAN_PHONE, LAN_EMAIL, LAN_ORDER = "+84912345678", "lan@example.com", "RG-2026-001001"
MINH_PHONE, MINH_EMAIL = "+84987654321", "minh@example.com"
NEW_EMAIL = "lan.moi@gmail.com"
START = "privacy:start:correction"


@pytest.fixture
def settings_overrides(smtp_port: int) -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_starttls": False,
            "staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


@pytest.fixture
async def seeded(app: App) -> App:
    from datetime import UTC, datetime

    async with app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thi Lan", phone=LAN_PHONE, email=LAN_EMAIL,
                       address="1 Hàng Bài, Hà Nội")
        minh = Customer(full_name="Trần Văn Minh", phone=MINH_PHONE, email=MINH_EMAIL)
        uow.customers.add(lan)
        uow.customers.add(minh)
        await uow.flush()
        uow.orders.add(Order(code=LAN_ORDER, customer_id=lan.id, status="delivered", total_vnd=250000,
                             placed_at=datetime(2026, 11, 20, 3, 0, tzinfo=UTC)))
        await uow.commit()
    return app


async def lan_row(app: App) -> Customer:
    async with app.uow_factory() as uow:
        row = await uow.customers.by_phone(LAN_PHONE) or await uow.customers.by_email(NEW_EMAIL)
        assert row is not None
        uow.session.expunge_all()
        return row


async def requests(app: App) -> list[PrivacyRequest]:
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)))
        uow.session.expunge_all()
        return rows


async def corrections_audited(app: App) -> list[dict[str, object]]:
    async with app.uow_factory() as uow:
        rows = await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "corrections.applied").order_by(AuditEntry.id))
        return [dict(row.details or {}) for row in rows]


async def verified_strongly(harness: ChatHarness, mailbox: Mailbox, user: HarnessUser, first: str) -> Reply:
    """`first` (a message, or the rights overview's correction button) starts a correction; refused
    until verified strongly (the contact, then the code mailed to the address on file), then the
    correction goes on: its reply."""
    asked = await (user.presses(first) if first.startswith("privacy:") else user.says(first))
    assert asked.said("correction.needs_strong")
    assert asked.asks_for_contact
    assert (await user.shares_contact(LAN_PHONE)).said("identity.code.sent_strong")
    await harness.deliver_outbox()
    clock = harness.app.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(minutes=2))  # a minute between two codes: the next one may be mailed
    return await user.says(mailbox.last_code(LAN_EMAIL))


async def test_an_unverified_attempt_is_refused_offered_verification_and_changes_nothing(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    asked = await lan.says("đổi email của tôi thành lan.moi@gmail.com")
    assert asked.said("correction.needs_strong")
    assert asked.asks_for_contact  # verification is offered at once
    assert await requests(seeded) == []
    assert (await lan_row(seeded)).email == LAN_EMAIL
    stale = await lan.presses("fix:do:resend")  # a button of the flow, outside it: nothing happens
    assert stale.said("core.stale_button")


async def test_name_and_address_applied_at_once_with_audit_rows(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    asked = await verified_strongly(harness, mailbox, lan, "tên của tôi bị sai, sửa giúp tôi")
    assert asked.said("correction.ask.name")  # the field the message named, kept across verification
    refused = await lan.says("123")
    assert refused.said("correction.invalid.name") and refused.said("correction.ask.name")
    done = await lan.says("Nguyễn Thị Lan")
    assert done.said("correction.applied", value="Nguyễn Thị Lan", reference="YC-2026-000001",
                     field=key("correction.field.name"))
    assert (await lan_row(seeded)).full_name == "Nguyễn Thị Lan"

    menu = await lan.presses(START)  # the rights overview's button: the fields to choose from
    assert menu.said("correction.choose_field")
    assert (await lan.presses(menu.button("correction.field.address"))).said("correction.ask.address")
    done = await lan.says("12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội")
    assert done.said("correction.applied", reference="YC-2026-000002")
    assert (await lan_row(seeded)).address == "12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội"

    assert await corrections_audited(seeded) == [
        {"field": "name", "old": "Nguyễn Thi Lan", "new": "Nguyễn Thị Lan", "via": "chat"},
        {"field": "address", "old": "1 Hàng Bài, Hà Nội", "new": "12 Lý Thường Kiệt, Hoàn Kiếm, Hà Nội",
         "via": "chat"},
    ]
    first, second = await requests(seeded)
    assert (first.kind, first.status, first.details["new"]) == ("correction", "completed", "Nguyễn Thị Lan")
    assert first.customer_id == (await lan_row(seeded)).id and first.delivered is not None
    assert second.status == "completed" and second.details["field"] == "address"
    # Staff see each as a request of their own (a topic, with its due date on the card), to mirror.
    await harness.deliver_outbox()
    topics = [a.name for _, a in harness.sender.delivered if isinstance(a, OpenTopic)]
    assert [t.split(" ")[0] for t in topics] == ["YC-2026-000001", "YC-2026-000002"]
    # Confirmed once, by the flow's reply: the request's own "completed" notice is not sent too.
    assert not harness.sender.said_to("5001", "privacy.notice.completed", reference="YC-2026-000001")


async def test_an_email_correction_confirmed_by_the_code_sent_to_the_new_address(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    # Both slots are filled by the first message: once verified, the code goes out.
    sent = await verified_strongly(harness, mailbox, lan, "đổi email của tôi thành lan.moi@gmail.com")
    assert sent.said("correction.code.sent")
    await harness.deliver_outbox()
    code = mailbox.last_code(NEW_EMAIL)
    assert mailbox.received[-1]["To"] == NEW_EMAIL
    async with seeded.uow_factory() as uow:
        (mail,) = [m for m in await uow.session.scalars(select(OutboxMessage))
                   if m.payload.get("to") == NEW_EMAIL]
        assert code not in str(mail.payload)  # sealed while it waits in the outbox

    wrong = "000000" if code != "000000" else "111111"
    assert (await lan.says(wrong)).said("correction.code.wrong", tries=4)
    assert (await lan_row(seeded)).email == LAN_EMAIL  # not before the right code
    done = await lan.says(f"mã là {code} ạ")
    assert done.said("correction.applied", reference="YC-2026-000001", field=key("correction.field.email"))
    row = await lan_row(seeded)
    assert row.email == NEW_EMAIL
    assert await corrections_audited(seeded) == [
        {"field": "email", "old": LAN_EMAIL, "new": NEW_EMAIL, "via": "email_code"}]
    async with seeded.uow_factory() as uow:
        account = await uow.session.scalar(
            select(ChannelAccount).where(ChannelAccount.channel_user_id == "5001"))
        assert account is not None and account.verified_email == NEW_EMAIL
    (request,) = await requests(seeded)
    assert request.status == "completed" and request.details["new"] == NEW_EMAIL
    again = await lan.says(code)  # the code is used up, and the flow is over
    assert not again.said("correction.applied")


async def test_invalid_values_and_another_customers_email_are_refused_politely(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    menu = await verified_strongly(harness, mailbox, lan, START)
    assert (await lan.presses(menu.button("correction.field.email"))).said("correction.ask.email")
    refused = await lan.says("lan.moi@gmail")
    assert refused.said("correction.invalid.email") and refused.said("correction.ask.email")
    taken = await lan.says(MINH_EMAIL)
    assert taken.said("correction.taken") and taken.said("correction.ask.email")
    same = await lan.says(LAN_EMAIL)
    assert same.said("correction.unchanged")
    await lan.presses("fix:do:cancel")
    menu = await lan.presses(START)
    assert (await lan.presses(menu.button("correction.field.phone"))).said("correction.ask.phone")
    refused = await lan.says("12345")
    assert refused.said("correction.invalid.phone") and refused.said("correction.ask.phone")
    assert await requests(seeded) == [] and await corrections_audited(seeded) == []
    await harness.deliver_outbox()
    assert mailbox.to(NEW_EMAIL) == [] and mailbox.to(MINH_EMAIL) == []


async def test_a_new_phone_by_the_own_contact_and_someone_elses_contact_refused(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    menu = await verified_strongly(harness, mailbox, lan, START)
    assert (await lan.presses(menu.button("correction.field.phone"))).said("correction.ask.phone")
    asked = await lan.says("0903 123 456")
    assert asked.said("correction.phone.ask_contact", phone="+84••••••456") and asked.asks_for_contact
    refused = await lan.shares_contact("+84903123456", own=False)
    assert refused.said("correction.phone.not_own") and refused.asks_for_contact
    mismatch = await lan.shares_contact(LAN_PHONE)
    assert mismatch.said("correction.phone.mismatch")
    assert (await lan_row(seeded)).phone == LAN_PHONE
    done = await lan.shares_contact("+84903123456")
    assert done.said("correction.applied", reference="YC-2026-000001", field=key("correction.field.phone"))
    async with seeded.uow_factory() as uow:
        row = await uow.customers.by_phone("+84903123456")
        assert row is not None and row.email == LAN_EMAIL
    assert await corrections_audited(seeded) == [
        {"field": "phone", "old": LAN_PHONE, "new": "+84903123456", "via": "telegram_contact"}]


async def test_a_new_phone_without_a_contact_is_left_for_staff_review(
    harness: ChatHarness, seeded: App, mailbox: Mailbox
) -> None:
    lan = harness.user("5001", name="Lan")
    menu = await verified_strongly(harness, mailbox, lan, START)
    assert (await lan.presses(menu.button("correction.field.phone"))).said("correction.ask.phone")
    asked = await lan.says("0903 123 456")
    review = await lan.presses(asked.button("correction.review_button"))
    assert review.said("correction.for_review", reference="YC-2026-000001")
    (request,) = await requests(seeded)
    assert request.status == "received" and request.details["new"] == "+84903123456"
    assert request.details["review"] == "no own contact"
    assert (await lan_row(seeded)).phone == LAN_PHONE  # staff decide
    assert await corrections_audited(seeded) == []
    await harness.deliver_outbox()
    assert any(isinstance(a, OpenTopic) and a.name.startswith("YC-2026-000001")
               for _, a in harness.sender.delivered)
