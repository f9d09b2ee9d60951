"""The email factor: a one-time code mailed to an address on file, and the limits around it.

Asking for a code (`request_code`):

| check, in this order                                | answer                                    |
|-----------------------------------------------------|-------------------------------------------|
| this chat account is locked out                     | LOCKED, until when                        |
| it asked less than a minute ago / 5 times this hour | WAIT / HOURLY_LIMIT, until when           |
| the typed text is not an email address              | INVALID_ADDRESS                           |
| (strong level) the customer has no email on file    | NO_EMAIL_ON_FILE                          |
| the address is on nobody's file                     | SENT: the same words, nothing is mailed   |
| the customer is locked out / was mailed < 1 min ago | SENT (link) or LOCKED / WAIT (strong)     |
| or 5 times this hour, by any chat account           |                                           |
| otherwise                                           | SENT: a code is mailed through the outbox |

For the link purpose the answer never tells whether the address is a customer's ("if this address
is on file, a code is on its way"): a request for an address on nobody's file is recorded as a code
row without a customer or digest, takes wrong entries and counts towards the limits like any other.
For the strong purpose the chat user is already linked to the customer, so the answers may be plain.

Typing a code (`check_code`): only the chat account's latest code is considered; an expired one is
said to be expired (no attempt is counted); otherwise the typed code's HMAC, computed for the
customer's *current* email and the purpose the flow expects, is compared in constant time with the
stored one, so a code issued for another purpose or sent to an address no longer on file is simply
wrong. A wrong entry counts against the code (5, then it is spent), against the chat account and
against the customer (10 a day each, then a lockout of 24 hours, with an audit row and a note to
staff). A right one is used up and links the account (`identity.email_verified`, `identity.linked`).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.email import InvalidEmail, normalize_email
from bot.domain.masking import mask_email
from bot.domain.one_time_code import (
    CODE_TTL,
    MAX_CODES_PER_HOUR,
    MAX_WRONG_PER_CODE,
    RESEND_INTERVAL,
    CodePurpose,
    code_digest,
    digests_match,
    new_code,
    seal,
)
from bot.i18n import Catalog
from bot.messages.actions import Address, SendEmail
from bot.messages.events import ChatUser
from bot.services.audit import record_access
from bot.services.consent_matching import match_account
from bot.services.identity.levels import CustomerView, chat_account, proven_customer
from bot.services.identity.limits import account_lockout, customer_lockout, record_failure
from bot.services.outbox import enqueue
from bot.storage.models import Customer, OneTimeCode, OutboxPurpose
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

EMAIL_CHANNEL = "email"
_HOUR = timedelta(hours=1)
PURPOSE = "verify the chat user's email address before showing personal data"


class RequestOutcome(StrEnum):
    SENT = "sent"
    WAIT = "wait"
    HOURLY_LIMIT = "hourly_limit"
    LOCKED = "locked"
    INVALID_ADDRESS = "invalid_address"
    NO_EMAIL_ON_FILE = "no_email_on_file"
    NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class CodeRequest:
    outcome: RequestOutcome
    #: the address as the chat shows it, masked (n••@gmail.com)
    masked_email: str | None = None
    #: WAIT / HOURLY_LIMIT: when a new code may be asked for; LOCKED: when the lockout ends
    until: datetime | None = None


class CheckOutcome(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    SPENT = "spent"  # 5 wrong entries: this code works no more
    EXPIRED = "expired"
    NO_CODE = "no_code"  # none asked for, or the latest was used already
    LOCKED = "locked"


@dataclass(frozen=True)
class CodeCheck:
    outcome: CheckOutcome
    customer: CustomerView | None = None
    tries_left: int = 0
    until: datetime | None = None  # LOCKED: when the lockout ends
    #: this check started the lockout (the staff were told)
    locked_now: bool = False


async def request_code(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    texts: Catalog,
    user: ChatUser,
    *,
    purpose: CodePurpose,
    language: str,
    typed_address: str | None = None,
) -> CodeRequest:
    """Mail a code for `purpose`: to the typed address if on file (link), or the linked customer's."""
    now = clock.now()
    lockout = await account_lockout(uow, now, user)
    if lockout is not None:
        return CodeRequest(RequestOutcome.LOCKED, until=lockout.ends_at)
    throttled = throttle(await uow.verification.codes_asked_by(user.channel, user.user_id, now - _HOUR), now)
    if throttled is not None:
        return throttled
    if purpose is CodePurpose.LINK:
        try:
            address = normalize_email(typed_address or "")
        except InvalidEmail:
            return CodeRequest(RequestOutcome.INVALID_ADDRESS)
        customer = await uow.customers.by_email(address)
    else:
        customer = await proven_customer(uow, await chat_account(uow, user))
        if customer is None:
            return CodeRequest(RequestOutcome.NOT_LINKED)
        if not customer.email:
            return CodeRequest(RequestOutcome.NO_EMAIL_ON_FILE)
        address = customer.email
    masked = mask_email(address)
    await uow.verification.replace_active_codes(user.channel, user.user_id)
    row = OneTimeCode(channel=user.channel, channel_user_id=user.user_id, purpose=purpose.value,
                      created_at=now, expires_at=now + CODE_TTL)
    if customer is None:
        await _record_request(uow, clock, user, row, purpose, sent=False, masked=masked)
        return CodeRequest(RequestOutcome.SENT, masked)
    row.customer_id, row.email = customer.id, address
    withheld = await _withheld_for(uow, now, customer)
    if withheld is not None:
        row.status = "withheld"
        await _record_request(uow, clock, user, row, purpose, sent=False, masked=masked,
                              reason=withheld.outcome)
        if purpose is CodePurpose.LINK:
            return CodeRequest(RequestOutcome.SENT, masked)  # nothing that tells the address is on file
        return withheld
    code = new_code()
    row.digest = code_digest(settings.code_key(), code, customer_id=customer.id, email=address,
                             purpose=purpose.value, account=user.actor)
    await _record_request(uow, clock, user, row, purpose, sent=True, masked=masked)
    mail = compose_code_email(texts, settings, language, customer=customer, to=address,
                              sealed_code=seal(settings.code_key(), code), purpose=purpose,
                              expires_at=row.expires_at)
    await enqueue(uow, clock, Address(EMAIL_CHANNEL, address), mail, purpose=OutboxPurpose.VERIFICATION_CODE,
                  dedupe_key=f"otp:{row.id}")
    return CodeRequest(RequestOutcome.SENT, masked)


async def check_code(
    uow: UnitOfWork,
    clock: Clock,
    settings: Settings,
    texts: Catalog,
    user: ChatUser,
    code: str,
    *,
    purpose: CodePurpose,
) -> CodeCheck:
    """Take a typed code for `purpose`; a right one links the chat account to the customer."""
    now = clock.now()
    lockout = await account_lockout(uow, now, user)
    if lockout is not None:
        return CodeCheck(CheckOutcome.LOCKED, until=lockout.ends_at)
    row = await uow.verification.latest_code(user.channel, user.user_id)
    if row is None or row.status in ("used", "replaced"):
        return CodeCheck(CheckOutcome.NO_CODE)
    if row.status == "exhausted":
        return CodeCheck(CheckOutcome.SPENT)
    if now >= row.expires_at:
        return CodeCheck(CheckOutcome.EXPIRED)
    customer = await uow.customers.get(row.customer_id) if row.customer_id is not None else None
    if customer is not None:
        lockout = await customer_lockout(uow, now, customer.id)
        if lockout is not None:
            return CodeCheck(CheckOutcome.LOCKED, until=lockout.ends_at)
    if customer is not None and customer.email and row.digest is not None:
        candidate = code_digest(settings.code_key(), code, customer_id=customer.id, email=customer.email,
                                purpose=purpose.value, account=user.actor)
        if digests_match(row.digest, candidate):
            return await _verified(uow, clock, user, row, customer, purpose)
    return await _wrong(uow, clock, settings, texts, user, row)


async def _verified(
    uow: UnitOfWork, clock: Clock, user: ChatUser, row: OneTimeCode, customer: Customer, purpose: CodePurpose
) -> CodeCheck:
    now = clock.now()
    row.status, row.used_at = "used", now
    account = await chat_account(uow, user)
    previous = account.customer_id
    if previous != customer.id:
        # Linked to another customer before (or to nobody): this customer's email decides now.
        account.verified_phone = account.phone_verified_at = account.order_code_verified_at = None
        account.customer_id = customer.id
    account.verified_email, account.email_verified_at = customer.email, now
    record_access(uow, clock, actor=user.actor, action="identity.email_verified", customer_id=customer.id,
                  purpose=PURPOSE, email=mask_email(customer.email), code_purpose=purpose.value)
    if previous != customer.id:
        record_access(uow, clock, actor=user.actor, action="identity.linked", customer_id=customer.id,
                      purpose=PURPOSE, factor="email", previous_customer_id=previous)
        await match_account(uow, clock, account)  # a marketing opt-out said before linking is theirs now
    return CodeCheck(CheckOutcome.VERIFIED, CustomerView(customer.id, customer.full_name))


async def _wrong(
    uow: UnitOfWork, clock: Clock, settings: Settings, texts: Catalog, user: ChatUser, row: OneTimeCode
) -> CodeCheck:
    row.wrong_attempts += 1
    if row.wrong_attempts >= MAX_WRONG_PER_CODE:
        row.status = "exhausted"
    lockout = await record_failure(uow, clock, settings, texts, user, customer_id=row.customer_id,
                                   factor="email_code")
    if lockout is not None:
        return CodeCheck(CheckOutcome.LOCKED, until=lockout.ends_at, locked_now=True)
    if row.status == "exhausted":
        return CodeCheck(CheckOutcome.SPENT)
    return CodeCheck(CheckOutcome.WRONG, tries_left=MAX_WRONG_PER_CODE - row.wrong_attempts)


def throttle(asked: list[datetime], now: datetime) -> CodeRequest | None:
    """WAIT when the last code was asked for less than a minute ago, HOURLY_LIMIT at 5 an hour."""
    if asked and now - asked[0] < RESEND_INTERVAL:
        return CodeRequest(RequestOutcome.WAIT, until=asked[0] + RESEND_INTERVAL)
    if len(asked) >= MAX_CODES_PER_HOUR:
        return CodeRequest(RequestOutcome.HOURLY_LIMIT, until=asked[MAX_CODES_PER_HOUR - 1] + _HOUR)
    return None


async def _withheld_for(uow: UnitOfWork, now: datetime, customer: Customer) -> CodeRequest | None:
    """Why no code may be mailed to this customer now, whoever asks: a lockout or their mailbox's limit."""
    lockout = await customer_lockout(uow, now, customer.id)
    if lockout is not None:
        return CodeRequest(RequestOutcome.LOCKED, until=lockout.ends_at)
    return throttle(await uow.verification.codes_sent_to(customer.id, now - _HOUR), now)


async def _record_request(
    uow: UnitOfWork,
    clock: Clock,
    user: ChatUser,
    row: OneTimeCode,
    purpose: CodePurpose,
    *,
    sent: bool,
    masked: str,
    reason: str | None = None,
) -> None:
    await uow.verification.add_code(row)
    record_access(
        uow,
        clock,
        actor=user.actor,
        action="identity.code_sent" if sent else "identity.code_not_sent",
        customer_id=row.customer_id,
        purpose=PURPOSE,
        email=masked,
        code_purpose=purpose.value,
        on_file=row.customer_id is not None,
        reason=reason,
    )
    log.info("one-time code %s for %s (%s)", "mailed" if sent else "not mailed", user.actor, purpose.value)


def compose_code_email(
    texts: Catalog,
    settings: Settings,
    language: str,
    *,
    customer: Customer,
    to: str,
    sealed_code: str,
    purpose: CodePurpose,
    expires_at: datetime,
) -> SendEmail:
    """The mail in the customer's language: the code, what it is for, when it expires, if not asked."""
    local = expires_at.astimezone(settings.zone)
    params = {
        "name": customer.full_name,
        "code": sealed_code,
        "purpose": texts.text(language, f"identity.email.purpose_{purpose.value}"),
        "expires": local.strftime("%H:%M %d/%m/%Y"),
        "minutes": int(CODE_TTL.total_seconds() // 60),
    }
    # Plain text: the catalogue escapes values for HTML, which a plain-text mail must not show.
    subject = html.unescape(str(texts.text(language, "identity.email.subject", **params)))
    body = html.unescape(str(texts.text(language, "identity.email.body", **params)))
    return SendEmail(to, subject, body)
