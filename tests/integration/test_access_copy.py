"""The right of access through the real conversation core and outbox, on SQLite and PostgreSQL.

Two customers share the database, each with rows in every table the copy reads. Lan, strongly
verified, asks for her copy: she receives a note and two documents whose JSON holds her rows of every
section and nothing of Minh's (nor the internal staff note on her ticket, nor a code's hash), whose
HTML escapes her name; the request is completed with what was sent. The documents' bytes wait in the
outbox beside their rows: a restart before the send loses nothing, a delivered one is not sent
again, a refused one keeps its bytes, and the bytes of a delivered one are removed after
RETENTION_DOCUMENT_DAYS. A request never verified is closed after PRIVACY_UNVERIFIED_CLOSE_DAYS.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.delivery.senders import PermanentFailure
from bot.dialogue.ports import TextUnderstander
from bot.domain.privacy_request import RequestKind
from bot.messages.actions import Action, Address, SendDocument, SendText
from bot.services.outbox import enqueue
from bot.services.privacy_requests import RequestView
from bot.services.privacy_requests.access_scope import SECTIONS
from bot.services.retention import run_retention
from bot.storage.models import (
    AuditEntry,
    ChannelAccount,
    ConsentEvent,
    Customer,
    MarketingSuppression,
    OneTimeCode,
    Order,
    OrderStatusEvent,
    OutboxFile,
    OutboxMessage,
    OutboxPurpose,
    PrivacyRequest,
    PrivacyRequestEvent,
    Ticket,
    TicketMessage,
    VerificationFailure,
    VerificationLockout,
)
from tests.support.harness import ChatHarness, HarnessUser, RecordingSender

LAN_NAME = "<b>Lan</b> Nguyễn & Co"
LAN_PHONE, MINH_PHONE = "+84912345678", "+84987654321"
LAN_ORDER, MINH_ORDER = "RG-2026-100001", "RG-2026-200002"
INTERNAL_NOTE = "ghi chú nội bộ: khách này hay đổi ý"
MINH_SECRET_TEXT = "Minh hỏi về đơn 200002"
STAFF_NAME = "Phạm Thu Trang"
PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


async def seed_customer(app: App, *, name: str, phone: str, order_code: str, user_id: str, note: str,
                        message: str) -> int:
    """A customer with a row in every table the copy reads (their chat account is made by a turn)."""
    now = app.clock.now()
    async with app.uow_factory() as uow:
        customer = Customer(full_name=name, phone=phone, address="12 Hàng Bạc, Hà Nội")
        uow.customers.add(customer)
        await uow.flush()
        order = Order(code=order_code, customer_id=customer.id, status="delivered", total_vnd=250000,
                      placed_at=PLACED, items=[{"name": "Son <i>môi</i>", "qty": 1}],
                      expected_delivery=date(2026, 11, 22))
        uow.orders.add(order)
        await uow.flush()
        uow.session.add(OrderStatusEvent(order_id=order.id, status="delivered", occurred_at=PLACED))
        uow.session.add(ConsentEvent(customer_id=customer.id, purpose="marketing", granted=True,
                                     source="import", recorded_at=PLACED))
        uow.session.add(MarketingSuppression(channel="sms", address=phone, since=PLACED, source="telegram",
                                             customer_id=customer.id))
        ticket = Ticket(number=f"KN-2026-{user_id}", category="delivery", customer_id=customer.id,
                        channel="telegram", channel_user_id=user_id, chat_id=user_id, description=message,
                        assignee_id="777", assignee_name=STAFF_NAME, staff_chat_id="-100123")
        uow.session.add(ticket)
        await uow.flush()
        uow.session.add_all([
            TicketMessage(ticket_id=ticket.id, author="customer", text=message, author_name=name),
            TicketMessage(ticket_id=ticket.id, author="staff", author_id="777", author_name=STAFF_NAME,
                          text=f"Dạ, chúng tôi đang kiểm tra ({user_id})"),
            TicketMessage(ticket_id=ticket.id, author="staff", author_id="777", author_name=STAFF_NAME,
                          text=note, internal=True),
        ])
        uow.session.add(OneTimeCode(channel="telegram", channel_user_id=user_id, customer_id=customer.id,
                                    email=f"{user_id}@example.com", purpose="link", digest="ab" * 32,
                                    status="used", expires_at=now))
        uow.session.add(VerificationFailure(channel="telegram", channel_user_id="999",
                                            customer_id=customer.id, factor="email_code", occurred_at=now))
        uow.session.add(VerificationLockout(channel="telegram", channel_user_id=user_id,
                                            customer_id=customer.id, started_at=now - timedelta(days=3),
                                            ends_at=now - timedelta(days=2)))
        uow.session.add(AuditEntry(actor="staff:777", action="orders.read", customer_id=customer.id,
                                   purpose="answer the customer", details={"code": order_code},
                                   created_at=now))
        await uow.commit()
        return customer.id


async def strongly_verified(user: HarnessUser, app: App, customer_id: int, phone: str) -> None:
    """The user's chat account, proven by its own contact and an order code just now."""
    await user.says("/start")
    now = app.clock.now()
    async with app.uow_factory() as uow:
        await uow.session.execute(update(ChannelAccount).where(
            ChannelAccount.channel == "telegram", ChannelAccount.channel_user_id == user.user_id).values(
            customer_id=customer_id, verified_phone=phone, phone_verified_at=now, order_code_verified_at=now))
        await uow.commit()


async def two_customers(app: App, harness: ChatHarness) -> tuple[HarnessUser, int, HarnessUser, int]:
    lan_id = await seed_customer(app, name=LAN_NAME, phone=LAN_PHONE, order_code=LAN_ORDER, user_id="1001",
                                 note=INTERNAL_NOTE, message="Đơn của tôi giao chậm")
    minh_id = await seed_customer(app, name="Trần Văn Minh", phone=MINH_PHONE, order_code=MINH_ORDER,
                                  user_id="2002", note="ghi chú về Minh", message=MINH_SECRET_TEXT)
    lan, minh = harness.user("1001", name="Lan"), harness.user("2002", name="Minh")
    await strongly_verified(lan, app, lan_id, LAN_PHONE)
    await strongly_verified(minh, app, minh_id, MINH_PHONE)
    return lan, lan_id, minh, minh_id


def documents_to(sender: RecordingSender, chat_id: str) -> list[SendDocument]:
    return [a for address, a in sender.delivered
            if address.chat_id == chat_id and isinstance(a, SendDocument)]


async def request_row(app: App) -> PrivacyRequest:
    async with app.uow_factory() as uow:
        row = await uow.session.scalar(select(PrivacyRequest).order_by(PrivacyRequest.id.desc()))
        assert row is not None
        uow.session.expunge_all()
        return row


async def files(app: App) -> list[OutboxFile]:
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(OutboxFile).order_by(OutboxFile.id)))
        uow.session.expunge_all()
        return rows


async def test_the_copy_holds_every_section_of_the_customer_and_nothing_of_another(
    app: App, harness: ChatHarness
) -> None:
    lan, lan_id, _, _ = await two_customers(app, harness)
    asked = await lan.presses("privacy:start:access")
    assert asked.said("privacy.received", reference="YC-2026-000001")
    assert asked.said("privacy.access.sending")
    await harness.deliver_outbox()

    note = harness.sender.saying("1001", "privacy.access.note", reference="YC-2026-000001")
    json_doc, html_doc = documents_to(harness.sender, "1001")
    delivered = [a for address, a in harness.sender.delivered if address.chat_id == "1001"]
    assert delivered.index(note) < delivered.index(json_doc) < delivered.index(html_doc)
    assert json_doc.file_name.endswith(".json") and html_doc.file_name.endswith(".html")
    copy = json.loads(json_doc.content)
    sections = copy["sections"]
    for section in SECTIONS:  # every table the copy reads has Lan's rows in it
        assert sections[section.name], f"no rows of Lan in {section.name}"
    assert sections["profile"] == [{**sections["profile"][0], "id": lan_id, "full_name": LAN_NAME}]
    assert [o["code"] for o in sections["orders"]] == [LAN_ORDER]
    assert sections["orders"][0]["items"] == [{"name": "Son <i>môi</i>", "qty": 1}]
    assert {row["customer_id"] for name in ("orders", "consents", "marketing_suppressions", "tickets",
                                            "audit_log")
            for row in sections[name]} == {lan_id}

    texts = [m["text"] for m in sections["ticket_messages"]]
    assert "Đơn của tôi giao chậm" in texts and INTERNAL_NOTE not in texts  # the staff note is withheld
    assert all(not m["internal"] for m in sections["ticket_messages"])
    assert {m["author_name"] for m in sections["ticket_messages"] if m["author"] == "staff"} == {"staff"}
    assert all("digest" not in code for code in sections["verification_codes"])
    assert sections["verification_failures"][0]["channel_user_id"] == "another chat account"
    assert all("assignee_name" not in t for t in sections["tickets"])
    assert {e["actor"] for e in sections["audit_log"]} >= {"staff"}  # who read her data, by role
    assert "privacy_requests.opened" in {e["action"] for e in sections["audit_log"]}
    assert [r["reference"] for r in sections["privacy_requests"]] == ["YC-2026-000001"]

    both = json_doc.content.decode() + html_doc.content.decode()
    for other in ("Trần Văn Minh", MINH_PHONE, MINH_ORDER, MINH_SECRET_TEXT, "2002", "ghi chú về Minh",
                  INTERNAL_NOTE, "ab" * 32, STAFF_NAME, '"777"'):
        assert other not in both, other
    page = html_doc.content.decode()
    assert "<b>Lan</b>" not in page and "&lt;b&gt;Lan&lt;/b&gt; Nguyễn &amp; Co" in page
    assert "<i>môi</i>" not in page
    assert "Ghi chú nội bộ của nhân viên" in page  # says that internal notes are withheld

    row = await request_row(app)
    assert row.status == "completed"
    assert row.delivered is not None
    assert [(f["name"], f["size"], f["sha256"]) for f in row.delivered["files"]] == [
        (d.file_name, len(d.content), hashlib.sha256(d.content).hexdigest()) for d in (json_doc, html_doc)]
    assert row.delivered["rows"] == copy["counts"]
    assert harness.sender.said_to("1001", "privacy.notice.completed", reference="YC-2026-000001")
    async with app.uow_factory() as uow:
        reads = list(await uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "privacy_requests.access_copy")))
    assert [(r.customer_id, r.actor, r.details["rows"]["orders"]) for r in reads] == [
        (lan_id, "staff:bot", 1)]


async def test_below_the_strong_level_nothing_is_read_and_verification_is_offered(
    app: App, harness: ChatHarness
) -> None:
    lan_id = await seed_customer(app, name=LAN_NAME, phone=LAN_PHONE, order_code=LAN_ORDER, user_id="1001",
                                 note=INTERNAL_NOTE, message="x")
    lan = harness.user("1001")
    unverified = await lan.presses("privacy:start:access")
    assert unverified.said("privacy.needs_strong") and unverified.asks_for_contact
    assert (await request_row(app)).status == "waiting_verification"

    await lan.says("/cancel")
    linked = harness.user("1003")  # linked by the phone only: the order code is still missing
    await linked.says("/start")
    async with app.uow_factory() as uow:
        await uow.session.execute(update(ChannelAccount).where(ChannelAccount.channel_user_id == "1003")
                                  .values(customer_id=lan_id, verified_phone=LAN_PHONE,
                                          phone_verified_at=app.clock.now()))
        await uow.commit()
    weak = await linked.presses("privacy:start:access")
    assert weak.said("privacy.needs_strong") and weak.said("identity.strong.ask_order_code")
    await harness.deliver_outbox()
    assert not documents_to(harness.sender, "1001") and not documents_to(harness.sender, "1003")
    assert await files(app) == []
    async with app.uow_factory() as uow:
        assert await uow.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "privacy_requests.access_copy")) is None


async def test_the_handler_reads_nothing_for_an_account_no_longer_strong(
    app: App, harness: ChatHarness
) -> None:
    """The level is checked again where the data is read, not only where the request was taken."""
    _, lan_id, _, _ = await two_customers(app, harness)
    handler = app.privacy_requests.handlers.get(RequestKind.ACCESS)
    assert handler is not None
    assert isinstance(app.clock, ManualClock)
    async with app.uow_factory() as uow:
        row = PrivacyRequest(reference="YC-2026-000099", customer_id=lan_id, kind="access", status="received",
                             channel="telegram", channel_user_id="1001", chat_id="1001",
                             received_at=app.clock.now(), respond_by=app.clock.now(), due_at=app.clock.now())
        uow.session.add(row)
        await uow.flush()
        app.clock.advance(timedelta(hours=2))  # the strong level (15 minutes) has lapsed
        await handler.opened(uow, RequestView.of(row))
        assert row.status == "received" and "package" not in row.details
        assert not [m for m in await uow.outbox.all() if m.purpose == OutboxPurpose.ACCESS_PACKAGE]
        await uow.commit()


async def test_the_documents_survive_a_restart_before_the_send_and_are_sent_once(
    app: App, harness: ChatHarness, settings: Settings, clock: ManualClock, understander: TextUnderstander
) -> None:
    lan, _, _, _ = await two_customers(app, harness)
    await lan.presses("privacy:start:access")  # committed; nothing delivered yet (the process "dies")
    stored = await files(app)
    assert [f.file_name for f in stored] == ["rosee-data-YC-2026-000001.json",
                                             "rosee-data-YC-2026-000001.html"]
    assert all(f.content and hashlib.sha256(f.content).hexdigest() == f.sha256 for f in stored)
    async with app.uow_factory() as uow:
        rows = [m for m in await uow.outbox.all() if m.kind == "document"]
        assert rows and all("content_b64" not in m.payload and m.payload["file"]["size"] for m in rows)

    restarted = await build_app(settings, clock=clock, understander=understander)
    try:
        again = ChatHarness(restarted)
        await again.deliver_outbox()
        sent = documents_to(again.sender, "1001")
        assert [hashlib.sha256(d.content).hexdigest() for d in sent] == [f.sha256 for f in stored]
        await again.deliver_outbox()
        await restarted.dispatcher.run_once()
        assert len(documents_to(again.sender, "1001")) == 2  # delivered once, never again
        assert (await request_row(restarted)).status == "completed"
    finally:
        await restarted.close()


class RefusingDocuments(RecordingSender):
    """Telegram refuses documents for good (too big, say); texts go through."""

    async def deliver(self, address: Address, action: Action) -> dict[str, Any]:
        if isinstance(action, SendDocument):
            raise PermanentFailure("Bad Request: file is too big")
        return await super().deliver(address, action)


async def test_a_refused_document_keeps_its_bytes_and_a_delivered_one_loses_them_after_retention(
    app: App, harness: ChatHarness, settings: Settings, clock: ManualClock
) -> None:
    lan, _, minh, _ = await two_customers(app, harness)
    refusing = RefusingDocuments()
    app.dispatcher.add_sender("telegram", refusing)
    await lan.presses("privacy:start:access")
    await app.dispatcher.drain()
    assert refusing.said_to("1001", "privacy.access.note") and not documents_to(refusing, "1001")
    assert (await request_row(app)).status == "in_progress"  # left to staff: not completed unsent

    app.dispatcher.add_sender("telegram", harness.sender)
    await minh.presses("privacy:start:access")
    await harness.deliver_outbox()
    assert len(documents_to(harness.sender, "2002")) == 2

    def kept() -> list[tuple[str, bool]]:
        return [(f.file_name, f.content is not None) for f in stored]

    clock.advance(timedelta(days=settings.retention_document_days) - timedelta(minutes=1))
    async with app.uow_factory() as uow:
        assert (await run_retention(uow, clock, settings)).documents == 0
        await uow.commit()
    stored = await files(app)
    assert kept() == [(name, True) for name in [f.file_name for f in stored]]

    clock.advance(timedelta(days=60))  # past every retention period
    async with app.uow_factory() as uow:
        report = await run_retention(uow, clock, settings)
        await uow.commit()
    assert report.documents == 2
    stored = await files(app)
    assert kept() == [("rosee-data-YC-2026-000001.json", True), ("rosee-data-YC-2026-000001.html", True),
                      ("rosee-data-YC-2026-000002.json", False), ("rosee-data-YC-2026-000002.html", False)]
    assert all(f.sha256 and f.size for f in stored) and all(f.purged_at for f in stored[2:])
    async with app.uow_factory() as uow:
        dead = [m for m in await uow.outbox.all() if m.kind == "document" and m.status == "dead"]
        assert len(dead) == 2 and all("file" in m.payload for m in dead)  # still sendable
        await uow.commit()
    async with app.uow_factory() as uow:
        assert (await run_retention(uow, clock, settings)).documents == 0  # idempotent
        await uow.commit()


async def test_altered_bytes_are_never_sent(app: App, harness: ChatHarness) -> None:
    lan, _, _, _ = await two_customers(app, harness)
    await lan.presses("privacy:start:access")
    async with app.uow_factory() as uow:
        await uow.session.execute(update(OutboxFile).where(OutboxFile.file_name.like("%.html")).values(
            content=b"<html>forged</html>"))
        await uow.commit()
    await harness.deliver_outbox()
    assert [d.file_name for d in documents_to(harness.sender, "1001")] == ["rosee-data-YC-2026-000001.json"]
    async with app.uow_factory() as uow:
        html_row = next(m for m in await uow.outbox.all() if m.payload.get("file_name", "").endswith(".html"))
        assert html_row.status == "dead" and "SHA-256" in (html_row.last_error or "")
    assert (await request_row(app)).status == "in_progress"


async def test_a_request_never_verified_is_closed_after_the_set_days(
    app: App, harness: ChatHarness, settings: Settings, clock: ManualClock
) -> None:
    made = clock.now()
    stranger = harness.user("5005")
    asked = await stranger.presses("privacy:start:access")
    assert asked.said("privacy.needs_strong")
    days = settings.privacy_unverified_close_days
    assert days == 30

    clock.set(made + timedelta(days=days) - timedelta(seconds=1))
    assert (await app.request_sweep.run()).closed_unverified == 0
    assert (await request_row(app)).status == "waiting_verification"

    clock.set(made + timedelta(days=days, seconds=1))
    assert (await app.request_sweep.run()).closed_unverified == 1
    row = await request_row(app)
    assert row.status == "refused" and row.refusal_reason == "not verified" and row.closed_at == clock.now()
    assert (await app.request_sweep.run()).closed_unverified == 0  # idempotent
    async with app.uow_factory() as uow:
        events = list(await uow.session.scalars(select(PrivacyRequestEvent).where(
            PrivacyRequestEvent.request_id == row.id).order_by(PrivacyRequestEvent.id)))
        notices = [m for m in await uow.outbox.all()
                   if m.request_id == row.id and m.purpose == OutboxPurpose.REQUEST_NOTICE]
    assert [(e.to_status, e.actor, e.reason) for e in events][-1] == ("refused", "system:privacy_sweep",
                                                                      "not verified")
    assert len(notices) == 1
    await harness.deliver_outbox()
    assert harness.sender.said_to("5005", "privacy.notice.closed_unverified", reference=row.reference,
                                  days=30)
    listed = await stranger.says("/requests")
    assert listed.said("privacy.list_line.closed", reference=row.reference)


async def test_the_copy_of_a_customer_is_not_the_outbox_s_texts(app: App, harness: ChatHarness) -> None:
    """A text message queued before (an order update) is in no section: the outbox is excluded."""
    lan, _, _, _ = await two_customers(app, harness)
    async with app.uow_factory() as uow:
        await enqueue(uow, app.clock, Address("telegram", "1001"), SendText("outbox-only text"))
        await uow.commit()
    await lan.presses("privacy:start:access")
    await harness.deliver_outbox()
    json_doc, _ = documents_to(harness.sender, "1001")
    assert "outbox-only text" not in json_doc.content.decode()
    async with app.uow_factory() as uow:
        assert await uow.session.scalar(select(OutboxMessage).where(
            OutboxMessage.purpose == OutboxPurpose.ACCESS_PACKAGE, OutboxMessage.kind == "text")) is not None
