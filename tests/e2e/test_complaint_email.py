"""Every new ticket reaches the complaints mailbox, through a real SMTP server on this machine (aiosmtpd)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import load_settings
from bot.delivery.email_sender import EmailSender
from bot.delivery.senders import PermanentFailure, RetryLater
from bot.messages.actions import Address, SendEmail
from bot.storage.models import OutboxMessage, Ticket
from tests.support.harness import ChatHarness
from tests.support.mailbox import Mailbox, free_port, serve
from tests.support.wording import markup, rendered

MAILBOX = "khieunai@roseeorder.com"


@pytest.fixture
def settings_overrides(smtp_port: int) -> dict[str, object]:
    return {
        "staff_chat_id": -100999,
        "complaints_email": MAILBOX,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_starttls": False,
        "smtp_from": "Rosee Support <bot@roseeorder.com>",
    }


@pytest.fixture
def mail_server(smtp_port: int) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = serve(smtp_port, mailbox)
    try:
        yield mailbox
    finally:
        controller.stop()


async def file_request(harness: ChatHarness) -> None:
    lan = harness.user("1001", name="Lan")
    await lan.presses("menu:human")
    await lan.says("Tôi bị trừ tiền hai lần cho đơn RG-1 & muốn hoàn tiền")
    await lan.presses("complaint:submit")


async def email_row(harness: ChatHarness) -> OutboxMessage:
    async with harness.app.uow_factory() as uow:
        row = await uow.session.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email"))
        assert row is not None
        uow.session.expunge_all()
        return row


async def test_a_new_ticket_is_mailed_to_the_complaints_mailbox(
    harness: ChatHarness, mail_server: Mailbox
) -> None:
    await file_request(harness)
    await harness.deliver_outbox()
    (mail,) = mail_server.received
    assert mail["To"] == MAILBOX and mail["From"] == "Rosee Support <bot@roseeorder.com>"
    kind, category = markup("staff.kind.human"), markup("complaints.category.human")
    assert mail["Subject"] == rendered("staff.email_subject", number="HT-2026-000001", kind=kind,
                                       category=category)
    # The whole body, in plain text: the customer's "&" as typed, no markup, the first reply due at 11:00.
    async with harness.app.uow_factory() as uow:
        ticket = await uow.session.scalar(select(Ticket))
        assert ticket is not None
        zone = harness.app.settings.zone
        due = {name: getattr(ticket, f"{name}_at").astimezone(zone).strftime("%H:%M %d/%m/%Y")
               for name in ("resolution_due", "handling_due")}
    body = mail.get_content()
    assert body.rstrip("\n") == rendered(
        "staff.email_body", number="HT-2026-000001", kind=kind, category=category,
        order=markup("staff.no_order"), name="Lan", phone="—", verified=markup("staff.unverified"),
        channel="telegram", created="09:00 23/11/2026", first_reply_due="11:00 23/11/2026", **due,
        attachments=markup("staff.no_attachments"),
        description="Tôi bị trừ tiền hai lần cho đơn RG-1 & muốn hoàn tiền",
    )
    assert "& muốn hoàn tiền" in body and "<b>" not in body and "&amp;" not in body
    assert (await email_row(harness)).status == "sent"


async def test_mail_server_down_then_up_is_delivered_after_retry(
    harness: ChatHarness, smtp_port: int, clock: ManualClock
) -> None:
    await file_request(harness)
    await harness.deliver_outbox()  # nobody listens on the port yet
    row = await email_row(harness)
    assert row.status == "pending" and row.attempts == 1 and "unreachable" in (row.last_error or "")
    mailbox = Mailbox()
    controller = serve(smtp_port, mailbox)
    try:
        await harness.deliver_outbox()
        assert mailbox.received == []  # not due yet: backing off
        clock.advance(timedelta(seconds=5))
        await harness.deliver_outbox()
        await harness.deliver_outbox()
        assert len(mailbox.received) == 1
        assert (await email_row(harness)).status == "sent"
    finally:
        controller.stop()


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("550 5.1.1 No such mailbox", PermanentFailure),
        ("451 4.3.0 Try again later", RetryLater),
    ],
)
async def test_recipient_rejections_are_classified(answer: str, error: type[Exception]) -> None:
    port = free_port()
    controller = serve(port, Mailbox(rcpt_answer=answer))
    try:
        sender = EmailSender(load_settings(None, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False))
        with pytest.raises(error):
            await sender.deliver(Address("email", MAILBOX), SendEmail(MAILBOX, "Chủ đề", "Nội dung"))
    finally:
        controller.stop()


async def test_connection_refused_is_retry_later() -> None:
    sender = EmailSender(
        load_settings(None, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    )
    with pytest.raises(RetryLater):
        await sender.deliver(Address("email", MAILBOX), SendEmail(MAILBOX, "Chủ đề", "Nội dung"))


async def test_a_transient_failure_is_logged_at_once_not_when_given_up(
    harness: ChatHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """The dispatcher logs only a message given up: about two hours of retries later by default."""
    await file_request(harness)
    with caplog.at_level(logging.WARNING):
        await harness.deliver_outbox()  # nobody listens on the port
    row = await email_row(harness)
    assert row.status == "pending" and row.attempts == 1
    (warning,) = [r for r in caplog.records if r.name == "bot.delivery.email_sender"]
    assert warning.levelno == logging.WARNING
    assert "not sent, the outbox will try again: mail server unreachable" in warning.getMessage()
