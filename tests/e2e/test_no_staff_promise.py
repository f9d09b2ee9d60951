"""No promise that cannot be kept: with no staff destination a ticket is recorded and its customer is
told so, with no reply time; with one, the reply time is promised as before.

Runs on SQLite and PostgreSQL through the harness (the real conversation core and services).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.services.sla import sweep_ticket_deadlines
from bot.storage.models import OutboxMessage, Ticket
from tests.support.harness import ChatHarness, HarnessUser

PROMISED_TIME = re.compile(r"(trước|by) \d{1,2}:\d{2}")  # "trước 11:00 23/11/2026", "by 11:00 …"
NO_STAFF: dict[str, object] = {}
STAFF_CHAT = {"staff_chat_id": -1001234567890}
MAILBOX = {"complaints_email": "khieunai@roseeorder.com", "smtp_host": "mail.example.invalid"}
DESK = {"console_desk": True}


async def file_complaint(lan: HarnessUser) -> str:
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:product")
    await lan.presses("complaint:order:-")
    await lan.says("Son bị gãy ngay khi mở hộp, tôi muốn đổi sản phẩm mới")
    summary = await lan.presses("complaint:continue")
    created = await lan.presses("complaint:submit")
    return summary.text + "\n" + created.text


async def recorded(harness: ChatHarness) -> list[Ticket]:
    async with harness.app.uow_factory() as uow:
        rows = list((await uow.session.scalars(select(Ticket).order_by(Ticket.id))).all())
        uow.session.expunge_all()
        return rows


@pytest.mark.parametrize("settings_overrides", [NO_STAFF, {"complaints_email": "khieunai@roseeorder.com"}])
async def test_without_staff_a_complaint_is_recorded_and_no_time_promised(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    said = await file_complaint(lan)
    assert "Bấm “Gửi” để ghi nhận phiếu khiếu nại" in said  # not "to pass it to customer care"
    assert "Đã ghi nhận khiếu nại. Mã phiếu: KN-2026-000001" in said
    assert "chưa thể hẹn thời gian phản hồi" in said
    assert "Nhân viên sẽ phản hồi" not in said and not PROMISED_TIME.search(said)
    (ticket,) = await recorded(harness)
    # The deadlines are still kept for staff (and the law's 7 working days); only the promise is not made.
    assert ticket.number == "KN-2026-000001" and ticket.first_reply_due_at is not None

    status = (await lan.says("/status")).text
    assert "KN-2026-000001" in status and "chưa hẹn được thời gian phản hồi" in status
    assert not PROMISED_TIME.search(status)
    relayed = (await lan.says("Tôi gửi thêm: hộp còn nguyên tem")).text
    assert "Đã lưu vào phiếu KN-2026-000001" in relayed and "nhân viên" not in relayed.lower()
    again = (await lan.presses("menu:human")).text
    assert "KN-2026-000001" in again and "sẽ được lưu vào phiếu này" in again and "phụ trách" not in again


async def test_without_staff_a_request_for_a_person_promises_nothing_in_english(harness: ChatHarness) -> None:
    sam = harness.user("1002", language="en", name="Sam")
    await sam.presses("menu:human")
    summary = (await sam.says("I need to change my delivery address")).text
    assert "Press “Send” to record it" in summary
    created = (await sam.presses("complaint:submit")).text
    assert "HT-2026-000001" in created and "we cannot promise when you will get a reply" in created
    assert "will reply by" not in created and not PROMISED_TIME.search(created)
    assert "No reply time has been promised" in (await sam.says("/status")).text


@pytest.mark.parametrize("settings_overrides", [STAFF_CHAT, MAILBOX, DESK], ids=["chat", "mailbox", "desk"])
async def test_with_a_staff_destination_the_reply_time_is_promised(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    said = await file_complaint(lan)
    assert "Bấm “Gửi” để chuyển tới bộ phận chăm sóc khách hàng" in said
    # Monday 09:00 + 2 working hours.
    assert "Nhân viên sẽ phản hồi Quý khách trước 11:00 23/11/2026" in said
    assert "chưa thể hẹn" not in said
    assert "Nhân viên sẽ phản hồi trước 11:00 23/11/2026" in (await lan.says("/status")).text
    assert "Đã chuyển tới nhân viên (phiếu KN-2026-000001)" in (await lan.says("Tôi gửi thêm ảnh sau")).text


async def test_without_staff_nobody_is_told_a_promise_was_missed(
    harness: ChatHarness, clock: ManualClock
) -> None:
    """The sweep's apology is for a promise made; none was, so none is sent (nor the ticket claimed)."""
    lan = harness.user("1001")
    await file_complaint(lan)
    app = harness.app
    for _ in range(2):  # past the first-reply deadline, then past the resolution deadline
        clock.advance(timedelta(days=6))
        report = await sweep_ticket_deadlines(app.uow_factory, app.clock, app.settings, texts=app.texts)
        assert report.told_late == 0
    async with app.uow_factory() as uow:
        keys = [row.dedupe_key or "" for row in (await uow.session.scalars(select(OutboxMessage))).all()]
    assert not [key for key in keys if ":late:" in key]
    (ticket,) = await recorded(harness)
    assert ticket.customer_told_late_at is None and ticket.escalated_at is not None  # escalation is kept


@pytest.mark.parametrize("settings_overrides", [STAFF_CHAT])
async def test_with_staff_the_missed_promise_is_still_apologised_for(
    harness: ChatHarness, clock: ManualClock
) -> None:
    lan = harness.user("1001")
    await file_complaint(lan)
    app = harness.app
    clock.advance(timedelta(hours=3))
    report = await sweep_ticket_deadlines(app.uow_factory, app.clock, app.settings, texts=app.texts)
    assert report.told_late == 1
    await harness.deliver_outbox()
    assert any("chưa kịp phản hồi phiếu KN-2026-000001 trước 11:00 23/11/2026" in text
               for text in harness.sender.texts_to("1001"))
