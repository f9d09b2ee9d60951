"""Wrong entries and lockouts: at most 10 wrong codes a day per chat account and per customer.

Every wrong entry (an email code, an order code) is a `VerificationFailure` row. Counting starts at
whichever is later: 24 hours ago, or the end of the subject's last lockout (a lockout served wipes
the slate). At the limit, a `VerificationLockout` of 24 hours is written for the chat account (and
for the customer when it was the customer's count that reached it), with an audit row and a note to
staff (the staff group, else the complaints mailbox), so that a person knows before the customer
asks why codes no longer work. The phone factor is not affected: Telegram proves it, not a guess.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config import Settings
from bot.domain.masking import mask_email, mask_phone
from bot.domain.one_time_code import FAILURE_WINDOW, LOCKOUT, MAX_WRONG_PER_DAY
from bot.i18n import Catalog
from bot.messages.actions import Address, SendEmail, SendText
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.outbox import enqueue
from bot.storage.models import OutboxPurpose, VerificationFailure, VerificationLockout
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

STAFF_CHANNEL = "telegram"
EMAIL_CHANNEL = "email"


@dataclass(frozen=True)
class Lockout:
    ends_at: datetime
    customer_id: int | None


async def account_lockout(uow: UnitOfWork, now: datetime, user: ChatUser) -> Lockout | None:
    row = await uow.verification.account_lockout(user.channel, user.user_id)
    return Lockout(row.ends_at, row.customer_id) if row is not None and row.ends_at > now else None


async def customer_lockout(uow: UnitOfWork, now: datetime, customer_id: int) -> Lockout | None:
    row = await uow.verification.customer_lockout(customer_id)
    return Lockout(row.ends_at, row.customer_id) if row is not None and row.ends_at > now else None


async def record_failure(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    texts: Catalog,
    user: ChatUser,
    *,
    customer_id: int | None,
    factor: str,
) -> Lockout | None:
    """Write down a wrong entry; the lockout it starts, if it reached a limit."""
    now = clock.now()
    uow.verification.add_failure(VerificationFailure(
        channel=user.channel, channel_user_id=user.user_id, customer_id=customer_id, factor=factor,
        occurred_at=now,
    ))
    last = await uow.verification.account_lockout(user.channel, user.user_id)
    since = max(now - FAILURE_WINDOW, last.ends_at) if last is not None else now - FAILURE_WINDOW
    by_account = await uow.verification.failures_by_account(user.channel, user.user_id, since)
    against_customer = 0
    if customer_id is not None:
        last_of_customer = await uow.verification.customer_lockout(customer_id)
        since = now - FAILURE_WINDOW
        if last_of_customer is not None:
            since = max(since, last_of_customer.ends_at)
        against_customer = await uow.verification.failures_against(customer_id, since)
    if by_account < MAX_WRONG_PER_DAY and against_customer < MAX_WRONG_PER_DAY:
        return None
    locks_customer = customer_id if against_customer >= MAX_WRONG_PER_DAY else None
    lockout = VerificationLockout(channel=user.channel, channel_user_id=user.user_id,
                                  customer_id=locks_customer, started_at=now, ends_at=now + LOCKOUT)
    uow.verification.add_lockout(lockout)
    await uow.flush()
    record_access(
        uow,
        clock,
        actor=user.actor,
        action="identity.locked_out",
        customer_id=customer_id,
        purpose="too many wrong verification codes in a day",
        factor=factor,
        wrong_by_account=by_account,
        wrong_against_customer=against_customer,
        customer_locked=locks_customer is not None,
        until=lockout.ends_at.isoformat(),
    )
    log.warning("verification locked for %s until %s", user.actor, lockout.ends_at.isoformat())
    wrong = max(by_account, against_customer)
    await _tell_staff(uow, clock, settings, texts, user, lockout, customer_id, wrong)
    return Lockout(lockout.ends_at, locks_customer)


async def _tell_staff(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    texts: Catalog,
    user: ChatUser,
    lockout: VerificationLockout,
    customer_id: int | None,
    wrong: int,
) -> None:
    language = settings.default_language
    customer = await uow.customers.get(customer_id) if customer_id is not None else None
    params = {
        "account": user.actor,
        "wrong": wrong,
        "customer": customer.full_name if customer else texts.text(language, "staff.identity_no_customer"),
        "email": mask_email(customer.email) if customer else "—",
        "phone": mask_phone(customer.phone) if customer else "—",
        "until": lockout.ends_at.astimezone(settings.zone).strftime("%H:%M %d/%m/%Y"),
    }
    note = texts.text(language, "staff.identity_lockout", **params)
    key = f"lockout:{lockout.id}"
    if settings.staff_chat_id is not None:
        await enqueue(uow, clock, Address(STAFF_CHANNEL, str(settings.staff_chat_id)), SendText(note),
                      purpose=OutboxPurpose.IDENTITY_LOCKOUT, dedupe_key=key)
    elif settings.complaints_email and settings.smtp_host:
        subject = html.unescape(str(texts.text(language, "staff.identity_lockout_subject", **params)))
        body = html.unescape(_untagged(str(note)))
        await enqueue(uow, clock, Address(EMAIL_CHANNEL, settings.complaints_email),
                      SendEmail(settings.complaints_email, subject, body),
                      purpose=OutboxPurpose.IDENTITY_LOCKOUT, dedupe_key=key)


def _untagged(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)
