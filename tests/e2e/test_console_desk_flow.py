"""The terminal desk over the bot's own services: a customer on Telegram, staff at the desk.

Runs on SQLite and PostgreSQL: the desk's commands are fed as lines (as a pipe would), the customer
talks through the harness, and the outbox is delivered to a recording sender, so what the customer
would receive is exactly what a staff reply from the Telegram topic would have sent.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_console_desk
from bot.services.ticket_views import open_ticket_summaries
from bot.services.tickets import StaffMember
from bot.storage.models import AuditEntry, Customer, OutboxMessage, Ticket
from tests.support.harness import ChatHarness, HarnessUser
from tests.support.wording import markup, rendered

LAN_PHONE = "+84912345678"
MASKED = "+84••••••678"
AT = "09:00 23/11/2026"  # the test clock does not move: every message is written then
STAFF_CHAT = "-1001234567890"
NUMBER = "KN-2026-000001"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


class Desk:
    """A desk session: the lines it read, what it printed, what it complained about, its exit code."""

    def __init__(self, app: App, name: str = "Hà") -> None:
        self.app, self.name = app, name

    async def run(self, *lines: str) -> tuple[str, str, int]:
        feed = iter([*(line + "\n" for line in lines), ""])
        out, err = io.StringIO(), io.StringIO()
        desk = build_console_desk(self.app.uow_factory, self.app.texts, self.app.settings, self.app.clock,
                                  StaffMember(f"desk:{self.name}", self.name), read_line=lambda: next(feed),
                                  output=out, errors=err, interactive=False)
        code = await desk.run()
        return out.getvalue(), err.getvalue(), code


async def lan_with_a_complaint(harness: ChatHarness) -> HarnessUser:
    async with harness.app.uow_factory() as uow:
        uow.customers.add(Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE))
        await uow.commit()
    lan = harness.user("1001", name="Lan")
    await lan.shares_contact(LAN_PHONE)
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:delivery")
    await lan.presses("complaint:order:-")
    await lan.says("Hộp bị móp, son bên trong bị gãy")
    await lan.sends_file("photo", "photo-box-1", "hop-mop.jpg")
    await lan.presses("complaint:continue")
    await lan.presses("complaint:submit")
    await harness.deliver_outbox()
    harness.sender.delivered.clear()
    return lan


def to_customer(harness: ChatHarness) -> list[str]:
    return harness.sender.texts_to("1001")


async def test_list_open_reply_note_take_resolve_reopen(harness: ChatHarness) -> None:
    lan = await lan_with_a_complaint(harness)
    await lan.says("Tôi cần đổi hàng trước thứ Sáu")
    desk = Desk(harness.app)

    out, err, code = await desk.run("list", "open KN-2026-000001")
    assert (err, code) == ("", 0)
    listed = out.split("» open")[0]
    delivery = markup("complaints.category.delivery")
    assert rendered("desk.list_header", count=1, overdue=0) in listed
    assert rendered("desk.list_line", number=NUMBER, category=delivery, status=markup("staff.status.open"),
                    name="Nguyễn Thị Lan", phone=MASKED, assignee=markup("staff.unassigned"),
                    overdue_mark="") in listed
    assert rendered("desk.first_reply_due", due="11:00 23/11/2026") in listed and LAN_PHONE not in out
    thread = out.split("» open")[1]
    assert rendered("desk.thread_customer", name="Nguyễn Thị Lan", phone=MASKED,
                    verified=markup("staff.verified"), channel="telegram") in thread
    assert rendered("desk.message_customer", at=AT, name="Nguyễn Thị Lan",
                    text="Hộp bị móp, son bên trong bị gãy") in thread
    assert rendered("desk.message_attachment", kind="photo", name="hop-mop.jpg") in thread
    assert rendered("desk.message_customer", at=AT, name="Lan",
                    text="Tôi cần đổi hàng trước thứ Sáu") in thread

    out, err, code = await desk.run("open 1", "note khách VIP, ưu tiên", "reply Dạ, gửi lại son mới ạ")
    assert (err, code) == ("", 0)
    assert rendered("desk.noted", number=NUMBER) in out
    assert rendered("desk.replied", number=NUMBER, channel="telegram") in out
    await harness.deliver_outbox()
    reply = rendered("complaints.staff_reply", number=NUMBER, text="Dạ, gửi lại son mới ạ")
    assert to_customer(harness) == [reply]
    staff_topic = harness.sender.texts_to(STAFF_CHAT)
    assert not any("khách VIP" in text for text in to_customer(harness) + staff_topic)

    out, _, _ = await desk.run("open KN-2026-000001")
    assert rendered("desk.message_note", at=AT, name="Hà", text="khách VIP, ưu tiên") in out
    assert rendered("desk.message_staff", at=AT, name="Hà", text="Dạ, gửi lại son mới ạ") in out
    assert rendered("desk.thread_header", number=NUMBER, kind=markup("staff.kind.complaint"),
                    category=delivery, status=markup("staff.status.in_progress"), assignee="Hà") in out

    harness.sender.delivered.clear()
    out, err, code = await desk.run("resolve KN-2026-000001", "reopen", "resolve")
    assert (err, code) == ("", 0)
    assert rendered("staff.resolved", staff="Hà", number=NUMBER) in out
    assert rendered("staff.reopened", staff="Hà", number=NUMBER) in out
    await harness.deliver_outbox()
    rating = harness.sender.saying("1001", "complaints.resolved", number=NUMBER)
    assert [b.data for row in rating.buttons for b in row] == [f"rate:1:{n}" for n in range(1, 6)]
    assert (await lan.presses("rate:1:5")).said("complaints.rating_thanks", stars="⭐⭐⭐⭐⭐")
    out, _, _ = await desk.run("open 1")
    assert rendered("desk.thread_rating", rating=5) in out and rendered("desk.thread_resolved", at=AT) in out

    async with harness.app.uow_factory() as uow:
        audited = (await uow.session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == "staff:desk:Hà").order_by(AuditEntry.id)
        )).all()
    assert {"tickets.list", "tickets.read", "tickets.reply", "tickets.resolve", "tickets.reopen"} \
        <= set(audited)


async def test_mistakes_get_one_precise_line_and_change_nothing(harness: ChatHarness) -> None:
    await lan_with_a_complaint(harness)
    desk = Desk(harness.app)
    out, err, code = await desk.run(
        "reply Dạ vâng", "open KN-2026-000099", "take 99", "open KN-2025-000001", "open abc", "dance",
        "take 1",
    )
    assert code == 1 and "Traceback" not in out + err
    assert err.splitlines() == [
        rendered("desk.no_current", command="reply"),
        rendered("desk.no_such_ticket", reference="KN-2026-000099"),
        rendered("desk.no_such_ticket", reference="99"),
        rendered("desk.no_such_ticket", reference="KN-2025-000001"),
        rendered("desk.not_a_reference", reference="abc"),
        rendered("desk.unknown_command", command="dance"),
    ]
    assert rendered("staff.taken", staff="Hà", number=NUMBER) in out
    # Someone else took it: a colleague at another desk is told so, and nothing changes.
    out, err, code = await Desk(harness.app, "Minh").run("take KN-2026-000001")
    assert code == 1 and rendered("staff.already_taken", number=NUMBER, staff="Hà") in err
    async with harness.app.uow_factory() as uow:
        (ticket,) = (await uow.session.scalars(select(Ticket))).all()
        assert ticket.assignee_name == "Hà"
        to_lan = select(OutboxMessage).where(OutboxMessage.chat_id == "1001")
        relayed = (await uow.session.scalars(to_lan)).all()
    assert [row.dedupe_key for row in relayed] == ["ticket:1:taken"]  # only the "taken" notice went out


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_an_empty_desk_says_so(app: App) -> None:
    out, err, code = await Desk(app).run("list", "help", "quit", "list")
    assert code == 0 and "CONSOLE_DESK=true" in err  # no staff destination: the desk says what it means
    assert rendered("desk.list_none") in out and rendered("desk.help") in out
    assert out.count("» list") == 1  # nothing read after quit


async def test_the_list_shows_the_soonest_due_and_audits_what_it_shows(harness: ChatHarness) -> None:
    for user in ("1001", "1002", "1003"):
        customer = harness.user(user, name=f"Khách {user}")
        await customer.presses("menu:human")
        await customer.says("Tôi cần hỏi về hoá đơn")
        await customer.presses("complaint:submit")
    staff = StaffMember("desk:Hà", "Hà")
    async with harness.app.uow_factory() as uow:
        listed = await open_ticket_summaries(uow, harness.app.clock, staff, limit=2)
        await uow.commit()
    assert (listed.total, listed.overdue) == (3, 0)
    assert [t.number for t in listed.shown] == ["HT-2026-000001", "HT-2026-000002"]
    async with harness.app.uow_factory() as uow:
        audited = (await uow.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "tickets.list")
        )).all()
    assert sorted(d["ticket"] for d in audited) == ["HT-2026-000001", "HT-2026-000002"]
