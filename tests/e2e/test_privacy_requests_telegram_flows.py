"""Privacy requests through the real Telegram channel, the fake Bot API and a real local SMTP server
(aiosmtpd), on both Telegram libraries, with a controllable clock:

- an email correction is refused until the customer is strongly verified (their own contact, then the
  code mailed to the address on file), then confirmed by the code mailed to the NEW address, read from
  what the SMTP server received;
- staff extend an objection once, with a reason typed in its forum topic: the customer is told the reason
  and the new date (calendar days, Decree 356); a second extension is refused;
- staff refuse an erasure with a reason typed in its topic: the customer is told the reason.

The clock stands at Wednesday 3 February 2027, 10:00 in Hanoi, the eve of Tết (4-10 February 2027).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.storage.models import AuditEntry, Customer, PrivacyRequest, PrivacyRequestEvent
from tests.fakes.bot_api import FakeBotApi
from tests.support.mailbox import Mailbox
from tests.support.telegram_bot import LAN_PHONE, TelegramBotUnderTest, asks_contact, says

LAN = 1001
HA = 777
STAFF_CHAT = -1002000000001
LAN_EMAIL, NEW_EMAIL = "lan@example.com", "lan.moi@gmail.com"
EVE_OF_TET = datetime(2027, 2, 3, 3, 0, tzinfo=UTC)  # Wednesday 3 February 2027, 10:00 in Hanoi
DECREE = "(theo Nghị định 356/2025/NĐ-CP)"


@pytest.fixture
def tet_clock() -> ManualClock:
    return ManualClock(EVE_OF_TET)


@pytest.fixture
async def bot(api: FakeBotApi, sqlite_url: str, smtp_port: int, mailbox: Mailbox, tet_clock: ManualClock,
              telegram_library: str) -> AsyncIterator[TelegramBotUnderTest]:
    under_test = TelegramBotUnderTest(api, sqlite_url, library=telegram_library, clock=tet_clock,
                                      staff_chat_id=STAFF_CHAT, staff_chat_is_forum=True,
                                      smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False)
    await under_test.start()
    assert under_test.app is not None
    async with under_test.app.uow_factory() as uow:
        uow.session.add(Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email=LAN_EMAIL))
        await uow.commit()
    staff = api.add_forum_chat(STAFF_CHAT)
    staff.promote_bot()
    yield under_test
    await under_test.stop()


def in_thread(thread: int, fragment: str) -> Any:
    return lambda call: (call.ok and call.chat_id == STAFF_CHAT
                         and call.params.get("message_thread_id") == thread
                         and fragment in (call.result.get("text") or ""))


async def mailed_code(mailbox: Mailbox, address: str, count: int = 1, timeout: float = 10.0) -> str:  # noqa: ASYNC109
    """The code in the `count`-th mail to `address`, once the bot's own dispatcher has delivered it."""
    for _ in range(int(timeout / 0.05)):
        if len(mailbox.to(address)) >= count:
            return mailbox.last_code(address)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no mail {count} to {address} within {timeout} s")


async def rows(bot: TelegramBotUnderTest) -> list[PrivacyRequest]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        found = list(await uow.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)))
        uow.session.expunge_all()
        return found


async def lan_email(bot: TelegramBotUnderTest) -> str | None:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        lan = await uow.customers.by_phone(LAN_PHONE)
        assert lan is not None
        return lan.email


async def statuses(bot: TelegramBotUnderTest, request_id: int) -> list[str]:
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        return list(await uow.session.scalars(select(PrivacyRequestEvent.to_status).where(
            PrivacyRequestEvent.request_id == request_id).order_by(PrivacyRequestEvent.id)))


async def link_by_contact(api: FakeBotApi) -> Any:
    lan = api.user(LAN, "Lan")
    lan.send_text("đơn hàng của tôi")
    await api.wait_for("sendMessage", asks_contact(LAN), timeout=10)
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "Nguyễn Thị Lan"), timeout=10)
    return lan


async def start_request(api: FakeBotApi, lan: Any, text: str, explained: str,
                        kind: str) -> tuple[str, int, Any]:
    """Ask in free text, press the offered button: the acknowledgement's text, the topic and its card."""
    lan.send_text(text)
    offer = await api.wait_for("sendMessage", says(LAN, explained), timeout=10)
    lan.press_button(offer.result, f"privacy:start:{kind}")
    received = await api.wait_for("sendMessage", says(LAN, "YC-2027-000001"), timeout=10)
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    assert topic.params["name"].startswith("YC-2027-000001")
    thread = int(topic.result["message_thread_id"])
    card = await api.wait_for("sendMessage", in_thread(thread, "YC-2027-000001"), timeout=10)
    return str(received.result["text"]), thread, card.result


async def test_an_email_correction_refused_until_strongly_verified_then_confirmed_by_the_new_address(
    api: FakeBotApi, bot: TelegramBotUnderTest, mailbox: Mailbox, tet_clock: ManualClock
) -> None:
    lan = api.user(LAN, "Lan")
    lan.send_text(f"đổi email của tôi thành {NEW_EMAIL}")
    refused = await api.wait_for("sendMessage", says(LAN, "cần xác minh danh tính ở mức cao"), timeout=10)
    assert "Chúng tôi chưa thay đổi gì" in refused.result["text"]
    await api.wait_for("sendMessage", asks_contact(LAN), timeout=10)  # verification offered at once
    assert await rows(bot) == [] and await lan_email(bot) == LAN_EMAIL

    # The own contact is one factor; the code mailed to the address on file is the other.
    lan.share_contact(LAN_PHONE)
    await api.wait_for("sendMessage", says(LAN, "trong hồ sơ của Quý khách"), timeout=10)
    first_code = await mailed_code(mailbox, LAN_EMAIL)
    assert await rows(bot) == [] and await lan_email(bot) == LAN_EMAIL  # linked is not enough
    tet_clock.advance(timedelta(minutes=2))  # a minute between two codes
    lan.send_text(first_code)

    # Strongly verified: the correction goes on, and its code goes to the NEW address only.
    sent = await api.wait_for("sendMessage", says(LAN, "để xác nhận email mới"), timeout=10)
    assert NEW_EMAIL not in sent.result["text"]  # masked in the chat
    new_code = await mailed_code(mailbox, NEW_EMAIL)
    assert [mail["To"] for mail in mailbox.received] == [LAN_EMAIL, NEW_EMAIL]
    assert await lan_email(bot) == LAN_EMAIL  # not before the code is typed

    lan.send_text(f"mã là {new_code} ạ")
    done = await api.wait_for("sendMessage", says(LAN, "của Quý khách thành"), timeout=10)
    assert "l••••••@gmail.com" in done.result["text"] and NEW_EMAIL not in done.result["text"]  # masked
    assert "YC-2027-000001" in done.result["text"]
    assert "15/02/2027" in done.result["text"]  # 10 days end on Saturday 13/02: Monday 15/02
    assert await lan_email(bot) == NEW_EMAIL
    (request,) = await rows(bot)
    assert (request.kind, request.status, request.details["new"]) == ("correction", "completed", NEW_EMAIL)
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        audited = [dict(row.details or {}) for row in await uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "corrections.applied"))]
    assert audited == [{"field": "email", "old": LAN_EMAIL, "new": NEW_EMAIL, "via": "email_code"}]
    # Staff get the request in its own topic, to mirror in the back office.
    topic = await api.wait_for("createForumTopic", lambda c: c.ok, timeout=10)
    assert topic.params["name"].startswith("YC-2027-000001")


async def test_staff_extend_an_objection_once_with_the_reason_told_in_its_topic(
    api: FakeBotApi, bot: TelegramBotUnderTest
) -> None:
    lan = await link_by_contact(api)
    received, thread, card = await start_request(
        api, lan, "tôi phản đối việc xử lý dữ liệu của tôi", "phản đối việc xử lý dữ liệu", "objection")
    # 15 calendar days after Wednesday 3 February: Thursday 18 February 2027, not "working days".
    assert f"Hạn hoàn thành: 18/02/2027 {DECREE}." in received
    assert "ngày làm việc" not in received
    (row,) = await rows(bot)
    assert row.remind_at is not None and row.remind_at == datetime(2027, 2, 17, 1, 0, tzinfo=UTC)  # 08:00

    staff, ha = api.group(STAFF_CHAT, is_forum=True), api.user(HA, "Hà")
    ha.press_button(card, f"yc:extend:{row.id}")
    asked = await api.wait_for("sendMessage", in_thread(thread, "lý do gia hạn"), timeout=10)
    assert "thêm 15 ngày, chỉ một lần" in asked.result["text"]
    reason = "Đối tác vận chuyển cần thêm thời gian để ngừng dùng dữ liệu"
    staff.send_text(ha, reason, thread_id=thread)
    told = await api.wait_for("sendMessage", says(LAN, "cần thêm thời gian"), timeout=10)
    # 15 days more after Thursday 18 February: Friday 5 March 2027.
    assert f"hạn mới là 05/03/2027 {DECREE}." in told.result["text"]
    assert f"Lý do: {reason}" in told.result["text"] and "ngày làm việc" not in told.result["text"]
    await api.wait_for("sendMessage", in_thread(thread, "Hà đã gia hạn yêu cầu YC-2027-000001"), timeout=10)

    ha.press_button(card, f"yc:extend:{row.id}")  # a second extension
    await api.wait_for("sendMessage", in_thread(thread, "không cho gia hạn lần hai"), timeout=10)
    (row,) = await rows(bot)
    assert row.status == "extended" and row.extension_reason == reason and row.awaiting_input is None
    assert row.due_at == datetime(2027, 3, 5, 16, 59, 59, tzinfo=UTC)  # 23:59:59 on 5 March in Hanoi
    assert row.remind_at == datetime(2027, 3, 4, 1, 0, tzinfo=UTC)  # 08:00 on Thursday 4 March
    assert await statuses(bot, row.id) == ["received", "extended"]
    staff.send_text(ha, "Thêm lý do nữa", thread_id=thread)  # typed after the refusal: no second notice
    await asyncio.sleep(1.0)
    assert sum("cần thêm thời gian" in text for text in api.sent_texts(LAN)) == 1


async def test_staff_refuse_an_erasure_with_a_reason_and_the_customer_is_told(
    api: FakeBotApi, bot: TelegramBotUnderTest
) -> None:
    lan = await link_by_contact(api)
    received, thread, card = await start_request(
        api, lan, "tôi muốn xóa dữ liệu của tôi", "quyền yêu cầu xóa dữ liệu", "erasure")
    assert f"Hạn hoàn thành: 15/02/2027 {DECREE}." in received  # 13/02 is a Saturday
    assert "Luật Kế toán 88/2015/QH13" in received  # what must be kept, and why

    staff, ha = api.group(STAFF_CHAT, is_forum=True), api.user(HA, "Hà")
    ha.press_button(card, "yc:refuse:1")
    await api.wait_for("sendMessage", in_thread(thread, "lý do từ chối"), timeout=10)
    reason = "Quý khách còn một đơn hàng đang giao; dữ liệu cần đến khi đơn hoàn tất"
    staff.send_text(ha, reason, thread_id=thread)
    told = await api.wait_for("sendMessage", says(LAN, "không thể thực hiện yêu cầu YC-2027-000001"),
                              timeout=10)
    assert f"Lý do: {reason}" in told.result["text"]
    assert "quyền khiếu nại" in told.result["text"]
    await api.wait_for("sendMessage", in_thread(thread, "Hà đã từ chối yêu cầu YC-2027-000001"), timeout=10)
    (row,) = await rows(bot)
    assert (row.status, row.refusal_reason) == ("refused", reason) and row.closed_at is not None
    assert await statuses(bot, row.id) == ["received", "refused"]
