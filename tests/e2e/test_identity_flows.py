"""Identity end to end: the harness channel, the real conversation core and a real local SMTP server.

The email-only customer reaching their orders, the non-revealing answer, resends and "it did not
arrive", lockouts as the customer meets them, a number not on file, a changed Telegram number, two
Telegram accounts with one phone, /logout, and the strong level (both factors, or a factor and an
order code) expiring in the middle of a flow that needs it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from bot.bootstrap import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.dialogue.flow import Flow
from bot.dialogue.levels import require_level
from bot.dialogue.ports import TextUnderstander
from bot.dialogue.router import DEEP_LINKS
from bot.dialogue.turn import Turn
from bot.domain.masking import LogMaskingFilter
from bot.services.identity import Level
from bot.storage.models import AuditEntry, ChannelAccount, Customer, Order
from tests.support.harness import ChatHarness, HarnessUser, Reply
from tests.support.mailbox import Mailbox

LAN_PHONE, LAN_EMAIL = "+84912345678", "lan.nguyen@example.com"
BAO_EMAIL = "bao.pham@example.com"
MINH_PHONE = "+84987654321"
STAFF_CHAT = -100777
PLACED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


class VaultFlow(Flow):
    """A flow that needs the strong level at two steps, as the privacy-request flows will."""

    name = "vault"
    STEPS: ClassVar = {"confirming": "on_confirming"}

    async def start(self, turn: Turn, **options: Any) -> None:
        if await require_level(turn, Level.STRONG, flow=self.name, step="start") is None:
            return
        turn.enter(self.name, "confirming")
        turn.say_markup("vault: type yes to confirm")

    async def resume(self, turn: Turn, **point: Any) -> None:
        if point.get("step") == "confirming":
            await self.on_confirming(turn)
        else:
            await self.start(turn)

    async def on_confirming(self, turn: Turn) -> None:
        identity = await require_level(turn, Level.STRONG, flow=self.name, step="confirming")
        if identity is None:
            return
        turn.finish()
        turn.say_markup(f"vault: done for {identity.customer_at(Level.STRONG).full_name}")


@pytest.fixture
def settings_overrides(smtp_port: int) -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "smtp_starttls": False,
            "staff_chat_id": STAFF_CHAT}


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, understander: TextUnderstander, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[App]:
    monkeypatch.setitem(DEEP_LINKS, "vault", "vault")
    application = await build_app(settings, clock=clock, understander=understander, extra_flows=[VaultFlow()])
    async with application.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email=LAN_EMAIL)
        bao = Customer(full_name="Phạm Quốc Bảo", email=BAO_EMAIL)
        minh = Customer(full_name="Trần Văn Minh", phone=MINH_PHONE)
        for customer in (lan, bao, minh):
            uow.customers.add(customer)
        await uow.flush()
        for code, owner in (("RG-2026-001001", lan), ("RG-2026-002001", bao), ("RG-2026-003001", minh)):
            uow.orders.add(Order(code=code, customer_id=owner.id, status="shipped", total_vnd=250000,
                                 placed_at=PLACED))
        await uow.commit()
    yield application
    await application.close()


async def code_from_mail(harness: ChatHarness, mailbox: Mailbox, address: str) -> str:
    await harness.deliver_outbox()
    return mailbox.last_code(address)


async def link_by_email(harness: ChatHarness, mailbox: Mailbox, user: HarnessUser, address: str) -> Reply:
    await user.says("đơn hàng của tôi")
    await user.presses("verify:email")
    await user.says(address)
    return await user.says(await code_from_mail(harness, mailbox, address))


async def audit_actions(app: App) -> list[str]:
    async with app.uow_factory() as uow:
        return list(await uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# The email way --------------------------------------------------------------------------------------------
async def test_the_email_only_customer_reaches_their_orders(harness: ChatHarness, mailbox: Mailbox) -> None:
    bao = harness.user("2001", name="Bảo")
    asked = await bao.says("đơn hàng của tôi")
    assert asked.asks_for_contact and "verify:email" in asked.buttons.values()
    assert "địa chỉ email" in (await bao.presses("verify:email")).text
    sent = await bao.says(BAO_EMAIL)
    assert sent.said("identity.code.sent_link", email="b•••••••@example.com", minutes=10)
    assert BAO_EMAIL not in sent.text
    code = await code_from_mail(harness, mailbox, BAO_EMAIL)
    (mail,) = mailbox.to(BAO_EMAIL)
    body = mail.get_content()
    assert mail["Subject"].startswith("Mã xác minh RoseeGlory (hết hạn lúc 09:10 23/11/2026)")
    assert "Kính gửi Phạm Quốc Bảo" in body and "tra cứu đơn hàng" in body
    assert "10 phút" in body and "chỉ dùng được một lần" in body and "không yêu cầu mã này" in body
    typed = f"dạ mã của em là {code[:3]} {code[3:]} ạ"  # spaces, inside a sentence
    listed = await bao.says(typed)
    assert listed.said("identity.code.verified", name="Phạm Quốc Bảo")
    assert "RG-2026-002001" in listed.text and "RG-2026-001001" not in listed.text


async def test_an_address_not_on_file_gets_the_same_answer_and_no_mail(
    harness: ChatHarness, mailbox: Mailbox
) -> None:
    on_file = harness.user("2001")
    stranger = harness.user("2002")
    for user in (on_file, stranger):
        await user.says("đơn hàng của tôi")
        await user.presses("verify:email")
    answers = [await on_file.says(BAO_EMAIL), await stranger.says("khong.co@example.com")]
    without_address = [re.sub(r"\S+@\S+", "@", answer.text) for answer in answers]
    assert without_address[0] == without_address[1]
    await harness.deliver_outbox()
    assert [mail["To"] for mail in mailbox.received] == [BAO_EMAIL]
    wrong = await stranger.says("123456")
    assert "Mã chưa đúng. Quý khách còn 4 lần thử" in wrong.text


async def test_not_wanting_to_share_the_phone_leads_to_the_email_way(harness: ChatHarness) -> None:
    bao = harness.user("2001")
    await bao.says("đơn hàng của tôi")
    offered = await bao.says("tôi không muốn chia sẻ số điện thoại, có cách khác không?")
    assert "địa chỉ email" in offered.text
    typed = harness.user("2003")
    await typed.says("đơn hàng của tôi")
    at_once = await typed.says(f"email của em là {BAO_EMAIL} ạ")  # an address typed at once, in a sentence
    assert "Nếu địa chỉ b•••••••@example.com có trong hồ sơ khách hàng" in at_once.text


async def test_asking_how_to_verify_offers_both_ways_and_a_linked_user_is_told_who_they_are(
    harness: ChatHarness,
) -> None:
    bao = harness.user("2001")
    ways = await bao.says("làm sao xác minh tài khoản")  # identity_help, outside any flow
    assert ways.said("identity.help") and ways.asks_for_contact
    assert {"verify:email", "menu:human"} <= set(ways.buttons.values())
    no_phone = await harness.user("2002").says("tôi không muốn chia sẻ số điện thoại, có cách khác không?")
    assert no_phone.said("identity.help") and not no_phone.said("core.understood_answer")
    lan = harness.user("1001")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    assert "đã được xác minh là Nguyễn Thị Lan" in (await lan.says("làm sao xác minh tài khoản")).text


async def test_the_code_did_not_arrive_typed_instead_of_pressed(harness: ChatHarness) -> None:
    bao = harness.user("2001")
    await bao.says("đơn hàng của tôi")
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    assert "Spam / Thư rác" in (await bao.says("em chưa nhận được mã ạ")).text


async def test_a_pressed_order_resumes_at_that_order_after_verifying(
    harness: ChatHarness, mailbox: Mailbox
) -> None:
    bao = harness.user("2001")
    asked = await bao.presses("order:RG-2026-002001")  # an order button from an earlier conversation
    assert asked.asks_for_contact
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    shown = await bao.says(await code_from_mail(harness, mailbox, BAO_EMAIL))
    assert "Đơn hàng RG-2026-002001" in shown.text and "Trạng thái" in shown.text


async def test_the_code_did_not_arrive_resend_within_the_limits(
    harness: ChatHarness, mailbox: Mailbox, clock: ManualClock
) -> None:
    bao = harness.user("2001")
    await bao.says("đơn hàng của tôi")
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    first = await code_from_mail(harness, mailbox, BAO_EMAIL)
    help_ = await bao.presses("verify:code:not_arrived")
    assert "Spam / Thư rác" in help_.text and "có trong hồ sơ" in help_.text
    assert "verify:code:resend" in help_.buttons.values() and "menu:human" in help_.buttons.values()
    too_soon = await bao.presses("verify:code:resend")
    assert "chưa đầy một phút" in too_soon.text and "09:01" in too_soon.text
    await harness.deliver_outbox()
    assert len(mailbox.to(BAO_EMAIL)) == 1
    clock.advance(timedelta(minutes=1))
    assert "có trong hồ sơ khách hàng" in (await bao.presses("verify:code:resend")).text
    second = await code_from_mail(harness, mailbox, BAO_EMAIL)
    assert len(mailbox.to(BAO_EMAIL)) == 2
    if first != second:
        assert "chỉ mã mới nhất dùng được" in (await bao.says(first)).text
    assert "RG-2026-002001" in (await bao.says(second)).text


async def test_brute_force_ends_in_a_lockout_the_customer_is_told_and_staff_hear_of(
    harness: ChatHarness, mailbox: Mailbox, clock: ManualClock
) -> None:
    bao = harness.user("2001")
    await bao.says("đơn hàng của tôi")
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    replies = []
    for attempt in range(10):
        if attempt == 5:
            clock.advance(timedelta(minutes=1))
            assert "Mã này đã bị nhập sai quá nhiều lần" in replies[-1].text
            await bao.presses("verify:code:resend")
        code = await code_from_mail(harness, mailbox, BAO_EMAIL)
        replies.append(await bao.says(f"{(int(code) + 7) % 1_000_000:06d}"))
    locked = replies[-1]
    assert locked.said("identity.locked", until="09:01 24/11/2026")
    assert "menu:human" in locked.buttons.values()
    await harness.deliver_outbox()
    note = harness.sender.texts_to(str(STAFF_CHAT))
    assert len(note) == 1 and "Khoá xác minh bằng mã" in note[0] and "Phạm Quốc Bảo" in note[0]
    assert BAO_EMAIL not in note[0]
    assert "identity.locked_out" in await audit_actions(harness.app)
    again = await bao.says("đơn hàng của tôi")
    await bao.presses("verify:email")
    assert "tạm khoá" in (await bao.says(BAO_EMAIL)).text
    assert again.asks_for_contact  # the phone factor is still there
    clock.advance(timedelta(hours=24))  # the lockout has ended
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    code = await code_from_mail(harness, mailbox, BAO_EMAIL)
    assert "email đã được xác minh" in (await bao.says(code)).text
    assert "RG-2026-002001" in (await bao.says("đơn hàng của tôi")).text


# The phone ------------------------------------------------------------------------------------------------
async def test_a_number_not_on_file_says_what_was_checked_and_offers_other_ways(harness: ChatHarness) -> None:
    stranger = harness.user("3001")
    await stranger.says("đơn hàng của tôi")
    reply = await stranger.shares_contact("0901234567")
    assert reply.said("identity.unknown_number", phone="+84••••••567")
    assert "0901234567" not in reply.text
    assert {"verify:email", "menu:human"} <= set(reply.buttons.values())


async def test_a_changed_telegram_number_ends_the_old_proof(harness: ChatHarness, app: App) -> None:
    lan = harness.user("1001")
    await lan.says("đơn hàng của tôi")
    assert "RG-2026-001001" in (await lan.shares_contact(LAN_PHONE)).text
    changed = await lan.shares_contact("0901234567")  # the Telegram account has a new number now
    assert changed.said("identity.number_changed") and changed.said("identity.unknown_number")
    again = await lan.says("đơn hàng của tôi")
    assert again.asks_for_contact
    assert "identity.phone_changed" in await audit_actions(app)


async def test_a_number_changed_on_file_asks_to_verify_again(harness: ChatHarness, app: App) -> None:
    lan = harness.user("1001")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    async with app.uow_factory() as uow:
        customer = await uow.customers.by_phone(LAN_PHONE)
        assert customer is not None
        customer.phone = "+84381234567"  # staff corrected it
        await uow.commit()
    stale = await lan.says("đơn hàng của tôi")
    assert stale.said("identity.stale") and stale.asks_for_contact


async def test_two_telegram_accounts_with_one_phone(harness: ChatHarness, app: App) -> None:
    old, new = harness.user("1001"), harness.user("1002")
    await old.says("đơn hàng của tôi")
    await old.shares_contact(LAN_PHONE)
    await new.says("đơn hàng của tôi")
    assert "RG-2026-001001" in (await new.shares_contact(LAN_PHONE)).text
    stale = await old.says("đơn hàng của tôi")  # the number now belongs to the other Telegram account
    assert stale.said("identity.stale") and stale.asks_for_contact
    async with app.uow_factory() as uow:
        moved = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "identity.phone_moved")
        )
    assert moved is not None and moved.details["account"] == "telegram:1001"
    assert "912345" not in str(moved.details)


async def test_logout_forgets_the_verification_and_the_link(harness: ChatHarness, app: App) -> None:
    lan = harness.user("1001")
    assert (await lan.says("/logout")).said("identity.not_logged_in")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    assert (await lan.says("/logout")).said("identity.logged_out")
    assert (await lan.says("đơn hàng của tôi")).asks_for_contact
    async with app.uow_factory() as uow:
        account = await uow.session.scalar(
            select(ChannelAccount).where(ChannelAccount.channel_user_id == "1001")
        )
    assert account is not None and account.customer_id is None and account.verified_phone is None
    assert "identity.logged_out" in await audit_actions(app)


# The strong level -----------------------------------------------------------------------------------------
async def test_both_factors_then_the_strong_level_expires_mid_flow_and_the_step_resumes(
    harness: ChatHarness, mailbox: Mailbox, clock: ManualClock, app: App
) -> None:
    lan = harness.user("1001")
    assert (await lan.says("/start vault")).asks_for_contact
    emailed = await lan.shares_contact(LAN_PHONE)
    assert "l•••••••••@example.com" in emailed.text  # the address on file, masked
    strong = await lan.says(await code_from_mail(harness, mailbox, LAN_EMAIL))
    assert strong.said("identity.strong.reached", until="09:15 23/11/2026")
    assert "vault: type yes" in strong.text
    clock.advance(timedelta(minutes=16))  # the strong level lasts 15 minutes
    again = await lan.says("yes")
    assert "vault: done" not in again.text and again.asks_for_contact
    emailed = await lan.shares_contact(LAN_PHONE)
    done = await lan.says(await code_from_mail(harness, mailbox, LAN_EMAIL))
    assert "vault: done for Nguyễn Thị Lan" in done.text
    actions = await audit_actions(app)
    assert actions.count("identity.level_changed") >= 3


async def test_a_phone_only_customer_reaches_strong_with_an_order_code(harness: ChatHarness) -> None:
    minh = harness.user("4001")
    await minh.says("/start vault")
    asked = await minh.shares_contact(MINH_PHONE)
    assert asked.said("identity.strong.ask_order_code")  # no email on file: the order code instead
    assert (await minh.says("RG-2026-001001")).said("identity.strong.order_code_wrong")  # Lan's, not his
    assert (await minh.says("không nhớ")).said("identity.strong.order_code_missing")
    done = await minh.says("đơn rg-2026-003001 ạ")
    assert "vault: done" not in done.text and "vault: type yes" in done.text
    assert "vault: done for Trần Văn Minh" in (await minh.says("yes")).text


async def test_an_email_only_customer_reaches_strong_with_an_order_code(
    harness: ChatHarness, mailbox: Mailbox
) -> None:
    bao = harness.user("2001")
    await bao.says("/start vault")
    await bao.presses("verify:email")
    await bao.says(BAO_EMAIL)
    asked = await bao.says(await code_from_mail(harness, mailbox, BAO_EMAIL))
    assert "mã của một đơn hàng" in asked.text
    assert "vault: type yes" in (await bao.says("RG-2026-002001")).text


# Logs -----------------------------------------------------------------------------------------------------
async def test_no_code_phone_or_email_reaches_a_log_line(
    harness: ChatHarness, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    lan, bao = harness.user("1001"), harness.user("2001")
    await lan.says("/start vault")
    await lan.shares_contact("0912 345 678")
    lan_code = await code_from_mail(harness, mailbox, LAN_EMAIL)
    await lan.says(f"{(int(lan_code) + 1) % 1_000_000:06d}")
    await lan.says(lan_code)
    assert "RG-2026-002001" in (await link_by_email(harness, mailbox, bao, BAO_EMAIL)).text
    bao_code = mailbox.last_code(BAO_EMAIL)
    masking = LogMaskingFilter()
    lines = []
    for record in caplog.records:
        masking.filter(record)  # as every handler does (bot.logging_setup)
        lines.append(record.getMessage() + (record.exc_text or ""))
    assert lines  # the flows did log (codes mailed, deliveries)
    for line in lines:
        for secret in (lan_code, bao_code, LAN_EMAIL, BAO_EMAIL, LAN_PHONE, "0912345678", "912345678"):
            assert secret not in line, line
