"""Privacy requests end to end through the harness: from the customer's first message to staff completing,
refusing or extending them, the customer withdrawing one, `/requests` on both sides, and the legal clock
across Tết 2027 with its reminders and escalation.

Runs on SQLite and PostgreSQL. The staff chat is a forum: each request opens its own topic, whose card
carries the buttons; the texts staff type for complete / extend / refuse are their next message there.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogue.ports import TextUnderstander
from bot.messages.actions import OpenTopic, SendDocument, SendText
from bot.services.audit import verify_chain
from bot.storage.models import AuditEntry, Customer, Order, OutboxMessage, PrivacyRequest, PrivacyRequestEvent
from tests.support.harness import ChatHarness, HarnessUser
from tests.support.wording import key, worded

STAFF_CHAT = "-1001234567890"
MINH_PHONE, MINH_ORDER = "+84987654321", "RG-2026-003001"
LAN_PHONE = "+84912345678"
PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_chat_is_forum": True}


@pytest.fixture
async def seeded(app: App) -> App:
    return await seed(app)


async def seed(app: App) -> App:
    async with app.uow_factory() as uow:
        minh = Customer(full_name="Trần Văn Minh", phone=MINH_PHONE)
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        uow.customers.add(minh)
        uow.customers.add(lan)
        await uow.flush()
        uow.orders.add(Order(code=MINH_ORDER, customer_id=minh.id, status="delivered", total_vnd=250000,
                             placed_at=PLACED))
        await uow.commit()
    return app


def staff(harness: ChatHarness, user_id: str = "777", name: str = "Hà") -> HarnessUser:
    return harness.member_of(STAFF_CHAT, user_id, name)


async def requests(app: App) -> list[PrivacyRequest]:
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)))
        uow.session.expunge_all()
        return rows


async def history(app: App, request_id: int) -> list[tuple[str | None, str, str, str | None]]:
    async with app.uow_factory() as uow:
        events = await uow.session.scalars(select(PrivacyRequestEvent).where(
            PrivacyRequestEvent.request_id == request_id).order_by(PrivacyRequestEvent.id))
        return [(e.from_status, e.to_status, e.actor, e.reason) for e in events]


async def audit_actions(app: App) -> list[str]:
    async with app.uow_factory() as uow:
        return list(await uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def thread_of(harness: ChatHarness, reference: str) -> int:
    """The topic opened for the request (the recording sender numbers threads from 1001)."""
    for (address, action), result in zip(harness.sender.delivered, harness.sender.results, strict=True):
        if isinstance(action, OpenTopic) and action.name.startswith(reference):
            assert address.chat_id == STAFF_CHAT
            return int(result["message_thread_id"])
    raise AssertionError(f"no topic for {reference}")


def in_thread(harness: ChatHarness, thread: int) -> list[SendText]:
    return [a for address, a in harness.sender.delivered
            if address.chat_id == STAFF_CHAT and address.thread_id == thread and isinstance(a, SendText)]


async def link_by_contact(user: HarnessUser, phone: str) -> None:
    await user.says("đơn hàng của tôi")
    await user.shares_contact(phone)


async def open_request(user: HarnessUser, text: str, kind: str, explained: str) -> str:
    """Ask in free text, be answered, press the start button; the request's reference."""
    answer = await user.says(text)
    assert answer.said(explained), answer
    done = await user.presses(answer.button(f"privacy.start_button.{kind}"))
    return str(done.wording("privacy.received").values["reference"])


# Access: strong verification first, then the bot sends the copy and completes it ------------------------
async def test_access_from_first_message_to_completion(harness: ChatHarness, seeded: App) -> None:
    minh = harness.user("4001", name="Minh")
    answer = await minh.says("tôi muốn xem dữ liệu của tôi")
    assert answer.said("core.rights.access")
    asked = await minh.presses(answer.button("privacy.start_button.access"))
    # Not verified: refused for now, recorded as waiting, and verification offered at once.
    assert asked.said("privacy.needs_strong", reference="YC-2026-000001")
    assert asked.asks_for_contact
    assert not asked.said("privacy.received")
    (waiting,) = await requests(seeded)
    assert waiting.status == "waiting_verification" and waiting.customer_id is None
    await harness.deliver_outbox()
    assert not any(isinstance(a, OpenTopic) for _, a in harness.sender.delivered)  # staff see nothing yet

    assert (await minh.shares_contact(MINH_PHONE)).said("identity.strong.ask_order_code")
    received = await minh.says(MINH_ORDER)
    assert received.said("privacy.received", reference="YC-2026-000001",
                         kind=key("privacy.kind.access"), due="03/12/2026",  # 10 days after Mon 23/11
                         basis=key("privacy.due_basis.calendar"))

    assert received.said("privacy.access.sending")
    assert not received.said("privacy.next_steps")

    # The bot carries it out: the note and the two files of the copy, then the request is completed.
    await harness.deliver_outbox()
    documents = [a for address, a in harness.sender.delivered
                 if address.chat_id == "4001" and isinstance(a, SendDocument)]
    assert [d.file_name for d in documents] == ["rosee-data-YC-2026-000001.json",
                                               "rosee-data-YC-2026-000001.html"]
    assert harness.sender.said_to("4001", "privacy.access.note", reference="YC-2026-000001")
    assert harness.sender.said_to("4001", "privacy.notice.completed", reference="YC-2026-000001")
    copy = json.loads(documents[0].content)
    assert [o["code"] for o in copy["sections"]["orders"]] == [MINH_ORDER]
    assert copy["sections"]["profile"][0]["full_name"] == "Trần Văn Minh"
    assert "Nguyễn Thị Lan" not in documents[0].content.decode() + documents[1].content.decode()

    # Staff see its topic and card like any request's; it is in progress by the bot, then completed.
    thread = thread_of(harness, "YC-2026-000001")
    (card,) = [a for a in in_thread(harness, thread) if worded(a, "privacy.staff.card")]
    assert worded(card, "privacy.staff.card", reference="YC-2026-000001", verified="strong",
                  phone="+84••••••321")
    assert [a for a in in_thread(harness, thread) if worded(a, "privacy.staff.access_sent",
                                                            reference="YC-2026-000001")]
    (row,) = await requests(seeded)
    assert row.status == "completed" and row.completed_at is not None and row.customer_id is not None
    assert row.details["text"] == "tôi muốn xem dữ liệu của tôi"
    assert [f["name"] for f in row.delivered["files"]] == [d.file_name for d in documents]
    assert [f["sha256"] for f in row.delivered["files"]] == [
        hashlib.sha256(d.content).hexdigest() for d in documents]
    assert [f["size"] for f in row.delivered["files"]] == [len(d.content) for d in documents]
    assert row.delivered["rows"]["orders"] == 1 and row.delivered["rows"]["profile"] == 1
    assert all(f["message_id"] for f in row.delivered["files"])
    steps = await history(seeded, row.id)
    assert [(f, t, a) for f, t, a, _ in steps] == [
        (None, "waiting_verification", "telegram:4001"),
        ("waiting_verification", "received", "telegram:4001"),
        ("received", "in_progress", "staff:bot"),
        ("in_progress", "completed", "staff:bot"),
    ]
    assert "rosee-data-YC-2026-000001.json" in (steps[2][3] or "")
    actions = await audit_actions(seeded)
    for action in ("privacy_requests.opened", "privacy_requests.received", "privacy_requests.access_copy",
                   "privacy_requests.in_progress", "privacy_requests.completed"):
        assert action in actions
    # Every request event is an audit row (the first as "opened"), and they are all in the hash chain.
    events = [f"privacy_requests.{t}" if f else "privacy_requests.opened"
              for f, t, _, _ in await history(seeded, row.id)]
    not_moves = ("privacy_requests.taken", "privacy_requests.access_copy")
    moves = [a for a in actions if a.startswith("privacy_requests.") and a not in not_moves]
    assert moves == events
    assert (await verify_chain(seeded.uow_factory)).ok
    request_id = waiting.id
    ha = staff(harness)
    late = await ha.presses(f"yc:complete:{request_id}")  # nothing left for staff to complete
    assert not late.said("privacy.staff.ask.complete")


# Erasure: item by item, then refused with a reason -------------------------------------------------------
async def test_erasure_lists_what_is_deleted_and_kept_and_a_refusal_reaches_the_customer(
    harness: ChatHarness, seeded: App
) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    answer = await minh.says("xoa tai khoan cua toi")
    assert answer.said("core.rights.erasure")
    received = await minh.presses(answer.button("privacy.start_button.erasure"))
    assert received.said("privacy.received", reference="YC-2026-000001", kind=key("privacy.kind.erasure"))
    assert received.said("privacy.fate.deleted", item=key("privacy.items.profile"))
    assert received.said("privacy.fate.kept", item=key("privacy.items.orders"),
                         ground=key("privacy.grounds.accounting"))
    assert received.said("privacy.fate.kept", item=key("privacy.items.invoices"),
                         ground=key("privacy.grounds.tax"))
    assert received.said("privacy.fate.stopped", item=key("privacy.items.marketing"))
    assert "Luật Kế toán 88/2015/QH13" in received.text

    (row,) = await requests(seeded)
    await harness.deliver_outbox()
    thread = thread_of(harness, "YC-2026-000001")
    ha = staff(harness)
    assert (await ha.presses(f"yc:refuse:{row.id}")).said("privacy.staff.ask.refuse")
    reason = "Đơn RG-2026-003001 đang trong thời gian bảo hành, cần giữ hồ sơ tới 20/12"
    assert (await ha.says(reason, thread_id=thread)).said("privacy.staff.done.refuse")
    await harness.deliver_outbox()
    assert harness.sender.said_to("4001", "privacy.notice.refused", reference="YC-2026-000001", reason=reason)
    (row,) = await requests(seeded)
    assert row.status == "refused" and row.refusal_reason == reason and row.closed_at is not None
    assert (await history(seeded, row.id))[-1] == ("received", "refused", "staff:777", reason)
    # Nothing more can be done to a refused request.
    assert (await ha.presses(f"yc:take:{row.id}")).said("privacy.staff.not_open")
    assert (await minh.presses(f"privacy:withdraw:{row.id}")).said("privacy.cannot_withdraw")


# Objection: extended once, with the reason told; a second extension is refused ----------------------------
async def test_objection_extended_once_with_the_reason_told(harness: ChatHarness, seeded: App) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    reference = await open_request(minh, "tôi phản đối việc xử lý dữ liệu của tôi", "objection",
                                   "core.rights.objection")
    (row,) = await requests(seeded)
    zone = seeded.settings.zone
    assert row.due_at.astimezone(zone).date().isoformat() == "2026-12-08"  # 15 days after 23/11
    await harness.deliver_outbox()
    ha = staff(harness)
    await ha.presses(f"yc:extend:{row.id}")
    reason = "Đối tác vận chuyển cần thêm thời gian để ngừng dùng dữ liệu"
    # Outside the topic, as a plain message: the one request waiting for Hà's text takes it.
    assert (await ha.says(reason)).said("privacy.staff.done.extend", reference=reference)
    await harness.deliver_outbox()
    assert harness.sender.said_to("4001", "privacy.notice.extended", reference=reference, reason=reason,
                                  due="23/12/2026", basis=key("privacy.due_basis.calendar"))  # 15 days more
    (row,) = await requests(seeded)
    assert row.status == "extended" and row.extension_reason == reason and row.extended_until == row.due_at
    again = await ha.presses(f"yc:extend:{row.id}")
    assert again.said("privacy.staff.already_extended", reference=reference)
    # Staff can still complete it after the extension.
    await ha.presses(f"yc:complete:{row.id}")
    await ha.says("Đã ngừng xử lý cho mục đích tiếp thị và phân tích")
    (row,) = await requests(seeded)
    assert row.status == "completed"


# Withdrawal, and nobody else's -----------------------------------------------------------------------------
async def test_the_customer_withdraws_and_no_one_else_can(harness: ChatHarness, seeded: App) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    reference = await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
    (row,) = await requests(seeded)
    stranger = harness.user("5005", name="Khách lạ")
    assert (await stranger.presses(f"privacy:withdraw:{row.id}")).said("privacy.not_found")
    assert (await stranger.says("/requests")).said("privacy.list_none")
    await harness.deliver_outbox()  # the request's topic exists
    withdrawn = await minh.presses(f"privacy:withdraw:{row.id}")
    assert withdrawn.said("privacy.withdrawn", reference=reference)
    await harness.deliver_outbox()
    thread = thread_of(harness, reference)
    assert any(worded(a, "privacy.staff.withdrawn", reference=reference) for a in in_thread(harness, thread))
    (row,) = await requests(seeded)
    assert row.status == "withdrawn" and row.closed_at is not None
    assert (await staff(harness).presses(f"yc:complete:{row.id}")).said("privacy.staff.not_open")
    assert (await history(seeded, row.id))[-1][:3] == ("received", "withdrawn", "telegram:4001")


# /requests on both sides, and "how is my request" in free text ---------------------------------------------
async def test_requests_listed_for_the_customer_and_for_staff(harness: ChatHarness, seeded: App) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    first = await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
    # A marketing opt-out needs no verification: an unknown chat account makes one too (completed at once).
    lan = harness.user("1001")
    offered = await lan.says("ngừng gửi quảng cáo cho tôi")
    stopped = await lan.presses(offered.button("marketing.channel_button", icon="✈️",
                                               channel=key("marketing.channel.telegram")))
    second = str(stopped.wording("marketing.stopped").values["reference"])
    assert (first, second) == ("YC-2026-000001", "YC-2026-000002")

    mine = await minh.says("/requests")
    assert mine.said("privacy.list_line.open", reference=first, status=key("privacy.status.received"))
    assert second not in mine.text
    assert mine.button("privacy.withdraw_button", reference=first) == "privacy:withdraw:1"
    asked = await minh.says("yêu cầu của em đã được xử lý chưa ạ")
    assert asked.said("privacy.list_line.open", reference=first)
    assert second in (await lan.says("/requests")).text

    listing = await staff(harness).says("/requests")
    assert listing.said("privacy.staff.list_header", count=1, overdue=0)
    assert listing.said("privacy.staff.list_line", reference=first, kind=key("privacy.kind.erasure"))
    assert not listing.said("privacy.staff.list_line", reference=second)  # completed at once: no work left
    # Forged or foreign data gets nothing.
    assert (await staff(harness).presses("yc:take:99999")).said("privacy.staff.unknown_request")
    assert (await staff(harness).presses("yc:take:abc")).said("privacy.staff.unknown_request")


# The clock: Tết 2027, reminders and escalation -------------------------------------------------------------
async def test_due_dates_across_tet_2027_with_reminder_and_escalation(
    harness: ChatHarness, seeded: App, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 2, 3, 3, 0, tzinfo=UTC))  # Wednesday 3 February 2027, 10:00 in Hanoi
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    reference = await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
    assert reference == "YC-2027-000001"
    (row,) = await requests(seeded)
    zone = seeded.settings.zone
    # 10 calendar days end on Saturday 13 February: the period ends on Monday 15 (Civil Code art. 148).
    assert row.due_at.astimezone(zone) == datetime(2027, 2, 15, 23, 59, 59, tzinfo=zone)
    # 2 working days: Tết (Thursday 4 to Wednesday 10 February 2027) skipped, then 11 and 12.
    assert row.respond_by.astimezone(zone) == datetime(2027, 2, 12, 23, 59, 59, tzinfo=zone)
    assert row.remind_at is not None  # the working day before the due day, at 08:00
    assert row.remind_at.astimezone(zone) == datetime(2027, 2, 12, 8, 0, tzinfo=zone)

    sweep = seeded.request_sweep
    clock.set(datetime(2027, 2, 12, 0, 59, tzinfo=UTC))  # 07:59 on Friday 12
    assert (await sweep.run()).reminded == 0
    clock.set(datetime(2027, 2, 12, 1, 0, tzinfo=UTC))  # 08:00
    first = await sweep.run()
    assert (first.reminded, first.escalated) == (1, 0)
    assert (await sweep.run()).reminded == 0  # idempotent
    clock.set(datetime(2027, 2, 15, 16, 59, tzinfo=UTC))  # 23:59 on the due day: not late yet
    assert (await sweep.run()).escalated == 0
    clock.set(datetime(2027, 2, 15, 17, 0, 1, tzinfo=UTC))
    assert (await sweep.run()).escalated == 1
    assert (await sweep.run()).escalated == 0
    actions = await audit_actions(seeded)  # the watch's events are audit rows, in the chain
    assert actions.count("privacy_requests.reminded") == 1
    assert actions.count("privacy_requests.escalated") == 1
    assert (await verify_chain(seeded.uow_factory)).ok
    await harness.deliver_outbox()
    assert harness.sender.said_to(STAFF_CHAT, "privacy.staff.reminder", reference=reference,
                                  due="23:59 15/02/2027")
    assert harness.sender.said_to(STAFF_CHAT, "privacy.staff.escalation", reference=reference)
    async with seeded.uow_factory() as uow:
        purposes = list(await uow.session.scalars(
            select(OutboxMessage.purpose).where(OutboxMessage.request_id == row.id)))
    assert purposes.count("reminder") == 1 and purposes.count("escalation") == 1
    listing = await staff(harness).says("/requests")
    assert listing.said("privacy.staff.list_header", count=1, overdue=1)

    # An extension gives a new promise, watched afresh.
    await staff(harness).presses(f"yc:extend:{row.id}")
    await staff(harness).says("Cần xác minh với đơn vị vận chuyển")
    (row,) = await requests(seeded)
    assert row.due_at.astimezone(zone).date().isoformat() == "2027-03-02"  # 15 days after 15/02
    assert row.reminded_at is None and row.escalated_at is None
    await harness.deliver_outbox()
    assert harness.sender.said_to("4001", "privacy.notice.extended", reference=reference, due="02/03/2027",
                                  reason="Cần xác minh với đơn vị vận chuyển")
    again = await staff(harness).presses(f"yc:extend:{row.id}")  # the decree allows one extension only
    assert again.said("privacy.staff.already_extended", reference=reference)
    (row,) = await requests(seeded)
    assert row.due_at.astimezone(zone).date().isoformat() == "2027-03-02"
    clock.set(datetime(2027, 3, 1, 0, 59, tzinfo=UTC))
    assert (await sweep.run()).reminded == 0
    clock.set(datetime(2027, 3, 1, 1, 0, tzinfo=UTC))  # 08:00 on Monday 1 March
    assert (await sweep.run()).reminded == 1


async def test_withdrawn_and_completed_requests_are_not_chased(
    harness: ChatHarness, seeded: App, clock: ManualClock
) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
    (row,) = await requests(seeded)
    await minh.presses(f"privacy:withdraw:{row.id}")
    clock.advance(timedelta(days=60))
    report = await seeded.request_sweep.run()
    assert (report.reminded, report.escalated) == (0, 0)


async def test_a_new_question_after_the_offer_is_answered_and_nothing_is_recorded(
    harness: ChatHarness, seeded: App
) -> None:
    lan = harness.user("1001")
    assert (await lan.says("tôi muốn xóa dữ liệu của tôi")).said("core.rights.erasure")
    assert (await lan.says("ok")).said("privacy.offer_again")  # small talk: the offer stands
    moved_on = await lan.says("tôi muốn kiểm tra đơn hàng")
    assert not moved_on.said("privacy.offer_again") and moved_on.asks_for_contact
    assert await requests(seeded) == []


async def test_without_topics_staff_reply_to_the_card(
    settings: Settings, clock: ManualClock, understander: TextUnderstander
) -> None:
    app = await build_app(settings.model_copy(update={"staff_chat_is_forum": False}), clock=clock,
                          understander=understander)
    try:
        harness = ChatHarness(await seed(app))
        minh = harness.user("4001", name="Minh")
        await link_by_contact(minh, MINH_PHONE)
        reference = await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
        await harness.deliver_outbox()
        assert not any(isinstance(a, OpenTopic) for _, a in harness.sender.delivered)
        (row,) = await requests(app)
        assert row.staff_card_message_id is not None  # the card's message id, from the delivery
        ha = staff(harness)
        await ha.presses(f"yc:complete:{row.id}")
        # Another staff member's message is not the text Hà's button waits for.
        minh = staff(harness, "778", "Minh")
        assert (await minh.says("xong", reply_to_message_id=row.staff_card_message_id)).actions == []
        done = await ha.says("Đã ngừng mọi tin tiếp thị", reply_to_message_id=row.staff_card_message_id)
        assert done.said("privacy.staff.done.complete", reference=reference)
        (row,) = await requests(app)
        assert row.status == "completed" and row.delivered == {"text": "Đã ngừng mọi tin tiếp thị"}
    finally:
        await app.close()


async def test_asking_twice_shows_the_open_request_and_history_is_readable(
    harness: ChatHarness, seeded: App
) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)
    reference = await open_request(minh, "tôi muốn xóa dữ liệu của tôi", "erasure", "core.rights.erasure")
    again = await minh.presses("privacy:start:erasure")
    assert again.said("privacy.already_open", reference=reference)
    (row,) = await requests(seeded)
    async with seeded.uow_factory() as uow:
        events = await seeded.privacy_requests.history(uow, row.id)
    assert [(e.from_status, e.to_status) for e in events] == [(None, "received")]


async def test_correction_needs_the_strong_level_then_is_applied_and_reaches_staff(
    harness: ChatHarness, seeded: App
) -> None:
    minh = harness.user("4001", name="Minh")
    await link_by_contact(minh, MINH_PHONE)  # linked is not enough for a correction
    asked = await minh.says("tên của tôi bị sai, sửa giúp tôi")
    assert asked.said("correction.needs_strong")  # the correction flow (bot.dialogue.flows.correction)
    assert await requests(seeded) == []  # nothing recorded, nothing changed until verified
    assert (await minh.says(MINH_ORDER)).said("correction.ask.name")
    done = await minh.says("Trần Văn Minh Anh")
    assert done.said("correction.applied", reference="YC-2026-000001")
    (row,) = await requests(seeded)
    assert row.status == "completed" and row.details["new"] == "Trần Văn Minh Anh"
    assert await history(seeded, row.id) == [(None, "received", "telegram:4001", None),
                                             ("received", "completed", "staff:bot", None)]
    await harness.deliver_outbox()
    thread_of(harness, "YC-2026-000001")  # staff see it in its own topic, to mirror in the back office
    # The flow's reply was the confirmation: the request's "completed" notice does not repeat it.
    assert not harness.sender.said_to("4001", "privacy.notice.completed", reference="YC-2026-000001")

