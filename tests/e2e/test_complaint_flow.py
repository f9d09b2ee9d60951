"""Complaints end to end through the harness: intake, staff topic, relays both ways, resolution, rating.

Runs on SQLite and PostgreSQL. The staff chat is a forum (one topic per ticket) unless a test says not.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.bootstrap import build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogue.ports import TextUnderstander
from bot.messages.actions import Action, OpenTopic, SendAttachment, SendText
from bot.messages.events import Attachment, InboundEvent
from bot.storage.models import AuditEntry, Customer, Order, OutboxMessage, Ticket, TicketMessage
from bot.storage.uow import UnitOfWorkFactory
from tests.support.harness import ChatHarness, HarnessUser
from tests.support.wording import key, worded

STAFF_CHAT = "-1001234567890"
STAFF_ADMIN = 4242  # in STAFF_USER_IDS: may use card buttons from a private chat
STAFF_MEMBERS = (777, 778)  # STAFF_USER_IDS holds in the staff chat too
LAN_PHONE = "+84912345678"
LAN_ORDER = "RG-2026-000101"
BINH_ORDER = "RG-2026-000202"
LAN_STORY = "Hộp bị móp, son bên trong bị gãy. Tôi muốn được đổi sản phẩm mới."


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_user_ids": (STAFF_ADMIN, *STAFF_MEMBERS),
            "staff_chat_is_forum": True}


async def seed(uow_factory: UnitOfWorkFactory) -> None:
    placed = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    async with uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE)
        binh = Customer(full_name="Trần Văn Bình", phone="+84987654321")
        uow.customers.add(lan)
        uow.customers.add(binh)
        await uow.flush()
        uow.orders.add(
            Order(code=LAN_ORDER, customer_id=lan.id, status="delivering", total_vnd=450000, placed_at=placed)
        )
        uow.orders.add(
            Order(code=BINH_ORDER, customer_id=binh.id, status="pending", total_vnd=99000, placed_at=placed)
        )
        await uow.commit()


async def tickets(harness: ChatHarness) -> list[Ticket]:
    async with harness.app.uow_factory() as uow:
        rows = list((await uow.session.scalars(select(Ticket).order_by(Ticket.id))).all())
        uow.session.expunge_all()  # keep them readable after the unit of work rolls back
        return rows


async def messages(harness: ChatHarness) -> list[TicketMessage]:
    async with harness.app.uow_factory() as uow:
        rows = list((await uow.session.scalars(select(TicketMessage).order_by(TicketMessage.id))).all())
        uow.session.expunge_all()
        return rows


def staff(harness: ChatHarness, user_id: str = "777", name: str = "Hà (CSKH)") -> HarnessUser:
    return harness.member_of(STAFF_CHAT, user_id, name)


def to_chat(harness: ChatHarness, chat_id: str) -> list[tuple[int | None, Action]]:
    return [
        (address.thread_id, action)
        for address, action in harness.sender.delivered
        if address.chat_id == chat_id
    ]


async def file_complaint(harness: ChatHarness, lan: HarnessUser) -> Ticket:
    await lan.shares_contact(LAN_PHONE)
    start = await lan.says("/start complaint")
    assert start.said("complaints.choose_category")
    order_step = await lan.presses("complaint:cat:delivery")
    assert order_step.button("core.orders.details_button", code=LAN_ORDER) == f"complaint:order:{LAN_ORDER}"
    assert BINH_ORDER not in str(order_step.buttons)
    # Someone else's order and a made-up one get exactly the same answer.
    other = await lan.says(BINH_ORDER)
    made_up = await lan.says("RG-0000-999999")
    assert other.text == made_up.text and other.wordings == made_up.wordings
    assert other.said("complaints.order_not_found")
    describe = await lan.presses(f"complaint:order:{LAN_ORDER}")
    assert describe.said("complaints.ask_description")
    files = await lan.says(LAN_STORY)
    assert files.said("complaints.ask_attachments")
    got = await lan.sends_file("photo", "photo-box-1")
    assert got.said("complaints.attachment_received", count=1)
    summary = await lan.presses("complaint:continue")
    assert summary.said("complaints.summary", category=key("complaints.category.delivery"), order=LAN_ORDER,
                        description=LAN_STORY)
    created = await lan.presses("complaint:submit")
    # The first reply within 2 working hours of Mon 09:00.
    assert created.said("complaints.created", number="KN-2026-000001", first_reply_due="11:00 23/11/2026")
    (ticket,) = await tickets(harness)
    return ticket


async def test_the_whole_story(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001", name="Lan")
    ticket = await file_complaint(harness, lan)
    assert (
        ticket.number == "KN-2026-000001" and ticket.category == "delivery" and ticket.order_code == LAN_ORDER
    )

    # Staff side: the topic first, then the card and the photo inside it.
    await harness.deliver_outbox()
    staff_chat = to_chat(harness, STAFF_CHAT)
    assert isinstance(staff_chat[0][1], OpenTopic) and staff_chat[0][1].name.startswith("KN-2026-000001")
    thread = harness.sender.results[0]["message_thread_id"]
    card_thread, card = staff_chat[1]
    assert card_thread == thread and isinstance(card, SendText)
    assert worded(card, "staff.card", category=key("complaints.category.delivery"), order=LAN_ORDER,
                  phone="+84••••••678", verified=key("staff.verified"), hint=key("staff.hint_forum"),
                  first_reply_due="11:00 23/11/2026")
    assert [b.data for row in card.buttons for b in row] == [
        f"desk:take:{ticket.id}",
        f"desk:resolve:{ticket.id}",
        f"desk:reopen:{ticket.id}",
    ]
    photo_thread, photo = staff_chat[2]
    assert (
        photo_thread == thread
        and isinstance(photo, SendAttachment)
        and photo.attachment.file_id == "photo-box-1"
    )

    # An outsider pressing Take from a private chat is refused, and the attempt is audited.
    outsider = await harness.user("666", name="Mallory").presses(f"desk:take:{ticket.id}")
    assert outsider.said("staff.refused")
    async with harness.app.uow_factory() as uow:
        refused = (
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "tickets.refused"))
        ).all()
        assert len(refused) == 1 and refused[0].actor == "telegram:666"
        untouched = await uow.tickets.get(ticket.id)
        assert untouched is not None and untouched.assignee_id is None

    # Staff take it and reply in the topic; the customer gets both.
    ha = staff(harness)
    took = await ha.presses(f"desk:take:{ticket.id}")
    assert took.said("staff.taken", number="KN-2026-000001", staff="Hà (CSKH)")
    assert (
        await ha.says("Chào chị Lan, em rất tiếc. Chị gửi giúp em ảnh vỏ hộp nhé.", thread_id=thread)
    ).actions == []
    await ha.says("!khách quen, ưu tiên đổi ngay", thread_id=thread)  # internal note
    await harness.deliver_outbox()
    assert harness.sender.said_to("1001", "complaints.taken", number="KN-2026-000001")
    assert harness.sender.said_to("1001", "complaints.staff_reply", number="KN-2026-000001",
                                  text="Chào chị Lan, em rất tiếc. Chị gửi giúp em ảnh vỏ hộp nhé.")
    assert not any("khách quen" in t for t in harness.sender.texts_to("1001"))

    # The customer answers with text and a photo: both go into the topic.
    ack = await lan.says("Dạ em gửi ảnh vỏ hộp ạ")
    assert ack.said("complaints.relayed", number="KN-2026-000001")
    await lan.sends_file("photo", "photo-box-2")
    await harness.deliver_outbox()
    in_topic = [(t, a) for t, a in to_chat(harness, STAFF_CHAT) if t == thread]
    assert any(worded(a, "staff.customer_message", text="Dạ em gửi ảnh vỏ hộp ạ") for _, a in in_topic)
    assert any(isinstance(a, SendAttachment) and a.attachment.file_id == "photo-box-2" for _, a in in_topic)

    # Staff reply with a document; then resolve. The customer is asked for a rating.
    await ha.says("", thread_id=thread, attachments=(Attachment("document", "doc-voucher", "voucher.pdf"),))
    resolved = await ha.presses(f"desk:resolve:{ticket.id}")
    assert resolved.said("staff.resolved", number="KN-2026-000001")
    await harness.deliver_outbox()
    lan_actions = [a for _, a in to_chat(harness, "1001")]
    assert any(isinstance(a, SendAttachment) and a.attachment.file_id == "doc-voucher" for a in lan_actions)
    rating_prompt = harness.sender.saying("1001", "complaints.resolved", number="KN-2026-000001")
    assert [b.data for b in rating_prompt.buttons[0]] == [f"rate:{ticket.id}:{n}" for n in range(1, 6)]

    # After resolution her messages are understood normally again; she rates and comments.
    rated = await lan.presses(f"rate:{ticket.id}:5")
    assert rated.said("complaints.rating_thanks", stars="⭐⭐⭐⭐⭐")
    assert (await lan.says("Nhân viên hỗ trợ rất nhanh")).said("complaints.comment_thanks")
    assert (await lan.presses(f"rate:{ticket.id}:1")).said("complaints.rating_already")
    (ticket,) = await tickets(harness)
    assert (
        ticket.status == "resolved"
        and ticket.rating == 5
        and ticket.rating_comment == "Nhân viên hỗ trợ rất nhanh"
    )
    assert ticket.assignee_name == "Hà (CSKH)" and ticket.first_staff_reply_at is not None

    stored = await messages(harness)
    assert [m.author for m in stored] == ["customer", "staff", "staff", "customer", "customer", "staff"]
    assert [m.internal for m in stored] == [False, False, True, False, False, False]

    # Staff overview commands.
    listing = await ha.says("/tickets")
    assert listing.said("staff.tickets_none")
    stats = await ha.says("/stats")
    assert stats.said("staff.stats", resolved=1, average_rating="5.0/5", ratings=1,
                      median_first_reply=key("staff.minutes", minutes=0))


async def test_customer_sees_status_and_own_tickets_only(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    ticket = await file_complaint(harness, lan)
    status = await lan.says("/status")
    assert status.said("complaints.status", number="KN-2026-000001",
                       status=key("complaints.status_value.open"),
                       next_step=key("complaints.next_first_reply", due="11:00 23/11/2026"))
    assert (await lan.says("/tickets")).said("complaints.list_line", number="KN-2026-000001")
    pressed = await lan.presses(f"complaint:status:{ticket.id}")
    assert pressed.said("complaints.status", number="KN-2026-000001")
    # Another customer guessing the id learns nothing, and cannot rate it.
    binh = harness.user("2002", name="Bình")
    assert (await binh.presses(f"complaint:status:{ticket.id}")).said("complaints.not_found")
    assert "KN-2026" not in (await binh.says("/tickets")).text
    await staff(harness).presses(f"desk:resolve:{ticket.id}")
    assert (await binh.presses(f"rate:{ticket.id}:1")).said("complaints.not_found")
    (ticket,) = await tickets(harness)
    assert ticket.rating is None


async def test_an_open_ticket_takes_the_customers_messages(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Tôi cần đổi địa chỉ nhận hàng")
    created = await lan.presses("complaint:submit")
    assert created.said("complaints.created_human", number="HT-2026-000001")
    # While it is open, what the customer writes goes to the ticket...
    reply = await lan.says("Tôi vẫn đang chờ ạ")
    assert reply.said("complaints.relayed", number="HT-2026-000001")
    assert reply.button("complaints.leave_button") == "complaint:leave"
    # ... and a question the assistant can answer is answered, and copied to the ticket quietly.
    answered = await lan.says("chính sách bảo mật là gì")
    assert answered.said("core.policy_answer") and not answered.said("complaints.relayed")
    stored = [m.text for m in await messages(harness)]
    assert stored[-2:] == ["Tôi vẫn đang chờ ạ", "chính sách bảo mật là gì"]
    # Asking for a person again says a ticket is open, and offers a new one.
    again = await lan.presses("menu:human")
    assert again.said("complaints.already_open", number="HT-2026-000001")
    assert again.button("complaints.new_ticket_button") == "complaint:new"
    assert (await lan.presses("complaint:new")).said("complaints.choose_category")


async def test_cancel_mid_intake_creates_nothing(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:product")
    await lan.presses("complaint:order:-")
    await lan.says("Son bị lỗi màu, không giống ảnh")
    cancelled = await lan.says("/cancel")
    assert cancelled.said("complaints.cancelled")
    assert await tickets(harness) == []
    async with harness.app.uow_factory() as uow:
        assert list(await uow.outbox.all()) == []
    assert (await lan.presses("complaint:submit")).said("core.stale_button")
    assert await tickets(harness) == []


async def test_unverified_typed_order_code_is_kept_unchecked(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    await lan.says("/start complaint")
    ask = await lan.presses("complaint:cat:order")
    assert ask.said("complaints.choose_order_unverified")
    # No lookup happens: the answer is the same whether the code exists (someone else's) or not.
    exists = await lan.says(BINH_ORDER)
    assert exists.said("complaints.order_noted_unverified", code=BINH_ORDER)
    await lan.says("Đơn này tôi chưa nhận được hàng")
    await lan.presses("complaint:continue")
    await lan.presses("complaint:submit")
    (ticket,) = await tickets(harness)
    assert ticket.order_code == BINH_ORDER and ticket.customer_id is None
    await harness.deliver_outbox()
    card = next(a for _, a in to_chat(harness, STAFF_CHAT) if isinstance(a, SendText))
    assert worded(card, "staff.card", order=key("staff.order_unchecked", code=BINH_ORDER),
                  verified=key("staff.unverified"))


async def test_restart_mid_intake_resumes(
    harness: ChatHarness, settings: Settings, clock: ManualClock, understander: TextUnderstander
) -> None:
    lan = harness.user("1001")
    await lan.says("/start complaint")
    await lan.presses("complaint:cat:payment")
    await lan.presses("complaint:order:-")
    await harness.app.close()
    restarted = await build_app(settings, clock=clock, understander=understander)
    try:
        again = ChatHarness(restarted)
        again.event_counter = harness.event_counter
        lan2 = again.user("1001")
        reply = await lan2.says("Tôi bị trừ tiền hai lần cho một đơn")
        assert reply.said("complaints.ask_attachments")  # the description step was resumed
        await lan2.presses("complaint:continue")
        created = await lan2.presses("complaint:submit")
        assert created.said("complaints.created", number="KN-2026-000001")
        (ticket,) = await tickets(again)
        assert ticket.category == "payment" and ticket.description == "Tôi bị trừ tiền hai lần cho một đơn"
    finally:
        await restarted.close()


async def test_a_relay_delivered_twice_is_stored_and_relayed_once(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Cho tôi gặp nhân viên")
    await lan.presses("complaint:submit")
    await harness.deliver_outbox()

    def message(event_key: str) -> InboundEvent:
        return InboundEvent(
            channel="telegram",
            user_id="1001",
            chat_id="1001",
            text="Tôi vẫn đang chờ ạ",
            message_id=9001,
            event_key=event_key,
            language_hint="vi",
        )

    await harness.app.conversation.handle(message("u-1"))
    await harness.app.conversation.handle(message("u-2"))  # a new update id for the same message
    thread = harness.sender.results[0]["message_thread_id"]
    staff_message = InboundEvent(
        channel="telegram",
        user_id="777",
        chat_id=STAFF_CHAT,
        text="Em đây ạ",
        message_id=555,
        thread_id=thread,
        event_key="s-1",
        chat_kind="group",
    )
    await harness.app.conversation.handle(staff_message)
    await harness.app.conversation.handle(InboundEvent(**{**staff_message.__dict__, "event_key": "s-2"}))
    await harness.deliver_outbox()
    stored = [m.text for m in await messages(harness)]
    assert stored.count("Tôi vẫn đang chờ ạ") == 1 and stored.count("Em đây ạ") == 1
    relayed_in = [
        a for t, a in to_chat(harness, STAFF_CHAT) if isinstance(a, SendText) and "vẫn đang chờ" in a.text
    ]
    relayed_out = [a for _, a in to_chat(harness, "1001") if isinstance(a, SendText) and "Em đây ạ" in a.text]
    assert len(relayed_in) == 1 and len(relayed_out) == 1


async def test_relays_wait_for_the_topic_and_follow_the_card(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Tôi cần hỗ trợ gấp")
    await lan.presses("complaint:submit")
    # Before the topic exists, a relay is held, not sent into the void.
    await lan.says("Alo, có ai không ạ?")
    async with harness.app.uow_factory() as uow:
        rows = await uow.outbox.all()
        assert [(r.kind, r.status) for r in rows] == [
            ("open_topic", "pending"),
            ("text", "held"),
            ("text", "held"),
        ]
    await harness.deliver_outbox()
    staff_chat = to_chat(harness, STAFF_CHAT)
    thread = harness.sender.results[0]["message_thread_id"]
    assert isinstance(staff_chat[0][1], OpenTopic)
    assert [t for t, _ in staff_chat[1:]] == [thread, thread]
    card, relay = staff_chat[1][1], staff_chat[2][1]
    assert isinstance(card, SendText) and isinstance(relay, SendText)
    assert worded(card, "staff.card", number="HT-2026-000001")  # the card first
    assert worded(relay, "staff.customer_message", number="HT-2026-000001", text="Alo, có ai không ạ?")
    (ticket,) = await tickets(harness)
    assert ticket.staff_thread_id == thread


async def test_topic_that_cannot_be_opened_falls_back_to_the_staff_chat(harness: ChatHarness) -> None:
    from bot.delivery.senders import PermanentFailure

    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Tôi cần hỗ trợ")
    await lan.presses("complaint:submit")
    harness.sender.fail_with = PermanentFailure("Bad Request: the chat is not a forum")
    await harness.deliver_outbox()
    harness.sender.fail_with = None
    report = await harness.app.deadline_sweep.run()
    assert report.released == 1
    await harness.deliver_outbox()
    ((address, card),) = harness.sender.delivered
    assert address.chat_id == STAFF_CHAT and address.thread_id is None and isinstance(card, SendText)
    # Staff can still answer by replying to the card.
    card_message_id = harness.sender.results[0]["message_id"]
    await staff(harness).says("Em chào anh/chị", reply_to_message_id=card_message_id)
    await harness.deliver_outbox()
    assert any("Em chào anh/chị" in t for t in harness.sender.texts_to("1001"))


async def test_staff_user_ids_may_use_buttons_from_a_private_chat(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Cho tôi gặp nhân viên")
    await lan.presses("complaint:submit")
    (ticket,) = await tickets(harness)
    admin = harness.user(str(STAFF_ADMIN), name="Quản lý")
    assert (await admin.presses(f"desk:take:{ticket.id}")).said("staff.taken", number=ticket.number)
    (ticket,) = await tickets(harness)
    assert ticket.assignee_id == str(STAFF_ADMIN)


async def test_complaint_intent_starts_the_intake(harness: ChatHarness) -> None:
    reply = await harness.user("1001").says("Tôi muốn khiếu nại về đơn hàng bị giao sai")
    assert reply.said("complaints.choose_category")


async def test_outbox_rows_of_a_ticket_commit_with_it(harness: ChatHarness) -> None:
    lan = harness.user("1001")
    await lan.presses("menu:human")
    await lan.says("Cho tôi gặp nhân viên")
    await lan.presses("complaint:submit")
    async with harness.app.uow_factory() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        (ticket,) = (await uow.session.scalars(select(Ticket))).all()
        first = (await uow.session.scalars(select(TicketMessage))).all()
        assert [r.dedupe_key for r in rows] == [f"ticket:{ticket.id}:topic", f"ticket:{ticket.id}:card"]
        assert [m.text for m in first] == ["Cho tôi gặp nhân viên"]


async def test_request_status_lists_the_customers_tickets(harness: ChatHarness) -> None:
    await seed(harness.app.uow_factory)
    lan = harness.user("1001")
    await file_complaint(harness, lan)
    await lan.says("/start")  # back to the assistant from the ticket conversation
    reply = await lan.says("trạng thái yêu cầu của tôi")
    assert reply.said("complaints.list_line", number="KN-2026-000001"), reply
    assert not reply.said("privacy.none_at_all")
