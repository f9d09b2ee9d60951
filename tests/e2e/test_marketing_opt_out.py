"""Marketing opt-out end to end through the conversation core, on SQLite and PostgreSQL.

Without verification (an unlinked chat account gives an email, or a phone in the same message), per
channel and for all, resumed by text and by the confirmation's button; each change in the consent
ledger with the customer's words, the suppression list, the audit log, and a completed `YC-…` request
the customer sees in /requests. Matched to the customer later when the account links or a customer
with the address is imported; still suppressed after the customer row is erased.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from bot.bootstrap import App
from bot.services.imports import import_customers
from bot.services.marketing import suppression_list
from bot.storage.models import (
    AuditEntry,
    ChannelAccount,
    ConsentEvent,
    Customer,
    MarketingSuppression,
    PrivacyRequest,
)
from tests.support.harness import ChatHarness
from tests.support.wording import key

LAN_PHONE, LAN_EMAIL = "+84912345678", "lan.nguyen@example.com"


@pytest.fixture
async def lan_on_file(app: App) -> int:
    async with app.uow_factory() as uow:
        lan = Customer(full_name="Nguyễn Thị Lan", phone=LAN_PHONE, email=LAN_EMAIL)
        uow.customers.add(lan)
        await uow.commit()
        return lan.id


async def suppressed(app: App) -> set[tuple[str, str]]:
    async with app.uow_factory() as uow:
        rows = (await uow.session.execute(
            select(MarketingSuppression.channel, MarketingSuppression.address))).all()
        return {(row.channel, row.address) for row in rows}


async def ledger(app: App) -> list[ConsentEvent]:
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(ConsentEvent).order_by(ConsentEvent.id)))
        uow.session.expunge_all()
        return rows


async def requests(app: App) -> list[PrivacyRequest]:
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(PrivacyRequest).order_by(PrivacyRequest.id)))
        uow.session.expunge_all()
        return rows


async def audit_actions(app: App) -> list[str]:
    async with app.uow_factory() as uow:
        return list(await uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_an_unlinked_user_stops_marketing_emails_by_giving_the_address(
    harness: ChatHarness, app: App
) -> None:
    lan = harness.user("1001")
    asked = await lan.says("stop sending me marketing emails")
    assert asked.said("marketing.ask_address.email", channels=key("marketing.channel.email"))
    assert asked.button("marketing.skip_button") == "mkt:skip"
    assert await suppressed(app) == set()  # nothing yet: which address is still to be said

    wrong = await lan.says("lan.moi@gmail")
    assert wrong.said("marketing.invalid_address")
    done = await lan.says("Lan.Moi@Gmail.com")
    assert done.said("marketing.stopped_to", reference="YC-2026-000001",
                     channels=key("marketing.channel.email"))
    assert "lan.moi@gmail.com" not in done.text  # masked in the chat
    assert len(done.texts) == 1  # one short confirmation
    assert done.button("marketing.undo_button.resume", channel=key("marketing.channel.email")) == \
        "mkt:resume:email"
    assert await suppressed(app) == {("email", "lan.moi@gmail.com")}

    (event,) = await ledger(app)
    assert (event.customer_id, event.channel, event.granted, event.source, event.actor) == (
        None, "email", False, "telegram", "telegram:1001")
    assert (event.account_channel, event.account_user_id, event.email) == (
        "telegram", "1001", "lan.moi@gmail.com")
    assert event.words == "stop sending me marketing emails"
    (request,) = await requests(app)
    assert (request.kind, request.status, request.reference) == (
        "marketing_opt_out", "completed", "YC-2026-000001")
    assert event.request_id == request.id
    assert request.staff_chat_id is None  # completed at once: no card for staff to work
    assert "marketing.opted_out" in await audit_actions(app)
    assert "privacy_requests.completed" in await audit_actions(app)

    listed = await lan.says("/requests")
    assert listed.said("privacy.list_line.closed", reference="YC-2026-000001",
                       status=key("privacy.status.completed"))
    # The confirmation said it all: no second notice of completion waits in the outbox.
    await harness.deliver_outbox()
    assert harness.sender.texts_to("1001") == []


async def test_an_sms_opt_out_in_one_message_without_diacritics(harness: ChatHarness, app: App) -> None:
    lan = harness.user("1002")
    done = await lan.says("ko muon nhan sms quang cao nua, so cua toi 0912 345 678")
    assert done.said("marketing.stopped_to", channels=key("marketing.channel.sms"))
    assert await suppressed(app) == {("sms", LAN_PHONE)}
    again = await lan.says("ko muon nhan sms quang cao nua, so cua toi 0912 345 678")
    assert again.said("marketing.already_stopped")
    assert len(await requests(app)) == 1 and len(await ledger(app)) == 1  # no change, nothing appended


async def test_a_linked_customer_stops_all_then_resumes_all(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1003")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    picker = await lan.says("ngừng gửi quảng cáo cho tôi")
    assert picker.said("marketing.choose.stop")
    done = await lan.presses(picker.button("marketing.channel_button", channel=key("marketing.channels_all")))
    assert done.said("marketing.stopped_to", channels=key("marketing.channels_all"))
    assert await suppressed(app) == {("email", LAN_EMAIL), ("sms", LAN_PHONE), ("call", LAN_PHONE),
                                     ("telegram", "1003")}
    events = await ledger(app)
    assert [(e.channel, e.granted, e.customer_id) for e in events] == [
        (c, False, lan_on_file) for c in ("email", "sms", "call", "telegram")]

    resumed = await lan.says("nhận lại quảng cáo")
    assert resumed.said("marketing.choose.resume")
    back = await lan.presses("mkt:resume:all")
    assert back.said("marketing.resumed", channels=key("marketing.channels_all"))
    assert await suppressed(app) == set()
    assert [(e.channel, e.granted) for e in (await ledger(app))[4:]] == [
        (c, True) for c in ("email", "sms", "call", "telegram")]
    assert "marketing.resumed" in await audit_actions(app)
    assert (await lan.presses("mkt:resume:all")).said("marketing.already_receiving")


async def test_one_channel_stopped_and_undone_with_the_button(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1004")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    done = await lan.says("đừng gọi điện quảng cáo nữa")
    assert done.said("marketing.stopped_to", channels=key("marketing.channel.call"))
    assert await suppressed(app) == {("call", LAN_PHONE)}
    undo = await lan.presses(done.button("marketing.undo_button.resume",
                                         channel=key("marketing.channel.call")))
    assert undo.said("marketing.resumed", channels=key("marketing.channel.call"))
    assert await suppressed(app) == set()


async def test_an_unverified_user_cannot_lift_someone_elses_suppression(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1005")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    await lan.says("ngừng gửi email quảng cáo")
    stranger = harness.user("2001", name="X")
    assert (await stranger.says("resume marketing emails")).said("marketing.already_receiving")
    assert await suppressed(app) == {("email", LAN_EMAIL)}


async def test_an_opt_out_kept_against_the_account_is_matched_when_it_links(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1006")
    asked = await lan.says("unsubscribe")
    assert asked.said("marketing.choose.stop")
    address = await lan.presses("mkt:stop:all")
    assert address.said("marketing.ask_address.either")
    done = await lan.presses("mkt:skip")
    assert done.said("marketing.stopped_account", channels=key("marketing.channels_all"))
    assert await suppressed(app) == {("telegram", "1006")}
    assert {e.customer_id for e in await ledger(app)} == {None}

    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)  # linked: what it said before is Lan's now
    assert {e.customer_id for e in await ledger(app)} == {lan_on_file}
    assert await suppressed(app) == {("telegram", "1006"), ("email", LAN_EMAIL), ("sms", LAN_PHONE),
                                     ("call", LAN_PHONE)}
    assert "marketing.matched" in await audit_actions(app)


async def test_an_opt_out_by_email_is_matched_when_the_customer_is_imported(
    harness: ChatHarness, app: App, tmp_path: Path
) -> None:
    hoa = harness.user("1007", name="Hoa")
    await hoa.says("ngừng gửi quảng cáo qua tất cả các kênh")
    done = await hoa.says("hoa.tran@example.com")
    assert done.said("marketing.stopped_to", channels=key("marketing.channels_all"))
    assert await suppressed(app) == {("email", "hoa.tran@example.com"), ("telegram", "1007")}

    source = tmp_path / "customers.csv"
    source.write_text("full_name,phone,email,marketing_consent\n"
                      "Trần Thị Hoa,0987 654 321,Hoa.Tran@example.com,có\n", encoding="utf-8")
    report = await import_customers(app.uow_factory, source, clock=app.clock)
    assert report.ok
    async with app.uow_factory() as uow:
        hoa_row = await uow.customers.by_email("hoa.tran@example.com")
        assert hoa_row is not None
    # The chat's opt-out is Hoa's, her phone is suppressed too, and the file's "yes" lifts nothing.
    assert {e.customer_id for e in await ledger(app)} == {hoa_row.id}
    assert await suppressed(app) == {("email", "hoa.tran@example.com"), ("telegram", "1007"),
                                     ("sms", "+84987654321"), ("call", "+84987654321")}


async def test_a_suppressed_address_stays_suppressed_after_the_customer_row_is_erased(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1008")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    await lan.presses("mkt:stop:all")
    before = await suppressed(app)
    assert ("email", LAN_EMAIL) in before
    async with app.uow_factory() as uow:  # the erasure of the customer row (what must be kept is unlinked)
        session = uow.session
        await session.execute(update(ChannelAccount).values(customer_id=None))
        await session.execute(update(PrivacyRequest).values(customer_id=None))
        await session.execute(update(AuditEntry).values(customer_id=None))
        await session.execute(delete(Customer).where(Customer.id == lan_on_file))
        await uow.commit()
    async with app.uow_factory() as uow:
        assert await uow.customers.get(lan_on_file) is None
        entries = await suppression_list(uow, app.clock, actor="test")
        rows = list(await uow.session.scalars(select(MarketingSuppression)))
    assert {(e.channel, e.address) for e in entries} == before
    assert {row.customer_id for row in rows} == {None}
    assert {e.customer_id for e in await ledger(app)} == {None}  # the ledger outlives the row too
    # The same address imported again is still suppressed: the list never depended on the row.
    assert ("email", LAN_EMAIL) in await suppressed(app)


async def test_an_erasure_request_stops_marketing_everywhere_when_it_is_received(
    harness: ChatHarness, app: App, lan_on_file: int
) -> None:
    lan = harness.user("1009")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    answer = await lan.says("xoa tai khoan cua toi")
    received = await lan.presses(answer.button("privacy.start_button.erasure"))
    assert received.said("privacy.fate.stopped", item=key("privacy.items.marketing"))
    assert await suppressed(app) == {("email", LAN_EMAIL), ("sms", LAN_PHONE), ("call", LAN_PHONE),
                                     ("telegram", "1009")}
    events = await ledger(app)
    assert {(e.channel, e.granted, e.customer_id) for e in events} == {
        (c, False, lan_on_file) for c in ("email", "sms", "call", "telegram")}
    (request,) = await requests(app)
    assert request.kind == "erasure" and request.status == "received"  # staff still carry it out
    assert {e.request_id for e in events} == {request.id}


async def test_a_stopped_channel_covers_the_new_address_an_import_brings(
    harness: ChatHarness, app: App, lan_on_file: int, tmp_path: Path
) -> None:
    lan = harness.user("1010")
    await lan.says("đơn hàng của tôi")
    await lan.shares_contact(LAN_PHONE)
    await lan.says("hủy nhận email quảng cáo")
    assert await suppressed(app) == {("email", LAN_EMAIL)}
    source = tmp_path / "customers.csv"
    source.write_text("full_name,phone,email\nNguyễn Thị Lan,0912345678,lan.moi@example.com\n",
                      encoding="utf-8")
    assert (await import_customers(app.uow_factory, source, clock=app.clock)).ok
    # The old address stays suppressed (it may still be on the mailer's lists), the new one joins it.
    assert await suppressed(app) == {("email", LAN_EMAIL), ("email", "lan.moi@example.com")}
