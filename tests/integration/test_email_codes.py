"""The email one-time code on SQLite and PostgreSQL: what is stored, what works, and the limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import App
from bot.clock import ManualClock
from bot.domain.one_time_code import CodePurpose, unseal_text
from bot.messages.events import ChatUser
from bot.services.identity import Level, identify
from bot.services.identity.email_code import (
    CheckOutcome,
    CodeCheck,
    CodeRequest,
    RequestOutcome,
    check_code,
    request_code,
)
from bot.storage.models import AuditEntry, Customer, OneTimeCode, OutboxMessage

BAO = "bao.pham@example.com"
STAFF_CHAT = -100777
ALICE = ChatUser("telegram", "1001")
MALLORY = ChatUser("telegram", "6666")


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"smtp_host": "127.0.0.1", "staff_chat_id": STAFF_CHAT}


@pytest.fixture
async def bao(app: App) -> int:
    async with app.uow_factory() as uow:
        customer = Customer(full_name="Phạm Quốc Bảo", email=BAO)
        uow.customers.add(customer)
        for user in (ALICE, MALLORY):
            await uow.accounts.get_or_create(user.channel, user.user_id)
        await uow.commit()
        return customer.id


async def ask(app: App, user: ChatUser = ALICE, address: str | None = BAO,
              purpose: CodePurpose = CodePurpose.LINK) -> CodeRequest:
    async with app.uow_factory() as uow:
        result = await request_code(uow, app.clock, app.settings, app.texts, user, purpose=purpose,
                                    language="vi", typed_address=address)
        await uow.commit()
        return result


async def enter(app: App, code: str, user: ChatUser = ALICE,
                purpose: CodePurpose = CodePurpose.LINK) -> CodeCheck:
    async with app.uow_factory() as uow:
        result = await check_code(uow, app.clock, app.settings, app.texts, user, code, purpose=purpose)
        await uow.commit()
        return result


async def mails(app: App) -> list[OutboxMessage]:
    async with app.uow_factory() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "email").order_by(OutboxMessage.id)
        )
        return list(rows)


async def last_code(app: App) -> str:
    """The code of the latest mail, opened as the mail sender opens it."""
    body = unseal_text(app.settings.code_key(), (await mails(app))[-1].payload["body"])
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body
    return found.group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def audit(app: App, action: str) -> list[AuditEntry]:
    async with app.uow_factory() as uow:
        return list(await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def level(app: App, user: ChatUser = ALICE) -> Level:
    async with app.uow_factory() as uow:
        return (await identify(uow, app.clock, app.settings, user)).level


async def test_a_code_is_stored_only_as_its_hmac_and_waits_in_the_outbox_sealed(app: App, bao: int) -> None:
    assert (await ask(app)).outcome is RequestOutcome.SENT
    code = await last_code(app)
    (mail,) = await mails(app)
    assert code not in str(mail.payload) and mail.payload["to"] == BAO
    assert "⟦otp:" in mail.payload["body"]
    async with app.uow_factory() as uow:
        (row,) = await uow.session.scalars(select(OneTimeCode))
    assert row.customer_id == bao and row.email == BAO and row.purpose == "link"
    assert row.digest is not None and len(row.digest) == 64 and code not in row.digest
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert (await enter(app, code)).outcome is CheckOutcome.VERIFIED
    assert await level(app) is Level.LINKED
    (linked,) = await audit(app, "identity.linked")
    assert linked.customer_id == bao and linked.details["factor"] == "email"


async def test_an_address_not_on_file_gets_the_same_answer_and_no_mail(app: App, bao: int) -> None:
    on_file = await ask(app, ALICE, BAO)
    stranger = await ask(app, MALLORY, "nobody@example.com")
    assert on_file.outcome is stranger.outcome is RequestOutcome.SENT
    assert len(await mails(app)) == 1
    # Its entries are wrong like any other, with the same tries left.
    for _ in range(2):
        stranger_tries = (await enter(app, "123456", MALLORY)).tries_left
        assert stranger_tries == (await enter(app, "123457", ALICE)).tries_left


async def test_a_code_works_once(app: App, bao: int) -> None:
    await ask(app)
    code = await last_code(app)
    assert (await enter(app, code)).outcome is CheckOutcome.VERIFIED
    assert (await enter(app, code)).outcome is CheckOutcome.NO_CODE


async def test_an_expired_code_is_refused_without_counting_an_attempt(
    app: App, bao: int, clock: ManualClock
) -> None:
    await ask(app)
    code = await last_code(app)
    clock.advance(timedelta(minutes=10))
    assert (await enter(app, code)).outcome is CheckOutcome.EXPIRED
    assert await level(app) is Level.NONE
    async with app.uow_factory() as uow:
        assert await uow.verification.failures_by_account("telegram", "1001", clock.now() - timedelta(1)) == 0


async def test_a_code_issued_for_another_purpose_does_not_work(app: App, bao: int) -> None:
    await ask(app)
    code = await last_code(app)
    assert (await enter(app, code, purpose=CodePurpose.STRONG)).outcome is CheckOutcome.WRONG
    assert await level(app) is Level.NONE
    assert (await enter(app, code)).outcome is CheckOutcome.VERIFIED  # for its own purpose it still does


async def test_a_code_sent_to_an_address_no_longer_on_file_does_not_work(app: App, bao: int) -> None:
    await ask(app)
    code = await last_code(app)
    async with app.uow_factory() as uow:
        customer = await uow.customers.get(bao)
        assert customer is not None
        customer.email = "bao.new@example.com"  # changed on file since the code went out
        await uow.commit()
    assert (await enter(app, code)).outcome is CheckOutcome.WRONG


async def test_a_code_is_bound_to_the_chat_account_that_asked(app: App, bao: int) -> None:
    await ask(app, ALICE)
    code = await last_code(app)
    assert (await enter(app, code, MALLORY)).outcome is CheckOutcome.NO_CODE
    assert await level(app, MALLORY) is Level.NONE


async def test_of_two_codes_in_flight_only_the_latest_works(app: App, bao: int, clock: ManualClock) -> None:
    await ask(app)
    first = await last_code(app)
    clock.advance(timedelta(minutes=1))
    assert (await ask(app)).outcome is RequestOutcome.SENT
    second = await last_code(app)
    assert len(await mails(app)) == 2
    if first != second:
        assert (await enter(app, first)).outcome is CheckOutcome.WRONG
    assert (await enter(app, second)).outcome is CheckOutcome.VERIFIED


async def test_a_code_for_another_address_replaces_the_first(app: App, bao: int, clock: ManualClock) -> None:
    await ask(app, address=BAO)
    code = await last_code(app)
    clock.advance(timedelta(minutes=1))
    await ask(app, address="someone.else@example.com")
    assert (await enter(app, code)).outcome is CheckOutcome.WRONG  # the latest request was for another


async def test_five_wrong_entries_spend_a_code(app: App, bao: int) -> None:
    await ask(app)
    code = await last_code(app)
    results = [await enter(app, wrong(code)) for _ in range(5)]
    assert [r.tries_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].outcome is CheckOutcome.SPENT
    assert (await enter(app, code)).outcome is CheckOutcome.SPENT  # not even the right one now


async def test_ten_wrong_a_day_lock_the_customer_out_with_an_audit_row_and_a_staff_note(
    app: App, bao: int, clock: ManualClock
) -> None:
    outcomes = []
    for _ in range(2):
        await ask(app)
        code = await last_code(app)
        outcomes += [(await enter(app, wrong(code))).outcome for _ in range(5)]
        clock.advance(timedelta(minutes=2))
    assert outcomes[-1] is CheckOutcome.LOCKED and CheckOutcome.LOCKED not in outcomes[:-1]
    (locked,) = await audit(app, "identity.locked_out")
    assert locked.customer_id == bao and locked.details["customer_locked"] is True
    async with app.uow_factory() as uow:
        (note,) = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == str(STAFF_CHAT))
        )
    assert "Phạm Quốc Bảo" in note.payload["text"] and BAO not in note.payload["text"]
    assert "b•••" in note.payload["text"]
    # Locked: no code is mailed, for this account or another, and a right code is refused.
    before = len(await mails(app))
    assert (await ask(app)).outcome is RequestOutcome.LOCKED
    assert (await ask(app, MALLORY)).outcome is RequestOutcome.SENT  # same words: nothing given away
    assert len(await mails(app)) == before


async def test_the_lockout_ends_after_a_day_and_the_count_starts_again(
    app: App, bao: int, clock: ManualClock
) -> None:
    for _ in range(2):
        await ask(app)
        code = await last_code(app)
        for _ in range(5):
            last = await enter(app, wrong(code))
        clock.advance(timedelta(minutes=2))
    assert last.outcome is CheckOutcome.LOCKED and last.until is not None
    clock.set(last.until - timedelta(seconds=1))
    assert (await ask(app)).outcome is RequestOutcome.LOCKED
    clock.set(last.until)
    assert (await ask(app)).outcome is RequestOutcome.SENT
    code = await last_code(app)
    assert (await enter(app, wrong(code))).outcome is CheckOutcome.WRONG  # a fresh count, not a relock
    assert (await enter(app, code)).outcome is CheckOutcome.VERIFIED


async def test_resends_are_throttled_to_one_a_minute_and_five_an_hour(
    app: App, bao: int, clock: ManualClock
) -> None:
    assert (await ask(app)).outcome is RequestOutcome.SENT
    too_soon = await ask(app)
    assert too_soon.outcome is RequestOutcome.WAIT and too_soon.until == clock.now() + timedelta(minutes=1)
    for _ in range(4):
        clock.advance(timedelta(minutes=1))
        assert (await ask(app)).outcome is RequestOutcome.SENT
    clock.advance(timedelta(minutes=1))
    sixth = await ask(app)
    assert sixth.outcome is RequestOutcome.HOURLY_LIMIT
    assert len(await mails(app)) == 5
    assert sixth.until is not None
    clock.set(sixth.until)
    assert (await ask(app)).outcome is RequestOutcome.SENT


async def test_another_account_cannot_flood_the_customers_mailbox(app: App, bao: int) -> None:
    await ask(app, ALICE)
    answer = await ask(app, MALLORY)  # within the minute, for the same customer
    assert answer.outcome is RequestOutcome.SENT  # the same words as ever...
    assert len(await mails(app)) == 1  # ...but nothing was mailed
    async with app.uow_factory() as uow:
        rows = list(await uow.session.scalars(select(OneTimeCode).order_by(OneTimeCode.id)))
    assert [row.status for row in rows] == ["active", "withheld"]


async def test_the_strong_purpose_goes_to_the_address_on_file_of_the_linked_customer(
    app: App, bao: int, clock: ManualClock
) -> None:
    assert (await ask(app, purpose=CodePurpose.STRONG, address=None)).outcome is RequestOutcome.NOT_LINKED
    await ask(app)
    await enter(app, await last_code(app))
    clock.advance(timedelta(minutes=1))
    sent = await ask(app, purpose=CodePurpose.STRONG, address="typed.is.ignored@example.com")
    assert sent.outcome is RequestOutcome.SENT and sent.masked_email == "b•••••••@example.com"
    assert (await mails(app))[-1].payload["to"] == BAO
    strong = await enter(app, await last_code(app), purpose=CodePurpose.STRONG)
    assert strong.outcome is CheckOutcome.VERIFIED


async def test_a_linked_customer_with_no_email_on_file_is_told_so(app: App, bao: int) -> None:
    async with app.uow_factory() as uow:
        minh = Customer(full_name="Trần Văn Minh", phone="+84987654321")
        uow.customers.add(minh)
        await uow.flush()
        account = await uow.accounts.get("telegram", ALICE.user_id)
        assert account is not None
        account.customer_id, account.verified_phone = minh.id, minh.phone
        account.phone_verified_at = app.clock.now()
        await uow.commit()
    answer = await ask(app, purpose=CodePurpose.STRONG, address=None)
    assert answer.outcome is RequestOutcome.NO_EMAIL_ON_FILE and await mails(app) == []
