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
from bot.storage.models import OutboxMessage, Ticket
from tests.support.harness import ChatHarness, HarnessUser, Reply
from tests.support.wording import key

# A time of day, as every deadline is written ("11:00 23/11/2026"); none of the summary and confirmation
# texts without staff names one (their wording is held to it in tests/unit/test_staff_reach.py).
PROMISED_TIME = re.compile(r"\d{1,2}:\d{2}")
NO_STAFF: dict[str, object] = {}
STAFF_CHAT = {"staff_chat_id": -1001234567890}
MAILBOX = {"complaints_email": "khieunai@roseeorder.com", "smtp_host": "mail.example.invalid"}
DESK = {"console_desk": True}


async def file_complaint(lan: HarnessUser) -> Reply:
    """The summary and the confirmation of a product complaint, as one reply."""
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:product")
    await lan.presses("complaint:order:-")
    await lan.says("Son bị gãy ngay khi mở hộp, tôi muốn đổi sản phẩm mới")
    summary = await lan.presses("complaint:continue")
    created = await lan.presses("complaint:submit")
    return Reply(summary.actions + created.actions)


async def recorded(harness: ChatHarness) -> list[Ticket]:
    async with harness.app.uow_factory() as uow:
        rows = list((await uow.session.scalars(select(Ticket).order_by(Ticket.id))).all())
        uow.session.expunge_all()
        return rows


@pytest.mark.parametrize("settings_overrides", [NO_STAFF, {"complaints_email": "khieunai@roseeorder.com"}])
async def test_without_staff_a_complaint_is_recorded_and_no_time_promised(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    said = await file_complaint(lan)
    # "Send records it", not "passes it to customer care"; recorded, no reply time.
    assert said.keys == ["complaints.no_staff.summary", "complaints.no_staff.created"]
    assert said.said("complaints.no_staff.created", number="KN-2026-000001")
    assert not PROMISED_TIME.search(said.text)
    (ticket,) = await recorded(harness)
    # The deadlines are still kept for staff (and the law's 7 working days); only the promise is not made.
    assert ticket.number == "KN-2026-000001" and ticket.first_reply_due_at is not None

    status = await lan.says("/status")
    assert status.said("complaints.status", number="KN-2026-000001",
                       next_step=key("complaints.no_staff.next_step"))
    relayed = await lan.says("Tôi gửi thêm: hộp còn nguyên tem")
    assert relayed.keys == ["complaints.no_staff.relayed"]  # "kept in the ticket", not "passed to staff"
    assert relayed.said("complaints.no_staff.relayed", number="KN-2026-000001")
    again = await lan.presses("menu:human")
    assert again.keys == ["complaints.no_staff.already_open"]  # "kept in this ticket", no one "in charge"
    assert again.said("complaints.no_staff.already_open", number="KN-2026-000001")


async def test_without_staff_a_request_for_a_person_promises_nothing_in_english(harness: ChatHarness) -> None:
    sam = harness.user("1002", language="en", name="Sam")
    await sam.presses("menu:human")
    summary = await sam.says("I need to change my delivery address")
    assert summary.keys == ["complaints.no_staff.summary_human"]
    assert summary.said_in("en", "complaints.no_staff.summary_human")
    created = await sam.presses("complaint:submit")
    assert created.keys == ["complaints.no_staff.created_human"]
    assert created.said_in("en", "complaints.no_staff.created_human", number="HT-2026-000001")
    assert not PROMISED_TIME.search(created.text)
    status = await sam.says("/status")
    assert status.said_in("en", "complaints.status", next_step=key("complaints.no_staff.next_step"))


@pytest.mark.parametrize("settings_overrides", [STAFF_CHAT, MAILBOX, DESK], ids=["chat", "mailbox", "desk"])
async def test_with_a_staff_destination_the_reply_time_is_promised(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    said = await file_complaint(lan)
    assert said.keys == ["complaints.summary", "complaints.created"]  # "Send passes it to customer care"
    # Monday 09:00 + 2 working hours.
    assert said.said("complaints.created", first_reply_due="11:00 23/11/2026")
    assert PROMISED_TIME.search(said.text)
    status = await lan.says("/status")
    assert status.said("complaints.status",
                       next_step=key("complaints.next_first_reply", due="11:00 23/11/2026"))
    relayed = await lan.says("Tôi gửi thêm ảnh sau")
    assert relayed.keys == ["complaints.relayed"]
    assert relayed.said("complaints.relayed", number="KN-2026-000001")


async def test_without_staff_nobody_is_told_a_promise_was_missed(
    harness: ChatHarness, clock: ManualClock
) -> None:
    """The sweep's apology is for a promise made; none was, so none is sent (nor the ticket claimed)."""
    lan = harness.user("1001")
    await file_complaint(lan)
    app = harness.app
    for _ in range(2):  # past the first-reply deadline, then past the resolution deadline
        clock.advance(timedelta(days=6))
        report = await app.deadline_sweep.run()
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
    report = await app.deadline_sweep.run()
    assert report.told_late == 1
    await harness.deliver_outbox()
    assert harness.sender.said_to("1001", "complaints.late_first_reply", number="KN-2026-000001",
                                  due="11:00 23/11/2026")
