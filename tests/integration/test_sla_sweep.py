"""The SLA sweep with a manual clock: reminders, escalations and honest apologies fire once, on time.

Runs on SQLite and PostgreSQL. The test clock starts on Monday 2026-11-23 09:00 in Hanoi; Tuesday
2026-11-24 is a public holiday (Vietnam Cultural Day) in the `holidays` package, which the
resolution deadline must skip.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.domain.ticket_category import TicketKind
from bot.messages.actions import Wordings
from bot.messages.events import ChatUser
from bot.scheduling import start_scheduler, stop_scheduler
from bot.services.tickets import NewTicket, StaffMember
from bot.storage.models import OutboxMessage, Ticket
from tests.support.wording import find, key, payload_wordings

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
STAFF_CHAT = "-100555"
HA = StaffMember("7", "Hà")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "sla_sweep_interval_seconds": 5}


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=HCM)


async def new_ticket(app: App, user: str = "1001") -> int:
    async with app.uow_factory() as uow:
        account = await uow.accounts.get_or_create("telegram", user)
        account.chat_id = user
        request = NewTicket(TicketKind.COMPLAINT, "product", "Son bị gãy khi mở hộp")
        ticket = await app.tickets.open_ticket(uow, ChatUser("telegram", user), request)
        await uow.commit()
        return ticket.id


async def sweep_rows(app: App) -> list[tuple[str, str, Wordings]]:
    """(dedupe key suffix, chat, wording) of what the sweeps queued: reminders, escalations, apologies."""
    async with app.uow_factory() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        found = []
        for row in rows:
            key = (row.dedupe_key or "").split(":", 2)[-1]
            if key.startswith(("remind", "escalate", "late")):
                found.append((key.split(":")[0], row.chat_id or "", payload_wordings(row.payload)))
        return found


async def sweep(app: App) -> None:
    await app.deadline_sweep.run()


async def test_deadlines_are_in_working_time_and_skip_the_holiday(app: App) -> None:
    ticket_id = await new_ticket(app)
    async with app.uow_factory() as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None
        assert ticket.remind_at == local(23, 10)
        assert ticket.first_reply_due_at == local(23, 11)
        assert ticket.resolution_due_at == local(27, 9)  # Tue 24 is a holiday: Mon, Wed, Thu, Fri 09:00
        assert ticket.handling_due_at == local(3, 9, month=12)


async def test_reminder_escalation_and_apology_fire_once_at_their_time(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    await new_ticket(app)

    clock.set(local(23, 9, 59))
    await sweep(app)
    assert await sweep_rows(app) == []

    clock.set(local(23, 10, 0))  # one working hour, nobody took it
    await sweep(app)
    await sweep(app)
    rows = await sweep_rows(app)
    assert [(kind, chat) for kind, chat, _ in rows] == [("remind", STAFF_CHAT)]
    assert find(rows[0][2], "staff.reminder", due="11:00 23/11/2026")

    clock.set(local(23, 10, 30))  # 30 minutes before the first-reply deadline
    await sweep(app)
    await sweep(app)
    rows = await sweep_rows(app)
    assert [kind for kind, _, _ in rows] == ["remind", "escalate"]
    assert find(rows[1][2], "staff.escalation_near", what=key("staff.what_first_reply"),
                due="11:00 23/11/2026")

    clock.set(local(23, 11, 0))  # the promise to the customer has slipped: say so, once
    await sweep(app)
    await sweep(app)
    rows = await sweep_rows(app)
    assert [(kind, chat) for kind, chat, _ in rows][2:] == [("late", "1001")]
    assert find(rows[2][2], "complaints.late_first_reply", due="11:00 23/11/2026")

    clock.set(local(24, 15, 0))
    await sweep(app)
    assert len(await sweep_rows(app)) == 3


async def test_after_the_first_reply_the_resolution_promise_is_watched(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    ticket_id = await new_ticket(app)
    clock.set(local(23, 11, 30))
    await sweep(app)  # reminder, first-reply escalation and apology
    assert [k for k, _, _ in await sweep_rows(app)] == ["remind", "escalate", "late"]
    async with app.uow_factory() as uow:
        await app.tickets.staff_message(uow, ticket_id, HA, text="Em xin lỗi ạ", source=None)
        await uow.commit()
    clock.set(local(27, 8, 29))
    await sweep(app)
    assert len(await sweep_rows(app)) == 3
    clock.set(local(27, 8, 30))
    await sweep(app)
    clock.set(local(27, 9, 0))
    await sweep(app)
    await sweep(app)
    rows = await sweep_rows(app)
    assert [k for k, _, _ in rows] == ["remind", "escalate", "late", "escalate", "late"]
    assert find(rows[3][2], "staff.escalation_near", what=key("staff.what_resolution"))
    assert find(rows[4][2], "complaints.late_resolution")


async def test_taken_and_resolved_tickets_are_left_alone(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    taken_id = await new_ticket(app, "1001")
    resolved_id = await new_ticket(app, "1002")
    async with app.uow_factory() as uow:
        await app.tickets.take(uow, taken_id, HA)
        await app.tickets.resolve(uow, resolved_id, HA)
        await uow.commit()
    clock.set(local(23, 10, 15))
    await sweep(app)
    assert await sweep_rows(app) == []  # taken: no reminder; resolved: nothing at all
    clock.set(local(23, 11, 0))
    await sweep(app)
    assert [(k, chat) for k, chat, _ in await sweep_rows(app)] == [("escalate", STAFF_CHAT), ("late", "1001")]


async def test_concurrent_sweeps_send_once(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    for user in ("1001", "1002", "1003"):
        await new_ticket(app, user)
    clock.set(local(23, 11, 0))
    await asyncio.gather(*(sweep(app) for _ in range(4)))
    rows = await sweep_rows(app)
    assert sorted(k for k, _, _ in rows) == ["escalate"] * 3 + ["late"] * 3 + ["remind"] * 3
    async with app.uow_factory() as uow:
        tickets = (await uow.session.scalars(select(Ticket))).all()
        assert all(t.reminded_at and t.escalated_at and t.customer_told_late_at for t in tickets)


async def test_the_scheduler_runs_the_sweep(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, ManualClock)
    await new_ticket(app)
    clock.set(local(23, 10, 5))
    scheduler = start_scheduler(app)
    try:
        assert start_scheduler(app) is scheduler  # idempotent
        for _ in range(50):
            if await sweep_rows(app):
                break
            await asyncio.sleep(0.2)
        assert [k for k, _, _ in await sweep_rows(app)] == ["remind"]
    finally:
        stop_scheduler(app)
    assert "scheduler" not in app.extras
    assert timedelta(seconds=app.settings.sla_sweep_interval_seconds) == timedelta(seconds=5)
