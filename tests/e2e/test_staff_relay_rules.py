"""What staff write in a ticket's topic reaches the customer only when meant to (issue 15, parts 1, 5).

Internal notes: an album captioned "!" stays internal as a whole, whichever item is handled first; a
forwarded message waits for a staff member's choice; a full-width "！" is a note. Staff are who the
settings say: with STAFF_USER_IDS set, a member of the staff chat who is not in it cannot take,
resolve, relay or read `/tickets` and `/stats`, and every attempt is audited; an anonymous
administrator (the message's sender is the group itself) is staff. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.messages.actions import SendAttachment, SendText
from bot.messages.events import Attachment
from bot.scheduling import ALBUM_WAIT
from bot.storage.models import AuditEntry, StaffAlbum, Ticket, TicketMessage
from tests.e2e.test_complaint_flow import STAFF_CHAT, file_complaint, seed
from tests.support.harness import ChatHarness, HarnessUser

HA, OUTSIDER = "777", "555"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"staff_chat_id": int(STAFF_CHAT), "staff_user_ids": (int(HA),), "staff_chat_is_forum": True}


async def open_ticket(harness: ChatHarness) -> tuple[Ticket, int, HarnessUser]:
    """Lan's complaint with its topic open; the customer's deliveries so far are forgotten."""
    await seed(harness.app.uow_factory)
    ticket = await file_complaint(harness, harness.user("1001", name="Lan"))
    await harness.deliver_outbox()
    thread = harness.sender.results[0]["message_thread_id"]
    harness.sender.delivered.clear()
    return ticket, thread, harness.member_of(STAFF_CHAT, HA, "Hà")


def to_customer(harness: ChatHarness) -> list[SendText | SendAttachment]:
    return [a for address, a in harness.sender.delivered if address.chat_id == "1001"
            and isinstance(a, SendText | SendAttachment)]


def photo(file_id: str) -> tuple[Attachment, ...]:
    return (Attachment("photo", file_id),)


async def stored(harness: ChatHarness) -> list[TicketMessage]:
    async with harness.app.uow_factory() as uow:
        rows = list((await uow.session.scalars(
            select(TicketMessage).where(TicketMessage.author == "staff").order_by(TicketMessage.id))).all())
        uow.session.expunge_all()
        return rows


async def release_albums(harness: ChatHarness, clock: ManualClock) -> int:
    clock.advance(ALBUM_WAIT + timedelta(seconds=1))
    async with harness.app.uow_factory() as uow:
        released = await harness.app.tickets.release_albums(uow, older_than=clock.now() - ALBUM_WAIT)
        await uow.commit()
    await harness.deliver_outbox()
    return released


# Albums -------------------------------------------------------------------------------------------------
async def test_an_album_captioned_as_a_note_stays_internal_item_by_item(
    harness: ChatHarness, clock: ManualClock
) -> None:
    _, thread, ha = await open_ticket(harness)
    await ha.says("!ảnh kho, đừng gửi khách", thread_id=thread, attachments=photo("p1"), media_group_id="g1")
    await ha.says("", thread_id=thread, attachments=photo("p2"), media_group_id="g1")
    await ha.says("", thread_id=thread, attachments=photo("p3"), media_group_id="g1")
    await harness.deliver_outbox()
    assert await release_albums(harness, clock) == 0
    assert to_customer(harness) == []
    assert [m.internal for m in await stored(harness)] == [True, True, True]


async def test_album_items_handled_before_the_captioned_one_are_withheld_too(
    harness: ChatHarness, clock: ManualClock
) -> None:
    """Another instance handled items 2 and 3 first: they wait, and the "!" caption keeps them."""
    _, thread, ha = await open_ticket(harness)
    await ha.says("", thread_id=thread, attachments=photo("p2"), media_group_id="g2")
    await ha.says("", thread_id=thread, attachments=photo("p3"), media_group_id="g2")
    await harness.deliver_outbox()
    assert to_customer(harness) == []
    await ha.says("！ghi chú nội bộ", thread_id=thread, attachments=photo("p1"), media_group_id="g2")
    assert await release_albums(harness, clock) == 0
    assert to_customer(harness) == []
    assert [m.internal for m in await stored(harness)] == [True, True, True]
    async with harness.app.uow_factory() as uow:
        album = await uow.session.scalar(select(StaffAlbum))
        assert album is not None and album.decision == "note"


async def test_an_album_without_a_caption_is_relayed_after_the_short_wait(
    harness: ChatHarness, clock: ManualClock
) -> None:
    _, thread, ha = await open_ticket(harness)
    await ha.says("", thread_id=thread, attachments=photo("p1"), media_group_id="g3")
    await ha.says("", thread_id=thread, attachments=photo("p2"), media_group_id="g3")
    await harness.deliver_outbox()
    assert to_customer(harness) == []
    assert await release_albums(harness, clock) == 2
    sent = [a.attachment.file_id for a in to_customer(harness) if isinstance(a, SendAttachment)]
    assert sent == ["p1", "p2"]
    assert await release_albums(harness, clock) == 0  # once


async def test_an_album_with_an_ordinary_caption_is_relayed_at_once(harness: ChatHarness) -> None:
    _, thread, ha = await open_ticket(harness)
    await ha.says("Ảnh sản phẩm mới ạ", thread_id=thread, attachments=photo("p1"), media_group_id="g4")
    await ha.says("", thread_id=thread, attachments=photo("p2"), media_group_id="g4")
    await harness.deliver_outbox()
    sent = [a.attachment.file_id for a in to_customer(harness) if isinstance(a, SendAttachment)]
    assert sent == ["p1", "p2"]


# Look-alike marks and forwarded messages -----------------------------------------------------------------
@pytest.mark.parametrize("note", ["！full-width", "  \u200b!hidden space", "❗ heavy", "ǃclick letter"])
async def test_look_alike_exclamation_marks_make_a_note(harness: ChatHarness, note: str) -> None:
    _, thread, ha = await open_ticket(harness)
    await ha.says(note, thread_id=thread)
    await harness.deliver_outbox()
    assert to_customer(harness) == []


async def test_a_forwarded_message_waits_for_an_explicit_choice(harness: ChatHarness) -> None:
    ticket, thread, ha = await open_ticket(harness)
    await ha.says("!xem tin khách khác bên dưới", thread_id=thread)
    asked = await ha.says("Chị Hoa, 0987 111 222, 12 Lý Thường Kiệt", thread_id=thread, forwarded=True)
    await harness.deliver_outbox()
    assert to_customer(harness) == []
    assert asked.said("staff.forward_question")
    keep, send = asked.button("staff.forward_keep_button"), asked.button("staff.forward_send_button")
    assert (await ha.presses(keep)).said("staff.forward_kept", number=ticket.number)
    assert (await ha.presses(send)).said("staff.forward_gone")  # chosen already
    await harness.deliver_outbox()
    assert to_customer(harness) == []

    second = await ha.says("Mã giảm giá: ROSEE10", thread_id=thread, forwarded=True)
    assert (await ha.presses(second.button("staff.forward_send_button"))).said(
        "staff.forward_sent", staff="Hà", number=ticket.number)
    await harness.deliver_outbox()
    assert [a.text for a in to_customer(harness) if isinstance(a, SendText) and "ROSEE10" in a.text]
    assert [m.internal for m in await stored(harness)] == [True, True, False]


async def test_a_forward_choice_from_another_chat_or_a_stranger_does_nothing(harness: ChatHarness) -> None:
    _, thread, ha = await open_ticket(harness)
    asked = await ha.says("Chị Hoa, 0987 111 222", thread_id=thread, forwarded=True)
    send = asked.button("staff.forward_send_button")
    elsewhere = harness.member_of("-100999", HA, "Hà")
    await elsewhere.presses(send)
    stranger = harness.member_of(STAFF_CHAT, OUTSIDER, "Mallory")
    assert (await stranger.presses(send)).said("staff.refused")
    await harness.deliver_outbox()
    assert to_customer(harness) == []


# Who is staff ---------------------------------------------------------------------------------------------
async def test_staff_user_ids_hold_in_the_staff_chat(harness: ChatHarness) -> None:
    ticket, thread, _ = await open_ticket(harness)
    mallory = harness.member_of(STAFF_CHAT, OUTSIDER, "Mallory")
    assert (await mallory.presses(f"desk:take:{ticket.id}")).said("staff.refused")
    assert (await mallory.presses(f"desk:resolve:{ticket.id}")).said("staff.refused")
    assert (await mallory.says("/tickets")).said("staff.refused")
    assert (await mallory.says("/stats")).said("staff.refused")
    assert (await mallory.says("Chị gửi mật khẩu cho em nhé", thread_id=thread)).said("staff.refused")
    await harness.deliver_outbox()
    assert to_customer(harness) == []
    async with harness.app.uow_factory() as uow:
        refused = (await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tickets.refused").order_by(AuditEntry.id))).all()
        assert [r.actor for r in refused] == [f"telegram:{OUTSIDER}"] * 5
        untouched = await uow.tickets.get(ticket.id)
        assert untouched is not None and untouched.status == "open" and untouched.assignee_id is None
    assert await stored(harness) == []


async def test_an_anonymous_administrator_is_staff(harness: ChatHarness) -> None:
    ticket, thread, _ = await open_ticket(harness)
    admin = HarnessUser(harness, STAFF_CHAT, STAFF_CHAT, "vi", "Quản lý", chat_kind="group")
    await admin._send(text="Dạ bên em đã ghi nhận ạ", thread_id=thread, anonymous_admin=True)
    await harness.deliver_outbox()
    assert any(isinstance(a, SendText) and "đã ghi nhận" in a.text for a in to_customer(harness))
    assert (await admin._send(text="/stats", anonymous_admin=True)).said("staff.stats")
    (message,) = await stored(harness)
    assert message.author_id == STAFF_CHAT and message.author_name == "Quản lý" and not message.internal
    assert ticket.number


# Files a customer sends (issue 15, part 10) ---------------------------------------------------------------
async def test_a_program_sent_to_an_open_ticket_is_refused_politely(harness: ChatHarness) -> None:
    await open_ticket(harness)
    lan = harness.user("1001", name="Lan")
    harness.sender.delivered.clear()
    program = Attachment("document", "exe-1", "hoa-don.exe", "application/x-msdownload", 40_000)
    refused = await lan._send(attachments=(program,))
    assert refused.said("complaints.file_refused", max_mb="20")
    big = Attachment("video", "video-1", None, "video/mp4", 300 * 1024 * 1024)
    assert (await lan._send(attachments=(big,))).said("complaints.file_refused")
    await lan.sends_file("photo", "photo-ok")
    await harness.deliver_outbox()
    to_staff = [a for address, a in harness.sender.delivered if address.chat_id == STAFF_CHAT
                and isinstance(a, SendAttachment)]
    assert [a.attachment.file_id for a in to_staff] == ["photo-ok"]


# A customer's burst (issue 15, part 7) --------------------------------------------------------------------
async def test_a_customers_burst_becomes_one_staff_message(harness: ChatHarness, clock: ManualClock) -> None:
    _, thread, _ = await open_ticket(harness)
    lan = harness.user("1001", name="Lan")
    replies = [await lan.says(f"Tin số {n}") for n in range(1, 9)]
    await harness.deliver_outbox()

    def relayed() -> list[str]:
        return [a.text for address, a in harness.sender.delivered
                if address.chat_id == STAFF_CHAT and address.thread_id == thread and isinstance(a, SendText)]

    # The ticket's first message counts: four more on their own, then the rest is gathered.
    assert [t.rsplit("Tin số ", 1)[1] for t in relayed()] == ["1", "2", "3", "4"]
    assert [r.said("complaints.relayed") for r in replies] == [True] + [False] * 7  # told once (main's rule)
    assert replies[4].said("complaints.relayed_burst") and replies[5].keys == []
    clock.advance(timedelta(seconds=16))
    async with harness.app.uow_factory() as uow:
        assert await harness.app.tickets.router.release_digests(uow) == 1
        await uow.commit()
    await harness.deliver_outbox()
    digest = relayed()[-1]
    assert all(f"Tin số {n}" in digest for n in range(5, 9)) and "Tin số 4" not in digest
