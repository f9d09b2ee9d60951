"""Correction of a customer's own data, free of charge (Law 91/2025/QH15 art. 4; policy section 7).

The chat user must be at the strong level; the change is made to *their* customer row only (the one
their chat account is proven to be, `Identity.customer_at`), never to a row named by chat text.

| field         | how the new value is proven                             | applied                  |
|---------------|---------------------------------------------------------|--------------------------|
| name, address | nothing more than the strong level                      | at once (`apply`)        |
| email         | a code sent to the *new* address (`send_email_code`)    | when the code is right   |
| phone         | the customer's own Telegram contact carrying the number | at once (`apply`)        |
| phone         | no such contact                                         | for staff (`for_review`) |

Every change is audited with its old and new value (`corrections.applied`, in the audit row itself;
never in a log line), and recorded as a privacy request of kind correction: opened (staff see it in the
desk with its due date, to mirror in the shop's back office) and completed by the bot when applied, or
left open for staff when the phone needs review. A value equal to the one on file, or an email or
phone already on another customer's file, changes nothing.

The code for a new address is a `OneTimeCode` of purpose `correction`, bound (in its HMAC) to the
customer, the new address, the purpose and the chat account, so it can confirm nothing else; it is
mailed sealed through the outbox and counts towards the same limits and lockouts as the other codes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.clock import Clock
from bot.config import Settings
from bot.domain.email import InvalidEmail, checked_email
from bot.domain.masking import mask_email, mask_phone
from bot.domain.one_time_code import (
    CODE_TTL,
    MAX_WRONG_PER_CODE,
    CodePurpose,
    code_digest,
    digests_match,
    new_code,
    seal,
)
from bot.domain.phone import InvalidPhoneNumber, normalize_phone
from bot.domain.privacy_request import RequestKind
from bot.i18n import Catalog
from bot.messages.actions import Address
from bot.messages.events import ChatUser, SharedContact
from bot.services.audit import record_access
from bot.services.consent_matching import cover_current_addresses
from bot.services.identity import Level, chat_account, identify
from bot.services.identity.email_code import EMAIL_CHANNEL, compose_code_email, throttle
from bot.services.identity.limits import account_lockout, customer_lockout, record_failure
from bot.services.outbox import enqueue
from bot.services.privacy_requests import NewRequest, PrivacyRequests, RequestView, Staff
from bot.storage.models import Customer, OneTimeCode, OutboxPurpose
from bot.storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PURPOSE = "correct the customer's own personal data at their request"
#: Who completes a correction the bot applied itself (the history's actor: `staff:bot`).
BOT = Staff(user_id="bot", name="RoseeGlory")
NAME_MIN, NAME_MAX = 2, 200
ADDRESS_MIN, ADDRESS_MAX = 5, 500
_SPACES = re.compile(r"\s+")
_HOUR = timedelta(hours=1)


class Field(StrEnum):
    NAME = "name"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"


_COLUMN = {Field.NAME: "full_name", Field.PHONE: "phone", Field.EMAIL: "email", Field.ADDRESS: "address"}


class InvalidValue(ValueError):
    """The new value cannot be on file as it is (the flow says why, politely)."""


def clean_value(field: Field, raw: str) -> str:
    """The value as it would be stored; `InvalidValue` when it cannot be."""
    text = _SPACES.sub(" ", raw).strip()
    if field is Field.EMAIL:
        try:
            return checked_email(text)
        except InvalidEmail as error:
            raise InvalidValue("email") from error
    if field is Field.PHONE:
        try:
            return normalize_phone(text)
        except InvalidPhoneNumber as error:
            raise InvalidValue("phone") from error
    low, high = (NAME_MIN, NAME_MAX) if field is Field.NAME else (ADDRESS_MIN, ADDRESS_MAX)
    if not low <= len(text) <= high or not any(ch.isalpha() for ch in text):
        raise InvalidValue(field.value)
    if field is Field.NAME and any(ch.isdigit() or ch in "@<>/\\" for ch in text):
        raise InvalidValue(field.value)
    return text


class Outcome(StrEnum):
    APPLIED = "applied"
    FOR_REVIEW = "for_review"  # recorded; staff decide (a phone without the customer's own contact)
    UNCHANGED = "unchanged"  # the value on file already
    TAKEN = "taken"  # another customer's email or phone
    NOT_ALLOWED = "not_allowed"  # the chat user is not at the strong level (any more)
    NOT_OWN_CONTACT = "not_own_contact"  # a contact of someone else, or forwarded
    CONTACT_MISMATCH = "contact_mismatch"  # their own contact, with another number
    # The code for a new email:
    SENT = "sent"
    WAIT = "wait"
    LOCKED = "locked"
    WRONG = "wrong"
    SPENT = "spent"
    EXPIRED = "expired"
    NO_CODE = "no_code"


@dataclass(frozen=True)
class Change:
    outcome: Outcome
    field: Field | None = None
    #: what the chat may show: the new value (the customer's own, typed by them), masked for email/phone
    shown: str = ""
    request: RequestView | None = None
    tries_left: int = 0
    until: datetime | None = None


class Corrections:
    def __init__(self, *, clock: Clock, settings: Settings, texts: Catalog,
                 requests: PrivacyRequests) -> None:
        self._clock = clock
        self._settings = settings
        self._texts = texts
        self._requests = requests

    # Applying ----------------------------------------------------------------------------------------
    async def apply(self, uow: UnitOfWork, user: ChatUser, field: Field, value: str, *, language: str,
                    via: str = "chat") -> Change:
        """Name and address (and a phone proven by the own contact): changed at once, request completed."""
        checked = await self._checked(uow, user, field, value)
        if isinstance(checked, Change):
            return checked
        customer, value, old = checked
        details = {"text": f"correction: {field.value}", "field": field.value, "old": old or "", "new": value,
                   "via": via}
        # Recorded first: a new email or phone is what proved the level, until the account's proof follows.
        view = await self._requests.open_request(uow, user, NewRequest(RequestKind.CORRECTION, details,
                                                                       language=language))
        setattr(customer, _COLUMN[field], value)
        if field in (Field.EMAIL, Field.PHONE):  # a channel they stopped stays stopped at the new address
            await cover_current_addresses(uow, self._clock, [customer])
        if field in (Field.EMAIL, Field.PHONE):  # what this chat account proved is the new value now
            account = await chat_account(uow, user)
            now = self._clock.now()
            if field is Field.EMAIL and via == "email_code":
                account.verified_email, account.email_verified_at = value, now
            if field is Field.PHONE and via == "telegram_contact":
                account.verified_phone, account.phone_verified_at = value, now
        record_access(uow, self._clock, actor=user.actor, action="corrections.applied",
                      customer_id=customer.id, purpose=PURPOSE, field=field.value, old=old, new=value,
                      via=via)
        mirror = self._texts.text(language, "correction.delivered", field=self._label(field, language))
        # The flow's own reply confirms it (correction.applied, with the reference): no second notice.
        done = await self._requests.complete(uow, view.id, BOT, tell_requester=False, delivered={
            "text": str(mirror), "field": field.value, "old": old or "", "new": value})
        log.info("correction of %s applied for customer %s (%s)", field.value, customer.id, view.reference)
        return Change(Outcome.APPLIED, field, _shown(field, value), done.request or view)

    async def _checked(self, uow: UnitOfWork, user: ChatUser, field: Field,
                       value: str) -> Change | tuple[Customer, str, str | None]:
        """The customer, the cleaned value and the old one; or the refusal (not theirs, invalid, taken)."""
        customer = await self._own_customer(uow, user)
        if customer is None:
            return Change(Outcome.NOT_ALLOWED, field)
        value = clean_value(field, value)
        refused = await self._refused(uow, customer, field, value)
        if refused is not None:
            return refused
        return customer, value, getattr(customer, _COLUMN[field])

    async def for_review(self, uow: UnitOfWork, user: ChatUser, field: Field, value: str, *,
                         language: str, reason: str) -> Change:
        """Recorded for staff to check and apply (a new phone no contact of the customer's proves)."""
        checked = await self._checked(uow, user, field, value)
        if isinstance(checked, Change):
            return checked
        customer, value, old = checked
        record_access(uow, self._clock, actor=user.actor, action="corrections.for_review",
                      customer_id=customer.id, purpose=PURPOSE, field=field.value, old=old, new=value,
                      reason=reason)
        details = {"text": f"correction for review: {field.value} ({reason})", "field": field.value,
                   "old": old or "", "new": value, "review": reason}
        view = await self._requests.open_request(uow, user, NewRequest(RequestKind.CORRECTION, details,
                                                                       language=language))
        log.info("correction of %s left for staff for customer %s (%s)", field.value, customer.id,
                 view.reference)
        return Change(Outcome.FOR_REVIEW, field, _shown(field, value), view)

    async def by_contact(self, uow: UnitOfWork, user: ChatUser, phone: str, contact: SharedContact, *,
                         language: str) -> Change:
        """A new phone proven by the customer's own Telegram contact carrying it."""
        if contact.forwarded or contact.user_id is None or contact.user_id != user.user_id:
            return Change(Outcome.NOT_OWN_CONTACT, Field.PHONE)
        try:
            carried = normalize_phone(contact.phone)
        except InvalidPhoneNumber:
            return Change(Outcome.CONTACT_MISMATCH, Field.PHONE)
        if carried != clean_value(Field.PHONE, phone):
            return Change(Outcome.CONTACT_MISMATCH, Field.PHONE, _shown(Field.PHONE, carried))
        return await self.apply(uow, user, Field.PHONE, carried, language=language, via="telegram_contact")

    # A new email, confirmed by a code sent to it -----------------------------------------------------
    async def send_email_code(self, uow: UnitOfWork, user: ChatUser, email: str, *, language: str) -> Change:
        customer = await self._own_customer(uow, user)
        if customer is None:
            return Change(Outcome.NOT_ALLOWED, Field.EMAIL)
        address = clean_value(Field.EMAIL, email)
        refused = await self._refused(uow, customer, Field.EMAIL, address)
        if refused is not None:
            return refused
        now = self._clock.now()
        lockout = await account_lockout(uow, now, user) or await customer_lockout(uow, now, customer.id)
        if lockout is not None:
            return Change(Outcome.LOCKED, Field.EMAIL, until=lockout.ends_at)
        asked = await uow.verification.codes_asked_by(user.channel, user.user_id, now - _HOUR)
        throttled = throttle(asked, now) or throttle(await uow.verification.codes_sent_to(customer.id,
                                                                                            now - _HOUR), now)
        if throttled is not None:  # a minute between codes, five an hour, as for every code
            return Change(Outcome.WAIT, Field.EMAIL, until=throttled.until)
        await uow.verification.replace_active_codes(user.channel, user.user_id)
        code = new_code()
        row = OneTimeCode(channel=user.channel, channel_user_id=user.user_id,
                          purpose=CodePurpose.CORRECTION.value, created_at=now, expires_at=now + CODE_TTL,
                          customer_id=customer.id, email=address,
                          digest=code_digest(self._settings.code_key(), code, customer_id=customer.id,
                                             email=address, purpose=CodePurpose.CORRECTION.value,
                                             account=user.actor))
        await uow.verification.add_code(row)
        record_access(uow, self._clock, actor=user.actor, action="corrections.code_sent",
                      customer_id=customer.id, purpose=PURPOSE, email=mask_email(address))
        mail = compose_code_email(self._texts, self._settings, language, customer=customer, to=address,
                                  sealed_code=seal(self._settings.code_key(), code),
                                  purpose=CodePurpose.CORRECTION, expires_at=row.expires_at)
        await enqueue(uow, self._clock, Address(EMAIL_CHANNEL, address), mail,
                      purpose=OutboxPurpose.VERIFICATION_CODE, dedupe_key=f"otp:{row.id}")
        log.info("correction code mailed for %s", user.actor)
        return Change(Outcome.SENT, Field.EMAIL, mask_email(address))

    async def confirm_email_code(self, uow: UnitOfWork, user: ChatUser, code: str, *,
                                 language: str) -> Change:
        """The code typed: right, the new address is on file (and proven for this chat account)."""
        customer = await self._own_customer(uow, user)
        if customer is None:
            return Change(Outcome.NOT_ALLOWED, Field.EMAIL)
        now = self._clock.now()
        lockout = await account_lockout(uow, now, user) or await customer_lockout(uow, now, customer.id)
        if lockout is not None:
            return Change(Outcome.LOCKED, Field.EMAIL, until=lockout.ends_at)
        row = await uow.verification.latest_code(user.channel, user.user_id)
        if (row is None or row.purpose != CodePurpose.CORRECTION.value or row.status in ("used", "replaced")
                or row.customer_id != customer.id or not row.email or row.digest is None):
            return Change(Outcome.NO_CODE, Field.EMAIL)
        if row.status == "exhausted":
            return Change(Outcome.SPENT, Field.EMAIL)
        if now >= row.expires_at:
            return Change(Outcome.EXPIRED, Field.EMAIL)
        candidate = code_digest(self._settings.code_key(), code, customer_id=customer.id, email=row.email,
                                purpose=CodePurpose.CORRECTION.value, account=user.actor)
        if not digests_match(row.digest, candidate):
            row.wrong_attempts += 1
            if row.wrong_attempts >= MAX_WRONG_PER_CODE:
                row.status = "exhausted"
            locked = await record_failure(uow, self._clock, self._settings, self._texts, user,
                                          customer_id=customer.id, factor="correction_code")
            if locked is not None:
                return Change(Outcome.LOCKED, Field.EMAIL, until=locked.ends_at)
            if row.status == "exhausted":
                return Change(Outcome.SPENT, Field.EMAIL)
            return Change(Outcome.WRONG, Field.EMAIL, tries_left=MAX_WRONG_PER_CODE - row.wrong_attempts)
        row.status, row.used_at = "used", now
        return await self.apply(uow, user, Field.EMAIL, row.email, language=language, via="email_code")

    # Helpers -----------------------------------------------------------------------------------------
    async def _own_customer(self, uow: UnitOfWork, user: ChatUser) -> Customer | None:
        """The verified chat user's own customer row; None below the strong level."""
        identity = await identify(uow, self._clock, self._settings, user)
        if identity.customer is None or not identity.at_least(Level.STRONG):
            return None
        return await uow.customers.get(identity.customer_at(Level.STRONG).id)

    async def _refused(self, uow: UnitOfWork, customer: Customer, field: Field, value: str) -> Change | None:
        if getattr(customer, _COLUMN[field]) == value:
            return Change(Outcome.UNCHANGED, field, _shown(field, value))
        holder = (await uow.customers.by_email(value) if field is Field.EMAIL
                  else await uow.customers.by_phone(value) if field is Field.PHONE else None)
        if holder is not None and holder.id != customer.id:
            return Change(Outcome.TAKEN, field, _shown(field, value))
        return None

    def day(self, moment: datetime) -> str:
        """A due date as the customer reads it (the request notices' format)."""
        return self._requests.notices.day(moment)

    def _label(self, field: Field, language: str) -> str:
        return str(self._texts.text(language, f"correction.field.{field.value}"))


def _shown(field: Field, value: str) -> str:
    """The new value as the chat repeats it: the customer typed it, but an email or phone is masked."""
    if field is Field.EMAIL:
        return mask_email(value)
    if field is Field.PHONE:
        return mask_phone(value)
    return value
